"""Loan defaults: a logistic regression trained by gradient descent, written from scratch.

Run me:  python exercises/gradient_sign/logistic-ascent/classifier.py
"""
import numpy as np


def make_data(n_rows=300, seed=0):
    """Synthetic applicants: income, debt ratio, years employed, late payments (standardized)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, 4))
    z = X @ np.array([-1.0, 1.5, -0.5, 0.8]) - 0.5
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
    p = sigmoid(X @ w + b)
    error = y - p
    dw = X.T @ error / len(y)
    db = np.mean(error)
    return dw, db


def train(X, y, lr=0.5, n_iter=300):
    """Gradient descent from zero; returns (w, b, losses), one loss per iteration."""
    w = np.zeros(X.shape[1])
    b = 0.0
    losses = []
    for _ in range(n_iter):
        dw, db = gradients(w, b, X, y)
        w -= lr * dw
        b -= lr * db
        losses.append(loss(w, b, X, y))
    return w, b, losses


if __name__ == "__main__":
    X, y = make_data()
    w, b, losses = train(X, y)
    for i in (0, 1, 2, 10, 50, 100, 299):
        print(f"iteration {i:3d}: cross-entropy {losses[i]:.4f}")
    accuracy = np.mean((sigmoid(X @ w + b) > 0.5) == y)
    print(f"training accuracy: {accuracy:.3f}")
