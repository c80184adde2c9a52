"""Sensor fault detector: a two-layer neural network written from scratch with numpy.

Run me:  python exercises/sigmoid/hidden-layer/network.py
"""
import numpy as np

HIDDEN = 8
LEARNING_RATE = 2.0
EPOCHS = 600


def make_data(n_rows=300, seed=0):
    """Two standardised sensor readings; a machine is faulty when the readings drift far
    from normal in any direction (a ring-shaped boundary a linear model cannot draw)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (n_rows, 2))
    y = (np.sum(X**2, axis=1) > 1.4).astype(float)
    return X, y


def sigmoid(z):
    """The logistic function 1 / (1 + e^-z), elementwise."""
    return 1.0 / (1.0 + np.exp(-z))


def init_params(n_features, hidden, seed):
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(0, 1.0, (n_features, hidden)),
        "b1": np.zeros(hidden),
        "W2": rng.normal(0, 1.0, hidden),
        "b2": 0.0,
    }


def forward(X, params):
    """Hidden activations H (rows, hidden) and fault probabilities p (rows,)."""
    H = sigmoid(X @ params["W1"] + params["b1"])
    p = sigmoid(H @ params["W2"] + params["b2"])
    return H, p


def train(X, y, hidden=HIDDEN, lr=LEARNING_RATE, epochs=EPOCHS, seed=0):
    """Full-batch gradient descent on the mean log-loss; returns the parameter dict."""
    params = init_params(X.shape[1], hidden, seed)
    n = len(X)
    for _ in range(epochs):
        H, p = forward(X, params)
        d_out = (p - y) / n
        d_hidden = np.outer(d_out, params["W2"]) * H * (1.0 - H)
        params["W2"] = params["W2"] - lr * H.T @ d_out
        params["b2"] = params["b2"] - lr * d_out.sum()
        params["W1"] = params["W1"] - lr * X.T @ d_hidden
        params["b1"] = params["b1"] - lr * d_hidden.sum(axis=0)
    return params


if __name__ == "__main__":
    X, y = make_data()
    params = train(X, y)
    _, p = forward(X, params)
    print(f"training accuracy: {np.mean((p > 0.5) == y):.3f}")
    # Tonight's readings; the last one comes from a sensor that glitched and sent 9999.
    readings = np.array([[0.1, -0.2], [1.5, 1.1], [-0.3, 2.0], [9999.0, 0.4]])
    _, p = forward(readings, params)
    print("fault probabilities:", np.round(p, 3))
