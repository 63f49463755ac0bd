"""Collect and autograde an assignment with nbgrader, report problems per student, store scores and levels."""

from __future__ import annotations

import json
import multiprocessing
import os
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from .build import ITEMS_SUFFIX, grade_id
from .course import Course
from .errors import KitError
from .fast_grade import grade_submission, quiz_plan, save_gradebook, teacher_files
from .framework import load_framework
from .levels import load_rule, student_levels
from .responses import SUFFIX as RESPONSES_SUFFIX
from .responses import ResponsesUnreadable, atomic_write_text, read_responses, responses_path
from .store import Store

Progress = Callable[[int, int, str], None]


@dataclass
class StudentResult:
    student_id: str
    score: float | None = None
    max_score: float = 0.0
    problems: list[dict[str, str]] = field(default_factory=list)
    pending: int = 0  # written criteria awaiting the teacher's score


@dataclass
class GradeReport:
    assignment: str
    results: list[StudentResult]
    kernel_free: int = 0  # submissions graded without a kernel (nanglucso.fast_grade)

    @property
    def problems(self) -> list[dict[str, str]]:
        return [p for r in self.results for p in r.problems]


def _manifest(course: Course, assignment: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    folder = course.source / assignment
    files = sorted(folder.glob(f"*{ITEMS_SUFFIX}"))
    if not files:
        raise KitError(f"không thấy bài '{assignment}' trong {course.source}; chạy 'nanglucso build' trước")
    data = json.loads(files[0].read_text(encoding="utf-8"))
    notebook = files[0].name[: -len(ITEMS_SUFFIX)]
    return notebook, {item["id"]: item for item in data["items"]}, data


def _student_files(course: Course, assignment: str, manifest: dict[str, Any]) -> list[str]:
    """Task work files (relative to the assignment): the student's arrangement of them must survive
    autograde, which otherwise copies the teacher's originals back over them."""
    source = course.source / assignment
    out = []
    for task in manifest.get("tasks", []):
        if task.get("folder"):
            out += [p.relative_to(source).as_posix() for p in (source / task["folder"]).rglob("*") if p.is_file()]
    return out


def show_written_answers(notebook_path: Path, answers: dict[str, Any], items: dict[str, dict]) -> None:
    """Put each written answer above its task cell in the autograded notebook, where formgrader shows it."""
    nb = nbformat.read(str(notebook_path), as_version=4)
    by_gid = {grade_id(i): i for i, item in items.items() if item["type"] == "written"}
    cells = []
    for cell in nb.cells:
        if cell.metadata.get("nanglucso", {}).get("written_answer"):
            continue  # put there by an earlier grading run
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in by_gid:
            text = answers.get(by_gid[gid]) or "(học sinh không trả lời)"
            quoted = "\n".join("> " + line for line in str(text).splitlines())
            answer = nbformat.v4.new_markdown_cell(f"**Bài làm của học sinh:**\n\n{quoted}")
            answer.metadata = {"nanglucso": {"written_answer": True}}
            answer.id = f"ans-{gid}"[:64].replace("_", "-")
            cells.append(answer)
        cells.append(cell)
    nb.cells = cells
    atomic_write_text(notebook_path, nbformat.writes(nb))  # formgrader may be reading it right now


def _problem(student: str, kind: str, message: str) -> dict[str, str]:
    return {"student_id": student, "kind": kind, "message": message}


def failure_reason(outcome: dict) -> str:
    """The most specific line of a failed nbgrader run (its last line only says 'see above')."""
    log = (outcome.get("log") or "").splitlines()
    generic = ("Please see", "There was an error processing")
    errors = [line.removeprefix("[ERROR]").strip() for line in log
              if line.startswith("[ERROR]") and not any(g in line for g in generic)]
    if errors:
        return errors[-1]
    trace = (outcome.get("error") or "").strip().splitlines()
    return trace[-1] if trace else "không rõ lỗi"


def precheck(folder: Path, notebook: str, student: str) -> tuple[bool, list[dict[str, str]]]:
    """Look at a submission before nbgrader does: (can autograde, problems in Vietnamese)."""
    nb_path = folder / f"{notebook}.ipynb"
    if not nb_path.exists():
        others = sorted(p.name for p in folder.glob("*.ipynb"))
        hint = f" (thấy {', '.join(others)}: có lẽ em đã đổi tên tệp)" if others else ""
        return False, [_problem(student, "missing_notebook",
                                f"bài nộp không có tệp {notebook}.ipynb{hint}. Đổi lại đúng tên rồi chấm lại.")]
    try:
        nbformat.read(str(nb_path), as_version=4)
    except Exception:  # noqa: BLE001 - any unreadable notebook is the same problem for the teacher
        return False, [_problem(student, "corrupt_notebook",
                                f"tệp {notebook}.ipynb bị hỏng, không mở được. Nhờ học sinh mở lại bài "
                                "(hoặc lấy bản lưu tự động) rồi nộp lại.")]
    problems = []
    path = responses_path(folder, notebook)
    if not path.exists():
        problems.append(_problem(student, "missing_responses",
                                 f"không có tệp câu trả lời {path.name}: học sinh chưa trả lời câu trắc nghiệm "
                                 "nào, hoặc đã nộp từ thư mục khác. Các câu này được 0 điểm."))
    else:
        try:
            read_responses(path)
        except ResponsesUnreadable:
            problems.append(_problem(student, "unreadable_responses",
                                     f"tệp câu trả lời {path.name} bị hỏng, không đọc được: các câu trắc nghiệm "
                                     "được 0 điểm. Kiểm tra tệp trong thư mục submitted/ của học sinh."))
    return True, problems


def _item_scores(course: Course, assignment: str, notebook: str, student: str, items: dict[str, dict],
                 answers: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    from nbgrader.api import Gradebook, MissingEntry

    scores, problems = [], []
    with Gradebook(course.gradebook_url, course.course_id) as gb:
        try:
            nb = gb.find_submission_notebook(notebook, assignment, student)
        except MissingEntry:
            return [], [_problem(student, "not_graded", "nbgrader không ghi nhận bài này trong sổ điểm.")]
        grades = {g.name: g for g in nb.grades}
        for n, (item_id, item) in enumerate(items.items(), start=1):
            g = grades.get(grade_id(item_id))
            row = _score_row(item_id, item, None, answers or {})
            if item["type"] == "written" and g is not None:
                if g.manual_score is None and answers is not None and not answers.get(item_id):
                    # Nothing written: nothing to read; score it 0 so the teacher's queue holds real work only.
                    g.manual_score, g.needs_manual_grade = 0.0, False
                    gb.db.commit()
                row["score"] = g.manual_score
                row["pending"] = g.manual_score is None
                scores.append(row)
                continue
            # nbgrader's Grade.score reads 0 for a cell nobody scored: look at the two real scores.
            scored = g is not None and (g.auto_score is not None or g.manual_score is not None)
            value = g.score if scored else None
            if value is None:
                problems.append(_not_scored(student, n, item_id))
            row["score"] = value
            scores.append(row)
    return scores, problems


def _score_row(item_id: str, item: dict[str, Any], score: float | None, answers: dict[str, Any]) -> dict[str, Any]:
    """One item's row of the kit's item_scores table."""
    return {"item_id": item_id, "competency": item["competency"], "level": item["level"], "score": score,
            "max_score": float(item["points"]), "pending": False, "answer": _answer_json(answers.get(item_id))}


def _not_scored(student: str, n: int, item_id: str) -> dict[str, str]:
    return _problem(student, "cell_not_scored",
                    f"câu {n} ({item_id}): nbgrader không chấm được ô này (ô chấm bị xoá hoặc mất thông tin "
                    "nbgrader). Chấm tay trong formgrader hoặc cho học sinh làm lại từ bản phát.")


def _answer_json(value: Any) -> str | None:
    """The raw answer as stored for question statistics; long written answers are cut (formgrader has them)."""
    if value in (None, "", [], {}):
        return None
    return json.dumps(value, ensure_ascii=False)[:2000]


def _answers(folder: Path, notebook: str) -> dict[str, Any]:
    try:
        return read_responses(responses_path(folder, notebook))
    except ResponsesUnreadable:
        return {}


def _known_scores(student: str, items: dict[str, dict], final: dict[str, float | None],
                  answers: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The rows ``_item_scores`` would read back, from the scores the kernel-free path just wrote."""
    scores, problems = [], []
    for n, (item_id, item) in enumerate(items.items(), start=1):
        value = final.get(grade_id(item_id))
        if value is None:
            problems.append(_not_scored(student, n, item_id))
        scores.append(_score_row(item_id, item, value, answers))
    return scores, problems


def _record(course: Course, roster: dict[str, dict], assignment: str, notebook: str, items: dict[str, dict],
            result: StudentResult, fw: Any, rule: Any, final: dict[str, float | None] | None = None,
            folder: Path | None = None) -> tuple[list[dict], list[dict]]:
    """One student's item scores and levels for the kit's tables: read back from nbgrader's gradebook, or taken
    from ``final`` (grade id → score) when the kernel-free path has just written them."""
    student = result.student_id
    graded = folder or course.root / "autograded" / student / assignment
    answers = _answers(graded, notebook)
    if final is not None:
        scores, cell_problems = _known_scores(student, items, final, answers)
    else:
        if any(item["type"] == "written" for item in items.values()) and (graded / f"{notebook}.ipynb").exists():
            show_written_answers(graded / f"{notebook}.ipynb", answers, items)
        scores, cell_problems = _item_scores(course, assignment, notebook, student, items, answers)
    result.problems += cell_problems
    if student not in roster:
        result.problems.append(_problem(student, "not_in_roster",
                                        "học sinh không có trong danh sách lớp: đã lưu điểm nhưng chưa xếp bậc. "
                                        "Nhập danh sách lớp có mã này rồi chấm lại."))
        level_rows: list[dict] = []
    else:
        level_rows = student_levels(scores, roster[student]["grade"], rule, fw)
    result.score = sum(s["score"] or 0 for s in scores)
    result.max_score = sum(s["max_score"] for s in scores)
    result.pending = sum(1 for s in scores if s["pending"])
    return scores, level_rows


def sync_manual(course: Course, assignment: str) -> GradeReport:
    """After the teacher scores written criteria in formgrader: read every graded student's scores
    back from the gradebook and recompute the levels, without running autograde again."""
    notebook, items, _ = _manifest(course, assignment)
    store = Store(course.db_url)
    store.create()
    fw, rule = load_framework(), load_rule(course.rubrics_root())
    students = sorted(p.parent.name for p in (course.root / "autograded").glob(f"*/{assignment}") if p.is_dir())
    roster = {s["student_id"]: s for s in store.students()}
    results, rows = [], {}
    for student in students:
        result = StudentResult(student)
        rows[student] = _record(course, roster, assignment, notebook, items, result, fw, rule)
        results.append(result)
    store.save_many_results(assignment, rows)
    return GradeReport(assignment, results)


def _autograde_one(root: str, assignment: str, student: str, exclude: list[str]) -> dict[str, Any]:
    """nbgrader's own autograde of one submission (in a worker process: each runs its own kernel)."""
    from .course import open_course

    try:
        api = open_course(Path(root)).api()
        api.config.Autograde.exclude_overwriting = {assignment: exclude}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbgrader's SQLAlchemy autoflush chatter
            outcome = api.autograde(assignment, student, force=True, create=True)
    except Exception as exc:  # noqa: BLE001 - one pupil's failure is reported for that pupil; the batch goes on
        return {"success": False, "log": "", "error": f"{type(exc).__name__}: {exc}"}
    return {"success": bool(outcome.get("success")), "log": outcome.get("log"), "error": outcome.get("error")}


def _fast_one(args: tuple) -> Any:
    try:
        return grade_submission(*args)
    except Exception:  # noqa: BLE001 - e.g. a file that cannot be copied: nbgrader then grades it (and says why)
        return None


def default_workers() -> int:
    """One worker per core: kernels and notebook files are CPU-bound."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def grade(course: Course, assignment: str, progress: Progress | None = None, workers: int | None = None,
          kernel_free: bool = True) -> GradeReport:
    """Collect submissions, autograde them, check, and store scores and levels.

    Quiz submissions with no code of the student's are graded without a kernel (nanglucso.fast_grade, which
    leaves nbgrader's gradebook exactly as autograde would); every other submission goes through nbgrader's
    autograde, ``workers`` at a time in separate processes. ``kernel_free=False`` sends all through nbgrader."""
    notebook, items, manifest = _manifest(course, assignment)
    api = course.api()
    # Never let a stray source copy of the responses file replace a student's (STACK-NOTES pitfall),
    # nor the teacher's copies of a task's files undo what the student did with them.
    exclude = [f"{notebook}{RESPONSES_SUFFIX}", *_student_files(course, assignment, manifest)]
    api.config.Autograde.exclude_overwriting = {assignment: exclude}
    api.collect(assignment)
    submitted = course.root / "submitted"
    students = sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())
    store = Store(course.db_url)
    store.create()
    fw = load_framework()
    rule = load_rule(course.rubrics_root())
    workers = workers or default_workers()
    results = {s: StudentResult(s) for s in students}
    rows: dict[str, tuple[list[dict], list[dict]]] = {}
    ready = []
    for student in students:
        ok, pre = precheck(submitted / student / assignment, notebook, student)
        results[student].problems += pre
        if ok:
            ready.append(student)
        else:
            rows[student] = ([], [])  # scores of an earlier, replaced submission must not stand for this one
    done = len(students) - len(ready)

    def tick(student: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, len(students), student)

    plan = quiz_plan(course.gradebook_url, course.course_id, assignment) if kernel_free and ready else None
    finals: dict[str, dict] = {}
    if plan is not None:
        ignore = list(api.coursedir.ignore)
        teacher = teacher_files(course.source / assignment, exclude, ignore)
        jobs = [(plan, submitted / s / assignment, course.root / "autograded" / s / assignment, teacher, ignore)
                for s in ready]
        graded = []
        with _pool(workers) as pool:
            for student, outcome in zip(ready, pool.map(_fast_one, jobs, chunksize=max(1, len(jobs) // (8 * workers)))
                                        if pool else map(_fast_one, jobs), strict=True):
                if outcome is not None:
                    graded.append(outcome)
                    tick(student)
        finals = save_gradebook(course.gradebook_url, course.course_id, plan, graded)
    slow = [s for s in ready if s not in finals]
    outcomes: dict[str, dict[str, Any]] = {}
    if slow:
        with _pool(min(workers, len(slow))) as pool:
            calls = ((str(course.root), assignment, s, exclude) for s in slow)
            for student, outcome in zip(slow, pool.map(_autograde_one, *zip(*calls, strict=True))
                                        if pool else (_autograde_one(*c) for c in calls), strict=True):
                outcomes[student] = outcome
                tick(student)
    roster = {s["student_id"]: s for s in store.students()}
    for student in ready:
        result = results[student]
        outcome = outcomes.get(student)
        if outcome is not None and not outcome["success"]:
            result.problems.append(_problem(student, "autograde_failed",
                                            f"nbgrader không chấm được bài: {failure_reason(outcome)}. "
                                            "Xem bài trong submitted/ rồi chấm lại."))
            rows[student] = ([], [])
            continue
        rows[student] = _record(course, roster, assignment, notebook, items, result, fw, rule, finals.get(student))
    store.save_many_results(assignment, rows)
    ordered = [results[s] for s in students]
    store.replace_problems(assignment, [p for r in ordered for p in r.problems])
    return GradeReport(assignment, ordered, len(finals))


@contextmanager
def _pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """Worker processes (forked: they inherit the loaded kit), or None to work in this process."""
    if workers <= 1:
        yield None
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield pool
