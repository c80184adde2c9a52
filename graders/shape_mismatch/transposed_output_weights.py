"""Grader for shape_mismatch/transposed-output-weights.

The bug: `init_params` creates W2 as (n_outputs, n_hidden) and the backward pass is written
for that transposed layout, while `forward` (and the documented contract) uses W2 as
(n_hidden, n_outputs): `np.dot(H, W2)` raises "shapes ... not aligned".

Runtime (hidden data, other feature/hidden/output sizes and seeds): `init_params` returns every
parameter in its documented shape; `forward` and `gradients`, given parameters built by the
grader in the documented layout, match an exact reference forward pass and backprop computed
in the parent; `train` keeps every shape and ends where reference gradient descent from the
student's own starting values ends; the loss falls.
Static: W2 is created as (n_hidden, n_outputs); no resize, hard-coded reshape, slicing-to-fit
or try/except.
"""
import numpy as np

from bughunt.grader import FAIL, PASS, Grader
from bughunt.probe import ContractError, array, function, number
from bughunt.static.shapes import WeightLayout
from bughunt.verdict import Check

EXERCISE = "shape_mismatch/transposed-output-weights"
RTOL, ATOL = 1e-6, 1e-9
KEYS = ("W1", "b1", "W2", "b2")


def hidden_data(n, d, k, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    A = rng.normal(size=(d, k))
    Y = np.tanh(X @ A) + 0.2 * X[:, :1] ** 2 + rng.normal(0, 0.05, (n, k))
    return X, Y


def documented_shapes(d, h, k):
    return {"W1": (d, h), "b1": (h,), "W2": (h, k), "b2": (k,)}


def ref_forward(X, p):
    H = np.tanh(X @ p["W1"] + p["b1"])
    return H, H @ p["W2"] + p["b2"]


def ref_gradients(X, Y, p):
    H, out = ref_forward(X, p)
    d_out = 2 * (out - Y) / out.size
    d_h = d_out @ p["W2"].T * (1 - H ** 2)
    return {"W1": X.T @ d_h, "b1": d_h.sum(axis=0), "W2": H.T @ d_out, "b2": d_out.sum(axis=0)}


def ref_train(X, Y, p, lr, epochs):
    p = {key: np.array(v, dtype=float) for key, v in p.items()}
    for _ in range(epochs):
        g = ref_gradients(X, Y, p)
        p = {key: p[key] - lr * g[key] for key in p}
    return p


def _params(value, what):
    if not isinstance(value, dict) or any(key not in value for key in KEYS):
        raise ContractError(f"{what} should be a dict with the keys W1, b1, W2, b2")
    return {key: array(value[key], f"{what}[{key!r}]") for key in KEYS}


def _shape(s):
    return "(" + ", ".join(str(int(v)) for v in s) + ("," if len(s) == 1 else "") + ")"


def _err(exc):
    return f"{type(exc).__name__}: {str(exc)[:200]}"


class TransposedOutputWeights(Grader):
    exercise = EXERCISE
    functions = {
        "init_params": "init_params(n_features, n_hidden, n_outputs, seed) -> params",
        "forward": "forward(X, params) -> (H, out)",
        "gradients": "gradients(X, Y, params) -> grads",
        "train": "train(X, Y, n_hidden, lr, epochs, seed) -> (params, losses)",
    }
    suppression_names = ("try_except", "contextlib_suppress", "np_resize", "shape_slicing", "hardcoded_shape")

    REFERENCE = (
        ('size=(n_outputs, n_hidden)', 'size=(n_hidden, n_outputs)'),
        ('np.dot(d_out, params["W2"])', 'np.dot(d_out, params["W2"].T)'),
        ('np.dot(d_out.T, H)', 'np.dot(H.T, d_out)'),
    )
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
            ('size=(n_outputs, n_hidden)', 'size=(n_hidden, n_outputs)'),
            ('np.dot(d_out, params["W2"])', 'np.dot(params["W2"], d_out.T).T'),
            ('np.dot(d_out.T, H)', 'np.dot(d_out.T, H).T'),
        ),
        PASS(
            "backward pass written with einsum",
            ('size=(n_outputs, n_hidden)', 'size=(n_hidden, n_outputs)'),
            ('np.dot(d_out, params["W2"])', 'np.einsum("nk,hk->nh", d_out, params["W2"])'),
            ('np.dot(d_out.T, H)', 'np.einsum("nh,nk->hk", H, d_out)'),
        ),
        PASS(
            "W2 drawn flat and reshaped to the documented layout",
            ('rng.normal(0, 1 / np.sqrt(n_hidden), size=(n_outputs, n_hidden))', 'rng.normal(0, 1 / np.sqrt(n_hidden), size=n_hidden * n_outputs).reshape(n_hidden, n_outputs)'),
            ('np.dot(d_out, params["W2"])', 'np.dot(d_out, params["W2"].T)'),
            ('np.dot(d_out.T, H)', 'np.dot(H.T, d_out)'),
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
            ('size=(n_outputs, n_hidden)', 'size=(n_hidden, n_outputs)'),
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
    ]

    # --- both sides ---------------------------------------------------------------
    def cases(self):
        out = []
        for n, d, h, k, seed, lr, epochs in [(83, 4, 7, 3, 5101, 0.2, 60), (61, 6, 5, 1, 5202, 0.15, 50)]:
            X, Y = hidden_data(n, d, k, seed)
            rng = np.random.default_rng(seed + 1)
            p = {key: rng.normal(0, 0.6, size=s) for key, s in documented_shapes(d, h, k).items()}
            out.append({"X": X, "Y": Y, "h": h, "params": p, "lr": lr, "epochs": epochs, "seed": seed % 97})
        return out

    # --- child side ---------------------------------------------------------------
    def probe(self, student, case):
        init = function(student, "init_params", 4)
        forward = function(student, "forward", 2)
        grads = function(student, "gradients", 3)
        train = function(student, "train", 6)
        X, Y, h = case["X"], case["Y"], case["h"]
        d, k = X.shape[1], Y.shape[1]

        def fresh():
            return {key: v.copy() for key, v in case["params"].items()}

        obs = {"init": _params(init(d, h, k, case["seed"]), "the dict from `init_params`")}
        try:
            out = forward(X.copy(), fresh())
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise ContractError("`forward` should return (H, out)")
            obs["H"] = array(out[0], "the hidden activations from `forward`")
            obs["out"] = array(out[1], "the outputs from `forward`")
        except (ValueError, IndexError, TypeError) as exc:
            obs["forward_error"] = _err(exc)
        try:
            obs["grads"] = _params(grads(X.copy(), Y.copy(), fresh()), "the dict from `gradients`")
        except (ValueError, IndexError, TypeError) as exc:
            obs["gradients_error"] = _err(exc)
        try:
            res = train(X.copy(), Y.copy(), h, case["lr"], case["epochs"], case["seed"])
            if not isinstance(res, (tuple, list)) or len(res) != 2:
                raise ContractError("`train` should return (params, losses)")
            obs["trained"] = _params(res[0], "the params from `train`")
            obs["losses"] = array(res[1], "the losses from `train`", ndim=1)
        except (ValueError, IndexError, TypeError) as exc:
            obs["train_error"] = _err(exc)
        return obs

    # --- parent side --------------------------------------------------------------
    def static_checks(self):
        return [WeightLayout("init_params", "W2", (1, 2), "(n_hidden, n_outputs)")]

    def judge(self, results):
        cases = self.cases()
        init_msgs, fwd_msgs, grad_msgs, train_msgs, loss_msgs = [], [], [], [], []
        for r, case in zip(results, cases):
            o, c = r.obs, r.index + 1
            X, Y, h = case["X"], case["Y"], case["h"]
            n, d = X.shape
            k = Y.shape[1]
            where = f"on hidden case {c} ({d} features, {h} hidden units, {k} outputs)"
            want = documented_shapes(d, h, k)
            wrong = [f"{key} {_shape(o['init'][key].shape)} instead of {_shape(s)}" for key, s in want.items() if o["init"][key].shape != s]
            if wrong:
                init_msgs.append(f"found {', '.join(wrong)} {where}")
            H, out = ref_forward(X, case["params"])
            if "forward_error" in o:
                fwd_msgs.append(f"found `forward` stopping with {o['forward_error']} for parameters in the documented layout {where}")
            elif o["out"].shape != out.shape or not np.allclose(o["out"], out, rtol=RTOL, atol=ATOL):
                fwd_msgs.append(f"found outputs of shape {_shape(o['out'].shape)} that differ from the network's outputs {_shape(out.shape)} {where}")
            g = ref_gradients(X, Y, case["params"])
            if "gradients_error" in o:
                grad_msgs.append(f"found `gradients` stopping with {o['gradients_error']} for parameters in the documented layout {where}")
            else:
                bad = [
                    f"{key} ({_shape(o['grads'][key].shape)})"
                    for key in KEYS
                    if o["grads"][key].shape != g[key].shape or not np.allclose(o["grads"][key], g[key], rtol=RTOL, atol=ATOL)
                ]
                if bad:
                    grad_msgs.append(f"found wrong gradients for {', '.join(bad)}, each should have its parameter's shape and the exact value {where}")
            if "train_error" in o:
                train_msgs.append(f"found `train` stopping with {o['train_error']} {where}")
                loss_msgs.append(f"found no losses because `train` stopped with an error {where}")
                continue
            shapes_bad = [f"{key} {_shape(o['trained'][key].shape)}" for key, s in want.items() if o["trained"][key].shape != s]
            if shapes_bad or wrong:
                train_msgs.append(f"found trained parameters {', '.join(shapes_bad) or 'built from a wrong starting layout'} {where}")
            else:
                ref = ref_train(X, Y, o["init"], case["lr"], case["epochs"])
                bad = [key for key in KEYS if not np.allclose(o["trained"][key], ref[key], rtol=1e-5, atol=1e-8)]
                if bad:
                    train_msgs.append(
                        f"found {', '.join(bad)} away from where gradient descent with lr={case['lr']} for "
                        f"{case['epochs']} epochs from your own starting values ends {where}"
                    )
            losses = o["losses"]
            if len(losses) < 2 or not np.all(np.isfinite(losses)) or losses[-1] > 0.7 * losses[0]:
                loss_msgs.append(f"found losses going from {losses[0]:.4g} to {losses[-1]:.4g} {where}" if len(losses) else f"found no losses {where}")

        def check(name, msgs, should, ok_text, root=True):
            text = f"Exercise {EXERCISE} should {should}; {msgs[0]}." if msgs else ok_text
            return Check(name, "runtime", not msgs, text, root_cause=root)

        return [
            check("init_shapes", init_msgs, "create W1 (n_features, n_hidden), b1 (n_hidden,), W2 (n_hidden, n_outputs) and b2 (n_outputs,) in `init_params`", "parameters are created in the documented shapes"),
            check("forward_matches_reference", fwd_msgs, "compute the network's outputs from parameters in the documented layout", "forward matches the reference"),
            check("gradients_match_reference", grad_msgs, "return the exact backpropagated gradient for every parameter, in its parameter's shape", "gradients match backprop"),
            check("train_matches_reference", train_msgs, "keep every parameter's shape through training and follow plain gradient descent", "training matches gradient descent"),
            check("training_reduces_loss", loss_msgs, "reduce the training loss", "training reduces the loss", root=False),
        ]


GRADER = TransposedOutputWeights()
