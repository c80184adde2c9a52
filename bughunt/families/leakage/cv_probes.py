"""CHILD side: probes for the fold, time-split and resampling exercises of the leakage family.

They call the student's function on inputs the parent built, record what sklearn saw
(folds, fingerprints of the rows each model was fitted on and asked to predict, class
weights) and send raw observations back. No expected value, case builder or judge lives
here; nothing in this module decides pass or fail.
"""
from __future__ import annotations

import functools
import hashlib

import numpy as np

from bughunt.probe import ContractError, Probe, array, function


def row_prints(A) -> np.ndarray:
    """One int64 fingerprint per row of a 2-D array (its float64 bytes)."""
    try:
        data = np.ascontiguousarray(np.asarray(A, dtype=float))
    except (TypeError, ValueError):
        return np.zeros(0, dtype=np.int64)
    if data.ndim != 2:
        data = data.reshape(len(data), -1) if data.ndim else data.reshape(1, 1)
    out = np.empty(len(data), dtype=np.int64)
    for i, row in enumerate(data):
        out[i] = int.from_bytes(hashlib.blake2b(row.tobytes(), digest_size=8).digest(), "little", signed=True)
    return out


def array_print(A) -> int:
    """One int64 fingerprint of the rows of an array, in any order (a nearest-neighbour model
    does not depend on the order of its training rows)."""
    rows = np.sort(row_prints(A))
    digest = hashlib.blake2b(rows.tobytes() + str(len(rows)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def reseed() -> None:
    """The same global random state before every run of the student's function, so code that
    draws from it (an unseeded shuffle, a forest without random_state) behaves the same in the
    original and in the perturbed runs."""
    import random

    random.seed(0)
    np.random.seed(0)


class _Calls:
    """Wraps methods of classes so the outermost call records what it was given."""

    def __init__(self):
        self.depth = {"fit": 0, "predict": 0}

    def wrap(self, cls, method: str, kind: str, record):
        original = getattr(cls, method, None)
        if original is None or getattr(original, "_bughunt_wrapped", False):
            return
        depth = self.depth

        @functools.wraps(original)
        def wrapper(est, *args, **kwargs):
            if depth[kind] == 0:
                try:
                    record(est, args, kwargs)
                except Exception:  # a record that fails must not change the student's run
                    pass
            depth[kind] += 1
            try:
                return original(est, *args, **kwargs)
            finally:
                depth[kind] -= 1

        wrapper._bughunt_wrapped = True
        setattr(cls, method, wrapper)


def _arg(args, kwargs, i, name):
    if name in kwargs:
        return kwargs[name]
    return args[i] if len(args) > i else None


# --- scaled-outside-cv -----------------------------------------------------------------
class FoldScores(Probe):
    """Runs `cv_scores(X, y, seed)` on the hidden data and on copies in which some held-out
    rows of one fold became outliers. Records the KFold folds, a fingerprint of the data each
    nearest-neighbour model is fitted on, and one fingerprint per row it is asked to predict
    (through `predict`, `predict_proba` or `kneighbors`)."""

    def instrument(self, config):
        from sklearn.model_selection import KFold
        from sklearn.neighbors import KNeighborsClassifier

        self.folds: list = []
        self.fits: list = []
        self.rows: list = []
        folds, fits, rows = self.folds, self.fits, self.rows
        original_split = KFold.split
        if not getattr(original_split, "_bughunt_wrapped", False):
            def split(splitter, X, y=None, groups=None):
                for train, test in original_split(splitter, X, y, groups):
                    folds.append((len(X), np.array(test, dtype=np.int64)))
                    yield train, test

            split._bughunt_wrapped = True
            KFold.split = split
        calls = _Calls()
        calls.wrap(KNeighborsClassifier, "fit", "fit", lambda est, a, k: fits.append(array_print(_arg(a, k, 0, "X"))))

        def record_rows(est, a, k):
            X = _arg(a, k, 0, "X")
            if X is not None:
                rows.append(row_prints(X))

        for method in ("predict", "predict_proba", "kneighbors"):
            calls.wrap(KNeighborsClassifier, method, "predict", record_rows)

    def run(self, student, case, config):
        fn = function(student, config["fn"], 3)
        X, y, seed = case["X"], case["y"], case["seed"]
        obs = {}
        for tag, data in [("", X)] + [(f"_p{i}", P) for i, P in enumerate(case["perturbed"])]:
            self.folds.clear()
            self.fits.clear()
            self.rows.clear()
            reseed()
            scores = array(fn(data.copy(), y.copy(), seed), f"the value returned by `{config['fn']}`", ndim=1)
            tests = [t for n, t in self.folds if n == len(X)]
            obs["scores" + tag] = scores
            obs["fold_tests" + tag] = np.concatenate(tests) if tests else np.zeros(0, dtype=np.int64)
            obs["fold_sizes" + tag] = np.array([len(t) for t in tests], dtype=np.int64)
            obs["fits" + tag] = np.array(self.fits, dtype=np.int64)
            obs["rows" + tag] = np.concatenate(self.rows) if self.rows else np.zeros(0, dtype=np.int64)
            obs["row_calls" + tag] = np.array([len(r) for r in self.rows], dtype=np.int64)
        return obs


# --- random-split-time-series ----------------------------------------------------------
class TimeSplit(Probe):
    """Runs `train_and_predict(X, y, seed)`, recognises the test days from the returned
    y_test (every hidden value is unique), then changes the demand of every day from the
    first test day on and runs again."""

    def run(self, student, case, config):
        fn = function(student, config["fn"], 3)
        X, y, seed = case["X"], case["y"], case["seed"]

        def run(targets):
            reseed()
            out = fn(X.copy(), targets.copy(), seed)
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise ContractError(f"`{config['fn']}` should return a pair (y_test, predictions)")
            return array(out[0], "the returned y_test", ndim=1), array(out[1], "the returned predictions", ndim=1)

        y_test, pred = run(y)
        position = {float(v): i for i, v in enumerate(y)}
        rows = [position.get(float(v)) for v in y_test]
        obs = {"n_test": len(y_test), "pred": pred, "test_rows": None, "pred_shifted": None}
        if not rows or any(r is None for r in rows):
            return obs
        rows = np.asarray(rows, dtype=np.int64)
        obs["test_rows"] = rows
        first = int(rows.min())
        shifted = y.copy()
        shifted[first:] += config["shift"] + 60.0 * np.sin(np.arange(len(y) - first))
        obs["pred_shifted"] = run(shifted)[1]
        return obs


# --- oversample-before-split -----------------------------------------------------------
class Rebalanced(Probe):
    """Runs `train_and_predict(X, y, seed)`, matches the returned test rows to hidden rows,
    records every classifier fit (row fingerprints, and the share of the total training
    weight that the minority class carries after class_weight and sample_weight), then turns
    every other test row into an outlier and runs again (the rows each classifier is trained
    on, and the predictions for the untouched test rows, must not change)."""

    def instrument(self, config):
        import importlib

        self.fits: list = []
        fits = self.fits
        calls = _Calls()

        def record(est, a, k):
            X, y = _arg(a, k, 0, "X"), _arg(a, k, 1, "y")
            weights = _arg(a, k, 2, "sample_weight")
            labels = np.asarray(y).ravel() if y is not None else None
            share = None
            if labels is not None and len(labels):
                from sklearn.utils.class_weight import compute_sample_weight

                cw = getattr(est, "class_weight", None)
                cw = "balanced" if cw == "balanced_subsample" else cw
                w = np.ones(len(labels)) if cw is None else compute_sample_weight(cw, labels)
                if weights is not None:
                    w = w * np.asarray(weights, dtype=float).ravel()
                total = float(np.sum(w))
                share = float(np.sum(w[labels == 1]) / total) if total > 0 else None
            fits.append({"rows": row_prints(X), "print": array_print(X), "share": share})

        for module, name in config["classifiers"]:
            try:
                cls = getattr(importlib.import_module(module), name)
            except (ImportError, AttributeError):
                continue
            calls.wrap(cls, "fit", "fit", record)

    def run(self, student, case, config):
        fn = function(student, config["fn"], 3)
        X, y, seed = case["X"], case["y"], case["seed"]
        index = {int(p): i for i, p in enumerate(row_prints(X))}

        def run(data):
            self.fits.clear()
            reseed()
            out = fn(data.copy(), y.copy(), seed)
            if not isinstance(out, (tuple, list)) or len(out) != 3:
                raise ContractError(f"`{config['fn']}` should return a triple (X_test, y_test, predicted_labels)")
            X_test = array(out[0], "the returned X_test", ndim=2)
            y_test = array(out[1], "the returned y_test", ndim=1)
            pred = array(out[2], "the returned predicted labels", ndim=1)
            return X_test, y_test, pred, list(self.fits)

        X_test, y_test, pred, fits = run(X)
        trained = np.concatenate([f["rows"] for f in fits]) if fits else np.zeros(0, dtype=np.int64)
        obs = {
            "y_test": y_test,
            "pred": pred,
            "rows": None,
            "fit_shares": np.array([np.nan if f["share"] is None else f["share"] for f in fits], dtype=float),
            "fit_sizes": np.array([len(f["rows"]) for f in fits], dtype=np.int64),
            "fit_prints": np.array([f["print"] for f in fits], dtype=np.int64),
            "fit_prints_perturbed": None,
            "copied": 0,
            "rows_perturbed": None,
            "pred_perturbed": None,
            "changed": None,
        }
        if X_test.shape[1:] != X.shape[1:] or len(pred) != len(X_test) or len(y_test) != len(X_test):
            return obs
        prints = row_prints(X_test)
        rows = [index.get(int(p)) for p in prints]
        if not rows or any(r is None for r in rows):
            return obs
        rows = np.asarray(rows, dtype=np.int64)
        obs["rows"] = rows
        obs["copied"] = int(np.isin(prints, trained).sum())
        changed = np.unique(rows)[::2]
        perturbed = np.array(X, dtype=float, copy=True)
        perturbed[changed] = perturbed[changed] * config["factor"] + config["shift"]
        X2_test, _, pred2, fits2 = run(perturbed)
        obs["fit_prints_perturbed"] = np.array([f["print"] for f in fits2], dtype=np.int64)
        index2 = {int(p): i for i, p in enumerate(row_prints(perturbed))}
        rows2 = [index2.get(int(p)) for p in row_prints(X2_test)]
        if rows2 and all(r is not None for r in rows2) and len(pred2) == len(rows2):
            obs["rows_perturbed"] = np.asarray(rows2, dtype=np.int64)
            obs["pred_perturbed"] = pred2
        obs["changed"] = changed
        return obs


FOLD_SCORES = FoldScores()
TIME_SPLIT = TimeSplit()
REBALANCED = Rebalanced()
