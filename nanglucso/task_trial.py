"""Try practical tasks for real: build them into one assignment, let a student who does everything right
and one who hands in nothing sit it through nbgrader's exchange, autograde, and compare every criterion
with what it should score. An author runs it with ``nanglucso task try``; the test suite runs it on all.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .bank import Bank
from .blueprint import Blueprint, Selection
from .build import ITEMS_SUFFIX, build_assignment
from .course import init_course
from .grade import grade
from .items import Text
from .release import release
from .simulate import work_on_tasks
from .store import Store, item_scores
from .student import fetch, submit
from .tasks import TaskBank
from .text import split_name

ASSIGNMENT = "thu-thuc-hanh"
SOLVER, BLANK = "hs_lam_dung", "hs_bo_trong"


@dataclass
class TrialResult:
    """Per criterion: the solver's and the blank student's scores; ``failures`` says what is wrong."""

    scores: dict[str, dict[str, float | None]] = field(default_factory=dict)
    pending: dict[str, bool] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)


def trial(tasks: TaskBank, ids: list[str], workdir: Path,
          progress: Callable[[int, int, str], None] | None = None) -> TrialResult:
    """Sit the tasks ``ids`` twice (all right, all blank) through nbgrader and check every criterion."""
    chosen = [tasks.tasks[i] for i in ids]
    course = init_course(workdir / "course", "thu_thuc_hanh")
    bp = Blueprint(id=ASSIGNMENT, title=Text(vi="Thử bài thực hành"), grade=9, form="baseline",
                   mode="practice", time_limit_minutes=45, notebook="thuc_hanh")
    build_assignment(Selection(bp, [], [], chosen), course.source, Bank(), tasks)
    release(course, ASSIGNMENT)
    Store(course.db_url).replace_students([
        {"student_id": sid, "full_name": name, "family_name": split_name(name)[0], "given_name": split_name(name)[1],
         "class_name": "9A1", "grade": 9, "birth_date": None, "gender": None}
        for sid, name in ((SOLVER, "Nguyễn Văn An"), (BLANK, "Trần Thị Bình"))])
    from .widgets import Assessment

    for student, verdict in ((SOLVER, True), (BLANK, None)):
        folder = fetch(course, workdir / "hs" / student, ASSIGNMENT, student)
        notebook = next(folder.glob(f"*{ITEMS_SUFFIX}")).name[: -len(ITEMS_SUFFIX)]
        work_on_tasks(folder, notebook, Assessment(notebook, folder, student), chosen,
                      lambda _level, v=verdict: v, random.Random(0))
        submit(course, workdir / "hs" / student, ASSIGNMENT, student)
    report = grade(course, ASSIGNMENT, progress)
    out = TrialResult(problems=report.problems)
    store = Store(course.db_url)
    for student in (SOLVER, BLANK):
        for row in store.rows(item_scores, assignment=ASSIGNMENT, student_id=student):
            out.scores.setdefault(row["item_id"], {})[student] = row["score"]
            if student == SOLVER:
                out.pending[row["item_id"]] = row["pending"]
    for task in chosen:
        for crit in task.criteria():
            got = out.scores.get(crit.id, {})
            right, blank = got.get(SOLVER), got.get(BLANK)
            if crit.kind == "written":
                if not out.pending.get(crit.id):
                    out.failures.append(f"{crit.id}: bài viết mẫu phải chờ thầy cô chấm tay, nhưng không ở "
                                        "trạng thái chờ chấm")
            elif right != crit.points:
                out.failures.append(f"{crit.id}: làm đúng theo lời giải mà chỉ được {right} / {crit.points:g} điểm")
            if blank not in (0, 0.0):
                out.failures.append(f"{crit.id}: bỏ trống mà vẫn được {blank} điểm")
    return out
