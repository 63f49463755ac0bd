"""Every bad submission is reported per student in Vietnamese, and the batch goes on."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nanglucso.widgets import Assessment

from nanglucso.grade import grade
from nanglucso.release import build, release
from nanglucso.roster import import_roster
from nanglucso.store import Store, item_scores
from nanglucso.student import fetch, submit

from .conftest import BLUEPRINT, make_course, write_roster_xlsx

NB = "bai_danh_gia"
GRADE_CELL = "q_T-4_2-TC1-sc"


def _edit(folder: Path, change) -> None:
    path = folder / f"{NB}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    change(nb)
    nbformat.write(nb, str(path))


def delete_grade_cell(folder: Path) -> None:
    _edit(folder, lambda nb: nb.cells.__setitem__(slice(None), [
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != GRADE_CELL]))


def strip_metadata(folder: Path) -> None:
    def change(nb):
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == GRADE_CELL:
                cell.metadata = {}
    _edit(folder, change)


def corrupt_notebook(folder: Path) -> None:
    (folder / f"{NB}.ipynb").write_text('{"cells": [ this is not json', encoding="utf-8")


def unreadable_responses(folder: Path) -> None:
    (folder / f"{NB}.responses.json").write_text("\x00\x01 garbage", encoding="utf-8")


def missing_responses(folder: Path) -> None:
    (folder / f"{NB}.responses.json").unlink()


def rename_notebook(folder: Path) -> None:
    (folder / f"{NB}.ipynb").rename(folder / "bai_cua_em.ipynb")


DAMAGE = {
    "OK01": None,
    "DEL01": delete_grade_cell,
    "META01": strip_metadata,
    "BAD01": corrupt_notebook,
    "RESP01": unreadable_responses,
    "MISS01": missing_responses,
    "NAME01": rename_notebook,
    "OK02": None,
}


def test_bad_submissions_are_reported_and_the_batch_goes_on(tmp_path):
    course = make_course(tmp_path / "khoa")
    roster = [[sid, f"Học Sinh {n}", "01/01/2014", "6A1"] for n, sid in enumerate(DAMAGE, start=1)]
    import_roster(course, write_roster_xlsx(tmp_path / "ds.xlsx", roster))
    built = build(course, BLUEPRINT)
    release(course, built.assignment)
    for student, damage in DAMAGE.items():
        home = tmp_path / "homes" / student
        folder = fetch(course, home, built.assignment, student)
        sitting = Assessment(NB, folder, student)
        sitting.widget("T-4.2-TC1-sc").answer_with("b")
        sitting.widget("T-4.2-CB2-tf").answer_with(False)
        if damage:
            damage(folder)
        submit(course, home, built.assignment, student)

    report = grade(course, built.assignment)
    kinds = {}
    for p in report.problems:
        kinds.setdefault(p["student_id"], []).append(p["kind"])
    assert kinds == {
        "DEL01": ["cell_not_scored"],
        "META01": ["cell_not_scored"],
        "BAD01": ["corrupt_notebook"],
        "RESP01": ["unreadable_responses"],
        "MISS01": ["missing_responses"],
        "NAME01": ["missing_notebook"],
    }
    messages = {p["student_id"]: p["message"] for p in report.problems}
    assert "câu 6 (T-4.2-TC1-sc)" in messages["DEL01"] and "formgrader" in messages["DEL01"]
    assert "bai_cua_em.ipynb" in messages["NAME01"]
    assert "bị hỏng" in messages["BAD01"]

    store = Store(course.db_url)
    scores = {s: {r["item_id"]: r["score"] for r in store.rows(item_scores, student_id=s)} for s in DAMAGE}
    for good in ("OK01", "OK02"):  # graded in full, before and after the bad ones
        assert scores[good]["T-4.2-TC1-sc"] == 1 and scores[good]["T-4.2-CB2-tf"] == 1
    assert scores["DEL01"]["T-4.2-TC1-sc"] is None and scores["DEL01"]["T-4.2-CB2-tf"] == 1
    assert scores["META01"]["T-4.2-TC1-sc"] is None
    assert scores["RESP01"]["T-4.2-TC1-sc"] == 0 and scores["MISS01"]["T-4.2-TC1-sc"] == 0
    assert scores["BAD01"] == {} and scores["NAME01"] == {}
    # Problems are kept in the kit's tables for the teacher's screens.
    from nanglucso.store import problems

    assert len(store.rows(problems, assignment=built.assignment)) == 6

    # A later, corrupt resubmission: the earlier scores no longer stand for this student.
    home = tmp_path / "homes" / "OK02"
    corrupt_notebook(home / built.assignment)
    submit(course, home, built.assignment, "OK02")
    again = grade(course, built.assignment)
    assert {p["student_id"]: p["kind"] for p in again.problems}["OK02"] == "corrupt_notebook"
    assert store.rows(item_scores, student_id="OK02") == []
    assert len(store.rows(item_scores, student_id="OK01")) == 8


def test_damaged_responses_file_is_set_aside_not_lost(tmp_path):
    from nanglucso.responses import read_responses, record_answer

    path = tmp_path / f"{NB}.responses.json"
    path.write_text("{broken", encoding="utf-8")
    record_answer(path, "HS1", NB, "q1", "a")
    kept = list(tmp_path.glob(f"{NB}.responses.json.damaged-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{broken"
    assert read_responses(path) == {"q1": "a"}
    assert json.loads(path.read_text(encoding="utf-8"))["student"] == "HS1"
