"""Churn predictor: a two-layer ReLU network written from scratch with numpy.

Run me:  python exercises/log_epsilon/network-loss/network.py
"""
import numpy as np

HIDDEN = 10
LEARNING_RATE = 0.5
EPOCHS = 400


def make_data(n_rows=300, seed=0):
    """Two standardised usage features; customers churn in two opposite corners (XOR-like)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (n_rows, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    return X, y


def sigmoid(z):
    """The logistic function, via tanh so it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def init_params(n_features, hidden, seed):
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(0, 1.0, (n_features, hidden)),
        "b1": np.zeros(hidden),
        "W2": rng.normal(0, 0.5, hidden),
        "b2": 0.0,
    }


def forward(X, params):
    """ReLU hidden activations H and output logits z (one per row)."""
    H = np.maximum(0.0, X @ params["W1"] + params["b1"])
    z = H @ params["W2"] + params["b2"]
    return H, z


def loss(y, z):
    """Mean binary cross-entropy of the churn probabilities sigmoid(z) for labels y."""
    p = sigmoid(z)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def train(X, y, hidden=HIDDEN, lr=LEARNING_RATE, epochs=EPOCHS, seed=0):
    """Full-batch gradient descent; returns (params, loss after every epoch)."""
    params = init_params(X.shape[1], hidden, seed)
    n = len(X)
    losses = []
    for _ in range(epochs):
        H, z = forward(X, params)
        losses.append(loss(y, z))
        d_out = (sigmoid(z) - y) / n
        d_hidden = np.outer(d_out, params["W2"]) * (H > 0)
        params["W2"] = params["W2"] - lr * H.T @ d_out
        params["b2"] = params["b2"] - lr * d_out.sum()
        params["W1"] = params["W1"] - lr * X.T @ d_hidden
        params["b1"] = params["b1"] - lr * d_hidden.sum(axis=0)
    return params, losses


if __name__ == "__main__":
    X, y = make_data()
    params, losses = train(X, y)
    print(f"loss: epoch 0 {losses[0]:.4f}, epoch 399 {losses[-1]:.4f}")
    _, z = forward(X, params)
    print(f"training accuracy: {np.mean((z > 0) == y):.3f}")
    # This month's customers; one record has usage logged in seconds instead of hours.
    X_new, y_new = make_data(n_rows=50, seed=1)
    print(f"loss on this month's customers: {loss(y_new, forward(X_new, params)[1]):.4f}")
    X_new[0] = X_new[0] * 3600.0
    print(f"same, with the record in seconds: {loss(y_new, forward(X_new, params)[1]):.4f}")
