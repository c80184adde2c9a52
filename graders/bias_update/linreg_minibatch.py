"""Grader for bias_update/linreg-minibatch.

Runtime (bughunt.families.training): `gradients` matches central finite differences of half
the MSE on hidden data; mini-batch `train` ends at the least-squares solution
(np.linalg.lstsq, computed in the parent): weights and bias within 0.05, loss within 1%.
The hidden intercept is far from the visible one and the noise is skewed, so a bias
stepped by the median error (not the mean) ends visibly off.
Static: the bias takes its own gradient step inside the loop, and no update moves along
the gradient.
"""
from bughunt.families.training.cases import linear_case
from bughunt.families.training.judges import TrainingGrader
from bughunt.families.training.models import LinearMSE
from bughunt.grader import FAIL, PASS

EXERCISE = "bias_update/linreg-minibatch"
STEP_OLD = "            w -= lr * dw\n"
TRAIN_OLD = """    rng = np.random.default_rng(seed)
    w = np.zeros(X.shape[1])
    b = 0.0
    losses = []
    for _ in range(n_epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch_size):
            rows = order[start:start + batch_size]
            dw, db = gradients(w, b, X[rows], y[rows])
            w -= lr * dw
        losses.append(loss(w, b, X, y))
    return w, b, losses
"""


class LinregMinibatch(TrainingGrader):
    exercise = EXERCISE
    functions = {
        "gradients": "gradients(w, b, X, y) -> (dw, db)",
        "train": "train(X, y, lr, n_epochs, batch_size, seed) -> (w, b, losses)",
    }
    model = LinearMSE()
    bias_index = 1
    bias_target_words = "the least-squares intercept of the hidden data"
    train_nargs = 6
    monotone = False
    iteration_words = "epoch"
    param_tol = 0.05
    loss_tol = 0.01
    goal_words = "the least-squares solution (weights within 0.05 of np.linalg.lstsq's, loss within 1%)"
    case_builder = linear_case
    case_specs = [
        dict(n=160, d=3, intercept_range=(7.0, 13.0), noise=0.6, minibatch=True, tol=0.05, train_args=(0.02, 60, 16)),
        dict(n=128, d=2, intercept_range=(7.0, 13.0), noise=0.8, minibatch=True, tol=0.05, train_args=(0.02, 60, 16)),
    ]

    REFERENCE = ((STEP_OLD, "            w -= lr * dw\n            b -= lr * db\n"),)
    PASS = [
        PASS("both as assignments", (STEP_OLD, "            w = w - lr * dw\n            b = b - lr * db\n")),
        PASS("tuple update, renamed", (STEP_OLD, "            w, b = w - lr * dw, b - db * lr\n")),
        PASS("bias gradient written inline", ("            dw, db = gradients(w, b, X[rows], y[rows])\n            w -= lr * dw\n",
                                             "            Xb, yb = X[rows], y[rows]\n            dw, _ = gradients(w, b, Xb, yb)\n            w -= lr * dw\n            b += lr * np.mean(yb - predict(w, b, Xb))\n")),
        PASS("generator of batches, zip over them", (TRAIN_OLD, """    rng = np.random.default_rng(seed)
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(n_epochs):
        for xb, yb in _batches(X, y, batch_size, rng):
            dw, db = gradients(w, b, xb, yb)
            w, b = w - lr * dw, b - lr * db
        losses.append(loss(w, b, X, y))
    return w, b, losses


def _batches(X, y, size, rng):
    order = rng.permutation(len(y))
    for start in range(0, len(y), size):
        rows = order[start:start + size]
        yield X[rows], y[rows]
""")),
        PASS("model class with a step method", (TRAIN_OLD, """    rng = np.random.default_rng(seed)
    model = _Regressor(X.shape[1])
    losses = []
    for _ in range(n_epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch_size):
            model.step(X[order[start:start + batch_size]], y[order[start:start + batch_size]], lr)
        losses.append(loss(model.w, model.b, X, y))
    return model.w, model.b, losses


class _Regressor:
    def __init__(self, d):
        self.w = np.zeros(d)
        self.b = 0.0

    def step(self, X, y, lr):
        dw, db = gradients(self.w, self.b, X, y)
        self.w -= lr * dw
        self.b -= lr * db
""")),
        PASS("dict of parameters", (TRAIN_OLD, """    rng = np.random.default_rng(seed)
    p = {"w": np.zeros(X.shape[1]), "b": 0.0}
    losses = []
    for _ in range(n_epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch_size):
            rows = order[start:start + batch_size]
            g = dict(zip("wb", gradients(p["w"], p["b"], X[rows], y[rows])))
            p["w"] = p["w"] - lr * g["w"]
            p["b"] = p["b"] - lr * g["b"]
        losses.append(loss(p["w"], p["b"], X, y))
    return p["w"], p["b"], losses
""")),
        PASS("closure that steps both parameters, bias kept as a 1-element array", (TRAIN_OLD, """    rng = np.random.default_rng(seed)
    w, b = np.zeros(X.shape[1]), np.zeros(1)

    def step(rows, rate=lr):
        nonlocal w, b
        dw, db = gradients(w, b, X[rows], y[rows])
        w = w - rate * dw
        b = b - rate * db

    losses = []
    for _ in range(n_epochs):
        order = rng.permutation(len(y))
        for rows in np.array_split(order, int(np.ceil(len(y) / batch_size))):
            step(rows)
        losses.append(loss(w, b, X, y))
    return w, float(b[0]), losses
""")),
        PASS("mean error through np.where-free boolean weights", ("    dw, db = gradients(w, b, X[rows], y[rows])\n            w -= lr * dw\n".replace("    dw", "            dw", 1), "            dw, db = gradients(w, b, X[rows], y[rows])\n            w -= lr * dw\n            b -= lr * db\n"),
             ("    error = predict(w, b, X) - y\n    dw = X.T @ error / len(y)\n    db = np.mean(error)\n",
              "    error = np.asarray(predict(w, b, X) - y).ravel()\n    dw = np.dot(error, X) / X.shape[0]\n    db = error.sum() / error.size\n")),
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
        FAIL("bias stepped by the median error", (STEP_OLD, """            w -= lr * dw
            b -= lr * np.median(predict(w, b, X[rows]) - y[rows])
"""), fails=("bias_matches_intercept",)),
        FAIL("bias stepped only on the first batch of each epoch", (STEP_OLD, """            w -= lr * dw
            if start == 0:
                b -= lr * db
"""), fails=("bias_matches_intercept",)),
        FAIL("bias set to the mean residual after training", ("    return w, b, losses\n", "    b = float(np.mean(y - X @ w))\n    return w, b, losses\n"),
             fails=("bias_updated_with_own_gradient",)),
        FAIL("bias started at the mean target instead of being trained", ("    b = 0.0\n", "    b = float(np.mean(y))\n"),
             fails=("bias_updated_with_own_gradient",)),
    ]


GRADER = LinregMinibatch()
