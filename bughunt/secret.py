"""The instructor's grading secret: the hidden cases a class is graded on come from it.

Every grader builds its hidden inputs from a seed (`Grader.cases(seed)`). A student's local
self-check uses the public seed, which anyone with the package can reproduce. `bughunt
assign` makes a random secret and keeps it in the instructor bundle only; `bughunt grade`
and the Gradescope autograder derive each exercise's seed from it, so the cases a class
is graded on are in no file a student has. The same secret always gives the same seeds,
so the same file keeps the same verdict.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path

#: the seed of the public hidden cases (a student's local self-check); an instructor's
#: secret replaces it when grading a class. Defined here, not in grader.py, so that reading
#: a secret does not import libcst and the static checks.
PUBLIC_SEED = 20240917

SECRET_FILE = "grading-secret.txt"
_FORMAT = re.compile(r"^[0-9a-f]{64}$")


class SecretError(Exception):
    """The secret file exists but cannot be used; the message says why."""


def new_secret() -> str:
    """A fresh secret: 256 random bits as 64 hex digits."""
    return secrets.token_hex(32)


def write_secret(folder: Path, secret: str | None = None) -> Path:
    """Write `secret` (a new one if None) to FOLDER/grading-secret.txt, readable by its owner only."""
    secret = new_secret() if secret is None else check(secret)
    path = Path(folder) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secret + "\n")
    os.chmod(path, 0o600)  # O_CREAT's mode does not apply to a file that already existed
    return path


def check(secret: str) -> str:
    secret = secret.strip().lower()
    if not _FORMAT.match(secret):
        raise SecretError("a grading secret is 64 hexadecimal digits")
    return secret


def read_secret(folder: Path) -> str | None:
    """The secret kept in FOLDER, or None when FOLDER has none."""
    path = Path(folder) / SECRET_FILE
    if not path.is_file():
        return None
    try:
        return check(path.read_text(encoding="ascii"))
    except (SecretError, UnicodeDecodeError) as exc:
        raise SecretError(f"{path} is damaged ({exc}); restore it from your copy of the instructor bundle") from None


def case_seed(secret: str | None, exercise_id: str) -> int:
    """The seed of one exercise's hidden cases: the public seed without a secret, else 128
    bits derived from the secret and the exercise id (one exercise's cases tell nothing
    about another's)."""
    if secret is None:
        return PUBLIC_SEED
    digest = hashlib.blake2b(exercise_id.encode("utf-8"), key=bytes.fromhex(check(secret)), digest_size=16).digest()
    return int.from_bytes(digest, "big")


def is_public(seed: int | None) -> bool:
    return seed is None or int(seed) == PUBLIC_SEED
