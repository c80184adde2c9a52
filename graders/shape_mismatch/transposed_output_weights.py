"""Grader for shape_mismatch/transposed-output-weights.

The bug: `init_params` creates W2 as (n_outputs, n_hidden) and the backward pass is written
for that transposed layout, while `forward` (and the documented contract) uses W2 as
(n_hidden, n_outputs): `np.dot(H, W2)` raises "shapes ... not aligned".

Runtime (TwoLayerGrader in bughunt/families/shapes): `init_params` returns every parameter
in its documented shape; `forward` and `gradients`, given parameters built by the grader in
the documented layout, match an exact forward pass and backprop computed in the parent, on
hidden data with other sizes, including a single row, fewer rows than outputs and as many
hidden units as outputs (where a swapped axis no longer raises); `train` keeps every shape
and ends where reference gradient descent from `init_params`'s values ends; the loss falls.
Static: W2 is created as (n_hidden, n_outputs) (WeightLayout follows helpers, transposes and
reshapes, and says "cannot tell" otherwise); no resize, hard-coded reshape, slicing-to-fit
or try/except.
"""
from bughunt.families.shapes.judges import TwoLayerGrader
from bughunt.grader import FAIL, PASS
from bughunt.static.shapes import WeightLayout

INIT = '''    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(0, 1 / np.sqrt(n_features), size=(n_features, n_hidden)),
        "b1": np.zeros(n_hidden),
        "W2": rng.normal(0, 1 / np.sqrt(n_hidden), size=(n_outputs, n_hidden)),
        "b2": np.zeros(n_outputs),
    }'''
LAYOUT = ('size=(n_outputs, n_hidden)', 'size=(n_hidden, n_outputs)')
BACK_W2T = ('np.dot(d_out, params["W2"])', 'np.dot(d_out, params["W2"].T)')
BACK_GRAD = ('np.dot(d_out.T, H)', 'np.dot(H.T, d_out)')
BACKWARD = '''    d_out = 2 * (out - Y) / out.size
    d_hidden = np.dot(d_out, params["W2"]) * (1 - H ** 2)
    return {
        "W1": np.dot(X.T, d_hidden),
        "b1": d_hidden.sum(axis=0),
        "W2": np.dot(d_out.T, H),
        "b2": d_out.sum(axis=0),
    }'''
FORWARD = '''    H = np.tanh(np.dot(X, params["W1"]) + params["b1"])
    out = np.dot(H, params["W2"]) + params["b2"]
    return H, out'''


class TransposedOutputWeights(TwoLayerGrader):
    exercise = "shape_mismatch/transposed-output-weights"
    functions = {
        "init_params": "init_params(n_features, n_hidden, n_outputs, seed) -> params",
        "forward": "forward(X, params) -> (H, out)",
        "gradients": "gradients(X, Y, params) -> grads",
        "train": "train(X, Y, n_hidden, lr, epochs, seed) -> (params, losses)",
    }
    suppression_names = ("try_except", "contextlib_suppress", "np_resize", "shape_slicing", "hardcoded_shape")
    # visible: 200 rows, 5 features, 16 hidden units, 2 outputs
    CASES = [
        ((75, 95), 4, 7, 3, 0.2, 60),
        ((55, 70), 6, 5, 1, 0.15, 50),
        ((35, 50), 3, 4, 4, 0.2, 40),   # as many hidden units as outputs: a swapped W2 fits
        (1, 5, 3, 2, 0.1, 20),           # a single row
        (2, 3, 6, 5, 0.1, 20),           # fewer rows than outputs
    ]

    REFERENCE = (LAYOUT, BACK_W2T, BACK_GRAD)
    PASS = [
        PASS(
            "W2 drawn in the old order and transposed once, backward with @ and renamed locals",
            ('size=(n_outputs, n_hidden)),', 'size=(n_outputs, n_hidden)).T,'),
            (
                '''    d_hidden = np.dot(d_out, params["W2"]) * (1 - H ** 2)
    return {
        "W1": np.dot(X.T, d_hidden),
        "b1": d_hidden.sum(axis=0),
        "W2": np.dot(d_out.T, H),''',
                '''    W2 = params["W2"]
    delta = (d_out @ W2.T) * (1 - H ** 2)
    return {
        "W1": X.T @ delta,
        "b1": delta.sum(axis=0),
        "W2": H.T @ d_out,''',
            ),
        ),
        PASS(
            "backward written with transposes of the products",
            LAYOUT,
            ('np.dot(d_out, params["W2"])', 'np.dot(params["W2"], d_out.T).T'),
            ('np.dot(d_out.T, H)', 'np.dot(d_out.T, H).T'),
        ),
        PASS(
            "backward pass written with einsum",
            LAYOUT,
            ('np.dot(d_out, params["W2"])', 'np.einsum("nk,hk->nh", d_out, params["W2"])'),
            ('np.dot(d_out.T, H)', 'np.einsum("nh,nk->hk", H, d_out)'),
        ),
        PASS(
            "W2 drawn flat and reshaped to the documented layout",
            ('rng.normal(0, 1 / np.sqrt(n_hidden), size=(n_outputs, n_hidden))',
             'rng.normal(0, 1 / np.sqrt(n_hidden), size=n_hidden * n_outputs).reshape(n_hidden, n_outputs)'),
            BACK_W2T, BACK_GRAD,
        ),
        PASS(
            "a helper with a default scale builds each layer",
            (INIT, '''    rng = np.random.default_rng(seed)
    W1, b1 = _dense(rng, n_features, n_hidden)
    W2, b2 = _dense(rng, n_hidden, n_outputs)
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def _dense(rng, n_in, n_out, scale=None):
    scale = 1 / np.sqrt(n_in) if scale is None else scale
    return rng.normal(0, scale, size=(n_in, n_out)), np.zeros(n_out)'''),
            BACK_W2T, BACK_GRAD,
        ),
        PASS(
            "layers built in a loop over zip of the layer sizes",
            (INIT, '''    rng = np.random.default_rng(seed)
    sizes = [n_features, n_hidden, n_outputs]
    params = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{i}"] = rng.normal(0, 1 / np.sqrt(n_in), size=(n_in, n_out))
        params[f"b{i}"] = np.zeros(n_out)
    return params'''),
            BACK_W2T, BACK_GRAD,
        ),
        PASS(
            "a Dense layer class holds each weight; backward with np.matmul and .transpose()",
            ('def init_params(', '''class Dense:
    def __init__(self, n_in, n_out, rng):
        self.W = rng.normal(0, 1 / np.sqrt(n_in), size=(n_in, n_out))
        self.b = np.zeros(n_out)


def init_params('''),
            (INIT, '''    rng = np.random.default_rng(seed)
    hidden, output = Dense(n_features, n_hidden, rng), Dense(n_hidden, n_outputs, rng)
    return {"W1": hidden.W, "b1": hidden.b, "W2": output.W, "b2": output.b}'''),
            ('np.dot(d_out, params["W2"]) * (1 - H ** 2)', 'np.matmul(d_out, params["W2"].transpose()) * (1 - np.square(H))'),
            BACK_GRAD,
        ),
        PASS(
            "parameters unpacked with a generator; the transposed draw kept and swapped back with np.transpose",
            ('rng.normal(0, 1 / np.sqrt(n_hidden), size=(n_outputs, n_hidden))',
             'np.transpose(rng.normal(0, 1 / np.sqrt(n_hidden), size=(n_outputs, n_hidden)))'),
            (FORWARD, '''    W1, b1, W2, b2 = (params[key] for key in ("W1", "b1", "W2", "b2"))
    H = np.tanh(X @ W1 + b1)
    return H, H @ W2 + b2'''),
            BACK_W2T, BACK_GRAD,
        ),
        PASS(
            "a dict comprehension for the update in train, bias gradient with np.sum(axis=0)",
            LAYOUT, BACK_W2T, BACK_GRAD,
            ('        "b2": d_out.sum(axis=0),', '        "b2": np.sum(d_out, axis=0),'),
            ('''        for key in params:
            params[key] -= lr * grads[key]''', '''        params = {key: value - lr * grads[key] for key, value in params.items()}'''),
        ),
    ]
    FAIL = [
        FAIL(
            "W2 transposed where it is used instead of where it is created",
            ('out = np.dot(H, params["W2"])', 'out = np.dot(H, params["W2"].T)'),
            fails=("weight_layout", "init_shapes", "forward_matches_reference", "gradients_match_reference"),
        ),
        FAIL(
            "layout fixed in init_params only, backward pass left for the old layout",
            LAYOUT,
            fails=("gradients_match_reference", "train_matches_reference"),
        ),
        FAIL(
            "hidden activations transposed instead of the weight",
            ('out = np.dot(H, params["W2"]) + params["b2"]', 'out = np.dot(params["W2"], H.T).T + params["b2"]'),
            fails=("weight_layout", "init_shapes", "forward_matches_reference"),
        ),
        FAIL(
            "W2 reshaped (not transposed) to the shape forward expects, backward pass untouched",
            ('size=(n_outputs, n_hidden)),', 'size=(n_outputs, n_hidden)).reshape(n_hidden, n_outputs),'),
            fails=("gradients_match_reference", "train_matches_reference"),
        ),
        FAIL(
            "weight broadcast to the visible sizes",
            ('out = np.dot(H, params["W2"])', 'out = np.dot(H, np.resize(params["W2"], (16, 2)))'),
            fails=("np_resize", "hardcoded_shape", "forward_matches_reference"),
        ),
        FAIL(
            "forward pass wrapped in try/except",
            (
                '    out = np.dot(H, params["W2"]) + params["b2"]\n',
                '    try:\n        out = np.dot(H, params["W2"]) + params["b2"]\n    except ValueError:\n        out = np.dot(H, params["W2"].T) + params["b2"]\n',
            ),
            fails=("try_except", "weight_layout", "init_shapes"),
        ),
        FAIL(
            "W2 transposed whenever its shape does not fit, layout left as it was",
            ('    out = np.dot(H, params["W2"]) + params["b2"]\n',
             '    W2 = params["W2"]\n    if W2.shape[0] != H.shape[1]:\n        W2 = W2.T\n    out = np.dot(H, W2) + params["b2"]\n'),
            fails=("weight_layout", "init_shapes", "gradients_match_reference"),
        ),
        FAIL(
            "bias gradient summed over an axis picked from the shape",
            LAYOUT, BACK_W2T, BACK_GRAD,
            ('        "b2": d_out.sum(axis=0),', '        "b2": d_out.sum(axis=0 if d_out.shape[0] > d_out.shape[1] else 1),'),
            fails=("gradients_match_reference",),
        ),
        FAIL(
            "output gradient averaged over the rows only",
            LAYOUT, BACK_W2T, BACK_GRAD,
            ("    d_out = 2 * (out - Y) / out.size", "    d_out = 2 * (out - Y) / len(X)"),
            fails=("gradients_match_reference", "train_matches_reference"),
        ),
        FAIL(
            "W2 created with sizes typed in from the visible data",
            ('size=(n_outputs, n_hidden)', 'size=(16, 2)'),
            BACK_W2T, BACK_GRAD,
            fails=("init_shapes", "train_matches_reference"),
        ),
    ]

    def static_checks(self):
        return [WeightLayout("init_params", "W2", (1, 2), "(n_hidden, n_outputs)")]


GRADER = TransposedOutputWeights()
