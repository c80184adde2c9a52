"""Read untrusted zips (an LMS export full of student uploads) without ever writing outside a folder.

Every hostile or unusable entry is refused on its own, with a one-line reason; the rest of the zip
is still read. `zipfile` is only used to list and stream entries: nothing here calls extract(),
every file is created with O_CREAT|O_EXCL|O_NOFOLLOW relative to a directory descriptor we opened,
and sizes are counted as bytes arrive because a zip's headers can lie.
"""
from __future__ import annotations

import os
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path


class SubmissionsError(Exception):
    """The whole input is unusable (missing, not a zip, truncated...); the message says which and why."""


@dataclass(frozen=True)
class ZipLimits:
    member_bytes: int = 1 << 20  # one extracted file
    total_bytes: int = 64 << 20  # everything extracted from one zip
    entries: int = 5000  # entries read from one zip; later ones are refused


@dataclass
class Refusal:
    entry: str  # the entry's name as found (printable form)
    reason: str

    def __str__(self) -> str:  # reasons are written to follow the name: "x.zip is an archive ..."
        return f"{self.entry} {self.reason}"


@dataclass
class Extraction:
    files: list[str] = field(default_factory=list)  # written paths, posix, relative to the destination
    refused: list[Refusal] = field(default_factory=list)


# Names a zip (or a folder copied from a Mac or Windows machine) carries that nobody submitted.
JUNK_DIRS = frozenset({"__MACOSX", "__pycache__"})
JUNK_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})

ARCHIVE_SUFFIXES = (
    ".zip", ".tar", ".tgz", ".tar.gz", ".gz", ".bz2", ".xz", ".7z", ".rar", ".whl", ".jar",
    ".tbz", ".tbz2", ".txz", ".zst", ".lzma", ".egg",
)
# (offset, magic, what): the first bytes of archives and compressed streams.
_MAGIC = (
    (0, b"PK\x03\x04", "zip"),
    (0, b"PK\x05\x06", "zip"),
    (0, b"PK\x07\x08", "zip"),
    (0, b"\x1f\x8b", "gzip"),
    (0, b"\xfd7zXZ\x00", "xz"),
    (0, b"7z\xbc\xaf\x27\x1c", "7z"),
    (0, b"Rar!\x1a\x07", "rar"),
    (0, b"\x28\xb5\x2f\xfd", "zstd"),
    (257, b"ustar", "tar"),
)
# bzip2: "BZh" + block size digit + the block or end-of-stream magic; "BZh" alone is plain text.
_BZIP2 = re.compile(rb"BZh[1-9](\x31\x41\x59\x26\x53\x59|\x17\x72\x45\x38\x50\x90)", re.S)
MAGIC_BYTES = 512  # enough to see every signature above

_CHUNK = 64 << 10
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_DRIVE = re.compile(r"^[A-Za-z]:")
_MAX_DEPTH = 32
_MAX_PATH = 1024
_MAX_NAME_BYTES = 255
# A central directory this much longer than the entry cap is refused before zipfile parses it all.
_ENTRY_CEILING_FACTOR = 10


def human(n: int) -> str:
    """Bytes for people: 1.0 MiB, 640 B."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def printable(name: str) -> str:
    """A name safe to show on one line: control characters and undecodable bytes escaped."""
    name = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", name)


def archive_suffix(name: str) -> str | None:
    low = name.lower()
    for suffix in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True):
        if low.endswith(suffix) and len(low) > len(suffix):
            return suffix
    return None


def archive_magic(head: bytes) -> str | None:
    """The kind of archive `head` (a file's first bytes) starts, or None."""
    for offset, magic, what in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return what
    if _BZIP2.match(head):
        return "bzip2"
    return None


def nested_archive_reason(name: str, head: bytes | None) -> str | None:
    suffix = archive_suffix(name.rsplit("/", 1)[-1])
    if suffix:
        return (f"is an archive ({suffix}) inside the submission; archives are not opened, "
                "submit the .py files themselves")
    what = archive_magic(head) if head else None
    if what:
        return (f"holds {what} archive data despite its name; archives are not opened, "
                "submit the .py files themselves")
    return None


def is_junk(parts: list[str]) -> bool:
    return (
        any(p in JUNK_DIRS for p in parts[:-1])
        or parts[-1] in JUNK_FILES
        or parts[-1] in JUNK_DIRS
        or parts[-1].startswith("._")  # AppleDouble resource forks
    )


def decode_name(info: zipfile.ZipInfo) -> str:
    """The entry's name. Without the UTF-8 flag zipfile decodes cp437; most tools that omit the
    flag actually wrote UTF-8, so that is tried first. cp437 maps every byte, so this never fails."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return unicodedata.normalize("NFC", name)


def split_path(name: str) -> tuple[list[str] | None, str | None]:
    """Safe path components for an entry name, or (None, why it is refused)."""
    if _CONTROL.search(name):
        return None, "has control characters in its name"
    # Windows tools write backslashes as separators; treating them as separators is also what
    # turns "..\\..\\x" into a visible ".." instead of an odd file name.
    unified = name.replace("\\", "/")
    if unified.startswith("/"):
        return None, "is an absolute path (starts with / or \\\\server)"
    if _DRIVE.match(unified):
        return None, "starts with a Windows drive letter"
    parts = [p for p in unified.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None, "climbs out of its folder with '..'"
    if not parts:
        return None, "has an empty name"
    if len(parts) > _MAX_DEPTH or len(unified) > _MAX_PATH:
        return None, "has a path too deep or too long"
    if any(len(p.encode("utf-8", "surrogateescape")) > _MAX_NAME_BYTES for p in parts):
        return None, "has a name longer than 255 bytes"
    return parts, None


def copy_capped(read, write, cap: int, first: bytes = b"") -> int | None:
    """Copy chunks from read(n) to write(b), `first` included; the byte count, or None once it
    passes `cap` (the copy stops there: a header's size is never trusted)."""
    total = 0
    chunk = first
    while True:
        if chunk:
            total += len(chunk)
            if total > cap:
                return None
            write(chunk)
        chunk = read(_CHUNK)
        if not chunk:
            return total


def listed_entries(path: Path) -> int | None:
    """How many entries the zip's end record lists (zip64 too), read before zipfile parses them."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            span = min(size, 22 + 0xFFFF)
            fh.seek(size - span)
            tail = fh.read(span)
            at = tail.rfind(b"PK\x05\x06")
            if at < 0 or len(tail) - at < 22:
                return None
            (count,) = struct.unpack("<H", tail[at + 10:at + 12])
            if count == 0xFFFF and at >= 20 and tail[at - 20:at - 16] == b"PK\x06\x07":
                (offset,) = struct.unpack("<Q", tail[at - 12:at - 4])
                fh.seek(offset)
                record = fh.read(56)
                if record[:4] == b"PK\x06\x06" and len(record) == 56:
                    (count,) = struct.unpack("<Q", record[32:40])
            return count
    except OSError:
        return None


class _Tracker:
    """Names already taken in the destination, compared case-insensitively, so that no two
    entries land on the same file, differ only in case, or use one name as file and folder."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.dirs: dict[str, str] = {}

    @staticmethod
    def _key(parts: list[str]) -> str:
        return "/".join(parts).casefold()

    def conflict(self, parts: list[str], is_dir: bool) -> str | None:
        path = "/".join(parts)
        key = self._key(parts)
        if key in self.files:
            first = self.files[key]
            if first == path and not is_dir:
                return "appears more than once in the zip; the first copy was kept"
            if not is_dir:
                return f"has the same name as {printable(first)!r} when case is ignored; that one was kept"
            return f"is a folder with the name of the file {printable(first)!r}; the file was kept"
        if key in self.dirs and not is_dir:
            return f"is a file with the name of the folder {printable(self.dirs[key])!r}; the folder was kept"
        for i in range(1, len(parts)):
            pkey = self._key(parts[:i])
            ppath = "/".join(parts[:i])
            if pkey in self.files:
                return f"lies under {printable(ppath)!r}, which is a file in this zip"
            seen = self.dirs.get(pkey)
            if seen is not None and seen != ppath:
                return f"is in the folder {printable(ppath)!r}, whose name differs only in case from {printable(seen)!r}"
        if is_dir and key in self.dirs and self.dirs[key] != path:
            return f"differs only in case from the folder {printable(self.dirs[key])!r}"
        return None

    def add(self, parts: list[str], is_dir: bool) -> None:
        for i in range(1, len(parts) + (1 if is_dir else 0)):
            self.dirs.setdefault(self._key(parts[:i]), "/".join(parts[:i]))
        if not is_dir:
            self.files[self._key(parts)] = "/".join(parts)


def _entry_kind_reason(info: zipfile.ZipInfo) -> str | None:
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        return "is a symbolic link; only regular files are extracted"
    if kind in (stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK):
        return "is a device, pipe or socket, not a regular file"
    if info.flag_bits & 0x1:
        return "is encrypted (password-protected); submit it without a password"
    return None


class _Writer:
    """Creates files below `root` only, walking directory descriptors opened with O_NOFOLLOW."""

    _DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    _FILE_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                   | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def open(self, parts: list[str]) -> int:
        target = self.root.joinpath(*parts).resolve()
        if not target.is_relative_to(self.root) or target == self.root:
            raise PermissionError(f"{'/'.join(parts)} resolves outside {self.root}")
        fd = os.open(self.root, self._DIR_FLAGS)
        try:
            for part in parts[:-1]:
                try:
                    os.mkdir(part, 0o755, dir_fd=fd)
                except FileExistsError:
                    pass
                nxt = os.open(part, self._DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = nxt
            return os.open(parts[-1], self._FILE_FLAGS, 0o644, dir_fd=fd)
        finally:
            os.close(fd)

    def remove(self, parts: list[str]) -> None:
        try:
            os.unlink(self.root.joinpath(*parts))
        except FileNotFoundError:
            pass


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise SubmissionsError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SubmissionsError(f"{path}: is a folder, not a zip") from None
    except zipfile.BadZipFile as exc:
        raise SubmissionsError(
            f"{path}: not a zip file, or a truncated one ({exc}); download the export again"
        ) from None
    except UnicodeDecodeError:
        raise SubmissionsError(
            f"{path}: an entry name is marked UTF-8 but is not; re-create the zip"
        ) from None
    except (NotImplementedError, ValueError, OSError, EOFError, struct.error) as exc:
        raise SubmissionsError(f"{path}: cannot be read as a zip ({exc})") from None


def extract(zip_path: Path, dest: Path, limits: ZipLimits = ZipLimits()) -> Extraction:
    """Extract the safe entries of `zip_path` into `dest`, which must be an empty folder we created.

    Raises SubmissionsError when the file as a whole is not a readable zip."""
    zip_path, dest = Path(zip_path), Path(dest)
    if not dest.is_dir() or dest.is_symlink() or any(dest.iterdir()):
        raise ValueError(f"{dest}: extract() needs an empty folder it owns")
    listed = listed_entries(zip_path)
    ceiling = limits.entries * _ENTRY_CEILING_FACTOR
    if listed is not None and listed > ceiling:
        raise SubmissionsError(
            f"{zip_path}: lists {listed} entries, far over the limit of {limits.entries}; split it into smaller zips"
        )
    out = Extraction()
    writer = _Writer(dest)
    taken = _Tracker()
    total = 0
    with _open_zip(zip_path) as zf:
        for index, info in enumerate(zf.infolist()):
            name = decode_name(info)
            shown = printable(name)

            def refuse(reason: str) -> None:
                out.refused.append(Refusal(shown, reason))

            if index >= limits.entries:
                refuse(f"is past the limit of {limits.entries} entries per zip; it was not read")
                continue
            parts, why = split_path(name)
            if parts is None:
                refuse(why)
                continue
            if is_junk(parts):
                continue
            is_dir = name.endswith(("/", "\\")) or stat.S_ISDIR(info.external_attr >> 16)
            why = _entry_kind_reason(info)
            if why is None:
                why = taken.conflict(parts, is_dir)
            if why is not None:
                refuse(why)
                continue
            if is_dir:
                taken.add(parts, is_dir=True)
                continue
            why = nested_archive_reason(name, None)
            if why is None and info.file_size > limits.member_bytes:
                why = f"is {human(info.file_size)} uncompressed, over the {human(limits.member_bytes)} limit per file"
            if why is None and total + info.file_size > limits.total_bytes:
                why = f"would take the zip's extracted total over the {human(limits.total_bytes)} limit"
            if why is not None:
                refuse(why)
                continue
            why, size = _extract_one(zf, info, parts, writer, limits, total)
            if why is not None:
                refuse(why)
                continue
            total += size
            taken.add(parts, is_dir=False)
            out.files.append("/".join(parts))
    out.files.sort()
    return out


def _extract_one(zf, info, parts, writer: _Writer, limits: ZipLimits, total: int) -> tuple[str | None, int]:
    """Stream one entry to disk: (None, bytes written), or (why it was refused, 0) with nothing left behind."""
    cap = min(limits.member_bytes, limits.total_bytes - total)
    fd = None
    try:
        with zf.open(info) as src:
            head = src.read(MAGIC_BYTES)
            why = nested_archive_reason("", head)
            if why is not None:
                return why, 0
            fd = writer.open(parts)

            def write(b: bytes) -> None:
                view = memoryview(b)
                while view:
                    view = view[os.write(fd, view):]

            size = copy_capped(src.read, write, cap, first=head)
        if size is None:
            os.close(fd)
            fd = None
            writer.remove(parts)
            if cap < limits.member_bytes:
                return f"would take the zip's extracted total over the {human(limits.total_bytes)} limit", 0
            return (f"decompresses to more than the {human(limits.member_bytes)} limit per file "
                    f"(its header claimed {human(info.file_size)})"), 0
        os.close(fd)
        fd = None
        return None, size
    except (zipfile.BadZipFile, zlib.error, EOFError, struct.error) as exc:
        reason = f"is damaged, or its header does not match its data ({exc})"
    except NotImplementedError:
        reason = "uses a compression method this reader does not support"
    except RuntimeError as exc:  # zipfile: "File is encrypted, password required"
        reason = f"cannot be read ({exc})"
    except (PermissionError, FileExistsError, NotADirectoryError, IsADirectoryError) as exc:
        reason = f"cannot be written safely ({exc.__class__.__name__})"
    except OSError as exc:
        reason = f"cannot be written ({exc.strerror or exc})"
    if fd is not None:  # only a file this call created is removed, never an earlier entry's
        os.close(fd)
        writer.remove(parts)
    return reason, 0


@dataclass
class Scan:
    """What a submissions folder holds: regular files, and links to files (checked by the caller,
    which knows each student's folder), by posix path relative to the scanned folder."""

    files: list[str] = field(default_factory=list)
    links: dict[str, Path] = field(default_factory=dict)  # path -> resolved target
    refused: list[Refusal] = field(default_factory=list)


def check_file(path: Path, name: str, limits: ZipLimits) -> str | None:
    """Why a file already on disk may not be graded (not regular, too big, an archive), or None."""
    try:
        st = os.stat(path, follow_symlinks=False)
        if not stat.S_ISREG(st.st_mode):
            return "is a device, pipe or socket, not a regular file"
        if st.st_size > limits.member_bytes:
            return f"is {human(st.st_size)}, over the {human(limits.member_bytes)} limit per file"
        why = nested_archive_reason(name, None)
        if why:
            return why
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
        try:
            head = os.read(fd, MAGIC_BYTES)
        finally:
            os.close(fd)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    return nested_archive_reason("", head)


def scan_folder(base: Path, limits: ZipLimits = ZipLimits()) -> Scan:
    """List a submissions folder in place (nothing is copied), refusing what may not be graded."""
    base = Path(base)
    if not base.is_dir():
        raise SubmissionsError(f"{base}: not a folder")
    out = Scan()
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False, onerror=None):
        here = Path(dirpath)
        rel_dir = here.relative_to(base).as_posix()
        prefix = [] if rel_dir == "." else rel_dir.split("/")
        dirnames.sort()
        keep = []
        for d in dirnames:
            parts = prefix + [d]
            if is_junk(parts):
                continue
            if (here / d).is_symlink():
                out.refused.append(Refusal(printable("/".join(parts)),
                                           "is a link to a folder; links to folders are not followed"))
                continue
            keep.append(d)
        dirnames[:] = keep
        for f in sorted(filenames):
            parts = prefix + [f]
            name = "/".join(parts)
            if is_junk(parts):
                continue
            shown = printable(name)
            if shown != name:
                out.refused.append(Refusal(shown, "has a name that is not valid UTF-8 or holds control characters"))
                continue
            path = here / f
            if path.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    out.refused.append(Refusal(shown, "is a broken link"))
                    continue
                out.links[name] = target
                continue
            why = check_file(path, name, limits)
            if why:
                out.refused.append(Refusal(shown, why))
            else:
                out.files.append(name)
    out.files.sort()
    return out
