"""Bakery demand: forecast how many loaves each shop will sell per day.

Run me:  python exercises/leakage/random-split-time-series/pipeline.py
"""
import numpy as np
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import train_test_split

TEST_SIZE = 0.25


def make_data(n_days=480, seed=0):
    """One row per day, oldest first: day number, weekday, temperature, promotion flag.
    Demand drifts over time (new customers, a competitor opening) on top of weekly habits."""
    rng = np.random.default_rng(seed)
    day = np.arange(n_days, dtype=float)
    weekday = day % 7
    temperature = 12 + 9 * np.sin(2 * np.pi * day / 365) + rng.normal(0, 3, n_days)
    promo = (rng.random(n_days) < 0.15).astype(float)
    level = 200 + np.cumsum(rng.normal(0, 4, n_days))
    demand = level + 25 * (weekday >= 5) - 1.5 * temperature + 30 * promo + rng.normal(0, 6, n_days)
    X = np.column_stack([day, weekday, temperature, promo])
    return X, demand


def train_and_predict(X, y, seed):
    """Fit the demand model on past days; return (y_test, predicted demand for the test days)."""
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed)
    model = RandomForestRegressor(n_estimators=60, min_samples_leaf=2, random_state=seed)
    model.fit(X_train, y_train)
    return y_test, model.predict(X_test)


def fit_for_production(X, y, seed):
    """The model that actually ships: trained on all history."""
    model = RandomForestRegressor(n_estimators=60, min_samples_leaf=2, random_state=seed)
    return model.fit(X, y)


if __name__ == "__main__":
    X, y = make_data(n_days=540)
    history, future = slice(0, 480), slice(480, 540)
    y_test, predicted = train_and_predict(X[history], y[history], seed=0)
    print(f"validation MAE: {mean_absolute_error(y_test, predicted):.1f} loaves/day")
    shipped = fit_for_production(X[history], y[history], seed=0)
    live = mean_absolute_error(y[future], shipped.predict(X[future]))
    print(f"MAE on the next 60 days after shipping: {live:.1f} loaves/day")
