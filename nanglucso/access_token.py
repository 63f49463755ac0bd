"""The teacher server's access token: made once per course, kept in the course folder, reused on every start.

A principal bookmarks the printed address (token included); the same token on every start keeps the bookmark
working. The file is readable by its owner only (0600), in a folder only its owner can enter (0700).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .course import Course

FOLDER = ".nanglucso"  # hidden: never listed, and Jupyter refuses hidden paths
TOKEN_FILE = "serve_token"


def token_path(course: Course) -> Path:
    return course.root / FOLDER / TOKEN_FILE


def _write_private(path: Path, text: str) -> None:
    """Create or replace the file with mode 0600 from the start (no moment where others could read it)."""
    path.parent.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path.parent, 0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    os.chmod(tmp, 0o600)  # O_CREAT's mode does not apply to a leftover file from an interrupted write
    os.replace(tmp, path)


def course_token(course: Course, renew: bool = False) -> str:
    """The course's token: read it, or make and keep a new one (always a new one when ``renew``)."""
    path = token_path(course)
    if not renew and path.exists():
        token = path.read_text(encoding="utf-8").strip()
        if token:
            os.chmod(path, 0o600)  # a copied course may have lost its modes
            return token
    token = secrets.token_urlsafe(18)  # 144 bits; URL-safe, so it goes into a bookmark as it is
    _write_private(path, token)
    return token
