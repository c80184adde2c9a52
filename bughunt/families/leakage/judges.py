"""Leakage family, PARENT side: the grader every `train_and_predict` leakage exercise shares.

An exercise's grader is data: which hidden data to build, whether the split is stratified,
which perturbations to run, which estimator classes to watch, and the texts that name its
leak. The runtime evidence, measured on hidden data:

- the split: the test rows the student returns are the rows the specified `train_test_split`
  holds out (in that order or in row order), whichever way they were computed;
- `rows`: half of those test rows become outliers (with `flip_missing`, their missing cells
  change too); an honest pipeline gives bit-for-bit the same predictions for the other half;
- `labels`: the labels of the test rows are flipped (only when the split does not depend on
  the labels); an honest pipeline gives bit-for-bit the same test predictions;
- fits of watched supervised estimators never see more rows (with labels) than the training
  split holds;
- `affine`: every column rescaled and shifted: a standardized (or median-filled) pipeline gives
  the same predictions;
- `column`: one column replaced by noise: a pipeline that does not use it gives the same
  predictions.
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from bughunt.grader import Grader, case_fact, case_rng
from bughunt.verdict import Check

from . import cases as hidden
from .probes import apply_run

FN = "train_and_predict"
TOLERANCE = 1e-7
AFFINE_TOLERANCE = 1e-5


class LeakageGrader(Grader):
    probe_name = "bughunt.families.leakage.probes:TRAIN_AND_PREDICT"
    functions = {FN: "train_and_predict(X, y, seed) -> (y_test, test_probabilities)"}
    suppression_names = ("try_except", "contextlib_suppress", "score_tampering", "warnings_filter")

    # --- exercise data -------------------------------------------------------------------------
    #: hidden cases: dicts with "builder" (a name in cases.BUILDERS) and its keyword arguments
    specs: ClassVar[list[dict]] = []
    stratify: ClassVar[bool] = True
    test_size: ClassVar[float] = 0.25
    #: how the README spells the split
    split_text: ClassVar[str] = "train_test_split with test_size=TEST_SIZE, random_state=seed, stratify=y"
    #: perturbed runs besides "base": "rows", "labels", "affine", "column"
    runs: ClassVar[tuple[str, ...]] = ("rows",)
    flip_missing: ClassVar[bool] = False
    #: the column the "column" run replaces by noise
    noise_column: ClassVar[int | None] = None
    #: supervised estimator classes whose fits are measured ("module:Class"); the first is the model
    watch: ClassVar[tuple[str, ...]] = ("sklearn.linear_model:LogisticRegression",)
    #: name of the check that perturbs test rows
    rows_check: ClassVar[str] = "test_rows_do_not_influence_training"
    #: what still learns from test rows when that check fails (one sentence)
    rows_cause: ClassVar[str] = "Something the pipeline learns is still computed from test rows."
    #: how far accuracy may fall below the honest reference before `predictions_useful` fails
    skill_margin: ClassVar[float] = 0.1

    def reference_model(self):
        """The honest pipeline, fitted in the parent on the training rows (for `predictions_useful`)."""
        raise NotImplementedError

    def reference_columns(self, X):
        return X

    # --- parent: hidden cases ------------------------------------------------------------------
    def config(self) -> dict:
        return {"fn": FN, "watch": list(self.watch)}

    @property
    def observations(self) -> dict[str, str]:  # type: ignore[override]
        out = {}
        for name in ("base", "repeat", *self.runs):
            out.update({f"{name}_y_test": "array", f"{name}_proba": "array", f"{name}_split": "array?", f"{name}_fits": "array"})
        return out

    def cases(self, seed: int) -> list[dict]:
        out = []
        for i, spec in enumerate(self.specs):
            rng = case_rng(seed, self.exercise, i)
            spec = dict(spec)
            X, y = hidden.BUILDERS[spec.pop("builder")](rng, **spec)
            X = X.astype(np.float32).astype(float)  # sent as float32: the same values on both sides
            split_seed = int(rng.integers(1, 10_000))
            test = self.test_rows(y, split_seed)
            runs = [{"name": "base"}, {"name": "repeat"}]
            for name in self.runs:
                if name == "rows":
                    changed = test[::2]
                    block = hidden.outlier_rows(X, changed, rng, self.flip_missing)[changed]
                    runs.append({"name": name, "rows": changed, "values": block})
                elif name == "labels":
                    runs.append({"name": name, "label_rows": test, "labels": 1 - y[test]})
                elif name == "affine":
                    scale, shift = hidden.affine_map(X.shape[1], rng)
                    runs.append({"name": name, "scale": scale, "shift": shift})
                elif name == "column":
                    runs.append({"name": name, "column": self.noise_column, "column_values": rng.permutation(X[:, self.noise_column])})
                else:
                    raise ValueError(f"unknown run {name!r}")
            out.append({"seed": split_seed, "X": X.astype(np.float32), "y": y, "runs": runs})
        return out

    def test_rows(self, y, seed: int) -> np.ndarray:
        return hidden.specified_test_rows(y, seed, self.test_size, self.stratify)

    # --- parent: judging -----------------------------------------------------------------------
    def judge(self, cases: list[Any], results) -> list[Check]:
        notes: dict[str, list[str]] = {}
        for case, r in zip(cases, results):
            judge = CaseJudge(self, case, r.obs, f"hidden case {r.index + 1}", notes)
            self.case_evidence(judge)
            judge.run()
        return self.checks(notes)

    def checks(self, notes: dict[str, list[str]]) -> list[Check]:
        ex = self.exercise
        split, shape, repeat = notes.get("split", []), notes.get("shape", []), notes.get("repeat", [])
        blocked = bool(split or shape or repeat)
        reason = (
            "the test rows were not the specified split" if split
            else "the predictions were unusable" if shape
            else "the predictions changed between two runs on the same data"
        )
        cannot = f"Exercise {ex} could not check this, because {reason}"

        def check(name, key, fail_text, ok_text, root_cause=True, needs_split=True):
            found = notes.get(key, [])
            if found:
                return Check(name, "runtime", False, fail_text.format(found=found[0]), root_cause=root_cause, function=FN)
            if needs_split and blocked:
                return Check(name, "runtime", False, cannot, root_cause=root_cause, function=FN)
            return Check(name, "runtime", True, ok_text, root_cause=root_cause, function=FN)

        out = [
            check(
                "split_unchanged", "split",
                f"Exercise {ex} should hold out the rows of the specified split ({self.split_text}), "
                "returned in that order or in row order; {found}. Changing the split does not remove a leak",
                "the test rows are the specified split", needs_split=False,
            ),
            check(
                "same_predictions_each_run", "repeat",
                f"Exercise {ex} should give the same predictions when run twice on the same data and seed; {{found}}. "
                "Seed every random step with `seed`",
                "gives the same predictions on every run", root_cause=False, needs_split=False,
            ),
            check(
                "returns_probabilities", "shape",
                f"Exercise {ex} should return the test labels and one probability in [0, 1] per test row; {{found}}",
                "returns one probability per test row", root_cause=False, needs_split=False,
            ),
            check(
                self.rows_check, "rows",
                f"Exercise {ex} should give the same predictions for test rows when only other test rows "
                f"change; {{found}}. {self.rows_cause}",
                "changing test rows does not change the predictions for other test rows",
            ),
            check(
                "test_labels_do_not_influence_training", "labels",
                f"Exercise {ex} should learn nothing from the labels of the test rows; {{found}}. "
                "Information about the test labels still reaches the predictions.",
                "the labels of test rows do not influence training",
            ),
            check(
                "predictions_useful", "skill",
                f"Exercise {ex} should still predict as well as an honest pipeline on hidden data; {{found}}",
                "predicts as well as an honest pipeline", root_cause=False,
            ),
        ]
        return out + self.extra_checks(notes, check)

    def extra_checks(self, notes, check) -> list[Check]:
        return []

    # hooks for exercise-specific evidence, per case
    def case_evidence(self, judge: "CaseJudge") -> None:
        """Evidence that does not need the test rows (called before they are identified)."""

    def extra_evidence(self, judge: "CaseJudge") -> None:
        """Evidence on a case whose test rows were identified and whose predictions are usable.
        The `affine` run is judged here for every exercise that has one."""
        if "affine" in self.runs:
            shift = judge.unchanged("affine", 0)
            if not (shift <= AFFINE_TOLERANCE):
                judge.note("affine", f"found predictions changing by up to {shift:.3g} once every column was rescaled and shifted")


def _valid_rows(rows, n) -> bool:
    return (
        isinstance(rows, np.ndarray) and rows.ndim == 1 and rows.dtype.kind in "iu"
        and np.all((rows >= 0) & (rows < n)) and len(np.unique(rows)) == len(rows)
    )


class CaseJudge:
    """The evidence of one hidden case, written into `notes[key]` as "found ..." texts."""

    def __init__(self, grader: LeakageGrader, case: dict, obs: dict, where: str, notes: dict):
        self.grader, self.case, self.obs, self.where, self.notes = grader, case, obs, where, notes
        self.runs = {run["name"]: apply_run(case, run) for run in case["runs"]}
        self.X, self.y = self.runs["base"]
        self.n = len(self.y)
        self.expected = case_fact(case, "test_rows", lambda: grader.test_rows(self.y, case["seed"]))
        self.order: np.ndarray | None = None

    def note(self, key: str, text: str) -> None:
        self.notes.setdefault(key, []).append(f"{text} ({self.where})")

    def got(self, run: str, what: str):
        return self.obs[f"{run}_{what}"]

    def run(self) -> None:
        if not self.find_test_rows():
            return
        proba = self.got("base", "proba")
        if len(proba) != len(self.order):
            self.note("shape", f"found {len(proba)} probabilities for {len(self.order)} test rows")
            return
        if not np.all(np.isfinite(proba)):
            self.note("shape", f"found {int(np.sum(~np.isfinite(proba)))} NaN or infinite probabilities")
            return
        if np.any((proba < 0) | (proba > 1)):
            self.note("shape", f"found values from {float(proba.min()):.3g} to {float(proba.max()):.3g}, outside [0, 1]")
            return
        again = self.got("repeat", "proba")
        if again.shape != proba.shape or not np.array_equal(again, proba):
            moved = float(np.max(np.abs(again - proba))) if again.shape == proba.shape else float("nan")
            self.note("repeat", f"found them differing by up to {moved:.3g}")
            return
        for name in self.grader.runs:
            labels = self.runs[name][1]
            y_test, p = self.got(name, "y_test"), self.got(name, "proba")
            if y_test.shape != self.order.shape or not np.array_equal(y_test, labels[self.order]):
                self.note("split", "found different test rows once only feature values or test labels changed")
                return
            if p.shape != proba.shape:
                self.note("shape", f"found {len(p)} probabilities for {len(self.order)} test rows on a perturbed copy")
                return
        self.leak_through_rows()
        self.leak_through_labels()
        self.skill()
        self.grader.extra_evidence(self)

    def find_test_rows(self) -> bool:
        y_test = self.got("base", "y_test")
        recorded = self.got("base", "split")
        expected = self.expected
        if recorded is not None and _valid_rows(recorded, self.n) and not np.array_equal(np.sort(recorded), np.sort(expected)):
            self.note(
                "split",
                f"found train_test_split holding out {len(recorded)} rows, of which "
                f"{len(np.intersect1d(recorded, expected))} are among the {len(expected)} rows the specified split holds out",
            )
            return False
        candidates = [c for c in (recorded, expected, np.sort(expected)) if c is not None and _valid_rows(c, self.n)]
        for rows in candidates:
            if y_test.shape == rows.shape and np.array_equal(y_test, self.y[rows]):
                self.order = rows
                return True
        if len(y_test) != len(expected):
            self.note("split", f"found {len(y_test)} test labels where the specified split holds out {len(expected)} rows")
        else:
            self.note("split", f"found {len(y_test)} test labels that are not the labels of the specified test rows, in either order")
        return False

    def positions(self, rows) -> np.ndarray:
        where = {int(r): i for i, r in enumerate(self.order)}
        return np.array([where[int(r)] for r in rows], dtype=int)

    def leak_through_rows(self) -> None:
        if "rows" not in self.grader.runs:
            return
        untouched = self.positions(self.expected[1::2])
        before, after = self.got("base", "proba")[untouched], self.got("rows", "proba")[untouched]
        moved = float(np.max(np.abs(before - after))) if len(untouched) else 0.0
        if not (moved <= TOLERANCE):
            count = int(np.sum(~(np.abs(before - after) <= TOLERANCE)))
            self.note("rows", f"found {count} of {len(untouched)} untouched test rows moving, by up to {moved:.3g}")

    def leak_through_labels(self) -> None:
        n_train = self.n - len(self.expected)
        fits = self.got("base", "fits")
        watch = self.grader.watch
        for index, rows, cols, has_y in fits.reshape(-1, 4):
            if has_y and rows > n_train and 0 <= index < len(watch):
                cls = watch[index].rpartition(":")[2]
                self.note("labels", f"found {cls} fitted with the labels of {rows} rows, more than the {n_train} training rows")
                return
        if "labels" in self.grader.runs:
            before, after = self.got("base", "proba"), self.got("labels", "proba")
            moved = float(np.max(np.abs(before - after))) if len(before) else 0.0
            if not (moved <= TOLERANCE):
                self.note("labels", f"found the test predictions moving by up to {moved:.3g} when only the test labels were flipped")

    def skill(self) -> None:
        g = self.grader
        honest = case_fact(self.case, "honest_accuracy", self.honest_accuracy)
        proba = self.got("base", "proba")
        accuracy = float(np.mean((proba > 0.5) == self.y[self.order]))
        if not (accuracy >= honest - g.skill_margin):
            self.note("skill", f"found accuracy {accuracy:.2f} where the honest pipeline reaches {honest:.2f}")
        if accuracy > honest + max(g.skill_margin, 3 / len(self.order)):
            # far better than the honest pipeline on rows it has never seen: it knows the answers
            self.note(
                "labels",
                f"found accuracy {accuracy:.2f} on the test rows where the honest pipeline reaches {honest:.2f}, "
                "so the predictions carry information about the test labels",
            )

    def honest_accuracy(self) -> float:
        """The honest pipeline's accuracy on the test rows: a fact of the case alone (accuracy
        does not depend on the order the rows come in)."""
        train = np.setdiff1d(np.arange(self.n), self.expected)
        g = self.grader
        model = g.reference_model().fit(g.reference_columns(self.X[train]), self.y[train])
        return float(model.score(g.reference_columns(self.X[self.expected]), self.y[self.expected]))

    def unchanged(self, run: str, tolerance: float) -> float:
        return float(np.max(np.abs(self.got("base", "proba") - self.got(run, "proba")))) if len(self.order) else 0.0

    def fits(self, index: int = 0, run: str = "base") -> np.ndarray:
        """(class index, rows, columns, has labels) of each fit of watched class `index`."""
        fits = self.got(run, "fits").reshape(-1, 4)
        return fits[fits[:, 0] == index]
