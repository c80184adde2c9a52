"""Hospital readmission: predict which patients come back within 30 days.

Run me:  python exercises/leakage/imputer-on-all-rows/pipeline.py
"""
import numpy as np
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

TEST_SIZE = 0.25


def make_data(n_rows=400, seed=0):
    """Synthetic patients: age, length of stay, creatinine, haemoglobin, prior visits, BMI.
    Lab values are often missing (the test was never ordered), so some cells are NaN."""
    rng = np.random.default_rng(seed)
    age = rng.normal(64, 14, n_rows)
    stay = rng.gamma(2.0, 2.5, n_rows)
    creatinine = rng.lognormal(0.1, 0.4, n_rows)
    haemoglobin = rng.normal(12.5, 1.8, n_rows)
    visits = rng.poisson(1.5, n_rows).astype(float)
    bmi = rng.normal(28, 5, n_rows)
    X = np.column_stack([age, stay, creatinine, haemoglobin, visits, bmi])
    z = 0.03 * (age - 64) + 0.2 * stay + 1.2 * (creatinine - 1.2) - 0.3 * (haemoglobin - 12.5) + 0.4 * visits - 1.5
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-z))).astype(int)
    missing = rng.random(X.shape) < np.array([0.02, 0.05, 0.25, 0.2, 0.1, 0.15])
    X[missing] = np.nan
    return X, y


def train_and_predict(X, y, seed):
    """Fit the readmission model on a training split; return (y_test, probabilities for the test rows)."""
    imputer = SimpleImputer(strategy="median")
    X_filled = imputer.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X_filled, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=1000))
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
    print(f"missing cells: {np.isnan(X).mean():.1%}")
    y_test, proba = train_and_predict(X, y, seed=0)
    print(f"test accuracy: {np.mean((proba > 0.5) == y_test):.3f}")
    shift = leak_audit(X, y, seed=0)
    print(f"leak audit: editing other test rows moved these predictions by up to {shift:.4f}")
    if shift > 1e-9:
        print("LEAK: rows from the test split influenced the trained pipeline.")
