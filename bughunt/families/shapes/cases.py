"""Hidden inputs for the shapes family, built in the parent from `case_rng(seed, ...)`.

Every size is chosen so that a layout bug cannot hide: rows never equal features or
classes by accident (except in the deliberately square cases), single-row and
fewer-rows-than-classes cases catch an axis picked from the input's shape, and one
regression case has enough rows that an (n, n) intermediate is measurable in memory.
"""
from __future__ import annotations

import numpy as np

from bughunt.grader import case_rng

#: an (n, n) array of the smallest dtype (bool) takes n * n bytes; legitimate code on n rows
#: of a few features stays far below. Regression cases this large are marked
#: `measure_memory`: the probe measures peak memory only on those
PAIRWISE_MEMORY_ROWS = 1000


def regression_cases(seed: int, specs) -> list[dict]:
    """`specs`: (n_rows, n_features, lr, epochs, train_check) per case; `n_rows` may be a
    (low, high) range drawn from the seed."""
    out = []
    for i, (n, d, lr, epochs, train_check) in enumerate(specs):
        rng = case_rng(seed, "shapes.regression", i)
        n = int(rng.integers(*n)) if isinstance(n, tuple) else int(n)
        X = rng.normal(size=(n, d))
        w_true = rng.normal(0, 3, d)
        y = X @ w_true + rng.uniform(-20, 20) + rng.normal(0, 0.8, n)
        out.append({
            "X": X, "y": y, "lr": float(lr), "epochs": int(epochs), "train_check": bool(train_check),
            "w_eval": rng.normal(0, 1.5, d), "b_eval": float(rng.uniform(-5, 5)),
            "measure_memory": n >= PAIRWISE_MEMORY_ROWS,
        })
    return out


def network_cases(seed: int, specs) -> list[dict]:
    """`specs`: (n_rows, n_features, n_hidden, n_outputs, lr, epochs) per case."""
    out = []
    for i, (n, d, h, k, lr, epochs) in enumerate(specs):
        rng = case_rng(seed, "shapes.network", i)
        n = int(rng.integers(*n)) if isinstance(n, tuple) else int(n)
        X = rng.normal(size=(n, d))
        A = rng.normal(size=(d, k))
        Y = np.tanh(X @ A) + 0.2 * X[:, :1] ** 2 + rng.normal(0, 0.05, (n, k))
        params = {
            "W1": rng.normal(0, 0.6, (d, h)), "b1": rng.normal(0, 0.3, h),
            "W2": rng.normal(0, 0.6, (h, k)), "b2": rng.normal(0, 0.3, k),
        }
        out.append({"X": X, "Y": Y, "h": int(h), "params": params, "lr": float(lr), "epochs": int(epochs),
                    "seed": int(rng.integers(1, 1000))})
    return out


def softmax_cases(seed: int, specs) -> list[dict]:
    """`specs`: (n_rows, n_features, n_classes, score_rows, lr, epochs) per case. The scores
    `Z` given to `softmax` have `score_rows` rows; every class appears among the labels
    when there are at least as many rows as classes."""
    out = []
    for i, (n, d, k, zr, lr, epochs) in enumerate(specs):
        rng = case_rng(seed, "shapes.softmax", i)
        n = int(rng.integers(*n)) if isinstance(n, tuple) else int(n)
        centres = rng.normal(0, 1.5, size=(k, d))
        y = np.arange(n) % k
        rng.shuffle(y)
        X = centres[y] + rng.normal(0, 0.7, size=(n, d))
        out.append({
            "X": X, "y": y.astype(np.int64), "k": int(k), "lr": float(lr), "epochs": int(epochs),
            "Z": rng.normal(0, 3.0, size=(zr, k)),
            "W_eval": rng.normal(0, 0.7, size=(d, k)), "b_eval": rng.normal(0, 0.7, size=k),
        })
    return out
