"""Parent side: the exact losses of the training exercises, their analytic gradients and
their optima. Never imported by the child (`probes.py`)."""
from __future__ import annotations

import numpy as np


def lstsq_with_intercept(X, y):
    A = np.column_stack([X, np.ones(len(X))])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    return coef[:-1], np.array(coef[-1])


def newton_logistic(X, y, n_iter=60):
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.zeros(A.shape[1])
    for _ in range(n_iter):
        p = 1 / (1 + np.exp(-(A @ theta)))
        g = A.T @ (p - y) / len(y)
        H = (A * (p * (1 - p))[:, None]).T @ A / len(y)
        theta -= np.linalg.solve(H, g)
    return theta[:-1], np.array(theta[-1])


def newton_softmax(X, y, k, n_iter=40):
    """Unpenalised multinomial logistic regression with class 0 pinned at zero. Returns
    (W of shape (d, k), b of shape (k,)), both centred across classes."""
    n, d = X.shape
    A = np.column_stack([X, np.ones(n)])
    Y = np.eye(k)[y]
    theta = np.zeros((d + 1, k - 1))
    for _ in range(n_iter):
        Z = np.column_stack([np.zeros(n), A @ theta])
        Z -= Z.max(axis=1, keepdims=True)
        P = np.exp(Z)
        P /= P.sum(axis=1, keepdims=True)
        G = A.T @ (P - Y)[:, 1:] / n
        H = np.zeros(((d + 1) * (k - 1),) * 2)
        for a in range(1, k):
            for c in range(1, k):
                wgt = P[:, a] * ((a == c) - P[:, c])
                H[(a - 1) * (d + 1):a * (d + 1), (c - 1) * (d + 1):c * (d + 1)] = (A * wgt[:, None]).T @ A / n
        step = np.linalg.solve(H, G.T.reshape(-1))
        theta -= step.reshape(k - 1, d + 1).T
    full = np.column_stack([np.zeros(d + 1), theta])
    full -= full.mean(axis=1, keepdims=True)
    return full[:-1], full[-1]


def centre(a):
    a = np.asarray(a, dtype=float)
    return a - a.mean(axis=-1, keepdims=True)


class Model:
    """A loss over a list of parameter arrays, its gradient and (if known) its optimum."""

    param_names: tuple[str, ...] = ("w", "b")
    #: how parameters are compared with the optimum: "raw" or "centred" (softmax)
    view = "raw"

    def loss(self, params, X, y) -> float:
        raise NotImplementedError

    def grad(self, params, X, y) -> list[np.ndarray]:
        raise NotImplementedError

    def optimum(self, X, y):
        """The optimal parameters, or None if only a loss threshold is known."""
        raise NotImplementedError

    def compare_view(self, p):
        return centre(p) if self.view == "centred" else np.asarray(p, dtype=float)


class LinearMSE(Model):
    """Half the mean squared error of X @ w + b."""

    def loss(self, params, X, y):
        w, b = params
        return 0.5 * float(np.mean((X @ w + b - y) ** 2))

    def grad(self, params, X, y):
        w, b = params
        e = X @ w + b - y
        return [X.T @ e / len(y), np.array(e.mean())]

    def optimum(self, X, y):
        return list(lstsq_with_intercept(X, y))


class Logistic(Model):
    """Mean binary cross-entropy on the logits X @ w + b."""

    def loss(self, params, X, y):
        w, b = params
        z = X @ w + b
        return float(np.mean(np.logaddexp(0, z) - y * z))

    def grad(self, params, X, y):
        w, b = params
        e = 1 / (1 + np.exp(-(X @ w + b))) - y
        return [X.T @ e / len(y), np.array(e.mean())]

    def optimum(self, X, y):
        return list(newton_logistic(X, y))


class Softmax(Model):
    """Mean cross-entropy of the true class under softmax(X @ W + b)."""

    param_names = ("W", "b")
    view = "centred"

    def __init__(self, k: int):
        self.k = k

    def _log_p(self, params, X):
        W, b = params
        Z = X @ W + b
        Z = Z - Z.max(axis=1, keepdims=True)
        return Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))

    def loss(self, params, X, y):
        return -float(np.mean(self._log_p(params, X)[np.arange(len(y)), y]))

    def grad(self, params, X, y):
        E = np.exp(self._log_p(params, X)) - np.eye(self.k)[y]
        return [X.T @ E / len(y), E.mean(axis=0)]

    def optimum(self, X, y):
        return list(newton_softmax(X, y, self.k))


class TwoLayerTanh(Model):
    """Half the mean squared error of tanh(X @ W1 + b1) @ W2 + b2."""

    param_names = ("W1", "b1", "W2", "b2")

    def loss(self, params, X, y):
        W1, b1, W2, b2 = params
        h = np.tanh(X @ W1 + b1)
        return 0.5 * float(np.mean((h @ W2 + b2 - y) ** 2))

    def grad(self, params, X, y):
        W1, b1, W2, b2 = params
        n = len(y)
        h = np.tanh(X @ W1 + b1)
        d = h @ W2 + b2 - y
        dh = np.outer(d, W2) * (1 - h ** 2)
        return [X.T @ dh / n, dh.mean(axis=0), h.T @ d / n, np.array(d.mean())]

    def optimum(self, X, y):
        return None


def central_differences(loss, params, step=1e-6) -> list[np.ndarray]:
    """d loss / d params[i] for every parameter, by central differences in float64."""
    params = [np.array(p, dtype=float) for p in params]
    out = []
    for i, p in enumerate(params):
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            plus = [q.copy() for q in params]
            minus = [q.copy() for q in params]
            plus[i][idx] += step
            minus[i][idx] -= step
            g[idx] = (loss(plus) - loss(minus)) / (2 * step)
        out.append(g)
    return out


def gradient_descent(model: Model, X, y, params, lr, n_iter):
    """Plain full-batch gradient descent (the parent's own, to choose solvable cases)."""
    params = [np.array(p, dtype=float) for p in params]
    for _ in range(n_iter):
        params = [p - lr * g for p, g in zip(params, model.grad(params, X, y))]
    return params


def minibatch_descent(model: Model, X, y, params, lr, n_epochs, batch_size, seed):
    rng = np.random.default_rng(seed)
    params = [np.array(p, dtype=float) for p in params]
    for _ in range(n_epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch_size):
            rows = order[start:start + batch_size]
            params = [p - lr * g for p, g in zip(params, model.grad(params, X[rows], y[rows]))]
    return params
