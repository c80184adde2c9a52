"""Click-through: a logistic regression trained by gradient descent, written from scratch.

Run me:  python exercises/bias_update/logistic-bias/classifier.py
"""
import numpy as np


def make_data(n_rows=300, seed=0):
    """Synthetic ad impressions: position, relevance, hour (standardized); most ads are not clicked."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, 3))
    z = X @ np.array([0.8, -1.2, 0.4]) - 1.5
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-z))).astype(float)
    return X, y


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def loss(w, b, X, y):
    """Mean binary cross-entropy, computed stably from the logits."""
    z = X @ w + b
    return np.mean(np.logaddexp(0, z) - y * z)


def gradients(w, b, X, y):
    """Gradient of `loss` with respect to w and b: returns (dw, db)."""
    error = sigmoid(X @ w + b) - y
    return X.T @ error / len(y), np.mean(error)


def train(X, y, lr=0.5, n_iter=300):
    """Gradient descent from zero; returns (w, b, losses), one loss per iteration."""
    w = np.zeros(X.shape[1])
    b = 0.0
    losses = []
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w = w - lr * dw
        losses.append(loss(w, b, X, y))
    b = b - lr * db
    return w, b, losses


if __name__ == "__main__":
    X, y = make_data()
    w, b, losses = train(X, y)
    print(f"cross-entropy: first {losses[0]:.4f}, last {losses[-1]:.4f}")
    print(f"learned w = {np.round(w, 3)}, b = {b:.3f}")
    print(f"click rate in the data: {y.mean():.3f}; mean predicted click probability: {sigmoid(X @ w + b).mean():.3f}")
