"""A student's responses file beside the notebook: read it, and write it atomically on every answer.

One file per notebook, ``<notebook>.responses.json``; it holds answers only, never a key.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SUFFIX = ".responses.json"
FORMAT = 1


class ResponsesUnreadable(Exception):
    """The responses file exists but cannot be read as the kit's format."""


def responses_path(folder: Path, notebook: str) -> Path:
    return Path(folder) / f"{notebook}{SUFFIX}"


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` so that ``path`` holds either the old or the new content, never a mix."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    # fsync the folder so the rename itself survives a power cut.
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def read_responses(path: Path) -> dict[str, Any]:
    """Answers by item id ({} when the file does not exist); ResponsesUnreadable if it is damaged."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResponsesUnreadable(f"{path.name}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        raise ResponsesUnreadable(f"{path.name}: thiếu mục 'answers'")
    return {k: v.get("value") for k, v in data["answers"].items() if isinstance(v, dict)}


def record_answer(path: Path, student: str, notebook: str, item_id: str, value: Any) -> None:
    """Store one answer (None clears it) and rewrite the file atomically.

    The read-modify-write holds an exclusive lock, so two tabs (two kernels) answering the same sitting
    never drop each other's answers.
    """
    path = Path(path)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _record(path, student, notebook, item_id, value)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _record(path: Path, student: str, notebook: str, item_id: str, value: Any) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        if path.exists():
            # Never drop what a damaged file held: set it aside for the teacher, then start afresh.
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            os.replace(path, path.with_name(f"{path.name}.damaged-{stamp}"))
        data = {}
    data.setdefault("format", FORMAT)
    data["student"] = student
    data["notebook"] = notebook
    answers = data.setdefault("answers", {})
    if value is None:
        answers.pop(item_id, None)
    else:
        answers[item_id] = {"value": value, "at": datetime.now(UTC).isoformat(timespec="seconds")}
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True))
