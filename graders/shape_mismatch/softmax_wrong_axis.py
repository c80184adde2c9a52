"""Grader for shape_mismatch/softmax-wrong-axis.

The bug: `softmax` normalises the exponentiated scores over axis 0 (the samples) instead of
over the classes of each row. Shapes still broadcast, so nothing raises; rows do not sum to
one and the cross-entropy grows during training.

Runtime (SoftmaxRegressionGrader in bughunt/families/shapes): `softmax` matches an exact
row-wise softmax on score matrices with many rows, a single row, fewer rows than classes and
as many rows as classes, so an axis picked from the input's shape cannot pass; cross-entropy,
gradients and the trained parameters match the parent's exact reference on the same kinds
of data; parameters keep their shapes; the loss falls.
Static: no reduction over the samples inside `softmax` (ReductionAxis follows transposes,
single rows, helpers and method chains, and says "cannot tell" where it loses track); no
resize, hard-coded reshape, slicing-to-fit or try/except.
"""
from bughunt.families.shapes.judges import SoftmaxRegressionGrader
from bughunt.grader import FAIL, PASS
from bughunt.static.shapes import ReductionAxis

BUG = "    return E / E.sum(axis=0, keepdims=True)"
BODY = '''    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)'''
SOFTMAX = '''def softmax(Z):
    """Class probabilities from scores Z of shape (n, n_classes); each row sums to 1."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)
'''
GRADIENTS = '''    P = predict_proba(X, W, b)
    Y = np.eye(W.shape[1])[y]
    G = (P - Y) / len(X)
    return X.T @ G, G.sum(axis=0)'''
FIT = '''    W = np.zeros((X.shape[1], n_classes))
    b = np.zeros(n_classes)
    losses = []
    for _ in range(epochs):
        dW, db = gradients(X, y, W, b)
        W -= lr * dW
        b -= lr * db
        losses.append(cross_entropy(X, y, W, b))
    return W, b, losses'''


class SoftmaxWrongAxis(SoftmaxRegressionGrader):
    exercise = "shape_mismatch/softmax-wrong-axis"
    functions = {
        "softmax": "softmax(Z) -> P",
        "cross_entropy": "cross_entropy(X, y, W, b) -> float",
        "gradients": "gradients(X, y, W, b) -> (dW, db)",
        "fit": "fit(X, y, n_classes, lr, epochs) -> (W, b, losses)",
    }
    suppression_names = ("try_except", "contextlib_suppress", "np_resize", "shape_slicing", "hardcoded_shape", "np_seterr", "np_errstate", "warnings_filter")
    # visible: 150 rows, 4 features, 3 classes. Hidden: many rows; a single row; fewer rows
    # than classes; as many rows as classes (scores given to softmax have the listed rows)
    CASES = [
        ((80, 100), 5, 4, 7, 0.4, 80),
        ((55, 70), 3, 2, 5, 0.6, 60),
        (1, 3, 4, 1, 0.5, 40),
        (3, 2, 6, 3, 0.5, 60),
        (5, 4, 5, 5, 0.5, 60),
    ]

    REFERENCE = ((BUG, "    return E / E.sum(axis=1, keepdims=True)"),)
    PASS = [
        PASS("last axis, made a column with [:, None]", (BUG, "    totals = np.sum(E, axis=-1)\n    return E / totals[:, None]")),
        PASS("transposed, divided, transposed back", (BUG, "    return (E.T / E.sum(axis=1)).T")),
        PASS(
            "log-sum-exp with a (n, 1) column, renamed variables",
            (BODY, '''    scores = np.asarray(Z, dtype=float)
    top = scores.max(axis=1).reshape(-1, 1)
    log_norm = top + np.log(np.exp(scores - top).sum(axis=1)).reshape(len(scores), 1)
    return np.exp(scores - log_norm)'''),
        ),
        PASS(
            "worked on the transpose, where axis 0 is the class axis",
            (BODY, '''    St = Z.T
    E = np.exp(St - St.max(axis=0))
    return (E / E.sum(axis=0)).T'''),
        ),
        PASS(
            "method chains: np.amax(...).reshape(-1, 1) and .transpose()",
            (BODY, '''    shift = np.amax(Z, axis=1).reshape(-1, 1)
    E = np.exp(Z - shift).transpose()
    return (E / E.sum(axis=0)).transpose()'''),
        ),
        PASS(
            "one row at a time, in a list comprehension",
            (BODY, '''    def one(row):
        e = np.exp(row - row.max())
        return e / e.sum(axis=0)
    return np.array([one(row) for row in Z])'''),
        ),
        PASS(
            "np.apply_along_axis with a lambda",
            (BODY, "    return np.apply_along_axis(lambda r: np.exp(r - r.max()) / np.exp(r - r.max()).sum(), 1, Z)"),
        ),
        PASS(
            "scipy's softmax behind a guarded import",
            (SOFTMAX, '''try:
    from scipy.special import softmax as _scipy_softmax
except ImportError:  # scipy is optional
    _scipy_softmax = None


def softmax(Z):
    if _scipy_softmax is not None:
        return _scipy_softmax(Z, axis=1)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)
'''),
        ),
        PASS(
            "a callable class instance, with the axis as a default argument",
            (SOFTMAX, '''class RowSoftmax:
    def __init__(self, axis=-1):
        self.axis = axis

    def __call__(self, Z):
        E = np.exp(Z - Z.max(axis=self.axis, keepdims=True))
        return E / E.sum(axis=self.axis, keepdims=True)


softmax = RowSoftmax()
'''),
        ),
        PASS(
            "in-place subscript update for the gradient, dict of parameters in fit",
            (BUG, "    return E / np.sum(E, axis=1, keepdims=True)"),
            (GRADIENTS, '''    G = predict_proba(X, W, b)
    G[np.arange(len(y)), y] -= 1
    G /= len(X)
    return X.T @ G, G.sum(axis=0)'''),
            (FIT, '''    params = {"W": np.zeros((X.shape[1], n_classes)), "b": np.zeros(n_classes)}
    losses = []
    for _ in range(epochs):
        step = dict(zip(("W", "b"), gradients(X, y, params["W"], params["b"])))
        params = {key: value - lr * step[key] for key, value in params.items()}
        losses.append(cross_entropy(X, y, params["W"], params["b"]))
    return params["W"], params["b"], losses'''),
        ),
        PASS(
            "a closure that builds the normaliser",
            (SOFTMAX, '''def _normaliser(axis):
    def normalise(E):
        return E / E.sum(axis=axis, keepdims=True)
    return normalise


_over_classes = _normaliser(1)


def softmax(Z):
    return _over_classes(np.exp(Z - Z.max(axis=1, keepdims=True)))
'''),
        ),
    ]
    FAIL = [
        FAIL(
            "normalised by the total of the whole matrix",
            (BUG, "    return E / E.sum()"),
            fails=("softmax_matches_reference", "gradients_match_reference", "fit_matches_reference"),
        ),
        FAIL(
            "rows renormalised after the column-wise division",
            (BUG, "    P = E / E.sum(axis=0, keepdims=True)\n    return P / P.sum(axis=1, keepdims=True)"),
            fails=("reduction_axis", "softmax_matches_reference", "fit_matches_reference"),
        ),
        FAIL(
            "last column set so that every row sums to 1",
            (BUG, "    P = E / E.sum(axis=0, keepdims=True)\n    P[:, -1] = 1 - P[:, :-1].sum(axis=1)\n    return P"),
            fails=("reduction_axis", "softmax_matches_reference", "loss_matches_reference"),
        ),
        FAIL(
            "row sums resized to the matrix shape",
            (BUG, "    return E / np.resize(E.sum(axis=1), E.shape)"),
            fails=("np_resize", "softmax_matches_reference"),
        ),
        FAIL(
            "row sums sliced to the number of classes",
            (BUG, "    return E / E.sum(axis=1)[:E.shape[1]]"),
            fails=("shape_slicing", "softmax_matches_reference"),
        ),
        FAIL(
            "row sums reshaped with the visible number of rows",
            (BUG, "    return E / E.sum(axis=1).reshape(150, 1)"),
            fails=("hardcoded_shape", "softmax_matches_reference", "fit_matches_reference"),
        ),
        FAIL(
            "broadcast error caught and the old axis used as a fallback",
            (BUG, "    try:\n        return E / E.sum(axis=1)\n    except ValueError:\n        return E / E.sum(axis=0)"),
            fails=("try_except", "reduction_axis", "softmax_matches_reference"),
        ),
        FAIL(
            "divided by the row mean instead of the row sum",
            (BUG, "    return E / E.mean(axis=1, keepdims=True)"),
            fails=("softmax_matches_reference", "loss_matches_reference"),
        ),
        FAIL(
            "axis picked from the input's shape (the smaller one)",
            (BUG, "    axis = int(np.argmin(E.shape))\n    return E / E.sum(axis=axis, keepdims=True)"),
            fails=("softmax_matches_reference", "gradients_match_reference"),
        ),
        FAIL(
            "row sums without keepdims: right only when the matrix is square",
            (BODY, "    E = np.exp(Z - Z.max())\n    return (E.T / E.sum(axis=1)).T if E.shape[0] != E.shape[1] else E / E.sum(axis=1)"),
            fails=("softmax_matches_reference",),
        ),
        FAIL(
            "worked on the transpose but still summed over the samples",
            (BODY, '''    St = Z.T
    E = np.exp(St - St.max(axis=0))
    return (E / E.sum(axis=1, keepdims=True)).T'''),
            fails=("reduction_axis", "softmax_matches_reference"),
        ),
        FAIL(
            "softmax left alone, probabilities renormalised in predict_proba",
            ("    return softmax(X @ W + b)", "    P = softmax(X @ W + b)\n    return P / P.sum(axis=1, keepdims=True)"),
            fails=("reduction_axis", "softmax_matches_reference", "loss_matches_reference"),
        ),
    ]

    def static_checks(self):
        return [ReductionAxis("softmax", "the samples (axis 0)", "over the classes of each row")]


GRADER = SoftmaxWrongAxis()
