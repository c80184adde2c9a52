"""Child side of the training family: call the student's `gradients` and `train`.

No expected value, optimum or case builder lives here: the parent built the inputs and
judges the replies.
"""
from __future__ import annotations

import numpy as np

from bughunt.probe import ContractError, Probe, array, call_watched, function


def _plain(p):
    arr = np.array(p, dtype=float)
    return arr if arr.ndim else float(arr)


class GradientDescent(Probe):
    """config: {"params": [names], "gradients": name, "train": name, "train_nargs": int}.
    case: {"X", "y", "points": [{"params": [...], "rows": index array}], "train_args": [...]}."""

    def run(self, student, case, config):
        names = list(config["params"])
        k = len(names)
        grad_name, train_name = config.get("gradients", "gradients"), config.get("train", "train")
        grad_fn = function(student, grad_name, k + 2)
        train_fn = function(student, train_name, int(config["train_nargs"]))
        X, y = case["X"], case["y"]
        grads = []
        for point in case["points"]:
            rows = np.asarray(point["rows"], dtype=int)
            params = [_plain(p) for p in point["params"]]
            out, _ = call_watched(grad_fn, *params, X[rows].copy(), y[rows].copy())
            if not isinstance(out, (tuple, list)) or len(out) != k:
                raise ContractError(
                    f"`{grad_name}` should return {k} values ({', '.join('d' + n for n in names)}); "
                    f"it returned {type(out).__name__}"
                )
            grads.append([array(g, f"the gradient for {n} returned by `{grad_name}`") for g, n in zip(out, names)])
        res, _ = call_watched(train_fn, X.copy(), y.copy(), *case["train_args"])
        if not isinstance(res, (tuple, list)) or len(res) != k + 1:
            raise ContractError(f"`{train_name}` should return {k + 1} values ({', '.join(names)}, losses)")
        learned = [array(v, f"the learned {n} returned by `{train_name}`") for v, n in zip(res[:-1], names)]
        losses = array(res[-1], f"the list of losses returned by `{train_name}`", ndim=1)
        return {"grads": grads, "learned": learned, "losses": losses}


GRADIENT_DESCENT = GradientDescent()
