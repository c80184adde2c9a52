"""Grader for leakage/selection-and-scaling: two leaks in one pipeline, reported separately.

Runtime, on hidden data with many pure-noise signals (so the chosen features depend on
which rows the ranking saw):
- turn half of the student's own test rows into outliers: an honest pipeline gives
  bit-for-bit the same predictions for the other test rows (catches any leak through X:
  the scaler and the selector);
- flip the labels of the test rows: an honest pipeline gives bit-for-bit the same test
  predictions (catches the selection leak: the scaler never sees labels);
- rescale every column: predictions stay the same (the scaling step is still there);
- the model is still trained on N_KEEP columns (the selection step is still there).
Static: two named root-cause checks, one for the scaler (and any other fitted step), one
for the feature selection (selectors, univariate scores, correlations with the label).
"""
import numpy as np

from bughunt.grader import FAIL, PASS, Grader
from bughunt.leakage_probe import RECORDER, column_affine, scale_rows
from bughunt.probe import ContractError, array, function
from bughunt.static.dataflow import ALL, TARGET
from bughunt.static.leakage import FitOnTrainingRows
from bughunt.verdict import Check

EXERCISE = "leakage/selection-and-scaling"
ENTRY = {"train_and_predict": {0: {ALL}, 1: {ALL, TARGET}}}
TOLERANCE = 1e-7
N_KEEP = 8

_SELECTORS = {
    "SelectKBest", "SelectPercentile", "SelectFpr", "SelectFdr", "SelectFwe", "GenericUnivariateSelect",
    "SelectFromModel", "RFE", "RFECV", "SequentialFeatureSelector", "VarianceThreshold",
}
_PIPELINES = {"Pipeline", "make_pipeline"}
_SCORE_WORDS = ("corrcoef", "cov", "f_classif", "f_regression", "r_regression", "chi2", "mutual_info")


def _classes(sink):
    return {q.rsplit(".", 1)[-1] for q in sink.obj}


def is_selection(sink) -> bool:
    """A sink that ranks or chooses features: a selector, a univariate score, a correlation,
    a statistic that involves the label, or a whole pipeline (which contains the selector)."""
    if _classes(sink) & (_SELECTORS | _PIPELINES):
        return True
    if sink.kind == "stat" and (any(w in sink.what for w in _SCORE_WORDS) or TARGET in (sink.x | sink.y)):
        return True
    return False


def is_scaling(sink) -> bool:
    """Everything else that learns from data (the scaler, column statistics, the model itself)."""
    return not is_selection(sink) or bool(_classes(sink) & _PIPELINES)


_SHIPPED = """    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    selector = SelectKBest(f_classif, k=N_KEEP)
    X_best = selector.fit_transform(X_scaled, y)
    X_train, X_test, y_train, y_test = train_test_split(X_best, y, test_size=TEST_SIZE, random_state=seed)
"""
_SPLIT_RAW = "    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed)\n"


def hidden_data(n_rows, n_signals, seed, weights):
    rng = np.random.default_rng(seed)
    scales = 10.0 ** rng.uniform(-2, 2, n_signals)
    X = rng.normal(0, 1, (n_rows, n_signals))
    z = X[:, : len(weights)] @ np.array(weights)
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-z))).astype(int)
    order = rng.permutation(n_signals)  # informative signals are not the first columns
    return (X * scales + rng.uniform(-50, 50, n_signals))[:, order], y


class SelectionAndScaling(Grader):
    exercise = EXERCISE
    functions = {"train_and_predict": "train_and_predict(X, y, seed) -> (y_test, test_probabilities)"}
    suppression_names = ("try_except", "contextlib_suppress", "score_tampering", "warnings_filter")

    REFERENCE = (
        (
            _SHIPPED,
            _SPLIT_RAW
            + """    scaler = StandardScaler()
    X_train = scaler.fit_transform(X_train)
    X_test = scaler.transform(X_test)
    selector = SelectKBest(f_classif, k=N_KEEP)
    X_train = selector.fit_transform(X_train, y_train)
    X_test = selector.transform(X_test)
""",
        ),
    )
    PASS = [
        PASS(
            "one pipeline fitted on the training split",
            (
                _SHIPPED + "    model = LogisticRegression(C=1.0, max_iter=1000)\n",
                """    from sklearn.pipeline import make_pipeline
    tr_X, te_X, tr_y, te_y = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed)
    X_train, X_test, y_train, y_test = tr_X, te_X, tr_y, te_y
    model = make_pipeline(StandardScaler(), SelectKBest(f_classif, k=N_KEEP), LogisticRegression(C=1.0, max_iter=1000))
""",
            ),
        ),
        PASS(
            "numpy statistics and correlation ranking on the training rows",
            (
                _SHIPPED,
                """    a, b, c, d = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed)
    centre, spread = a.mean(axis=0), np.std(a, axis=0)
    za, zb = (a - centre) / spread, (b - centre) / spread
    r = np.corrcoef(za, c, rowvar=False)[-1, :-1]
    keep = np.argsort(-np.abs(r))[:N_KEEP]
    X_train, X_test, y_train, y_test = za[:, keep], zb[:, keep], c, d
""",
            ),
        ),
        PASS(
            "select first, then scale, independent lines reordered",
            (
                _SHIPPED + "    model = LogisticRegression(C=1.0, max_iter=1000)\n",
                "    model = LogisticRegression(C=1.0, max_iter=1000)\n"
                + _SPLIT_RAW
                + """    chosen = SelectKBest(f_classif, k=N_KEEP).fit(X_train, y_train)
    X_test, X_train = chosen.transform(X_test), chosen.transform(X_train)
    scaler = StandardScaler().fit(X_train)
    X_test = scaler.transform(X_test)
    X_train = scaler.transform(X_train)
""",
            ),
        ),
    ]
    FAIL = [
        FAIL(
            "only the scaler fixed: features still chosen on every row",
            (
                _SHIPPED,
                """    selector = SelectKBest(f_classif, k=N_KEEP)
    X_best = selector.fit_transform(X, y)
    X_train, X_test, y_train, y_test = train_test_split(X_best, y, test_size=TEST_SIZE, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
""",
            ),
            fails=("selector_fit_on_training_rows", "test_labels_do_not_influence_training"),
        ),
        FAIL(
            "only the selection fixed: scaler still fitted on every row",
            (
                _SHIPPED,
                """    X_scaled = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(X_scaled, y, test_size=TEST_SIZE, random_state=seed)
    selector = SelectKBest(f_classif, k=N_KEEP).fit(X_train, y_train)
    X_train, X_test = selector.transform(X_train), selector.transform(X_test)
""",
            ),
            fails=("scaler_fit_on_training_rows", "test_features_do_not_influence_training"),
        ),
        FAIL(
            "only the scaler fixed, features ranked with numpy on every row",
            (
                _SHIPPED,
                """    r = np.corrcoef(X, y, rowvar=False)[-1, :-1]
    keep = np.argsort(-np.abs(r))[:N_KEEP]
    X_train, X_test, y_train, y_test = train_test_split(X[:, keep], y, test_size=TEST_SIZE, random_state=seed)
    mu, sd = X_train.mean(axis=0), X_train.std(axis=0)
    X_train, X_test = (X_train - mu) / sd, (X_test - mu) / sd
""",
            ),
            fails=("selector_fit_on_training_rows", "test_labels_do_not_influence_training"),
        ),
        FAIL(
            "scaler deleted, selection fixed",
            (
                _SHIPPED,
                _SPLIT_RAW
                + """    selector = SelectKBest(f_classif, k=N_KEEP).fit(X_train, y_train)
    X_train, X_test = selector.transform(X_train), selector.transform(X_test)
""",
            ),
            fails="features_scaled",
        ),
        FAIL(
            "only the scaler fixed, features ranked with f_classif scores on every row",
            (
                _SHIPPED,
                """    f_scores, _ = f_classif(X, y)
    top = np.argsort(f_scores)[::-1][:N_KEEP]
    X_train, X_test, y_train, y_test = train_test_split(X[:, top], y, test_size=TEST_SIZE, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
""",
            ),
            fails=("selector_fit_on_training_rows", "test_labels_do_not_influence_training"),
        ),
        FAIL(
            "selection deleted",
            (
                _SHIPPED,
                _SPLIT_RAW
                + """    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
""",
            ),
            fails="features_selected",
        ),
        FAIL(
            "selector fitted on train and test stacked together",
            (
                _SHIPPED,
                _SPLIT_RAW
                + """    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    selector = SelectKBest(f_classif, k=N_KEEP).fit(np.vstack([X_train, X_test]), np.concatenate([y_train, y_test]))
    X_train, X_test = selector.transform(X_train), selector.transform(X_test)
""",
            ),
            fails=("selector_fit_on_training_rows", "test_labels_do_not_influence_training"),
        ),
        FAIL(
            "split seed and size changed",
            ("test_size=TEST_SIZE, random_state=seed)\n    model", "test_size=0.4, random_state=5)\n    model"),
            fails=("scaler_fit_on_training_rows", "selector_fit_on_training_rows", "split_unchanged"),
        ),
        FAIL(
            "both leaks fixed, but the fit wrapped in try/except",
            (
                _SHIPPED,
                _SPLIT_RAW
                + """    scaler = StandardScaler()
    X_train = scaler.fit_transform(X_train)
    X_test = scaler.transform(X_test)
    selector = SelectKBest(f_classif, k=N_KEEP)
    X_train = selector.fit_transform(X_train, y_train)
    X_test = selector.transform(X_test)
""",
            ),
            (
                "    model.fit(X_train, y_train)\n",
                "    try:\n        model.fit(X_train, y_train)\n    except ValueError:\n        pass\n",
            ),
            fails="try_except",
        ),
    ]

    # --- both sides ---------------------------------------------------------------
    def cases(self):
        specs = [
            (220, 48, 5505, (1.0, -0.8, 0.7, 0.6, -0.5), 13),
            (268, 60, 6606, (-0.9, 0.9, -0.6, 0.5, 0.4, 0.3), 31),
        ]
        out = []
        for n, p, seed, w, split_seed in specs:
            X, y = hidden_data(n, p, seed, w)
            out.append({"X": X, "y": y, "seed": split_seed, "affine_seed": seed + 1})
        return out

    # --- child side ---------------------------------------------------------------
    def instrument(self):
        RECORDER.install()
        from sklearn.linear_model import LogisticRegression

        original = LogisticRegression.fit
        widths = self._widths = []

        def fit(model, X, y, *args, **kwargs):
            widths.append(int(np.shape(X)[1]) if np.ndim(X) == 2 else -1)
            return original(model, X, y, *args, **kwargs)

        LogisticRegression.fit = fit

    def probe(self, student, case):
        fn = function(student, "train_and_predict", 3)
        X, y, seed = case["X"], case["y"], case["seed"]

        def run(data, labels):
            RECORDER.reset()
            self._widths.clear()
            out = fn(data.copy(), labels.copy(), seed)
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise ContractError("`train_and_predict` should return a pair (y_test, test_probabilities)")
            array(out[0], "the returned y_test", ndim=1)
            proba = array(out[1], "the returned test probabilities", ndim=1)
            return proba, RECORDER.first_split(len(X))

        proba, split = run(X, y)
        obs = {"proba": proba, "split": None, "widths": list(self._widths)}
        if split is None:
            return obs
        train_idx, test_idx = split
        obs["split"] = {"train": train_idx, "test": test_idx}
        proba_x, split_x = run(scale_rows(X, test_idx[::2]), y)
        flipped = y.copy()
        flipped[test_idx] = 1 - flipped[test_idx]
        proba_y, split_y = run(X, flipped)
        obs["proba_features"], obs["proba_labels"] = proba_x, proba_y
        obs["same_split"] = all(s is not None and np.array_equal(s[1], test_idx) for s in (split_x, split_y))
        obs["proba_affine"], _ = run(column_affine(X, case["affine_seed"]), y)
        return obs

    # --- parent side --------------------------------------------------------------
    def static_checks(self):
        return [
            FitOnTrainingRows(
                ENTRY,
                select=is_scaling,
                step="the scaler (and every other fitted step)",
                name="scaler_fit_on_training_rows",
                advice="learn the scaling from the training rows only, then apply it unchanged to the test rows",
            ),
            FitOnTrainingRows(
                ENTRY,
                select=is_selection,
                step="the feature selection",
                name="selector_fit_on_training_rows",
                advice="rank and choose the features using the training rows and labels only, then keep "
                "the same columns for the test rows",
            ),
        ]

    def judge(self, results):
        from sklearn.model_selection import train_test_split

        split_msgs, shape_msgs, x_msgs, y_msgs, scale_msgs, width_msgs = [], [], [], [], [], []
        for r, case in zip(results, self.cases()):
            o = r.obs
            where = f"on hidden case {r.index + 1}"
            widths = o["widths"]
            if not widths:
                width_msgs.append("found no LogisticRegression being trained")
            elif widths[-1] != N_KEEP:
                width_msgs.append(f"found the model trained on {widths[-1]} columns {where}")
            _, expected_test = train_test_split(np.arange(len(case["X"])), test_size=0.25, random_state=case["seed"])
            if o["split"] is None:
                split_msgs.append("found no call to train_test_split on the full data")
                continue
            test_idx = o["split"]["test"]
            if not np.array_equal(test_idx, expected_test):
                split_msgs.append(
                    f"found a different split ({len(test_idx)} test rows instead of {len(expected_test)}, "
                    "or a different random_state): changing the split only hides the leak"
                )
            proba = o["proba"]
            if proba.shape != (len(test_idx),) or not np.all(np.isfinite(proba)) or np.any((proba < 0) | (proba > 1)):
                shape_msgs.append(f"found {proba.shape[0]} values (need {len(test_idx)} probabilities in [0, 1], no NaN)")
                continue
            if not o["same_split"]:
                split_msgs.append("found the split changing when the data changed")
                continue
            untouched = np.arange(len(test_idx))[1::2]
            moved = float(np.max(np.abs(proba[untouched] - o["proba_features"][untouched])))
            if moved > TOLERANCE:
                x_msgs.append(f"found them moving by up to {moved:.3g} {where}")
            moved = float(np.max(np.abs(proba - o["proba_labels"])))
            if moved > TOLERANCE:
                y_msgs.append(f"found them moving by up to {moved:.3g} {where}")
            shift = float(np.max(np.abs(proba - o["proba_affine"])))
            if shift > 1e-5:
                scale_msgs.append(f"found predictions changing by up to {shift:.3g} {where}")

        unusable = bool(split_msgs or shape_msgs)
        cannot = (
            f"Exercise {EXERCISE} could not check this, because the split was not as specified or the "
            "predictions were unusable"
        )
        return [
            Check(
                "split_unchanged",
                "runtime",
                not split_msgs,
                f"Exercise {EXERCISE} should keep the split (train_test_split with test_size=TEST_SIZE and "
                f"random_state=seed); {split_msgs[0]}" if split_msgs else "the split is as specified",
            ),
            Check(
                "returns_probabilities",
                "runtime",
                not shape_msgs,
                f"Exercise {EXERCISE} should return one probability per test row; {shape_msgs[0]}"
                if shape_msgs
                else "returns one probability per test row",
                root_cause=False,
            ),
            Check(
                "test_features_do_not_influence_training",
                "runtime",
                not x_msgs and not unusable,
                (
                    f"Exercise {EXERCISE} should give the same predictions for test rows when only the features "
                    f"of other test rows change; {x_msgs[0]}. A step that learns from the features (the scaler "
                    "or the feature ranking) still sees the test rows."
                )
                if x_msgs
                else (cannot if unusable else "the features of test rows do not influence training"),
            ),
            Check(
                "test_labels_do_not_influence_training",
                "runtime",
                not y_msgs and not unusable,
                (
                    f"Exercise {EXERCISE} should give the same test predictions when only the labels of the test "
                    f"rows change; {y_msgs[0]}. The features are still chosen with the help of the test labels."
                )
                if y_msgs
                else (cannot if unusable else "the labels of test rows do not influence training"),
            ),
            Check(
                "features_scaled",
                "runtime",
                not scale_msgs,
                (
                    f"Exercise {EXERCISE} should still standardize the features, so rescaling a column does not "
                    f"change predictions; {scale_msgs[0]}. Removing the scaler is not a fix."
                )
                if scale_msgs
                else "features are standardized",
            ),
            Check(
                "features_selected",
                "runtime",
                not width_msgs,
                (
                    f"Exercise {EXERCISE} should still train the LogisticRegression on the N_KEEP = {N_KEEP} "
                    f"selected features; {width_msgs[0]}. Removing the selection is not a fix."
                )
                if width_msgs
                else f"the model is trained on the {N_KEEP} selected features",
            ),
        ]


GRADER = SelectionAndScaling()
