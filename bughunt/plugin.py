"""pytest plugin: `pytest exercises/leakage` collects one item per exercise file and reports
the grader's verdict instead of a traceback. Registered through the `pytest11` entry point.

The checks live in graders/ and run through the same `grade` call as `bughunt check`, so
a student's self-check and an instructor's grading agree on every file.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from .manifest import ManifestError, load
from .paths import RootNotFound, find_root


class VerdictFailure(Exception):
    def __init__(self, verdict):
        super().__init__(verdict.status)
        self.verdict = verdict


def _index(config, start: Path) -> dict[Path, object]:
    cache = config.stash.setdefault(_KEY, {})
    try:
        root = find_root(start)
    except RootNotFound:
        return {}
    if root not in cache:
        try:
            cache[root] = {ex.path.resolve(): ex for ex in load(root)}
        except ManifestError:
            cache[root] = {}
    return cache[root]


_KEY = pytest.StashKey[dict]()


def _bundle_exercise(config, file_path: Path):
    """The exercise a student bundle (from `bughunt assign`) hands out as this file, if any."""
    from .bundle import BundleError, find_bundle

    try:
        bundle = find_bundle(file_path.parent)
    except BundleError:
        return None
    if bundle is None:
        return None
    for ex_id, path in bundle.files.items():
        if path.resolve() == file_path.resolve():
            library = _index(config, Path.cwd())
            return next((ex for ex in library.values() if ex.id == ex_id), None)
    return None


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix not in (".py", ".ipynb"):
        return None
    exercise = None
    if file_path.suffix == ".py" and "exercises" in file_path.parts:
        exercise = _index(parent.config, file_path.parent).get(file_path.resolve())
    if exercise is None:
        exercise = _bundle_exercise(parent.config, file_path)
    if exercise is None:
        return None
    return ExerciseFile.from_parent(parent, path=file_path, exercise=exercise)


class ExerciseFile(pytest.File):
    def __init__(self, *, exercise, **kwargs):
        super().__init__(**kwargs)
        self.exercise = exercise

    def collect(self):
        yield ExerciseItem.from_parent(self, name=self.exercise.slug, exercise=self.exercise)


class ExerciseItem(pytest.Item):
    def __init__(self, *, exercise, **kwargs):
        super().__init__(**kwargs)
        self.exercise = exercise
        self.add_marker(pytest.mark.bughunt)

    def runtest(self):
        from .workspace import grade_file

        verdict = grade_file(self.exercise, self.path)
        _record(self.exercise, self.path, verdict.status)
        self.user_properties.append(("verdict", verdict.to_dict()))
        if verdict.status != "pass":
            raise VerdictFailure(verdict)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, VerdictFailure):
            v = excinfo.value.verdict
            head = f"{v.exercise}: {v.status.upper()} (score {v.score}/{v.max_score})"
            body = [v.reason] if v.status == "error" else [f"- {line}" for line in v.lines()]
            hint = f"Stuck? `bughunt hint {v.exercise}` shows a hint."
            return "\n".join([head, *body, hint])
        return f"bughunt could not grade {self.exercise.id}: {excinfo.value!r}"

    def reportinfo(self):
        return self.path, None, f"bughunt: {self.exercise.id}"


def _record(exercise, path: Path, status: str) -> None:
    """Keep the verdict in the same progress store as `bughunt check`, so `bughunt list`
    counts a pass under pytest too. Progress is a convenience: a failure here is ignored."""
    try:
        from .workspace import context, record

        ctx = context(Path(path).parent)
        mine = ctx.files.get(exercise.id)
        if mine is not None and Path(mine).resolve() == Path(path).resolve():
            record(ctx, exercise, Path(path), status)
    except Exception:
        pass


def pytest_configure(config):
    config.addinivalue_line("markers", "bughunt: a bughunt exercise graded by its grader")
