"""Parent side: hidden data for the training exercises, drawn from the grader's seed.

Every builder takes a generator from `bughunt.grader.case_rng`, so an instructor's secret
seed gives new data. Regression noise is skewed (a centred exponential): its median is
not its mean, so a bias stepped by the median error lands visibly off the least-squares
intercept. A case is kept only if the parent's own gradient descent, run with the
learning rate and iteration count the student's `train` will get, reaches the optimum
well inside the tolerance; otherwise it is drawn again (deterministically).
"""
from __future__ import annotations

import numpy as np

from .models import Model, gradient_descent, minibatch_descent

MAX_DRAWS = 40


def _signed(rng, lo: float, hi: float) -> float:
    return float(rng.choice([-1.0, 1.0]) * rng.uniform(lo, hi))


def _points(rng, shapes, n_rows: int, subset: int, scale: float = 0.5) -> list[dict]:
    """Two parameter points for `gradients`: on every row, and on a few rows only."""
    full = {"params": [rng.normal(0, scale, s) for s in shapes], "rows": np.arange(n_rows)}
    few = {"params": [rng.normal(0, scale, s) for s in shapes],
           "rows": np.sort(rng.choice(n_rows, size=subset, replace=False))}
    return [full, few]


def _reached(model: Model, X, y, learned, tol: float) -> bool:
    best = model.optimum(X, y)
    return all(
        np.max(np.abs(model.compare_view(l) - model.compare_view(b))) <= tol for l, b in zip(learned, best)
    )


def linear_case(rng, model, *, n, d, intercept_range, train_args, x_mean=0.0, w_range=3.0, noise=0.5,
                minibatch=False, tol=1e-3, subset=5) -> dict:
    """`train_args` for mini-batch: (lr, n_epochs, batch_size); the shuffling seed is drawn here."""
    if minibatch:
        train_args = (*train_args, int(rng.integers(0, 10_000)))
    for _ in range(MAX_DRAWS):
        X = rng.normal(x_mean, 1.0, (n, d))
        skewed = rng.exponential(noise, n) - noise
        y = X @ rng.uniform(-w_range, w_range, d) + _signed(rng, *intercept_range) + skewed
        case = _finish(rng, model, X, y, train_args, subset)
        zero = [np.zeros(d), np.array(0.0)]
        if minibatch:
            lr, n_epochs, batch, seed = train_args
            learned = minibatch_descent(model, X, y, zero, lr, n_epochs, batch, seed)
        else:
            learned = gradient_descent(model, X, y, zero, *train_args[:2])
        if _reached(model, X, y, learned, tol / 4):
            return case
    raise RuntimeError("no solvable hidden case; widen the case parameters")


def logistic_case(rng, model, *, n, d, intercept_range, train_args, x_mean=0.0, w_range=1.5, tol=2e-3,
                  subset=5) -> dict:
    for _ in range(MAX_DRAWS):
        X = rng.normal(x_mean, 1.0, (n, d))
        z = X @ rng.uniform(-w_range, w_range, d) + _signed(rng, *intercept_range)
        y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
        case = _finish(rng, model, X, y, train_args, subset)
        learned = gradient_descent(model, X, y, [np.zeros(d), np.array(0.0)], *train_args[:2])
        if _reached(model, X, y, learned, tol / 4):
            return case
    raise RuntimeError("no solvable hidden case; widen the case parameters")


def softmax_case(rng, model, *, n, d, bias_range, train_args, w_range=1.2, tol=5e-3, subset=5) -> dict:
    k = model.k
    for _ in range(MAX_DRAWS):
        X = rng.normal(0.0, 1.0, (n, d))
        logits = X @ rng.uniform(-w_range, w_range, (d, k)) + rng.uniform(*bias_range, k)
        P = np.exp(logits - logits.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        y = (P.cumsum(axis=1) < rng.random((n, 1))).sum(axis=1).astype(np.int64)
        y = np.minimum(y, k - 1)
        if len(np.unique(y)) < k:
            continue
        case = _finish(rng, model, X, y, train_args, subset)
        learned = gradient_descent(model, X, y, [np.zeros((d, k)), np.zeros(k)], *train_args[:2])
        if _reached(model, X, y, learned, tol / 4):
            return case
    raise RuntimeError("no solvable hidden case; widen the case parameters")


def net_case(rng, model, *, n, hidden, offset_range, train_args, subset=5) -> dict:
    """A smooth non-linear target of two inputs, far from any linear function. `train_args`:
    (lr, n_iter); the initialisation seed is drawn here."""
    train_args = (*train_args, int(rng.integers(0, 10_000)))
    X = rng.uniform(-2, 2, (n, 2))
    a, c = rng.uniform(1.0, 1.5), rng.uniform(1.2, 1.8)
    y = (np.cos(a * X[:, 0]) * c + 0.4 * X[:, 1] ** 2 - 0.5 * X[:, 1] + _signed(rng, *offset_range)
         + rng.normal(0, 0.05, n))
    shapes = [(2, hidden), (hidden,), (hidden,), ()]
    case = {"X": X, "y": y, "points": _points(rng, shapes, n, subset, 0.6),
            "train_args": list(train_args), "n_losses": int(train_args[1])}
    return case


def _finish(rng, model, X, y, train_args, subset) -> dict:
    shapes = [np.shape(p) for p in _zero_like(model, X)]
    return {"X": X, "y": y, "points": _points(rng, shapes, len(y), subset), "train_args": list(train_args),
            "n_losses": int(train_args[1])}


def _zero_like(model, X):
    d = X.shape[1]
    if hasattr(model, "k"):
        return [np.zeros((d, model.k)), np.zeros(model.k)]
    return [np.zeros(d), np.array(0.0)]
