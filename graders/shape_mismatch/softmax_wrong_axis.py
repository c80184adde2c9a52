"""Grader for shape_mismatch/softmax-wrong-axis.

The bug: `softmax` normalises the exponentiated scores over axis 0 (the samples) instead of
over the classes of each row. Shapes still broadcast, so nothing raises; rows do not sum to
one and the cross-entropy grows during training.

Runtime (hidden scores and data with other n, feature and class counts, seeds): `softmax`
matches an exact row-wise softmax computed in the parent (on a non-square score matrix, so a
transposed normalisation cannot pass by accident); cross-entropy, gradients and the trained
parameters match the parent's exact reference; parameters keep their shapes; the loss falls.
Static: no reduction over axis 0 inside `softmax`; no resize, hard-coded reshape,
slicing-to-fit or try/except.
"""
import numpy as np

from bughunt.grader import FAIL, PASS, Grader
from bughunt.probe import ContractError, array, function, number
from bughunt.static.shapes import ReductionAxis
from bughunt.verdict import Check

EXERCISE = "shape_mismatch/softmax-wrong-axis"
RTOL, ATOL = 1e-6, 1e-9


def hidden_data(n, d, k, seed):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1.3, size=(k, d))
    y = np.arange(n) % k
    rng.shuffle(y)
    X = centres[y] + rng.normal(0, 0.8, size=(n, d))
    return X, y


def ref_softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def ref_loss(X, y, W, b):
    P = ref_softmax(X @ W + b)
    return float(-np.mean(np.log(P[np.arange(len(y)), y])))


def ref_gradients(X, y, W, b):
    G = (ref_softmax(X @ W + b) - np.eye(W.shape[1])[y]) / len(X)
    return X.T @ G, G.sum(axis=0)


def ref_fit(X, y, k, lr, epochs):
    W, b = np.zeros((X.shape[1], k)), np.zeros(k)
    for _ in range(epochs):
        dW, db = ref_gradients(X, y, W, b)
        W, b = W - lr * dW, b - lr * db
    return W, b


def _shape(s):
    return "(" + ", ".join(str(int(v)) for v in s) + ("," if len(s) == 1 else "") + ")"


def _close(a, b):
    return a.size == b.size and bool(np.allclose(a.ravel(), b.ravel(), rtol=RTOL, atol=ATOL))


class SoftmaxWrongAxis(Grader):
    exercise = EXERCISE
    functions = {
        "softmax": "softmax(Z) -> P",
        "cross_entropy": "cross_entropy(X, y, W, b) -> float",
        "gradients": "gradients(X, y, W, b) -> (dW, db)",
        "fit": "fit(X, y, n_classes, lr, epochs) -> (W, b, losses)",
    }
    suppression_names = ("try_except", "contextlib_suppress", "np_resize", "shape_slicing", "hardcoded_shape", "np_seterr", "np_errstate", "warnings_filter")

    REFERENCE = (("    return E / E.sum(axis=0, keepdims=True)", "    return E / E.sum(axis=1, keepdims=True)"),)
    PASS = [
        PASS(
            "last axis, made a column with [:, None]",
            ("    return E / E.sum(axis=0, keepdims=True)", "    totals = np.sum(E, axis=-1)\n    return E / totals[:, None]"),
        ),
        PASS(
            "transposed, divided, transposed back",
            ("    return E / E.sum(axis=0, keepdims=True)", "    return (E.T / E.sum(axis=1)).T"),
        ),
        PASS(
            "log-sum-exp with a (n, 1) column, renamed variables",
            (
                '''    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)''',
                '''    scores = np.asarray(Z, dtype=float)
    top = scores.max(axis=1).reshape(-1, 1)
    log_norm = top + np.log(np.exp(scores - top).sum(axis=1)).reshape(len(scores), 1)
    return np.exp(scores - log_norm)''',
            ),
        ),
    ]
    FAIL = [
        FAIL(
            "normalised by the total of the whole matrix",
            ("    return E / E.sum(axis=0, keepdims=True)", "    return E / E.sum()"),
            fails=("softmax_matches_reference", "gradients_match_reference", "fit_matches_reference"),
        ),
        FAIL(
            "rows renormalised after the column-wise division",
            ("    return E / E.sum(axis=0, keepdims=True)", "    P = E / E.sum(axis=0, keepdims=True)\n    return P / P.sum(axis=1, keepdims=True)"),
            fails=("reduction_axis", "softmax_matches_reference", "fit_matches_reference"),
        ),
        FAIL(
            "row sums resized to the matrix shape",
            ("    return E / E.sum(axis=0, keepdims=True)", "    return E / np.resize(E.sum(axis=1), E.shape)"),
            fails=("np_resize", "softmax_matches_reference"),
        ),
        FAIL(
            "row sums sliced to the number of classes",
            ("    return E / E.sum(axis=0, keepdims=True)", "    return E / E.sum(axis=1)[:E.shape[1]]"),
            fails=("shape_slicing", "softmax_matches_reference"),
        ),
        FAIL(
            "row sums reshaped with the visible number of rows",
            ("    return E / E.sum(axis=0, keepdims=True)", "    return E / E.sum(axis=1).reshape(150, 1)"),
            fails=("hardcoded_shape", "runs_on_hidden_data"),
        ),
        FAIL(
            "broadcast error caught and the old axis used as a fallback",
            (
                "    return E / E.sum(axis=0, keepdims=True)",
                "    try:\n        return E / E.sum(axis=1)\n    except ValueError:\n        return E / E.sum(axis=0)",
            ),
            fails=("try_except", "reduction_axis", "softmax_matches_reference"),
        ),
        FAIL(
            "divided by the row mean instead of the row sum",
            ("    return E / E.sum(axis=0, keepdims=True)", "    return E / E.mean(axis=1, keepdims=True)"),
            fails=("softmax_matches_reference", "loss_matches_reference"),
        ),
    ]

    # --- both sides ---------------------------------------------------------------
    def cases(self):
        out = []
        for n, d, k, seed, lr, epochs in [(90, 5, 4, 7101, 0.4, 80), (64, 3, 2, 7202, 0.6, 60)]:
            X, y = hidden_data(n, d, k, seed)
            rng = np.random.default_rng(seed + 3)
            out.append({
                "X": X, "y": y, "k": k, "lr": lr, "epochs": epochs,
                "Z": rng.normal(0, 2.0, size=(k + 3, k)),
                "W_eval": rng.normal(0, 0.5, size=(d, k)), "b_eval": rng.normal(0, 0.5, size=k),
            })
        return out

    # --- child side ---------------------------------------------------------------
    def probe(self, student, case):
        softmax = function(student, "softmax", 1)
        loss = function(student, "cross_entropy", 4)
        grads = function(student, "gradients", 4)
        fit = function(student, "fit", 5)
        X, y, k = case["X"], case["y"], case["k"]
        obs = {"P": array(softmax(case["Z"].copy()), "the result of `softmax`")}
        obs["loss"] = number(loss(X.copy(), y.copy(), case["W_eval"].copy(), case["b_eval"].copy()), "the value of `cross_entropy`")
        g = grads(X.copy(), y.copy(), case["W_eval"].copy(), case["b_eval"].copy())
        if not isinstance(g, (tuple, list)) or len(g) != 2:
            raise ContractError("`gradients` should return (dW, db)")
        obs["dW"], obs["db"] = array(g[0], "dW from `gradients`"), array(g[1], "db from `gradients`")
        out = fit(X.copy(), y.copy(), k, case["lr"], case["epochs"])
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            raise ContractError("`fit` should return (W, b, losses)")
        obs["W"], obs["b"] = array(out[0], "W from `fit`"), array(out[1], "b from `fit`")
        obs["losses"] = array(out[2], "the losses from `fit`", ndim=1)
        return obs

    # --- parent side --------------------------------------------------------------
    def static_checks(self):
        return [ReductionAxis("softmax", (0, -2), "the samples (axis 0)", "over the classes of each row")]

    def judge(self, results):
        cases = self.cases()
        sm, ls, gr, ft, sh, tr = ([] for _ in range(6))
        for r, case in zip(results, cases):
            o, c = r.obs, r.index + 1
            X, y, k = case["X"], case["y"], case["k"]
            n, d = X.shape
            where = f"on hidden case {c} ({n} rows, {d} features, {k} classes)"
            Z = case["Z"]
            P = ref_softmax(Z)
            if o["P"].shape != P.shape or not np.allclose(o["P"], P, rtol=RTOL, atol=ATOL):
                sums = np.round(o["P"].sum(axis=-1)[:3], 4).tolist() if o["P"].ndim == 2 else "?"
                sm.append(
                    f"found probabilities of shape {_shape(o['P'].shape)} whose first rows sum to {sums} for "
                    f"scores of shape {_shape(Z.shape)} {where}"
                )
            L = ref_loss(X, y, case["W_eval"], case["b_eval"])
            if not np.isclose(o["loss"], L, rtol=RTOL, atol=ATOL):
                ls.append(f"found {o['loss']:.6g} where the mean cross-entropy is {L:.6g} {where}")
            dW, db = ref_gradients(X, y, case["W_eval"], case["b_eval"])
            if o["dW"].shape != dW.shape or not _close(o["dW"], dW) or not _close(o["db"], db):
                gr.append(f"found dW of shape {_shape(o['dW'].shape)} and db {_shape(o['db'].shape)} that differ from the exact gradient {where}")
            for what, got, want in (("W", o["W"], (d, k)), ("b", o["b"], (k,))):
                if got.shape != want and not (what == "b" and got.shape == (1, k)):
                    sh.append(f"found {what} of shape {_shape(got.shape)} instead of {_shape(want)} after `fit` {where}")
            rW, rb = ref_fit(X, y, k, case["lr"], case["epochs"])
            if not _close(o["W"], rW) or not _close(o["b"], rb):
                ft.append(f"found W and b away from where gradient descent with lr={case['lr']} for {case['epochs']} epochs ends {where}")
            losses = o["losses"]
            if len(losses) < 2 or not np.all(np.isfinite(losses)) or losses[-1] > 0.8 * np.log(k):
                first = f"{losses[0]:.4g}" if len(losses) else "nothing"
                last = f"{losses[-1]:.4g}" if len(losses) else "nothing"
                tr.append(f"found the loss going from {first} to {last} (guessing uniformly gives {np.log(k):.4g}) {where}")

        def check(name, msgs, should, ok_text, root=True):
            text = f"Exercise {EXERCISE} should {should}; {msgs[0]}." if msgs else ok_text
            return Check(name, "runtime", not msgs, text, root_cause=root)

        return [
            check("softmax_matches_reference", sm, "turn each row of scores into probabilities over the classes that sum to 1", "softmax normalises each row"),
            check("loss_matches_reference", ls, "report the mean cross-entropy of the true classes", "the loss is the cross-entropy"),
            check("gradients_match_reference", gr, "return the exact gradient of the mean cross-entropy, shaped like W and b", "the gradients are exact"),
            check("parameters_keep_shape", sh, "keep W at (n_features, n_classes) and b at (n_classes,) through training", "parameters keep their shapes"),
            check("fit_matches_reference", ft, "train to the same parameters as plain gradient descent on the cross-entropy", "training matches gradient descent"),
            check("training_reduces_loss", tr, "bring the cross-entropy well below that of a uniform guess", "training reduces the loss", root=False),
        ]


GRADER = SoftmaxWrongAxis()
