"""The instructor's grading secret: graded hidden cases no student can reproduce, the
public cases for a student's own check, and the same verdict for the same secret."""
from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from bughunt import secret
from bughunt.sandbox import runner as sandbox
from bughunt.sandbox.wire import dumps as wire_cases
from bughunt.grader import PUBLIC_SEED, load_grader
from bughunt.grading import grade
from bughunt.manifest import load
from bughunt.paths import find_root
from bughunt.sets import SetError, load_sets, resolve

ROOT = find_root()
EXERCISES = load(ROOT)
KEY = "5e" * 32


def test_case_seed_is_public_without_a_secret_and_keyed_per_exercise_with_one():
    assert secret.case_seed(None, "leakage/scaler-before-split") == PUBLIC_SEED
    a = secret.case_seed(KEY, "leakage/scaler-before-split")
    assert a == secret.case_seed(KEY, "leakage/scaler-before-split")  # deterministic
    assert a != secret.case_seed(KEY, "sigmoid/overflow-basic")
    assert a != secret.case_seed("5f" * 32, "leakage/scaler-before-split")
    assert a.bit_length() > 64  # far too many to enumerate


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.id)
def test_every_grader_builds_other_hidden_cases_from_a_secret(ex):
    grader = load_grader(ex.grader_path)
    public = wire_cases(grader.cases(PUBLIC_SEED))
    keyed = secret.case_seed(KEY, ex.id)
    assert wire_cases(grader.cases(keyed)) == wire_cases(grader.cases(keyed))
    assert wire_cases(grader.cases(keyed)) != public


def test_the_secret_file_is_private_and_checked(tmp_path):
    path = secret.write_secret(tmp_path, KEY)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret.read_secret(tmp_path) == KEY
    assert secret.read_secret(tmp_path / "elsewhere") is None
    path.write_text("not a secret\n")
    with pytest.raises(secret.SecretError, match="damaged"):
        secret.read_secret(tmp_path)


def test_a_set_read_from_an_instructor_bundle_carries_its_secret(tmp_path):
    starter = load_sets(ROOT, EXERCISES)["starter"]
    (tmp_path / "set.toml").write_text(starter.to_toml())
    assert resolve(str(tmp_path), ROOT, EXERCISES).secret is None
    secret.write_secret(tmp_path, KEY)
    kept = resolve(str(tmp_path), ROOT, EXERCISES)
    assert kept.secret == KEY and KEY not in repr(kept)
    assert {kept.seed_for(ex) for ex in kept.exercises} == {secret.case_seed(KEY, ex.id) for ex in kept.exercises}
    (tmp_path / secret.SECRET_FILE).write_text("0" * 10)
    with pytest.raises(SetError, match="damaged"):
        resolve(str(tmp_path / "set.toml"), ROOT, EXERCISES)


@pytest.mark.skipif(not sandbox.HAS_LIMITS, reason="needs the POSIX sandbox")
@pytest.mark.parametrize("ex_id", ["leakage/scaler-before-split", "sigmoid/overflow-basic", "bias_update/softmax-bias"])
def test_secret_cases_grade_like_the_public_ones_and_repeat_exactly(ex_id, tmp_path):
    ex = next(e for e in EXERCISES if e.id == ex_id)
    grader = load_grader(ex.grader_path)
    fixed = tmp_path / ex.file
    fixed.write_text(grader.reference_example().apply(ex.path.read_text()))
    seed = secret.case_seed(KEY, ex.id)
    first, again = grade(ex, fixed, seed=seed), grade(ex, fixed, seed=seed)
    assert first.status == "pass", first.lines()
    assert first.cases == "secret" and grade(ex, fixed).cases == "public"

    def plain(v):
        return {k: val for k, val in v.to_dict().items() if k != "duration"}

    assert plain(first) == plain(again)
    broken = grade(ex, ex.path, seed=seed)
    assert broken.status == "fail" and broken.cases == "secret"


@pytest.mark.skipif(not sandbox.HAS_LIMITS, reason="needs the POSIX sandbox")
def test_a_students_check_says_it_used_the_public_cases(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "bughunt.cli", "check", "sigmoid/overflow-basic"],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "BUGHUNT_ROOT": str(ROOT), "COLUMNS": "200"},
    )
    assert "public test cases" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.skipif(not sandbox.HAS_LIMITS, reason="needs the POSIX sandbox")
def test_batch_grading_uses_the_secret_and_a_new_secret_regrades(tmp_path):
    import dataclasses

    from bughunt.batch.run import grade_class
    from bughunt.sandbox import jail

    starter = load_sets(ROOT, EXERCISES)["starter"]
    ex = next(e for e in EXERCISES if e.id == "sigmoid/overflow-basic")
    one = dataclasses.replace(starter, entries=tuple(e for e in starter.entries if e.exercise.id == ex.id))
    sub = tmp_path / "subs" / "s001" / ex.category / ex.slug / ex.file
    sub.parent.mkdir(parents=True)
    sub.write_text(load_grader(ex.grader_path).reference_example().apply(ex.path.read_text()))
    isolated = None if jail.available() else False

    def run(bugset):
        result = grade_class(bugset, tmp_path / "subs", tmp_path / "out", write_outputs=False, jail=isolated)
        (res,) = result.reports[0].results
        return result, res

    first, res = run(dataclasses.replace(one, secret=KEY))
    assert res.status == "pass" and res.verdict["cases"] == "secret" and first.graded == 1
    again, _ = run(dataclasses.replace(one, secret=KEY))
    assert again.graded == 0 and again.reused == 1  # same file, same secret: the stored verdict
    other, res = run(dataclasses.replace(one, secret="77" * 32))
    assert other.graded == 1 and res.status == "pass"  # other hidden cases: graded afresh
    public, res = run(one)
    assert public.graded == 1 and res.verdict["cases"] == "public"
