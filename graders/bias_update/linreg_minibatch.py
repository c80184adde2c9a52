"""Grader for bias_update/linreg-minibatch.

Runtime (bughunt.families.training): `gradients` matches central finite differences of half
the MSE on hidden data; mini-batch `train` ends at the least-squares solution
(np.linalg.lstsq, computed in the parent): weights and bias within 0.05, loss within 1%.
The hidden intercept is far from the visible one and the noise is skewed, so a bias
stepped by the median error (not the mean) ends visibly off.
Static: the bias takes its own gradient step inside the loop, and no update moves along
the gradient.
"""
from bughunt.families.training.cases import linear_case
from bughunt.families.training.judges import TrainingGrader
from bughunt.families.training.models import LinearMSE
from bughunt.grader import FAIL, PASS

EXERCISE = "bias_update/linreg-minibatch"
STEP_OLD = "            w -= lr * dw\n"


class LinregMinibatch(TrainingGrader):
    exercise = EXERCISE
    functions = {
        "gradients": "gradients(w, b, X, y) -> (dw, db)",
        "train": "train(X, y, lr, n_epochs, batch_size, seed) -> (w, b, losses)",
    }
    model = LinearMSE()
    bias_index = 1
    bias_target_words = "the least-squares intercept of the hidden data"
    train_nargs = 6
    monotone = False
    param_tol = 0.05
    loss_tol = 0.01
    goal_words = "the least-squares solution (weights within 0.05 of np.linalg.lstsq's, loss within 1%)"
    case_builder = linear_case
    case_specs = [
        dict(n=160, d=3, intercept_range=(7.0, 13.0), noise=0.6, minibatch=True, tol=0.05, train_args=(0.02, 60, 16, 71)),
        dict(n=128, d=2, intercept_range=(7.0, 13.0), noise=0.8, minibatch=True, tol=0.05, train_args=(0.02, 60, 16, 13)),
    ]

    REFERENCE = ((STEP_OLD, "            w -= lr * dw\n            b -= lr * db\n"),)
    PASS = [
        PASS("both as assignments", (STEP_OLD, "            w = w - lr * dw\n            b = b - lr * db\n")),
        PASS("tuple update, renamed", (STEP_OLD, "            w, b = w - lr * dw, b - db * lr\n")),
        PASS("bias gradient written inline", ("            dw, db = gradients(w, b, X[rows], y[rows])\n            w -= lr * dw\n",
                                             "            Xb, yb = X[rows], y[rows]\n            dw, _ = gradients(w, b, Xb, yb)\n            w -= lr * dw\n            b += lr * np.mean(yb - predict(w, b, Xb))\n")),
    ]
    FAIL = [
        FAIL("bias updated once after training", ("        losses.append(loss(w, b, X, y))\n", "        losses.append(loss(w, b, X, y))\n    b -= lr * db\n"),
             fails=("bias_updated_with_own_gradient", "bias_matches_intercept")),
        FAIL("bias hard-coded to the visible intercept", ("    return w, b, losses\n", "    b = 5.0\n    return w, b, losses\n"),
             fails=("hardcoded_parameters", "bias_updated_with_own_gradient", "bias_matches_intercept")),
        FAIL("bias set to the mean target", ("    return w, b, losses\n", "    b = float(np.mean(y))\n    return w, b, losses\n"),
             fails=("bias_updated_with_own_gradient",)),
        FAIL("bias updated with the weight gradient", (STEP_OLD, "            w -= lr * dw\n            b -= lr * np.mean(dw)\n"),
             fails=("bias_updated_with_own_gradient", "bias_matches_intercept")),
        FAIL("closed form intercept", ("    return w, b, losses\n", "    coef = np.linalg.lstsq(np.column_stack([X, np.ones(len(y))]), y, rcond=None)[0]\n    return coef[:-1], coef[-1], losses\n"),
             fails=("closed_form_replacement", "bias_updated_with_own_gradient")),
        FAIL("bias clipped and updated with the wrong sign", (STEP_OLD, "            w -= lr * dw\n            b = np.clip(b + lr * db, -1, 1)\n"),
             fails=("clip_parameters", "update_against_gradient", "bias_matches_intercept")),
    ]


GRADER = LinregMinibatch()
