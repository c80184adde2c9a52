"""Grader for bias_update/softmax-bias.

Runtime (bughunt.families.training): `gradients` matches central finite differences of the
mean cross-entropy on hidden data; `train` reaches the maximum-likelihood solution
(Newton's method, computed in the parent). Softmax is unchanged when the same number is
added to every class, so weights and biases are compared after centring across classes:
weights within 0.005, biases within 0.005 (the hidden class shares differ from the visible
ones). Static: the bias takes its own gradient step inside the loop, and no update moves
along the gradient.
"""
from bughunt.families.training.cases import softmax_case
from bughunt.families.training.judges import TrainingGrader
from bughunt.families.training.models import Softmax
from bughunt.grader import FAIL, PASS

EXERCISE = "bias_update/softmax-bias"
K = 3
DB_OLD = "    db = P.mean(axis=0)\n"


GRAD_OLD = """    P = softmax(X @ W + b)
    Y = one_hot(y, W.shape[1])
    dW = X.T @ (P - Y) / len(y)
    db = P.mean(axis=0)
    return dW, db
"""
TRAIN_OLD = """    W = np.zeros((X.shape[1], N_CLASSES))
    b = np.zeros(N_CLASSES)
    losses = []
    for _ in range(n_iter):
        dW, db = gradients(W, b, X, y)
        W -= lr * dW
        b -= lr * db
        losses.append(loss(W, b, X, y))
    return W, b, losses
"""
FIXED = (DB_OLD, "    db = (P - Y).mean(axis=0)\n")


class SoftmaxBias(TrainingGrader):
    exercise = EXERCISE
    functions = {
        "gradients": "gradients(W, b, X, y) -> (dW, db)",
        "train": "train(X, y, lr, n_iter) -> (W, b, losses)",
    }
    model = Softmax(K)
    bias_index = 1
    bias_words = "the class biases"
    bias_view_words = ", centred across classes,"
    bias_target_words = "the centred maximum-likelihood biases of the hidden data"
    param_tol = 5e-3
    goal_words = "the maximum-likelihood solution (weights, centred across classes, within 0.005 of Newton's method's)"
    case_builder = softmax_case
    case_specs = [
        dict(n=210, d=2, bias_range=(-1.0, 1.2), train_args=(1.0, 800)),
        dict(n=150, d=2, bias_range=(-1.0, 1.2), train_args=(1.0, 800)),
    ]

    REFERENCE = ((DB_OLD, "    db = (P - Y).mean(axis=0)\n"),)
    PASS = [
        PASS("sum over rows divided by n", (DB_OLD, "    db = np.sum(P - Y, axis=0) / len(y)\n")),
        PASS("shared error term, np.dot", ("""    dW = X.T @ (P - Y) / len(y)
    db = P.mean(axis=0)
""", """    E = (P - Y) / X.shape[0]
    dW = np.dot(X.T, E)
    db = E.sum(axis=0)
""")),
        PASS("negated target-minus-probability", (DB_OLD, "    db = -np.mean(Y - P, axis=0)\n"),
             ("        b -= lr * db\n", "        b = b - lr * db\n")),
        PASS("one-hot subtracted in place", (GRAD_OLD, """    n = len(y)
    dZ = softmax(X @ W + b)
    dZ[np.arange(n), y] -= 1
    dZ /= n
    return X.T @ dZ, dZ.sum(axis=0)
""")),
        PASS("model class with fit and step", FIXED, (TRAIN_OLD, """    model = _Router(X.shape[1], N_CLASSES)
    losses = model.fit(X, y, lr, n_iter)
    return model.W, model.b, losses


class _Router:
    def __init__(self, d, k):
        self.W, self.b = np.zeros((d, k)), np.zeros(k)

    def step(self, X, y, lr):
        dW, db = gradients(self.W, self.b, X, y)
        self.W -= lr * dW
        self.b -= lr * db
        return loss(self.W, self.b, X, y)

    def fit(self, X, y, lr, n_iter):
        return [self.step(X, y, lr) for _ in range(n_iter)]
""")),
        PASS("dict of parameters, loop over keys", FIXED, (TRAIN_OLD, """    params = {"W": np.zeros((X.shape[1], N_CLASSES)), "b": np.zeros(N_CLASSES)}
    losses = []
    for _ in range(n_iter):
        grads = dict(zip(("W", "b"), gradients(params["W"], params["b"], X, y)))
        for key in params:
            params[key] = params[key] - lr * grads[key]
        losses.append(loss(params["W"], params["b"], X, y))
    return params["W"], params["b"], losses
""")),
        PASS("labels compared in a lambda, bias kept as a row and returned raveled", (GRAD_OLD, """    P = softmax(X @ W + b)
    onehot = (lambda labels: (labels[:, None] == np.arange(W.shape[1])).astype(float))(y)
    E = (P - onehot) / len(y)
    return X.T @ E, E.sum(axis=0, keepdims=True).ravel()
"""), ("    b = np.zeros(N_CLASSES)\n", "    b = np.zeros((1, N_CLASSES))\n"), ("    return W, b, losses\n", "    return W, b.ravel(), losses\n")),
        PASS("closure for the error, np.add.reduce", (GRAD_OLD, """    def error():
        return softmax(X @ W + b) - one_hot(y, W.shape[1])

    E = error()
    return np.dot(X.T, E) / len(y), np.add.reduce(E, axis=0) / len(y)
""")),
    ]
    FAIL = [
        FAIL("bias frozen", ("        b -= lr * db\n", ""),
             fails=("bias_updated_with_own_gradient", "gradient_matches_loss", "bias_matches_intercept")),
        FAIL("bias set from class shares after training", ("    return W, b, losses\n", "    b = np.log(np.bincount(y, minlength=N_CLASSES) / len(y))\n    return W, b, losses\n"),
             fails=("gradient_matches_loss", "bias_matches_intercept")),
        FAIL("bias hard-coded", ("    return W, b, losses\n", "    b = np.array([1.5, 0.0, -0.8])\n    return W, b, losses\n"),
             fails=("hardcoded_parameters", "gradient_matches_loss", "bias_matches_intercept")),
        FAIL("bias gradient from one-hot labels only", (DB_OLD, "    db = -Y.mean(axis=0)\n"),
             fails=("bias_updated_with_own_gradient", "gradient_matches_loss", "bias_matches_intercept")),
        FAIL("bias updated with the weight gradient", (DB_OLD, "    db = dW.mean(axis=0)\n"),
             fails=("bias_updated_with_own_gradient", "gradient_matches_loss", "bias_matches_intercept")),
        FAIL("bias clipped", ("        b -= lr * db\n", "        b = np.clip(b - lr * db, -0.5, 0.5)\n"),
             fails=("clip_parameters", "gradient_matches_loss", "bias_matches_intercept")),
        FAIL("bias gradient centred but still without the labels", (DB_OLD, "    db = P.mean(axis=0) - P.mean()\n"),
             fails=("gradient_matches_loss", "bias_matches_intercept")),
        FAIL("one-hot subtracted for the first class only", (DB_OLD, "    db = P.mean(axis=0) - np.array([Y[:, 0].mean(), 0.0, 0.0])\n"),
             fails=("gradient_matches_loss", "bias_matches_intercept")),
        FAIL("bias stepped by the median error, gradients unchanged", ("        b -= lr * db\n", "        b -= lr * np.median(softmax(X @ W + b) - one_hot(y, N_CLASSES), axis=0)\n"),
             fails=("gradient_matches_loss", "bias_matches_intercept")),
    ]


GRADER = SoftmaxBias()
