"""Grader for bias_update/linreg-minibatch.

Runtime: `gradients` matches central finite differences of half the MSE on hidden data;
mini-batch `train` ends at the least-squares solution (np.linalg.lstsq, computed here):
weights within 0.05, and the bias within 0.05 of the hidden data's intercept, which is
far from the visible data's. Static: the bias takes its own gradient step inside the loop,
and every update moves against the gradient.
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
EXERCISE = "bias_update/linreg-minibatch"
STEP_OLD = "            w -= lr * dw\n"


class LinregMinibatch(C.GDGrader):
    exercise = EXERCISE
    functions = {
        "gradients": "gradients(w, b, X, y) -> (dw, db)",
        "train": "train(X, y, lr, n_epochs, batch_size, seed) -> (w, b, losses)",
    }
    bias_index = 1
    train_nargs = 6
    monotone = False
    param_tol = 0.05
    loss_tol = 0.01
    optimum_words = "the least-squares solution: weights and bias within 0.05, loss within 1%"

    REFERENCE = ((STEP_OLD, "            w -= lr * dw\n            b -= lr * db\n"),)
    PASS = [
        PASS("both as assignments", (STEP_OLD, "            w = w - lr * dw\n            b = b - lr * db\n")),
        PASS("tuple update, renamed", (STEP_OLD, "            w, b = w - lr * dw, b - db * lr\n")),
        PASS("bias gradient written inline", ("            dw, db = gradients(w, b, X[rows], y[rows])\n            w -= lr * dw\n",
                                             "            Xb, yb = X[rows], y[rows]\n            dw, _ = gradients(w, b, Xb, yb)\n            w -= lr * dw\n            b += lr * np.mean(yb - predict(w, b, Xb))\n")),
    ]
    FAIL = [
        FAIL("bias updated once after training", ("        losses.append(loss(w, b, X, y))\n", "        losses.append(loss(w, b, X, y))\n    b -= lr * db\n"),
             fails=("bias_updated_with_own_gradient", "bias_matches_intercept")),
        FAIL("bias hard-coded to the visible intercept", ("    return w, b, losses\n", "    b = 5.0\n    return w, b, losses\n"),
             fails=("hardcoded_parameters", "bias_updated_with_own_gradient", "bias_matches_intercept")),
        FAIL("bias set to the mean target", ("    return w, b, losses\n", "    b = float(np.mean(y))\n    return w, b, losses\n"),
             fails=("bias_updated_with_own_gradient",)),
        FAIL("bias updated with the weight gradient", (STEP_OLD, "            w -= lr * dw\n            b -= lr * np.mean(dw)\n"),
             fails=("bias_updated_with_own_gradient", "bias_matches_intercept")),
        FAIL("closed form intercept", ("    return w, b, losses\n", "    coef = np.linalg.lstsq(np.column_stack([X, np.ones(len(y))]), y, rcond=None)[0]\n    return coef[:-1], coef[-1], losses\n"),
             fails=("closed_form_replacement", "bias_updated_with_own_gradient")),
        FAIL("bias clipped and updated with the wrong sign", (STEP_OLD, "            w -= lr * dw\n            b = np.clip(b + lr * db, -1, 1)\n"),
             fails=("clip_parameters", "update_against_gradient", "bias_matches_intercept")),
    ]

    def loss(self, w, b, X, y):
        return 0.5 * float(np.mean((X @ w + b - y) ** 2))

    def optimum(self, case):
        w, b = C.lstsq_with_intercept(case["X"], case["y"])
        return [w, np.array(b)], self.loss(w, b, case["X"], case["y"])

    def cases(self):
        out = []
        for n, d, seed, intercept in [(160, 3, 7101, -7.5), (128, 2, 7202, 12.0)]:
            rng = np.random.default_rng(seed)
            X = rng.normal(0.0, 1.0, size=(n, d))
            y = X @ rng.uniform(-3, 3, d) + intercept + rng.normal(0, 0.2, n)
            point = [rng.normal(size=d), np.array(rng.normal())]
            out.append({"X": X, "y": y, "point": point, "train_args": (0.05, 50, 16, seed % 89), "n_losses": 50})
        return out

    def static_checks(self):
        return [BiasUpdatedWithOwnGradient(), UpdateAgainstGradient()]


GRADER = LinregMinibatch()
