"""Fraud screening: logistic regression from scratch, with its training loss logged.

Run me:  python exercises/log_epsilon/bce-logistic/model.py
"""
import numpy as np

LEARNING_RATE = 0.5
EPOCHS = 300


def make_data(n_rows=240, seed=0):
    """Synthetic card payments: amount (in hundreds), distance from home (in 10 km),
    night-time flag, merchant risk score."""
    rng = np.random.default_rng(seed)
    amount = rng.gamma(2.0, 2.0, n_rows)
    distance = rng.exponential(3.0, n_rows)
    night = (rng.random(n_rows) < 0.3).astype(float)
    risk = rng.normal(0, 1, n_rows)
    X = np.column_stack([amount, distance, night, risk])
    y = (0.8 * amount + 0.9 * distance + 2.0 * night + 1.5 * risk > 7.0).astype(float)
    return X, y


def sigmoid(z):
    """The logistic function, safe for any finite z."""
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


def bce(y, p):
    """Mean binary cross-entropy of probabilities p for labels y (0 or 1)."""
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def train(X, y, lr=LEARNING_RATE, epochs=EPOCHS):
    """Batch gradient descent; returns (weights, bias, loss after every epoch)."""
    w = np.zeros(X.shape[1])
    b = 0.0
    losses = []
    for _ in range(epochs):
        p = sigmoid(X @ w + b)
        losses.append(bce(y, p))
        error = p - y
        w = w - lr * X.T @ error / len(y)
        b = b - lr * error.mean()
    return w, b, losses


if __name__ == "__main__":
    X, y = make_data()
    w, b, losses = train(X, y)
    for epoch in (0, 10, 100, 299):
        print(f"epoch {epoch:3d}  loss {losses[epoch]:.4f}")
    X_val, y_val = make_data(n_rows=100, seed=1)
    print(f"validation loss: {bce(y_val, sigmoid(X_val @ w + b)):.4f}")
    # Two payments of 500 000 (amount 5000 in hundreds): one fraud, one a house deposit.
    X_big = np.vstack([X_val, [5000.0, 0.5, 0.0, 0.0], [5000.0, 0.5, 0.0, 0.0]])
    y_big = np.append(y_val, [1.0, 0.0])
    print(f"validation loss with the two large payments: {bce(y_big, sigmoid(X_big @ w + b)):.4f}")
