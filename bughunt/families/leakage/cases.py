"""Leakage family, PARENT side: hidden-data builders and the perturbed copies the probe runs.

Every builder takes a generator from `bughunt.grader.case_rng`, so an instructor's seed gives
new data. Nothing here is sent to the child except the arrays the builders return.
"""
from __future__ import annotations

import numpy as np


def _logistic_labels(rng, Z, weights, bias=0.0):
    z = Z @ np.asarray(weights, dtype=float) + bias
    return (rng.random(len(Z)) < 1 / (1 + np.exp(-z))).astype(np.int64)


def _standard(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)


def customers(rng, n_rows: int, magnitude: float = 1.0):
    """Six numeric columns on different scales (tenure, bill, calls, logins, discount, age);
    labels from a random logistic model of the standardized columns. `magnitude` multiplies
    every column: a pipeline that scales is indifferent to it."""
    X = np.column_stack(
        [
            rng.uniform(0, rng.uniform(40, 90), n_rows),
            rng.normal(rng.uniform(50, 120), rng.uniform(10, 40), n_rows),
            rng.poisson(rng.uniform(1.5, 4), n_rows).astype(float),
            rng.gamma(rng.uniform(1.5, 3.5), rng.uniform(3, 9), n_rows),
            rng.uniform(0, rng.uniform(0.2, 0.5), n_rows),
            rng.normal(rng.uniform(30, 50), rng.uniform(6, 14), n_rows),
        ]
    )
    weights = rng.uniform(0.4, 1.2, 6) * rng.choice([-1.0, 1.0], 6)
    y = _logistic_labels(rng, _standard(X), weights, rng.uniform(-0.5, 0.5))
    return X * magnitude, y


def many_signals(rng, n_rows: int, n_signals: int, n_informative: int):
    """`n_signals` columns on scales from 1e-2 to 1e2, of which `n_informative` (at random
    positions) drive the label: which columns a ranking keeps depends on the rows it saw."""
    scales = 10.0 ** rng.uniform(-2, 2, n_signals)
    Z = rng.normal(0, 1, (n_rows, n_signals))
    weights = rng.uniform(0.4, 1.0, n_informative) * rng.choice([-1.0, 1.0], n_informative)
    y = _logistic_labels(rng, Z[:, :n_informative], weights)
    order = rng.permutation(n_signals)
    return (Z * scales + rng.uniform(-50, 50, n_signals))[:, order], y


def patients(rng, n_rows: int):
    """Six clinical columns with missing cells (NaN) at column-specific rates."""
    X = np.column_stack(
        [
            rng.normal(rng.uniform(50, 70), 16, n_rows),
            rng.gamma(2.5, rng.uniform(1.5, 3), n_rows),
            rng.lognormal(0.2, 0.5, n_rows),
            rng.normal(13, 2.2, n_rows),
            rng.poisson(2.2, n_rows).astype(float),
            rng.normal(27, 6, n_rows),
        ]
    )
    weights = rng.uniform(0.4, 1.1, 6) * rng.choice([-1.0, 1.0], 6)
    y = _logistic_labels(rng, _standard(X), weights)
    rates = rng.uniform(0.03, 0.3, 6)
    X[rng.random(X.shape) < rates] = np.nan
    return X, y


def subscribers(rng, n_rows: int, post_outcome: int = 5):
    """Five columns known in advance and, at `post_outcome`, a 0/1 column recorded after the
    outcome: almost a copy of the label."""
    X = np.column_stack(
        [
            rng.uniform(1, 48, n_rows),
            rng.normal(18, 5, n_rows),
            rng.poisson(2.0, n_rows).astype(float),
            rng.gamma(2.5, 3.0, n_rows),
            rng.integers(0, 24, n_rows).astype(float),
        ]
    )
    weights = rng.uniform(0.3, 1.0, 5) * rng.choice([-1.0, 1.0], 5)
    y = _logistic_labels(rng, _standard(X), weights, rng.uniform(-1.6, -1.0))
    hit, false_alarm = rng.uniform(0.8, 0.92), rng.uniform(0.02, 0.05)
    after = np.where(y == 1, rng.random(n_rows) < hit, rng.random(n_rows) < false_alarm).astype(float)
    return np.insert(X, post_outcome, after, axis=1), y


BUILDERS = {"customers": customers, "many_signals": many_signals, "patients": patients, "subscribers": subscribers}


# --- the contract's split, and perturbed copies ---------------------------------------------------
def specified_test_rows(y, seed: int, test_size: float, stratify: bool) -> np.ndarray:
    """The rows `train_test_split(X, y, test_size=..., random_state=seed[, stratify=y])` holds
    out, in the order it returns them."""
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(y))
    _, test = train_test_split(rows, test_size=test_size, random_state=seed, stratify=y if stratify else None)
    return np.asarray(test)


def outlier_rows(X, rows, rng, flip_missing: bool = False):
    """A copy of X in which `rows` become large outliers; with `flip_missing`, their missing
    cells are filled and about half of their other cells become missing, so that any statistic
    of the missing cells (a fill value, a missing share) moves too. Other rows are untouched."""
    out = np.array(X, dtype=float, copy=True)
    block = out[rows] * 25.0 + 7.0
    if flip_missing:
        gaps = np.isnan(block)
        block[gaps] = rng.uniform(50, 500, int(gaps.sum()))
        block[rng.random(block.shape) < 0.5] = np.nan
    out[rows] = block
    return out


def affine_map(n_cols: int, rng):
    """A scale (1e-2..1e2) and a shift per column: standardized (and median-filled) pipelines
    give the same predictions on X * scale + shift, unscaled ones do not."""
    return 10.0 ** rng.uniform(-2, 2, n_cols), rng.uniform(-50, 50, n_cols)
