from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from bughunt.sets import SetError, expand, load_sets, read_file, resolve
from bughunt.verdict import Check, Suppression, Verdict

from .conftest import EXERCISES, ROOT

IDS = [e.id for e in EXERCISES]
LEAKAGE = [e.id for e in EXERCISES if e.category == "leakage"]


def _write(tmp_path, body: str, name: str = "sets.toml"):
    path = tmp_path / name
    path.write_text("format_version = 1\n" + body, encoding="utf-8")
    return path


def _one(tmp_path, body: str):
    path = _write(tmp_path, body)
    [bugset] = read_file(path, EXERCISES).values()
    return bugset


# --- built-in sets -------------------------------------------------------------------

def test_builtin_sets_load_and_cover_every_exercise():
    sets = load_sets(ROOT, EXERCISES, extra=None)
    assert {"starter", "leakage", "gradients", "numerics", "shapes", "all"} <= set(sets)
    assert all(s.builtin and s.source == ROOT / "exercises" / "sets.toml" for s in sets.values())
    assert [e.id for e in sets["all"].exercises] == IDS
    assert [e.id for e in sets["leakage"].exercises] == LEAKAGE
    assert {e.category for e in sets["starter"].exercises} == {e.category for e in EXERCISES}
    assert sets["starter"].total_points == 10 * len(sets["starter"].entries)


def test_instructor_file_adds_and_overrides(tmp_path, monkeypatch):
    monkeypatch.delenv("BUGHUNT_SETS", raising=False)
    mine = _write(tmp_path, '[sets.starter]\nexercises = "sigmoid"\n[sets.week1]\nexercises = "leakage"\n')
    sets = load_sets(ROOT, EXERCISES, extra=mine)
    assert [e.category for e in sets["starter"].exercises] == ["sigmoid"] * 3
    assert not sets["starter"].builtin and sets["week1"].source == mine
    monkeypatch.setenv("BUGHUNT_SETS", str(mine))
    assert "week1" in load_sets(ROOT, EXERCISES)


# --- the expression grammar ----------------------------------------------------------

def test_plus_minus_in_written_order():
    got = expand(EXERCISES, "sigmoid/overflow-basic + leakage - leakage/scaled-outside-cv")
    assert [e.id for e in got] == ["sigmoid/overflow-basic"] + [i for i in LEAKAGE if i != "leakage/scaled-outside-cv"]


def test_ids_with_dashes_are_not_split():
    # '-' inside an id is part of the id; only ' - ' with spaces subtracts.
    assert [e.id for e in expand(EXERCISES, "leakage/random-split-time-series")] == ["leakage/random-split-time-series"]


def test_globs_categories_and_lists():
    assert [e.id for e in expand(EXERCISES, "leakage/s*")] == [i for i in LEAKAGE if i.startswith("leakage/s")]
    got = expand(EXERCISES, ["sigmoid", "leakage/scaler-before-split", "sigmoid/overflow-basic"])
    assert [e.id for e in got] == [i for i in IDS if i.startswith("sigmoid/")] + ["leakage/scaler-before-split"]
    # A '-' inside a list item removes from everything chosen so far.
    got = expand(EXERCISES, ["sigmoid", "leakage - sigmoid/overflow-basic"])
    assert "sigmoid/overflow-basic" not in [e.id for e in got] and len(got) == len(LEAKAGE) + 2


@pytest.mark.parametrize("expr,term", [
    ("leakage + no/such-thing", "no/such-thing"),
    ("nonsense", "nonsense"),
    (["sigmoid", "typo/*"], "typo/*"),
])
def test_unknown_term_is_named(expr, term):
    with pytest.raises(SetError, match=re.escape(f"'{term}' matches no exercise")):
        expand(EXERCISES, expr)


def test_empty_selection_and_non_strings():
    with pytest.raises(SetError, match="selects no exercise"):
        expand(EXERCISES, "sigmoid - sigmoid")
    with pytest.raises(SetError, match="should be strings"):
        expand(EXERCISES, ["sigmoid", 3])


def test_unknown_term_in_a_file_names_file_and_set(tmp_path):
    path = _write(tmp_path, '[sets.week2]\nexercises = "leakage + sigmod"\n')
    with pytest.raises(SetError) as exc:
        read_file(path, EXERCISES)
    assert str(path) in str(exc.value) and "'week2'" in str(exc.value) and "'sigmod'" in str(exc.value)


# --- points ----------------------------------------------------------------------------

def test_points_default_and_overrides(tmp_path):
    s = _one(tmp_path, '[sets.w]\nexercises = "sigmoid"\npoints = 4\n'
                       '[sets.w.points_for]\n"sigmoid/overflow-basic" = 12.5\n')
    assert s.points_for("sigmoid/overflow-basic") == 12.5
    others = [e.id for e in s.exercises if e.id != "sigmoid/overflow-basic"]
    assert [s.points_for(i) for i in others] == [4.0, 4.0]
    assert s.total_points == 20.5
    with pytest.raises(KeyError):
        s.points_for("leakage/scaler-before-split")


@pytest.mark.parametrize("body,needle", [
    ('points = -1', "points for sigmoid/"),
    ('points = "ten"', "points for sigmoid/"),
    ('points = true', "points for sigmoid/"),
    ('points = nan', "points for sigmoid/"),
    ('points = inf', "points for sigmoid/"),
    ('[sets.w.points_for]\n"leakage/scaler-before-split" = 3', "not in the set"),
    ('points_for = 3', "points_for should be a table"),
])
def test_bad_points(tmp_path, body, needle):
    path = _write(tmp_path, '[sets.w]\nexercises = "sigmoid"\n' + body + "\n")
    with pytest.raises(SetError, match=needle) as exc:
        read_file(path, EXERCISES)
    assert str(path) in str(exc.value) and "'w'" in str(exc.value)


# --- invalid fields -----------------------------------------------------------------------

@pytest.mark.parametrize("body,needle", [
    ('due = "next friday"', "due should be a TOML date"),
    ('due = 12:00:00', "due should be a TOML date"),
    ('scoring = "generous"', "scoring should be one of all-or-nothing, partial"),
    ('timeout = 0', "timeout should be seconds"),
    ('timeout = 7200', "timeout should be seconds"),
    ('timeout = "30s"', "timeout should be seconds"),
    ('timeout = true', "timeout should be seconds"),
    ('memory_mb = 100', "memory_mb should be an integer"),
    ('memory_mb = 1024.5', "memory_mb should be an integer"),
    ('title = 5', "title should be a string"),
    ('deadline = 2026-12-01', "unknown field(s) deadline"),
])
def test_invalid_fields_name_file_and_set(tmp_path, body, needle):
    path = _write(tmp_path, f'[sets.week3]\nexercises = "sigmoid"\n{body}\n')
    with pytest.raises(SetError) as exc:
        read_file(path, EXERCISES)
    msg = str(exc.value)
    assert needle in msg and str(path) in msg and "'week3'" in msg, msg


@pytest.mark.parametrize("text,needle", [
    ('format_version = 2\n[sets.a]\nexercises = "sigmoid"\n', "format_version should be 1"),
    ('format_version = 1\n[sets.a\n', "not valid TOML"),
    ('format_version = 1\n[set.a]\nexercises = "sigmoid"\n', "unknown top-level key(s) set"),
    ('format_version = 1\nsets = 3\n', "[sets.NAME] tables expected"),
    ('format_version = 1\n[sets."bad name"]\nexercises = "sigmoid"\n', "letters, digits"),
    ('format_version = 1\n[sets.a]\ntitle = "no exercises"\n', "lacks `exercises`"),
])
def test_invalid_files(tmp_path, text, needle):
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(SetError) as exc:
        read_file(path, EXERCISES)
    assert needle in str(exc.value) and str(path) in str(exc.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(SetError, match="cannot read"):
        read_file(tmp_path / "absent.toml", EXERCISES)
    with pytest.raises(SetError, match="no such file"):
        resolve(str(tmp_path / "absent.toml"), ROOT, EXERCISES)


def test_resolve_by_name_file_and_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("BUGHUNT_SETS", raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve("numerics", ROOT, EXERCISES).name == "numerics"
    with pytest.raises(SetError, match="no set named 'numeric'.*starter"):
        resolve("numeric", ROOT, EXERCISES)
    (tmp_path / "inst").mkdir()
    _write(tmp_path / "inst", '[sets.frozen]\nexercises = ["sigmoid/overflow-basic"]\n', name="set.toml")
    assert resolve(str(tmp_path / "inst"), ROOT, EXERCISES).name == "frozen"
    assert resolve(str(tmp_path / "inst" / "set.toml"), ROOT, EXERCISES).name == "frozen"
    two = _write(tmp_path, '[sets.a]\nexercises = "sigmoid"\n[sets.b]\nexercises = "leakage"\n', name="two.toml")
    with pytest.raises(SetError, match="holds 2 sets"):
        resolve(str(two), ROOT, EXERCISES)


# --- freezing --------------------------------------------------------------------------

ROUND_TRIP = [
    '[sets.plain]\nexercises = "leakage/scaler-before-split + sigmoid"\n',
    '[sets.full]\ntitle = "Week 3: \\"leaks\\" \\\\ and\\noverflows\\t!"\n'
    'exercises = "leakage - leakage/scaled-outside-cv"\n'
    'points = 12.3456789\ndue = 2026-12-01T23:59:00\ntimeout = 12.25\nmemory_mb = 1024\nscoring = "partial"\n'
    '[sets.full.points_for]\n"leakage/target-derived-feature" = 15\n',
    '[sets."wk.4"]\ntitle = "Ünïcødé"\nexercises = ["shape_mismatch", "bias_update/*"]\n'
    'due = 2026-05-01\npoints = 0\n',
    '[sets.tz]\nexercises = "sigmoid"\ndue = 2026-12-01T23:59:00+02:00\ntimeout = 30\n',
]


@pytest.mark.parametrize("body", ROUND_TRIP)
def test_to_toml_round_trips(tmp_path, body):
    original = _one(tmp_path, body)
    frozen_path = tmp_path / "frozen.toml"
    frozen_path.write_text(original.to_toml(), encoding="utf-8")
    [again] = read_file(frozen_path, EXERCISES).values()
    keep = ("name", "title", "entries", "due", "timeout", "memory_mb", "scoring")
    assert {k: getattr(again, k) for k in keep} == {k: getattr(original, k) for k in keep}
    assert again.to_toml() == original.to_toml()


def test_to_toml_is_written_by_tomli_w_in_a_fixed_key_order(tmp_path):
    import tomllib

    title = 'Week "3"\n\\ leaks\r\nand \x00 overflows \u00e9'
    base = _one(tmp_path, '[sets.w]\nexercises = "sigmoid/overflow-basic + leakage/scaler-before-split"\n'
                          'points = 2.5\nmemory_mb = 512\ntimeout = 7\n')
    due = dt.datetime(2026, 12, 1, 23, 59, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    original = dataclasses.replace(base, title=title, due=due)
    text = original.to_toml()
    data = tomllib.loads(text)
    body = data["sets"]["w"]
    assert list(data) == ["format_version", "sets"]
    assert list(body) == ["title", "exercises", "due", "timeout", "memory_mb", "scoring", "points_for"]
    assert body["title"] == title and body["due"] == due and body["timeout"] == 7 and body["memory_mb"] == 512
    assert body["points_for"] == {"sigmoid/overflow-basic": 2.5, "leakage/scaler-before-split": 2.5}
    # The newlines of the title are escaped (it stays one line); two tables, the set and its points.
    assert any(line.startswith('title = "Week \\"3\\"\\n\\\\ leaks\\r\\n') for line in text.splitlines())
    assert text.count("\n[") == 2
    path = tmp_path / "frozen.toml"
    path.write_text(text, encoding="utf-8")
    [again] = read_file(path, EXERCISES).values()
    assert (again.title, again.due, again.entries) == (title, due, original.entries)


def test_to_toml_freezes_ids_not_the_expression(tmp_path):
    s = _one(tmp_path, '[sets.w]\nexercises = "sigmoid"\n')
    text = s.to_toml()
    assert '"sigmoid"' not in text
    assert all(f'"{e.id}"' in text for e in s.exercises)
    # A frozen set keeps the exercises it had even if a glob would now match more.
    fewer = [e for e in EXERCISES if e.id != s.exercises[-1].id]
    with pytest.raises(SetError, match=s.exercises[-1].id):
        read_file(_write(tmp_path, text.split("\n", 1)[1], name="f.toml"), fewer)


# --- award -----------------------------------------------------------------------------

def _verdict(status, checks=(), suppressions=()):
    return Verdict(exercise="sigmoid/overflow-basic", file="model.py", status=status,
                   checks=list(checks), suppressions=list(suppressions), reason="boom" if status == "error" else "")


CAUSE_OK = Check("finite", "runtime", True)
CAUSE_BAD = Check("stable", "static", False, "still overflows", 12)
CAUSE_BAD2 = Check("stable2", "runtime", False)
SYMPTOM_BAD = Check("no warning", "runtime", False, root_cause=False)
SUPPRESSED = Suppression("np_errstate", "np.errstate hides the overflow", 20)


@pytest.fixture
def sets(tmp_path):
    body = ('[sets.aon]\nexercises = "sigmoid"\npoints = 8\n'
            '[sets.part]\nexercises = "sigmoid"\npoints = 8\nscoring = "partial"\n')
    return read_file(_write(tmp_path, body), EXERCISES)


@pytest.mark.parametrize("verdict,aon,partial", [
    (_verdict("pass", [CAUSE_OK]), 8.0, 8.0),
    (None, 0.0, 0.0),
    (_verdict("error"), 0.0, 0.0),
    (_verdict("error", [CAUSE_OK]), 0.0, 0.0),
    # Root cause repaired, a symptom check still failing: half of the points under partial.
    (_verdict("fail", [CAUSE_OK, SYMPTOM_BAD]), 0.0, 4.0),
    # Root cause not fixed: nothing, however many other checks passed.
    (_verdict("fail", [CAUSE_OK, CAUSE_BAD]), 0.0, 0.0),
    (_verdict("fail", [CAUSE_OK, CAUSE_BAD, CAUSE_BAD2]), 0.0, 0.0),
    (_verdict("fail", [CAUSE_BAD, CAUSE_BAD2]), 0.0, 0.0),
    (_verdict("fail", [SYMPTOM_BAD]), 0.0, 0.0),
    # A suppression forfeits partial credit even when every root-cause check passed.
    (_verdict("fail", [CAUSE_OK], [SUPPRESSED]), 0.0, 0.0),
    (_verdict("fail", [CAUSE_OK, CAUSE_BAD], [SUPPRESSED]), 0.0, 0.0),
])
def test_award(sets, verdict, aon, partial):
    assert sets["aon"].award("sigmoid/overflow-basic", verdict) == aon
    assert sets["part"].award("sigmoid/overflow-basic", verdict) == partial


def test_award_unknown_exercise_raises(sets):
    with pytest.raises(KeyError):
        sets["aon"].award("leakage/scaler-before-split", _verdict("pass"))


def test_limits_for_prefers_the_set(tmp_path):
    ex = next(e for e in EXERCISES if e.id == "sigmoid/overflow-basic")
    s = _one(tmp_path, '[sets.w]\nexercises = "sigmoid"\ntimeout = 5\n')
    assert s.limits_for(ex).timeout == 5 and s.limits_for(ex).memory_mb == ex.memory_mb
    plain = dataclasses.replace(s, timeout=None, memory_mb=512)
    assert plain.limits_for(ex).timeout == ex.timeout and plain.limits_for(ex).memory_mb == 512


def test_due_types(tmp_path):
    s = _one(tmp_path, '[sets.w]\nexercises = "sigmoid"\ndue = 2026-12-01T23:59:00\n')
    assert s.due == dt.datetime(2026, 12, 1, 23, 59)
