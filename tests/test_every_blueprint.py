"""Every shipped blueprint, for real: build, nbgrader release, a strong and a weak simulated student sit it
through the widgets and the exchange, nbgrader autograde, levels. No problem may be reported, and the
levels must tell the two students apart the way their abilities say."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from nanglucso.bank import load_bank
from nanglucso.blueprint import load_blueprint
from nanglucso.course import init_course
from nanglucso.framework import load_framework
from nanglucso.grade import grade
from nanglucso.release import build, release
from nanglucso.simulate import sit
from nanglucso.store import Store, levels
from nanglucso.text import split_name

BLUEPRINTS = sorted((Path(__file__).parent.parent / "assessments" / "blueprints").glob("*.yaml"))


@pytest.fixture(scope="module")
def content():
    from nanglucso.tasks import load_tasks

    return load_bank(), load_tasks()


@pytest.mark.parametrize("path", BLUEPRINTS, ids=[p.stem for p in BLUEPRINTS])
def test_blueprint_builds_releases_and_grades_a_simulated_pair(path, tmp_path, content):
    bank, tasks = content
    fw = load_framework()
    bp = load_blueprint(path)
    course = init_course(tmp_path / "truong", "thu")
    Store(course.db_url).replace_students([
        {"student_id": sid, "full_name": name, "family_name": split_name(name)[0],
         "given_name": split_name(name)[1], "class_name": f"{bp.grade}A1", "grade": bp.grade,
         "birth_date": None, "gender": None}
        for sid, name in (("gioi", "Lê Minh Anh"), ("yeu", "Phạm Văn Bảo"))])
    built = build(course, path)
    release(course, built.assignment)
    if bp.form == "practice":
        # Practice forms are sat on the Voila practice page (tests/test_practice.py), not graded by nbgrader.
        assert built.n_items >= 20 and (course.root / "release" / built.assignment).is_dir()
        return
    expected = fw.rank(fw.expected_level(bp.grade))
    rng = random.Random(bp.id)
    for sid, ability in (("gioi", expected + 5.0), ("yeu", expected - 5.0)):
        sit(course, tmp_path / "hs" / sid, built.assignment, sid, ability, bank, rng, blank_rate=0.0, tasks=tasks)
    report = grade(course, built.assignment)
    assert report.problems == [], report.problems
    store = Store(course.db_url)

    def ready_share(sid: str) -> float:
        rows = store.rows(levels, assignment=built.assignment, student_id=sid, scope="domain")
        assert rows, sid
        return sum(r["ready"] for r in rows) / len(rows)

    assert ready_share("gioi") >= 0.8, bp.id
    assert ready_share("yeu") <= 0.2, bp.id
