"""Air quality: predict tomorrow's ozone and NO2 levels from five sensor readings.

A from-scratch two-layer network (tanh hidden layer, linear outputs) trained by gradient
descent on the mean squared error.

Run me:  python exercises/shape_mismatch/transposed-output-weights/network.py
"""
import numpy as np

N_HIDDEN = 16
LEARNING_RATE = 0.1
EPOCHS = 400


def make_data(n_rows=200, seed=0):
    """Synthetic sensor readings (standardized) and two pollutant levels per day."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, 5))
    ozone = np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2] + rng.normal(0, 0.1, n_rows)
    no2 = np.tanh(X[:, 3] - X[:, 4]) + 0.3 * X[:, 0] + rng.normal(0, 0.1, n_rows)
    return X, np.column_stack([ozone, no2])


def init_params(n_features, n_hidden, n_outputs, seed=0):
    """Weights W1 (n_features, n_hidden), b1 (n_hidden,), W2 (n_hidden, n_outputs), b2 (n_outputs,)."""
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(0, 1 / np.sqrt(n_features), size=(n_features, n_hidden)),
        "b1": np.zeros(n_hidden),
        "W2": rng.normal(0, 1 / np.sqrt(n_hidden), size=(n_outputs, n_hidden)),
        "b2": np.zeros(n_outputs),
    }


def forward(X, params):
    """Hidden activations (n, n_hidden) and outputs (n, n_outputs)."""
    H = np.tanh(np.dot(X, params["W1"]) + params["b1"])
    out = np.dot(H, params["W2"]) + params["b2"]
    return H, out


def mse(X, Y, params):
    _, out = forward(X, params)
    return float(np.mean((out - Y) ** 2))


def gradients(X, Y, params):
    """Gradient of the mean squared error for every parameter, under the same keys."""
    H, out = forward(X, params)
    d_out = 2 * (out - Y) / out.size
    d_hidden = np.dot(d_out, params["W2"]) * (1 - H ** 2)
    return {
        "W1": np.dot(X.T, d_hidden),
        "b1": d_hidden.sum(axis=0),
        "W2": np.dot(d_out.T, H),
        "b2": d_out.sum(axis=0),
    }


def train(X, Y, n_hidden=N_HIDDEN, lr=LEARNING_RATE, epochs=EPOCHS, seed=0):
    """Gradient descent; returns (params, loss after every epoch)."""
    params = init_params(X.shape[1], n_hidden, Y.shape[1], seed)
    losses = []
    for _ in range(epochs):
        grads = gradients(X, Y, params)
        for key in params:
            params[key] -= lr * grads[key]
        losses.append(mse(X, Y, params))
    return params, losses


if __name__ == "__main__":
    X, Y = make_data()
    params, losses = train(X, Y)
    print(f"mse after 1 epoch: {losses[0]:.4f}, after {len(losses)} epochs: {losses[-1]:.4f}")
