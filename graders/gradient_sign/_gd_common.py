"""Shared machinery for the gradient-descent graders (gradient_sign/* and bias_update/*).

Not a grader itself (no GRADER): each exercise's grader loads this file by path and
subclasses `GDGrader`.

Child side: call the student's `gradients` at a fixed point of the hidden case and
`train` on the hidden case; return the raw arrays and the warnings raised.
Parent side: central finite differences of the exact loss formula (computed here, from
the case, never from the child), the optimum from a closed form or Newton's method, and
the loss curve.
"""
from __future__ import annotations

import numpy as np

from bughunt.grader import Grader
from bughunt.probe import ContractError, array, call_watched, function
from bughunt.verdict import Check

GRAD_RTOL = 1e-6  # relative error of the student's gradient against central differences
FD_STEP = 1e-6


def lstsq_with_intercept(X, y):
    A = np.column_stack([X, np.ones(len(X))])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    return coef[:-1], float(coef[-1])


def newton_logistic(X, y, n_iter=50):
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.zeros(A.shape[1])
    for _ in range(n_iter):
        p = 1 / (1 + np.exp(-(A @ theta)))
        g = A.T @ (p - y) / len(y)
        H = (A * (p * (1 - p))[:, None]).T @ A / len(y)
        theta -= np.linalg.solve(H, g)
    return theta[:-1], float(theta[-1])


def central_differences(loss, params: list[np.ndarray], step=FD_STEP) -> list[np.ndarray]:
    """d loss / d params[i] for every parameter, by central differences in float64."""
    params = [np.array(p, dtype=float) for p in params]
    out = []
    for i, p in enumerate(params):
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            plus = [q.copy() for q in params]
            minus = [q.copy() for q in params]
            plus[i][idx] += step
            minus[i][idx] -= step
            g[idx] = (loss(*plus) - loss(*minus)) / (2 * step)
        out.append(g)
    return out


def rel_error(a, b) -> float:
    return float(np.linalg.norm(np.ravel(a) - np.ravel(b)) / max(np.linalg.norm(np.ravel(b)), 1e-8))


class GDGrader(Grader):
    #: names of the parameters, in the order `gradients` takes and returns them
    param_names: tuple[str, ...] = ("w", "b")
    #: which learned value is the bias (index into param_names), or None
    bias_index: int | None = None
    bias_words = "the bias"
    #: argument count of `train` the probe passes (X, y, then `train_args` from the case)
    train_nargs = 4
    #: the loss curve must never rise (full-batch gradient descent); mini-batch only needs to end lower
    monotone = True
    suppression_names = ("try_except", "contextlib_suppress", "warnings_filter", "np_seterr", "np_errstate",
                         "negative_learning_rate", "stop_when_loss_rises", "clip_parameters",
                         "closed_form_replacement", "hardcoded_parameters", "nan_to_num")

    # --- to override ------------------------------------------------------------------
    def loss(self, *params_and_data) -> float:
        raise NotImplementedError

    def optimum(self, case) -> tuple[list[np.ndarray], float]:
        """(optimal parameters, optimal loss) for the hidden case."""
        raise NotImplementedError

    def compare_params(self, learned: list[np.ndarray], best: list[np.ndarray], case) -> list[tuple[int, float]]:
        """(parameter index, max abs deviation) for each parameter compared with the optimum."""
        return [(i, float(np.max(np.abs(np.asarray(l) - np.asarray(b))))) for i, (l, b) in enumerate(zip(learned, best))]

    param_tol = 1e-3
    loss_tol = 1e-6

    # --- child ------------------------------------------------------------------------
    def probe(self, student, case):
        k = len(self.param_names)
        grad_fn = function(student, "gradients", k + 2)
        train_fn = function(student, "train", self.train_nargs)
        X, y = case["X"], case["y"]
        point = [np.array(p, dtype=float) for p in case["point"]]
        pt = [p.copy() if p.ndim else float(p) for p in point]
        out, warn_g = call_watched(grad_fn, *pt, X.copy(), y.copy())
        if not isinstance(out, (tuple, list)) or len(out) != k:
            raise ContractError(f"`gradients` should return {k} values ({', '.join('d' + n for n in self.param_names)})")
        grads = [array(g, f"the gradient for {n}") for g, n in zip(out, self.param_names)]
        res, warn_t = call_watched(train_fn, X.copy(), y.copy(), *case["train_args"])
        if not isinstance(res, (tuple, list)) or len(res) != k + 1:
            raise ContractError(f"`train` should return {k + 1} values ({', '.join(self.param_names)}, losses)")
        learned = [array(v, f"the learned {n}") for v, n in zip(res[:-1], self.param_names)]
        losses = array(res[-1], "the list of losses returned by `train`", ndim=1)
        return {"grads": grads, "learned": learned, "losses": losses, "warnings": (warn_g + warn_t)[:5]}

    # --- parent -----------------------------------------------------------------------
    def judge(self, results):
        ex = self.exercise
        cases = self.cases()
        grad_msgs, train_msgs, bias_msgs, curve_msgs = [], [], [], []
        for r, case in zip(results, cases):
            o = r.obs
            where = f"on hidden case {r.index + 1}"
            X, y = case["X"], case["y"]
            point = [np.array(p, dtype=float) for p in case["point"]]
            fd = central_differences(lambda *ps: self.loss(*ps, X, y), point)
            for name, g, f in zip(self.param_names, o["grads"], fd):
                if g.shape != f.shape and g.size != f.size:
                    grad_msgs.append(f"found a gradient for {name} of shape {g.shape} where {name} has shape {f.shape} {where}")
                    continue
                err = rel_error(g, f)
                if err > GRAD_RTOL:
                    if rel_error(-np.ravel(g), f) < 1e-4:
                        grad_msgs.append(
                            f"found the gradient for {name} pointing the opposite way: it equals minus the "
                            f"finite-difference gradient of the loss {where}"
                        )
                    else:
                        grad_msgs.append(
                            f"found the gradient for {name} off by a relative error of {err:.2g} against "
                            f"central finite differences of the loss {where}"
                        )
            losses = o["losses"]
            n_expected = case["n_losses"]
            if len(losses) != n_expected:
                curve_msgs.append(
                    f"found {len(losses)} losses where training should run for {n_expected} {where}; "
                    "stopping early hides what the updates are doing"
                )
            elif not np.all(np.isfinite(losses)):
                curve_msgs.append(f"found the loss becoming inf or nan {where}")
            elif not losses[-1] < losses[0]:
                curve_msgs.append(f"found the loss going from {losses[0]:.4g} to {losses[-1]:.4g} {where}")
            elif self.monotone and np.any(np.diff(losses) > 1e-9 * (1 + np.abs(losses[:-1]))):
                i = int(np.argmax(np.diff(losses) > 1e-9 * (1 + np.abs(losses[:-1]))))
                curve_msgs.append(f"found the loss rising at iteration {i + 1} ({losses[i]:.6g} -> {losses[i + 1]:.6g}) {where}")
            learned = o["learned"]
            best, best_loss = self.optimum(case)
            shapes_ok = all(np.asarray(l).size == np.asarray(p).size for l, p in zip(learned, point))
            if not shapes_ok:
                train_msgs.append(f"found learned parameters of the wrong size {where}")
                continue
            learned = [np.asarray(l, dtype=float).reshape(np.shape(p)) for l, p in zip(learned, point)]
            final = self.loss(*learned, X, y)
            if not np.isfinite(final) or final > best_loss + self.loss_tol * (1 + abs(best_loss)):
                train_msgs.append(
                    f"found a final loss of {final:.6g} where the optimum is {best_loss:.6g} {where}"
                )
            if best is not None:
                for i, dev in self.compare_params(learned, best, case):
                    if not np.isfinite(dev) or dev > self.param_tol:
                        msg = f"found {self.param_names[i]} off from the optimum by up to {dev:.3g} {where}"
                        if i == self.bias_index:
                            bias_msgs.append(
                                f"found {self.bias_words} at {np.round(learned[i], 3).tolist()} where the "
                                f"data's intercept is {np.round(self._bias_view(best[i]), 3).tolist()} {where}"
                            )
                        else:
                            train_msgs.append(msg)
        checks = [
            Check(
                "gradient_matches_loss",
                "runtime",
                not grad_msgs,
                f"Exercise {ex} should return from `gradients` the gradient of the loss (matching central finite "
                f"differences to a relative error below {GRAD_RTOL:g}); {grad_msgs[0]}" if grad_msgs
                else "`gradients` matches finite differences of the loss",
            ),
            Check(
                "reaches_optimum",
                "runtime",
                not train_msgs,
                f"Exercise {ex} should train to the optimum of the loss on hidden data ({self.optimum_words}); "
                f"{train_msgs[0]}. The training loop still does not descend the loss properly." if train_msgs
                else "training reaches the optimum",
            ),
            Check(
                "loss_decreases",
                "runtime",
                not curve_msgs,
                f"Exercise {ex} should record a loss that goes down during training, for every iteration asked "
                f"for; {curve_msgs[0]}" if curve_msgs else "the loss goes down",
                root_cause=False,
            ),
        ]
        if self.bias_index is not None:
            checks.insert(
                1,
                Check(
                    "bias_matches_intercept",
                    "runtime",
                    not bias_msgs,
                    f"Exercise {ex} should learn {self.bias_words} from the data (hidden data has a different "
                    f"intercept from the visible data); {bias_msgs[0]}. The bias is still not trained by its gradient."
                    if bias_msgs else f"{self.bias_words} matches the intercept of the hidden data",
                ),
            )
        return checks

    optimum_words = "within tolerance"

    def _bias_view(self, b):
        return b


def newton_softmax(X, y, k, n_iter=40):
    """Unpenalised multinomial logistic regression; class 0's parameters fixed at zero.
    Returns (W of shape (d, k), b of shape (k,)), both centred across classes."""
    n, d = X.shape
    A = np.column_stack([X, np.ones(n)])
    Y = np.eye(k)[y]
    theta = np.zeros((d + 1, k - 1))
    for _ in range(n_iter):
        Z = np.column_stack([np.zeros(n), A @ theta])
        Z -= Z.max(axis=1, keepdims=True)
        P = np.exp(Z)
        P /= P.sum(axis=1, keepdims=True)
        G = A.T @ (P - Y)[:, 1:] / n  # (d+1, k-1)
        H = np.zeros(((d + 1) * (k - 1),) * 2)
        for a in range(1, k):
            for c in range(1, k):
                wgt = P[:, a] * ((a == c) - P[:, c])
                H[(a - 1) * (d + 1):a * (d + 1), (c - 1) * (d + 1):c * (d + 1)] = (A * wgt[:, None]).T @ A / n
        step = np.linalg.solve(H, G.T.reshape(-1))
        theta -= step.reshape(k - 1, d + 1).T
    full = np.column_stack([np.zeros(d + 1), theta])
    full -= full.mean(axis=1, keepdims=True)
    return full[:-1], full[-1]


class LogisticGDGrader(GDGrader):
    """Logistic regression trained by gradient descent: mean log-loss on the logits, its
    Newton optimum, and hidden cases drawn from a logistic model."""

    def loss(self, w, b, X, y):
        z = X @ w + b
        return float(np.mean(np.logaddexp(0, z) - y * z))

    def optimum(self, case):
        w, b = newton_logistic(case["X"], case["y"])
        return [w, np.array(b)], self.loss(w, b, case["X"], case["y"])

    @staticmethod
    def logistic_cases(specs, x_mean: float, w_range: float) -> list[dict]:
        """One case per (n, d, seed, intercept): features around `x_mean`, true weights in ±`w_range`."""
        out = []
        for n, d, seed, intercept in specs:
            rng = np.random.default_rng(seed)
            X = rng.normal(x_mean, 1.0, size=(n, d))
            z = X @ rng.uniform(-w_range, w_range, d) + intercept
            y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
            point = [rng.normal(0, 0.5, d), np.array(rng.normal(0, 0.5))]
            out.append({"X": X, "y": y, "point": point, "train_args": (1.0, 600), "n_losses": 600})
        return out
