"""Sensor calibration: a tiny two-layer network (tanh hidden layer), trained with hand-written backprop.

Run me:  python exercises/gradient_sign/two-layer-net/network.py
"""
import numpy as np

HIDDEN = 8


def make_data(n_rows=200, seed=0):
    """Two sensor readings and a non-linear calibrated value."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n_rows, 2))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2 - 0.3 * X[:, 0] * X[:, 1] + rng.normal(0, 0.05, n_rows)
    return X, y


def forward(W1, b1, W2, b2, X):
    """Returns (hidden activations, predictions)."""
    h = np.tanh(X @ W1 + b1)
    return h, h @ W2 + b2


def loss(W1, b1, W2, b2, X, y):
    """Half the mean squared error."""
    _, pred = forward(W1, b1, W2, b2, X)
    return 0.5 * np.mean((pred - y) ** 2)


def gradients(W1, b1, W2, b2, X, y):
    """Gradient of `loss` with respect to every parameter: returns (dW1, db1, dW2, db2)."""
    n = len(y)
    h, pred = forward(W1, b1, W2, b2, X)
    delta = y - pred
    dW2 = h.T @ delta / n
    db2 = np.mean(delta)
    dh = np.outer(delta, W2) * (1 - h ** 2)
    dW1 = X.T @ dh / n
    db1 = dh.mean(axis=0)
    return dW1, db1, dW2, db2


def init_params(n_features, seed):
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0, 1 / np.sqrt(n_features), size=(n_features, HIDDEN))
    b1 = np.zeros(HIDDEN)
    W2 = rng.normal(0, 1 / np.sqrt(HIDDEN), size=HIDDEN)
    b2 = 0.0
    return W1, b1, W2, b2


def train(X, y, lr=0.1, n_iter=2000, seed=0):
    """Full-batch gradient descent; returns (W1, b1, W2, b2, losses), one loss per iteration."""
    W1, b1, W2, b2 = init_params(X.shape[1], seed)
    losses = []
    for _ in range(n_iter):
        dW1, db1, dW2, db2 = gradients(W1, b1, W2, b2, X, y)
        W1 = W1 - lr * dW1
        b1 = b1 - lr * db1
        W2 = W2 - lr * dW2
        b2 = b2 - lr * db2
        losses.append(loss(W1, b1, W2, b2, X, y))
    return W1, b1, W2, b2, losses


if __name__ == "__main__":
    X, y = make_data()
    *params, losses = train(X, y)
    for i in (0, 1, 10, 100, 500, 1000, 1999):
        print(f"iteration {i:4d}: loss {losses[i]:.4g}")
