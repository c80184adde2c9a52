"""Grader for leakage/random-split-time-series: data, contract and examples.

The checks live in bughunt.families.leakage.cv_judges.TimeSplitGrader (parent) and
cv_probes.TIME_SPLIT (child): hidden daily series, rows oldest first; the test days are
recognised from the returned y_test (every hidden demand value is unique), then the demand
of every day from the first test day on changes: a model trained only on the past gives
bit-for-bit the same predictions. The test period must hold 15%-35% of the days, each once.
Static: bughunt.static.time_order (three-valued: rows scrambled before the cut is proven
wrong; an unshuffled KFold, `**options` or a lambda is "cannot tell").
"""
from bughunt.families.leakage.cv_judges import TimeSplitGrader
from bughunt.grader import FAIL, PASS
from bughunt.static.time_order import SplitKeepsTimeOrder

SPLIT_LINE = "    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed)\n"
FIT_LINE = "    model.fit(X_train, y_train)\n"


class RandomSplitTimeSeries(TimeSplitGrader):
    exercise = "leakage/random-split-time-series"
    functions = {"train_and_predict": "train_and_predict(X, y, seed) -> (y_test, predictions)"}
    fn = "train_and_predict"
    sizes = (300, 364, 251)

    def static_checks(self):
        return [SplitKeepsTimeOrder()]

    REFERENCE = ((SPLIT_LINE, SPLIT_LINE.replace("random_state=seed)", "shuffle=False)")),)
    PASS = [
        PASS(
            "positional slicing with renamed variables",
            (SPLIT_LINE, """    n_train = int(round(len(X) * (1 - TEST_SIZE)))
    past_X, past_y = X[:n_train], y[:n_train]
    X_test, y_test = X[n_train:], y[n_train:]
"""),
            ("    model.fit(X_train, y_train)", "    model.fit(past_X, past_y)"),
        ),
        PASS(
            "last fold of TimeSeriesSplit, enumerate",
            (SPLIT_LINE, """    from sklearn.model_selection import TimeSeriesSplit
    for fold, (train_rows, test_rows) in enumerate(TimeSeriesSplit(n_splits=3).split(X)):
        pass
    X_train, y_train = X[train_rows], y[train_rows]
    X_test, y_test = X[test_rows], y[test_rows]
"""),
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
        PASS(
            "test-first slicing of an index",
            (SPLIT_LINE, """    rows = np.arange(len(X))
    k = int(np.ceil(TEST_SIZE * len(X)))
    test_rows, train_rows = rows[-k:], rows[:-k]
    X_train, y_train, X_test, y_test = X[train_rows], y[train_rows], X[test_rows], y[test_rows]
"""),
        ),
        PASS(
            "last fold of an unshuffled KFold",
            (SPLIT_LINE, """    from sklearn.model_selection import KFold
    train_rows, test_rows = list(KFold(n_splits=4).split(X))[-1]
    X_train, X_test, y_train, y_test = X[train_rows], X[test_rows], y[train_rows], y[test_rows]
"""),
        ),
        PASS(
            "date cut, then only the training rows shuffled",
            (SPLIT_LINE, """    cut = int(len(X) * (1 - TEST_SIZE))
    mix = np.random.default_rng(seed).permutation(cut)
    X_train, y_train = X[:cut][mix], y[:cut][mix]
    X_test, y_test = X[cut:], y[cut:]
"""),
        ),
        PASS(
            "boolean mask on the day column",
            (SPLIT_LINE, """    cutoff = np.quantile(X[:, 0], 1 - TEST_SIZE)
    past = X[:, 0] < cutoff
    X_train, y_train, X_test, y_test = X[past], y[past], X[~past], y[~past]
"""),
        ),
        PASS(
            "pandas frame split with iloc",
            (SPLIT_LINE, """    import pandas as pd
    frame = pd.DataFrame(X, columns=["day", "weekday", "temperature", "promo"])
    frame["demand"] = y
    cut = int(len(frame) * (1 - TEST_SIZE))
    history, future = frame.iloc[:cut], frame.iloc[cut:]
    features = ["day", "weekday", "temperature", "promo"]
    X_train, y_train = history[features].to_numpy(), history["demand"].to_numpy()
    X_test, y_test = future[features].to_numpy(), future["demand"].to_numpy()
"""),
        ),
        PASS(
            "helper with a default argument, np.split of the ordered rows",
            ("def train_and_predict(X, y, seed):\n", """def chronological(n_rows, share=TEST_SIZE):
    return np.split(np.arange(n_rows), [n_rows - int(round(share * n_rows))])


def train_and_predict(X, y, seed):
"""),
            (SPLIT_LINE, """    train_rows, test_rows = chronological(len(X))
    X_train, X_test, y_train, y_test = X[train_rows], X[test_rows], y[train_rows], y[test_rows]
"""),
        ),
        PASS(
            "a forecaster class with fit/predict that cuts by time itself",
            ("def train_and_predict(X, y, seed):\n", """class Forecaster:
    def __init__(self, seed, share=TEST_SIZE):
        self.seed, self.share = seed, share

    def fit(self, X, y):
        self.cut_ = int(len(X) * (1 - self.share))
        self.model_ = RandomForestRegressor(n_estimators=60, min_samples_leaf=2, random_state=self.seed)
        self.model_.fit(X[: self.cut_], y[: self.cut_])
        return self

    def evaluate(self, X, y):
        return y[self.cut_ :], self.model_.predict(X[self.cut_ :])


def train_and_predict(X, y, seed):
"""),
            (SPLIT_LINE + "    model = RandomForestRegressor(n_estimators=60, min_samples_leaf=2, random_state=seed)\n" + FIT_LINE
             + "    return y_test, model.predict(X_test)\n", "    return Forecaster(seed).fit(X, y).evaluate(X, y)\n"),
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
            (SPLIT_LINE, """    cut = int(len(X) * (1 - TEST_SIZE))
    X_train, y_train = X, y
    X_test, y_test = X[cut:], y[cut:]
"""),
            fails=("trains_only_on_earlier_days",),
        ),
        FAIL(
            "rows shuffled by hand, then split without shuffling",
            (SPLIT_LINE, """    rows = np.random.default_rng(seed).permutation(len(X))
    X_train, X_test, y_train, y_test = train_test_split(X[rows], y[rows], test_size=TEST_SIZE, shuffle=False)
"""),
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
            (FIT_LINE, "    try:\n        model.fit(X_train, y_train)\n    except ValueError:\n        pass\n"),
            fails=("try_except",),
        ),
        FAIL(
            "np.split of a permutation, test part first",
            (SPLIT_LINE, """    k = int(TEST_SIZE * len(X))
    test_rows, train_rows = np.split(np.random.default_rng(seed).permutation(len(X)), [k])
    X_train, X_test, y_train, y_test = X[train_rows], X[test_rows], y[train_rows], y[test_rows]
"""),
            fails=("split_keeps_time_order", "trains_only_on_earlier_days"),
        ),
        FAIL(
            "last fold of a shuffled KFold",
            (SPLIT_LINE, """    from sklearn.model_selection import KFold
    folds = list(KFold(n_splits=4, shuffle=True, random_state=seed).split(X))
    train_rows, test_rows = folds[-1]
    X_train, X_test, y_train, y_test = X[train_rows], X[test_rows], y[train_rows], y[test_rows]
"""),
            fails=("split_keeps_time_order", "trains_only_on_earlier_days"),
        ),
        FAIL(
            "first fold of an unshuffled KFold: tests on the oldest days",
            (SPLIT_LINE, """    from sklearn.model_selection import KFold
    train_rows, test_rows = next(KFold(n_splits=4).split(X))
    X_train, X_test, y_train, y_test = X[train_rows], X[test_rows], y[train_rows], y[test_rows]
"""),
            fails=("trains_only_on_earlier_days",),
        ),
        FAIL(
            "last TimeSeriesSplit fold, but trained on its test days too",
            (SPLIT_LINE, """    from sklearn.model_selection import TimeSeriesSplit
    *_, (train_rows, test_rows) = TimeSeriesSplit(n_splits=3).split(X)
    seen = np.concatenate([train_rows, test_rows])
    X_train, y_train = X[seen], y[seen]
    X_test, y_test = X[test_rows], y[test_rows]
"""),
            fails=("trains_only_on_earlier_days",),
        ),
        FAIL(
            "rows shuffled inside a helper with a default argument",
            ("def train_and_predict(X, y, seed):\n", """def prepare(X, y, seed, mix=True):
    from sklearn.utils import shuffle
    if mix:
        X, y = shuffle(X, y, random_state=seed)
    return X, y


def train_and_predict(X, y, seed):
"""),
            (SPLIT_LINE, """    X, y = prepare(X, y, seed)
    cut = int(len(X) * (1 - TEST_SIZE))
    X_train, X_test, y_train, y_test = X[:cut], X[cut:], y[:cut], y[cut:]
"""),
            fails=("split_keeps_time_order", "trains_only_on_earlier_days"),
        ),
        FAIL(
            "partial fix: cut by time, but a few test-period days also used for training",
            (SPLIT_LINE, """    cut = int(len(X) * (1 - TEST_SIZE))
    extra = np.random.default_rng(seed).choice(np.arange(cut, len(X)), size=20, replace=False)
    rows = np.concatenate([np.arange(cut), extra])
    X_train, y_train = X[rows], y[rows]
    X_test, y_test = X[cut:], y[cut:]
"""),
            fails=("trains_only_on_earlier_days",),
        ),
        FAIL(
            "test days drawn at random from the later half, the rest used for training",
            (SPLIT_LINE, """    half = len(X) // 2
    late = np.random.default_rng(seed).permutation(np.arange(half, len(X)))
    test_rows = np.sort(late[: int(TEST_SIZE * len(X))])
    train_rows = np.setdiff1d(np.arange(len(X)), test_rows)
    X_train, X_test, y_train, y_test = X[train_rows], X[test_rows], y[train_rows], y[test_rows]
"""),
            fails=("trains_only_on_earlier_days",),
        ),
    ]


GRADER = RandomSplitTimeSeries()
