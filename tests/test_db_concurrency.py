"""Grading in one process while another reads the school and class reports (and a teacher saves a form) against
the same database, on SQLite (WAL) and on PostgreSQL: no "database is locked", no deadlock, no lost or
half-written rows. Both sides run as separate processes with timeouts, so a lock-up fails instead of hanging."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nanglucso.course import init_course, open_course
from nanglucso.release import build, release
from nanglucso.roster import import_roster
from nanglucso.simulate import simulate
from nanglucso.store import Store, levels

from .conftest import BLUEPRINT, FIXTURES, KIT, write_roster_xlsx

PUPILS = [[f"HS{n:03d}", name, "06/05/2014", "6A1" if n % 2 else "6A2"] for n, name in enumerate(
    ["Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Châu", "Phạm Thu Dung", "Hoàng Gia Bảo", "Vũ Hải Yến"], start=1)]
TIMEOUT = 300  # seconds; grading six pupils takes about ten

GRADER = """
import json, sys
from nanglucso.course import open_course
from nanglucso.grade import grade
report = grade(open_course(sys.argv[1]), sys.argv[2])
print(json.dumps({"graded": len(report.results), "problems": [p["kind"] for p in report.problems]}))
"""

# Reads the reports in a loop until told to stop; every third read also saves a record, as a teacher's form
# does while grading runs. Prints what it saw: pupils with levels at each read, level rows per pupil.
READER = """
import json, sys, time
from datetime import date
from pathlib import Path
from nanglucso.class_report import class_report
from nanglucso.course import open_course
from nanglucso.relatives import add_records
from nanglucso.school import class_table, load_school
root, assignment, stop, ready = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
course = open_course(root)
seen, rows_per_pupil, writes = [], set(), 0
def read():
    data = load_school(course)
    class_table(data)
    class_report(course, assignment, "6A1")
    seen.append(int(data.domains["student_id"].nunique()))
    rows_per_pupil.update(data.domains.groupby("student_id").size().tolist())
while True:
    done = stop.exists()
    read()
    ready.touch()
    if done:
        break
    if len(seen) % 3 == 0:
        add_records(course, [{"student_id": "HS001", "helped_on": date.today(), "relative": f"bà {writes}",
                              "service": "VNeID"}])
        writes += 1
print(json.dumps({"seen": seen, "rows_per_pupil": sorted(rows_per_pupil), "writes": writes}))
"""


def _course(root: Path, database: str | None, gradebook: str | None):
    urls = {"database": database, "gradebook": gradebook} if database else {}
    course = init_course(root, "thu", school="Trường THCS Thử nghiệm", bank=str(FIXTURES / "bank"), **urls)
    import_roster(course, write_roster_xlsx(root.parent / "ds.xlsx", PUPILS))
    course = open_course(root)
    built = build(course, BLUEPRINT)
    release(course, built.assignment)
    pupils = sorted(Store(course.db_url).students(), key=lambda s: s["student_id"])
    simulate(course, built.assignment, pupils, root.parent / "hoc_sinh", seed=5)
    return course, built.assignment


def _finish(proc: subprocess.Popen, what: str, timeout: float) -> dict:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"{what} did not finish in {timeout} s (a lock-up?):\n{err[-3000:]}")
    assert proc.returncode == 0, f"{what} failed:\n{err[-3000:]}"
    return json.loads(out.strip().splitlines()[-1])


def grade_while_reading(course, assignment: str, tmp: Path) -> tuple[dict, dict]:
    stop, ready = tmp / "stop", tmp / "ready"
    run = {"cwd": KIT, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    reader = subprocess.Popen([sys.executable, "-c", READER, str(course.root), assignment, str(stop), str(ready)],
                              **run)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():  # the first read is done: grading starts while the reader is at work
            if reader.poll() is not None or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        grader = subprocess.Popen([sys.executable, "-c", GRADER, str(course.root), assignment], **run)
        graded = _finish(grader, "grading", TIMEOUT)
    finally:
        stop.touch()
    seen = _finish(reader, "the report reader", TIMEOUT)
    return graded, seen


def check(course, graded: dict, seen: dict) -> None:
    n = len(PUPILS)
    assert graded == {"graded": n, "problems": []}
    # The reader never saw a pupil's levels half written, saw them arrive one pupil at a time, and ends with all.
    assert len(seen["rows_per_pupil"]) == 1, seen
    assert seen["seen"] == sorted(seen["seen"]) and seen["seen"][-1] == n and len(seen["seen"]) >= 2, seen
    store = Store(course.db_url)
    pupils_with_levels = {r["student_id"] for r in store.rows(levels)}
    assert len(pupils_with_levels) == n
    from nanglucso.relatives import helpers_table

    assert len(helpers_table(course)) == seen["writes"]  # every record saved during grading is there


def test_grading_while_reports_read_on_sqlite(tmp_path):
    course, assignment = _course(tmp_path / "truong", None, None)
    graded, seen = grade_while_reading(course, assignment, tmp_path)
    check(course, graded, seen)
    for name in ("nanglucso.db", "gradebook.db"):  # both files stay in WAL mode for the next run
        with sqlite3.connect(course.root / name) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal", name


def test_grading_while_reports_read_on_postgresql(tmp_path, pg_url):
    course, assignment = _course(tmp_path / "truong", pg_url(), pg_url())
    graded, seen = grade_while_reading(course, assignment, tmp_path)
    check(course, graded, seen)
