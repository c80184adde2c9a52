"""Grader for gradient_sign/two-layer-net.

Runtime: `gradients` matches central finite differences of half the MSE for all four
parameter arrays at a fixed point of hidden data; `train` (full batch) drives the loss down
at every iteration to a tenth of what the best linear model (np.linalg.lstsq) reaches.
Static: the back-propagated error is oriented like prediction - target, and every update
in the loop moves against the gradient.
"""
import importlib.util
import sys
from pathlib import Path

import numpy as np

from bughunt.grader import FAIL, PASS
from bughunt.static.training import DATA, PARAM, TARGET, GradientPointsUphill, UpdateAgainstGradient


def _common():
    name = "bughunt_graders_gd_common"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parent.parent / "gradient_sign" / "_gd_common.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


C = _common()
EXERCISE = "gradient_sign/two-layer-net"
HIDDEN = 8

BACKPROP_OLD = """    delta = y - pred
    dW2 = h.T @ delta / n
    db2 = np.mean(delta)
    dh = np.outer(delta, W2) * (1 - h ** 2)
"""
UPDATE_OLD = """        W1 = W1 - lr * dW1
        b1 = b1 - lr * db1
        W2 = W2 - lr * dW2
        b2 = b2 - lr * db2
"""


class TwoLayerNet(C.GDGrader):
    exercise = EXERCISE
    functions = {
        "gradients": "gradients(W1, b1, W2, b2, X, y) -> (dW1, db1, dW2, db2)",
        "train": "train(X, y, lr, n_iter, seed) -> (W1, b1, W2, b2, losses)",
    }
    param_names = ("W1", "b1", "W2", "b2")
    train_nargs = 5
    optimum_words = "a final loss below a tenth of the best linear model's"
    loss_tol = 0.0

    REFERENCE = ((BACKPROP_OLD, BACKPROP_OLD.replace("delta = y - pred", "delta = pred - y")),)
    PASS = [
        PASS("negate every gradient at the end", ("    return dW1, db1, dW2, db2\n", "    return -dW1, -db1, -dW2, -db2\n")),
        PASS("renamed error, np.dot, in-place updates", (BACKPROP_OLD, """    err = np.subtract(pred, y) / n
    dW2 = np.dot(h.T, err)
    db2 = err.sum()
    dh = err[:, None] * W2[None, :] * (1 - h * h) * n
"""), (UPDATE_OLD, """        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
""")),
        PASS("keep y - pred, add the back-propagated error", (UPDATE_OLD, """        W1 = W1 + lr * dW1
        b1 = b1 + lr * db1
        W2 = W2 + lr * dW2
        b2 = b2 + lr * db2
"""), ("    return dW1, db1, dW2, db2\n", "    return -dW1, -db1, -dW2, -db2\n"), ("    for _ in range(n_iter):\n        dW1, db1, dW2, db2 = gradients(W1, b1, W2, b2, X, y)\n",
                                                                                         "    for _ in range(n_iter):\n        dW1, db1, dW2, db2 = [-g for g in gradients(W1, b1, W2, b2, X, y)]\n")),
    ]
    FAIL = [
        FAIL("only the output layer fixed", (BACKPROP_OLD, """    delta = y - pred
    dW2 = -h.T @ delta / n
    db2 = -np.mean(delta)
    dh = np.outer(delta, W2) * (1 - h ** 2)
"""), fails=("gradient_matches_loss", "gradient_points_uphill", "update_against_gradient", "reaches_optimum")),
        FAIL("updates flipped instead of the gradient", (UPDATE_OLD, UPDATE_OLD.replace(" - lr", " + lr")),
             fails=("gradient_matches_loss", "gradient_points_uphill")),
        FAIL("stop on nan and errors silenced", ("        losses.append(loss(W1, b1, W2, b2, X, y))\n",
                                                 "        current = loss(W1, b1, W2, b2, X, y)\n        if np.isnan(current) or current > 1e3:\n            break\n        losses.append(current)\n"),
             ("HIDDEN = 8\n", "HIDDEN = 8\nnp.seterr(all='ignore')\n"),
             fails=("stop_when_loss_rises", "np_seterr", "gradient_matches_loss", "loss_decreases")),
        FAIL("weights clipped", (UPDATE_OLD, """        W1 = np.clip(W1 - lr * dW1, -1, 1)
        b1 = np.clip(b1 - lr * db1, -1, 1)
        W2 = np.clip(W2 - lr * dW2, -1, 1)
        b2 = float(np.clip(b2 - lr * db2, -1, 1))
"""), fails=("clip_parameters", "gradient_matches_loss", "update_against_gradient", "reaches_optimum")),
        FAIL("negative learning rate", ("    W1, b1, W2, b2 = init_params(X.shape[1], seed)\n", "    lr = -lr\n    W1, b1, W2, b2 = init_params(X.shape[1], seed)\n"),
             fails=("negative_learning_rate", "gradient_matches_loss", "gradient_points_uphill")),
    ]

    def loss(self, W1, b1, W2, b2, X, y):
        h = np.tanh(X @ W1 + b1)
        return 0.5 * float(np.mean((h @ W2 + b2 - y) ** 2))

    def optimum(self, case):
        w, b = C.lstsq_with_intercept(case["X"], case["y"])
        linear = 0.5 * float(np.mean((case["X"] @ w + b - case["y"]) ** 2))
        return None, 0.1 * linear

    def cases(self):
        out = []
        for n, seed, offset in [(120, 6101, 2.0), (100, 6202, -1.0)]:
            rng = np.random.default_rng(seed)
            X = rng.uniform(-2, 2, size=(n, 2))
            y = np.cos(1.3 * X[:, 0]) * 1.5 + 0.4 * X[:, 1] ** 2 - 0.5 * X[:, 1] + offset + rng.normal(0, 0.05, n)
            point = [rng.normal(0, 0.7, (2, HIDDEN)), rng.normal(0, 0.3, HIDDEN), rng.normal(0, 0.5, HIDDEN), np.array(rng.normal())]
            out.append({"X": X, "y": y, "point": point, "train_args": (0.1, 1500, seed % 97), "n_losses": 1500})
        return out

    def static_checks(self):
        roles = {0: PARAM, 1: PARAM, 2: PARAM, 3: PARAM, 4: DATA, 5: TARGET}
        return [GradientPointsUphill(roles=roles), UpdateAgainstGradient()]


GRADER = TwoLayerNet()
