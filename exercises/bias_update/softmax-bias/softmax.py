"""Support tickets: route each ticket to one of three teams with a softmax regression from scratch.

Run me:  python exercises/bias_update/softmax-bias/softmax.py
"""
import numpy as np

N_CLASSES = 3


def make_data(n_rows=300, seed=0):
    """Two text features (standardized) and a team label 0, 1 or 2; most tickets go to team 0."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, 2))
    logits = X @ np.array([[0.0, 1.5, -1.0], [0.0, -0.5, 1.5]]) + np.array([1.5, 0.0, -0.8])
    P = np.exp(logits - logits.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    y = np.array([rng.choice(N_CLASSES, p=p) for p in P])
    return X, y


def softmax(Z):
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def one_hot(y, k):
    return np.eye(k)[y]


def loss(W, b, X, y):
    """Mean cross-entropy of the true class."""
    Z = X @ W + b
    Z = Z - Z.max(axis=1, keepdims=True)
    log_p = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    return -np.mean(log_p[np.arange(len(y)), y])


def gradients(W, b, X, y):
    """Gradient of `loss` with respect to W (features x classes) and b (classes): returns (dW, db)."""
    P = softmax(X @ W + b)
    Y = one_hot(y, W.shape[1])
    dW = X.T @ (P - Y) / len(y)
    db = P.mean(axis=0)
    return dW, db


def train(X, y, lr=0.5, n_iter=400):
    """Gradient descent from zero; returns (W, b, losses), one loss per iteration."""
    W = np.zeros((X.shape[1], N_CLASSES))
    b = np.zeros(N_CLASSES)
    losses = []
    for _ in range(n_iter):
        dW, db = gradients(W, b, X, y)
        W -= lr * dW
        b -= lr * db
        losses.append(loss(W, b, X, y))
    return W, b, losses


if __name__ == "__main__":
    X, y = make_data()
    W, b, losses = train(X, y)
    print(f"cross-entropy: first {losses[0]:.4f}, last {losses[-1]:.4f}")
    print(f"learned b = {np.round(b, 3)}")
    print(f"share of tickets per team:       {np.round(np.bincount(y, minlength=N_CLASSES) / len(y), 3)}")
    print(f"mean predicted share per team:   {np.round(softmax(X @ W + b).mean(axis=0), 3)}")
