"""Root-cause check for time-ordered data: the split keeps time order.

A forecast is only validated honestly if every training row is older than every test row.
The check interprets the graded function (and the module-level helpers it calls) in
execution order, tracking what each value is:

- `full`: the rows as given (time order), `part`: an order-preserving selection of them
  (a slice, a boolean mask, `np.setdiff1d`, an unshuffled split);
- `scrambled`: rows whose order was randomised (train_test_split's default shuffle,
  `sklearn.utils.shuffle`, indexing with a permutation of all rows, the folds of a
  shuffling splitter), remembering where that happened;
- index arrays: ordered (`np.arange`, masks, `np.flatnonzero`, ...) or a permutation of
  all rows (`rng.permutation(len(X))`, `rng.choice(n, n, replace=False)`, cuts or
  `np.split` of one);
- `unknown`: something the check cannot follow (a lambda, a class, `**options`, an
  unshuffled KFold whose fold is picked at runtime, rows re-sorted with `argsort`...).

*Proven wrong*: scrambled rows reach a model's `fit` or the returned value. Shuffling only
the training rows after a time cut is fine. *Cannot tell*: an unknown value reached those
places; the runtime probes decide. Calls are resolved through libcst scopes (qualified names), so
aliases and renamed variables change nothing.
"""
from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from .base import Assessment, Finding, Source, StaticCheck
from .rowflow import settle

_MS = "sklearn.model_selection"
SPLIT_FUNCS = {f"{_MS}.train_test_split", f"{_MS}._split.train_test_split"}
ALWAYS_SHUFFLED = {f"{_MS}.{n}" for n in "ShuffleSplit StratifiedShuffleSplit GroupShuffleSplit RepeatedKFold RepeatedStratifiedKFold".split()}
KFOLDS = {f"{_MS}.{n}" for n in "KFold GroupKFold".split()}
OTHER_SPLITTERS = {f"{_MS}.{n}" for n in "StratifiedKFold StratifiedGroupKFold LeaveOneOut LeavePOut LeaveOneGroupOut LeavePGroupsOut PredefinedSplit GroupKFold".split()}
TIME_SPLITTERS = {f"{_MS}.TimeSeriesSplit"}
CV_PREDICT = {f"{_MS}.cross_val_predict"}
CV_SCORE = {f"{_MS}.{n}" for n in ("cross_val_score", "cross_validate")}
SHUFFLE_FUNCS = {"sklearn.utils.shuffle"}
PERMUTE_FUNCS = {"numpy.random.permutation"}
INPLACE_SHUFFLE = {"numpy.random.shuffle", "random.shuffle"}
SAMPLE_FUNCS = {"random.sample"}
RNG_FACTORIES = {"numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.Generator", "random.Random"}
ORDERED_INDEX = {f"numpy.{n}" for n in "setdiff1d sort unique flatnonzero nonzero argwhere intersect1d union1d".split()}
SORT_INDEX = {"numpy.argsort", "numpy.lexsort"}
SAME_AS_FIRST = {f"numpy.{n}" for n in "asarray array copy ascontiguousarray asanyarray atleast_2d squeeze".split()} | {
    "pandas.DataFrame", "pandas.Series"
}
JOINING = {f"numpy.{n}" for n in "concatenate vstack hstack column_stack stack r_ c_ append".split()}
SPLITTING = {"numpy.split", "numpy.array_split"}
FIT_METHODS = {"fit", "fit_transform", "partial_fit", "fit_predict"}
SAME_METHODS = {"copy", "astype", "reshape", "to_numpy", "ravel", "flatten", "clip", "round", "squeeze", "reset_index", "fillna",
                "drop", "abs", "assign", "rename", "set_axis", "set_index", "add_prefix", "add_suffix"}
CLEAN_METHODS = {"mean", "std", "var", "sum", "min", "max", "median", "score", "get_params", "set_params", "item", "tolist", "any", "all"}
CLEAN_BUILTINS = {"int", "float", "round", "print", "str", "isinstance", "bool", "max", "min", "abs", "sum"}

# values
CLEAN, FULL, PART, UNK, ORDFULL, ORD, PERMPART, N, SORTIDX, BLOCK, RNG = (
    ("clean",), ("full",), ("part",), ("unk",), ("ordfull",), ("ord",), ("permpart",), ("n",), ("sortidx",), ("block",), ("rng",)
)
DATA = {"full", "part", "scr", "unk", "ordfull", "ord", "perm", "permpart", "sortidx", "block"}


def scr(line: int, text: str):
    return ("scr", line, text)


def perm(line: int, text: str):
    return ("perm", line, text)


def seq(elem):
    return ("seq", elem)


def tup(items):
    return ("tup", list(items))


def splitter(kind: str, line: int = 0, text: str = ""):
    return ("splitter", kind, line, text)


_RANK = {"scr": 7, "perm": 6, "unk": 5, "sortidx": 4, "block": 4, "full": 3, "ordfull": 3, "part": 2, "permpart": 2, "ord": 2, "n": 1}


def join(*vals):
    best = CLEAN
    for v in vals:
        v = flat(v)
        if _RANK.get(v[0], 0) > _RANK.get(best[0], 0):
            best = v
    return best


def flat(v):
    if v[0] == "seq":
        return flat(v[1])
    if v[0] == "tup":
        return join(*v[1]) if v[1] else CLEAN
    if v[0] in ("splitter", "rng", "local"):
        return CLEAN
    return v


def _literal(node, consts):
    seen = 0
    while isinstance(node, cst.Name) and node.value in consts and seen < 5:
        node, seen = consts[node.value], seen + 1
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if isinstance(node, cst.Integer):
        return int(node.value)
    return ...


def _module_consts(src: Source) -> dict:
    out = {}
    for stmt in src.module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for s in stmt.body:
                if isinstance(s, cst.Assign) and len(s.targets) == 1 and isinstance(s.targets[0].target, cst.Name):
                    out[s.targets[0].target.value] = s.value
    return out


class _Interp:
    def __init__(self, src: Source):
        self.src = src
        self.consts = _module_consts(src)
        self.classes = {s.name.value for s in src.module.body if isinstance(s, cst.ClassDef)}
        self.findings: dict[int, str] = {}
        self.notes: list[tuple[str, int]] = []
        self.depth = 0
        self.returns: list = []
        self.active: set[str] = set()

    # --- helpers -------------------------------------------------------------------------
    def note(self, text, node):
        line = self.src.line(node)
        if (text, line) not in self.notes:
            self.notes.append((text, line))

    def code(self, node) -> str:
        c = self.src.module.code_for_node(node)
        return c if len(c) <= 60 else c[:57] + "..."

    def sink(self, v, node, where: str):
        """Scrambled rows reaching a fit or the returned value: proven wrong. Unknown: a note."""
        v = flat(v)
        if v[0] in ("scr", "perm"):
            self.findings.setdefault(v[1], v[2])
        elif v[0] in ("unk", "sortidx", "block"):
            self.note(f"could not tell whether the rows {where} keep time order", node)

    # --- functions -----------------------------------------------------------------------
    def run(self, fn: cst.FunctionDef, args: dict, env: dict | None = None):
        env = dict(env or {})
        params = list(fn.params.posonly_params) + list(fn.params.params)
        for i, p in enumerate(params):
            env[p.name.value] = args.get(i, args.get(p.name.value, CLEAN))
        for p in fn.params.kwonly_params:
            env[p.name.value] = args.get(p.name.value, CLEAN)
        saved = self.returns
        self.returns = []
        self.block(fn.body.body, env)
        out = join(*self.returns) if self.returns else CLEAN
        if len(self.returns) == 1:
            out = self.returns[0]
        self.returns = saved
        return out

    def block(self, stmts, env):
        for s in stmts:
            self.stmt(s, env)

    def stmt(self, s, env):
        if isinstance(s, cst.SimpleStatementLine):
            for small in s.body:
                self.small(small, env)
        elif isinstance(s, cst.If):
            self.expr(s.test, env)
            other = dict(env)
            self.block(s.body.body, env)
            if s.orelse is not None:
                body = s.orelse.body.body if isinstance(s.orelse, cst.Else) else [s.orelse]
                self.block(body, other)
            for k, v in other.items():
                if k not in env or env[k] != v:
                    env[k] = v if k not in env else self.merge(env[k], v)
        elif isinstance(s, (cst.For, cst.While)):
            for _ in range(2):
                if isinstance(s, cst.For):
                    self.bind(s.target, self.elem(self.expr(s.iter, env)), env)
                else:
                    self.expr(s.test, env)
                self.block(s.body.body, env)
            if s.orelse is not None:
                self.block(s.orelse.body.body, env)
        elif isinstance(s, cst.With):
            for item in s.items:
                v = self.expr(item.item, env)
                if item.asname is not None:
                    self.bind(item.asname.name, v, env)
            self.block(s.body.body, env)
        elif isinstance(s, cst.Try):
            self.block(s.body.body, env)
            for h in s.handlers:
                self.block(h.body.body, env)
            if s.orelse is not None:
                self.block(s.orelse.body.body, env)
            if s.finalbody is not None:
                self.block(s.finalbody.body.body, env)
        elif isinstance(s, cst.FunctionDef):
            env[s.name.value] = ("local", s, dict(env))
        elif isinstance(s, cst.ClassDef):
            env[s.name.value] = ("local", None, None)

    def merge(self, a, b):
        if a == b:
            return a
        if a[0] in ("tup", "seq", "splitter", "local", "rng") or b[0] in ("tup", "seq", "splitter", "local", "rng"):
            return a if _RANK.get(flat(a)[0], 0) >= _RANK.get(flat(b)[0], 0) else b
        return join(a, b)

    def small(self, s, env):
        if isinstance(s, cst.Assign):
            if isinstance(s.value, cst.Lambda):
                for t in s.targets:
                    self.bind(t.target, ("local", None, None), env)
                return
            v = self.expr(s.value, env)
            for t in s.targets:
                self.bind(t.target, v, env)
        elif isinstance(s, cst.AnnAssign) and s.value is not None:
            self.bind(s.target, self.expr(s.value, env), env)
        elif isinstance(s, cst.AugAssign):
            self.bind(s.target, join(self.expr(s.value, env), self.expr(s.target, env)), env)
        elif isinstance(s, cst.Expr):
            self.expr(s.value, env)
        elif isinstance(s, cst.Return) and s.value is not None:
            v = self.expr(s.value, env)
            self.returns.append(v)
            if self.depth == 0:
                self.sink(v, s, "returned")

    def bind(self, target, value, env):
        if isinstance(target, cst.Name):
            env[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elems = [e.value for e in target.elements]
            if value[0] == "tup" and len(value[1]) == len(elems):
                for e, v in zip(elems, value[1]):
                    self.bind(e, v, env)
            elif value[0] == "seq":
                for e in elems:
                    self.bind(e, value[1], env)
            else:
                for e in elems:
                    self.bind(e, flat(value), env)
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            name = target.value.value
            env[name] = self.merge(env.get(name, CLEAN), flat(value)) if flat(value)[0] in ("scr", "unk", "perm") else env.get(name, CLEAN)
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, seq(value), env)

    def elem(self, v):
        if v[0] == "seq":
            return v[1]
        if v[0] == "tup":
            return join(*v[1]) if v[1] else CLEAN
        return CLEAN if v[0] in ("full", "part", "scr", "n", "clean") else UNK if v[0] == "unk" else CLEAN

    # --- expressions -------------------------------------------------------------------
    def expr(self, e, env):
        if e is None:
            return CLEAN
        if isinstance(e, cst.Name):
            return env.get(e.value, CLEAN)
        if isinstance(e, cst.Call):
            return self.call(e, env)
        if isinstance(e, cst.Attribute):
            base = self.expr(e.value, env)
            attr = e.attr.value
            if attr == "shape":
                return ("shape", flat(base)) if flat(base)[0] in DATA else CLEAN
            if attr in ("T", "values", "iloc", "loc", "array"):
                return base
            if attr in ("dtype", "ndim", "size", "columns", "index"):
                return CLEAN
            if base[0] in ("rng",):
                return base
            return CLEAN if base[0] in ("splitter", "local", "clean", "n") else base
        if isinstance(e, cst.Subscript):
            return self.subscript(e, env)
        if isinstance(e, (cst.Tuple, cst.List)):
            return tup([self.expr(el.value, env) for el in e.elements])
        if isinstance(e, cst.Comparison):
            vals = [self.expr(e.left, env)] + [self.expr(c.comparator, env) for c in e.comparisons]
            j = join(*vals)
            if j[0] in ("full", "part", "ordfull", "ord"):
                return ORD
            return UNK if j[0] in ("scr", "unk", "perm", "sortidx", "block") else CLEAN
        if isinstance(e, cst.BinaryOperation):
            a, b = flat(self.expr(e.left, env)), flat(self.expr(e.right, env))
            if a[0] == "n" or b[0] == "n":
                return CLEAN if not {a[0], b[0]} - {"n", "clean"} else join(a, b)
            return join(a, b)
        if isinstance(e, cst.UnaryOperation):
            return self.expr(e.expression, env)
        if isinstance(e, cst.Lambda):
            return ("local", None, None)
        if isinstance(e, (cst.ListComp, cst.GeneratorExp, cst.SetComp, cst.DictComp)):
            inner = dict(env)
            for_in = e.for_in
            data = False
            while for_in is not None:
                it = self.expr(for_in.iter, inner)
                data |= flat(it)[0] in DATA
                self.bind(for_in.target, self.elem(it), inner)
                for_in = for_in.inner_for_in
            elt = self.expr(e.elt if not isinstance(e, cst.DictComp) else e.value, inner)
            if data or flat(elt)[0] in DATA:
                self.note("rows go through a comprehension the check does not follow", e)
                return UNK
            return CLEAN
        if isinstance(e, cst.IfExp):
            self.expr(e.test, env)
            return self.merge(self.expr(e.body, env), self.expr(e.orelse, env))
        out = CLEAN
        for child in e.children:
            if isinstance(child, cst.BaseExpression):
                out = join(out, self.expr(child, env))
        return out

    def subscript(self, e: cst.Subscript, env):
        base = self.expr(e.value, env)
        if not e.slice:
            return base
        first = e.slice[0].slice
        if base[0] == "shape":
            if isinstance(first, cst.Index) and isinstance(first.value, cst.Integer) and first.value.value == "0":
                return N if base[1][0] in ("full", "ordfull") else CLEAN
            return CLEAN
        if base[0] == "seq":
            return base[1] if isinstance(first, cst.Index) else base
        if base[0] == "tup":
            if isinstance(first, cst.Index) and isinstance(first.value, cst.Integer) and int(first.value.value) < len(base[1]):
                return base[1][int(first.value.value)]
            if isinstance(first, cst.Index) and isinstance(first.value, cst.UnaryOperation) and isinstance(first.value.expression, cst.Integer):
                k = int(first.value.expression.value)
                if 0 < k <= len(base[1]):
                    return base[1][-k]
            return flat(base)
        b = flat(base)
        if isinstance(first, cst.Slice):
            if first.step is not None:
                if b[0] in DATA:
                    self.note("rows are picked or reversed with a step slice", e)
                    return UNK if b[0] not in ("scr", "perm") else b
                return b
            if first.lower is None and first.upper is None:
                return b
            if b[0] == "permpart":
                # a cut of a shuffled subset picks rows at random from it
                self.note("rows are drawn at random from part of the data", e)
                return UNK
            return {"full": PART, "ordfull": ORD}.get(b[0], b)
        idx = flat(self.expr(first.value, env))
        kind = b[0]
        if kind == "full":
            if idx[0] in ("ord", "part", "full", "permpart"):
                return PART  # which rows, not their order, decides what the model learns from
            if idx[0] == "ordfull":
                return FULL
            if idx[0] == "perm":
                return scr(idx[1], idx[2])
            if idx[0] in ("unk", "sortidx", "block", "scr"):
                if idx[0] == "block":
                    self.note("which fold of an unshuffled splitter is used is decided at runtime", e)
                elif idx[0] == "sortidx":
                    self.note("rows are re-ordered by an argsort", e)
                else:
                    self.note("rows are chosen by an index the check cannot follow", e)
                return UNK
            return CLEAN
        if kind == "part":
            return UNK if idx[0] in ("perm", "scr", "unk") else PART if idx[0] != "clean" and idx[0] != "n" else CLEAN
        if kind in ("scr", "perm"):
            if idx[0] == "sortidx":
                self.note("scrambled rows are re-sorted by an argsort", e)
                return UNK
            return b
        if kind == "ordfull":
            return idx if idx[0] in ("perm", "scr", "unk") else ORD
        if kind in ("ord", "permpart", "unk", "sortidx", "block"):
            return b
        return CLEAN

    def kwargs(self, call):
        return {a.keyword.value: a.value for a in call.args if a.keyword is not None}

    def call(self, e: cst.Call, env):
        names = self.src.names(e.func)
        func = e.func
        line = self.src.line(e)
        pos = [a for a in e.args if a.keyword is None and a.star == ""]
        kw = self.kwargs(e)
        starred = any(a.star for a in e.args)
        vals = [self.expr(a.value, env) for a in pos]
        kwvals = {k: self.expr(v, env) for k, v in kw.items()}
        code = self.code(func)

        if names & SPLIT_FUNCS:
            if starred:
                self.note(f"`{code}` takes its options from `**`, which the check cannot read", e)
                return seq(UNK)
            sh = _literal(kw["shuffle"], self.consts) if "shuffle" in kw else True
            out = []
            for v in vals:
                v = flat(v)
                if sh is False:
                    r = {"full": PART, "ordfull": ORD}.get(v[0], v)
                elif sh is True:
                    if v[0] in ("full", "ordfull"):
                        r = scr(line, f"`{code}` shuffles the rows before splitting (that is its default), so the "
                                      "model trains on days that come after the days it is tested on")
                    else:
                        r = v
                else:
                    self.note(f"`{code}` decides at runtime whether to shuffle", e)
                    r = UNK if v[0] in DATA else v
                out += [r, r]
            return tup(out)
        if names & SHUFFLE_FUNCS:
            out = []
            for v in vals:
                v = flat(v)
                out.append(scr(line, f"`{code}` scrambles the row order, so a split that follows mixes past and future days")
                           if v[0] in ("full", "ordfull") else v)
            return out[0] if len(out) == 1 else tup(out)
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        receiver = self.expr(func.value, env) if isinstance(func, cst.Attribute) else CLEAN
        is_rng = receiver[0] == "rng" or bool(names & ({"numpy.random.permutation", "numpy.random.shuffle", "numpy.random.choice", "numpy.random.permuted"} | INPLACE_SHUFFLE | SAMPLE_FUNCS))
        if names & RNG_FACTORIES:
            return RNG
        if (names & PERMUTE_FUNCS) or (is_rng and method in ("permutation", "permuted")):
            v = flat(vals[0]) if vals else CLEAN
            msg = f"`{code}` scrambles the row order, so a split that follows mixes past and future days"
            if v[0] in ("n", "ordfull"):
                return perm(line, msg)
            if v[0] == "full":
                return scr(line, msg)
            return PERMPART if v[0] in ("clean", "part", "ord") else UNK
        if (names & INPLACE_SHUFFLE) or (is_rng and method == "shuffle"):
            if pos and isinstance(pos[0].value, cst.Name):
                target = pos[0].value.value
                v = flat(env.get(target, CLEAN))
                msg = f"`{code}` scrambles the row order in place, so a split that follows mixes past and future days"
                env[target] = {"full": scr(line, msg), "ordfull": perm(line, msg), "ord": PERMPART}.get(v[0], v)
            return CLEAN
        if (names & SAMPLE_FUNCS) or (is_rng and method == "choice"):
            v = flat(vals[0]) if vals else CLEAN
            rep = _literal(kw["replace"], self.consts) if "replace" in kw else (True if not names & SAMPLE_FUNCS else False)
            if v[0] in ("n", "ordfull") and rep is False:
                return perm(line, f"`{code}` draws the rows in random order, so a split that follows mixes past and future days")
            return UNK if v[0] in DATA or v[0] == "n" else CLEAN
        if method == "sample" and flat(receiver)[0] in ("full",):
            return scr(line, f"`{code}` scrambles the row order, so a split that follows mixes past and future days")
        # splitters
        if names & (ALWAYS_SHUFFLED | KFOLDS | OTHER_SPLITTERS | TIME_SPLITTERS):
            if names & TIME_SPLITTERS:
                return splitter("time")
            if names & ALWAYS_SHUFFLED:
                return splitter("shuffled", line, f"`{code}` draws folds at random, so the model trains on later days than it is tested on")
            sh = _literal(kw["shuffle"], self.consts) if "shuffle" in kw else False
            if starred or sh is ...:
                self.note(f"`{code}` decides at runtime whether to shuffle", e)
                return splitter("unknown")
            if sh is True:
                return splitter("shuffled", line, f"`{code}` shuffles before making folds, so the model trains on later days than it is tested on")
            return splitter("blocks" if names & KFOLDS else "unknown")
        if method == "split" and receiver[0] == "splitter":
            v = flat(vals[0]) if vals else UNK
            kind = receiver[1]
            if v[0] not in ("full", "ordfull"):
                return seq(tup([ORD, ORD])) if v[0] in ("part", "ord") else seq(tup([UNK, UNK]))
            if kind == "time":
                return seq(tup([ORD, ORD]))
            if kind == "shuffled":
                p = perm(receiver[2], receiver[3])
                return seq(tup([p, p]))
            if kind == "blocks":
                return seq(tup([BLOCK, BLOCK]))
            self.note(f"the folds of `{code}` may or may not keep time order", e)
            return seq(tup([UNK, UNK]))
        if names & CV_PREDICT:
            data = flat(vals[1]) if len(vals) > 1 else flat(kwvals.get("X", CLEAN))
            cv = kwvals.get("cv", vals[3] if len(vals) > 3 else ("splitter", "blocks", 0, ""))
            if data[0] in ("full", "ordfull"):
                if cv[0] == "splitter" and cv[1] == "shuffled":
                    return scr(cv[2], cv[3])
                if not (cv[0] == "splitter" and cv[1] == "time"):
                    self.note(f"`{code}` trains some folds on later days; whether that reaches the result is decided at runtime", e)
                    return UNK
            return data
        if names & CV_SCORE:
            return CLEAN
        if names & {"builtins.len", "len"} or (isinstance(func, cst.Name) and func.value == "len" and "len" not in env):
            v = flat(vals[0]) if vals else CLEAN
            return N if v[0] in ("full", "ordfull", "scr", "perm") else CLEAN
        if isinstance(func, cst.Name) and func.value in ("range",) and func.value not in env:
            return ORDFULL if vals and vals[-1][0] == "n" and len(vals) == 1 else ORD
        if isinstance(func, cst.Name) and func.value in ("enumerate", "zip", "list", "tuple", "iter", "next", "sorted", "reversed") and func.value not in env:
            v0 = vals[0] if vals else CLEAN
            if func.value == "enumerate":
                return seq(tup([CLEAN, self.elem(v0)]))
            if func.value == "zip":
                return seq(tup([self.elem(v) for v in vals]))
            if func.value == "next":
                return self.elem(v0)
            if func.value == "sorted":
                return ORD if flat(v0)[0] in ("perm", "permpart", "ord", "ordfull") else v0
            if func.value == "reversed":
                if flat(v0)[0] in DATA:
                    self.note("rows are reversed", e)
                    return UNK
                return v0
            return v0
        if isinstance(func, cst.Name) and func.value in CLEAN_BUILTINS and func.value not in env:
            return CLEAN
        if names & {"numpy.arange"}:
            return ORDFULL if len(vals) == 1 and flat(vals[0])[0] == "n" else ORD
        if names & ORDERED_INDEX:
            if names & {"numpy.sort", "numpy.unique"} and vals and flat(vals[0])[0] in ("full", "part"):
                self.note(f"`{code}` re-orders values", e)
                return UNK
            return ORD
        if names & SORT_INDEX:
            return SORTIDX
        if names & {"numpy.take"}:
            if len(vals) >= 2:
                return self._index(flat(vals[0]), flat(vals[1]), e)
            return UNK
        if names & SPLITTING:
            v = flat(vals[0]) if vals else CLEAN
            return seq({"full": PART, "ordfull": ORD}.get(v[0], v))
        if names & JOINING:
            return join(*vals) if vals else CLEAN
        if names & SAME_AS_FIRST:
            return vals[0] if vals else CLEAN
        if method is not None:
            r = flat(receiver)
            if receiver[0] == "local" and any(flat(v)[0] in DATA for v in vals + list(kwvals.values())):
                self.note(f"rows pass through `{code}`, a method of a class defined in the file, which the check does not follow", e)
                return UNK
            if method in FIT_METHODS:
                for v in vals + list(kwvals.values()):
                    self.sink(v, e, "a model is fitted on")
                return CLEAN if method == "fit" else join(*vals) if vals else CLEAN
            if method in ("predict", "predict_proba", "transform", "decision_function"):
                return join(*vals) if vals and flat(join(*vals))[0] in ("scr", "unk") else CLEAN
            if r[0] in DATA:
                if method in SAME_METHODS:
                    return r
                if method in CLEAN_METHODS:
                    return CLEAN
                if method in ("sort_values", "sort_index", "argsort"):
                    self.note(f"`{code}` re-orders the rows", e)
                    return UNK
                self.note(f"`{code}` is a method the check does not follow", e)
                return UNK
            return CLEAN if not any(flat(v)[0] in DATA for v in vals) else join(*vals)
        if isinstance(func, cst.Name):
            local = env.get(func.value)
            if local is not None and local[0] == "local":
                if local[1] is not None and self.depth < 4:
                    return self.follow(local[1], e, env, local[2])
                return self.opaque(e, vals, kwvals, f"`{func.value}`, a lambda or class defined in the function")
            if func.value in self.classes:
                self.opaque(e, vals, kwvals, f"the class `{func.value}`")
                return ("local", None, None)
            if func.value in self.src.functions and func.value not in env:
                return self.follow(self.src.functions[func.value], e, env, None)
        if any(n.startswith("numpy.") or n.startswith("pandas.") for n in names):
            return join(*vals, *kwvals.values()) if vals or kwvals else CLEAN
        if any(n.startswith("sklearn.") for n in names):
            return CLEAN  # estimators and transformers: their rows are checked where they are fitted
        return self.opaque(e, vals, kwvals, f"`{code}`")

    def _index(self, base, idx, node):
        if base[0] == "full":
            if idx[0] in ("ord", "part", "full", "permpart"):
                return PART
            if idx[0] == "ordfull":
                return FULL
            if idx[0] == "perm":
                return scr(idx[1], idx[2])
            self.note("rows are chosen by an index the check cannot follow", node)
            return UNK
        return base

    def opaque(self, e, vals, kwvals, what):
        if any(flat(v)[0] in DATA for v in list(vals) + list(kwvals.values())):
            self.note(f"rows pass through {what}, which the check does not follow", e)
            return UNK
        return CLEAN

    def follow(self, fn: cst.FunctionDef, call: cst.Call, env, closure):
        if fn.name.value in self.active or self.depth >= 4:
            self.note(f"`{fn.name.value}` is called recursively or too deep to follow", call)
            return UNK
        if any(True for _ in self.src.find(fn, m.Yield())):
            return self.opaque(call, [self.expr(a.value, env) for a in call.args], {}, f"the generator `{fn.name.value}`")
        args: dict = {}
        params = [p.name.value for p in fn.params.params]
        i = 0
        for a in call.args:
            v = self.expr(a.value, env)
            if a.star:
                self.note(f"arguments of `{fn.name.value}` are unpacked with `*`", call)
                return UNK
            if a.keyword is not None:
                args[a.keyword.value] = v
                if a.keyword.value in params:
                    args[params.index(a.keyword.value)] = v
            else:
                args[i] = v
                i += 1
        for j, p in enumerate(fn.params.params):
            if j not in args and p.default is not None:
                args[j] = self.expr(p.default, env)
        self.active.add(fn.name.value)
        self.depth += 1
        try:
            return self.run(fn, args, closure)
        finally:
            self.depth -= 1
            self.active.discard(fn.name.value)


class SplitKeepsTimeOrder(StaticCheck):
    name = "split_keeps_time_order"
    summary = "the train/test split keeps time order (no shuffling before the cut)"
    #: the graded function and which positional parameters carry rows in time order
    entry = ("train_and_predict", (0, 1))

    VALID = [
        """
from sklearn.model_selection import train_test_split
def train_and_predict(X, y, seed):
    return train_test_split(X, y, test_size=0.25, shuffle=False)
""",
        """
NO_SHUFFLE = False
from sklearn.model_selection import train_test_split as tts
def train_and_predict(X, y, seed):
    return tts(X, y, test_size=0.25, random_state=seed, shuffle=NO_SHUFFLE)
""",
        """
def train_and_predict(X, y, seed):
    cut = int(len(X) * 0.75)
    return X[:cut], X[cut:], y[:cut], y[cut:]
""",
        """
from sklearn.model_selection import TimeSeriesSplit
from sklearn.linear_model import Ridge
def train_and_predict(X, y, seed):
    for train, test in TimeSeriesSplit(n_splits=3).split(X):
        pass
    model = Ridge().fit(X[train], y[train])
    return y[test], model.predict(X[test])
""",
        """
import numpy as np
from sklearn.linear_model import Ridge
def train_and_predict(X, y, seed):
    n = len(X)
    test = np.arange(n)[int(0.75 * n):]
    train = np.setdiff1d(np.arange(n), test)
    rng = np.random.default_rng(seed)
    train = rng.permutation(train)
    model = Ridge().fit(X[train], y[train])
    return y[test], model.predict(X[test])
""",
        """
import numpy as np
from sklearn.utils import shuffle
from sklearn.linear_model import Ridge
def train_and_predict(X, y, seed):
    mask = X[:, 0] < np.quantile(X[:, 0], 0.75)
    X_tr, y_tr = shuffle(X[mask], y[mask], random_state=seed)
    return y[~mask], Ridge().fit(X_tr, y_tr).predict(X[~mask])
""",
        """
from sklearn.model_selection import KFold, cross_val_score
from sklearn.linear_model import Ridge
def train_and_predict(X, y, seed):
    print(cross_val_score(Ridge(), X, y, cv=KFold(5, shuffle=True, random_state=seed)))
    test, train = slice(300, None), slice(0, 300)
    return y[test], Ridge().fit(X[train], y[train]).predict(X[test])
""",
    ]
    INVALID = [
        """
from sklearn.model_selection import train_test_split
def train_and_predict(X, y, seed):
    return train_test_split(X, y, test_size=0.25, random_state=seed)
""",
        """
import sklearn.model_selection as ms
def train_and_predict(X, y, seed):
    return ms.train_test_split(X, y, test_size=0.25, shuffle=True)
""",
        """
import numpy as np
def train_and_predict(X, y, seed):
    rows = np.random.default_rng(seed).permutation(len(X))
    cut = int(0.75 * len(X))
    return X[rows[:cut]], X[rows[cut:]]
""",
        """
import numpy as np
def train_and_predict(X, y, seed):
    rng = np.random.default_rng(seed)
    rows = np.arange(len(X))
    rng.shuffle(rows)
    return X[rows[:300]], X[rows[300:]]
""",
        """
from sklearn.utils import shuffle
def train_and_predict(X, y, seed):
    X, y = shuffle(X, y, random_state=seed)
    return X[:300], X[300:]
""",
        """
import numpy as np
from sklearn.linear_model import Ridge
def train_and_predict(X, y, seed):
    test, train = np.split(np.random.default_rng(seed).permutation(len(X)), [100])
    return y[test], Ridge().fit(X[train], y[train]).predict(X[test])
""",
        """
from sklearn.model_selection import KFold
from sklearn.linear_model import Ridge
def train_and_predict(X, y, seed):
    folds = list(KFold(4, shuffle=True, random_state=seed).split(X))
    tr, te = folds[-1]
    return y[te], Ridge().fit(X[tr], y[tr]).predict(X[te])
""",
        """
from sklearn.model_selection import train_test_split
from sklearn.linear_model import Ridge
def split(A, b, seed):
    return train_test_split(A, b, random_state=seed)
def train_and_predict(X, y, seed):
    a, c, b, d = split(X, y, seed)
    return d, Ridge().fit(a, b).predict(c)
""",
    ]
    UNKNOWN = [
        """
from sklearn.model_selection import KFold
from sklearn.linear_model import Ridge
def train_and_predict(X, y, seed):
    for tr, te in KFold(4).split(X):
        pass
    return y[te], Ridge().fit(X[tr], y[tr]).predict(X[te])
""",
        """
from sklearn.model_selection import train_test_split
OPTIONS = {"test_size": 0.25, "shuffle": False}
def train_and_predict(X, y, seed):
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, **OPTIONS)
    return X_tr, X_te
""",
        """
from sklearn.linear_model import Ridge
def train_and_predict(X, y, seed):
    pick = lambda A, k: A[:k]
    return Ridge().fit(pick(X, 300), pick(y, 300)).predict(X[300:])
""",
    ]

    def assess(self, src: Source) -> Assessment:
        name, params = self.entry
        fn = src.functions.get(name)
        if fn is None:
            return Assessment.unknown(f"the function `{name}` was not found at module level")
        interp = _Interp(src)
        interp.run(fn, {i: FULL for i in params})
        findings = [
            Finding(line, f"{text}; the test rows must be the most recent rows and every training row must be older")
            for line, text in sorted(interp.findings.items())
        ]
        return settle(findings, interp.notes)

    def findings(self, src: Source) -> list[Finding]:
        return self.assess(src).findings
