"""What a student reads is true of the file they were handed: the README and hints of every
exercise in a bundle quote paths that exist in the bundle, names that exist in the student's
own file, and only output (numbers, file:line) that the student's program prints."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from bughunt.assign import write_assignment
from bughunt.batch.model import Student
from bughunt.sets import load_sets
from bughunt.variants.prose import DROPPED, NOTE, Handout, rewrite_markdown
from bughunt.variants.syntax import identifiers
from tests.conftest import EXERCISES, ROOT

SETS = load_sets(ROOT, EXERCISES)
ROSTER = [Student("ada"), Student("bo"), Student("cy")]
SEED = 11
_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@pytest.fixture(scope="module")
def every_exercise(tmp_path_factory):
    return write_assignment(SETS["all"], tmp_path_factory.mktemp("truth") / "out", roster=ROSTER, seed=SEED)


@pytest.fixture(scope="module")
def starter_shared(tmp_path_factory):
    return write_assignment(SETS["starter"], tmp_path_factory.mktemp("truth-shared") / "out")


def _code_in(markdown: str) -> list[str]:
    """Inline code spans and the lines of Python blocks (program output is checked by running it)."""
    code, prose, fence = [], [], None
    for line in markdown.splitlines():
        if line.strip().startswith("```"):
            fence = None if fence is not None else line.strip()[3:].strip()
            continue
        if fence is None:
            prose.append(line)
        elif fence in ("python", "py"):
            code.append(line)
    return code + [m.group(2) for m in _SPAN.finditer("\n".join(prose))]


def test_no_library_paths_in_any_bundle(every_exercise, starter_shared):
    for bundle in [*every_exercise.student_bundles, *starter_shared.student_bundles]:
        for path in bundle.rglob("*.md"):
            text = path.read_text(encoding="utf-8")
            assert "exercises/" not in text, f"{path.relative_to(bundle)} quotes a library path"
            # every `<category>/<slug>/...` path quoted exists in the bundle
            for rel in re.findall(r"(?<![\w/.-])([a-z_]+/[a-z0-9-]+/[\w.-]+\.(?:py|ipynb|md))", text):
                assert (bundle / rel).is_file(), f"{path.relative_to(bundle)} quotes {rel}, not in the bundle"


def test_quoted_names_exist_in_the_students_file(every_exercise):
    renamed_somewhere = 0
    for student, bundle in zip(ROSTER, every_exercise.student_bundles):
        for ex in EXERCISES:
            folder = bundle / ex.category / ex.slug
            handed = (folder / ex.file).read_text(encoding="utf-8")
            words = set(_WORD.findall(handed))
            shipped = identifiers(cst.parse_module(ex.path.read_text(encoding="utf-8")))
            for name in ("README.md", "HINTS.md"):
                for code in _code_in((folder / name).read_text(encoding="utf-8")):
                    for word in _WORD.findall(code):
                        if word in shipped:  # it names something in the exercise
                            assert word in words, f"{student.id} {ex.id} {name}: `{code}` quotes {word}, gone from the file"
            shipped_readme = ex.readme.read_text(encoding="utf-8")
            renamed_somewhere += (folder / "README.md").read_text(encoding="utf-8") != shipped_readme.replace("exercises/", "")
    assert renamed_somewhere  # the check above had names to rewrite


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def _pattern(line: str) -> re.Pattern:
    """A README output line as a pattern for the line the program prints: … is any number,
    […] any printed array, runs of spaces any spacing (numpy pads arrays to the widest value)."""
    parts = re.split(rf"(\[{DROPPED}\]|{DROPPED}|\s+)", line.strip())
    regex = "".join(
        r"\[[^\]]*\]?" if p == f"[{DROPPED}]" else _NUMBER if p == DROPPED else r"\s+" if p.isspace() else re.escape(p)
        for p in parts if p
    )
    return re.compile(regex)


def _symptom(readme: str) -> list[str]:
    """The output lines of the first fenced block without a language (not the command)."""
    lines = readme.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "```")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].strip() == "```")
    return [line for line in lines[start + 1:end] if not line.startswith("$ ") and not re.fullmatch(r"\s*[~^]+\s*", line)]


def _printed(bundle: Path, ex) -> list[str]:
    rel = f"{ex.category}/{ex.slug}/{ex.file}"
    run = subprocess.run([sys.executable, rel], cwd=bundle, capture_output=True, text=True)
    # Python names the script by its absolute path in tracebacks and warnings; the README by the bundle's
    return (run.stdout + run.stderr).replace(f"{bundle.resolve()}/", "").replace(f"{bundle}/", "").splitlines()


@pytest.mark.parametrize("which", ["variant", "shared"])
def test_the_symptom_is_what_the_students_program_prints(which, every_exercise, starter_shared, tmp_path):
    if which == "variant":
        bundle = every_exercise.student_bundles[0]
    else:
        bundle = starter_shared.student_bundles[0]
    checked = dropped = 0
    for ex in SETS["starter"].exercises:
        readme = (bundle / ex.category / ex.slug / "README.md").read_text(encoding="utf-8")
        printed = _printed(bundle, ex)
        for line in _symptom(readme):
            pattern = _pattern(line)
            assert any(pattern.fullmatch(p.strip()) for p in printed), (
                f"{which} {ex.id}: the README says {line!r}; the program printed:\n" + "\n".join(printed)
            )
            checked += 1
        dropped += NOTE in readme
    assert checked > 20
    # the shipped files print what their READMEs say; every variant here works on other data
    assert dropped == (0 if which == "shared" else len(SETS["starter"].exercises))


# --- the rewriting itself ----------------------------------------------------------------------
SHIPPED = textwrap.dedent("""\
    def train(X, y):
        scaler = make()
        X_scaled = scaler.fit(X)
        return X_scaled


    if __name__ == "__main__":
        X = load()
        print(train(X, 1))
    """)
README = "".join([
    "Run `python exercises/leakage/demo/pipeline.py`: `X_scaled = scaler.fit(X)` learns from every row.\n",
    "\n",
    "```\n",
    "$ python exercises/leakage/demo/pipeline.py\n",
    "iteration 10: loss 0.25 [0.1 0.2]\n",
    "Traceback (most recent call last):\n",
    '  File "exercises/leakage/demo/pipeline.py", line 3, in train\n',
    "    X_scaled = scaler.fit(X)\n",
    "               ^^^^^^^^^^^^^\n",
    "```\n",
    "\n",
    "```python\n",
    "X_scaled = scaler.fit(X)\n",
    "```\n",
])


def test_rewriting_names_lines_and_numbers():
    renames = {"X_scaled": "standardized", "scaler": "std_scaler", "X": "features"}
    # the variant: `X` survives as train's parameter, the demo's X and the locals are renamed
    variant = SHIPPED.replace("X_scaled", "standardized").replace("scaler", "std_scaler").replace("    X = load()\n", "    features = load()\n").replace("train(X, 1)", "train(features, 1)")
    variant = "import numpy\n" + variant  # a moved line: the traceback's line number follows
    text = rewrite_markdown(README, Handout(variant, renames, new_data=True))
    assert "exercises/" not in text
    assert "`standardized = std_scaler.fit(X)` learns" in text  # X is still a name in the file: kept
    assert '  File "leakage/demo/pipeline.py", line 4, in train\n    standardized = std_scaler.fit(X)\n' in text
    assert "\n" + " " * 19 + "^" * 17 + "\n" in text  # the markers follow the longer names
    assert f"iteration 10: loss {DROPPED} [{DROPPED}]" in text  # the label stays, the values go
    assert NOTE in text and text.index(NOTE) < text.index("```\n$ python")
    assert "```python\nstandardized = std_scaler.fit(X)\n```" in text
    # the shipped file itself: paths only, numbers kept, no note
    same = rewrite_markdown(README, Handout(SHIPPED))
    assert same == README.replace("exercises/", "")


def test_names_inside_strings_and_after_dots_stay():
    handout = Handout("w = 1\n", {"model": "clf", "fit": "train_fn"}, new_data=False)
    text = rewrite_markdown("`model.fit(X)` and `params['model']` and `print(\"model\")`\n", handout)
    assert text == "`clf.fit(X)` and `params['model']` and `print(\"model\")`\n"


def test_a_line_that_cannot_be_found_loses_its_number_not_its_code():
    handout = Handout("def f():\n    a = 1\n    a = 1\n", {}, new_data=False)
    text = rewrite_markdown('```\n  File "x/y/z.py", line 2, in g\n    a = 1\n```\n', handout)
    assert f'  File "x/y/z.py", line {DROPPED}, in g\n    a = 1\n' in text
