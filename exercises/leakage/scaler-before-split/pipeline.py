"""Customer churn: predict which subscribers will cancel next month.

Run me:  python exercises/leakage/scaler-before-split/pipeline.py
"""
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

TEST_SIZE = 0.25


def make_data(n_rows=400, seed=0):
    """Synthetic subscribers: tenure, monthly bill, support calls, logins, discount, age."""
    rng = np.random.default_rng(seed)
    tenure = rng.uniform(0, 72, n_rows)
    bill = rng.normal(70, 25, n_rows)
    calls = rng.poisson(2, n_rows).astype(float)
    logins = rng.gamma(2.0, 8.0, n_rows)
    discount = rng.uniform(0, 0.3, n_rows)
    age = rng.normal(45, 12, n_rows)
    X = np.column_stack([tenure, bill, calls, logins, discount, age])
    z = -0.05 * tenure + 0.03 * bill + 0.5 * calls - 0.06 * logins - 4.0 * discount - 0.5
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-z))).astype(int)
    return X, y


def train_and_predict(X, y, seed):
    """Fit the churn model on a training split; return (y_test, churn probabilities for the test rows)."""
    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X_scaled, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    model = LogisticRegression(C=0.5, max_iter=1000)
    model.fit(X_train, y_train)
    return y_test, model.predict_proba(X_test)[:, 1]


def leak_audit(X, y, seed):
    """Turn half of the test rows into outliers and report how far the predictions for the
    *other* test rows move. An honest pipeline never lets test rows influence training."""
    _, test_rows = train_test_split(np.arange(len(X)), test_size=TEST_SIZE, random_state=seed, stratify=y)
    changed, untouched = test_rows[::2], np.sort(test_rows[1::2])
    X_changed = X.copy()
    X_changed[changed] = X_changed[changed] * 25 + 7
    _, before = train_and_predict(X, y, seed)
    _, after = train_and_predict(X_changed, y, seed)
    position = {row: i for i, row in enumerate(test_rows)}
    keep = [position[r] for r in untouched]
    return float(np.max(np.abs(before[keep] - after[keep])))


if __name__ == "__main__":
    X, y = make_data()
    y_test, proba = train_and_predict(X, y, seed=0)
    print(f"test accuracy: {np.mean((proba > 0.5) == y_test):.3f}")
    shift = leak_audit(X, y, seed=0)
    print(f"leak audit: editing other test rows moved these predictions by up to {shift:.4f}")
    if shift > 1e-9:
        print("LEAK: rows from the test split influenced the trained pipeline.")
