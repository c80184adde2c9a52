"""Parent side of the training family: the grader base class and its runtime checks.

`gradients` is judged against central finite differences of the exact loss (computed
here, at parameter points the parent chose, on all rows and on a few rows); `train` is
judged against the optimum of the loss on hidden data (a closed form or Newton's method,
computed here) or, where no optimum is known, against a stated pass mark; the loss curve
must have one entry per iteration and go down.
"""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from bughunt.grader import Grader
from bughunt.static.training import BiasUpdatedWithOwnGradient, GradientPointsUphill, UpdateAgainstGradient
from bughunt.verdict import Check

from .models import Model, central_differences

GRAD_RTOL = 1e-6  # relative error of the student's gradient against central differences

SUPPRESSIONS = ("try_except", "contextlib_suppress", "warnings_filter", "np_seterr", "np_errstate",
                "negative_learning_rate", "stop_when_loss_rises", "clip_parameters",
                "closed_form_replacement", "hardcoded_parameters", "nan_to_num")


def rel_error(a, b) -> float:
    return float(np.linalg.norm(np.ravel(a) - np.ravel(b)) / max(np.linalg.norm(np.ravel(b)), 1e-8))


def _fmt(a) -> str:
    a = np.asarray(a, dtype=float)
    return f"{float(a):.4g}" if a.size == 1 else str(np.round(a.ravel(), 3).tolist())


def _arrays(value, k: int) -> list[np.ndarray] | None:
    if not isinstance(value, list) or len(value) != k:
        return None
    if not all(isinstance(v, np.ndarray) and v.dtype.kind in "biuf" for v in value):
        return None
    return [v.astype(float) for v in value]


class TrainingGrader(Grader):
    """A gradient-descent exercise: `gradients(*params, X, y)` and `train(X, y, *args)`."""

    probe_name = "bughunt.families.training.probes:GRADIENT_DESCENT"
    observations = {"grads": "any", "learned": "any", "losses": "array"}
    suppression_names = SUPPRESSIONS

    model: ClassVar[Model]
    #: which learned value is the bias (index into the model's parameters), or None
    bias_index: ClassVar[int | None] = None
    #: how the bias is named in messages, and what it is compared with
    bias_words: ClassVar[str] = "the bias"
    bias_target_words: ClassVar[str] = "the intercept that minimises the loss on the hidden data"
    #: how the learned bias is shown (e.g. " (centred across classes)")
    bias_view_words: ClassVar[str] = ""
    #: positional arguments of `train`: X, y, then the case's train_args
    train_nargs: ClassVar[int] = 4
    #: full-batch descent never raises the loss; mini-batch only has to end lower
    monotone: ClassVar[bool] = True
    #: what one recorded loss stands for
    iteration_words: ClassVar[str] = "iteration"
    #: learned parameters within `param_tol` of the optimum, final loss within `loss_tol` (relative)
    param_tol: ClassVar[float] = 1e-3
    loss_tol: ClassVar[float] = 1e-6
    #: what `train` must reach, for messages
    goal_words: ClassVar[str] = "the minimum of the loss"
    #: for models without a known optimum: the pass mark for the final loss, from the case
    def loss_mark(self, case) -> tuple[float, str] | None:
        return None

    #: hidden data: `case_builder(rng, model, **spec)` for each spec (see cases.py)
    case_builder: ClassVar = None
    case_specs: ClassVar[list[dict]] = []

    def cases(self, seed):
        from bughunt.grader import case_rng

        return [type(self).case_builder(case_rng(seed, self.exercise, i), self.model, **spec)
                for i, spec in enumerate(self.case_specs)]

    # --- static checks --------------------------------------------------------------
    def static_checks(self):
        if self.bias_index is None:
            return [GradientPointsUphill(roles=self._grad_roles()), UpdateAgainstGradient()]
        return [BiasUpdatedWithOwnGradient(), UpdateAgainstGradient()]

    def _grad_roles(self):
        from bughunt.static.training import DATA, PARAM, TARGET

        k = len(self.model.param_names)
        return {**{i: PARAM for i in range(k)}, k: DATA, k + 1: TARGET}

    # --- child configuration --------------------------------------------------------
    def config(self):
        return {"params": list(self.model.param_names), "gradients": "gradients", "train": "train",
                "train_nargs": self.train_nargs}

    # --- the judge ------------------------------------------------------------------
    def judge(self, cases, results):
        ex, names = self.exercise, self.model.param_names
        k = len(names)
        grad_msgs, train_msgs, bias_msgs, curve_msgs = [], [], [], []
        for r, case in zip(results, cases):
            o = r.obs
            where = f"on hidden case {r.index + 1}"
            X, y = case["X"], case["y"]
            grads = o["grads"]
            if not isinstance(grads, list) or len(grads) != len(case["points"]):
                grad_msgs.append(f"values from `gradients` that the grader cannot read {where}")
                grads = []
            for j, (point, got) in enumerate(zip(case["points"], grads)):
                rows = np.asarray(point["rows"])
                at = "on every row" if len(rows) == len(y) else f"on {len(rows)} of its rows"
                got = _arrays(got, k)
                if got is None:
                    grad_msgs.append(f"values from `gradients` that the grader cannot read {where}")
                    continue
                fd = central_differences(lambda ps: self.model.loss(ps, X[rows], y[rows]), point["params"])
                for name, g, f in zip(names, got, fd):
                    if g.size != f.size:
                        grad_msgs.append(f"a gradient for {name} of shape {g.shape} where {name} has shape {f.shape} {where}")
                        continue
                    err = rel_error(g, f)
                    if not err <= GRAD_RTOL:
                        if rel_error(-np.ravel(g), f) < 1e-4:
                            grad_msgs.append(
                                f"the gradient for {name} pointing the opposite way: it equals minus the "
                                f"finite-difference gradient of the loss {where} ({at})"
                            )
                        else:
                            grad_msgs.append(
                                f"the gradient for {name} off by a relative error of {err:.2g} against central "
                                f"finite differences of the loss {where} ({at})"
                            )
            losses = o["losses"]
            n_expected = case["n_losses"]
            unit = self.iteration_words
            if len(losses) < n_expected:
                curve_msgs.append(
                    f"{len(losses)} losses where training should record one for each of its {n_expected} "
                    f"{unit}s {where}; stopping early hides what the updates are doing"
                )
            elif len(losses) > n_expected:
                curve_msgs.append(
                    f"{len(losses)} losses where training should record exactly one for each of its {n_expected} {unit}s {where}"
                )
            elif not np.all(np.isfinite(losses)):
                curve_msgs.append(f"the loss becoming inf or nan {where}")
            elif not losses[-1] < losses[0]:
                curve_msgs.append(f"the loss going from {losses[0]:.4g} to {losses[-1]:.4g} {where}")
            elif self.monotone:
                rises = np.diff(losses) > 1e-9 * (1 + np.abs(losses[:-1]))
                if np.any(rises):
                    i = int(np.argmax(rises))
                    curve_msgs.append(f"the loss rising at {unit} {i + 2} ({losses[i]:.6g} -> {losses[i + 1]:.6g}) {where}")
            learned = _arrays(o["learned"], k)
            shapes = [np.shape(p) for p in case["points"][0]["params"]]
            if learned is None or any(l.size != int(np.prod(s)) for l, s in zip(learned, shapes)):
                train_msgs.append(f"learned parameters of the wrong size {where} (expected shapes {shapes})")
                continue
            learned = [l.reshape(s) for l, s in zip(learned, shapes)]
            final = self.model.loss(learned, X, y)
            best = self.model.optimum(X, y)
            if best is None:
                mark, mark_words = self.loss_mark(case)
                if not final <= mark:
                    train_msgs.append(f"a final loss of {final:.4g} {where}, above the pass mark of {mark:.4g} ({mark_words})")
                continue
            best_loss = self.model.loss(best, X, y)
            if not final <= best_loss + self.loss_tol * (1 + abs(best_loss)):
                train_msgs.append(f"a final loss of {final:.6g} {where}, where the minimum of the loss is {best_loss:.6g}")
            for i, (l, b) in enumerate(zip(learned, best)):
                lv, bv = self.model.compare_view(l), self.model.compare_view(b)
                dev = float(np.max(np.abs(lv - bv)))
                if not dev <= self.param_tol:
                    if i == self.bias_index:
                        bias_msgs.append(f"{self.bias_words}{self.bias_view_words} at {_fmt(lv)} {where}; "
                                         f"{self.bias_target_words}: {_fmt(bv)}")
                    else:
                        train_msgs.append(f"{names[i]} off from the minimum of the loss by up to {dev:.3g} {where}")
        checks = [
            Check(
                "gradient_matches_loss", "runtime", not grad_msgs,
                f"Exercise {ex} should return from `gradients` the gradient of the loss (matching central finite "
                f"differences to a relative error below {GRAD_RTOL:g}); found {grad_msgs[0]}" if grad_msgs
                else "`gradients` matches central finite differences of the loss on hidden data",
                function="gradients",
            ),
            Check(
                "reaches_optimum", "runtime", not train_msgs,
                f"Exercise {ex} should train to {self.goal_words} on hidden data; found {train_msgs[0]}"
                if train_msgs else f"`train` reaches {self.goal_words} on hidden data",
                function="train",
            ),
            Check(
                "loss_decreases", "runtime", not curve_msgs,
                f"Exercise {ex} should record a loss that goes down during training, one per {self.iteration_words}; "
                f"found {curve_msgs[0]}" if curve_msgs else "the recorded loss goes down",
                root_cause=False, function="train",
            ),
        ]
        if self.bias_index is not None:
            checks.insert(1, Check(
                "bias_matches_intercept", "runtime", not bias_msgs,
                f"Exercise {ex} should learn {self.bias_words} by gradient descent (the hidden data differs from the "
                f"visible data); found {bias_msgs[0]}" if bias_msgs
                else f"{self.bias_words} reaches {self.bias_target_words}",
                function="train",
            ))
        return checks
