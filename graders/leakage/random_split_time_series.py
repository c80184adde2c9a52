"""Grader for leakage/random-split-time-series.

Runtime: hidden daily series, rows oldest first. The test days are recognised from the returned
y_test (every hidden demand value is unique). Then the demand of every day from the earliest test
day onwards is changed: a model trained only on the past gives bit-for-bit the same predictions.
The test period must be a real hold-out (about a quarter of the days, between 15% and 35%).
Static: nothing shuffles the rows or builds folds out of time order.
"""
import numpy as np

from bughunt.grader import FAIL, PASS, Grader
from bughunt.probe import ContractError, array, function
from bughunt.static.time_order import SplitKeepsTimeOrder
from bughunt.verdict import Check

EXERCISE = "leakage/random-split-time-series"
TOLERANCE = 1e-7
SHARE = (0.15, 0.35)

SPLIT_LINE = "    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed)\n"


def hidden_data(n_days, seed, start, drift, weekend, promo_lift):
    rng = np.random.default_rng(seed)
    day = start + np.arange(n_days, dtype=float)
    weekday = day % 7
    temperature = 15 + 8 * np.sin(2 * np.pi * day / 365) + rng.normal(0, 2.5, n_days)
    promo = (rng.random(n_days) < 0.2).astype(float)
    level = 150 + np.cumsum(rng.normal(drift, 5, n_days))
    y = level + weekend * (weekday >= 5) - 1.2 * temperature + promo_lift * promo + rng.normal(0, 5, n_days)
    return np.column_stack([day, weekday, temperature, promo]), y


class RandomSplitTimeSeries(Grader):
    exercise = EXERCISE
    functions = {"train_and_predict": "train_and_predict(X, y, seed) -> (y_test, predictions)"}
    suppression_names = ("try_except", "contextlib_suppress", "warnings_filter")

    REFERENCE = ((SPLIT_LINE, SPLIT_LINE.replace("random_state=seed)", "shuffle=False)")),)
    PASS = [
        PASS(
            "positional slicing with renamed variables",
            (
                SPLIT_LINE,
                """    n_train = int(round(len(X) * (1 - TEST_SIZE)))
    past_X, past_y = X[:n_train], y[:n_train]
    X_test, y_test = X[n_train:], y[n_train:]
""",
            ),
            ("    model.fit(X_train, y_train)", "    model.fit(past_X, past_y)"),
        ),
        PASS(
            "last fold of TimeSeriesSplit",
            (
                SPLIT_LINE,
                """    from sklearn.model_selection import TimeSeriesSplit
    for train_rows, test_rows in TimeSeriesSplit(n_splits=3).split(X):
        pass
    X_train, y_train = X[train_rows], y[train_rows]
    X_test, y_test = X[test_rows], y[test_rows]
""",
            ),
        ),
        PASS(
            "rows sorted by day, then split in order; model built first",
            (
                SPLIT_LINE + "    model = RandomForestRegressor(n_estimators=60, min_samples_leaf=2, random_state=seed)\n",
                """    model = RandomForestRegressor(n_estimators=60, min_samples_leaf=2, random_state=seed)
    order = np.argsort(X[:, 0], kind="stable")
    X_train, X_test, y_train, y_test = train_test_split(
        X[order], y[order], test_size=TEST_SIZE, random_state=seed, shuffle=False
    )
""",
            ),
        ),
    ]
    FAIL = [
        FAIL(
            "split seed changed",
            (SPLIT_LINE, SPLIT_LINE.replace("random_state=seed", "random_state=seed + 7")),
            fails=("split_keeps_time_order", "trains_only_on_earlier_days"),
        ),
        FAIL(
            "test set shrunk",
            (SPLIT_LINE, SPLIT_LINE.replace("test_size=TEST_SIZE", "test_size=0.05")),
            fails=("split_keeps_time_order", "trains_only_on_earlier_days", "test_period_size"),
        ),
        FAIL(
            "split deleted: trained on every day, tested on the last quarter",
            (
                SPLIT_LINE,
                """    cut = int(len(X) * (1 - TEST_SIZE))
    X_train, y_train = X, y
    X_test, y_test = X[cut:], y[cut:]
""",
            ),
            fails=("trains_only_on_earlier_days",),
        ),
        FAIL(
            "rows shuffled by hand, then split without shuffling",
            (
                SPLIT_LINE,
                """    rows = np.random.default_rng(seed).permutation(len(X))
    X_train, X_test, y_train, y_test = train_test_split(X[rows], y[rows], test_size=TEST_SIZE, shuffle=False)
""",
            ),
            fails=("split_keeps_time_order", "trains_only_on_earlier_days"),
        ),
        FAIL(
            "day-number column dropped, split still shuffled",
            (SPLIT_LINE, "    X = X[:, 1:]\n" + SPLIT_LINE),
            fails=("split_keeps_time_order", "trains_only_on_earlier_days"),
        ),
        FAIL(
            "split fixed but fit wrapped in try/except",
            (SPLIT_LINE, SPLIT_LINE.replace("random_state=seed)", "shuffle=False)")),
            (
                "    model.fit(X_train, y_train)\n",
                "    try:\n        model.fit(X_train, y_train)\n    except ValueError:\n        pass\n",
            ),
            fails=("try_except",),
        ),
    ]

    # --- both sides ---------------------------------------------------------------
    def cases(self):
        specs = [(300, 3101, 1000.0, 0.6, 30.0, 22.0, 5), (364, 4202, 2500.0, -0.5, 18.0, 35.0, 17)]
        out = []
        for n, seed, start, drift, weekend, lift, split_seed in specs:
            X, y = hidden_data(n, seed, start, drift, weekend, lift)
            out.append({"X": X, "y": y, "seed": split_seed})
        return out

    # --- child side ---------------------------------------------------------------
    def probe(self, student, case):
        fn = function(student, "train_and_predict", 3)
        X, y, seed = case["X"], case["y"], case["seed"]

        def run(targets):
            out = fn(X.copy(), targets.copy(), seed)
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise ContractError("`train_and_predict` should return a pair (y_test, predictions)")
            return array(out[0], "the returned y_test", ndim=1), array(out[1], "the returned predictions", ndim=1)

        y_test, pred = run(y)
        position = {float(v): i for i, v in enumerate(y)}
        rows = [position.get(float(v)) for v in y_test]
        obs = {"n_test": int(len(y_test)), "pred": pred, "test_rows": None}
        if any(r is None for r in rows) or not rows:
            return obs
        rows = np.asarray(rows, dtype=np.int64)
        obs["test_rows"] = rows
        first = int(rows.min())
        shifted = y.copy()
        shifted[first:] += 400.0 + 60.0 * np.sin(np.arange(len(y) - first))
        _, obs["pred_shifted"] = run(shifted)
        return obs

    # --- parent side --------------------------------------------------------------
    def static_checks(self):
        return [SplitKeepsTimeOrder()]

    def judge(self, results):
        cases = self.cases()
        shape_msgs, size_msgs, leak_msgs = [], [], []
        for r, case in zip(results, cases):
            o, n = r.obs, len(case["X"])
            pred, rows = o["pred"], o["test_rows"]
            if rows is None:
                shape_msgs.append(
                    f"returned y_test values that are not the demand of hidden days (hidden case {r.index + 1}); "
                    "return the true demand of the test days, unchanged"
                )
                continue
            if pred.shape != (len(rows),) or not np.all(np.isfinite(pred)):
                shape_msgs.append(f"found {pred.shape[0]} values for {len(rows)} test days (need one finite prediction each)")
                continue
            share = len(rows) / n
            if not SHARE[0] <= share <= SHARE[1]:
                size_msgs.append(
                    f"found {len(rows)} test days out of {n} ({share:.0%}) on hidden case {r.index + 1}"
                )
            first = int(rows.min())
            later_train = n - first - len(set(rows.tolist()))
            moved = float(np.max(np.abs(pred - o["pred_shifted"]))) if len(pred) else 0.0
            if moved > TOLERANCE:
                leak_msgs.append(
                    f"found the predictions moving by up to {moved:.3g} when only the demand from the first test day "
                    f"onwards changed (hidden case {r.index + 1}; {max(later_train, 0)} of the days after the first "
                    "test day are not in the test set)"
                )
        checks = [
            Check(
                "returns_predictions",
                "runtime",
                not shape_msgs,
                f"Exercise {EXERCISE} should return the test days' demand and one prediction per test day; {shape_msgs[0]}"
                if shape_msgs
                else "returns one prediction per test day",
                root_cause=False,
            ),
            Check(
                "test_period_size",
                "runtime",
                not size_msgs,
                f"Exercise {EXERCISE} should hold out about TEST_SIZE of the days (between {SHARE[0]:.0%} and "
                f"{SHARE[1]:.0%}) as the test period; {size_msgs[0]}"
                if size_msgs
                else "holds out a test period of a sensible size",
                root_cause=False,
            ),
            Check(
                "trains_only_on_earlier_days",
                "runtime",
                not leak_msgs and not shape_msgs,
                (
                    f"Exercise {EXERCISE} should train only on days before the test period, so changing the "
                    f"demand of the test period and later cannot change any prediction; {leak_msgs[0]}. The model "
                    "still learns from the future it is asked to forecast."
                )
                if leak_msgs
                else (
                    f"Exercise {EXERCISE} could not check which days the model trains on, because the returned "
                    "values could not be matched to the hidden data"
                    if shape_msgs
                    else "the model trains only on days before the test period"
                ),
            ),
        ]
        return checks


GRADER = RandomSplitTimeSeries()
