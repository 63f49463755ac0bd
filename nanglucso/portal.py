"""The student portal's server side: access codes, each pupil's own copy of an assignment, submission.

A pupil picks the class, types the short code from the slip and confirms the name; the portal then works
in ``<course>/portal/<student>/<assignment>/``, a copy fetched through nbgrader's exchange exactly as
JupyterLab's Assignments tab fetches it, with the same responses file; "Nộp bài" submits it through the
same exchange. A portal sitting and a JupyterLab sitting are therefore graded the same way.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .course import Course
from .errors import KitError
from .store import Store, portal_codes
from .student import fetch, submit
from .text import class_list_key, nfc

# No 0/O, 1/I/L: a seven-year-old copies the code from paper.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 5


def new_code(rng: secrets.SystemRandom | None = None) -> str:
    rng = rng or secrets.SystemRandom()
    return "".join(rng.choice(ALPHABET) for _ in range(CODE_LENGTH))


def issue_codes(course: Course, assignment: str, class_name: str | None = None,
                renew: bool = False) -> list[dict[str, Any]]:
    """Codes for every roster student (of one class if given), in class-list order; existing codes are kept
    unless ``renew``. Returns rows with student_id, full_name, class_name, code."""
    if not (course.root / "release" / assignment).is_dir():
        raise KitError(f"bài '{assignment}' chưa được phát; chạy 'nanglucso release {assignment}' trước")
    store = Store(course.db_url)
    store.create()
    roster = [s for s in store.students() if class_name is None or s["class_name"] == class_name]
    if not roster:
        raise KitError(f"không có học sinh nào{' của lớp ' + class_name if class_name else ''} trong danh sách; "
                       "nhập danh sách lớp trước ('nanglucso roster import')")
    current = {r["student_id"]: r["code"] for r in store.rows(portal_codes, assignment=assignment)}
    taken = set(current.values())
    fresh: dict[str, str] = {}
    for s in roster:
        if s["student_id"] in current and not renew:
            continue
        code = new_code()
        while code in taken:
            code = new_code()
        taken.add(code)
        fresh[s["student_id"]] = code
    store.set_codes(assignment, fresh)
    codes = {**current, **fresh}
    roster.sort(key=lambda s: (s["class_name"], class_list_key(s["full_name"])))
    return [{"student_id": s["student_id"], "full_name": s["full_name"], "class_name": s["class_name"],
             "code": codes[s["student_id"]]} for s in roster]


@dataclass
class Pupil:
    student_id: str
    full_name: str
    class_name: str


def login(course: Course, assignment: str, class_name: str, typed: str) -> Pupil | None:
    """The pupil of ``class_name`` whose code for ``assignment`` is ``typed``; None if there is none."""
    code = nfc(typed).strip().upper().replace(" ", "")
    if not code:
        return None
    store = Store(course.db_url)
    for row in store.rows(portal_codes, assignment=assignment, code=code):
        student = store.student(row["student_id"])
        if student and student["class_name"] == class_name:
            return Pupil(student["student_id"], student["full_name"], student["class_name"])
    return None


def workspace(course: Course, assignment: str, student_id: str) -> Path:
    """The pupil's copy of the assignment, fetched through the exchange on first use and kept after."""
    home = course.root / "portal" / student_id
    folder = home / assignment
    if not folder.is_dir():
        folder = fetch(course, home, assignment, student_id)
    return folder


def hand_in(course: Course, assignment: str, student_id: str) -> None:
    """Submit the pupil's copy through nbgrader's exchange (the same path as JupyterLab's Submit)."""
    submit(course, course.root / "portal" / student_id, assignment, student_id)


def portal_assignments(course: Course) -> list[str]:
    """Released assignments that have portal codes."""
    store = Store(course.db_url)
    store.create()
    return sorted({r["assignment"] for r in store.rows(portal_codes)
                   if (course.root / "release" / r["assignment"]).is_dir()})


def portal_classes(course: Course, assignment: str) -> list[str]:
    store = Store(course.db_url)
    ids = {r["student_id"] for r in store.rows(portal_codes, assignment=assignment)}
    return sorted({s["class_name"] for s in store.students() if s["student_id"] in ids})
