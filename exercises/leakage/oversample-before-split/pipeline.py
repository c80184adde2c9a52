"""Card fraud: flag fraudulent transactions, which are rare (about 1 in 12).

Run me:  python exercises/leakage/oversample-before-split/pipeline.py
"""
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import precision_score, recall_score
from sklearn.model_selection import train_test_split
from sklearn.utils import resample

TEST_SIZE = 0.3


def make_data(n_rows=600, seed=0):
    """Synthetic transactions: amount, hour, distance from home, merchant risk, card age, foreign flag."""
    rng = np.random.default_rng(seed)
    amount = rng.lognormal(3.5, 1.0, n_rows)
    hour = rng.integers(0, 24, n_rows).astype(float)
    distance = rng.exponential(15, n_rows)
    merchant_risk = rng.beta(2, 8, n_rows)
    card_age = rng.uniform(0, 10, n_rows)
    foreign = (rng.random(n_rows) < 0.1).astype(float)
    X = np.column_stack([amount, hour, distance, merchant_risk, card_age, foreign])
    z = 0.012 * amount + 0.05 * distance + 9 * merchant_risk - 0.35 * card_age + 2.0 * foreign - 5.5
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-z))).astype(int)
    return X, y


def oversample(X, y, seed):
    """Copy minority rows (with replacement) until both classes are equally common."""
    minority, majority = X[y == 1], X[y == 0]
    extra = resample(minority, replace=True, n_samples=len(majority) - len(minority), random_state=seed)
    X_out = np.vstack([X, extra])
    y_out = np.concatenate([y, np.ones(len(extra), dtype=int)])
    return X_out, y_out


def train_and_predict(X, y, seed):
    """Rebalance, split, fit; return (X_test, y_test, predicted labels for the test rows)."""
    X_bal, y_bal = oversample(X, y, seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X_bal, y_bal, test_size=TEST_SIZE, random_state=seed, stratify=y_bal
    )
    model = RandomForestClassifier(n_estimators=80, random_state=seed)
    model.fit(X_train, y_train)
    return X_test, y_test, model.predict(X_test)


if __name__ == "__main__":
    X, y = make_data(n_rows=1200)
    history, fresh = slice(0, 600), slice(600, 1200)
    X_test, y_test, pred = train_and_predict(X[history], y[history], seed=0)
    print(f"test rows: {len(y_test)}, of which fraud: {int(y_test.sum())}")
    print(f"test recall: {recall_score(y_test, pred):.3f}  precision: {precision_score(y_test, pred):.3f}")
    X_bal, y_bal = oversample(X[history], y[history], seed=0)
    deployed = RandomForestClassifier(n_estimators=80, random_state=0).fit(X_bal, y_bal)
    live = deployed.predict(X[fresh])
    print(
        f"next month's transactions: recall {recall_score(y[fresh], live):.3f}  "
        f"precision {precision_score(y[fresh], live, zero_division=0):.3f}"
    )
