from __future__ import annotations

import pytest

from bughunt.manifest import ManifestError, load, select

from .conftest import EXERCISES


def _tree(tmp_path, top: str, cat: str):
    (tmp_path / "exercises" / "leakage").mkdir(parents=True)
    (tmp_path / "exercises" / "manifest.toml").write_text(top)
    (tmp_path / "exercises" / "leakage" / "manifest.toml").write_text(cat)
    return tmp_path


ENTRY = '[[exercise]]\nid = "leakage/a"\ntitle = "A"\ndifficulty = "easy"\nfile = "p.py"\nhints = ["h1", "h2"]\n'


def test_loads_a_valid_tree(tmp_path):
    root = _tree(tmp_path, 'format_version = 1\ncategories = ["leakage"]\n', "format_version = 1\n" + ENTRY)
    [ex] = load(root)
    assert ex.id == "leakage/a" and ex.grader_path.name == "a.py" and ex.hints == ("h1", "h2")


@pytest.mark.parametrize(
    "top,cat,needle",
    [
        ('format_version = 2\ncategories = ["leakage"]\n', "format_version = 1\n", "format_version should be 1"),
        ('format_version = 1\ncategories = ["leakage"]\n', "format_version = 1\n" + ENTRY.replace('title = "A"\n', ""), "title"),
        ('format_version = 1\ncategories = ["leakage"]\n', "format_version = 1\n" + ENTRY + ENTRY, "duplicate"),
        ('format_version = 1\ncategories = ["leakage"]\n', "format_version = 1\n" + ENTRY.replace("leakage/a", "other/a"), "should start with"),
        ('format_version = 1\ncategories = ["leakage", "ghost"]\n', "format_version = 1\n", "ghost"),
    ],
)
def test_rejects_bad_manifests(tmp_path, top, cat, needle):
    with pytest.raises(ManifestError, match=needle):
        load(_tree(tmp_path, top, cat))


def test_select_by_id_category_and_glob():
    ids = {e.id for e in EXERCISES}
    assert {e.id for e in select(EXERCISES, "leakage")} == {i for i in ids if i.startswith("leakage/")}
    assert [e.id for e in select(EXERCISES, "leakage/scaler-before-split")] == ["leakage/scaler-before-split"]
    assert {e.id for e in select(EXERCISES, "leakage/*")} == {i for i in ids if i.startswith("leakage/")}
    assert select(EXERCISES, "nothing-here") == []
