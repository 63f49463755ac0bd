"""Watch a running assessment from what is on disk: who has started, how far each pupil is, who has submitted.

A portal pupil works in ``<course>/portal/<student>/<assignment>/`` (nanglucso.portal.workspace) and every
answer is written at once to the responses file there, so the count of answers is always current. A
submission, from the portal or from JupyterLab, lands in nbgrader's exchange inbox as
``<student>+<assignment>+<time>+<random>``. A JupyterLab pupil's own folder is out of the teacher's reach:
for them only the submission is seen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from .course import Course
from .errors import KitError
from .paths import ITEMS_SUFFIX
from .responses import ResponsesUnreadable, read_responses, responses_path
from .store import Store
from .text import class_list_key

# Item types a pupil answers on a card (a practical task's automatic checks have none).
NOT_ANSWERED = ("check",)


@dataclass
class PupilProgress:
    student_id: str
    full_name: str
    started: bool  # the pupil opened the assignment on the portal
    answered: int
    questions: int
    submitted: datetime | None  # the latest submission's time (UTC), None if none
    unreadable: bool = False  # the responses file is damaged (the grading run will say so too)


def released_assignments(course: Course) -> list[str]:
    """Assignments released to pupils (their student version is in ``release/``), by name."""
    folder = course.root / "release"
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def _manifest(course: Course, assignment: str) -> tuple[str, list[dict]]:
    files = sorted((course.root / "release" / assignment).glob(f"*{ITEMS_SUFFIX}"))
    if not files:
        raise KitError(f"bài '{assignment}' chưa được phát; phát bài trước rồi mới theo dõi được")
    data = json.loads(files[0].read_text(encoding="utf-8"))
    return files[0].name[: -len(ITEMS_SUFFIX)], data.get("items", [])


def submissions(course: Course, assignment: str) -> dict[str, datetime]:
    """Student → time of the latest submission waiting in the exchange inbox or already collected."""
    out: dict[str, datetime] = {}
    inbound = course.exchange / course.course_id / "inbound"
    for path in inbound.glob(f"*+{assignment}+*") if inbound.is_dir() else []:
        parts = path.name.split("+")
        if len(parts) < 3 or parts[1] != assignment:
            continue
        try:
            at = datetime.strptime(parts[2].removesuffix(" UTC"), "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
        except ValueError:
            at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        if parts[0] not in out or at > out[parts[0]]:
            out[parts[0]] = at
    # Collected (nanglucso grade) and since cleared from the inbox: still submitted.
    for path in (course.root / "submitted").glob(f"*/{assignment}"):
        if path.parent.name not in out:
            stamp = path / "timestamp.txt"
            out[path.parent.name] = datetime.fromtimestamp((stamp if stamp.exists() else path).stat().st_mtime, UTC)
    return out


def class_progress(course: Course, assignment: str, class_name: str | None = None) -> list[PupilProgress]:
    """One row per roster pupil (of ``class_name`` if given), in class-list order."""
    notebook, items = _manifest(course, assignment)
    questions = {i["id"] for i in items if i.get("type") not in NOT_ANSWERED}
    handed = submissions(course, assignment)
    roster = [s for s in Store(course.db_url).students() if class_name is None or s["class_name"] == class_name]
    roster.sort(key=lambda s: (s["class_name"], class_list_key(s["full_name"])))
    rows = []
    for s in roster:
        folder = course.root / "portal" / s["student_id"] / assignment
        answered, unreadable = 0, False
        try:
            saved = read_responses(responses_path(folder, notebook))
            answered = sum(1 for k, v in saved.items() if k in questions and v not in (None, "", [], {}))
        except ResponsesUnreadable:
            unreadable = True
        rows.append(PupilProgress(s["student_id"], s["full_name"], folder.is_dir(), answered, len(questions),
                                  handed.get(s["student_id"]), unreadable))
    return rows


def local_time(at: datetime) -> str:
    """'14:05' today, '14:05 03/12' another day (the school's clock: the server's local time)."""
    here = at.astimezone()
    return here.strftime("%H:%M") if here.date() == datetime.now().astimezone().date() else here.strftime("%H:%M %d/%m")

