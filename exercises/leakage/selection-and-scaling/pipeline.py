"""Campaign response: predict which customers answer a marketing offer, from 40 behaviour signals.

Run me:  python exercises/leakage/selection-and-scaling/pipeline.py
"""
import numpy as np
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

TEST_SIZE = 0.25
N_KEEP = 8  # the model uses the 8 most informative signals


def make_data(n_rows=240, n_signals=40, seed=0):
    """Synthetic customers: 40 behaviour signals on very different scales; only a few matter."""
    rng = np.random.default_rng(seed)
    scales = 10.0 ** rng.uniform(-1, 3, n_signals)
    X = rng.normal(0, 1, (n_rows, n_signals))
    z = 0.9 * X[:, 0] - 0.7 * X[:, 1] + 0.6 * X[:, 2] + 0.5 * X[:, 3]
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-z))).astype(int)
    return X * scales + rng.uniform(-100, 100, n_signals), y


def train_and_predict(X, y, seed):
    """Fit the response model on a training split; return (y_test, response probabilities for the test rows)."""
    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    selector = SelectKBest(f_classif, k=N_KEEP)
    X_best = selector.fit_transform(X_scaled, y)
    X_train, X_test, y_train, y_test = train_test_split(X_best, y, test_size=TEST_SIZE, random_state=seed)
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(X_train, y_train)
    return y_test, model.predict_proba(X_test)[:, 1]


def shuffled_label_accuracy(X, y, seed, repeats=20):
    """Accuracy when the labels are shuffled at random: there is nothing to learn, so an honest
    pipeline scores about 0.5 on average."""
    rng = np.random.default_rng(seed)
    accuracies = []
    for _ in range(repeats):
        y_test, proba = train_and_predict(X, rng.permutation(y), seed)
        accuracies.append(np.mean((proba > 0.5) == y_test))
    return float(np.mean(accuracies))


def leak_audit(X, y, seed):
    """Turn half of the test rows into outliers and report how far the predictions for the
    *other* test rows move. An honest pipeline never lets test rows influence training."""
    _, test_rows = train_test_split(np.arange(len(X)), test_size=TEST_SIZE, random_state=seed)
    changed = test_rows[::2]
    X_changed = X.copy()
    X_changed[changed] = X_changed[changed] * 25 + 7
    _, before = train_and_predict(X, y, seed)
    _, after = train_and_predict(X_changed, y, seed)
    return float(np.max(np.abs(before[1::2] - after[1::2])))


if __name__ == "__main__":
    X, y = make_data()
    y_test, proba = train_and_predict(X, y, seed=0)
    print(f"test accuracy: {np.mean((proba > 0.5) == y_test):.3f}")
    chance = shuffled_label_accuracy(X, y, seed=0)
    print(f"accuracy with shuffled labels (should be about 0.5): {chance:.3f}")
    shift = leak_audit(X, y, seed=0)
    print(f"leak audit: editing other test rows moved these predictions by up to {shift:.4f}")
    if chance > 0.53 or shift > 1e-9:
        print("LEAK: rows from the test split influenced the trained pipeline.")
