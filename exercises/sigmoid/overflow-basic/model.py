"""Spam filter: logistic regression written from scratch with numpy.

Run me:  python exercises/sigmoid/overflow-basic/model.py
"""
import numpy as np

LEARNING_RATE = 0.1
EPOCHS = 200


def make_data(n_rows=240, seed=0):
    """Synthetic e-mails: links, exclamation marks, capitalised words, and how far the
    length is from a typical message (in thousands of characters)."""
    rng = np.random.default_rng(seed)
    links = rng.poisson(3, n_rows).astype(float)
    bangs = rng.poisson(4, n_rows).astype(float)
    caps = rng.poisson(10, n_rows).astype(float)
    length = rng.normal(0, 1.5, n_rows)
    X = np.column_stack([links, bangs, caps, length])
    score = 1.5 * links + bangs + 0.3 * caps - 3.0 * length - 12.0
    y = (score > 0).astype(float)
    return X, y


def sigmoid(z):
    """The logistic function 1 / (1 + e^-z), elementwise."""
    return 1.0 / (1.0 + np.exp(-z))


def train(X, y, lr=LEARNING_RATE, epochs=EPOCHS):
    """Batch gradient descent on the mean log-loss; returns (weights, bias)."""
    w = np.zeros(X.shape[1])
    b = 0.0
    for _ in range(epochs):
        p = sigmoid(X @ w + b)
        error = p - y
        w = w - lr * X.T @ error / len(y)
        b = b - lr * error.mean()
    return w, b


def predict_proba(X, w, b):
    """Probability of spam for every row of X."""
    return sigmoid(X @ w + b)


if __name__ == "__main__":
    X, y = make_data()
    w, b = train(X, y)
    print(f"training accuracy: {np.mean((predict_proba(X, w, b) > 0.5) == y):.3f}")
    # Monday's inbox: ordinary mail plus two newsletters that are 900k characters long.
    inbox, _ = make_data(n_rows=6, seed=1)
    inbox[4, 3] = 900.0
    inbox[5, 3] = -900.0
    print("spam probabilities for the inbox:", np.round(predict_proba(inbox, w, b), 3))
