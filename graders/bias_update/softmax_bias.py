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


class SoftmaxBias(TrainingGrader):
    exercise = EXERCISE
    functions = {
        "gradients": "gradients(W, b, X, y) -> (dW, db)",
        "train": "train(X, y, lr, n_iter) -> (W, b, losses)",
    }
    model = Softmax(K)
    bias_index = 1
    bias_words = "the class biases, centred across classes,"
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
    ]


GRADER = SoftmaxBias()
