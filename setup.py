"""Build hook: ship exercises/, graders/ and examples/ inside the wheel as bughunt/exercises,
bughunt/graders and bughunt/examples (package data), from where they sit in the repository, so that
`pip install bughunt` alone gives every command its exercises. Everything else is in
pyproject.toml."""
import os

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = {"bughunt.exercises": "exercises", "bughunt.graders": "graders", "bughunt.examples": "examples"}
SKIP_DIRS = {"__pycache__", ".pytest_cache", ".bughunt"}


def _files(folder: str) -> list[str]:
    out = []
    base = os.path.join(HERE, folder)
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo", "~")) or name.startswith("."):
                continue
            out.append(os.path.relpath(os.path.join(dirpath, name), base).replace(os.sep, "/"))
    return out


setup(
    packages=find_packages(where=HERE, include=["bughunt", "bughunt.*"]) + sorted(DATA),
    package_dir={name: folder for name, folder in DATA.items()},
    package_data={"bughunt": ["templates/*.j2"], **{name: _files(folder) for name, folder in DATA.items()}},
    include_package_data=False,
)
