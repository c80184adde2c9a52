"""Delivery times: predict how many minutes an order takes from distance, items and traffic.

A from-scratch linear regression trained by gradient descent.

Run me:  python exercises/shape_mismatch/flat-loss-regression/model.py
"""
import numpy as np

LEARNING_RATE = 0.05
EPOCHS = 300


def make_data(n_rows=120, seed=0):
    """Synthetic orders: distance (km), number of items, traffic index (all standardized)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, 3))
    minutes = 4.0 * X[:, 0] + 1.5 * X[:, 1] + 2.5 * X[:, 2] + 30.0 + rng.normal(0, 1.0, n_rows)
    return X, minutes


def init_params(n_features):
    """Weights as a column vector, as in the textbook, and a scalar bias."""
    return np.zeros((n_features, 1)), 0.0


def predict(X, w, b):
    """Predicted minutes for every row of X."""
    return X @ w + b


def mse(X, y, w, b):
    """Mean squared error of the predictions."""
    return float(np.mean((predict(X, w, b) - y) ** 2))


def gradients(X, y, w, b):
    """Gradient of the mean squared error with respect to w and b."""
    residual = predict(X, w, b) - y
    grad_w = 2 * X.T @ residual / len(X)
    grad_b = 2 * np.mean(residual)
    return grad_w, grad_b


def fit(X, y, lr=LEARNING_RATE, epochs=EPOCHS):
    """Gradient descent from zero; returns (w, b, loss after every epoch)."""
    w, b = init_params(X.shape[1])
    losses = []
    for _ in range(epochs):
        grad_w, grad_b = gradients(X, y, w, b)
        w = w - lr * grad_w
        b = b - lr * grad_b
        losses.append(mse(X, y, w, b))
    return w, b, losses


if __name__ == "__main__":
    X, y = make_data()
    w, b, losses = fit(X, y)
    for epoch in (0, 9, 99, 299):
        print(f"epoch {epoch + 1:3d}  mse {losses[epoch]:.3f}")
    print(f"variance of the target: {np.var(y):.3f}")
    print(f"learned weights have shape {np.shape(w)}")
