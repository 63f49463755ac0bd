"""Grading without a kernel leaves nbgrader's gradebook exactly as `nbgrader autograde` does.

The same submissions — every quiz item type answered right, wrong, blank and with values of the wrong type,
and every bad submission of the foundation issue — are graded twice from identical copies of one course: once
with every submission through nbgrader's autograde (a kernel each), once the kit's way (kernel-free where no
code of the student's runs). Every row of every gradebook table, the kit's scores, levels and problems must
be identical, on the first grading and on a regrade after a teacher's manual score and a resubmission."""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from sqlalchemy import create_engine, text

from nanglucso.bank import load_bank
from nanglucso.course import Course, open_course
from nanglucso.fast_grade import parse_score_call, quiz_plan
from nanglucso.grade import grade
from nanglucso.release import build, release
from nanglucso.responses import record_answer, responses_path
from nanglucso.roster import import_roster
from nanglucso.simulate import right_answer, wrong_answer
from nanglucso.store import Store, item_scores, levels, problems
from nanglucso.student import fetch, submit

from .conftest import BLUEPRINT, FIXTURES, make_course, write_roster_xlsx
from .test_bad_submissions import (
    corrupt_notebook,
    delete_grade_cell,
    missing_responses,
    rename_notebook,
    strip_metadata,
    unreadable_responses,
)

NB = "bai_danh_gia"
# Values of the wrong type for each item type, as a damaged or hand-edited responses file may hold them.
WRONG_TYPES = {"single_choice": ["a"], "multiple_choice": "b", "true_false": "có", "short_text": 12,
               "numeric": {"x": 1}, "ordering": 5, "matching": ["a", "b"]}


def add_code_cell(folder: Path) -> None:
    nb = nbformat.read(str(folder / f"{NB}.ipynb"), as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell('print("em thử chạy mã")'))
    nbformat.write(nb, str(folder / f"{NB}.ipynb"))


def edit_grade_cell(folder: Path) -> None:
    """A pupil who rewrote a grade cell to give full marks: nbgrader puts the teacher's cell back."""
    nb = nbformat.read(str(folder / f"{NB}.ipynb"), as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = "1.0"
    nbformat.write(nb, str(folder / f"{NB}.ipynb"))


def dump(url: str) -> dict[str, list[tuple]]:
    """Every gradebook row a submission creates or changes, keyed by names instead of generated ids."""
    queries = {
        "student": "select id, first_name, last_name, email, lms_user_id from student",
        "submission": "select a.name, s.student_id, s.timestamp, s.extension from submitted_assignment s "
                      "join assignment a on a.id = s.assignment_id",
        "notebook": "select s.student_id, n.name, sn.flagged, sn.late_submission_penalty from submitted_notebook sn "
                    "join submitted_assignment s on s.id = sn.assignment_id join notebook n on n.id = sn.notebook_id",
        "grade": "select s.student_id, b.name, g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade "
                 "from grade g join submitted_notebook sn on sn.id = g.notebook_id "
                 "join submitted_assignment s on s.id = sn.assignment_id join base_cell b on b.id = g.cell_id",
        "comment": "select s.student_id, b.name, c.auto_comment, c.manual_comment from comment c "
                   "join submitted_notebook sn on sn.id = c.notebook_id "
                   "join submitted_assignment s on s.id = sn.assignment_id join base_cell b on b.id = c.cell_id",
    }
    engine = create_engine(url)
    with engine.connect() as conn:
        out = {name: sorted((tuple(r) for r in conn.execute(text(q))), key=repr) for name, q in queries.items()}
    engine.dispose()
    return out


def kit_tables(course: Course) -> dict[str, list]:
    store = Store(course.db_url)
    keep = lambda rows, drop=("id", "at", "created_at"): sorted(  # noqa: E731
        (tuple((k, v) for k, v in sorted(r.items()) if k not in drop) for r in rows), key=repr)
    return {"item_scores": keep(store.rows(item_scores)), "levels": keep(store.rows(levels)),
            "problems": keep(store.rows(problems))}


def sit(course: Course, home: Path, assignment: str, student: str, answers: dict) -> Path:
    folder = fetch(course, home, assignment, student)
    for item_id, value in answers.items():
        record_answer(responses_path(folder, NB), student, NB, item_id, value)
    return folder


def twins(course: Course, tmp_path: Path) -> tuple[Course, Course]:
    """Two identical copies of the course (its database paths are relative to its folder)."""
    copies = []
    for name in ("qua_nbgrader", "cua_bo_kit"):
        dest = tmp_path / name
        shutil.copytree(course.root, dest)
        copies.append(open_course(dest))
    return copies[0], copies[1]


def quiz_blueprint(tmp_path: Path) -> Path:
    """The fixture blueprint without its code item: one item of each of the 7 quiz types."""
    bp = yaml.safe_load(BLUEPRINT.read_text(encoding="utf-8"))
    bp["id"] = "thu-lop6-trac-nghiem"
    bp["sections"][0]["competencies"] = [c for c in bp["sections"][0]["competencies"] if c != "3.4"]
    path = tmp_path / "trac_nghiem.yaml"
    path.write_text(yaml.safe_dump(bp, allow_unicode=True), encoding="utf-8")
    return path


def test_parse_score_call_accepts_only_the_kits_grade_cells():
    cell = ('# Ô chấm điểm tự động của câu 1. Không sửa ô này.\n### BEGIN HIDDEN TESTS\n'
            'from nanglucso.grading_cell import score_item\nscore_item("bai", "Q-1", {"type": "true_false", '
            '"key": True})\n### END HIDDEN TESTS')
    assert parse_score_call(cell) == ("bai", "Q-1", {"type": "true_false", "key": True})
    for other in ("score_item('bai', 'Q', {})", "from nanglucso.grading_cell import score_item as s\ns('b', 'Q', {})",
                  "from nanglucso.grading_cell import score_item\nprint(1)\nscore_item('b', 'Q', {})",
                  "from nanglucso.grading_cell import score_item\nscore_item('b', 'Q', dict())",
                  "assert 1 + 1 == 2", "def broken(:"):
        assert parse_score_call(other) is None, other


def test_kernel_free_grading_leaves_the_gradebook_as_nbgrader_does(tmp_path):
    from nbgrader.api import Gradebook

    course = make_course(tmp_path / "goc")
    students = ["RIGHT1", "WRONG1", "HALF1", "TYPES1", "RESP01", "MISS01", "DEL01", "META01", "BAD01", "NAME01",
                "CODE01", "EDIT01"]
    import_roster(course, write_roster_xlsx(tmp_path / "ds.xlsx", [[s, f"Học Sinh {n}", "01/01/2014", "6A1"]
                                                                    for n, s in enumerate(students, start=1)]))
    built = build(course, quiz_blueprint(tmp_path))
    release(course, built.assignment)
    items = json.loads(next((course.source / built.assignment).glob("*.items.json")).read_text())["items"]
    bank = load_bank(FIXTURES / "bank")
    chosen = [bank.items[i["id"]] for i in items]
    assert {i.type for i in chosen} == set(WRONG_TYPES)  # every quiz item type
    right = {i.id: right_answer(i) for i in chosen}
    rng = random.Random(3)
    damage = {"RESP01": unreadable_responses, "MISS01": missing_responses, "DEL01": delete_grade_cell,
              "META01": strip_metadata, "BAD01": corrupt_notebook, "NAME01": rename_notebook,
              "CODE01": add_code_cell, "EDIT01": edit_grade_cell}
    for student in students:
        answers = {"WRONG1": {i.id: wrong_answer(i, rng) for i in chosen},
                   "HALF1": {i.id: right[i.id] for i in chosen[::2]},
                   "TYPES1": {i.id: WRONG_TYPES[i.type] for i in chosen}}.get(student, right)
        home = tmp_path / "nha" / student
        folder = sit(course, home, built.assignment, student, answers)
        if student in damage:
            damage[student](folder)
        submit(course, home, built.assignment, student)

    plan = quiz_plan(course.gradebook_url, course.course_id, built.assignment)
    assert plan is not None and len(plan.cells) == 7
    stock, kit = twins(course, tmp_path)
    by_nbgrader = grade(stock, built.assignment, kernel_free=False, workers=2)
    by_kit = grade(kit, built.assignment)
    # Kernel-free: everyone whose notebook runs only the released cells (a rewritten grade cell is put back).
    assert by_nbgrader.kernel_free == 0
    assert by_kit.kernel_free == 7  # not DEL01, META01 (a grade cell lost) nor CODE01 (code of the pupil's)
    first = dump(stock.gradebook_url)
    assert first == dump(kit.gradebook_url)
    assert len(first["grade"]) == 10 * 7  # BAD01 and NAME01 never reach nbgrader
    assert kit_tables(stock) == kit_tables(kit)
    assert [r.problems for r in by_nbgrader.results] == [r.problems for r in by_kit.results]
    scores = {r.student_id: r.score for r in by_kit.results}
    assert scores["RIGHT1"] == scores["EDIT01"] == scores["CODE01"] == sum(i.points for i in chosen)
    assert scores["TYPES1"] == scores["RESP01"] == scores["MISS01"] == 0

    # Feedback a teacher releases from a kernel-free grading: same score line as nbgrader's own, and no key.
    for twin in (stock, kit):
        assert twin.api().generate_feedback(built.assignment, "HALF1")["success"]
    pages = [(t.root / "feedback" / "HALF1" / built.assignment / f"{NB}.html").read_text(encoding="utf-8")
             for t in (stock, kit)]
    lines = [re.findall(r"\(Score: [^)]*\)", page) for page in pages]
    assert lines[0] == lines[1] and len(lines[0]) == 1 + 7  # the total, then each question
    assert lines[0][0] == f"(Score: {round(scores['HALF1'], 2)} / {float(sum(i.points for i in chosen))})"
    for secret in ("score_item", "'key'", "BEGIN HIDDEN"):
        assert not any(secret in page for page in pages), secret

    # The teacher overrides one score in formgrader; WRONG1 resubmits right answers later; grade both again.
    for twin in (stock, kit):
        with Gradebook(twin.gradebook_url, twin.course_id) as gb:
            g = gb.find_grade(plan.cells[0].grade_id, NB, built.assignment, "RIGHT1")
            g.manual_score, g.extra_credit = 0.5, 0.25
            gb.db.commit()
    home = tmp_path / "nha" / "WRONG1"
    for item_id, value in right.items():
        record_answer(responses_path(home / built.assignment, NB), "WRONG1", NB, item_id, value)
    before = set((stock.exchange / stock.course_id / "inbound").iterdir())
    submit(stock, home, built.assignment, "WRONG1")
    (sent,) = set((stock.exchange / stock.course_id / "inbound").iterdir()) - before
    shutil.copytree(sent, kit.exchange / kit.course_id / "inbound" / sent.name)  # the same submission, same time
    again_nbgrader = grade(stock, built.assignment, kernel_free=False, workers=2)
    again_kit = grade(kit, built.assignment)
    assert dump(stock.gradebook_url) == dump(kit.gradebook_url)
    assert kit_tables(stock) == kit_tables(kit)
    assert [r.problems for r in again_nbgrader.results] == [r.problems for r in again_kit.results]
    regraded = {r.student_id: r.score for r in again_kit.results}
    assert regraded["WRONG1"] == scores["RIGHT1"]
    assert regraded["RIGHT1"] == pytest.approx(scores["RIGHT1"] - plan.cells[0].points + 0.75)
    flagged = [row for row in dump(kit.gradebook_url)["grade"] if row[0] == "RIGHT1" and row[5]]
    assert [row[1] for row in flagged] == [plan.cells[0].grade_id]  # a manual score is kept, flagged for review


def test_assignments_with_code_go_through_nbgrader_in_parallel(tmp_path):
    """The fixture blueprint has a code item: no kernel-free plan; two workers give what one gives."""
    course = make_course(tmp_path / "goc")
    import_roster(course, write_roster_xlsx(tmp_path / "ds.xlsx", [["A1", "Học Sinh Một", "01/01/2014", "6A1"],
                                                                    ["A2", "Học Sinh Hai", "01/01/2014", "6A1"],
                                                                    ["A3", "Học Sinh Ba", "01/01/2014", "6A1"]]))
    built = build(course, BLUEPRINT)
    release(course, built.assignment)
    assert quiz_plan(course.gradebook_url, course.course_id, built.assignment) is None
    for n, student in enumerate(("A1", "A2", "A3")):
        home = tmp_path / "nha" / student
        sit(course, home, built.assignment, student, {"T-4.2-TC1-sc": "b"} if n else {})
        submit(course, home, built.assignment, student)
    one, two = twins(course, tmp_path)
    seen: list[tuple[int, int]] = []
    r1 = grade(one, built.assignment, workers=1)
    r2 = grade(two, built.assignment, workers=2, progress=lambda n, total, _s: seen.append((n, total)))
    assert r1.kernel_free == r2.kernel_free == 0
    assert dump(one.gradebook_url) == dump(two.gradebook_url)
    assert kit_tables(one) == kit_tables(two)
    assert seen == [(1, 3), (2, 3), (3, 3)]
