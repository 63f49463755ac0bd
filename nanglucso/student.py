"""Student side of nbgrader's exchange: fetch a released assignment, submit it back."""

from __future__ import annotations

from pathlib import Path

from .course import Course
from .errors import KitError


def _exchange_app(course: Course, kind: str, home: Path, assignment: str, student: str):
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit

    config = course.nbgrader_config()
    config.CourseDirectory.root = str(home)
    config.Exchange.assignment_dir = str(home)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    coursedir.student_id = student
    cls = {"fetch": ExchangeFetchAssignment, "submit": ExchangeSubmit}[kind]
    return cls(coursedir=coursedir, authenticator=Authenticator(config=config), config=config)


def fetch(course: Course, home: Path, assignment: str, student: str) -> Path:
    """Copy the released assignment into ``home/<assignment>`` as a student's fetch does."""
    home.mkdir(parents=True, exist_ok=True)
    app = _exchange_app(course, "fetch", home, assignment, student)
    try:
        app.start()
    except Exception as exc:  # nbgrader signals failures with its own exception types
        raise KitError(f"học sinh {student} không nhận được bài {assignment}: {exc}") from None
    return home / assignment


def submit(course: Course, home: Path, assignment: str, student: str) -> None:
    """Submit ``home/<assignment>`` to the exchange under ``student``'s id."""
    app = _exchange_app(course, "submit", home, assignment, student)
    try:
        app.start()
    except Exception as exc:
        raise KitError(f"học sinh {student} không nộp được bài {assignment}: {exc}") from None
