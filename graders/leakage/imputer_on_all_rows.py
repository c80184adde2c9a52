"""Grader for leakage/imputer-on-all-rows.

Runtime: on hidden data with missing cells, turn half of the student's own test rows into
outliers; an honest pipeline gives bit-for-bit the same predictions for the other test rows.
Rescaling and shifting every column must not change predictions either: missing cells are
still filled from the data (a statistic moves with the column, a hard-coded 0 does not).
Static: the imputer (or any statistic) learns from training-derived rows only.
"""
import numpy as np

from bughunt.grader import FAIL, PASS, Grader
from bughunt.leakage_probe import RECORDER, column_affine, scale_rows
from bughunt.probe import ContractError, array, function
from bughunt.static.dataflow import ALL, TARGET
from bughunt.static.leakage import FitOnTrainingRows
from bughunt.verdict import Check

EXERCISE = "leakage/imputer-on-all-rows"
ENTRY = {"train_and_predict": {0: {ALL}, 1: {ALL, TARGET}}}
TOLERANCE = 1e-7

_SHIPPED_BLOCK = """    imputer = SimpleImputer(strategy="median")
    X_filled = imputer.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X_filled, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
"""
_SPLIT_RAW = """    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
"""


def hidden_data(n_rows, seed, weights, missing_rates):
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [
            rng.normal(58, 16, n_rows),
            rng.gamma(2.5, 2.0, n_rows),
            rng.lognormal(0.2, 0.5, n_rows),
            rng.normal(13, 2.2, n_rows),
            rng.poisson(2.2, n_rows).astype(float),
            rng.normal(27, 6, n_rows),
        ]
    )
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-(Z @ weights)))).astype(int)
    X[rng.random(X.shape) < np.array(missing_rates)] = np.nan
    return X, y


class ImputerOnAllRows(Grader):
    exercise = EXERCISE
    functions = {"train_and_predict": "train_and_predict(X, y, seed) -> (y_test, test_probabilities)"}
    suppression_names = ("try_except", "contextlib_suppress", "score_tampering", "warnings_filter")

    REFERENCE = (
        (
            _SHIPPED_BLOCK,
            _SPLIT_RAW
            + """    imputer = SimpleImputer(strategy="median")
    X_train = imputer.fit_transform(X_train)
    X_test = imputer.transform(X_test)
""",
        ),
    )
    PASS = [
        PASS(
            "imputer inside the pipeline fitted on the training split",
            (
                _SHIPPED_BLOCK + "    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=1000))",
                """    tr_X, te_X, tr_y, te_y = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    X_train, X_test, y_train, y_test = tr_X, te_X, tr_y, te_y
    model = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(C=0.5, max_iter=1000))""",
            ),
        ),
        PASS(
            "numpy medians of the training rows",
            (
                _SHIPPED_BLOCK,
                """    a, b, c, d = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    fill = np.nanmedian(a, axis=0)
    X_train = np.where(np.isnan(a), fill, a)
    X_test = np.where(np.isnan(b), fill, b)
    y_train, y_test = c, d
""",
            ),
        ),
        PASS(
            "mean imputation fitted on the training split, lines reordered",
            (
                _SHIPPED_BLOCK + "    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=1000))\n",
                "    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=1000))\n"
                + _SPLIT_RAW
                + """    filler = SimpleImputer().fit(X_train)
    X_test = filler.transform(X_test)
    X_train = filler.transform(X_train)
""",
            ),
        ),
    ]
    FAIL = [
        FAIL(
            "imputer deleted",
            ('    imputer = SimpleImputer(strategy="median")\n    X_filled = imputer.fit_transform(X)\n', "    X_filled = X\n"),
            fails="runs_on_hidden_data",
        ),
        FAIL(
            "missing cells replaced by zeros",
            ('    imputer = SimpleImputer(strategy="median")\n    X_filled = imputer.fit_transform(X)\n', "    X_filled = np.nan_to_num(X)\n"),
            fails="missing_values_filled_from_data",
        ),
        FAIL(
            "second imputer fitted on the test split",
            (
                _SHIPPED_BLOCK,
                _SPLIT_RAW
                + """    X_train = SimpleImputer(strategy="median").fit_transform(X_train)
    X_test = SimpleImputer(strategy="median").fit_transform(X_test)
""",
            ),
            fails=("fit_on_training_rows", "test_rows_do_not_influence_training"),
        ),
        FAIL(
            "imputer fitted on train and test stacked together",
            (
                _SHIPPED_BLOCK,
                _SPLIT_RAW
                + """    imputer = SimpleImputer(strategy="median").fit(np.vstack([X_train, X_test]))
    X_train, X_test = imputer.transform(X_train), imputer.transform(X_test)
""",
            ),
            fails=("fit_on_training_rows", "test_rows_do_not_influence_training"),
        ),
        FAIL(
            "split seed and size changed",
            ("test_size=TEST_SIZE, random_state=seed, stratify=y\n    )\n    model", "test_size=0.4, random_state=3, stratify=y\n    )\n    model"),
            fails=("fit_on_training_rows", "split_unchanged"),
        ),
        FAIL(
            "correct fix, but the fit wrapped in try/except",
            (
                _SHIPPED_BLOCK,
                _SPLIT_RAW
                + """    imputer = SimpleImputer(strategy="median")
    X_train = imputer.fit_transform(X_train)
    X_test = imputer.transform(X_test)
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
            (280, 3303, (0.7, 0.9, 1.1, -0.8, 0.5, 0.1), (0.05, 0.1, 0.3, 0.25, 0.1, 0.2), 17),
            (347, 4404, (-0.5, 0.6, 0.9, -1.0, 0.8, -0.3), (0.1, 0.02, 0.2, 0.3, 0.15, 0.1), 29),
        ]
        out = []
        for n, seed, w, rates, split_seed in specs:
            X, y = hidden_data(n, seed, np.array(w), rates)
            out.append({"X": X, "y": y, "seed": split_seed, "affine_seed": seed + 1})
        return out

    # --- child side ---------------------------------------------------------------
    def instrument(self):
        RECORDER.install()

    def probe(self, student, case):
        fn = function(student, "train_and_predict", 3)
        X, y, seed = case["X"], case["y"], case["seed"]

        def run(data):
            RECORDER.reset()
            out = fn(data.copy(), y.copy(), seed)
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise ContractError("`train_and_predict` should return a pair (y_test, test_probabilities)")
            array(out[0], "the returned y_test", ndim=1)
            proba = array(out[1], "the returned test probabilities", ndim=1)
            return proba, RECORDER.first_split(len(X))

        proba, split = run(X)
        obs = {"proba": proba, "split": None}
        if split is None:
            return obs
        train_idx, test_idx = split
        obs["split"] = {"train": train_idx, "test": test_idx}
        proba_perturbed, split_b = run(scale_rows(X, test_idx[::2]))
        obs["proba_perturbed"] = proba_perturbed
        obs["same_split"] = split_b is not None and np.array_equal(split_b[1], test_idx)
        obs["proba_affine"], _ = run(column_affine(X, case["affine_seed"]))
        return obs

    # --- parent side --------------------------------------------------------------
    def static_checks(self):
        return [
            FitOnTrainingRows(
                ENTRY,
                step="the imputer or a statistic",
                advice="learn the fill values from the training rows only, then use the same values for the test rows",
            )
        ]

    def judge(self, results):
        from sklearn.model_selection import train_test_split

        split_msgs, leak_msgs, fill_msgs, shape_msgs = [], [], [], []
        for r, case in zip(results, self.cases()):
            o = r.obs
            _, expected_test = train_test_split(
                np.arange(len(case["X"])), test_size=0.25, random_state=case["seed"], stratify=case["y"]
            )
            if o["split"] is None:
                split_msgs.append("found no call to train_test_split on the full data")
                continue
            test_idx = o["split"]["test"]
            if not np.array_equal(np.sort(test_idx), np.sort(expected_test)):
                split_msgs.append(
                    f"found a different split ({len(test_idx)} test rows instead of {len(expected_test)}, "
                    "or a different random_state): changing the split only hides the leak"
                )
            proba = o["proba"]
            if proba.shape != (len(test_idx),) or not np.all(np.isfinite(proba)) or np.any((proba < 0) | (proba > 1)):
                shape_msgs.append(f"found {proba.shape[0]} values (need {len(test_idx)} probabilities in [0, 1], no NaN)")
                continue
            untouched = np.arange(len(test_idx))[1::2]
            moved = float(np.max(np.abs(proba[untouched] - o["proba_perturbed"][untouched])))
            if not o["same_split"] or moved > TOLERANCE:
                leak_msgs.append(f"found them moving by up to {moved:.3g} on hidden case {r.index + 1}")
            shift = float(np.max(np.abs(proba - o["proba_affine"])))
            if shift > 1e-5:
                fill_msgs.append(f"found predictions changing by up to {shift:.3g} on hidden case {r.index + 1}")

        unusable = bool(split_msgs or shape_msgs)
        return [
            Check(
                "split_unchanged",
                "runtime",
                not split_msgs,
                f"Exercise {EXERCISE} should keep the split (train_test_split with test_size=TEST_SIZE, "
                f"random_state=seed, stratify=y); {split_msgs[0]}" if split_msgs else "the split is as specified",
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
                "test_rows_do_not_influence_training",
                "runtime",
                not leak_msgs and not unusable,
                (
                    f"Exercise {EXERCISE} should give the same predictions for test rows when only other "
                    f"test rows change; {leak_msgs[0]}. The values used to fill missing cells are still "
                    "learned from test rows."
                )
                if leak_msgs
                else (
                    f"Exercise {EXERCISE} could not check whether test rows influence training, because the split "
                    "was not as specified or the predictions were unusable"
                    if unusable
                    else "test rows do not influence training"
                ),
            ),
            Check(
                "missing_values_filled_from_data",
                "runtime",
                not fill_msgs,
                (
                    f"Exercise {EXERCISE} should fill missing cells with a value learned from the training data, "
                    f"so rescaling or shifting a column does not change predictions; {fill_msgs[0]}. A fixed "
                    "fill value (or dropping the imputer) is not a fix."
                )
                if fill_msgs
                else "missing cells are filled from the training data",
            ),
        ]


GRADER = ImputerOnAllRows()
