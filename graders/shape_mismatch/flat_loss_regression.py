"""Grader for shape_mismatch/flat-loss-regression.

The bug: weights are a column (d, 1), so predictions are (n, 1), while the target is a flat
(n,) array; `predictions - y` broadcasts to (n, n), the gradient grows to (d, n) and the
model only learns the mean (the loss stays at the target's variance).

Runtime (LinearRegressionGrader in bughunt/families/shapes): on hidden data (other row and
feature counts drawn from the seed, one case with fewer rows than features) the weights keep one value per feature and one shape;
no (n, n) array is derived from the inputs (traced shapes, and peak memory on 1000 to 1200
rows, which no conversion can hide); loss, gradient, predictions and the trained parameters match
exact references computed in the parent; training ends well below the target's variance.
Static: no resize, hard-coded reshape, slicing-to-fit or try/except (suppression catalog).
"""
from bughunt.families.shapes.judges import LinearRegressionGrader
from bughunt.grader import FAIL, PASS

LOSS = "    return float(np.mean((predict(X, w, b) - y) ** 2))"
RESIDUAL = "    residual = predict(X, w, b) - y\n"
GRADIENTS = '''def gradients(X, y, w, b):
    """Gradient of the mean squared error with respect to w and b."""
    residual = predict(X, w, b) - y
    grad_w = 2 * X.T @ residual / len(X)
    grad_b = 2 * np.mean(residual)
    return grad_w, grad_b
'''
FIT = '''def fit(X, y, lr=LEARNING_RATE, epochs=EPOCHS):
    """Gradient descent from zero; returns (w, b, loss after every epoch)."""
    w, b = init_params(X.shape[1])
    losses = []
    for _ in range(epochs):
        grad_w, grad_b = gradients(X, y, w, b)
        w = w - lr * grad_w
        b = b - lr * grad_b
        losses.append(mse(X, y, w, b))
    return w, b, losses
'''


class FlatLossRegression(LinearRegressionGrader):
    exercise = "shape_mismatch/flat-loss-regression"
    functions = {
        "init_params": "init_params(n_features) -> (w, b)",
        "predict": "predict(X, w, b) -> predictions",
        "mse": "mse(X, y, w, b) -> float",
        "gradients": "gradients(X, y, w, b) -> (grad_w, grad_b)",
        "fit": "fit(X, y, lr, epochs) -> (w, b, losses)",
    }
    # the visible data has 120 rows and 3 features; one case has fewer rows than features,
    # and the last is large enough that an (n, n) intermediate shows in memory whatever the
    # code does to the traced inputs: at least a megabyte even as booleans, while correct
    # code on those rows holds tens of kilobytes. Not larger: an untouched file builds
    # several such arrays per call, and 2000 rows made grading it four times slower.
    CASES = [((85, 112), 4, 0.05, 150, True), ((130, 166), 2, 0.08, 120, True), (3, 5, 0.05, 20, False),
             ((1000, 1200), 5, 0.05, 3, False)]

    REFERENCE = (
        (LOSS, "    return float(np.mean((predict(X, w, b) - y.reshape(-1, 1)) ** 2))"),
        (RESIDUAL, "    residual = predict(X, w, b) - y.reshape(-1, 1)\n"),
    )
    PASS = [
        PASS(
            "flat weights, so every array is one-dimensional",
            ("    return np.zeros((n_features, 1)), 0.0", "    return np.zeros(n_features), 0.0"),
        ),
        PASS(
            "target turned into a column with [:, None] and np.asarray(...).reshape(len(y), 1)",
            (LOSS, "    target = y[:, None]\n    return float(np.mean((predict(X, w, b) - target) ** 2))"),
            ("    residual = predict(X, w, b) - y\n    grad_w = 2 * X.T @ residual / len(X)\n    grad_b = 2 * np.mean(residual)",
             "    err = predict(X, w, b) - np.asarray(y).reshape(len(y), 1)\n    grad_w = 2 * X.T @ err / len(X)\n    grad_b = 2 * np.mean(err)"),
        ),
        PASS(
            "predictions flattened with a method chain and the gradient shaped like w",
            ("    return X @ w + b\n", "    return np.asarray(X @ w).ravel() + b\n"),
            ("    grad_w = 2 * X.T @ residual / len(X)", "    grad_w = (2 * X.T @ residual / len(X)).reshape(w.shape)"),
        ),
        PASS(
            "row-vector weights (1, n_features) used consistently",
            ("    return np.zeros((n_features, 1)), 0.0", "    return np.zeros((1, n_features)), 0.0"),
            ("    return X @ w + b\n", "    return (X @ w.T).ravel() + b\n"),
            ("    grad_w = 2 * X.T @ residual / len(X)", "    grad_w = 2 * (residual @ X)[None, :] / len(X)"),
        ),
        PASS(
            "a model class with fit/step methods behind the module functions",
            (FIT, '''class _GradientDescent:
    def __init__(self, lr, epochs):
        self.lr, self.epochs = lr, epochs

    def step(self, X, y, w, b):
        gw, gb = gradients(X, y, w, b)
        return w - self.lr * gw, b - self.lr * gb

    def fit(self, X, y):
        w, b = init_params(X.shape[1])
        history = []
        for _ in range(self.epochs):
            w, b = self.step(X, y, w, b)
            history.append(mse(X, y, w, b))
        return w, b, history


def fit(X, y, lr=LEARNING_RATE, epochs=EPOCHS):
    return _GradientDescent(lr, epochs).fit(X, y)
'''),
            (LOSS, "    return float(np.mean((predict(X, w, b).ravel() - y) ** 2))"),
            (RESIDUAL, "    residual = (predict(X, w, b).ravel() - y)[:, np.newaxis]\n"),
        ),
        PASS(
            "closure and lambda around np.asarray, helper with a default argument",
            ('''def mse(X, y, w, b):''', '''def _as_column(v, axis=-1):
    return np.expand_dims(np.asarray(v, dtype=float), axis)


def _residual_against(y):
    col = _as_column(y)
    return lambda pred: pred - col


def mse(X, y, w, b):'''),
            (LOSS, "    return float(np.mean(_residual_against(y)(predict(X, w, b)) ** 2))"),
            (RESIDUAL, "    residual = _residual_against(y)(predict(X, w, b))\n"),
        ),
        PASS(
            "dict of parameters updated in a loop, flat weights",
            ("    return np.zeros((n_features, 1)), 0.0", "    return np.zeros(n_features), 0.0"),
            (FIT, '''def fit(X, y, lr=LEARNING_RATE, epochs=EPOCHS):
    w, b = init_params(X.shape[1])
    params = {"w": w, "b": b}
    losses = []
    for _ in range(epochs):
        grads = dict(zip(("w", "b"), gradients(X, y, params["w"], params["b"])))
        for name in params:
            params[name] = params[name] - lr * grads[name]
        losses.append(mse(X, y, params["w"], params["b"]))
    return params["w"], params["b"], losses
'''),
        ),
        PASS(
            "gradient summed over batches with a generator and zip",
            (GRADIENTS, '''def gradients(X, y, w, b):
    residual = predict(X, w, b).reshape(-1) - y
    chunks = zip(np.array_split(X, 4), np.array_split(residual, 4))
    grad_w = sum(Xc.T @ rc for Xc, rc in chunks) * 2 / len(X)
    return grad_w.reshape(np.shape(w)), 2 * residual.mean()
'''),
            (LOSS, "    return float(np.mean((predict(X, w, b)[:, 0] - y) ** 2))"),
        ),
        PASS(
            "in-place subscript update of the residual column, pandas for the loss",
            (LOSS, "    import pandas as pd\n    diff = pd.Series(predict(X, w, b).ravel()) - pd.Series(y)\n    return float((diff ** 2).mean())"),
            (RESIDUAL, "    residual = predict(X, w, b).copy()\n    residual[:, 0] -= y\n"),
        ),
        PASS(
            "gradient summed row by row in a plain loop, loss on raveled arrays",
            (LOSS, "    return float(np.mean((np.ravel(predict(X, w, b)) - np.ravel(y)) ** 2))"),
            ("    residual = predict(X, w, b) - y\n    grad_w = 2 * X.T @ residual / len(X)\n    grad_b = 2 * np.mean(residual)",
             "    n = len(X)\n    flat_w = np.ravel(w)\n    grad_w = np.zeros_like(flat_w)\n    grad_b = 0.0\n"
             "    for i in range(n):\n        r = float(X[i] @ flat_w + b - y[i])\n        grad_w += 2.0 * r * X[i] / n\n"
             "        grad_b += 2.0 * r / n\n    grad_w = grad_w.reshape(np.shape(w))"),
        ),
    ]
    FAIL = [
        FAIL(
            "target reshaped to the visible number of rows",
            (LOSS, "    return float(np.mean((predict(X, w, b) - y.reshape(120, 1)) ** 2))"),
            (RESIDUAL, "    residual = predict(X, w, b) - y.reshape(120, 1)\n"),
            fails=("hardcoded_shape", "gradients_match_reference", "fit_matches_reference"),
        ),
        FAIL(
            "pairwise residual averaged back to one column",
            (RESIDUAL, "    residual = (predict(X, w, b) - y).mean(axis=1, keepdims=True)\n"),
            fails=("no_pairwise_matrix", "gradients_match_reference", "fit_matches_reference"),
        ),
        FAIL(
            "the (d, n) gradient averaged back to the weights' shape",
            ("    grad_w = 2 * X.T @ residual / len(X)", "    grad_w = (2 * X.T @ residual / len(X)).mean(axis=1, keepdims=True)"),
            fails=("no_pairwise_matrix", "gradients_match_reference", "fit_matches_reference", "training_reduces_loss"),
        ),
        FAIL(
            "pairwise residual sliced to its first column",
            (RESIDUAL, "    residual = (predict(X, w, b) - y)[:, :1]\n"),
            fails=("shape_slicing", "no_pairwise_matrix", "gradients_match_reference"),
        ),
        FAIL(
            "predictions squeezed while the weights stay a column",
            ("    return X @ w + b\n", "    return np.squeeze(X @ w + b)\n"),
            fails=("weights_keep_shape", "fit_matches_reference", "training_reduces_loss"),
        ),
        FAIL(
            "target resized to the prediction shape",
            (RESIDUAL, "    residual = predict(X, w, b) - np.resize(y, (len(y), 1))\n"),
            fails=("np_resize", "loss_matches_reference", "no_pairwise_matrix"),
        ),
        FAIL(
            "target fixed in the gradient only; the reported loss still compares every pair",
            (RESIDUAL, "    residual = predict(X, w, b) - y[:, None]\n"),
            fails=("loss_matches_reference", "no_pairwise_matrix"),
        ),
        FAIL(
            "weight update wrapped in try/except",
            ("        w = w - lr * grad_w\n", "        try:\n            w -= lr * grad_w\n        except ValueError:\n            pass\n"),
            fails=("try_except", "fit_matches_reference"),
        ),
        FAIL(
            "exact values read off the diagonal of the (n, n) matrix",
            (LOSS, "    return float(np.mean(np.diag(predict(X, w, b) - y) ** 2))"),
            (RESIDUAL, "    residual = np.diag(predict(X, w, b) - y).reshape(-1, 1)\n"),
            fails=("no_pairwise_matrix",),
        ),
        FAIL(
            "the diagonal trick behind np.asarray, which strips the shape tracer",
            (LOSS, "    return float(np.mean(np.diagonal(np.asarray(predict(X, w, b)) - np.asarray(y)) ** 2))"),
            (RESIDUAL, "    residual = np.diagonal(np.asarray(predict(X, w, b), dtype=float) - np.array(y))[:, None]\n"),
            fails=("no_pairwise_matrix",),
        ),
        FAIL(
            "target made a column inside fit only; gradients and mse still take the flat target",
            ("    w, b = init_params(X.shape[1])\n    losses = []", "    y = y.reshape(-1, 1)\n    w, b = init_params(X.shape[1])\n    losses = []"),
            fails=("gradients_match_reference", "loss_matches_reference", "no_pairwise_matrix"),
        ),
        FAIL(
            "fit replaced by a closed-form solver",
            (FIT, '''def fit(X, y, lr=LEARNING_RATE, epochs=EPOCHS):
    A = np.column_stack([X, np.ones(len(X))])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    w, b = coef[:-1].reshape(-1, 1), float(coef[-1])
    return w, b, [mse(X, y, w, b)] * epochs
'''),
            fails=("fit_matches_reference", "gradients_match_reference"),
        ),
        FAIL(
            "predictions cut to the target's length",
            (RESIDUAL, "    residual = predict(X, w, b)[:len(y)] - y\n"),
            fails=("shape_slicing", "gradients_match_reference"),
        ),
    ]


GRADER = FlatLossRegression()
