"""From a class export (generic, Moodle, Canvas; zip or folder) to per-student files to grade."""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from bughunt.batch.ingest import SubmissionsError, ZipLimits, collect, match_files
from bughunt.batch.layouts import parse_canvas, safe_key, strip_duplicate_suffix
from bughunt.batch.model import Student
from bughunt.manifest import load
from bughunt.paths import find_root
from bughunt.sets import resolve

ROOT = find_root()
ALL = load(ROOT)
STARTER = resolve("starter", ROOT, ALL).exercises  # one exercise per category
LEAKAGE = resolve("leakage", ROOT, ALL).exercises  # seven exercises, all in pipeline.py
SCALER = "leakage/scaler-before-split"
LINREG = "gradient_sign/linreg-batch"
OVERFLOW = "sigmoid/overflow-basic"
BCE = "log_epsilon/bce-logistic"


def _zip(path: Path, files: dict[str, str | bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def _folder(base: Path, files: dict[str, str | bytes]) -> Path:
    for name, data in files.items():
        p = base / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode())
    return base


def _by_key(collected):
    return {s.key: s for s in collected.submissions}


def _rel(sub, ex_id):
    return sub.files[ex_id].relative_to(sub.root).as_posix()


# ------------------------------------------------------------------ name parsing


@pytest.mark.parametrize(
    "name, expected",
    [
        ("smithbob_340934_208490284_pipeline.py", ("smithbob", False, "340934", "208490284", "pipeline.py")),
        ("smithbob_late_340934_208490284_my_file.py", ("smithbob", True, "340934", "208490284", "my_file.py")),
        ("smithbob_LATE_340934_208490284_x.py", ("smithbob", True, "340934", "208490284", "x.py")),
        ("smithbob_340934_text.html", ("smithbob", False, "340934", "", "text.html")),
        ("340934_208490284_pipeline.py", ("", False, "340934", "208490284", "pipeline.py")),
        ("o_brienmary_77_88_2024_report.py", ("o_brienmary", False, "77", "88", "2024_report.py")),
    ],
)
def test_canvas_names_are_parsed(name, expected):
    c = parse_canvas(name)
    assert (c.name, c.late, c.user_id, c.attachment_id, c.original) == expected


@pytest.mark.parametrize("name", ["pipeline.py", "smith bob_1_2_x.py", "smithbob_123", "notes.txt"])
def test_other_names_are_not_canvas(name):
    assert parse_canvas(name) is None


def test_canvas_duplicate_suffix_and_safe_keys():
    assert strip_duplicate_suffix("pipeline-1.py") == "pipeline.py"
    assert strip_duplicate_suffix("scaler-before-split-12.py") == "scaler-before-split.py"
    assert strip_duplicate_suffix("pipeline.py") == "pipeline.py"
    assert safe_key("José García!") == "Jose_Garcia"
    assert safe_key("  ../..") == "student"
    assert safe_key("bob@uni.edu") == "bob@uni.edu"


# ------------------------------------------------------------------ file matching


def test_match_prefers_the_full_bundle_path_then_slug_then_renamed_files():
    paths = [
        "leakage/scaler-before-split/pipeline.py",
        "old/scaler-before-split/pipeline.py",
        "linreg-batch/linreg.py",
        "hw_overflow-basic.py",
        "misc/regression.py",
    ]
    chosen, notes = match_files(paths, STARTER)
    assert chosen == {
        SCALER: "leakage/scaler-before-split/pipeline.py",
        LINREG: "linreg-batch/linreg.py",
        OVERFLOW: "hw_overflow-basic.py",
        "bias_update/linreg-minibatch": "misc/regression.py",  # the only exercise using regression.py
    }
    assert notes == []


def test_match_reports_ties_instead_of_guessing():
    paths = ["a/scaler-before-split/pipeline.py", "b/scaler-before-split/pipeline.py", "bce-logistic.py",
             "x-bce-logistic.py"]
    chosen, notes = match_files(paths, STARTER)
    assert SCALER not in chosen and BCE not in chosen
    assert len(notes) == 2
    assert notes[0].startswith(f"{SCALER}: 2 files could be") and "a/scaler-before-split/pipeline.py" in notes[0]
    assert notes[1].startswith(f"{BCE}: 2 files could be") and "none was graded" in notes[1]


def test_a_bare_file_name_is_only_used_when_one_exercise_has_it():
    chosen, notes = match_files(["pipeline.py", "model.py"], STARTER)
    assert chosen == {SCALER: "pipeline.py"}  # model.py is used by three starter exercises
    # The student is told why model.py was not graded, and what to name it for each exercise.
    (note,) = notes
    assert note.startswith("model.py was not graded: 3 exercises of this set are written in model.py")
    assert f"overflow-basic__model.py for {OVERFLOW}" in note and f"bce-logistic__model.py for {BCE}" in note
    chosen, notes = match_files(["pipeline.py"], LEAKAGE)
    assert chosen == {} and len(notes) == 1 and "7 exercises of this set" in notes[0]


def test_upload_names_tell_exercises_that_share_a_file_name_apart():
    from bughunt.autograder import upload_name

    by_id = {e.id: e for e in STARTER}
    assert upload_name(by_id[OVERFLOW]) == "overflow-basic__model.py"
    assert len({upload_name(e) for e in ALL}) == len(ALL)  # unique in the whole library
    flat = ["overflow-basic__model.py", "bce-logistic__model.ipynb", "sub/flat-loss-regression__model.py", "model.py"]
    chosen, notes = match_files(flat, STARTER)
    assert chosen == {
        OVERFLOW: "overflow-basic__model.py",
        BCE: "bce-logistic__model.ipynb",
        "shape_mismatch/flat-loss-regression": "sub/flat-loss-regression__model.py",
    }
    assert notes == []  # every exercise written in model.py has its file: the loose model.py is not asked about
    # The folder layout still wins over an upload name for the same exercise.
    chosen, _ = match_files(["sigmoid/overflow-basic/model.py", "overflow-basic__model.py"], STARTER)
    assert chosen[OVERFLOW] == "sigmoid/overflow-basic/model.py"


# ------------------------------------------------------------------ zips


def test_generic_zip_wrapped_in_one_folder(tmp_path):
    src = _zip(tmp_path / "class.zip", {
        "export/s001/leakage/scaler-before-split/pipeline.py": "a = 1\n",
        "export/s001/gradient_sign/linreg-batch/linreg.py": "b = 1\n",
        "export/s002/scaler-before-split/pipeline.py": "c = 1\n",
        "export/s002/work.zip": b"PK\x03\x04 nested",
        "export/s003/notes.txt": "no code\n",
    })
    got = collect(src, tmp_path / "work", STARTER)
    subs = _by_key(got)
    assert list(subs) == ["s001", "s002", "s003"]
    s1 = subs["s001"]
    assert s1.root == (tmp_path / "work" / "students" / "s001").absolute()
    assert set(s1.files) == {SCALER, LINREG}
    assert s1.files[SCALER].read_text() == "a = 1\n"
    assert _rel(s1, SCALER) == "leakage/scaler-before-split/pipeline.py"
    assert subs["s002"].files[SCALER].read_text() == "c = 1\n"
    assert subs["s002"].notes[0].startswith("not accepted: work.zip is an archive")
    assert subs["s003"].files == {}
    assert [r.entry for r in got.refused] == ["export/s002/work.zip"]
    assert got.unmatched == []


def test_wrapper_with_a_loose_readme_and_wrapped_canvas_export(tmp_path):
    src = _zip(tmp_path / "class.zip", {
        "export/s001/pipeline.py": "a\n",
        "export/s002/pipeline.py": "b\n",
        "export/README.txt": "hello\n",
    })
    got = collect(src, tmp_path / "work", STARTER)
    assert [s.key for s in got.submissions] == ["s001", "s002"]
    assert [r.entry for r in got.refused] == ["export/README.txt"]
    src = _zip(tmp_path / "canvas.zip", {"submissions/smithbob_1_2_pipeline.py": "bob\n",
                                         "submissions/doejane_3_4_pipeline.py": "jane\n"})
    got = collect(src, tmp_path / "work2", STARTER)
    assert [s.key for s in got.submissions] == ["doejane_3", "smithbob_1"]
    assert got.submissions[1].files[SCALER].read_text() == "bob\n"


def test_a_single_students_bundle_is_not_mistaken_for_a_wrapper(tmp_path):
    src = _zip(tmp_path / "one.zip", {
        "s001/leakage/scaler-before-split/pipeline.py": "a\n",
        "s001/sigmoid/overflow-basic/model.py": "b\n",
    })
    got = collect(src, tmp_path / "work", STARTER)
    assert [s.key for s in got.submissions] == ["s001"]
    assert set(got.submissions[0].files) == {SCALER, OVERFLOW}


def test_moodle_zip_folders_and_names(tmp_path):
    src = _zip(tmp_path / "moodle.zip", {
        "Bob Smith_101_assignsubmission_file_/leakage/scaler-before-split/pipeline.py": "bob\n",
        "Bob Smith_101_assignsubmission_onlinetext_/onlinetext.html": "<p>hi</p>",
        "Jane Doe_102_assignsubmission_file_/pipeline.py": "jane\n",
        "Émile Zola_103_assignsubmission_file_/overflow-basic.py": "emile\n",
    })
    roster = [Student("s1", "Bob Smith"), Student("s2", "Jane Doe"), Student("s3", "Emile Zola")]
    got = collect(src, tmp_path / "work", STARTER, roster)
    subs = _by_key(got)
    assert list(subs) == ["s1", "s2", "s3"]
    assert subs["s1"].student == roster[0]
    assert subs["s1"].files[SCALER].read_text() == "bob\n"
    assert "onlinetext.html" in subs["s1"].tree  # both plugin folders form one tree
    assert subs["s2"].files[SCALER].read_text() == "jane\n"
    assert subs["s3"].files[OVERFLOW].read_text() == "emile\n"
    assert got.unmatched == []


def test_moodle_flat_zip_and_keys_without_roster(tmp_path):
    src = _zip(tmp_path / "moodle.zip", {
        "Bob Smith_101_assignsubmission_file_pipeline.py": "bob\n",
        "Jane Doe_102_assignsubmission_file_linreg-batch.py": "jane\n",
    })
    subs = _by_key(collect(src, tmp_path / "work", STARTER))
    assert list(subs) == ["Bob_Smith_101", "Jane_Doe_102"]
    assert subs["Bob_Smith_101"].files[SCALER].name == "pipeline.py"
    assert subs["Jane_Doe_102"].files[LINREG].read_text() == "jane\n"


def test_canvas_flat_zip(tmp_path):
    src = _zip(tmp_path / "canvas.zip", {
        "smithbob_340934_208490284_pipeline.py": "bob\n",
        "smithbob_340934_208490285_linreg-1.py": "bob linreg\n",
        "doejane_LATE_340935_208490290_scaler-before-split-2.py": "jane\n",
        "doejane_LATE_340935_208490291_overflow-basic.py": "jane overflow\n",
        "doejane_LATE_340935_208490292_work.zip": b"PK\x03\x04",
        "kimlee_340936_208490300_pipeline.py": "lee 1\n",
        "kimlee_340936_208490301_pipeline-1.py": "lee 2\n",
        "nobody_340999_208490400_pipeline.py": "who?\n",
    })
    roster = [
        Student("s1", "Bob Smith"),
        Student("s2", "Doe, Jane", sis_id="340935"),
        Student("s3", "Lee Kim", email="lee.kim@uni.edu"),
    ]
    got = collect(src, tmp_path / "work", STARTER, roster)
    subs = _by_key(got)
    assert list(subs) == ["nobody_340999", "s1", "s2", "s3"]
    bob, jane, lee = subs["s1"], subs["s2"], subs["s3"]
    assert sorted(bob.tree) == ["linreg.py", "pipeline.py"]  # Canvas prefixes and -1 suffix removed
    assert bob.files[SCALER].read_text() == "bob\n"
    assert bob.files[LINREG].read_text() == "bob linreg\n"
    assert jane.student.sis_id == "340935"
    assert jane.files[SCALER].name == "scaler-before-split.py"
    assert jane.files[OVERFLOW].read_text() == "jane overflow\n"
    assert any("late" in n for n in jane.notes)
    assert any(n.startswith("not accepted: work.zip is an archive") for n in jane.notes)
    # Two uploads named pipeline.py: both kept under their own names, the student is told.
    assert sorted(lee.tree) == ["pipeline-1.py", "pipeline.py"]
    assert any("several uploads share the name pipeline.py" in n for n in lee.notes)
    assert got.unmatched == ["nobody_340999"]
    assert any("not matched to the roster" in n for n in subs["nobody_340999"].notes)


def test_canvas_user_id_as_roster_id(tmp_path):
    src = _zip(tmp_path / "canvas.zip", {"smithbob_340934_208490284_pipeline.py": "bob\n"})
    got = collect(src, tmp_path / "work", STARTER, [Student("340934", "Someone Else")])
    assert [s.key for s in got.submissions] == ["340934"]


def test_stray_files_beside_student_folders_are_reported(tmp_path):
    src = _zip(tmp_path / "class.zip", {
        "s001/pipeline.py": "a\n",
        "README_1_2_x.txt": "instructions\n",
    })
    got = collect(src, tmp_path / "work", STARTER)
    assert [s.key for s in got.submissions] == ["s001"]
    assert [r.entry for r in got.refused] == ["README_1_2_x.txt"]
    assert "not inside a student's folder" in got.refused[0].reason


def test_hostile_entries_become_notes_of_their_student_and_nothing_escapes(tmp_path):
    src = _zip(tmp_path / "in" / "class.zip", {
        "s001/pipeline.py": "ok\n",
        "s001/../../../escaped.py": "evil\n",
        "../escaped2.py": "evil\n",
        "s002/bomb.py": bytes(2 << 20),
    })
    work = tmp_path / "out" / "work"
    got = collect(src, work, STARTER)
    subs = _by_key(got)
    assert list(subs) == ["s001", "s002"]
    assert subs["s001"].files[SCALER].read_text() == "ok\n"
    assert any("'..'" in n for n in subs["s001"].notes)
    assert any("bomb.py is 2.0 MiB" in n for n in subs["s002"].notes)
    found = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")}
    assert found == {"in", "in/class.zip", "out", "out/work", "out/work/students", "out/work/students/s001",
                     "out/work/students/s001/pipeline.py", "out/work/students/s002"}
    assert {r.entry for r in got.refused} == {"s001/../../../escaped.py", "../escaped2.py", "s002/bomb.py"}


# ------------------------------------------------------------------ roster matching


def _groups_zip(tmp_path, folders):
    return _zip(tmp_path / "class.zip", {f"{f}/pipeline.py": f"{f}\n" for f in folders})


def test_roster_matches_by_each_identifier(tmp_path):
    roster = [
        Student("u1"),
        Student("u2", sis_id="900002"),
        Student("u3", login="jdoe"),
        Student("u4", email="ann.lee@uni.edu"),
        Student("u5", email="kim@uni.edu"),
        Student("u6", name="Smith, Bob"),
        Student("u7", name="Mary Ann O'Neil"),
        Student("U8"),
    ]
    folders = ["u1", "900002", "JDoe", "ann.lee@uni.edu", "kim", "Bob Smith", "mary ann oneil", "u8"]
    got = collect(_groups_zip(tmp_path, folders), tmp_path / "work", STARTER, roster)
    subs = _by_key(got)
    assert sorted(subs) == ["U8", "u1", "u2", "u3", "u4", "u5", "u6", "u7"]
    expected = dict(zip(["u1", "u2", "u3", "u4", "u5", "u6", "u7", "U8"], folders))
    for key, folder in expected.items():
        assert subs[key].files[SCALER].read_text() == f"{folder}\n", key
        assert subs[key].student.id == key
    assert got.unmatched == []


def test_ambiguous_and_doubly_claimed_students_stay_unmatched(tmp_path):
    roster = [Student("a1", "Bob Smith"), Student("a2", "Bob Smith"), Student("c1", "Carol King")]
    folders = ["Bob Smith", "Carol King", "carol_king", "Dan Brown"]
    got = collect(_groups_zip(tmp_path, folders), tmp_path / "work", STARTER, roster)
    subs = _by_key(got)
    # Two folders match c1 equally well (by name): neither takes the row, both are flagged.
    assert sorted(subs) == ["Bob_Smith", "Carol_King", "Dan_Brown", "carol_king-2"]
    assert any("matches several roster students by name (a1, a2)" in n for n in subs["Bob_Smith"].notes)
    for key in ("Carol_King", "carol_king-2"):
        assert any("matches roster student c1 by name" in f and "none was given the row" in f for f in subs[key].flags)
    assert got.unmatched == ["Bob_Smith", "Carol_King", "Dan_Brown", "carol_king-2"]


def test_the_strongest_identity_wins_not_the_first_folder(tmp_path):
    """`S001` sorts before `s001`, but only `s001` is the exact id: it gets the row."""
    roster = [Student("s001", "Ann Lee"), Student("s002", "Bo Chan")]
    base = _folder(tmp_path / "subs", {f"{f}/pipeline.py": f"{f}\n" for f in ["S001", "s001", "Bo Chan"]})
    got = collect(base, tmp_path / "work", STARTER, roster)
    subs = _by_key(got)
    assert subs["s001"].files[SCALER].read_text() == "s001\n"
    assert subs["s001"].matched_by == "id" and subs["s001"].flags == []
    impostor = next(s for s in got.submissions if s.student is None)
    assert impostor.files[SCALER].read_text() == "S001\n"
    assert any("also matches roster student s001" in n for n in impostor.notes)
    # A name-only match is kept but flagged for the instructor.
    assert subs["s002"].matched_by == "name"
    assert any("by name only" in f for f in subs["s002"].flags)


def test_a_case_folded_id_alone_is_flagged(tmp_path):
    roster = [Student("s001", "Ann Lee")]
    got = collect(_groups_zip(tmp_path, ["S001"]), tmp_path / "work", STARTER, roster)
    (sub,) = got.submissions
    assert sub.student.id == "s001" and sub.matched_by == "id ignoring case"
    assert any("by id ignoring case only" in f for f in sub.flags)


def test_keys_without_roster_are_sanitised_and_unique(tmp_path):
    got = collect(_groups_zip(tmp_path, ["José García", "a b", "a_b"]), tmp_path / "work", STARTER)
    assert [s.key for s in got.submissions] == ["Jose_Garcia", "a_b", "a_b-2"]
    assert all(s.root.name == s.key for s in got.submissions)


# ------------------------------------------------------------------ folders


def test_folder_input_is_read_in_place(tmp_path):
    base = _folder(tmp_path / "subs", {
        "s001/leakage/scaler-before-split/pipeline.py": "a\n",
        "s001/extra/overflow-basic.py": "b\n",
        "s002/scaler-before-split/pipeline.py": "c\n",
        "s002/more.tar.gz": b"\x1f\x8b\x08\x00",
        "s003/pipeline.py": b"#" * 5000,
    })
    (tmp_path / "secret.py").write_text("secret\n")
    (base / "s002" / "linreg.py").symlink_to(tmp_path / "secret.py")
    (base / "s001" / "linreg.py").symlink_to(base / "s001" / "extra" / "overflow-basic.py")
    work = tmp_path / "work"
    got = collect(base, work, STARTER, limits=ZipLimits(member_bytes=1000))
    subs = _by_key(got)
    assert subs["s001"].root == base.absolute() / "s001"
    assert subs["s001"].files[SCALER] == base.absolute() / "s001/leakage/scaler-before-split/pipeline.py"
    assert subs["s001"].files[OVERFLOW].read_text() == "b\n"
    assert subs["s001"].files[LINREG] == (base / "s001/extra/overflow-basic.py").resolve()  # link inside
    assert LINREG not in subs["s002"].files
    assert any("linreg.py is a link to a file outside" in n for n in subs["s002"].notes)
    assert any("more.tar.gz is an archive" in n for n in subs["s002"].notes)
    assert subs["s003"].files == {} and any("limit per file" in n for n in subs["s003"].notes)
    assert not work.exists()  # nothing copied


def test_canvas_export_unpacked_into_a_folder(tmp_path):
    base = _folder(tmp_path / "subs", {
        "smithbob_340934_208490284_pipeline.py": "bob\n",
        "doejane_late_340935_208490290_linreg.py": "jane\n",
    })
    got = collect(base, tmp_path / "work", STARTER, [Student("s1", "Smith, Bob"), Student("s2", "Jane Doe")])
    subs = _by_key(got)
    assert subs["s1"].files[SCALER] == base.absolute() / "smithbob_340934_208490284_pipeline.py"
    assert subs["s2"].files[LINREG].read_text() == "jane\n"
    assert subs["s1"].root == base.absolute()


# ------------------------------------------------------------------ rerun and errors


def test_rerun_over_the_same_workdir_gives_the_same_result(tmp_path):
    src = _zip(tmp_path / "class.zip", {
        "s001/leakage/scaler-before-split/pipeline.py": "a\n",
        "s002/pipeline.py": "b\n",
        "s002/../x.py": "evil\n",
    })
    work = tmp_path / "work"
    first = collect(src, work, STARTER)
    # A crashed run's leftovers and a stale student folder from an older export.
    (work / ".ingest-crashed" / "raw").mkdir(parents=True)
    (work / "students" / "s999").mkdir()
    (work / "keep-me.json").write_text("{}")
    second = collect(src, work, STARTER)
    assert second == first
    assert sorted(p.name for p in work.iterdir()) == ["keep-me.json", "students"]
    assert sorted(p.name for p in (work / "students").iterdir()) == ["s001", "s002"]
    assert second.submissions[1].files[SCALER].read_text() == "b\n"


def test_unusable_inputs_raise_one_clear_error(tmp_path):
    with pytest.raises(SubmissionsError, match="no such file or folder"):
        collect(tmp_path / "missing.zip", tmp_path / "work", STARTER)
    bad = tmp_path / "grades.csv"
    bad.write_text("id,name\n")
    with pytest.raises(SubmissionsError, match="not a zip"):
        collect(bad, tmp_path / "work", STARTER)
    assert [p.name for p in (tmp_path / "work").iterdir()] == []  # no temp folder left behind


def test_same_input_gives_same_order(tmp_path):
    files = {f"s{i:03d}/pipeline.py": f"{i}\n" for i in (5, 1, 3)}
    a = collect(_zip(tmp_path / "a.zip", files), tmp_path / "wa", STARTER)
    b = collect(_zip(tmp_path / "b.zip", dict(reversed(list(files.items())))), tmp_path / "wb", STARTER)
    assert [s.key for s in a.submissions] == [s.key for s in b.submissions] == ["s001", "s003", "s005"]
    assert sorted(os.listdir(tmp_path / "wa" / "students")) == ["s001", "s003", "s005"]


def test_refused_names_go_to_the_student_they_name(tmp_path):
    # Flat Canvas export: an odd name must not turn the export into folders.
    src = _zip(tmp_path / "canvas.zip", {
        "smithbob_1_2_pipeline.py": "bob\n",
        "smithbob_1_3_a/../../x.py": "evil\n",
    })
    subs = _by_key(collect(src, tmp_path / "w1", STARTER))
    assert list(subs) == ["smithbob_1"]
    assert subs["smithbob_1"].files[SCALER].read_text() == "bob\n"
    assert any("a/../../x.py climbs out" in n for n in subs["smithbob_1"].notes)
    # Folder export where every upload was refused: the students still get their notes.
    src = _zip(tmp_path / "folders.zip", {"s001/work.zip": b"PK\x03\x04", "s002/w.7z": b"7z"})
    subs = _by_key(collect(src, tmp_path / "w2", STARTER))
    assert list(subs) == ["s001", "s002"]
    assert all(s.files == {} and s.notes[0].startswith("not accepted:") for s in subs.values())


def test_moodle_participant_ids_are_not_roster_ids(tmp_path):
    # Moodle's number is a per-assignment participant id: a roster id equal to it means nothing.
    src = _zip(tmp_path / "moodle.zip", {"Bob Smith_2_assignsubmission_file_/pipeline.py": "bob\n"})
    got = collect(src, tmp_path / "work", STARTER, [Student("2", "Ann Other"), Student("s1", "Bob Smith")])
    assert [(s.key, s.student.id) for s in got.submissions] == [("s1", "s1")]


def test_canvas_user_ids_match_a_canvas_roster(tmp_path):
    # A roster read from a Canvas export knows each student's Canvas id: a Canvas submissions
    # zip names its students by that id, whatever their name looks like.
    src = _zip(tmp_path / "canvas.zip", {"abaranke_50001_9001_pipeline.py": "n\n", "zz_50099_9002_pipeline.py": "t\n"})
    roster = [Student("S20230001", "Abara, Nkechi", sis_id="S20230001", canvas_id="50001")]
    got = collect(src, tmp_path / "work", STARTER, roster)
    subs = _by_key(got)
    assert subs["S20230001"].matched_by == "canvas_id" and subs["S20230001"].files[SCALER].read_text() == "n\n"
    assert got.unmatched == ["zz_50099"]
    assert subs["zz_50099"].unmatched == "zz_50099 matches no student on the roster"


def test_an_unmatched_submission_never_takes_a_roster_students_key(tmp_path):
    # "s 002" is not the roster's s_002 (ids match exactly, or ignoring case), but its folder-safe
    # key would be: it gets another, so s_002 (who handed nothing in) keeps an empty row.
    roster = [Student("s_002", "Bo Chan"), Student("s001", "Ann Lee")]
    got = collect(_groups_zip(tmp_path, ["s 002", "s001"]), tmp_path / "work", STARTER, roster)
    subs = _by_key(got)
    assert sorted(subs) == ["s001", "s_002-2"] and subs["s_002-2"].student is None
    assert subs["s001"].unmatched == ""


def test_unmatched_submissions_say_why(tmp_path):
    roster = [Student("a1", "Bob Smith"), Student("a2", "Bob Smith")]
    got = collect(_groups_zip(tmp_path, ["Bob Smith"]), tmp_path / "work", STARTER, roster)
    (sub,) = got.submissions
    assert sub.unmatched == "Bob Smith matches several roster students by name (a1, a2)"


def test_a_single_submission_keeps_every_folder_as_one_student(tmp_path):
    base = _folder(tmp_path / "upload", {
        "a/pipeline.py": "a\n",
        "b/overflow-basic__model.py": "b\n",
        "b/work.zip": b"PK\x03\x04",
    })
    got = collect(base, tmp_path / "work", STARTER, single="student")
    (sub,) = got.submissions
    assert sub.key == "student" and sub.root == base.absolute()
    assert sub.files[SCALER].read_text() == "a\n" and sub.files[OVERFLOW].read_text() == "b\n"
    assert any(n.startswith("not accepted: b/work.zip is an archive") for n in sub.notes)
