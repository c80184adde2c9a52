"""Grader for gradient_sign/two-layer-net.

Runtime (bughunt.families.training): `gradients` matches central finite differences of half
the MSE for all four parameter arrays at points of hidden data (all rows, and a few rows);
`train` (full batch) lowers the loss at every iteration and ends below the pass mark: a
tenth of the loss of the best linear model (np.linalg.lstsq, computed in the parent).
Static: the back-propagated error is oriented like prediction - target, and no update in
the loop moves along the gradient.
"""
import numpy as np

from bughunt.families.training.cases import net_case
from bughunt.families.training.judges import TrainingGrader
from bughunt.families.training.models import TwoLayerTanh, lstsq_with_intercept
from bughunt.grader import FAIL, PASS

EXERCISE = "gradient_sign/two-layer-net"
HIDDEN = 8

BACKPROP_OLD = """    delta = y - pred
    dW2 = h.T @ delta / n
    db2 = np.mean(delta)
    dh = np.outer(delta, W2) * (1 - h ** 2)
"""
BACKPROP_FIXED = BACKPROP_OLD.replace("delta = y - pred", "delta = pred - y")
GRAD_OLD = """    n = len(y)
    h, pred = forward(W1, b1, W2, b2, X)
    delta = y - pred
    dW2 = h.T @ delta / n
    db2 = np.mean(delta)
    dh = np.outer(delta, W2) * (1 - h ** 2)
    dW1 = X.T @ dh / n
    db1 = dh.mean(axis=0)
    return dW1, db1, dW2, db2
"""
TRAIN_OLD = """    W1, b1, W2, b2 = init_params(X.shape[1], seed)
    losses = []
    for _ in range(n_iter):
        dW1, db1, dW2, db2 = gradients(W1, b1, W2, b2, X, y)
        W1 = W1 - lr * dW1
        b1 = b1 - lr * db1
        W2 = W2 - lr * dW2
        b2 = b2 - lr * db2
        losses.append(loss(W1, b1, W2, b2, X, y))
    return W1, b1, W2, b2, losses
"""
UPDATE_OLD = """        W1 = W1 - lr * dW1
        b1 = b1 - lr * db1
        W2 = W2 - lr * dW2
        b2 = b2 - lr * db2
"""


class TwoLayerNet(TrainingGrader):
    exercise = EXERCISE
    functions = {
        "gradients": "gradients(W1, b1, W2, b2, X, y) -> (dW1, db1, dW2, db2)",
        "train": "train(X, y, lr, n_iter, seed) -> (W1, b1, W2, b2, losses)",
    }
    model = TwoLayerTanh()
    train_nargs = 5
    goal_words = "a final loss below the pass mark (a tenth of the best linear model's loss)"
    case_builder = net_case
    case_specs = [
        dict(n=120, hidden=HIDDEN, offset_range=(1.0, 2.5), train_args=(0.1, 1500)),
        dict(n=100, hidden=HIDDEN, offset_range=(1.0, 2.5), train_args=(0.1, 1500)),
    ]

    def loss_mark(self, case):
        X, y = case["X"], case["y"]
        w, b = lstsq_with_intercept(X, y)
        linear = 0.5 * float(np.mean((X @ w + b - y) ** 2))
        return 0.1 * linear, "a tenth of the loss of the best linear model"

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
        PASS("network class with forward, backward and step", (BACKPROP_OLD, BACKPROP_FIXED), (TRAIN_OLD, """    net = _Net(*init_params(X.shape[1], seed))
    losses = [net.step(X, y, lr) for _ in range(n_iter)]
    return net.W1, net.b1, net.W2, net.b2, losses


class _Net:
    def __init__(self, W1, b1, W2, b2):
        self.W1, self.b1, self.W2, self.b2 = W1, b1, W2, b2

    def backward(self, X, y):
        return gradients(self.W1, self.b1, self.W2, self.b2, X, y)

    def step(self, X, y, lr):
        dW1, db1, dW2, db2 = self.backward(X, y)
        self.W1 -= lr * dW1
        self.b1 -= lr * db1
        self.W2 -= lr * dW2
        self.b2 -= lr * db2
        return loss(self.W1, self.b1, self.W2, self.b2, X, y)
""")),
        PASS("dict of parameters, loop over names", (BACKPROP_OLD, BACKPROP_FIXED), (TRAIN_OLD, """    names = ("W1", "b1", "W2", "b2")
    params = dict(zip(names, init_params(X.shape[1], seed)))
    losses = []
    for _ in range(n_iter):
        grads = dict(zip(names, gradients(*(params[k] for k in names), X, y)))
        for k in names:
            params[k] = params[k] - lr * grads[k]
        losses.append(loss(*(params[k] for k in names), X, y))
    return params["W1"], params["b1"], params["W2"], params["b2"], losses
""")),
        PASS("closure for the tanh derivative, einsum", (GRAD_OLD, """    n = len(y)
    h, pred = forward(W1, b1, W2, b2, X)

    def through_tanh(upstream):
        return upstream * (1 - np.square(h))

    err = (pred - y) / n
    dW2 = np.einsum("ij,i->j", h, err)
    db2 = err.sum()
    dpre = through_tanh(np.outer(err, W2))
    return X.T @ dpre, dpre.sum(axis=0), dW2, db2
""")),
        PASS("comprehension over (parameter, gradient) pairs", (BACKPROP_OLD, BACKPROP_FIXED), (TRAIN_OLD, """    params = list(init_params(X.shape[1], seed))
    losses = []
    for _ in range(n_iter):
        grads = gradients(*params, X, y)
        params = [p - lr * g for p, g in zip(params, grads)]
        losses.append(loss(*params, X, y))
    W1, b1, W2, b2 = params
    return W1, b1, W2, b2, losses
""")),
        PASS("helper step with a default rate, float output bias", (BACKPROP_OLD, BACKPROP_FIXED), (UPDATE_OLD, """        W1, b1 = _descend(W1, dW1, lr), _descend(b1, db1, lr)
        W2, b2 = _descend(W2, dW2, lr), float(_descend(b2, db2, lr))
"""), ("def train(", "def _descend(p, g, rate=0.1):\n    return p - rate * g\n\n\ndef train(")),
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
        FAIL("hidden layer fixed, output layer left", (BACKPROP_OLD, """    delta = y - pred
    dW2 = h.T @ delta / n
    db2 = np.mean(delta)
    dh = -np.outer(delta, W2) * (1 - h ** 2)
"""), fails=("gradient_matches_loss", "gradient_points_uphill")),
        FAIL("error sign fixed, tanh derivative wrong", (BACKPROP_OLD, """    delta = pred - y
    dW2 = h.T @ delta / n
    db2 = np.mean(delta)
    dh = np.outer(delta, W2) * (1 - h)
"""), fails=("gradient_matches_loss",)),
        FAIL("a network class climbs with the old gradients", (TRAIN_OLD, """    net = _Net(*init_params(X.shape[1], seed))
    losses = [net.step(X, y, lr) for _ in range(n_iter)]
    return net.W1, net.b1, net.W2, net.b2, losses


class _Net:
    def __init__(self, W1, b1, W2, b2):
        self.params = [W1, b1, W2, b2]

    def step(self, X, y, lr):
        grads = gradients(*self.params, X, y)
        self.params = [p + lr * g for p, g in zip(self.params, grads)]
        return loss(*self.params, X, y)

    def __getattr__(self, name):
        return self.params[("W1", "b1", "W2", "b2").index(name)]
"""), fails=("gradient_matches_loss", "gradient_points_uphill")),
        FAIL("overflow silenced with an errstate block", ("        losses.append(loss(W1, b1, W2, b2, X, y))\n",
                                                          "        with np.errstate(all='ignore'):\n            losses.append(loss(W1, b1, W2, b2, X, y))\n"),
             fails=("np_errstate", "gradient_matches_loss", "gradient_points_uphill")),
    ]


GRADER = TwoLayerNet()
