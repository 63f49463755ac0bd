"""The full round trip with real parts: Excel roster, build, nbgrader release, students answering
through the widgets in a real kernel, submit through the exchange, nbgrader autograde, levels."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from nanglucso.grade import grade
from nanglucso.release import build, release
from nanglucso.store import Store, item_scores, levels
from nanglucso.student import fetch, submit

from .conftest import BLUEPRINT

NB = "bai_danh_gia"
CODE_CELL = "s_q_T-3_4-TC1-code"


def sit_in_kernel(folder: Path, student: str, driver: str | None, code: str | None) -> bool:
    """Open the released notebook in a real kernel, run every cell, then act as the student.

    Returns whether a responses file existed right after the cells ran (it must not: merely
    executing the widget cells writes nothing).
    """
    path = folder / f"{NB}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=120, allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    with client.setup_kernel(env={"NANGLUCSO_STUDENT": student}):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)
        written_by_execution = (folder / f"{NB}.responses.json").exists()
        if driver:
            cell = nbformat.v4.new_code_cell(driver)
            nb.cells.append(cell)  # a scratch cell in the kernel's copy only; the file is not rewritten
            client.execute_cell(cell, len(nb.cells) - 1)
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert not errors, errors
    if code is not None:
        # The pupil types into the solution cell and saves the notebook.
        saved = nbformat.read(str(path), as_version=4)
        for cell in saved.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == CODE_CELL:
                cell.source = code
        nbformat.write(saved, str(path))
    return written_by_execution


STRONG = """
bai.widget("T-4.2-TC1-sc").buttons["b"].value = True
bai.widget("T-4.2-TC2-mc").answer_with(["a", "b", "d"])
bai.widget("T-4.2-CB2-tf").buttons["false"].value = True
bai.widget("T-1.1-TC1-st").field.value = {!r}
bai.widget("T-1.3-TC1-num").field.value = "7,5"
bai.widget("T-5.1-TC1-ord").answer_with(["a", "b", "c"])
bai.widget("T-2.5-TC1-match").menus["a"].value = "x"
bai.widget("T-2.5-TC1-match").menus["b"].value = "y"
""".format(unicodedata.normalize("NFD", "  QUỐC   gia "))  # decomposed, odd case and spaces: still right

MIXED = """
bai.widget("T-4.2-TC1-sc").buttons["a"].value = True
bai.widget("T-4.2-TC2-mc").buttons["a"].value = True
bai.widget("T-4.2-TC2-mc").buttons["c"].value = True
bai.widget("T-4.2-CB2-tf").buttons["false"].value = True
bai.widget("T-1.1-TC1-st").field.value = "quoc gia"
bai.widget("T-1.3-TC1-num").field.value = "7.4"
bai.widget("T-5.1-TC1-ord").answer_with(["b", "a", "c"])
bai.widget("T-2.5-TC1-match").answer_with({"a": "x", "b": "z"})
"""

EXPECTED = {
    "HS001": {"T-1.1-TC1-st": 1, "T-1.3-TC1-num": 1, "T-2.5-TC1-match": 1, "T-3.4-TC1-code": 2,
              "T-4.2-CB2-tf": 1, "T-4.2-TC1-sc": 1, "T-4.2-TC2-mc": 1, "T-5.1-TC1-ord": 1},
    "HS002": {"T-1.1-TC1-st": 1, "T-1.3-TC1-num": 0, "T-2.5-TC1-match": 0.5, "T-3.4-TC1-code": 0,
              "T-4.2-CB2-tf": 1, "T-4.2-TC1-sc": 0, "T-4.2-TC2-mc": 0, "T-5.1-TC1-ord": 0.3333},
    "HS003": dict.fromkeys(["T-1.1-TC1-st", "T-1.3-TC1-num", "T-2.5-TC1-match", "T-3.4-TC1-code",
                            "T-4.2-CB2-tf", "T-4.2-TC1-sc", "T-4.2-TC2-mc", "T-5.1-TC1-ord"], 0),
}
EXPECTED_LEVELS = {
    "HS001": {"1.1": "TC1", "1.3": "TC1", "2.5": "TC1", "3.4": "TC1", "4.2": "TC2", "5.1": "TC1",
              "1": "TC1", "2": "TC1", "3": "TC1", "4": "TC2", "5": "TC1"},
    "HS002": {"1.1": "TC1", "1.3": None, "2.5": None, "3.4": None, "4.2": "CB2", "5.1": None,
              "1": None, "2": None, "3": None, "4": "CB2", "5": None},
}


def test_round_trip_exact_scores_and_levels(course, tmp_path):
    built = build(course, BLUEPRINT)
    assert built.n_items == 8
    release(course, built.assignment)
    answers = {
        "HS001": (STRONG, "def tong(a, b):\n    return a + b\n"),
        "HS002": (MIXED, "def tong(a, b):\n    return a - b\n"),
        "HS003": (None, None),  # opens the notebook, answers nothing
    }
    for student, (driver, code) in answers.items():
        home = tmp_path / "homes" / student
        folder = fetch(course, home, built.assignment, student)
        assert not sit_in_kernel(folder, student, driver, code), "running the cells wrote a responses file"
        saved = folder / f"{NB}.responses.json"
        assert saved.exists() == (driver is not None)
        if driver:
            data = json.loads(saved.read_text(encoding="utf-8"))
            assert data["student"] == student and "key" not in json.dumps(data)
        submit(course, home, built.assignment, student)

    report = grade(course, built.assignment)
    assert [r.student_id for r in report.results] == ["HS001", "HS002", "HS003"]
    assert [p["kind"] for p in report.problems] == ["missing_responses"]
    assert report.problems[0]["student_id"] == "HS003"

    store = Store(course.db_url)
    for student, expected in EXPECTED.items():
        got = {r["item_id"]: r["score"] for r in store.rows(item_scores, student_id=student)}
        assert got == pytest.approx(expected, abs=1e-3), student
    totals = {r.student_id: r.score for r in report.results}
    assert totals == pytest.approx({"HS001": 9, "HS002": 2.8333, "HS003": 0}, abs=1e-3)

    # nbgrader's own gradebook holds the same totals (the kit reads, never rewrites, its scores).
    from nbgrader.api import Gradebook

    with Gradebook(course.gradebook_url, course.course_id) as gb:
        for student, total in totals.items():
            assert gb.find_submission(built.assignment, student).score == pytest.approx(total, abs=1e-3)

    for student, expected in EXPECTED_LEVELS.items():
        got = {r["code"]: r["level"] for r in store.rows(levels, student_id=student)}
        assert got == expected, student
    # Feedback a teacher may release carries scores but no key (the items are reused elsewhere).
    assert course.api().generate_feedback(built.assignment, "HS002")["success"]
    feedback = (course.root / "feedback" / "HS002" / built.assignment / f"{NB}.html").read_text(encoding="utf-8")
    assert "(Score: 2.83 / 9.0)" in feedback
    for secret in ("score_item", "quốc gia", "'key'", "return a + b", "assert tong"):
        assert secret not in feedback, secret

    ready = {(r["student_id"], r["code"]): r["ready"] for r in store.rows(levels, scope="domain")}
    assert ready[("HS001", "4")] and not ready[("HS002", "4")]
    assert all(r["expected"] == "TC1" for r in store.rows(levels))
