"""Grader for leakage/oversample-before-split.

Runtime (hidden imbalanced data; test rows recognised by matching the returned X_test to
hidden rows):
- no returned test row has an exact copy among the rows a classifier was fitted on
  (classifier `fit` methods are wrapped in `instrument`);
- turning half of the test rows into outliers leaves the predictions for the other test rows
  bit-for-bit unchanged (style-independent: works whatever model or pipeline is used);
- the test rows keep the class mix of real data (oversampled test sets are not real data);
- the model still compensates for the imbalance (balanced training labels, class weights or
  sample weights), so deleting the rebalancing is not a fix.
Static: every duplication of rows (sklearn.utils.resample, np.repeat, np.tile, choice with
replacement) sees only training rows.
"""
import functools

import libcst as cst
import numpy as np

from bughunt.grader import FAIL, PASS, Grader
from bughunt.leakage_probe import scale_rows
from bughunt.probe import ContractError, array, function
from bughunt.static.base import Finding, Source, StaticCheck
from bughunt.static.dataflow import ALL, TARGET, TEST, TRAIN, FlowAnalyzer, Sink, _flat, _leaks
from bughunt.verdict import Check

EXERCISE = "leakage/oversample-before-split"
ENTRY = {"train_and_predict": {0: {ALL}, 1: {ALL, TARGET}}}
TOLERANCE = 1e-9
DUPLICATING_FUNCS = {"numpy.repeat", "numpy.tile", "numpy.random.choice"}
CLASSIFIERS = (
    ("sklearn.ensemble", "RandomForestClassifier"),
    ("sklearn.ensemble", "ExtraTreesClassifier"),
    ("sklearn.ensemble", "GradientBoostingClassifier"),
    ("sklearn.ensemble", "HistGradientBoostingClassifier"),
    ("sklearn.tree", "DecisionTreeClassifier"),
    ("sklearn.linear_model", "LogisticRegression"),
    ("sklearn.neighbors", "KNeighborsClassifier"),
    ("sklearn.svm", "SVC"),
)


# --- static ------------------------------------------------------------------------------
class _DuplicationFlow(FlowAnalyzer):
    """The row-provenance analysis, with numpy-style duplication (np.repeat, np.tile, drawing
    row indices with `choice`) counted as resampling, like sklearn.utils.resample."""

    def _call(self, e: cst.Call, env):
        names = self.src.names(e.func)
        is_choice = isinstance(e.func, cst.Attribute) and e.func.attr.value == "choice"
        if names & DUPLICATING_FUNCS or is_choice:
            labels = frozenset()
            for a in e.args:
                labels |= _flat(self._expr(a.value, env))
            if is_choice and not names & DUPLICATING_FUNCS:
                self._expr(e.func.value, env)
            self._sink(self.src.line(e), self._describe(e), "resample", labels)
            return labels
        return super()._call(e, env)


def _duplication_sinks(src: Source) -> list[Sink]:
    analyzer = _DuplicationFlow(src)
    for name, params in ENTRY.items():
        fn = src.functions.get(name)
        if fn is not None:
            analyzer._seen_calls.clear()
            analyzer.run_function(fn, {k: frozenset(v) for k, v in params.items()})
    merged: dict = {}
    for s in analyzer.flow.sinks:
        if s.kind != "resample":
            continue
        key = (s.line, s.col, s.what)
        if key in merged:
            merged[key].x |= s.x
        else:
            merged[key] = Sink(s.line, s.what, s.kind, s.x, s.y, s.obj, s.col)
    return sorted(merged.values(), key=lambda s: s.line)


class OversampleTrainingRowsOnly(StaticCheck):
    name = "oversample_training_rows_only"
    summary = "oversampling copies training rows only"
    VALID = [
        """
from sklearn.model_selection import train_test_split
from sklearn.utils import resample
import numpy as np
def train_and_predict(X, y, seed):
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=seed, stratify=y)
    extra = resample(X_tr[y_tr == 1], n_samples=50, random_state=seed)
    return np.vstack([X_tr, extra]), X_te
""",
        """
import numpy as np
def train_and_predict(X, y, seed):
    cut = int(0.7 * len(X))
    X_tr, y_tr = X[:cut], y[:cut]
    rng = np.random.default_rng(seed)
    picks = rng.choice(np.flatnonzero(y_tr == 1), size=40, replace=True)
    return np.concatenate([X_tr, X_tr[picks]]), X[cut:]
""",
    ]
    INVALID = [
        """
from sklearn.model_selection import train_test_split
from sklearn.utils import resample
import numpy as np
def train_and_predict(X, y, seed):
    extra = resample(X[y == 1], n_samples=50, random_state=seed)
    X = np.vstack([X, extra])
    return train_test_split(X, random_state=seed)
""",
        """
from sklearn.model_selection import train_test_split
import numpy as np
def train_and_predict(X, y, seed):
    X2 = np.vstack([X, np.repeat(X[y == 1], 5, axis=0)])
    return train_test_split(X2, random_state=seed)
""",
        """
from sklearn.model_selection import train_test_split
from sklearn.utils import resample
def train_and_predict(X, y, seed):
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=seed)
    X_te = resample(X_te, n_samples=200, random_state=seed)
    return X_tr, X_te
""",
    ]

    def findings(self, src: Source) -> list[Finding]:
        out = []
        for sink in _duplication_sinks(src):
            if not _leaks(sink):
                continue
            what = sink.what
            if ALL in sink.x or (TRAIN in sink.x and TEST in sink.x):
                msg = (
                    f"Exercise {EXERCISE} should copy only training rows when rebalancing; found `{what}` "
                    "duplicating rows before the data is split, so copies of the same row land on both sides "
                    "and the model is tested on rows it has memorised. Split first, then rebalance the "
                    "training rows alone"
                )
            else:
                msg = (
                    f"Exercise {EXERCISE} should leave the test rows as real data; found `{what}` duplicating "
                    "test rows, so the test score no longer describes the real class mix. Only the "
                    "training rows may be rebalanced"
                )
            out.append(Finding(sink.line, msg))
        return out


# --- hidden data --------------------------------------------------------------------------
def hidden_data(n_rows, seed, w, bias):
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [
            rng.lognormal(3.2, 0.9, n_rows),
            rng.integers(0, 24, n_rows).astype(float),
            rng.exponential(20, n_rows),
            rng.beta(2, 6, n_rows),
            rng.uniform(0, 12, n_rows),
            (rng.random(n_rows) < 0.15).astype(float),
        ]
    )
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-(Z @ np.asarray(w) + bias)))).astype(int)
    return X, y


SPLIT_BLOCK = """    X_bal, y_bal = oversample(X, y, seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X_bal, y_bal, test_size=TEST_SIZE, random_state=seed, stratify=y_bal
    )
"""
FIXED_BLOCK = """    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    X_train, y_train = oversample(X_train, y_train, seed)
"""


class OversampleBeforeSplit(Grader):
    exercise = EXERCISE
    functions = {"train_and_predict": "train_and_predict(X, y, seed) -> (X_test, y_test, predicted_labels)"}
    suppression_names = ("try_except", "contextlib_suppress", "warnings_filter", "score_tampering")

    REFERENCE = ((SPLIT_BLOCK, FIXED_BLOCK),)
    PASS = [
        PASS(
            "numpy duplication of training fraud rows, renamed variables",
            (
                SPLIT_BLOCK,
                """    tr_X, X_test, tr_y, y_test = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    rng = np.random.default_rng(seed)
    fraud_rows = np.flatnonzero(tr_y == 1)
    picks = rng.choice(fraud_rows, size=int((tr_y == 0).sum()) - len(fraud_rows), replace=True)
    X_train = np.concatenate([tr_X, tr_X[picks]])
    y_train = np.concatenate([tr_y, tr_y[picks]])
""",
            ),
        ),
        PASS(
            "np.repeat on the training minority, model built first",
            (
                SPLIT_BLOCK + "    model = RandomForestClassifier(n_estimators=80, random_state=seed)\n",
                """    model = RandomForestClassifier(n_estimators=80, random_state=seed)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    pos = X_train[y_train == 1]
    times = max(1, int((y_train == 0).sum() // len(pos)) - 1)
    X_train = np.vstack([X_train, np.repeat(pos, times, axis=0)])
    y_train = np.concatenate([y_train, np.ones(len(pos) * times, dtype=int)])
""",
            ),
        ),
        PASS(
            "class weights instead of copies",
            (SPLIT_BLOCK, FIXED_BLOCK.replace("    X_train, y_train = oversample(X_train, y_train, seed)\n", "")),
            ("RandomForestClassifier(n_estimators=80, random_state=seed)", "RandomForestClassifier(n_estimators=80, random_state=seed, class_weight=\"balanced\")"),
        ),
    ]
    FAIL = [
        FAIL(
            "oversampling deleted",
            (SPLIT_BLOCK, FIXED_BLOCK.replace("    X_train, y_train = oversample(X_train, y_train, seed)\n", "")),
            fails=("minority_class_rebalanced",),
        ),
        FAIL(
            "split seed and size changed",
            (SPLIT_BLOCK, SPLIT_BLOCK.replace("test_size=TEST_SIZE, random_state=seed", "test_size=0.15, random_state=seed + 3")),
            fails=("oversample_training_rows_only", "no_test_row_copied_into_training", "test_rows_do_not_influence_training"),
        ),
        FAIL(
            "duplicated with np.repeat before the split",
            (
                "    X_bal, y_bal = oversample(X, y, seed)\n",
                "    X_bal = np.vstack([X, np.repeat(X[y == 1], 10, axis=0)])\n"
                "    y_bal = np.concatenate([y, np.ones(10 * int((y == 1).sum()), dtype=int)])\n",
            ),
            fails=("oversample_training_rows_only", "no_test_row_copied_into_training", "test_class_mix_is_real"),
        ),
        FAIL(
            "test rows that also appear in training removed from the test set",
            (
                "    model.fit(X_train, y_train)\n",
                "    seen = {row.tobytes() for row in X_train}\n"
                "    fresh = np.array([row.tobytes() not in seen for row in X_test])\n"
                "    X_test, y_test = X_test[fresh], y_test[fresh]\n"
                "    model.fit(X_train, y_train)\n",
            ),
            fails=("oversample_training_rows_only", "test_class_mix_is_real"),
        ),
        FAIL(
            "split first, but training and test sets both oversampled",
            (SPLIT_BLOCK, FIXED_BLOCK + "    X_test, y_test = oversample(X_test, y_test, seed)\n"),
            fails=("oversample_training_rows_only", "test_class_mix_is_real"),
        ),
        FAIL(
            "fixed, but fit wrapped in try/except",
            (SPLIT_BLOCK, FIXED_BLOCK),
            (
                "    model.fit(X_train, y_train)\n",
                "    try:\n        model.fit(X_train, y_train)\n    except ValueError:\n        pass\n",
            ),
            fails=("try_except",),
        ),
    ]

    # --- both sides ---------------------------------------------------------------
    def cases(self):
        specs = [
            (520, 5101, (0.9, 0.1, 0.8, 1.1, -0.7, 0.6), -3.0, 13),
            (700, 6202, (1.2, -0.2, 0.5, 0.9, -0.9, 0.8), -3.3, 29),
        ]
        out = []
        for n, seed, w, bias, split_seed in specs:
            X, y = hidden_data(n, seed, w, bias)
            out.append({"X": X, "y": y, "seed": split_seed})
        return out

    # --- child side ---------------------------------------------------------------
    def instrument(self):
        import importlib

        self._fits = []
        state = {"depth": 0}
        fits = self._fits
        for module, cls_name in CLASSIFIERS:
            cls = getattr(importlib.import_module(module), cls_name)
            original = cls.fit

            def make(original):
                @functools.wraps(original)
                def fit(est, X, y=None, *args, **kwargs):
                    if state["depth"] == 0:
                        weights = kwargs.get("sample_weight", args[0] if args else None)
                        fits.append(
                            {
                                "X": np.array(X, dtype=float, copy=True),
                                "y": np.array(y, copy=True) if y is not None else None,
                                "weighted": weights is not None or getattr(est, "class_weight", None) is not None,
                            }
                        )
                    state["depth"] += 1
                    try:
                        return original(est, X, y, *args, **kwargs)
                    finally:
                        state["depth"] -= 1

                return fit

            cls.fit = make(original)

    def probe(self, student, case):
        fn = function(student, "train_and_predict", 3)
        X, y, seed = case["X"], case["y"], case["seed"]
        index = {row.tobytes(): i for i, row in enumerate(np.ascontiguousarray(X))}

        def run(data):
            self._fits.clear()
            out = fn(data.copy(), y.copy(), seed)
            if not isinstance(out, (tuple, list)) or len(out) != 3:
                raise ContractError("`train_and_predict` should return a triple (X_test, y_test, predicted_labels)")
            X_test = array(out[0], "the returned X_test", ndim=2)
            y_test = array(out[1], "the returned y_test", ndim=1)
            pred = array(out[2], "the returned predicted labels", ndim=1)
            return X_test, y_test, pred, list(self._fits)

        X_test, y_test, pred, fits = run(X)
        obs = {"n_test": len(y_test), "n_pred": len(pred), "y_test": y_test, "rows": None}
        obs["fits"] = [
            {"n": len(f["X"]), "minority_share": float(np.mean(f["y"] == 1)) if f["y"] is not None else None,
             "weighted": f["weighted"]}
            for f in fits
        ]
        if X_test.shape[1:] != X.shape[1:] or len(pred) != len(X_test):
            return obs
        rows = [index.get(np.ascontiguousarray(r, dtype=float).tobytes()) for r in X_test]
        if any(r is None for r in rows):
            return obs
        rows = np.asarray(rows, dtype=np.int64)
        obs["rows"] = rows
        seen = set()
        for f in fits:
            if f["X"].ndim == 2 and f["X"].shape[1] == X.shape[1]:
                seen |= {r.tobytes() for r in np.ascontiguousarray(f["X"])}
        obs["copied"] = int(sum(np.ascontiguousarray(X[r]).tobytes() in seen for r in rows))
        obs["pred"] = pred
        unique = np.unique(rows)
        changed = unique[::2]
        X2_test, _, pred2, _ = run(scale_rows(X, changed))
        index2 = {row.tobytes(): i for i, row in enumerate(np.ascontiguousarray(scale_rows(X, changed)))}
        rows2 = [index2.get(np.ascontiguousarray(r, dtype=float).tobytes()) for r in X2_test]
        obs["rows_perturbed"] = None if any(r is None for r in rows2) else np.asarray(rows2, dtype=np.int64)
        obs["pred_perturbed"] = pred2
        obs["changed"] = changed
        return obs

    # --- parent side --------------------------------------------------------------
    def static_checks(self):
        return [OversampleTrainingRowsOnly()]

    def judge(self, results):
        cases = self.cases()
        shape_msgs, copy_msgs, leak_msgs, mix_msgs, balance_msgs = [], [], [], [], []
        for r, case in zip(results, cases):
            o = r.obs
            where = f"hidden case {r.index + 1}"
            if o["rows"] is None:
                shape_msgs.append(
                    f"returned test rows that are not rows of the hidden data, or a different number of predictions "
                    f"({where}); return the test rows unchanged with one predicted label each"
                )
                continue
            rows, pred = o["rows"], o["pred"]
            if not np.all(np.isin(pred, (0, 1))):
                shape_msgs.append(f"found predicted labels other than 0 and 1 ({where})")
                continue
            if o["copied"]:
                copy_msgs.append(
                    f"found {o['copied']} of the {len(rows)} test rows with an exact copy among the training rows ({where})"
                )
            if o["rows_perturbed"] is None or not np.array_equal(np.sort(o["rows_perturbed"]), np.sort(rows)):
                leak_msgs.append(f"found a different set of test rows once other rows changed ({where})")
            else:
                before = {int(i): p for i, p in zip(rows, pred)}
                after = {int(i): p for i, p in zip(o["rows_perturbed"], o["pred_perturbed"])}
                kept = [i for i in before if i not in set(o["changed"].tolist())]
                moved = sum(before[i] != after[i] for i in kept)
                if moved:
                    leak_msgs.append(
                        f"found {moved} of {len(kept)} predictions changing when only other test rows were edited ({where})"
                    )
            base = float(np.mean(case["y"]))
            share = float(np.mean(case["y"][rows] == 1)) if len(rows) else 0.0
            if not base / 3 <= share <= base * 2.5 or len(rows) < 0.1 * len(case["y"]):
                mix_msgs.append(
                    f"found {len(rows)} test rows of which {share:.0%} are fraud, while {base:.0%} of real "
                    f"transactions are ({where})"
                )
            fits = o["fits"]
            if fits and not any(
                f["weighted"] or (f["minority_share"] is not None and f["minority_share"] >= 0.25) for f in fits
            ):
                share_seen = max((f["minority_share"] or 0.0) for f in fits)
                balance_msgs.append(f"found the classifier trained on {share_seen:.0%} fraud rows, unweighted ({where})")

        blocked = bool(shape_msgs)
        return [
            Check(
                "returns_test_rows",
                "runtime",
                not shape_msgs,
                f"Exercise {EXERCISE} should return the held-out rows, their labels and one 0/1 prediction per row; {shape_msgs[0]}"
                if shape_msgs
                else "returns the held-out rows with one prediction each",
                root_cause=False,
            ),
            Check(
                "no_test_row_copied_into_training",
                "runtime",
                not copy_msgs and not blocked,
                (
                    f"Exercise {EXERCISE} should never train on a copy of a test row; {copy_msgs[0]}. The rows "
                    "were duplicated before the split, so the model is graded on rows it memorised."
                )
                if copy_msgs
                else (
                    f"Exercise {EXERCISE} could not check the training rows, because the returned test rows were unusable"
                    if blocked
                    else "no test row has a copy among the training rows"
                ),
            ),
            Check(
                "test_rows_do_not_influence_training",
                "runtime",
                not leak_msgs and not blocked,
                (
                    f"Exercise {EXERCISE} should give the same predictions for test rows when only other test rows "
                    f"change; {leak_msgs[0]}. Test rows (or copies of them) still shape the trained model."
                )
                if leak_msgs
                else (
                    f"Exercise {EXERCISE} could not check whether test rows influence training, because the "
                    "returned test rows were unusable"
                    if blocked
                    else "test rows do not influence training"
                ),
            ),
            Check(
                "test_class_mix_is_real",
                "runtime",
                not mix_msgs and not blocked,
                (
                    f"Exercise {EXERCISE} should test on rows with the class mix of real transactions; {mix_msgs[0]}. "
                    "A test set with copied or removed rows does not measure what happens in production."
                )
                if mix_msgs
                else "the test rows keep the real class mix",
            ),
            Check(
                "minority_class_rebalanced",
                "runtime",
                not balance_msgs,
                (
                    f"Exercise {EXERCISE} should still compensate for how rare fraud is when training; "
                    f"{balance_msgs[0]}. Removing the rebalancing is not a fix: move it, do not delete it."
                )
                if balance_msgs
                else "the training data is rebalanced",
            ),
        ]


GRADER = OversampleBeforeSplit()
