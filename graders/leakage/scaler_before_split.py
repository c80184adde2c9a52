"""Grader for leakage/scaler-before-split.

Runtime: on hidden data, turn half of the student's own test rows into outliers; an honest
pipeline gives bit-for-bit the same predictions for the other test rows. Rescaling every
column must not change predictions either (the scaling step is still there).
Static: the scaler (or any statistic) learns from training-derived rows only.
"""
import numpy as np

from bughunt.grader import FAIL, PASS, Grader
from bughunt.leakage_probe import RECORDER, column_affine, scale_rows
from bughunt.probe import array, function
from bughunt.static.leakage import FitOnTrainingRows
from bughunt.verdict import Check
from bughunt.static.dataflow import ALL, TARGET

EXERCISE = "leakage/scaler-before-split"
ENTRY = {"train_and_predict": {0: {ALL}, 1: {ALL, TARGET}}}
TOLERANCE = 1e-7


def hidden_data(n_rows, seed, weights):
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [
            rng.uniform(0, 60, n_rows),
            rng.normal(90, 30, n_rows),
            rng.poisson(3, n_rows).astype(float),
            rng.gamma(3.0, 5.0, n_rows),
            rng.uniform(0, 0.4, n_rows),
            rng.normal(38, 9, n_rows),
        ]
    )
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-(Z @ weights)))).astype(int)
    return X, y


def _honest_accuracy(case, test_idx):
    """Accuracy of the leak-free reference pipeline, computed in the parent."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = case["X"], case["y"]
    train = np.setdiff1d(np.arange(len(X)), test_idx)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=1000)).fit(X[train], y[train])
    return float(model.score(X[test_idx], y[test_idx]))


class ScalerBeforeSplit(Grader):
    exercise = EXERCISE
    functions = {"train_and_predict": "train_and_predict(X, y, seed) -> (y_test, test_probabilities)"}
    suppression_names = ("try_except", "contextlib_suppress", "score_tampering", "warnings_filter")

    REFERENCE = (
        (
            """    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X_scaled, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
""",
            """    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    scaler = StandardScaler()
    X_train = scaler.fit_transform(X_train)
    X_test = scaler.transform(X_test)
""",
        ),
    )
    PASS = [
        PASS(
            "pipeline fitted on the training split",
            (
                """    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X_scaled, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    model = LogisticRegression(C=0.5, max_iter=1000)
    model.fit(X_train, y_train)
    return y_test, model.predict_proba(X_test)[:, 1]""",
                """    from sklearn.pipeline import make_pipeline
    tr_X, te_X, tr_y, te_y = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=1000)).fit(tr_X, tr_y)
    return te_y, clf.predict_proba(te_X)[:, 1]""",
            ),
        ),
        PASS(
            "numpy statistics from the training rows, renamed variables",
            (
                """    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X_scaled, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )""",
                """    a, b, c, d = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    centre = np.mean(a, axis=0)
    spread = a.std(axis=0)
    X_train, X_test, y_train, y_test = (a - centre) / spread, (b - centre) / spread, c, d""",
            ),
        ),
        PASS(
            "scaler fitted then applied, independent lines reordered",
            (
                """    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X_scaled, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    model = LogisticRegression(C=0.5, max_iter=1000)""",
                """    model = LogisticRegression(C=0.5, max_iter=1000)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    X_test = scaler.transform(X_test)
    X_train = scaler.transform(X_train)""",
            ),
        ),
    ]
    FAIL = [
        FAIL(
            "scaler deleted",
            ("    scaler = StandardScaler()\n    X_scaled = scaler.fit_transform(X)\n", "    X_scaled = X\n"),
            fails="features_scaled",
        ),
        FAIL(
            "second scaler fitted on the test split",
            (
                """    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X_scaled, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )""",
                """    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    X_train = StandardScaler().fit_transform(X_train)
    X_test = StandardScaler().fit_transform(X_test)""",
            ),
            fails=("fit_on_training_rows", "test_rows_do_not_influence_training"),
        ),
        FAIL(
            "scaler fitted on train and test stacked together",
            (
                """    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(
        X_scaled, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )""",
                """    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    scaler = StandardScaler().fit(np.vstack([X_train, X_test]))
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)""",
            ),
            fails=("fit_on_training_rows", "test_rows_do_not_influence_training"),
        ),
        FAIL(
            "split seed and size changed",
            ("test_size=TEST_SIZE, random_state=seed, stratify=y\n    )\n    model", "test_size=0.4, random_state=7, stratify=y\n    )\n    model"),
            fails=("fit_on_training_rows", "split_unchanged"),
        ),
        FAIL(
            "predictions wrapped in try/except",
            (
                "    model.fit(X_train, y_train)\n    return y_test, model.predict_proba(X_test)[:, 1]",
                "    try:\n        model.fit(X_train, y_train)\n    except ValueError:\n        pass\n    return y_test, model.predict_proba(X_test)[:, 1]",
            ),
            fails=("try_except", "fit_on_training_rows"),
        ),
        FAIL(
            "probabilities shrunk toward one half",
            ("return y_test, model.predict_proba(X_test)[:, 1]", "return y_test, 0.5 + 0.5 * (model.predict_proba(X_test)[:, 1] - 0.5)"),
            fails=("fit_on_training_rows", "test_rows_do_not_influence_training"),
        ),
    ]

    # --- both sides ---------------------------------------------------------------
    def cases(self):
        specs = [(260, 1101, (-1.2, 0.9, 0.7, -0.6, -0.4, 0.1), 11), (333, 2202, (0.8, -1.1, 0.3, 0.9, -0.7, 0.0), 23)]
        out = []
        for n, seed, w, split_seed in specs:
            X, y = hidden_data(n, seed, np.array(w))
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
                from bughunt.probe import ContractError

                raise ContractError("`train_and_predict` should return a pair (y_test, test_probabilities)")
            y_test = array(out[0], "the returned y_test", ndim=1)
            proba = array(out[1], "the returned test probabilities", ndim=1)
            return y_test, proba, RECORDER.first_split(len(X))

        y_test, proba, split = run(X)
        obs = {"y_test": y_test, "proba": proba, "split": None}
        if split is None:
            return obs
        train_idx, test_idx = split
        obs["split"] = {"train": train_idx, "test": test_idx}
        changed = test_idx[::2]
        _, proba_perturbed, split_b = run(scale_rows(X, changed))
        obs["proba_perturbed"] = proba_perturbed
        obs["same_split"] = split_b is not None and np.array_equal(split_b[1], test_idx)
        _, obs["proba_affine"], _ = run(column_affine(X, case["affine_seed"]))
        return obs

    # --- parent side --------------------------------------------------------------
    def static_checks(self):
        return [FitOnTrainingRows(ENTRY, step="the scaler or a statistic")]

    def judge(self, results):
        from sklearn.model_selection import train_test_split

        checks = []
        cases = self.cases()
        split_msgs, leak_msgs, scale_msgs, shape_msgs, skill_msgs = [], [], [], [], []
        for r, case in zip(results, cases):
            o = r.obs
            n = len(case["X"])
            _, expected_test = train_test_split(
                np.arange(n), test_size=0.25, random_state=case["seed"], stratify=case["y"]
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
                shape_msgs.append(
                    f"found {proba.shape[0]} values (need {len(test_idx)} probabilities in [0, 1], no NaN)"
                )
                continue
            accuracy = float(np.mean((proba > 0.5) == o["y_test"]))
            honest = _honest_accuracy(case, expected_test)
            if accuracy < honest - 0.08:
                skill_msgs.append(f"found accuracy {accuracy:.2f} where an honest pipeline reaches {honest:.2f}")
            untouched = np.arange(len(test_idx))[1::2]
            moved = float(np.max(np.abs(proba[untouched] - o["proba_perturbed"][untouched])))
            if not o["same_split"] or moved > TOLERANCE:
                leak_msgs.append(f"found them moving by up to {moved:.3g} on hidden case {r.index + 1}")
            shift = float(np.max(np.abs(proba - o["proba_affine"])))
            if shift > 1e-5:
                scale_msgs.append(f"found predictions changing by up to {shift:.3g} on hidden case {r.index + 1}")

        checks.append(
            Check(
                "split_unchanged",
                "runtime",
                not split_msgs,
                "Exercise leakage/scaler-before-split should keep the split (train_test_split with "
                f"test_size=TEST_SIZE and random_state=seed); {split_msgs[0]}" if split_msgs else "the split is as specified",
            )
        )
        checks.append(
            Check(
                "returns_probabilities",
                "runtime",
                not shape_msgs,
                f"Exercise {EXERCISE} should return one probability per test row; {shape_msgs[0]}" if shape_msgs else "returns one probability per test row",
                root_cause=False,
            )
        )
        checks.append(
            Check(
                "predictions_useful",
                "runtime",
                not skill_msgs,
                f"Exercise {EXERCISE} should still predict churn on hidden data; {skill_msgs[0]}" if skill_msgs else "predicts as well as an honest pipeline",
                root_cause=False,
            )
        )
        checks.append(
            Check(
                "test_rows_do_not_influence_training",
                "runtime",
                not leak_msgs and not split_msgs and not shape_msgs,
                (
                    f"Exercise {EXERCISE} should give the same predictions for test rows when only other "
                    f"test rows change; {leak_msgs[0]}. Test rows are still shaping what the pipeline learns."
                )
                if leak_msgs
                else (
                    f"Exercise {EXERCISE} could not check whether test rows influence training, because the split "
                    "was not as specified or the predictions were unusable"
                    if split_msgs or shape_msgs
                    else "test rows do not influence training"
                ),
            )
        )
        checks.append(
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
            )
        )
        return checks


GRADER = ScalerBeforeSplit()
