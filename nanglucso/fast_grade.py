"""Autograde quiz submissions without starting a kernel, leaving nbgrader's gradebook as `nbgrader autograde` would.

A quiz's grade cells only call ``nanglucso.grading_cell.score_item(notebook, item, spec)``: each score depends
on the responses file beside the notebook and on the spec, never on what a kernel holds. When the student added
or changed no code (the only code cells are the released, locked ones, which nbgrader puts back from the
gradebook anyway), running the notebook would give each grade cell the output ``repr(score_item(...))``. This
module computes those outputs in-process and writes what nbgrader's Autograde converter writes: the student,
the submission and its timestamp, every grade's auto score and manual-grade flag (through nbgrader's own
``determine_grade``), the late penalty reset, and the autograded copy of the submission.

Anything else — student code, practical-task checks, written criteria, a deleted or duplicated grade cell, a
due date, several notebooks — is left to nbgrader itself (``grade.py`` runs those submissions in parallel).
tests/test_fast_grade.py grades the same submissions both ways and compares the whole gradebook.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from .responses import ResponsesUnreadable, read_responses, responses_path
from .scoring import score

SCORE_MODULE = "nanglucso.grading_cell"
SCORE_FUNCTION = "score_item"


@dataclass(frozen=True)
class QuizCell:
    """One grade cell of a quiz: what score_item is called with, and nbgrader's ids for it."""

    grade_id: str
    item_id: str
    spec: dict[str, Any]
    points: float
    cell_db_id: str  # nbgrader's GradeCell.id


@dataclass(frozen=True)
class QuizPlan:
    """What grading an assignment without a kernel needs, read once from the gradebook."""

    assignment: str
    assignment_db_id: str
    notebook: str
    notebook_db_id: str
    cells: tuple[QuizCell, ...]
    restored: dict[str, tuple[str, str]]  # grade_id -> (cell type, source) of every cell nbgrader puts back

    @property
    def grade_ids(self) -> set[str]:
        return {c.grade_id for c in self.cells}


def parse_score_call(source: str) -> tuple[str, str, dict[str, Any]] | None:
    """(notebook, item id, spec) when a grade cell's source only imports and calls score_item, else None."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return None
    if len(body) != 2:
        return None
    imp, call = body
    if not (isinstance(imp, ast.ImportFrom) and imp.module == SCORE_MODULE and imp.level == 0
            and [(a.name, a.asname) for a in imp.names] == [(SCORE_FUNCTION, None)]):
        return None
    if not (isinstance(call, ast.Expr) and isinstance(call.value, ast.Call) and not call.value.keywords
            and isinstance(call.value.func, ast.Name) and call.value.func.id == SCORE_FUNCTION
            and len(call.value.args) == 3):
        return None
    try:
        notebook, item_id, spec = (ast.literal_eval(a) for a in call.value.args)
    except ValueError:
        return None
    if not (isinstance(notebook, str) and isinstance(item_id, str) and isinstance(spec, dict)):
        return None
    return notebook, item_id, spec


def quiz_plan(gradebook_url: str, course_id: str, assignment: str) -> QuizPlan | None:
    """The plan for grading ``assignment`` without a kernel, or None when nbgrader itself must run it."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(gradebook_url, course_id) as gb:
        try:
            a = gb.find_assignment(assignment)
        except MissingEntry:
            return None
        if a.duedate is not None or len(a.notebooks) != 1:
            return None  # late penalties and several notebooks: nbgrader's own rules apply
        nb = a.notebooks[0]
        if nb.solution_cells or nb.task_cells:
            return None  # student code or hand-scored work
        sources = {c.name: c for c in nb.source_cells}
        order = {name: i for i, name in enumerate(sources)}
        cells = []
        for cell in sorted(nb.grade_cells, key=lambda c: order.get(c.name, -1)):
            src = sources.get(cell.name)
            parsed = parse_score_call(src.source) if src is not None and cell.cell_type == "code" else None
            if parsed is None or parsed[0] != nb.name:
                return None
            cells.append(QuizCell(cell.name, parsed[1], parsed[2], float(cell.max_score), cell.id))
        if not cells:
            return None
        graded = {q.grade_id for q in cells}
        restored = {name: (c.cell_type, c.source) for name, c in sources.items() if c.locked or name in graded}
        return QuizPlan(assignment, a.id, nb.name, nb.id, tuple(cells), restored)


def kernel_free(plan: QuizPlan, nb: dict[str, Any]) -> bool:
    """True when running this submitted notebook would run only the released cells: no code of the student's,
    every grade cell present once, as a code cell (otherwise nbgrader's own handling applies)."""
    if nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        return False
    seen: set[str] = set()
    for cell in nb["cells"]:
        if not isinstance(cell, dict):
            return False
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        if meta and gid not in plan.restored:
            return False  # nbgrader metadata the release did not have: nbgrader's checks decide
        if gid in plan.restored:
            if gid in seen:
                return False  # a copied cell: nbgrader's DeduplicateIds decides what runs
            seen.add(gid)
            if cell.get("cell_type") != plan.restored[gid][0]:
                return False
            continue
        if cell.get("cell_type") == "code" and _text(cell.get("source")).strip():
            return False  # the student's own code runs in a kernel
    return plan.grade_ids <= seen


def _text(source: Any) -> str:
    return "".join(source) if isinstance(source, list) else str(source or "")


def score_output(spec: dict[str, Any], answer: Any, answers_ok: bool) -> dict[str, Any]:
    """The output the grade cell would show in a kernel: repr of the score, or an error if scoring raised."""
    try:
        value = score(spec, answer) if answers_ok else 0.0
    except Exception as exc:  # noqa: BLE001 - in a kernel any exception is an error output (0 points)
        return {"output_type": "error", "ename": type(exc).__name__, "evalue": str(exc), "traceback": []}
    return {"output_type": "execute_result", "data": {"text/plain": repr(value)}, "metadata": {},
            "execution_count": None}


def auto_score(cell: QuizCell, output: dict[str, Any]) -> float | None:
    """nbgrader's own verdict on a grade cell with this output (its partial-credit rules, caps included)."""
    from nbformat import from_dict
    from nbgrader.utils import determine_grade

    node = from_dict({"cell_type": "code", "source": "", "execution_count": None, "outputs": [output],
                      "metadata": {"nbgrader": {"grade": True, "solution": False, "grade_id": cell.grade_id,
                                                "points": cell.points}}})
    return determine_grade(node)[0]


@dataclass
class Graded:
    """One submission graded without a kernel: what goes to the gradebook."""

    student: str
    timestamp: str | None  # timestamp.txt as written by the exchange
    auto: dict[str, float | None]  # grade_id -> auto score


def teacher_files(source: Path, keep: list[str], ignore: list[str]) -> list[tuple[Path, str]]:
    """(file, path relative to the assignment) of the teacher's files that autograde puts back over a
    submission: all but notebooks, the ones the pupil's work lives in (``keep``) and ignored names. The same for
    every submission, so listed once per grading run."""
    return [(path, rel) for path in sorted(source.rglob("*"))
            if path.is_file() and not path.name.endswith(".ipynb")
            and (rel := path.relative_to(source).as_posix()) not in keep
            and not any(fnmatch(part, pat) for part in rel.split("/") for pat in ignore)]


def grade_submission(plan: QuizPlan, submitted: Path, autograded: Path, teacher: list[tuple[Path, str]],
                     ignore: list[str]) -> Graded | None:
    """Grade one submission folder and write its autograded copy; None when it needs a kernel."""
    nb_path = submitted / f"{plan.notebook}.ipynb"
    try:
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not kernel_free(plan, nb):
        return None
    try:
        answers, ok = read_responses(responses_path(submitted, plan.notebook)), True
    except ResponsesUnreadable:
        answers, ok = {}, False  # score_item scores a damaged file 0; grade.py tells the teacher
    outputs = {c.grade_id: score_output(c.spec, answers.get(c.item_id), ok) for c in plan.cells}
    auto = {c.grade_id: auto_score(c, outputs[c.grade_id]) for c in plan.cells}
    _write_autograded(plan, nb, outputs, submitted, autograded, teacher, ignore)
    stamp = submitted / "timestamp.txt"
    text = stamp.read_text(encoding="utf-8").strip() if stamp.exists() else ""
    return Graded(submitted.parent.name, text or None, auto)


def _write_autograded(plan: QuizPlan, nb: dict[str, Any], outputs: dict[str, dict[str, Any]], submitted: Path,
                      autograded: Path, teacher: list[tuple[Path, str]], ignore: list[str]) -> None:
    """What nbgrader leaves in autograded/: the submission's files, the teacher's files put back (except those
    the student's work lives in), and the notebook with the released cells restored and the scores shown."""
    if autograded.exists():
        shutil.rmtree(autograded)
    shutil.copytree(submitted, autograded, ignore=shutil.ignore_patterns(*ignore))
    for path, rel in teacher:
        dest = autograded / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, dest)
    count = 0
    for cell in nb["cells"]:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        if gid in plan.restored:
            cell["source"] = plan.restored[gid][1]
        if cell.get("cell_type") == "code":
            count += 1
            cell["execution_count"] = count
            out = dict(outputs[gid]) if gid in outputs else None
            if out and out["output_type"] == "execute_result":
                out["execution_count"] = count
            cell["outputs"] = [out] if out else []
    target = autograded / f"{plan.notebook}.ipynb"
    target.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
    os.utime(target)


def save_gradebook(gradebook_url: str, course_id: str, plan: QuizPlan, graded: list[Graded]) -> dict[str, dict]:
    """Write the submissions to nbgrader's gradebook in one transaction, as autograde leaves them: missing
    students and submissions created with every grade row, the timestamp set when the submission has one,
    auto scores, ``needs_manual_grade`` (a teacher's earlier manual score is kept and flagged for review),
    the late penalty reset. Returns each student's final score per grade id (manual wins, extra credit added)."""
    from nbgrader.api import Grade, Gradebook, Student, SubmittedAssignment, SubmittedNotebook, new_uuid
    from nbgrader.utils import parse_utc
    from sqlalchemy import bindparam, select, update

    if not graded:
        return {}
    ids = [g.student for g in graded]
    out: dict[str, dict] = {}
    with Gradebook(gradebook_url, course_id) as gb:
        db = gb.db
        known = set(db.execute(select(Student.id).where(Student.id.in_(ids))).scalars())
        if len(known) < len(ids):
            db.execute(Student.__table__.insert(), [{"id": s} for s in ids if s not in known])
        sa = SubmittedAssignment
        subs = {r.student_id: r.id for r in db.execute(select(sa.student_id, sa.id).where(
            sa.assignment_id == plan.assignment_db_id, sa.student_id.in_(ids)))}
        new_subs, new_nbs, new_grades = [], [], []
        for g in graded:
            if g.student in subs:
                continue
            sub_id, nb_id = new_uuid(), new_uuid()
            subs[g.student] = sub_id
            new_subs.append({"id": sub_id, "assignment_id": plan.assignment_db_id, "student_id": g.student,
                             "timestamp": parse_utc(g.timestamp) if g.timestamp else None, "extension": None})
            new_nbs.append({"id": nb_id, "assignment_id": sub_id, "notebook_id": plan.notebook_db_id,
                            "flagged": False, "late_submission_penalty": None})
            new_grades += [{"id": new_uuid(), "notebook_id": nb_id, "cell_id": c.cell_db_id, "auto_score": None,
                            "manual_score": None, "extra_credit": None, "needs_manual_grade": True}
                           for c in plan.cells]
        for table, rows in ((SubmittedAssignment, new_subs), (SubmittedNotebook, new_nbs), (Grade, new_grades)):
            if rows:
                db.execute(table.__table__.insert(), rows)
        stamped = [{"sid": subs[g.student], "ts": parse_utc(g.timestamp)} for g in graded if g.timestamp]
        if stamped:
            db.execute(update(SubmittedAssignment.__table__).where(SubmittedAssignment.id == bindparam("sid"))
                       .values(timestamp=bindparam("ts")), stamped)
        by_sub = {v: k for k, v in subs.items()}
        nb_rows = db.execute(select(SubmittedNotebook.id, SubmittedNotebook.assignment_id).where(
            SubmittedNotebook.assignment_id.in_([subs[s] for s in ids]),
            SubmittedNotebook.notebook_id == plan.notebook_db_id)).all()
        student_of_nb = {r.id: by_sub[r.assignment_id] for r in nb_rows}
        gid_of_cell = {c.cell_db_id: c.grade_id for c in plan.cells}
        auto = {g.student: g.auto for g in graded}
        changes = []
        for r in db.execute(select(Grade.id, Grade.notebook_id, Grade.cell_id, Grade.manual_score,
                                   Grade.extra_credit).where(Grade.notebook_id.in_(list(student_of_nb)))):
            student, gid = student_of_nb[r.notebook_id], gid_of_cell.get(r.cell_id)
            if gid is None:
                continue
            value = auto[student][gid]
            changes.append({"gid_": r.id, "auto": value,
                            "flag": r.manual_score is not None or value is None})
            base = r.manual_score if r.manual_score is not None else value
            out.setdefault(student, {})[gid] = None if base is None else base + (r.extra_credit or 0.0)
        if changes:
            db.execute(update(Grade.__table__).where(Grade.id == bindparam("gid_"))
                       .values(auto_score=bindparam("auto"), needs_manual_grade=bindparam("flag")), changes)
        db.execute(update(SubmittedNotebook.__table__).where(SubmittedNotebook.id.in_(list(student_of_nb)))
                   .values(late_submission_penalty=None))
        db.commit()
    return out
