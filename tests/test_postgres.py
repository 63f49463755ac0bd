"""The kit on PostgreSQL (a real server, tests/pg.py): a whole school run gives the same scores, levels, reports
and ambassador ranking as the same run (same seed) on SQLite."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import Workbook
from sqlalchemy import select

from nanglucso.ambassador_inputs import (
    add_ratings,
    course_ranking,
    policy_history,
    save_candidates,
    save_selection,
    selected_ambassadors,
)
from nanglucso.ambassador_log import activities, add_activities, monthly_summary
from nanglucso.class_report import class_report
from nanglucso.course import init_course, open_course
from nanglucso.errors import KitError
from nanglucso.grade import grade
from nanglucso.relatives import helpers_table, import_excel
from nanglucso.release import build, release
from nanglucso.results import level_table
from nanglucso.roster import import_roster
from nanglucso.school import class_table, indicators, load_school
from nanglucso.simulate import simulate
from nanglucso.store import Store, item_scores, levels, problems

from .conftest import BLUEPRINT, FIXTURES, ROSTER, write_roster_xlsx

SEED = 11


def new_course(root: Path, database: str | None = None, gradebook: str | None = None):
    """A course on the fixture bank, on SQLite (no URLs) or on the given server databases."""
    urls = {"database": database, "gradebook": gradebook} if database else {}
    course = init_course(root, "thu", school="Trường THCS Thử nghiệm", bank=str(FIXTURES / "bank"), **urls)
    import_roster(course, write_roster_xlsx(root.parent / f"{root.name}_ds.xlsx", ROSTER))
    return open_course(root)  # as every command does: through nanglucso.yaml


def sit_and_grade(course, homes: Path, seed: int = SEED) -> str:
    """Build and release the fixture blueprint, simulated pupils sit it, grade; returns the assignment."""
    built = build(course, BLUEPRINT)
    release(course, built.assignment)
    # Sorted: the simulation draws answers in turn, and a table has no order of its own on any database.
    pupils = sorted(Store(course.db_url).students(), key=lambda s: s["student_id"])
    simulate(course, built.assignment, pupils, homes, seed=seed)
    report = grade(course, built.assignment)
    assert {r.student_id for r in report.results} == {r[0] for r in ROSTER}
    return built.assignment


def _relatives_sheet(path: Path, when: date) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã học sinh", "Ngày", "Người thân", "Tiện ích số", "Ghi chú"])
    ws.append(["HS001", when.strftime("%d/%m/%Y"), "bà nội", "VNeID", "cài ứng dụng " * 60])  # a long note
    ws.append(["HS003", when.strftime("%d/%m/%Y"), "bố", "Ngân hàng số", None])
    wb.save(path)
    return path


def _rows(course, table: Any, order: tuple[str, ...]) -> list[dict[str, Any]]:
    store = Store(course.db_url)
    with store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(table).order_by(*(table.c[c] for c in order)))]
    return rows


def _comparable(frame: pd.DataFrame) -> list[list[Any]]:
    """A data frame as plain values (NaN as None), for comparing runs on two databases."""
    return [[None if isinstance(v, float) and math.isnan(v) else v for v in row]
            for row in frame.astype(object).itertuples(index=False)]


def whole_run(root: Path, database: str | None = None, gradebook: str | None = None) -> dict[str, Any]:
    """Everything a school does in a year, on one database; returns what it shows (to compare)."""
    course = new_course(root / "truong", database, gradebook)
    assignment = sit_and_grade(course, root / "hoc_sinh")
    today = date.today()  # within the default school year, and not in the future
    assert import_excel(course, _relatives_sheet(root / "nguoi_than.xlsx", today), recorded_by="cô Lan") == 2
    assert save_candidates(course, [{"student_id": sid, "volunteers": "Có", "parent_consent": "có",
                                     "homeroom_attestation": "x", "conduct": "Tốt"} for sid, *_ in ROSTER],
                           recorded_by="cô Lan " + "rất dài " * 30) == 3  # over the column: cut, not refused
    assert add_ratings(course, [{"student_id": sid, "rater": rater, "criterion": crit, "score": score}
                                for n, (sid, *_) in enumerate(ROSTER)
                                for crit in ("guong_mau", "ket_noi", "hoc_hoi")
                                for rater, score in (("cô Mai", 3 + n % 2), ("thầy Hùng", 4))]) == 18
    ranking = course_ranking(course, recorded_by="Hội đồng")
    save_selection(course, ranking, decided_by="Hội đồng")
    chosen = selected_ambassadors(course)
    assert chosen is not None
    add_activities(course, [{"student_id": sid, "activity_date": today, "kind": "hướng dẫn",
                             "helped_group": "người thân", "people": 2, "service": "VNeID"}
                            for sid in chosen["student_id"]], recorded_by="cô Lan")
    school = load_school(course)
    report = class_report(course, assignment, "6A1")
    history = policy_history(course)
    return {
        "course": course,
        "scores": [{k: r[k] for k in ("student_id", "item_id", "competency", "level", "score", "max_score",
                                      "pending", "answer")}
                   for r in _rows(course, item_scores, ("student_id", "item_id"))],
        "levels": [{k: r[k] for k in ("student_id", "scope", "code", "level", "expected", "ready")}
                   for r in _rows(course, levels, ("student_id", "scope", "code"))],
        "problems": sorted((r["student_id"], r["kind"]) for r in _rows(course, problems, ("id",))),
        "level_table": _comparable(level_table(course, assignment)),
        "class_table": _comparable(class_table(school)),
        "indicators": _comparable(indicators(school)),
        "helped": sorted(school.helped),
        "heatmap": _comparable(report.heatmap.reset_index()),
        "domain_share": _comparable(report.domain_share),
        "support": _comparable(report.support),
        "items": _comparable(report.items.items.sort_index().reset_index().round(6)),
        "distractors": _comparable(report.items.distractors.sort_values(list(report.items.distractors.columns[:2]))
                                   .reset_index(drop=True).round(6)),
        "ranking": [(o.student_id, o.selected, round(o.total, 9), o.class_rank, o.school_rank, o.reason)
                    for o in ranking.outcomes],
        "fingerprint": ranking.policy_fingerprint,
        "selected": sorted(chosen["student_id"]),
        "relatives": sorted((r.student_id, r.relative, r.service, len(r.note) if isinstance(r.note, str) else 0)
                            for r in helpers_table(course).itertuples()),
        "activities": len(activities(course)),
        "months": _comparable(monthly_summary(course)),
        "policies": len(history),
    }


@pytest.fixture(scope="module")
def sqlite_run(tmp_path_factory) -> dict[str, Any]:
    return whole_run(tmp_path_factory.mktemp("sqlite"))


def test_a_school_year_on_postgresql_matches_sqlite(pg_url, tmp_path, sqlite_run):
    kit, gradebook = pg_url(), pg_url()
    pg = whole_run(tmp_path, kit, gradebook)
    course = pg["course"]
    assert course.db_url == kit and course.gradebook_url == gradebook
    # Nothing went to a SQLite file by mistake, and nbgrader's own commands open the same gradebook.
    assert not list(course.root.glob("*.db"))
    assert repr(gradebook) in (course.root / "nbgrader_config.py").read_text(encoding="utf-8")
    from nbgrader.api import Gradebook

    with Gradebook(gradebook, "thu") as gb:
        assert sorted(s.id for s in gb.students) == ["HS001", "HS002", "HS003"]
        assert len(gb.assignment_submissions("thu-lop6")) == 3
    assert pg["scores"] and any(s["score"] for s in pg["scores"]) and pg["levels"] and pg["selected"]
    assert pg["helped"] == ["HS001", "HS003"] and pg["activities"] == len(pg["selected"])
    for key in sqlite_run:
        if key != "course":
            assert pg[key] == sqlite_run[key], key
    # Long free text is cut to the column on both databases (PostgreSQL would refuse it otherwise).
    assert max(n for *_, n in pg["relatives"]) == 500


def test_timestamps_come_back_with_their_zone_on_postgresql(pg_url, tmp_path):
    course = new_course(tmp_path / "truong", pg_url(), pg_url())
    save_candidates(course, [{"student_id": "HS001", "volunteers": "Có"}])
    store = Store(course.db_url)
    from nanglucso.ambassador_inputs import ambassador_candidates

    with store.engine.connect() as conn:
        (stamp,) = conn.execute(select(ambassador_candidates.c.updated_at)).one()
    assert stamp.tzinfo is not None and stamp.utcoffset().total_seconds() == 0


def test_unreachable_server_is_a_message_not_a_traceback(tmp_path, pg_server):
    root = tmp_path / "truong"
    dead = f"postgresql+psycopg://postgres@127.0.0.1:{pg_server.port}/khong_co_csdl_nay"
    with pytest.raises(KitError, match="không kết nối được cơ sở dữ liệu"):
        init_course(root, "thu", database=dead, gradebook=dead)


def test_a_bad_database_url_in_the_course_config_is_named(tmp_path):
    with pytest.raises(KitError, match="database"):
        init_course(tmp_path / "truong", "thu", database="mysql://u@h/db")
