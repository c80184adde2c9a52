"""PARENT side: hidden inputs for the numeric family, all drawn from `case_rng(seed, ...)`.

The adversarial part is the same for every exercise of a kind: inputs up to the edge of
float64 (|z| up to 1.7e308), far beyond the range of long double (exp overflows there
above about 11356), just past exp's float64 limit (709.8), and ordinary values; 1-D and
2-D; single rows and fewer rows than classes for the softmax.
"""
from __future__ import annotations

import numpy as np

from bughunt.grader import case_rng

#: |z| where exp overflows: float64 (709.78), long double (11356.5), and far beyond
EDGE_MAGNITUDES = (1.7e308, 1e308, 1e200, 1e20, 1e5, 12000.0, 1e4, 2500.0, 746.0, 710.0, 709.9, 40.0, 36.8, 20.0)


def sigmoid_inputs(seed: int, tag) -> dict[str, np.ndarray]:
    """A 1-D grid and a 2-D array of logits, both with huge magnitudes of either sign."""
    rng = case_rng(seed, "sigmoid-inputs", tag)
    edges = np.array(EDGE_MAGNITUDES)
    huge = 10.0 ** rng.uniform(0.5, 307.5, 24) * rng.choice([-1.0, 1.0], 24)
    z = np.concatenate([edges, -edges, [0.0], rng.normal(0, 6.0, 40), rng.uniform(-40, 40, 12), huge])
    rng.shuffle(z)
    shape = (int(rng.integers(3, 7)), int(rng.integers(4, 9)))
    Z2 = rng.normal(0, 1, shape) * 10.0 ** rng.uniform(0, 306, shape)
    Z2.flat[rng.integers(0, Z2.size)] = -1.7e308
    return {"z": z, "Z2": Z2}


def softmax_inputs(seed: int, tag, k: int) -> dict[str, np.ndarray]:
    """Score matrices (rows, k): rows near huge common values, rows whose scores are far
    apart, rows far from each other in the same batch, a single row, fewer rows than
    classes. The spread inside a row stays below 1.6e308, so a shift by the row maximum
    stays finite."""
    rng = case_rng(seed, "softmax-inputs", tag)
    rows = []
    for c in (1e4, -1e4, 1e5, -1e5, 12000.0, -12000.0, 1e300, -1e300, 8e307, -8e307, 710.0, -746.0):
        rows.append(c + rng.uniform(-3, 3, k) * (1.0 if abs(c) < 1e6 else abs(c) * 1e-3))
    spread = np.linspace(1.0, -1.0, k)
    for scale in (1e4, 1e5, 750.0, 3e307):
        rows.append(rng.permutation(spread * scale))
    rows.append(np.full(k, -3.0))
    rows.append(rng.normal(0, 2.0, k))
    Z = np.array(rows)
    rng.shuffle(Z)
    far = np.vstack([rng.normal(2e4, 5, (2, k)), rng.normal(-2e4, 5, (2, k)), rng.normal(0, 3, (2, k))])
    rng.shuffle(far)
    one = (rng.normal(0, 1, (1, k)) * np.array([1e5] + [1.0] * (k - 1)))
    few = rng.normal(0, 3000.0, (max(1, k - 2), k + 2))  # fewer rows than classes
    big = rng.normal(0, 3000.0, (int(rng.integers(5, 9)), k))
    return {"Z": Z, "far": far, "one": one, "few": few, "big": big}


def spam_data(seed: int, tag, n_rows: int):
    """Linearly separable-ish e-mails like the exercise's, with other constants."""
    rng = case_rng(seed, "spam", tag)
    links = rng.poisson(rng.uniform(2, 3.2), n_rows).astype(float)
    bangs = rng.poisson(rng.uniform(4, 6), n_rows).astype(float)
    caps = rng.poisson(rng.uniform(7, 10), n_rows).astype(float)
    length = rng.normal(0, rng.uniform(1.0, 1.5), n_rows)
    X = np.column_stack([links, bangs, caps, length])
    score = 1.2 * links + 0.9 * bangs + 0.4 * caps - 2.5 * length
    y = (score > np.median(score)).astype(float)
    return X, y


def cluster_data(seed: int, tag, n_rows: int, k: int, d: int, spread: float = 3.0):
    rng = case_rng(seed, "clusters", tag)
    centres = rng.normal(0, spread, (k, d))
    y = rng.integers(0, k, n_rows)
    X = centres[y] + rng.normal(0, 1.0, (n_rows, d))
    return X, y


def ring_data(seed: int, tag, n_rows: int):
    rng = case_rng(seed, "ring", tag)
    X = rng.normal(0, 1, (n_rows, 2))
    y = (np.sum(X**2, axis=1) > rng.uniform(1.2, 1.6)).astype(float)
    return X, y


def xor_data(seed: int, tag, n_rows: int):
    rng = case_rng(seed, "xor", tag)
    X = rng.normal(0, 1, (n_rows, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    return X, y


def fraud_data(seed: int, tag, n_rows: int, outlier: bool):
    rng = case_rng(seed, "fraud", tag)
    amount = rng.gamma(2.0, 2.5, n_rows)
    distance = rng.exponential(2.5, n_rows)
    night = (rng.random(n_rows) < 0.25).astype(float)
    risk = rng.normal(0, 1.2, n_rows)
    X = np.column_stack([amount, distance, night, risk])
    score = 0.7 * amount + 1.0 * distance + 1.5 * night + 1.2 * risk
    y = (score > np.quantile(score, rng.uniform(0.4, 0.6))).astype(float)
    if outlier:
        X = np.vstack([X, [900.0, 1.0, 0.0, 0.0]])
        y = np.append(y, 1.0)
    return X, y


def ordinary_probabilities(rng, n: int) -> np.ndarray:
    """Probabilities away from 0 and 1, plus some small ones (down to 1e-4) and some close
    to 1, so that a safety margin large enough to change the loss is seen."""
    small = 10.0 ** rng.uniform(-4, -2, n // 5)
    p = np.concatenate([rng.uniform(0.02, 0.98, n - 2 * (n // 5)), small, 1.0 - 10.0 ** rng.uniform(-4, -2, n // 5)])
    rng.shuffle(p)
    return p


def binary_loss_calls(seed: int, tag) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(y, p) pairs for a binary cross-entropy taking probabilities."""
    rng = case_rng(seed, "bce-calls", tag)
    n = int(rng.integers(40, 61))
    p = ordinary_probabilities(rng, n)
    y = (rng.random(n) < p).astype(float)
    y[:3] = [1.0, 0.0, 1.0]
    right = rng.permutation(np.array([1.0, 0.0, 1.0, 0.0, 1.0]))
    return {
        "ordinary": (y, p),
        "right": (right, right.copy()),
        "wrong_pos": (np.array([1.0]), np.array([0.0])),
        "wrong_neg": (np.array([0.0]), np.array([1.0])),
        "batch": (np.array([1.0, 0.0, 1.0]), np.array([0.0, rng.uniform(0.1, 0.3), rng.uniform(0.7, 0.95)])),
    }


def onehot(idx, k):
    return np.eye(k)[np.asarray(idx)]


def categorical_loss_calls(seed: int, tag) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = case_rng(seed, "ce-calls", tag)
    n, k = int(rng.integers(25, 41)), int(rng.integers(3, 6))
    Z = rng.normal(0, 2.0, (n, k))
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    labels = rng.integers(0, k, n)
    small = rng.choice(n, n // 5, replace=False)
    P[small, labels[small]] = 10.0 ** rng.uniform(-4, -2, small.size)  # rows no longer sum to 1 exactly
    P = P / P.sum(axis=1, keepdims=True)
    perm = rng.permutation(3)
    return {
        "ordinary": (onehot(labels, k), P),
        "right": (onehot(perm, 3), onehot(perm, 3)),
        "wrong_hard": (onehot([perm[0]], 3), onehot([perm[1]], 3)),
        "wrong_split": (onehot([2], 3), np.array([[0.5, 0.5, 0.0]])),
        "batch": (onehot([0, 1, 2], 3), np.array([[0.0, 1.0, 0.0], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]])),
    }


def logit_loss_calls(seed: int, tag) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(y, z) pairs for a binary cross-entropy taking logits."""
    rng = case_rng(seed, "logit-calls", tag)
    n = int(rng.integers(40, 61))
    z = rng.uniform(-12, 12, n)
    return {
        "ordinary": ((rng.random(n) < 0.5).astype(float), z),
        "right": (np.array([1.0, 0.0, 1.0, 0.0]), np.array([1e4, -1e4, rng.uniform(50, 70), -rng.uniform(50, 70)])),
        "wrong_pos": (np.array([1.0]), np.array([-1e4])),
        "wrong_neg": (np.array([0.0]), np.array([1e4])),
        "wrong_mid": (np.array([0.0]), np.array([rng.uniform(40, 50)])),
        "batch": (np.array([1.0, 0.0, 1.0]), np.array([-1e4, -1.5, 2.0])),
        "extreme_pos": (np.array([1.0]), np.array([-rng.choice([1e5, 1e200, 1e308])])),
        "extreme_neg": (np.array([0.0]), np.array([rng.choice([1e5, 1e200, 1e308])])),
        "extreme_right": (np.array([1.0, 0.0]), np.array([1e308, -1e5])),
    }
