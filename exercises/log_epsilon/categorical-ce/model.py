"""Support-ticket router: softmax regression from scratch, with its loss logged.

Run me:  python exercises/log_epsilon/categorical-ce/model.py
"""
import numpy as np

LEARNING_RATE = 0.2
EPOCHS = 200


def make_data(n_rows=300, n_teams=3, seed=0):
    """Synthetic tickets: four keyword scores; each team's tickets cluster together."""
    centres = np.random.default_rng(42).normal(0, 2.0, (n_teams, 4))  # same teams every time
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_teams, n_rows)
    X = centres[y] + rng.normal(0, 1.0, (n_rows, 4))
    return X, y


def softmax(Z):
    """Row-wise softmax, shifted by each row's maximum so exp never overflows."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def cross_entropy(Y, P):
    """Mean categorical cross-entropy of probabilities P (rows, classes) for one-hot labels Y."""
    return -np.mean(np.sum(Y * np.log(P), axis=1))


def train(X, y, n_classes, lr=LEARNING_RATE, epochs=EPOCHS):
    """Batch gradient descent; returns (W, b, loss after every epoch)."""
    W = np.zeros((X.shape[1], n_classes))
    b = np.zeros(n_classes)
    Y = np.eye(n_classes)[y]
    losses = []
    for _ in range(epochs):
        P = softmax(X @ W + b)
        losses.append(cross_entropy(Y, P))
        G = (P - Y) / len(X)
        W = W - lr * X.T @ G
        b = b - lr * G.sum(axis=0)
    return W, b, losses


if __name__ == "__main__":
    X, y = make_data()
    W, b, losses = train(X, y, n_classes=3)
    print(f"loss: epoch 0 {losses[0]:.4f}, epoch 199 {losses[-1]:.4f}")
    X_val, y_val = make_data(n_rows=60, seed=1)
    Y_val = np.eye(3)[y_val]
    print(f"validation loss: {cross_entropy(Y_val, softmax(X_val @ W + b)):.4f}")
    # One ticket pasted a huge log file: its keyword scores are in the thousands.
    X_val[0] = X_val[0] * 2000.0
    print(f"validation loss with the pasted log: {cross_entropy(Y_val, softmax(X_val @ W + b)):.4f}")
