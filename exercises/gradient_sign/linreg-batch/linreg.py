"""House prices: fit a linear model by batch gradient descent, written from scratch.

Run me:  python exercises/gradient_sign/linreg-batch/linreg.py
"""
import numpy as np


def make_data(n_rows=200, seed=0):
    """Synthetic houses: size, rooms, age (standardized) and a price."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, 3))
    y = X @ np.array([2.0, -1.0, 0.5]) + 4.0 + rng.normal(0, 0.3, n_rows)
    return X, y


def predict(w, b, X):
    return X @ w + b


def loss(w, b, X, y):
    """Half the mean squared error."""
    return 0.5 * np.mean((predict(w, b, X) - y) ** 2)


def gradients(w, b, X, y):
    """Gradient of `loss` with respect to w and b: returns (dw, db)."""
    n = len(y)
    residual = y - predict(w, b, X)
    dw = X.T @ residual / n
    db = np.sum(residual) / n
    return dw, db


def train(X, y, lr=0.1, n_iter=200):
    """Batch gradient descent from zero; returns (w, b, losses), one loss per iteration."""
    w = np.zeros(X.shape[1])
    b = 0.0
    losses = []
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w = w - lr * dw
        b = b - lr * db
        losses.append(loss(w, b, X, y))
    return w, b, losses


if __name__ == "__main__":
    X, y = make_data()
    w, b, losses = train(X, y)
    for i in (0, 1, 2, 5, 10, 50, 100, 199):
        print(f"iteration {i:3d}: loss {losses[i]:.4g}")
    print(f"learned w = {np.round(w, 3)}, b = {b:.3g}")
