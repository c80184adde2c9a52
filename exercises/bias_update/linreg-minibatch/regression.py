"""Delivery times: a linear model trained with mini-batch gradient descent, written from scratch.

Run me:  python exercises/bias_update/linreg-minibatch/regression.py
"""
import numpy as np


def make_data(n_rows=240, seed=0):
    """Synthetic deliveries: distance, parcels, traffic index (standardized) and minutes taken."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, 3))
    y = X @ np.array([3.0, 1.2, -0.7]) + 5.0 + rng.normal(0, 0.4, n_rows)
    return X, y


def predict(w, b, X):
    return X @ w + b


def loss(w, b, X, y):
    """Half the mean squared error."""
    return 0.5 * np.mean((predict(w, b, X) - y) ** 2)


def gradients(w, b, X, y):
    """Gradient of `loss` on the rows (X, y) with respect to w and b: returns (dw, db)."""
    error = predict(w, b, X) - y
    dw = X.T @ error / len(y)
    db = np.mean(error)
    return dw, db


def train(X, y, lr=0.05, n_epochs=40, batch_size=16, seed=0):
    """Mini-batch gradient descent from zero; returns (w, b, losses), one full-data loss per epoch."""
    rng = np.random.default_rng(seed)
    w = np.zeros(X.shape[1])
    b = 0.0
    losses = []
    for _ in range(n_epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch_size):
            rows = order[start:start + batch_size]
            dw, db = gradients(w, b, X[rows], y[rows])
            w -= lr * dw
        losses.append(loss(w, b, X, y))
    return w, b, losses


if __name__ == "__main__":
    X, y = make_data()
    w, b, losses = train(X, y)
    print(f"loss after epoch 1: {losses[0]:.3f}, after epoch {len(losses)}: {losses[-1]:.3f}")
    print(f"learned w = {np.round(w, 3)}, b = {b:.3f}")
    print(f"mean prediction error (prediction - truth): {np.mean(predict(w, b, X) - y):.3f} minutes")
