"""Hostile zips and folders: each bad entry is refused by name, the rest is read, nothing escapes."""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from bughunt.batch.safezip import (
    SubmissionsError,
    ZipLimits,
    copy_capped,
    extract,
    scan_folder,
)

BENIGN = {"s1/ok.py": b"x = 1\n", "s2/deep/ok2.py": b"y = 2\n"}


def _zip(path: Path, entries, benign=True) -> Path:
    """entries: (ZipInfo or name, bytes) in order; BENIGN entries go first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        if benign:
            for name, data in BENIGN.items():
                zf.writestr(name, data)
        for info, data in entries:
            zf.writestr(info, data)
    return path


def _info(name: str, mode: int | None = None) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    if mode is not None:
        info.create_system = 3
        info.external_attr = mode << 16
    return info


def _patch(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert data.count(old) == 2, "the name should appear in the local and the central header"
    path.write_bytes(data.replace(old, new))


def _set_sizes(path: Path, name: bytes, size: int) -> None:
    """Make both headers of `name` claim `size` uncompressed bytes (a lying zip)."""
    data = bytearray(path.read_bytes())
    local = data.find(b"PK\x03\x04" + b"", 0)
    while local >= 0:
        n = int.from_bytes(data[local + 26:local + 28], "little")
        if bytes(data[local + 30:local + 30 + n]) == name:
            data[local + 22:local + 26] = size.to_bytes(4, "little")
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        n = int.from_bytes(data[central + 28:central + 30], "little")
        if bytes(data[central + 46:central + 46 + n]) == name:
            data[central + 24:central + 28] = size.to_bytes(4, "little")
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


def _set_field(path: Path, name: bytes, local_at: int, central_at: int, value: int, OR=False) -> None:
    """Overwrite a 2-byte header field of entry `name` in both headers (zipfile would not write it)."""
    data = bytearray(path.read_bytes())
    for sig, name_len_at, name_at, field_at in ((b"PK\x03\x04", 26, 30, local_at),
                                                (b"PK\x01\x02", 28, 46, central_at)):
        at = data.find(sig)
        while at >= 0:
            n = int.from_bytes(data[at + name_len_at:at + name_len_at + 2], "little")
            if bytes(data[at + name_at:at + name_at + n]) == name:
                old = int.from_bytes(data[at + field_at:at + field_at + 2], "little")
                data[at + field_at:at + field_at + 2] = ((old | value) if OR else value).to_bytes(2, "little")
            at = data.find(sig, at + 4)
    path.write_bytes(bytes(data))


def _set_method(path: Path, name: bytes, method: int) -> None:
    _set_field(path, name, 8, 10, method)


def _set_encrypted(path: Path, name: bytes) -> None:
    _set_field(path, name, 6, 8, 0x1, OR=True)


def _all_paths(root: Path) -> set[str]:
    """Every file, folder and link below root (links not followed), relative to it."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for n in dirnames + filenames:
            found.add((Path(dirpath) / n).relative_to(root).as_posix())
    return found


def _run(tmp_path: Path, entries, limits=ZipLimits(), benign=True):
    """Extract a zip of BENIGN + entries into a deep destination; check nothing else appeared."""
    src = _zip(tmp_path / "in" / "class.zip", entries, benign)
    dest = tmp_path / "a" / "b" / "c" / "dest"
    dest.mkdir(parents=True)
    result = extract(src, dest, limits)
    allowed = {"in", "in/class.zip", "a", "a/b", "a/b/c", "a/b/c/dest"}
    for f in result.files:
        parts = f.split("/")
        allowed |= {"a/b/c/dest/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1)}
    assert _all_paths(tmp_path) == allowed
    for f in result.files:
        assert not (dest / f).is_symlink()
    return result, dest


def _refused(result) -> dict[str, str]:
    return {r.entry: r.reason for r in result.refused}


def _benign_ok(result, dest):
    for name, data in BENIGN.items():
        assert name in result.files
        assert (dest / name).read_bytes() == data


# ------------------------------------------------------------------ paths


@pytest.mark.parametrize(
    "name, why",
    [
        ("../evil.py", "'..'"),
        ("../../../../evil.py", "'..'"),
        ("s1/../../evil.py", "'..'"),
        ("s1/./../../../evil.py", "'..'"),
        ("..\\..\\evil.py", "'..'"),
        ("s1\\..\\..\\..\\evil.py", "'..'"),
        ("/tmp/evil.py", "absolute"),
        ("//server/share/evil.py", "absolute"),
        ("\\\\server\\share\\evil.py", "absolute"),
        ("\\evil.py", "absolute"),
        ("C:\\Windows\\evil.py", "drive letter"),
        ("C:evil.py", "drive letter"),
        ("d:/evil.py", "drive letter"),
        ("s1/bad\x01name.py", "control characters"),
        ("s1/" + "n" * 300 + ".py", "longer than 255"),
    ],
)
def test_hostile_paths_are_refused_by_name(tmp_path, name, why):
    result, dest = _run(tmp_path, [(_info(name), b"evil = True\n")])
    refused = _refused(result)
    assert len(refused) == 1
    (entry, reason), = refused.items()
    assert entry.replace("\\x01", "\x01") == name
    assert why in reason
    _benign_ok(result, dest)
    assert result.files == sorted(BENIGN)


def test_absolute_path_into_the_test_folder_is_refused(tmp_path):
    target = tmp_path / "escaped.py"
    result, dest = _run(tmp_path, [(_info(str(target)), b"evil\n")])
    assert not target.exists()
    assert "absolute" in _refused(result)[str(target)]


def test_backslash_separators_from_windows_tools_are_folders(tmp_path):
    result, dest = _run(tmp_path, [(_info("s3\\sub\\win.py"), b"w = 1\n")])
    assert result.refused == []
    assert (dest / "s3" / "sub" / "win.py").read_bytes() == b"w = 1\n"


# ------------------------------------------------------------------ entry kinds


@pytest.mark.parametrize(
    "mode, why",
    [
        (stat.S_IFLNK | 0o777, "symbolic link"),
        (stat.S_IFIFO | 0o644, "device, pipe or socket"),
        (stat.S_IFCHR | 0o644, "device, pipe or socket"),
        (stat.S_IFBLK | 0o644, "device, pipe or socket"),
        (stat.S_IFSOCK | 0o644, "device, pipe or socket"),
    ],
)
def test_links_and_devices_are_refused(tmp_path, mode, why):
    # A link first, then a file "through" it: the link is refused, the file lands inside dest.
    entries = [(_info("s1/ln", mode), str(tmp_path).encode()), (_info("s1/ln2/after.py"), b"a\n")]
    result, dest = _run(tmp_path, entries)
    assert why in _refused(result)["s1/ln"]
    assert not (dest / "s1" / "ln").exists()
    assert (dest / "s1" / "ln2" / "after.py").is_file()
    _benign_ok(result, dest)


def test_encrypted_entries_are_refused(tmp_path):
    src = _zip(tmp_path / "in" / "class.zip", [(_info("s1/secret.py"), b"zz\n")])
    _set_encrypted(src, b"s1/secret.py")
    dest = tmp_path / "dest"
    dest.mkdir()
    result = extract(src, dest)
    assert "encrypted" in _refused(result)["s1/secret.py"]
    assert not (dest / "s1" / "secret.py").exists()
    assert result.files == sorted(BENIGN)


def test_unsupported_compression_is_refused(tmp_path):
    src = _zip(tmp_path / "in" / "class.zip", [(_info("s1/odd.py"), b"q = 1\n")])
    _set_method(src, b"s1/odd.py", 98)  # PPMd: zipfile cannot read it
    dest = tmp_path / "dest"
    dest.mkdir()
    result = extract(src, dest)
    assert "compression method" in _refused(result)["s1/odd.py"]
    assert result.files == sorted(BENIGN)
    assert _all_paths(dest) == {"s1", "s1/ok.py", "s2", "s2/deep", "s2/deep/ok2.py"}


# ------------------------------------------------------------------ nested archives


def _tar_bytes() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("inner.py")
        info.size = 3
        tf.addfile(info, io.BytesIO(b"x=1"))
    return buf.getvalue()


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("inner.py", "x = 1\n")
    return buf.getvalue()


@pytest.mark.parametrize(
    "name",
    ["s1/work.zip", "s1/work.ZIP", "s1/a.tar", "s1/a.tgz", "s1/a.tar.gz", "s1/a.gz", "s1/a.bz2",
     "s1/a.xz", "s1/a.7z", "s1/a.rar", "s1/a.whl", "s1/a.jar"],
)
def test_nested_archives_are_refused_by_name(tmp_path, name):
    result, dest = _run(tmp_path, [(_info(name), b"not really an archive")])
    assert "archive" in _refused(result)[name]
    _benign_ok(result, dest)


@pytest.mark.parametrize(
    "data, kind",
    [
        pytest.param(data, kind, id=kind)
        for data, kind in [
            (_zip_bytes(), "zip"),
            (gzip.compress(b"print(1)\n" * 50), "gzip"),
            (bz2.compress(b"print(1)\n" * 50), "bzip2"),
            (lzma.compress(b"print(1)\n" * 50), "xz"),
            (b"7z\xbc\xaf\x27\x1c" + bytes(40), "7z"),
            (b"Rar!\x1a\x07\x01\x00" + bytes(40), "rar"),
            (_tar_bytes(), "tar"),
        ]
    ],
)
def test_nested_archives_are_refused_by_magic_bytes(tmp_path, data, kind):
    result, dest = _run(tmp_path, [(_info("s1/solution.py"), data)])
    reason = _refused(result)["s1/solution.py"]
    assert kind in reason and "archive" in reason
    assert not (dest / "s1" / "solution.py").exists()
    _benign_ok(result, dest)


def test_text_that_merely_starts_like_bzip2_is_kept(tmp_path):
    result, dest = _run(tmp_path, [(_info("s1/notes.txt"), b"BZh is how bzip2 files start\n")])
    assert result.refused == []
    assert (dest / "s1" / "notes.txt").is_file()


# ------------------------------------------------------------------ sizes


def test_zip_bomb_is_refused_from_its_declared_size(tmp_path):
    bomb = bytes(50 << 20)  # 50 MiB of zeros, about 50 KiB deflated
    result, dest = _run(tmp_path, [(_info("s1/bomb.py"), bomb)])
    assert (tmp_path / "in" / "class.zip").stat().st_size < 200_000
    reason = _refused(result)["s1/bomb.py"]
    assert "50.0 MiB" in reason and "limit per file" in reason
    _benign_ok(result, dest)


@pytest.mark.parametrize("claimed", [10, 1000, (1 << 20) - 1])
def test_zip_bomb_with_a_lying_header_is_refused(tmp_path, claimed):
    src = _zip(tmp_path / "in" / "class.zip", [(_info("s1/bomb.py"), bytes(8 << 20))])
    _set_sizes(src, b"s1/bomb.py", claimed)
    dest = tmp_path / "dest"
    dest.mkdir()
    result = extract(src, dest)
    assert "s1/bomb.py" in _refused(result)
    assert not (dest / "s1" / "bomb.py").exists()
    assert result.files == sorted(BENIGN)
    assert sum(f.stat().st_size for f in dest.rglob("*") if f.is_file()) == sum(map(len, BENIGN.values()))


def test_copy_capped_counts_real_bytes_not_headers():
    chunks = [b"a" * 600, b"b" * 600, b"c" * 600]
    out = []
    assert copy_capped(lambda n: chunks.pop(0) if chunks else b"", out.append, cap=1000) is None
    assert sum(map(len, out)) <= 1000
    chunks = [b"a" * 400, b"b" * 400]
    out = []
    assert copy_capped(lambda n: chunks.pop(0) if chunks else b"", out.append, cap=1000, first=b"hd") == 802
    assert b"".join(out) == b"hd" + b"a" * 400 + b"b" * 400


def test_total_size_cap_refuses_what_does_not_fit(tmp_path):
    limits = ZipLimits(member_bytes=1000, total_bytes=2500, entries=100)
    entries = [(_info(f"s3/f{i}.py"), bytes([65 + i]) * 1000) for i in range(4)]
    result, dest = _run(tmp_path, entries, limits, benign=False)
    assert result.files == ["s3/f0.py", "s3/f1.py"]
    refused = _refused(result)
    assert set(refused) == {"s3/f2.py", "s3/f3.py"}
    assert all("2.4 KiB limit" in r for r in refused.values())


def test_member_over_the_cap_is_refused(tmp_path):
    limits = ZipLimits(member_bytes=100, total_bytes=10_000, entries=100)
    result, dest = _run(tmp_path, [(_info("s1/big.py"), b"#" * 101)], limits)
    assert "100 B limit per file" in _refused(result)["s1/big.py"]
    _benign_ok(result, dest)


def test_entries_beyond_the_cap_are_refused_one_by_one(tmp_path):
    limits = ZipLimits(entries=5)
    entries = [(_info(f"s3/f{i}.py"), b"x\n") for i in range(6)]
    result, dest = _run(tmp_path, entries, limits)  # 2 benign + 6
    assert result.files == sorted(BENIGN | {f"s3/f{i}.py": b"" for i in range(3)})
    refused = _refused(result)
    assert set(refused) == {"s3/f3.py", "s3/f4.py", "s3/f5.py"}
    assert all("limit of 5 entries" in r for r in refused.values())


def test_a_zip_listing_far_too_many_entries_is_rejected_whole(tmp_path):
    src = _zip(tmp_path / "class.zip", [(_info(f"f{i}.py"), b"") for i in range(11)], benign=False)
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(SubmissionsError, match="lists 11 entries"):
        extract(src, dest, ZipLimits(entries=1))
    assert list(dest.iterdir()) == []


# ------------------------------------------------------------------ names


def test_duplicate_names_keep_the_first(tmp_path):
    with pytest.warns(UserWarning, match="Duplicate name"):
        result, dest = _run(tmp_path, [(_info("s1/ok.py"), b"second\n")])
    assert "more than once" in _refused(result)["s1/ok.py"]
    assert (dest / "s1" / "ok.py").read_bytes() == BENIGN["s1/ok.py"]
    assert result.files == sorted(BENIGN)


@pytest.mark.parametrize(
    "name, why",
    [
        ("s1/OK.py", "when case is ignored"),
        ("S1/other.py", "differs only in case"),
        ("s1/ok.py/inner.py", "which is a file"),
        ("s2/deep", "name of the folder"),
        ("s2/DEEP", "name of the folder"),
    ],
)
def test_case_and_file_folder_collisions_keep_the_first(tmp_path, name, why):
    result, dest = _run(tmp_path, [(_info(name), b"later\n")])
    assert why in _refused(result)[name]
    _benign_ok(result, dest)
    assert result.files == sorted(BENIGN)


def test_folder_entry_clashing_with_a_file_is_refused(tmp_path):
    result, dest = _run(tmp_path, [(_info("s1/ok.py/"), b"")])
    assert "folder with the name of the file" in _refused(result)["s1/ok.py/"]
    _benign_ok(result, dest)


def test_utf8_names_without_the_flag_are_decoded(tmp_path):
    src = _zip(tmp_path / "in" / "class.zip", [(_info("s1/cafXX.py"), b"c\n")])
    _patch(src, b"cafXX", "café".encode("utf-8"))
    dest = tmp_path / "dest"
    dest.mkdir()
    result = extract(src, dest)
    assert "s1/café.py" in result.files
    assert (dest / "s1" / "café.py").read_bytes() == b"c\n"


def test_legacy_byte_names_are_decoded_safely(tmp_path):
    src = _zip(tmp_path / "in" / "class.zip", [(_info("s1/cafX.py"), b"c\n")])
    _patch(src, b"cafX", b"caf\xe9")  # latin-1, not UTF-8: read as cp437
    dest = tmp_path / "dest"
    dest.mkdir()
    result = extract(src, dest)
    assert result.refused == []
    assert "s1/cafΘ.py" in result.files
    assert (dest / "s1" / "cafΘ.py").read_bytes() == b"c\n"


def test_names_marked_utf8_that_are_not_give_one_clear_error(tmp_path):
    src = _zip(tmp_path / "class.zip", [(_info("s1/é.py"), b"c\n")])
    _patch(src, "é".encode("utf-8"), b"\xff\xfe")
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(SubmissionsError, match="marked UTF-8"):
        extract(src, dest)


def test_junk_is_skipped_quietly(tmp_path):
    entries = [
        (_info("__MACOSX/s1/._ok.py"), b"\x00\x05\x16\x07"),
        (_info("s1/.DS_Store"), b"\x00\x00\x00\x01Bud1"),
        (_info("s1/Thumbs.db"), b"thumbs"),
        (_info("s1/__pycache__/ok.cpython-311.pyc"), b"\xa7\r\r\n"),
        (_info("s1/._ok.py"), b"\x00\x05\x16\x07"),
    ]
    result, dest = _run(tmp_path, entries)
    assert result.refused == []
    assert result.files == sorted(BENIGN)


def test_hostile_junk_is_still_refused(tmp_path):
    result, dest = _run(tmp_path, [(_info("__MACOSX/../../evil.py"), b"e\n")])
    assert "'..'" in _refused(result)["__MACOSX/../../evil.py"]


# ------------------------------------------------------------------ whole-file errors


def test_not_a_zip_is_one_clear_error(tmp_path):
    src = tmp_path / "class.zip"
    src.write_text("this is a CSV, not a zip\n")
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(SubmissionsError, match="not a zip file"):
        extract(src, dest)


def test_truncated_zip_is_one_clear_error(tmp_path):
    src = _zip(tmp_path / "class.zip", [(_info("s3/x.py"), os.urandom(5000))])
    src.write_bytes(src.read_bytes()[:-40])
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(SubmissionsError, match="truncated"):
        extract(src, dest)


def test_missing_zip_is_one_clear_error(tmp_path):
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(SubmissionsError, match="no such file"):
        extract(tmp_path / "nope.zip", dest)


def test_destination_must_be_an_empty_folder(tmp_path):
    src = _zip(tmp_path / "class.zip", [])
    (tmp_path / "dest").mkdir()
    (tmp_path / "dest" / "x").write_text("")
    with pytest.raises(ValueError):
        extract(src, tmp_path / "dest")


# ------------------------------------------------------------------ folders read in place


def test_scan_folder_refuses_what_cannot_be_graded(tmp_path):
    base = tmp_path / "subs"
    (base / "s1" / "__pycache__").mkdir(parents=True)
    (base / "s1" / "ok.py").write_text("x = 1\n")
    (base / "s1" / "__pycache__" / "ok.pyc").write_bytes(b"\0")
    (base / "s1" / ".DS_Store").write_bytes(b"\0")
    (base / "s1" / "big.py").write_bytes(b"#" * 2000)
    (base / "s1" / "work.zip").write_bytes(_zip_bytes())
    (base / "s1" / "sneaky.py").write_bytes(gzip.compress(b"x"))
    os.mkfifo(base / "s1" / "pipe.py")
    (tmp_path / "secret.txt").write_text("secret\n")
    (base / "s1" / "link.py").symlink_to(tmp_path / "secret.txt")
    (base / "s1" / "dirlink").symlink_to(tmp_path)
    (base / "s1" / "broken.py").symlink_to(tmp_path / "nothing")
    scan = scan_folder(base, ZipLimits(member_bytes=1000))
    assert scan.files == ["s1/ok.py"]
    assert scan.links == {"s1/link.py": (tmp_path / "secret.txt").resolve()}
    refused = {r.entry: r.reason for r in scan.refused}
    assert set(refused) == {"s1/big.py", "s1/work.zip", "s1/sneaky.py", "s1/pipe.py", "s1/dirlink", "s1/broken.py"}
    assert "limit per file" in refused["s1/big.py"]
    assert "archive" in refused["s1/work.zip"] and "gzip" in refused["s1/sneaky.py"]
    assert "not a regular file" in refused["s1/pipe.py"]
    assert "not followed" in refused["s1/dirlink"]
    assert "broken link" in refused["s1/broken.py"]


def test_scan_folder_needs_a_folder(tmp_path):
    with pytest.raises(SubmissionsError):
        scan_folder(tmp_path / "missing")
