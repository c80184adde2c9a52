"""Iris-like flowers: tell three species apart from four measurements.

A from-scratch softmax (multinomial logistic) regression trained by gradient descent on the
cross-entropy.

Run me:  python exercises/shape_mismatch/softmax-wrong-axis/classifier.py
"""
import numpy as np

LEARNING_RATE = 0.5
EPOCHS = 200


def make_data(n_per_class=50, seed=0):
    """Four standardized measurements per flower; labels 0, 1, 2."""
    rng = np.random.default_rng(seed)
    centres = np.array([[-1.5, 1.0, -1.2, -1.2], [0.3, -0.8, 0.4, 0.3], [1.2, -0.2, 1.0, 1.1]])
    X = np.vstack([c + rng.normal(0, 0.6, size=(n_per_class, 4)) for c in centres])
    y = np.repeat(np.arange(3), n_per_class)
    return X, y


def softmax(Z):
    """Class probabilities from scores Z of shape (n, n_classes); each row sums to 1."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def predict_proba(X, W, b):
    return softmax(X @ W + b)


def cross_entropy(X, y, W, b):
    P = predict_proba(X, W, b)
    return float(-np.mean(np.log(P[np.arange(len(y)), y])))


def gradients(X, y, W, b):
    """Gradient of the mean cross-entropy with respect to W (n_features, n_classes) and b (n_classes,)."""
    P = predict_proba(X, W, b)
    Y = np.eye(W.shape[1])[y]
    G = (P - Y) / len(X)
    return X.T @ G, G.sum(axis=0)


def fit(X, y, n_classes, lr=LEARNING_RATE, epochs=EPOCHS):
    """Gradient descent from zero; returns (W, b, loss after every epoch)."""
    W = np.zeros((X.shape[1], n_classes))
    b = np.zeros(n_classes)
    losses = []
    for _ in range(epochs):
        dW, db = gradients(X, y, W, b)
        W -= lr * dW
        b -= lr * db
        losses.append(cross_entropy(X, y, W, b))
    return W, b, losses


if __name__ == "__main__":
    X, y = make_data()
    W, b, losses = fit(X, y, n_classes=3)
    P = predict_proba(X, W, b)
    print(f"cross-entropy after 1 epoch: {losses[0]:.3f}, after {len(losses)}: {losses[-1]:.3f}")
    print(f"training accuracy: {np.mean(P.argmax(axis=1) == y):.3f}")
    print(f"first three rows of probabilities sum to {np.round(P[:3].sum(axis=1), 4)}")
