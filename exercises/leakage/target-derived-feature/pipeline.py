"""Streaming service churn: predict which subscribers will cancel in the coming month.

Run me:  python exercises/leakage/target-derived-feature/pipeline.py
"""
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

TEST_SIZE = 0.25
# The columns of X, in order, as exported from the customer database.
COLUMNS = ["tenure_months", "monthly_bill", "support_tickets", "weekly_hours", "months_left_on_contract", "refund_issued"]


def make_data(n_rows=600, seed=0, cancelled_already=True):
    """Synthetic subscribers. The export is taken at the end of the month, after cancellations
    were processed; `cancelled_already=False` gives the state before anyone has cancelled."""
    rng = np.random.default_rng(seed)
    tenure = rng.uniform(1, 60, n_rows)
    bill = rng.normal(15, 4, n_rows)
    tickets = rng.poisson(1.5, n_rows).astype(float)
    hours = rng.gamma(2.0, 4.0, n_rows)
    contract_left = rng.integers(0, 12, n_rows).astype(float)
    z = -0.04 * tenure + 0.12 * bill + 0.45 * tickets - 0.18 * hours - 0.25 * contract_left - 0.6
    churn = (rng.random(n_rows) < 1 / (1 + np.exp(-z))).astype(int)
    refund = np.where(churn == 1, rng.random(n_rows) < 0.85, rng.random(n_rows) < 0.03).astype(float)
    if not cancelled_already:
        refund[:] = 0.0
    X = np.column_stack([tenure, bill, tickets, hours, contract_left, refund])
    return X, churn


def train_and_predict(X, y, seed):
    """Fit the churn model on a training split; return (y_test, churn probabilities for the test rows)."""
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(X_train, y_train)
    return y_test, model.predict_proba(X_test)[:, 1]


def report(name, y_true, proba):
    flagged = proba > 0.5
    print(f"{name}: AUC {roc_auc_score(y_true, proba):.3f}, recall {recall_score(y_true, flagged):.3f}")


if __name__ == "__main__":
    X, y = make_data(seed=0)
    y_test, proba = train_and_predict(X, y, seed=0)
    report("validation", y_test, proba)
    # Scoring day: this month's subscribers, before any of them has cancelled.
    X_all, y_all = make_data(seed=0)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X_all, y_all)
    X_live, y_live = make_data(seed=1, cancelled_already=False)
    report("live scoring", y_live, model.predict_proba(X_live)[:, 1])
