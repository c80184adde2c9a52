from __future__ import annotations

import ast
import dataclasses
import fcntl
import datetime as dt
import hashlib
import json
import os
import pickle
import re
from pathlib import Path

import pytest

from bughunt import assign as assign_mod
from bughunt.assign import AssignError, describe_sets, write_assignment
from bughunt.batch.model import Student, read_roster
from bughunt.bundle import MARKER, BundleError, find_bundle
from bughunt.grader import load_grader
from bughunt.secret import SECRET_FILE, read_secret
from bughunt.sets import load_sets, resolve
from bughunt.variants import Prepared, broken_and_fixed, make_variant, variant_key
from bughunt.variants.prose import Handout, rewrite_markdown

from .conftest import EXERCISES, ROOT

SEED = 7
STARTER = load_sets(ROOT, EXERCISES, extra=None)["starter"]
ROSTER = [Student(f"s{i:03d}", name=f"Student {i}", email=f"s{i:03d}@uni.example", section="AB"[i % 2])
          for i in range(1, 31)]


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _tree_but_secret(folder: Path) -> dict[str, bytes]:
    """Everything but the grading secret, which is random by design."""
    return {rel: data for rel, data in _tree(folder).items() if not rel.endswith(SECRET_FILE)}


def _expected_bundle_files(bugset) -> set[str]:
    files = {"README.md", MARKER}
    for ex in bugset.exercises:
        base = f"{ex.category}/{ex.slug}"
        files |= {f"{base}/{ex.file}", f"{base}/README.md", f"{base}/HINTS.md"}
    return files


@pytest.fixture(scope="session")
def class_out(tmp_path_factory):
    """The 30-student assignment, built once per test session: variants take most of a minute
    for a class, so pytest-xdist workers share one build (the first to take the lock writes it)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the folder every worker's basetemp sits in
    out, saved = base / "assign-class" / "week1", base / "assign-class" / "result.pickle"
    with open(base / "assign-class.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not saved.exists():
            messages: list[str] = []
            result = write_assignment(STARTER, out, roster=ROSTER, seed=SEED, progress=messages.append)
            saved.write_bytes(pickle.dumps((result, messages)))
        return pickle.loads(saved.read_bytes())


@pytest.fixture(scope="module")
def shared_out(tmp_path_factory):
    return write_assignment(STARTER, tmp_path_factory.mktemp("shared") / "out")


# --- with a roster --------------------------------------------------------------------

def test_one_bundle_per_student_and_nothing_else(class_out):
    result, messages = class_out
    out = result.out
    assert result.student_bundles == [out / "students" / s.id for s in ROSTER]
    assert result.instructor == out / "instructor"
    assert result.variants == len(ROSTER) * len(STARTER.entries)
    assert sorted(p.name for p in out.iterdir()) == [".bughunt-assign.json", "instructor", "students"]
    assert sorted(p.name for p in (out / "students").iterdir()) == [s.id for s in ROSTER]
    expected = _expected_bundle_files(STARTER)
    for bundle in result.student_bundles:
        assert set(_tree(bundle)) == expected, bundle
    assert len(messages) == len(ROSTER) + 1 and messages[0].startswith("students/s001/")


def test_instructor_bundle(class_out):
    result, _ = class_out
    inst = result.instructor
    names = {p for p in _tree(inst) if not p.startswith("solutions/")}
    assert names == {"set.toml", "assignment.json", "roster.csv", "README.md", SECRET_FILE}
    assert sorted(p.name for p in (inst / "solutions").iterdir()) == [s.id for s in ROSTER]
    assert read_roster(inst / "roster.csv") == ROSTER
    readme = (inst / "README.md").read_text()
    assert "bughunt grade SUBMISSIONS --set week1/instructor --out RESULTS" in readme
    # The frozen set grades exactly what was handed out.
    frozen = resolve(str(inst), ROOT, EXERCISES)
    assert frozen.name == "starter"
    assert [(e.exercise.id, e.points) for e in frozen.entries] == [(e.exercise.id, e.points) for e in STARTER.entries]
    assert frozen.scoring == STARTER.scoring


def test_every_handed_out_file_parses_and_is_the_variant(class_out):
    result, _ = class_out
    for student, bundle in zip(ROSTER, result.student_bundles):
        for ex in STARTER.exercises:
            text = (bundle / ex.category / ex.slug / ex.file).read_text(encoding="utf-8")
            ast.parse(text, filename=f"{student.id}/{ex.id}")
    # What make_variant returns for the student's key, for a sample (variants may be slow to build).
    for student, bundle in list(zip(ROSTER, result.student_bundles))[::10]:
        for ex in STARTER.exercises:
            key = variant_key(SEED, student.id, ex.id)
            want = make_variant(ex, ex.path.read_text(encoding="utf-8"), key).text
            assert (bundle / ex.category / ex.slug / ex.file).read_text(encoding="utf-8") == want


def test_exercise_readme_and_hints_are_made_for_the_variant(class_out):
    result, _ = class_out
    bundle = result.student_bundles[3]
    for ex in STARTER.exercises:
        folder = bundle / ex.category / ex.slug
        variant = make_variant(ex, ex.path.read_text(encoding="utf-8"), variant_key(SEED, bundle.name, ex.id))
        assert (folder / ex.file).read_text() == variant.text
        truth = Handout(variant.text, variant.renames, bool(variant.data_changes))
        assert (folder / "README.md").read_text() == rewrite_markdown(ex.readme.read_text(), truth)
        assert (folder / "HINTS.md").read_text() == rewrite_markdown(assign_mod.hints_markdown(ex), truth)
        hints = (folder / "HINTS.md").read_text()
        for i, hint in enumerate(ex.hints, start=1):
            assert f"\n{i}. {hint}\n" in hints
        # The "try first" wording comes before the first hint.
        assert hints.index("Try the exercise") < hints.index("\n1. ")


def test_assignment_json_matches_the_files(class_out):
    result, _ = class_out
    data = json.loads((result.instructor / "assignment.json").read_text())
    assert data["set"] == "starter" and data["seed"] == SEED and data["roster"] is True
    assert data["generated_by"].startswith("bughunt ")
    assert data["exercises"] == {e.exercise.id: e.points for e in STARTER.entries}
    assert list(data["students"]) == [s.id for s in ROSTER]
    for student, bundle in zip(ROSTER, result.student_bundles):
        entries = data["students"][student.id]
        assert list(entries) == [ex.id for ex in STARTER.exercises]
        for ex in STARTER.exercises:
            entry = entries[ex.id]
            handed = bundle / entry["file"]
            assert handed == bundle / ex.category / ex.slug / ex.file
            assert entry["sha256"] == hashlib.sha256(handed.read_bytes()).hexdigest()
            assert entry["key"] == variant_key(SEED, student.id, ex.id)
    # renames/changes are what the variant reported, for a sample.
    student = ROSTER[4]
    for ex in STARTER.exercises:
        variant = make_variant(ex, ex.path.read_text(encoding="utf-8"), variant_key(SEED, student.id, ex.id))
        entry = data["students"][student.id][ex.id]
        assert entry["renames"] == dict(variant.renames) and entry["changes"] == list(variant.changes)


def test_solutions_are_the_fixed_variants(class_out):
    result, _ = class_out
    for student in ROSTER[::15]:
        for ex in STARTER.exercises:
            _, fixed = broken_and_fixed(ex, variant_key(SEED, student.id, ex.id))
            path = result.instructor / "solutions" / student.id / ex.category / ex.slug / ex.file
            assert path.read_text(encoding="utf-8") == fixed.text
            assert fixed.text != (result.out / "students" / student.id / ex.category / ex.slug / ex.file).read_text()


def _leak_needles(bugset) -> list[tuple[str, str]]:
    """(what, text) pairs that must not appear in any student file: the new text of the reference
    fix and of every PASS/FAIL example, unless a shipped file already holds it (the log_epsilon files,
    for one, ship a stable sigmoid: the sigmoid exercises' fix, handed out on purpose)."""
    needles = []
    shipped = "\n".join(ex.path.read_text(encoding="utf-8") for ex in bugset.exercises)
    for ex in bugset.exercises:
        grader = load_grader(ex.grader_path)
        for example in [grader.reference_example(), *grader.PASS, *grader.FAIL]:
            for _old, new in example.edits:
                new = new.strip()
                if len(new) >= 8 and new not in shipped:
                    needles.append((f"{ex.id}: {example.name}", new))
    return needles


def _solution_hunks(broken: str, fixed: str) -> list[str]:
    """Blocks of consecutive lines the fix adds that the broken file has nowhere (moved code is not new)."""
    have = {line.strip() for line in broken.splitlines()}
    hunks, current = [], []
    for line in fixed.splitlines() + [""]:
        if line.strip() and line.strip() not in have:
            current.append(line.strip())
        else:
            if current and len(" ".join(current)) >= 8:
                hunks.append(current)
            current = []
    return hunks


def _leaks(bundle: Path, solutions: Path, needles: list[tuple[str, str]]) -> list[str]:
    problems = []
    for p in bundle.rglob("*"):
        if "graders" in p.relative_to(bundle).parts or p.suffix == ".part":
            problems.append(f"{p.relative_to(bundle)} should not exist")
    texts = {rel: data.decode("utf-8") for rel, data in _tree(bundle).items()}
    for rel, text in texts.items():
        problems += [f"{rel} holds the fix of {what}" for what, needle in needles if needle in text]
        problems += [f"{rel} holds grader code ({s})" for s in ("GRADER =", "def probe(", "REFERENCE") if s in text]
    # The instructor's solution for this very bundle: its new lines are in no README, hints or marker.
    prose = {rel: {ln.strip() for ln in text.splitlines()} for rel, text in texts.items() if not rel.endswith(".py")}
    for ex in STARTER.exercises:
        rel = f"{ex.category}/{ex.slug}/{ex.file}"
        hunks = _solution_hunks(texts[rel], (solutions / rel).read_text())
        if not hunks:
            problems.append(f"{ex.id}: the solution adds nothing new")
        problems += [f"{other} holds the solution of {ex.id}" for hunk in hunks
                     for other, lines in prose.items() if set(hunk) <= lines]
    return problems


def test_no_fix_grader_or_example_leaks_into_student_bundles(class_out, shared_out):
    result, _ = class_out
    needles = _leak_needles(STARTER)
    assert needles, "the leak check found nothing to look for"
    for bundle in result.student_bundles:
        assert _leaks(bundle, result.instructor / "solutions" / bundle.name, needles) == [], bundle
    shared = shared_out.student_bundles[0]
    assert _leaks(shared, shared_out.instructor / "solutions" / "all", needles) == []


def test_the_leak_check_sees_a_planted_leak(shared_out, tmp_path):
    import shutil

    needles = _leak_needles(STARTER)
    solutions = shared_out.instructor / "solutions" / "all"
    ex = STARTER.exercises[0]
    rel = f"{ex.category}/{ex.slug}"
    for plant in ("solution", "grader"):
        bundle = tmp_path / plant
        shutil.copytree(shared_out.student_bundles[0], bundle)
        if plant == "solution":
            hints = bundle / rel / "HINTS.md"
            hints.write_text(hints.read_text() + "\n```\n" + (solutions / rel / ex.file).read_text() + "```\n")
        else:
            (bundle / "graders").mkdir()
            shutil.copy(ex.grader_path, bundle / "graders" / ex.grader_path.name)
        problems = _leaks(bundle, solutions, needles)
        assert any(f"{rel}/HINTS.md holds" in p for p in problems) if plant == "solution" else \
            any("graders" in p for p in problems) and any("holds grader code" in p for p in problems), problems


def test_same_inputs_give_byte_identical_bundles(class_out, shared_out, tmp_path):
    # Variants take a while to build, so the class is not written twice in full: a student's
    # bundle depends only on (set, seed, student), which a smaller roster shows as well.
    result, _ = class_out
    some = ROSTER[::13]
    again = write_assignment(STARTER, tmp_path / "week1", roster=some, seed=SEED)
    for s in some:
        for part in (f"students/{s.id}", f"instructor/solutions/{s.id}"):
            assert _tree(again.out / part) == _tree(result.out / part), part
    first = json.loads((result.instructor / "assignment.json").read_text())
    second = json.loads((again.instructor / "assignment.json").read_text())
    assert second["students"] == {s.id: first["students"][s.id] for s in some}
    # Whole trees, instructor files included, byte for byte; only the grading secret is new.
    again_shared = write_assignment(STARTER, tmp_path / "x" / "out")
    assert _tree_but_secret(again_shared.out) == _tree_but_secret(shared_out.out)
    assert read_secret(again_shared.instructor) != read_secret(shared_out.instructor)


def test_another_seed_gives_other_keys(class_out, tmp_path):
    result, _ = class_out
    other = write_assignment(STARTER, tmp_path / "week1", roster=ROSTER[:2], seed=SEED + 1)
    data = json.loads((other.instructor / "assignment.json").read_text())
    first = json.loads((result.instructor / "assignment.json").read_text())
    ex_id = STARTER.exercises[0].id
    assert data["students"]["s001"][ex_id]["key"] != first["students"]["s001"][ex_id]["key"]


# --- without a roster -----------------------------------------------------------------

def test_no_roster_bundle_is_the_shipped_files(shared_out):
    out = shared_out.out
    assert shared_out.student_bundles == [out / "student"] and shared_out.variants == 0
    assert sorted(p.name for p in out.iterdir()) == [".bughunt-assign.json", "instructor", "student"]
    tree = _tree(out / "student")
    assert set(tree) == _expected_bundle_files(STARTER)
    for ex in STARTER.exercises:
        assert tree[f"{ex.category}/{ex.slug}/{ex.file}"] == ex.path.read_bytes()
        fixed = load_grader(ex.grader_path).reference_example().apply(ex.path.read_text(encoding="utf-8"))
        assert (out / "instructor" / "solutions" / "all" / ex.category / ex.slug / ex.file).read_text() == fixed
    assert not (out / "instructor" / "roster.csv").exists()
    data = json.loads((out / "instructor" / "assignment.json").read_text())
    assert data["roster"] is False and list(data["students"]) == ["all"]
    assert all(e["key"] is None and e["renames"] == {} for e in data["students"]["all"].values())
    marker = (out / "student" / MARKER).read_text()
    assert "student =" not in marker


def test_assignment_readme(shared_out, tmp_path):
    readme = (shared_out.out / "student" / "README.md").read_text()
    assert STARTER.title in readme and "No due date" in readme
    for e in STARTER.entries:
        ex = e.exercise
        assert f"`{ex.id}`" in readme and f"`{ex.category}/{ex.slug}/{ex.file}`" in readme
        assert f"| {ex.difficulty} | 10 |" in readme
    assert f"bughunt check {STARTER.exercises[0].id}" in readme and "bughunt hint <category>/<slug>" in readme
    assert "Zip this whole folder" in readme
    assert "solution" not in readme.lower()
    dated = dataclasses.replace(STARTER, due=dt.datetime(2026, 12, 1, 23, 59), scoring="partial",
                                entries=tuple(dataclasses.replace(e, points=2.5) for e in STARTER.entries))
    result = write_assignment(dated, tmp_path / "dated", roster=ROSTER[:1])
    text = (result.student_bundles[0] / "README.md").read_text()
    assert "**Due: 2026-12-01 23:59.**" in text and "No due date" not in text
    assert "Student 1 (s001)" in text and "| 2.5 |" in text and "15 points in total" in text
    assert "at most half" in text


# --- safe writing ---------------------------------------------------------------------

def test_refuses_a_foreign_non_empty_folder(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(AssignError, match="not empty and was not written by `bughunt assign`"):
        write_assignment(STARTER, out)
    assert _tree(out) == {"notes.txt": b"keep me"} and [p.name for p in out.iterdir()] == ["notes.txt"]


def test_refuses_a_file_and_accepts_an_empty_folder(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(AssignError, match="is a file"):
        write_assignment(STARTER, tmp_path / "f")
    (tmp_path / "empty").mkdir()
    assert (write_assignment(STARTER, tmp_path / "empty").out / "student" / "README.md").is_file()


def test_replaces_its_own_output_cleanly(tmp_path):
    out = tmp_path / "out"
    first = write_assignment(STARTER, out, roster=ROSTER[:2], seed=1)
    secret = read_secret(first.instructor)
    assert not first.secret_kept and secret is not None
    fewer = write_assignment(STARTER, out, roster=ROSTER[:1], seed=1)
    assert sorted(p.name for p in (out / "students").iterdir()) == ["s001"]
    assert not (out / "instructor" / "solutions" / "s002").exists()
    assert [p.name for p in out.iterdir() if p.name.startswith(".bughunt-assign-tmp")] == []
    # Assigning again keeps the grading secret: the hidden cases do not change under the class.
    assert fewer.secret_kept and read_secret(fewer.instructor) == secret
    assert "its secret was kept" in (fewer.instructor / "README.md").read_text()
    # Same inputs, fresh folder: byte-identical, instructor files included, but for the new
    # secret and the README line that says the old one was kept.
    fresh = write_assignment(STARTER, tmp_path / "x" / "out", roster=ROSTER[:1], seed=1)
    a, b = _tree(fewer.out), _tree(fresh.out)
    assert {rel for rel in a.keys() | b.keys() if a.get(rel) != b.get(rel)} == {
        f"instructor/{SECRET_FILE}", "instructor/README.md"
    }
    # --new-secret: a new one, on purpose.
    renewed = write_assignment(STARTER, out, roster=ROSTER[:1], seed=1, new_secret=True)
    assert not renewed.secret_kept and read_secret(renewed.instructor) not in (None, secret)
    # From roster to shared: the per-student bundles go.
    write_assignment(STARTER, out)
    assert sorted(p.name for p in out.iterdir()) == [".bughunt-assign.json", "instructor", "student"]


def test_the_grading_secret_is_private_and_never_in_a_student_bundle(class_out, shared_out):
    for result in (class_out[0], shared_out):
        path = result.instructor / SECRET_FILE
        secret = read_secret(result.instructor)
        assert secret is not None and path.stat().st_mode & 0o777 == 0o600
        instructor_files = {Path(rel).name for rel in _tree(result.instructor) if not rel.startswith("solutions/")}
        for bundle in result.student_bundles:
            for rel, data in _tree(bundle).items():
                assert secret not in data.decode("utf-8"), f"{bundle.name}/{rel} holds the grading secret"
                assert Path(rel).name not in instructor_files - {"README.md"}, f"{bundle.name}/{rel} is an instructor file"
        readme = (result.instructor / "README.md").read_text()
        assert SECRET_FILE in readme and "private" in readme and "--new-secret" in readme


def test_a_damaged_secret_stops_a_rerun(tmp_path):
    # rather than silently grading the class on other hidden cases
    result = write_assignment(STARTER, tmp_path / "out")
    (result.instructor / SECRET_FILE).write_text("not a secret\n")
    before = _tree(result.out)
    with pytest.raises(AssignError, match="damaged.*--new-secret"):
        write_assignment(STARTER, result.out)
    assert _tree(result.out) == before
    assert read_secret(write_assignment(STARTER, result.out, new_secret=True).instructor) is not None


def test_refuses_its_own_output_once_someone_added_files(tmp_path):
    out = tmp_path / "out"
    write_assignment(STARTER, out)
    added = out / "instructor" / "grades.csv"
    added.write_text("s001,10\n")
    before = _tree(out)
    with pytest.raises(AssignError, match="instructor/grades.csv"):
        write_assignment(STARTER, out)
    assert _tree(out) == before


def test_a_failed_run_leaves_the_old_output(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_assignment(STARTER, out, roster=ROSTER[:2])
    before = _tree(out)
    calls = []
    variants = Prepared.variants

    def flaky(self, key):
        calls.append(key)
        if len(calls) == 5:
            raise RuntimeError("disk full")
        return variants(self, key)

    monkeypatch.setattr(Prepared, "variants", flaky)
    with pytest.raises(AssignError, match="cannot build the variant of .* for s001 .*: disk full"):
        write_assignment(STARTER, out, roster=ROSTER[:3])
    assert _tree(out) == before
    assert [p.name for p in out.iterdir() if p.name.startswith(".bughunt-assign-tmp")] == []


@pytest.mark.parametrize("roster,needle", [
    ([], "lists no students"),
    ([Student("a1"), Student("a1")], "'a1' appears twice"),
    ([Student("../evil")], "cannot name a folder"),
])
def test_bad_rosters(tmp_path, roster, needle):
    with pytest.raises(AssignError, match=needle):
        write_assignment(STARTER, tmp_path / "out", roster=roster)
    assert not (tmp_path / "out").exists()


# --- finding a bundle -----------------------------------------------------------------

def test_find_bundle_from_inside(class_out):
    result, _ = class_out
    bundle_dir = result.student_bundles[2]
    ex = STARTER.exercises[1]
    for start in (bundle_dir, bundle_dir / ex.category, bundle_dir / ex.category / ex.slug / ex.file):
        bundle = find_bundle(start)
        assert bundle is not None and bundle.root == bundle_dir.resolve()
        assert bundle.set_name == "starter" and bundle.student == ROSTER[2].id
        assert list(bundle.files) == [e.id for e in STARTER.exercises]
        assert bundle.file_for(ex.id) == bundle_dir.resolve() / ex.category / ex.slug / ex.file
        assert all(p.is_file() for p in bundle.files.values())
    assert find_bundle(result.out) is None
    assert find_bundle(result.instructor / "solutions") is None


def test_find_bundle_shared(shared_out):
    bundle = find_bundle(shared_out.student_bundles[0])
    assert bundle is not None and bundle.student is None and len(bundle.files) == len(STARTER.entries)


@pytest.mark.parametrize("text,needle", [
    ("format_version = 1\nset = \"s\"\n[exercises\n", "not valid TOML"),
    ("format_version = 9\nset = \"s\"\n[exercises]\n\"a/b\" = \"a/b/f.py\"\n", "format_version should be 1"),
    ("format_version = 1\n[exercises]\n\"a/b\" = \"a/b/f.py\"\n", "lacks the set name"),
    ("format_version = 1\nset = \"s\"\n", "lacks the [exercises] table"),
    ("format_version = 1\nset = \"s\"\n[exercises]\n\"a/b\" = \"../../etc/passwd\"\n", "relative inside the bundle"),
    ("format_version = 1\nset = \"s\"\n[exercises]\n\"a/b\" = \"/etc/passwd\"\n", "relative inside the bundle"),
])
def test_bad_markers_are_clear_errors(tmp_path, text, needle):
    (tmp_path / "b" / "deep").mkdir(parents=True)
    (tmp_path / "b" / MARKER).write_text(text)
    with pytest.raises(BundleError, match=re.escape(needle)) as exc:
        find_bundle(tmp_path / "b" / "deep")
    assert MARKER in str(exc.value)


# --- `bughunt sets` -------------------------------------------------------------------

def test_describe_sets(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text('format_version = 1\n[sets.week3]\ntitle = "Week 3"\nexercises = "sigmoid"\npoints = 5\n'
                    "due = 2026-12-01T23:59:00\n")
    rows = describe_sets(load_sets(ROOT, EXERCISES, extra=mine))
    by_name = {r[0]: r for r in rows}
    assert by_name["starter"] == ("starter", STARTER.title, 6, 60.0, "", "built-in")
    assert by_name["week3"] == ("week3", "Week 3", 3, 15.0, "2026-12-01 23:59", str(mine))
    assert [r[0] for r in rows][-1] == "week3"
