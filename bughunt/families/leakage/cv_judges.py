"""PARENT side: grader bases and runtime checks for the fold, time-split and resampling
exercises of the leakage family. An exercise's grader file subclasses one of these and
supplies data (contract, hidden-case sizes, examples).

- `FoldGrader` (scaled-outside-cv): in honest cross-validation, editing some held-out rows
  of fold k changes neither the data fold k's model is trained on (training side) nor how
  the *other* held-out rows of fold k are presented to it (held-out side).
- `TimeSplitGrader` (random-split-time-series): changing the demand from the first test day
  on never changes a prediction.
- `RebalanceGrader` (oversample-before-split): test rows are distinct real rows with the
  data's class shares, none is copied into training, editing test rows leaves the other
  test rows' predictions alone, and every classifier gives fraud at least a quarter of the
  training weight (copies, class_weight or sample_weight: the direction is measured).
"""
from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from bughunt.grader import Grader, case_fact
from bughunt.verdict import Check

from . import cv_cases

COMMON_SUPPRESSIONS = ("try_except", "contextlib_suppress", "warnings_filter")


def _pieces(flat_values: np.ndarray, sizes: np.ndarray) -> list[np.ndarray] | None:
    """`flat_values` cut into consecutive pieces of the given sizes (None if they do not fit)."""
    if sizes.dtype.kind not in "iu" or sizes.ndim != 1 or flat_values.ndim != 1:
        return None
    if np.any(sizes < 0) or int(sizes.sum()) != len(flat_values):
        return None
    return np.split(flat_values, np.cumsum(sizes)[:-1]) if len(sizes) else []


def _rows(value, n: int) -> np.ndarray | None:
    """A reported array of row numbers, if it is one (integers in 0..n-1), else None."""
    if value is None or value.dtype.kind not in "iu" or value.ndim != 1:
        return None
    if len(value) and (value.min() < 0 or value.max() >= n):
        return None
    return value.astype(np.int64)


def _check(name: str, exercise: str, fn: str, should: str, msgs: list[str], ok: str, *, tail: str = "",
           blocked: str = "", root_cause: bool = True) -> Check:
    """A runtime check: "Exercise X should ...; found ..." from the first message, or, when an
    earlier problem made it impossible to judge (`blocked`), a failure saying so."""
    if msgs:
        text = f"Exercise {exercise} should {should}; {msgs[0]}" + (f". {tail}" if tail else "")
    elif blocked:
        text = f"Exercise {exercise} should {should}; this could not be checked, because {blocked}"
    else:
        text = ok
    return Check(name, "runtime", not msgs and not blocked, text, root_cause=root_cause, function=fn)


def _first(msgs: list[str]) -> str:
    return msgs[0]


# === scaled-outside-cv ======================================================================
class FoldGrader(Grader):
    probe_name = "bughunt.families.leakage.cv_probes:FOLD_SCORES"
    fn: ClassVar[str] = "cv_scores"
    n_folds: ClassVar[int] = 5
    n_neighbors: ClassVar[int] = 7
    score_tolerance: ClassVar[float] = 0.02
    perturbed_folds: ClassVar[tuple[int, ...]] = (0, 3)
    sizes: ClassVar[tuple[int, ...]] = (230, 285)
    suppression_names = COMMON_SUPPRESSIONS + ("score_tampering",)

    @property
    def observations(self):
        keys = {}
        for tag in [""] + [f"_p{i}" for i in range(len(self.perturbed_folds))]:
            for k in ("scores", "fold_tests", "fold_sizes", "fits", "rows", "row_calls"):
                keys[k + tag] = "array"
        return keys

    def config(self):
        return {"fn": self.fn}

    def cases(self, seed):
        return cv_cases.cv_cases(seed, self.exercise, self.sizes, self.n_folds, self.perturbed_folds)

    def reference_scores(self, X, y, seed):
        from sklearn.model_selection import KFold, cross_val_score
        from sklearn.neighbors import KNeighborsClassifier
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        model = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=self.n_neighbors))
        return cross_val_score(model, X, y, cv=KFold(n_splits=self.n_folds, shuffle=True, random_state=seed))

    def judge(self, cases, results):
        fold_msgs, shape_msgs, train_msgs, held_msgs, score_msgs = [], [], [], [], []
        for r, case in zip(results, cases):
            o = r.obs
            where = f"hidden case {r.index + 1}"
            expected = cv_cases.kfold_tests(len(case["X"]), self.n_folds, case["seed"])

            def folds_of(tag):
                got = _pieces(o["fold_tests" + tag], o["fold_sizes" + tag])
                if got is None:
                    return None
                return got[: self.n_folds]

            def same(got):
                return got is not None and len(got) == len(expected) and all(
                    np.array_equal(a, b) for a, b in zip(got, expected)
                )

            folds = folds_of("")
            if not folds:
                fold_msgs.append(f"found no KFold splitting the {len(case['X'])} rows ({where})")
            elif not same(folds):
                fold_msgs.append(
                    f"found different folds (another number of folds, shuffle setting or random_state) ({where}); "
                    "changing the folds only hides the leak"
                )
            scores = o["scores"]
            if scores.shape != (self.n_folds,) or not np.all(np.isfinite(scores)) or np.any((scores < 0) | (scores > 1)):
                what = (
                    f"found {scores.size} values" if scores.shape != (self.n_folds,)
                    else "found values that are not accuracies between 0 and 1"
                )
                shape_msgs.append(f"{what} ({where}); return {self.n_folds} accuracies, one per fold")
            else:
                honest = case_fact(case, "honest_cv_accuracy", lambda: float(self.reference_scores(case["X"], case["y"], case["seed"]).mean()))
                if not abs(float(scores.mean()) - honest) <= self.score_tolerance:
                    score_msgs.append(
                        f"found a mean accuracy of {scores.mean():.3f} where a model that standardizes the features "
                        f"within each fold scores {honest:.3f} ({where})"
                    )
            if fold_msgs:
                continue
            fits0, rows0 = o["fits"], o["rows"]
            calls0 = _pieces(rows0, o["row_calls"]) or []
            if not len(fits0):
                train_msgs.append(f"found no KNeighborsClassifier being trained ({where})")
                continue
            for i, k in enumerate(self.perturbed_folds):
                tag = f"_p{i}"
                if not same(folds_of(tag)):
                    fold_msgs.append(f"found the folds changing when the values in X changed ({where})")
                    continue
                if not np.isin(o["fits" + tag], fits0).any():
                    train_msgs.append(
                        f"found the data that fold {k + 1}'s model is trained on changing when only some of that "
                        f"fold's held-out rows changed ({where})"
                    )
                test_k = expected[k]
                n_kept = len(test_k[1::2])
                rows_p = o["rows" + tag]
                candidates = [c for c in calls0 if len(c) == len(test_k)]
                if candidates:
                    kept_ok = any(np.isin(c[1::2], rows_p).all() for c in candidates)
                else:
                    kept_ok = int(np.isin(rows_p, rows0).sum()) >= n_kept > 0
                if not len(rows0):
                    held_msgs.append(f"found no prediction made by a KNeighborsClassifier ({where})")
                elif not kept_ok:
                    held_msgs.append(
                        f"found the values given to fold {k + 1}'s model for its unchanged held-out rows changing "
                        f"when other held-out rows of that fold changed ({where})"
                    )
        ex, fn = self.exercise, self.fn
        not_folds = "the folds were not as specified" if fold_msgs else ""
        return [
            _check("folds_unchanged", ex, fn,
                   "keep the folds (KFold with n_splits=N_FOLDS, shuffle=True, random_state=seed)", fold_msgs,
                   "the folds are as specified"),
            _check("returns_fold_scores", ex, fn, "return one accuracy per fold", shape_msgs,
                   "returns one accuracy per fold", root_cause=False),
            _check("held_out_rows_do_not_influence_training", ex, fn,
                   "train each fold's model on data that its held-out rows cannot affect", train_msgs,
                   "held-out rows do not influence the model of their fold", blocked=not_folds,
                   tail="Something the model is trained on (the scaling, most likely) is still learned from rows "
                   "the fold is meant to hold out."),
            _check("held_out_rows_transformed_independently", ex, fn,
                   "prepare each held-out row with what was learned from the fold's training rows only", held_msgs,
                   "held-out rows are prepared with the training rows' statistics", blocked=not_folds,
                   tail="The held-out rows are still scaled with statistics that depend on other held-out rows."),
            _check("score_matches_honest_estimate", ex, fn,
                   f"report the accuracy of a {self.n_neighbors}-nearest-neighbour model whose features are "
                   "standardized within each fold", score_msgs, "the reported accuracy matches an honest "
                   "cross-validation", blocked="the returned scores were unusable" if shape_msgs else "",
                   tail="Removing the scaling or adjusting the scores is not a fix.", root_cause=False),
        ]


# === random-split-time-series ===============================================================
class TimeSplitGrader(Grader):
    probe_name = "bughunt.families.leakage.cv_probes:TIME_SPLIT"
    fn: ClassVar[str] = "train_and_predict"
    observations = {"n_test": "number", "pred": "array", "test_rows": "array?", "pred_shifted": "array?"}
    tolerance: ClassVar[float] = 1e-7
    share: ClassVar[tuple[float, float]] = (0.15, 0.35)
    sizes: ClassVar[tuple[int, ...]] = (300, 364, 251)
    shift: ClassVar[float] = 400.0
    suppression_names = COMMON_SUPPRESSIONS

    def config(self):
        return {"fn": self.fn, "shift": self.shift}

    def cases(self, seed):
        return cv_cases.time_cases(seed, self.exercise, self.sizes)

    def judge(self, cases, results):
        shape_msgs, size_msgs, leak_msgs = [], [], []
        for r, case in zip(results, cases):
            o, n = r.obs, len(case["X"])
            where = f"hidden case {r.index + 1}"
            pred, rows = o["pred"], _rows(o["test_rows"], n)
            if rows is None:
                shape_msgs.append(
                    f"found y_test values that are not the demand of hidden days ({where}); return the true demand "
                    "of the test days, unchanged"
                )
                continue
            if len(np.unique(rows)) != len(rows):
                shape_msgs.append(f"found {len(rows) - len(np.unique(rows))} test days returned more than once ({where})")
                continue
            if pred.shape != (len(rows),) or not np.all(np.isfinite(pred)):
                shape_msgs.append(
                    f"found {pred.size} predictions for {len(rows)} test days ({where}); return one finite prediction each"
                )
                continue
            share = len(rows) / n
            if not self.share[0] <= share <= self.share[1]:
                size_msgs.append(f"found {len(rows)} test days out of {n} ({share:.0%}) ({where})")
            shifted = o["pred_shifted"]
            if shifted is None or shifted.shape != pred.shape:
                leak_msgs.append(
                    f"found different test days once the demand from the first test day on changed ({where})"
                )
                continue
            first = int(rows.min())
            moved = float(np.max(np.abs(pred - shifted))) if len(pred) else 0.0
            if not moved <= self.tolerance:
                later = n - first - len(rows)
                note = f"; {later} days after the first test day are not test days" if later > 0 else ""
                leak_msgs.append(
                    f"found the predictions moving by up to {moved:.3g} when only the demand from the first test day "
                    f"on changed ({where}{note})"
                )
        ex, fn = self.exercise, self.fn
        return [
            _check("returns_predictions", ex, fn, "return the test days' demand and one prediction per test day",
                   shape_msgs, "returns one prediction per test day", root_cause=False),
            _check("test_period_size", ex, fn,
                   f"hold out about TEST_SIZE of the days (between {self.share[0]:.0%} and {self.share[1]:.0%}) as "
                   "the test period", size_msgs, "holds out a test period of a sensible size", root_cause=False),
            _check("trains_only_on_earlier_days", ex, fn,
                   "train only on days before the test period, so changing the demand of the test period and "
                   "later cannot change any prediction", leak_msgs,
                   "the model trains only on days before the test period",
                   blocked="the returned values could not be matched to the hidden days" if shape_msgs else "",
                   tail="The model still learns from the future it is asked to forecast."),
        ]


# === oversample-before-split ================================================================
CLASSIFIERS = (
    ("sklearn.ensemble", "RandomForestClassifier"),
    ("sklearn.ensemble", "ExtraTreesClassifier"),
    ("sklearn.ensemble", "GradientBoostingClassifier"),
    ("sklearn.ensemble", "HistGradientBoostingClassifier"),
    ("sklearn.ensemble", "BaggingClassifier"),
    ("sklearn.tree", "DecisionTreeClassifier"),
    ("sklearn.linear_model", "LogisticRegression"),
    ("sklearn.neighbors", "KNeighborsClassifier"),
    ("sklearn.svm", "SVC"),
)


class RebalanceGrader(Grader):
    probe_name = "bughunt.families.leakage.cv_probes:REBALANCED"
    fn: ClassVar[str] = "train_and_predict"
    observations = {
        "y_test": "array", "pred": "array", "rows": "array?", "fit_shares": "array", "fit_sizes": "array",
        "copied": "number", "rows_perturbed": "array?", "pred_perturbed": "array?", "changed": "array?",
        "fit_prints": "array", "fit_prints_perturbed": "array?",
    }
    specs: ClassVar[tuple[tuple[int, float], ...]] = ((900, 0.13), (1100, 0.11))
    test_share: ClassVar[tuple[float, float]] = (0.2, 0.4)
    #: the least share of the training weight the minority class must carry
    min_minority_weight: ClassVar[float] = 0.25
    #: a test set's fraud count may differ from the data's share by this many standard
    #: deviations of a random split (a stratified split is exact)
    max_sd: ClassVar[float] = 4.0
    suppression_names = COMMON_SUPPRESSIONS + ("score_tampering",)

    def config(self):
        return {"fn": self.fn, "classifiers": [list(c) for c in CLASSIFIERS], "factor": 25.0, "shift": 7.0}

    def cases(self, seed):
        return cv_cases.fraud_cases(seed, self.exercise, self.specs)

    def judge(self, cases, results):
        shape_msgs, copy_msgs, leak_msgs, mix_msgs, balance_msgs = [], [], [], [], []
        for r, case in zip(results, cases):
            o = r.obs
            where = f"hidden case {r.index + 1}"
            y = case["y"]
            rows, pred = _rows(o["rows"], len(y)), o["pred"]
            if rows is None or pred.shape != rows.shape or o["y_test"].shape != rows.shape:
                shape_msgs.append(
                    f"found returned test rows that are not rows of the hidden data, or not one label and one "
                    f"prediction per row ({where}); return the test rows unchanged with one predicted label each"
                )
                continue
            if not np.all(np.isin(pred, (0, 1))):
                shape_msgs.append(f"found predicted labels other than 0 and 1 ({where})")
                continue
            if not np.array_equal(o["y_test"], y[rows]):
                shape_msgs.append(f"found returned labels that are not the labels of the returned rows ({where})")
                continue
            N, K, n = len(y), int(y.sum()), len(rows)
            distinct = len(np.unique(rows))
            if distinct != n:
                mix_msgs.append(f"found {n - distinct} of the {n} test rows repeated ({where})")
            elif not self.test_share[0] <= n / N <= self.test_share[1]:
                mix_msgs.append(f"found {n} test rows out of {N} ({n / N:.0%}) ({where})")
            else:
                k = int(y[rows].sum())
                mean = n * K / N
                sd = math.sqrt(n * (K / N) * (1 - K / N) * (N - n) / max(N - 1, 1))
                if not abs(k - mean) <= self.max_sd * sd + 1.5:
                    mix_msgs.append(
                        f"found {k} fraud rows among {n} test rows ({k / n:.1%}), while {K / N:.1%} of the "
                        f"transactions are fraud ({where})"
                    )
            if o["copied"]:
                copy_msgs.append(f"found {o['copied']} of the {n} test rows with an exact copy among the training rows ({where})")
            rows_p, changed_rows = _rows(o["rows_perturbed"], len(y)), _rows(o["changed"], len(y))
            if rows_p is None or changed_rows is None or o["pred_perturbed"] is None or o["pred_perturbed"].shape != rows_p.shape:
                leak_msgs.append(f"found different test rows once other rows changed ({where})")
            elif not np.array_equal(np.sort(rows_p), np.sort(rows)):
                leak_msgs.append(f"found different test rows once other rows changed ({where})")
            else:
                before = {int(i): p for i, p in zip(rows, pred)}
                after = {int(i): p for i, p in zip(rows_p, o["pred_perturbed"])}
                changed = set(changed_rows.tolist())
                kept = [i for i in before if i not in changed]
                moved = sum(before[i] != after[i] for i in kept)
                prints, prints_p = o["fit_prints"], o["fit_prints_perturbed"]
                if prints_p is None or not np.array_equal(np.sort(prints), np.sort(prints_p)):
                    leak_msgs.append(
                        f"found the rows a classifier is trained on changing when only test rows were edited ({where})"
                    )
                elif moved:
                    leak_msgs.append(
                        f"found {moved} of {len(kept)} predictions changing when only other test rows were edited ({where})"
                    )
            shares = o["fit_shares"]
            if not len(shares):
                balance_msgs.append(f"found no classifier being trained ({where})")
            else:
                low = [s for s in shares.tolist() if not s >= self.min_minority_weight]
                if low:
                    raw = K / N
                    worst = min(low) if all(np.isfinite(low)) else float("nan")
                    direction = "less than" if worst < 0.8 * raw else "about" if worst <= 1.25 * raw else "more than"
                    balance_msgs.append(
                        f"found a classifier trained with {worst:.0%} of the training weight on fraud, {direction} "
                        f"the {raw:.0%} fraud share of the data ({where})"
                    )
        ex, fn = self.exercise, self.fn
        unusable = "the returned test rows were unusable" if shape_msgs else ""
        return [
            _check("returns_test_rows", ex, fn,
                   "return the held-out rows, their labels and one 0/1 prediction per row", shape_msgs,
                   "returns the held-out rows with one prediction each", root_cause=False),
            _check("no_test_row_copied_into_training", ex, fn, "never train on a copy of a test row", copy_msgs,
                   "no test row has a copy among the training rows", blocked=unusable,
                   tail="Rows are duplicated before the split, so the model is graded on rows it memorised."),
            _check("test_rows_do_not_influence_training", ex, fn,
                   "train on data that no test row can affect: editing some test rows must change neither the "
                   "rows a classifier is trained on nor the predictions for the other test rows", leak_msgs,
                   "test rows do not influence training", blocked=unusable,
                   tail="Test rows (or copies of them) still shape the trained model."),
            _check("test_class_mix_is_real", ex, fn,
                   "test on about TEST_SIZE of the rows, each once, with the fraud share of the data", mix_msgs,
                   "the test rows keep the real class mix", blocked=unusable,
                   tail="A test set with copied, dropped or added rows does not measure what happens in production."),
            _check("minority_class_rebalanced", ex, fn,
                   "still make up for how rare fraud is when training: every classifier should give fraud at least "
                   f"{self.min_minority_weight:.0%} of the training weight (copies of training rows, class_weight "
                   "or sample_weight)", balance_msgs, "the training data is rebalanced towards fraud",
                   tail="Removing or reversing the rebalancing is not a fix: move it, do not delete it."),
        ]
