"""Grader for bias_update/softmax-bias.

Runtime: `gradients` matches central finite differences of the mean cross-entropy on hidden
data; `train` reaches the maximum-likelihood solution (Newton's method, computed here).
Softmax is unchanged when the same number is added to every class, so weights and biases
are compared after centring across classes: weights within 5e-3, biases within 5e-3 of the
hidden data's intercepts (class shares differ from the visible data's).
Static: the bias takes its own gradient step (built from probabilities minus one-hot
labels) inside the loop, and every update moves against the gradient.
"""
import importlib.util
import sys
from pathlib import Path

import numpy as np

from bughunt.grader import FAIL, PASS
from bughunt.static.training import BiasUpdatedWithOwnGradient, UpdateAgainstGradient


def _common():
    name = "bughunt_graders_gd_common"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parent.parent / "gradient_sign" / "_gd_common.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


C = _common()
EXERCISE = "bias_update/softmax-bias"
K = 3
DB_OLD = "    db = P.mean(axis=0)\n"


def _centre(a):
    a = np.asarray(a, dtype=float)
    return a - a.mean(axis=-1, keepdims=True)


class SoftmaxBias(C.GDGrader):
    exercise = EXERCISE
    functions = {
        "gradients": "gradients(W, b, X, y) -> (dW, db)",
        "train": "train(X, y, lr, n_iter) -> (W, b, losses)",
    }
    param_names = ("W", "b")
    bias_index = 1
    bias_words = "the class biases (centred across classes)"
    param_tol = 5e-3
    loss_tol = 1e-6
    optimum_words = "the maximum-likelihood solution, centred parameters within 5e-3"

    REFERENCE = ((DB_OLD, "    db = (P - Y).mean(axis=0)\n"),)
    PASS = [
        PASS("sum over rows divided by n", (DB_OLD, "    db = np.sum(P - Y, axis=0) / len(y)\n")),
        PASS("shared error term, np.dot", ("""    dW = X.T @ (P - Y) / len(y)
    db = P.mean(axis=0)
""", """    E = (P - Y) / X.shape[0]
    dW = np.dot(X.T, E)
    db = E.sum(axis=0)
""")),
        PASS("negated target-minus-probability", (DB_OLD, "    db = -np.mean(Y - P, axis=0)\n"),
             ("        b -= lr * db\n", "        b = b - lr * db\n")),
    ]
    FAIL = [
        FAIL("bias frozen", ("        b -= lr * db\n", ""),
             fails=("bias_updated_with_own_gradient", "gradient_matches_loss", "bias_matches_intercept")),
        FAIL("bias set from class shares after training", ("    return W, b, losses\n", "    b = np.log(np.bincount(y, minlength=N_CLASSES) / len(y))\n    return W, b, losses\n"),
             fails=("gradient_matches_loss", "bias_matches_intercept")),
        FAIL("bias hard-coded", ("    return W, b, losses\n", "    b = np.array([1.5, 0.0, -0.8])\n    return W, b, losses\n"),
             fails=("hardcoded_parameters", "gradient_matches_loss", "bias_matches_intercept")),
        FAIL("bias gradient from one-hot labels only", (DB_OLD, "    db = -Y.mean(axis=0)\n"),
             fails=("bias_updated_with_own_gradient", "gradient_matches_loss", "bias_matches_intercept")),
        FAIL("bias updated with the weight gradient", (DB_OLD, "    db = dW.mean(axis=0)\n"),
             fails=("bias_updated_with_own_gradient", "gradient_matches_loss", "bias_matches_intercept")),
        FAIL("bias clipped", ("        b -= lr * db\n", "        b = np.clip(b - lr * db, -0.5, 0.5)\n"),
             fails=("clip_parameters", "gradient_matches_loss", "bias_matches_intercept")),
    ]

    def loss(self, W, b, X, y):
        Z = X @ W + b
        Z = Z - Z.max(axis=1, keepdims=True)
        log_p = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
        return -float(np.mean(log_p[np.arange(len(y)), y]))

    def optimum(self, case):
        W, b = C.newton_softmax(case["X"], case["y"], K)
        return [W, b], self.loss(W, b, case["X"], case["y"])

    def compare_params(self, learned, best, case):
        return [(i, float(np.max(np.abs(_centre(l) - _centre(bb))))) for i, (l, bb) in enumerate(zip(learned, best))]

    def _bias_view(self, b):
        return _centre(b)

    def cases(self):
        out = []
        for n, seed, bias in [(210, 9101, (-0.6, 1.2, 0.3)), (150, 9202, (0.4, -0.9, 1.0))]:
            rng = np.random.default_rng(seed)
            X = rng.normal(0.0, 1.0, size=(n, 2))
            logits = X @ rng.uniform(-1.2, 1.2, (2, K)) + np.array(bias)
            P = np.exp(logits - logits.max(axis=1, keepdims=True))
            P /= P.sum(axis=1, keepdims=True)
            y = np.array([rng.choice(K, p=p) for p in P])
            point = [rng.normal(0, 0.5, (2, K)), rng.normal(0, 0.5, K)]
            out.append({"X": X, "y": y, "point": point, "train_args": (1.0, 800), "n_losses": 800})
        return out

    def static_checks(self):
        return [BiasUpdatedWithOwnGradient(), UpdateAgainstGradient()]


GRADER = SoftmaxBias()
