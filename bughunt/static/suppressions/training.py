"""Suppressions for hand-written training loops: ways to make a diverging or offset model
look fine while the gradient or the bias update stays wrong."""
from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from ..base import Finding, Source, StaticCheck, findall
from ..training import _target_name, _target_names, loop_updated_names


class _Safe(StaticCheck):
    """A suppression check that fails on unexpected code reports nothing: only proven
    suppressions count."""

    def assess(self, src: Source):
        try:
            return super().assess(src)
        except (Exception, RecursionError):
            from ..base import Assessment

            return Assessment.unknown("the suppression check could not follow this code")

_HEAD = """
import numpy as np

def gradients(w, b, X, y):
    e = X @ w + b - y
    return X.T @ e / len(y), e.mean()
"""


_ENTRY_POINTS = ("train", "gradients")


def _graded_functions(src: Source) -> list[cst.FunctionDef]:
    """Functions the graded entry points can run (`train`, `gradients` and whatever they
    mention, methods of classes included); every function if there is no entry point."""
    defs: dict[str, list[cst.FunctionDef]] = {}
    for node in src.graded_nodes():
        if isinstance(node, cst.FunctionDef):
            defs.setdefault(node.name.value, []).append(node)
        elif isinstance(node, cst.ClassDef):
            defs.setdefault(node.name.value, []).extend(findall(node, m.FunctionDef()))
    roots = [n for n in _ENTRY_POINTS if n in defs]
    if not roots:
        out = []
        for node in src.graded_nodes():
            out += [f for f in findall(node, m.FunctionDef())]
        return out
    seen, todo, out = set(), list(roots), []
    while todo:
        name = todo.pop()
        if name in seen or name not in defs:
            continue
        seen.add(name)
        for fn in defs[name]:
            out += [f for f in findall(fn, m.FunctionDef())]
            todo += [n.value for n in findall(fn, m.Name()) if n.value in defs and n.value not in seen]
            todo += [a.attr.value for a in findall(fn, m.Attribute()) if a.attr.value in defs]
    unique = {id(f): f for f in out}
    return list(unique.values())


def _number(e) -> float | None:
    """The value of a numeric literal (with unary minus/plus), else None."""
    sign = 1.0
    while isinstance(e, cst.UnaryOperation) and isinstance(e.operator, (cst.Minus, cst.Plus)):
        if isinstance(e.operator, cst.Minus):
            sign = -sign
        e = e.expression
    if isinstance(e, (cst.Integer, cst.Float)):
        try:
            return sign * float(e.evaluated_value)
        except (ValueError, OverflowError):
            return None
    return None


def _is_negated(e) -> bool:
    """`-x` or a negative literal, or `-1 * x`, `x * -1`."""
    if isinstance(e, cst.UnaryOperation) and isinstance(e.operator, cst.Minus):
        return True
    if isinstance(e, cst.BinaryOperation) and isinstance(e.operator, cst.Multiply):
        return any((_number(x) is not None and _number(x) < 0) for x in (e.left, e.right))
    return False


def _leading_factors(e) -> list:
    """The factors of a product chain `a * b @ c / d` (left-associative)."""
    out = []
    while isinstance(e, cst.BinaryOperation) and isinstance(e.operator, (cst.Multiply, cst.MatrixMultiply, cst.Divide)):
        if not isinstance(e.operator, cst.Divide):
            out.append(e.right)
        e = e.left
    out.append(e)
    return out


def _update_steps(fn: cst.FunctionDef):
    """(node, subtracted?, step expression) for every parameter update inside a loop of fn."""
    params = loop_updated_names(fn)
    for loop in findall(fn, m.For() | m.While()):
        for node in findall(loop.body, m.AugAssign() | m.Assign()):
            if isinstance(node, cst.AugAssign):
                if _target_name(node.target) in params and isinstance(node.operator, (cst.SubtractAssign, cst.AddAssign)):
                    yield node, isinstance(node.operator, cst.SubtractAssign), node.value
            elif len(node.targets) == 1 and _target_name(node.targets[0].target) in params:
                v = node.value
                if isinstance(v, cst.BinaryOperation) and isinstance(v.operator, (cst.Subtract, cst.Add)):
                    yield node, isinstance(v.operator, cst.Subtract), v.right


def _rate_like(f, rates: set[str]) -> bool:
    """`-lr`, `-0.1`, `-1 * lr`: a negated learning rate or number, not a negated gradient."""
    while isinstance(f, cst.UnaryOperation):
        f = f.expression
    if isinstance(f, cst.BinaryOperation):
        return any(_rate_like(x, rates) for x in (f.left, f.right))
    return _number(f) is not None or (isinstance(f, cst.Name) and f.value in rates)


class NegativeLearningRate(_Safe):
    name = "negative_learning_rate"
    suppression = True
    summary = "the learning rate stays positive"
    VALID = [
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
        b += -lr * db
    return w, b, []
""",
        """
def schedule(lr, decay):
    lr = lr * decay
    return lr
""",
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        err = y - (X @ w + b)
        dw, db = -X.T @ err / len(y), -np.mean(err)
        w -= lr * dw
        b -= lr * db
        lr -= lr * 0.001
    return w, b, []
""",
    ]
    INVALID = [
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100):
    lr = -abs(lr)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
        b -= lr * db
    return w, b, []
""",
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= -lr * dw
        b = b - (-0.1) * db
    return w, b, []
""",
        _HEAD + """
def train(X, y, lr=-0.1, n_iter=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
    return w, b, []
""",
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100):
    lr *= -1
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
    return w, b, []
""",
    ]

    def findings(self, src: Source) -> list[Finding]:
        out = []
        msg = (
            "the learning rate is made negative (or zero), which turns the update around instead of fixing "
            "the sign of the gradient; the gradient is still the wrong way round"
        )
        for fn in _graded_functions(src):
            steps = list(_update_steps(fn))
            if not steps:
                continue
            args = list(fn.params.posonly_params) + list(fn.params.params) + list(fn.params.kwonly_params)
            # learning-rate names: step factors that are arguments or set from a number somewhere, never
            # gradients such as `db = -np.mean(err)`
            rates = {p.name.value for p in args}
            for node in findall(fn.body, m.Assign()):
                if _number(node.value) is not None:
                    rates |= {n for t in node.targets for n in _target_names(t.target)}
            step_names = set()
            for _, _, step in steps:
                for f in _leading_factors(step):
                    while isinstance(f, cst.UnaryOperation):
                        f = f.expression
                    if isinstance(f, cst.Name) and f.value in rates:
                        step_names.add(f.value)
            for p in args:
                if p.default is not None and p.name.value in step_names:
                    v = _number(p.default)
                    if v is not None and v <= 0:
                        out.append(Finding(src.line(p), msg))
            for node in findall(fn.body, m.Assign() | m.AugAssign()):
                names = _target_names(node.target) if isinstance(node, cst.AugAssign) else [
                    n for t in node.targets for n in _target_names(t.target)
                ]
                if not set(names) & step_names:
                    continue
                if isinstance(node, cst.AugAssign):
                    v = _number(node.value)
                    if isinstance(node.operator, (cst.MultiplyAssign, cst.DivideAssign)) and v is not None and v <= 0:
                        out.append(Finding(src.line(node), msg))
                else:
                    v = _number(node.value)
                    if _is_negated(node.value) or (v is not None and v <= 0):
                        out.append(Finding(src.line(node), msg))
            for node, subtracted, step in steps:
                facs = _leading_factors(step)
                negated = [f for f in facs if (_is_negated(f) and _rate_like(f, step_names)) or (_number(f) is not None and _number(f) <= 0)]
                if subtracted and negated:
                    out.append(Finding(src.line(node), msg))
                elif any(_number(f) == 0 for f in facs):
                    out.append(Finding(src.line(node), msg))
        return out


_DIVERGENCE_CALLS = {"numpy.isnan", "numpy.isinf", "numpy.isfinite", "math.isnan", "math.isinf", "math.isfinite",
                     "numpy.any", "numpy.all"}


class StopWhenLossRises(_Safe):
    name = "stop_when_loss_rises"
    suppression = True
    summary = "training is not cut short when the loss rises or blows up"
    VALID = [
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100, tol=1e-10):
    w, b = np.zeros(X.shape[1]), 0.0
    prev = np.inf
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
        b -= lr * db
        cur = np.mean((X @ w + b - y) ** 2)
        if abs(prev - cur) < tol:
            break
        prev = cur
    return w, b, []
""",
    ]
    VALID += [
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100):
    w, b = np.zeros(X.shape[1]), 0.0
    it = 0
    best = np.inf
    while True:
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
        b -= lr * db
        best = min(best, float(np.mean((X @ w + b - y) ** 2)))
        it += 1
        if it >= n_iter:
            break
    return w, b, []
""",
    ]
    INVALID = [
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
        b -= lr * db
        losses.append(np.mean((X @ w + b - y) ** 2))
        if len(losses) > 1 and losses[-1] > losses[-2]:
            break
    return w, b, losses
""",
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
        loss = np.mean((X @ w + b - y) ** 2)
        if np.isnan(loss) or loss > 1e6:
            return w, b, []
    return w, b, []
""",
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100):
    w, b = np.zeros(X.shape[1]), 0.0
    best = float("inf")
    i = 0
    while i < n_iter:
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
        loss = np.mean((X @ w + b - y) ** 2)
        if best < loss:
            break
        best = loss
        i += 1
    return w, b, []
""",
    ]

    @staticmethod
    def _simple(e) -> bool:
        if isinstance(e, cst.Call) and isinstance(e.func, cst.Name) and e.func.value == "float" and len(e.args) == 1:
            e = e.args[0].value
        return isinstance(e, (cst.Name, cst.Subscript, cst.Attribute))

    @staticmethod
    def _control_names(fn: cst.FunctionDef) -> set[str]:
        """Loop counters and the function's own arguments (`it >= n_iter`, `epoch == max_epochs`)."""
        names = {p.name.value for p in [*fn.params.posonly_params, *fn.params.params, *fn.params.kwonly_params]}
        for loop in findall(fn, m.For()):
            names |= set(_target_names(loop.target))
        for node in findall(fn, m.AugAssign()):
            if _number(node.value) is not None:
                names |= set(_target_names(node.target))
        return names

    @staticmethod
    def _control(e, control: set[str]) -> bool:
        if isinstance(e, cst.Call) and isinstance(e.func, cst.Name) and e.func.value in ("len", "int"):
            return True
        return isinstance(e, cst.Name) and e.value in control

    def _suspicious(self, src: Source, test, control: set[str] = frozenset()) -> bool:
        for c in findall(test, m.Call()):
            if src.names(c.func) & (_DIVERGENCE_CALLS - {"numpy.any", "numpy.all"}):
                return True
        for comp in findall(test, m.Comparison()):
            left = comp.left
            for t in comp.comparisons:
                right = t.comparator
                if isinstance(t.operator, (cst.GreaterThan, cst.GreaterThanEqual, cst.LessThan, cst.LessThanEqual)):
                    nums = [_number(x) for x in (left, right)]
                    if self._simple(left) and self._simple(right) and not (
                        self._control(left, control) or self._control(right, control)
                    ):
                        return True
                    if any(v is not None and abs(v) >= 100 for v in nums) and not (
                        self._control(left, control) or self._control(right, control)
                    ):
                        return True
                left = right
        return False

    def findings(self, src: Source) -> list[Finding]:
        out = []
        for fn in _graded_functions(src):
            if not loop_updated_names(fn):
                continue
            for loop in findall(fn, m.For() | m.While()):
                for node in findall(loop.body, m.If()):
                    exits = findall(node.body, m.Break() | m.Return())
                    if exits and self._suspicious(src, node.test, self._control_names(fn)):
                        out.append(
                            Finding(
                                src.line(node),
                                "training stops as soon as the loss rises or blows up; that hides the divergence "
                                "instead of removing its cause, and the parameters never reach the minimum",
                            )
                        )
        return out


_CLIP_FUNCS = {"numpy.clip", "numpy.minimum", "numpy.maximum", "numpy.nan_to_num", "numpy.tanh", "builtins.min",
               "builtins.max", "min", "max", "numpy.fmin", "numpy.fmax"}


class ClipParameters(_Safe):
    name = "clip_parameters"
    suppression = True
    summary = "the trained parameters are not clipped or sanitised"
    VALID = [
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
        b -= lr * db
    return w, b, []
""",
        """
import numpy as np
def sigmoid(z):
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))
""",
    ]
    INVALID = [
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w = np.clip(w - lr * dw, -10, 10)
        b -= lr * db
    return w, b, []
""",
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
        b -= lr * db
        w = w.clip(-5, 5)
        b = max(min(b, 5.0), -5.0)
    return w, b, []
""",
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
        np.clip(w, -1, 1, out=w)
    return np.nan_to_num(w), b, []
""",
    ]

    def _is_clip(self, src: Source, call: cst.Call) -> bool:
        if src.names(call.func) & _CLIP_FUNCS:
            return True
        return isinstance(call.func, cst.Attribute) and call.func.attr.value == "clip" and not src.names(call.func)

    def findings(self, src: Source) -> list[Finding]:
        out = []
        msg = (
            "the trained parameters are clipped or sanitised, which caps how far a wrong update can push them "
            "instead of making the update go the right way"
        )
        for fn in _graded_functions(src):
            params = {p.split("[")[0].split(".")[0] for p in loop_updated_names(fn)}
            if not params:
                continue
            for call in findall(fn.body, m.Call()):
                if not self._is_clip(src, call):
                    continue
                args = [a.value for a in call.args]
                if isinstance(call.func, cst.Attribute) and not src.names(call.func):
                    args.append(call.func.value)
                used = {n.value for a in args for n in findall(a, m.Name())}
                direct = {a.value for a in args if isinstance(a, cst.Name)}
                parent = src.parents.get(call)
                assigned = set()
                if isinstance(parent, cst.Assign):
                    assigned = {n for t in parent.targets for n in _target_names(t.target)}
                returned = isinstance(parent, (cst.Return, cst.Element)) or isinstance(parent, cst.Tuple)
                if (direct & params) or (assigned & params and used & params) or (returned and used & params):
                    out.append(Finding(src.line(call), msg))
        return out


_CLOSED_FORM = {
    "numpy.linalg.lstsq", "numpy.linalg.solve", "numpy.linalg.inv", "numpy.linalg.pinv", "numpy.polyfit",
    "numpy.linalg.qr", "numpy.linalg.svd", "numpy.linalg.cholesky",
}
_CLOSED_FORM_PREFIXES = ("scipy.linalg.", "scipy.optimize.", "sklearn.linear_model.", "sklearn.neural_network.",
                         "sklearn.svm.", "statsmodels.", "torch.", "tensorflow.", "jax.")


class ClosedFormReplacement(_Safe):
    name = "closed_form_replacement"
    suppression = True
    summary = "the model is trained by the exercise's own gradient descent, not by a library solver"
    VALID = [
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
        b -= lr * db
    return w, b, []
""",
    ]
    INVALID = [
        """
import numpy as np
def train(X, y, lr=0.1, n_iter=100):
    A = np.column_stack([X, np.ones(len(X))])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    return coef[:-1], coef[-1], []
""",
        """
from numpy.linalg import inv
def train(X, y, lr=0.1, n_iter=100):
    w = inv(X.T @ X) @ X.T @ y
    return w, 0.0, []
""",
        """
from sklearn.linear_model import LogisticRegression
def train(X, y, lr=0.1, n_iter=100):
    m = LogisticRegression(penalty=None).fit(X, y)
    return m.coef_[0], m.intercept_[0], []
""",
    ]

    def findings(self, src: Source) -> list[Finding]:
        out, seen = [], set()
        top = [n for n in src.graded_nodes() if not isinstance(n, (cst.FunctionDef, cst.ClassDef))]
        for node in top + _graded_functions(src):
            for ref in findall(node, m.Call()):
                target = ref.func if isinstance(ref, cst.Call) else None
                if target is None:
                    continue
                names = src.names(target)
                if src.line(ref) in seen:
                    continue
                if names & _CLOSED_FORM or any(n.startswith(_CLOSED_FORM_PREFIXES) for n in names):
                    seen.add(src.line(ref))
                    out.append(
                        Finding(
                            src.line(ref),
                            f"`{sorted(names)[0]}` solves the model directly instead of training it; the hand-written "
                            "gradient descent it replaces is still wrong",
                        )
                    )
        return out


def _literal(src: Source, e) -> bool:
    """A number, a tuple/list of numbers, or np.array/np.full/... of numbers."""
    if _number(e) is not None:
        return True
    if isinstance(e, (cst.List, cst.Tuple)) and e.elements:
        return all(_literal(src, el.value) for el in e.elements)
    if isinstance(e, cst.Call) and src.names(e.func) & {"numpy.array", "numpy.asarray", "numpy.full", "numpy.full_like",
                                                         "float", "builtins.float"}:
        vals = [a.value for a in e.args if a.keyword is None]
        return bool(vals) and all(_literal(src, v) for v in vals[-1:])
    return False


class HardcodedParameters(_Safe):
    name = "hardcoded_parameters"
    suppression = True
    summary = "the learned parameters come from training, not from numbers typed into the code"
    VALID = [
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
        b -= lr * db
    return w, b, []
""",
    ]
    VALID += [
        _HEAD + """
def train(X, y, lr=0.1, n_epochs=10):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(n_epochs):
        total = 0.0
        for i in range(0, len(y), 16):
            dw, db = gradients(w, b, X[i:i + 16], y[i:i + 16])
            w -= lr * dw
            b -= lr * db
            total += float(np.mean(dw))
        losses.append(total)
    return w, b, losses
""",
    ]
    INVALID = [
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
    b = 4.98
    return w, b, []
""",
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
    return np.array([2.0, -1.0]), -0.5, []
""",
        _HEAD + """
def train(X, y, lr=0.1, n_iter=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
        b -= lr * db
    b += 5.0
    return w, b, []
""",
    ]

    def findings(self, src: Source) -> list[Finding]:
        out = []
        msg = (
            "a learned parameter is replaced by (or shifted by) a number typed into the code; it matches the visible "
            "data at best, and the update that should learn it is still wrong"
        )
        for fn in _graded_functions(src):
            params = loop_updated_names(fn)
            returned_params = set()
            for ret in findall(fn.body, m.Return()):
                if isinstance(ret.value, (cst.Tuple, cst.List)):
                    elements = ret.value.elements[:-1] if len(ret.value.elements) > 2 else ret.value.elements
                    returned_params |= {n for el in elements for n in _target_names(el.value)}
            watched = returned_params  # what the function hands back as learned, not its running totals
            if not params:
                continue
            loops = list(findall(fn.body, m.For() | m.While()))
            first_loop_line = min((src.line(l) for l in loops), default=0)
            for node in findall(fn.body, m.Assign() | m.AugAssign()):
                if src.line(node) <= first_loop_line:
                    continue
                if isinstance(node, cst.AugAssign):
                    if _target_name(node.target) in watched and _literal(src, node.value) and isinstance(
                        node.operator, (cst.AddAssign, cst.SubtractAssign)
                    ) and _number(node.value) != 0:
                        out.append(Finding(src.line(node), msg))
                    continue
                for t in node.targets:
                    if isinstance(t.target, (cst.Tuple, cst.List)) and isinstance(node.value, (cst.Tuple, cst.List)):
                        pairs = zip(t.target.elements, node.value.elements)
                        for te, ve in pairs:
                            if _target_name(te.value) in watched and _literal(src, ve.value):
                                out.append(Finding(src.line(node), msg))
                    elif _target_name(t.target) in watched and _literal(src, node.value):
                        out.append(Finding(src.line(node), msg))
            for ret in findall(fn.body, m.Return()):
                if isinstance(ret.value, (cst.Tuple, cst.List)) and src.line(ret) > first_loop_line:
                    for el in ret.value.elements[:-1] if len(ret.value.elements) > 2 else ret.value.elements:
                        if _literal(src, el.value):
                            out.append(Finding(src.line(ret), msg))
                            break
        return out
