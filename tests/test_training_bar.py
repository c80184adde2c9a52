"""A training check holds a submission to what a correct fix can reach on the hidden case.

The fixed floors (`min_accuracy`, "losses decrease") are what the shipped hyper-parameters
reach on typical data. On some seeds' data the reference fix itself falls short of them:
before the bar followed the reference, these seeds failed the reference fix of its own
exercise (measured over 200 random seeds: 8 for sigmoid/overflow-basic, 23 for
log_epsilon/network-loss; over 100: 2 for shape_mismatch/flat-loss-regression, 1 each for
transposed-output-weights and softmax-wrong-axis). Broken training must still fail there."""
from __future__ import annotations

import pytest

from bughunt.grader import load_grader
from bughunt.grading import grade
from bughunt.sandbox import Limits
from bughunt.sandbox.warm import WarmSandbox

from .conftest import exercise

#: seeds on which the reference fix trained below the old fixed floor (found by sweeping
#: random seeds; any such seed would do)
HARD = {
    "sigmoid/overflow-basic": (5750677976490002338, 2398975526316801683, 8167482866040706223),  # accuracy 0.71-0.74 < 0.75
    "log_epsilon/network-loss": (1397490405892749074, 3347389624239070201),  # logged loss rises on the outlier case
    # final loss above the fixed share of what guessing gives
    "shape_mismatch/flat-loss-regression": (2350995150192982407, 3119576131553233617),
    "shape_mismatch/transposed-output-weights": (4040846026440635897,),
    "shape_mismatch/softmax-wrong-axis": (1384272659328390225,),
}
#: a training loop that no longer learns (every update dropped), and the check that must catch it
NO_LEARNING = {
    "sigmoid/overflow-basic": ("        w = w - lr * X.T @ error / len(y)\n        b = b - lr * error.mean()\n", "        pass\n", "training_works"),
    "shape_mismatch/flat-loss-regression": ("        w = w - lr * grad_w\n        b = b - lr * grad_b\n", "        pass\n", "training_reduces_loss"),
}


@pytest.fixture(scope="module")
def warm():
    with WarmSandbox() as server:
        yield server


@pytest.mark.parametrize("ex_id,seed", [(ex_id, seed) for ex_id, seeds in HARD.items() for seed in seeds])
def test_the_reference_fix_passes_on_data_where_it_trains_below_the_floor(warm, tmp_path, ex_id, seed):
    ex = exercise(ex_id)
    path = tmp_path / ex.file
    path.write_text(load_grader(ex.grader_path).reference_example().apply(ex.path.read_text()))
    verdict = grade(ex, path, runner=warm.run, seed=seed, limits=Limits(timeout=60))
    assert verdict.status == "pass", verdict.lines()


@pytest.mark.parametrize("ex_id,seed", [(ex_id, seed) for ex_id in NO_LEARNING for seed in HARD[ex_id]])
def test_training_that_learns_nothing_still_fails_there(warm, tmp_path, ex_id, seed):
    ex = exercise(ex_id)
    fixed = load_grader(ex.grader_path).reference_example().apply(ex.path.read_text())
    old, new, check = NO_LEARNING[ex_id]
    assert fixed.count(old) == 1
    path = tmp_path / ex.file
    path.write_text(fixed.replace(old, new))
    verdict = grade(ex, path, runner=warm.run, seed=seed, limits=Limits(timeout=60))
    assert verdict.status == "fail" and check in {c.name for c in verdict.checks if not c.passed}, verdict.lines()
