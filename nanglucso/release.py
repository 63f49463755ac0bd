"""Teacher side of an assignment's life before grading: build from a blueprint, generate, release."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .bank import load_bank
from .blueprint import load_blueprint, select_for
from .build import build_assignment
from .course import Course
from .errors import KitError
from .responses import SUFFIX as RESPONSES_SUFFIX


@dataclass
class Built:
    assignment: str
    notebook: Path
    n_items: int
    skipped: list[str]
    n_tasks: int = 0


def build(course: Course, blueprint_path: Path) -> Built:
    """Blueprint → source/<assignment>/ (notebook with hidden keys, public items file)."""
    bank = load_bank(course.bank_root())
    # Tasks (and their files) are loaded only for a blueprint that draws some.
    tasks = course.task_bank() if load_blueprint(Path(blueprint_path)).tasks else None
    sel = select_for(Path(blueprint_path), bank, tasks=tasks)
    path = build_assignment(sel, course.source, bank, tasks)
    return Built(sel.blueprint.id, path, len(sel.items), sel.skipped, len(sel.tasks))


def _check(result: dict, what: str) -> None:
    if not result.get("success"):
        detail = (result.get("error") or result.get("log") or "").strip().splitlines()
        last = detail[-1] if detail else ""
        raise KitError(f"nbgrader không {what} được: {last}")


def release(course: Course, assignment: str) -> Path:
    """nbgrader generate_assignment then release_assignment; returns the student version's folder."""
    if not (course.source / assignment).is_dir():
        raise KitError(f"chưa có bài '{assignment}' trong {course.source}; chạy 'nanglucso build' trước")
    stray = sorted((course.source / assignment).glob(f"*{RESPONSES_SUFFIX}"))
    if stray:
        # It would be copied to every student and over every student's answers at autograde.
        raise KitError(f"có tệp câu trả lời trong bản gốc của giáo viên: {stray[0]}. Xoá tệp này rồi phát lại.")
    api = course.api()
    _check(api.generate_assignment(assignment, force=True), "tạo bản cho học sinh")
    api.unrelease(assignment)  # releasing again replaces the previous student version
    _check(api.release_assignment(assignment), "phát bài")
    return course.root / "release" / assignment
