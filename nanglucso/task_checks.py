"""Helpers the hidden tests of practical tasks may use (run in the student's kernel during autograde)."""

from __future__ import annotations

import warnings
from pathlib import Path

from .text import nfc

# A warning printed to stderr would make nbgrader score the criterion 0.
warnings.filterwarnings("ignore")

__all__ = ["Path", "files_in", "folders_in", "nfc", "task_folder", "text_of"]


def task_folder(task_id: str) -> Path:
    """The task's work folder beside the notebook."""
    return Path.cwd() / task_id


def files_in(folder: Path) -> list[str]:
    """Every file under ``folder`` as a relative path with '/' (hidden files and checkpoints left out)."""
    from nanglucso.widgets.files import list_files

    return list_files(folder) if folder.is_dir() else []


def folders_in(folder: Path) -> list[str]:
    """Every sub-folder under ``folder`` (relative paths, '/' separated)."""
    from nanglucso.widgets.files import list_folders

    return [f for f in list_folders(folder) if f] if folder.is_dir() else []


def text_of(path: Path) -> str:
    """A text file's content, NFC-normalised ('' when missing)."""
    return nfc(path.read_text(encoding="utf-8")) if path.is_file() else ""
