"""The assessments of a course as rounds: which grade and form each assignment is, read from its manifest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .course import Course
from .paths import ITEMS_SUFFIX


@dataclass(frozen=True)
class Round:
    assignment: str
    grade: int
    form: str  # baseline, end_of_year, practical, practice
    title: str
    items: tuple[dict, ...]


def _form(manifest: dict, assignment: str) -> str:
    # Courses built before the manifest carried the form: the blueprint naming rule tells it.
    if manifest.get("form"):
        return manifest["form"]
    name = manifest.get("blueprint", assignment)
    return "end_of_year" if "cuoi-nam" in name else "practical" if "thuc-hanh" in name else \
        "practice" if "luyen-tap" in name else "baseline"


def read_round(folder: Path) -> Round | None:
    files = sorted(folder.glob(f"*{ITEMS_SUFFIX}"))
    if not files:
        return None
    manifest = json.loads(files[0].read_text(encoding="utf-8"))
    return Round(folder.name, int(manifest.get("grade", 0)), _form(manifest, folder.name),
                 manifest.get("title", folder.name), tuple(manifest.get("items", [])))


def course_rounds(course: Course) -> dict[str, Round]:
    """Every built assignment of the course, by name."""
    out = {}
    for folder in sorted(p for p in course.source.iterdir() if p.is_dir() and not p.name.startswith(".")):
        found = read_round(folder)
        if found:
            out[found.assignment] = found
    return out
