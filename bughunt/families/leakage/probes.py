"""Leakage family, CHILD side: call the student's `train_and_predict` on datasets the parent
built (the hidden data and perturbed copies of it) and report what came back.

No secret lives here: the parent decides which rows were perturbed and what an honest
pipeline must do. The probe only reports, for each run, the returned test labels and
probabilities, the rows a `train_test_split` call held out (when there was one), and the
size of every fit of the watched estimator classes (rows, columns, with or without labels).
"""
from __future__ import annotations

import functools
import importlib
import random

import numpy as np

from bughunt.leakage_probe import RECORDER
from bughunt.probe import ContractError, Probe, array, function

#: one record per fit of a watched class during the current run:
#: (index of the class in config["watch"], rows, columns, has labels)
FITS: list[tuple[int, int, int, int]] = []


def _rows_cols(X) -> tuple[int, int]:
    shape = getattr(X, "shape", None)
    if shape is None:
        try:
            shape = np.shape(X)
        except Exception:  # an unusual container: report it as unknown
            return -1, -1
    rows = int(shape[0]) if len(shape) >= 1 else -1
    cols = int(shape[1]) if len(shape) >= 2 else (1 if len(shape) == 1 else -1)
    return rows, cols


def _watch(index: int, qualified: str) -> None:
    """Record the size of every fit of the class `module:Class` (and of its own
    fit_transform, when it does not go through fit)."""
    module_name, _, cls_name = qualified.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), cls_name)
    except (ImportError, AttributeError):
        return
    for method in ("fit", "fit_transform"):
        original = getattr(cls, "fit", None) if method == "fit" else cls.__dict__.get(method)
        if original is None or getattr(original, "_bughunt_watched", False):
            continue

        def make(original):
            @functools.wraps(original)
            def watched(self, X, y=None, *args, **kwargs):
                rows, cols = _rows_cols(X)
                FITS.append((index, rows, cols, int(y is not None)))
                return original(self, X, y, *args, **kwargs)

            watched._bughunt_watched = True
            return watched

        setattr(cls, method, make(original))


def apply_run(case: dict, run: dict):
    """The dataset of one run: the case's X and y with the run's edits applied (every column
    rescaled and shifted, some rows or one column replaced, some labels replaced)."""
    X = np.array(case["X"], dtype=float, copy=True)
    y = np.array(case["y"], copy=True)
    if "scale" in run:
        X = X * run["scale"] + run["shift"]
    if "rows" in run:
        X[run["rows"]] = run["values"]
    if "column" in run:
        X[:, int(run["column"])] = run["column_values"]
    if "label_rows" in run:
        y[run["label_rows"]] = run["labels"]
    return X, y


class TrainAndPredict(Probe):
    """Runs `config["fn"](X, y, seed) -> (y_test, test_probabilities)` once per run in
    `case["runs"]` (the case's data with the run's edits) and reports, for run `name`: `name_y_test`, `name_proba`, `name_split`
    (test rows of the first train_test_split on all rows, or None) and `name_fits`."""

    def instrument(self, config):
        RECORDER.install()
        for index, qualified in enumerate(config.get("watch", ())):
            _watch(index, qualified)

    def run(self, student, case, config):
        name = config["fn"]
        fn = function(student, name, 3)
        seed = case["seed"]
        obs = {}
        for run in case["runs"]:
            X, y = apply_run(case, run)
            random.seed(0)  # the same global random state for every run: only the data differ
            np.random.seed(0)
            RECORDER.reset()
            FITS.clear()
            out = fn(X, y, seed)
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise ContractError(f"`{name}` should return a pair (y_test, test_probabilities)")
            key = run["name"]
            obs[f"{key}_y_test"] = array(out[0], "the returned y_test", ndim=1)
            obs[f"{key}_proba"] = array(out[1], "the returned test probabilities", ndim=1)
            split = RECORDER.first_split(len(X))
            obs[f"{key}_split"] = None if split is None else np.asarray(split[1], dtype=np.int64)
            obs[f"{key}_fits"] = np.array(FITS, dtype=np.int64).reshape(-1, 4)
        return obs


TRAIN_AND_PREDICT = TrainAndPredict()
