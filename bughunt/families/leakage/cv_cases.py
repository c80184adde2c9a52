"""PARENT side: hidden data for the fold, time-split and resampling exercises of the leakage
family (scaled-outside-cv, random-split-time-series, oversample-before-split).

Every builder draws from a `case_rng(seed, ...)` generator, so an instructor's secret seed
gives new data; every row (and every target value) is unique, so the probes can recognise
rows by their bytes. The child never imports this module.
"""
from __future__ import annotations

import numpy as np

from bughunt.grader import case_rng


def _labels(rng, X, weights, bias=0.0):
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    return (rng.random(len(X)) < 1 / (1 + np.exp(-(Z @ np.asarray(weights) + bias)))).astype(int)


def chemistry(rng, n_rows: int):
    """Six measurements on very different scales (one of them tiny, one huge)."""
    X = np.column_stack(
        [
            rng.normal(rng.uniform(5, 9), 1.0, n_rows),
            rng.gamma(3.0, rng.uniform(1.5, 3.0), n_rows),
            rng.normal(rng.uniform(60, 200), 40, n_rows),
            rng.normal(11.0, 1.3, n_rows),
            rng.normal(0.995, 0.003, n_rows),
            rng.normal(3.2, 0.2, n_rows) * rng.uniform(50, 500),
        ]
    )
    weights = rng.uniform(0.5, 1.3, 6) * rng.choice([-1.0, 1.0], 6)
    return X, _labels(rng, X, weights)


def kfold_tests(n_rows: int, n_folds: int, seed: int) -> list[np.ndarray]:
    """Held-out rows of each fold of KFold(n_folds, shuffle=True, random_state=seed)."""
    from sklearn.model_selection import KFold

    return [te for _, te in KFold(n_splits=n_folds, shuffle=True, random_state=seed).split(np.zeros((n_rows, 1)))]


def outliers(X, rows, rng):
    """A copy of X whose given rows become large outliers (other rows untouched)."""
    out = np.array(X, dtype=float, copy=True)
    out[rows] = out[rows] * rng.uniform(15, 40) + rng.uniform(3, 12)
    return out


def cv_cases(seed: int, tag: str, sizes, n_folds: int, perturbed_folds) -> list[dict]:
    """scaled-outside-cv: data, the split seed, and for some folds a copy of the data in which
    every other held-out row of that fold became an outlier."""
    out = []
    for i, n in enumerate(sizes):
        rng = case_rng(seed, tag, i)
        n_rows = int(n + rng.integers(0, 25))
        X, y = chemistry(rng, n_rows)
        split_seed = int(rng.integers(1, 10_000))
        tests = kfold_tests(n_rows, n_folds, split_seed)
        perturbed = []
        for k in perturbed_folds:
            changed = tests[k][::2]
            perturbed.append(outliers(X, changed, rng))
        out.append({"X": X, "y": y, "seed": split_seed, "perturbed": perturbed})
    return out


def demand(rng, n_days: int):
    """Daily demand, oldest first: day number, weekday, temperature, promotion flag; the level
    drifts, so the future differs from the past."""
    start = float(rng.integers(100, 5000))
    day = start + np.arange(n_days, dtype=float)
    weekday = day % 7
    temperature = 15 + 8 * np.sin(2 * np.pi * day / 365) + rng.normal(0, 2.5, n_days)
    promo = (rng.random(n_days) < rng.uniform(0.1, 0.3)).astype(float)
    level = 150 + np.cumsum(rng.normal(rng.uniform(-0.8, 0.8), 5, n_days))
    y = level + rng.uniform(15, 35) * (weekday >= 5) - 1.2 * temperature + rng.uniform(15, 40) * promo
    y = y + rng.normal(0, 5, n_days)
    return np.column_stack([day, weekday, temperature, promo]), y


def time_cases(seed: int, tag: str, sizes) -> list[dict]:
    out = []
    for i, n in enumerate(sizes):
        rng = case_rng(seed, tag, i)
        X, y = demand(rng, int(n + rng.integers(0, 30)))
        out.append({"X": X, "y": y, "seed": int(rng.integers(1, 10_000))})
    return out


def transactions(rng, n_rows: int, fraud_share: float):
    """Card transactions with rare fraud (about `fraud_share`), every row unique."""
    X = np.column_stack(
        [
            rng.lognormal(3.2, 0.9, n_rows),
            rng.integers(0, 24, n_rows).astype(float),
            rng.exponential(20, n_rows),
            rng.beta(2, 6, n_rows),
            rng.uniform(0, 12, n_rows),
            (rng.random(n_rows) < 0.15).astype(float),
        ]
    )
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    score = Z @ (rng.uniform(0.6, 1.3, 6) * np.array([1, 0.2, 1, 1, -1, 1]))
    cut = np.quantile(score + rng.normal(0, 1.0, n_rows), 1 - fraud_share)
    y = (score + rng.normal(0, 1.0, n_rows) > cut).astype(int)
    return X, y


def fraud_cases(seed: int, tag: str, specs) -> list[dict]:
    out = []
    for i, (n, share) in enumerate(specs):
        rng = case_rng(seed, tag, i)
        X, y = transactions(rng, int(n + rng.integers(0, 40)), share)
        out.append({"X": X, "y": y, "seed": int(rng.integers(1, 10_000))})
    return out
