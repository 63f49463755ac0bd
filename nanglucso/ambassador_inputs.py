"""The evidence for choosing "Đại sứ số học đường", kept in the kit's database, and the way in and out.

* Candidates, one row per pupil and school year: volunteers, parent consent, the homeroom teacher's
  attestation and the yearly conduct rating. They come from an Excel sheet the homeroom teacher fills in
  (or a form); both go through ``save_candidates``, which checks every row before writing any.
* Ratings: teachers and committee members score each candidate on the policy's rubric criteria; one score per
  rater, candidate and criterion (entering it again replaces it).
* The policies used, by fingerprint, so that a school's change to rubrics/dai_su_so.yaml is on record.
* The committee's decision: the selected pupils of a year, with the fingerprint of the policy used.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Boolean, Column, DateTime, Float, String, Table, Text, and_, delete, select

from .ambassador_policy import CONDUCT, CRITERIA, RUBRIC, Policy, load_policy, policy_fingerprint, vn_number
from .ambassador_rank import Candidate, Ranking, Rating, rank
from .course import Course
from .errors import ContentError, Problem
from .rounds import course_rounds
from .sheets import blank as _blank
from .sheets import norm as _norm
from .sheets import sheet_rows
from .store import Clipped, Store, levels, metadata, students
from .text import clean

ambassador_candidates = Table(
    "ambassador_candidates", metadata,
    Column("school_year", String(9), primary_key=True),
    Column("student_id", String(64), primary_key=True),
    Column("volunteers", Boolean, nullable=False, default=False),
    Column("parent_consent", Boolean, nullable=False, default=False),
    Column("homeroom_attestation", Boolean, nullable=False, default=False),
    Column("conduct", String(10)),  # Tốt, Khá, Đạt, Chưa đạt; NULL: not entered yet
    Column("updated_by", Clipped(100)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

ambassador_ratings = Table(
    "ambassador_ratings", metadata,
    Column("school_year", String(9), primary_key=True),
    Column("student_id", String(64), primary_key=True),
    Column("rater", String(100), primary_key=True),
    Column("criterion", String(20), primary_key=True),
    Column("score", Float, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

ambassador_policies = Table(
    "ambassador_policies", metadata,
    Column("fingerprint", String(64), primary_key=True),
    Column("policy", Text, nullable=False),  # the normalised policy, JSON
    Column("first_used", DateTime(timezone=True), nullable=False),
    Column("recorded_by", Clipped(100)),
)

ambassadors = Table(
    "ambassadors", metadata,
    Column("school_year", String(9), primary_key=True),
    Column("student_id", String(64), primary_key=True),
    Column("class_name", String(20), nullable=False),
    Column("policy_fingerprint", String(64), nullable=False),
    Column("decided_by", Clipped(100)),
    Column("decided_at", DateTime(timezone=True), nullable=False),
)

FIELDS = ("volunteers", "parent_consent", "homeroom_attestation", "conduct")
# Accepted headers, compared without tones, case or spaces; Vietnamese first, English second.
HEADERS: dict[str, list[str]] = {
    "student_id": ["mã học sinh", "mã hs", "mã định danh", "mã số học sinh", "student id"],
    "volunteers": ["tự nguyện", "tự nguyện tham gia", "đăng ký", "đăng ký tham gia", "volunteers"],
    "parent_consent": ["đồng ý của cha mẹ", "cha mẹ đồng ý", "phụ huynh đồng ý", "đồng ý của phụ huynh",
                       "parent consent"],
    "homeroom_attestation": ["xác nhận của gvcn", "xác nhận gvcn", "gvcn xác nhận",
                             "xác nhận của giáo viên chủ nhiệm", "homeroom attestation"],
    "conduct": ["kết quả rèn luyện", "rèn luyện", "hạnh kiểm", "conduct"],
}
_YES = {"co", "x", "v", "✓", "✔", "1", "dongy", "da", "roi", "codongy", "true", "yes", "y"}
_NO = {"khong", "0", "chua", "khongdongy", "false", "no", "n", "-"}
_CONDUCT = {"tot": "Tốt", "t": "Tốt", "kha": "Khá", "k": "Khá", "dat": "Đạt", "d": "Đạt",
            "chuadat": "Chưa đạt", "cd": "Chưa đạt"}
_LABELS = {"volunteers": "tự nguyện", "parent_consent": "đồng ý của cha mẹ",
           "homeroom_attestation": "xác nhận của GVCN", "conduct": "kết quả rèn luyện"}


def _yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = _norm(value)
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValueError(f"'{clean(str(value))}' không rõ là có hay không; ghi 'Có' hoặc 'Không'")


def _conduct(value: Any) -> str:
    found = _CONDUCT.get(_norm(value))
    if found is None:
        raise ValueError(f"kết quả rèn luyện '{clean(str(value))}' không hợp lệ; ghi một trong: "
                         f"{', '.join(reversed(CONDUCT))}")
    return found


def cell_id(value: Any) -> str:
    """A pupil id as typed in a sheet cell (an id Excel stored as a number loses its ".0")."""
    sid = clean(str(value or ""))
    return sid[:-2] if sid.endswith(".0") and sid[:-2].isdigit() else sid  # Excel stored the id as a number


def _unknown(sid: str) -> str:
    return f"mã học sinh '{sid}' không có trong danh sách học sinh của khoá học"


def _roster(store: Store) -> dict[str, dict[str, Any]]:
    return {s["student_id"]: s for s in store.students()}


def save_candidates(course: Course, rows: Iterable[dict[str, Any]], school_year: str | None = None,
                    recorded_by: str = "", source: str | Path | None = None) -> int:
    """Check every row, then record them all or none. A blank value leaves what was recorded before (a new
    candidate starts with 'no' and no conduct rating), so sheets with only some columns can be merged."""
    year = school_year or course.school_year
    store = Store(course.db_url)
    store.create()
    known = _roster(store)
    problems, parsed, seen = [], {}, {}
    for row in rows:
        line = row.get("_line")
        sid = cell_id(row.get("student_id"))
        if sid not in known:
            problems.append(Problem(source, line, _unknown(sid)))
            continue
        who = f"{known[sid]['full_name']} ({sid})"
        if sid in seen:
            problems.append(Problem(source, line, f"{who}: ghi hai lần (đã có ở dòng {seen[sid]})"))
            continue
        seen[sid] = line
        values: dict[str, Any] = {}
        for name in FIELDS:
            if _blank(row.get(name)):
                continue
            try:
                values[name] = _conduct(row[name]) if name == "conduct" else _yes_no(row[name])
            except ValueError as exc:
                problems.append(Problem(source, line, f"{who}, cột {_LABELS[name]}: {exc}"))
        parsed[sid] = values
    if problems:
        raise ContentError(problems)
    now = datetime.now(UTC)
    table = ambassador_candidates
    with store.engine.begin() as conn:
        before = {r.student_id: dict(r._mapping) for r in conn.execute(select(table).where(
            table.c.school_year == year, table.c.student_id.in_(list(parsed))))}
        conn.execute(delete(table).where(table.c.school_year == year, table.c.student_id.in_(list(parsed))))
        new = [{"volunteers": False, "parent_consent": False, "homeroom_attestation": False, "conduct": None,
                **{k: v for k, v in before.get(sid, {}).items() if k in FIELDS}, **values,
                "school_year": year, "student_id": sid, "updated_by": recorded_by or None, "updated_at": now}
               for sid, values in parsed.items()]
        if new:
            conn.execute(table.insert(), new)
    return len(parsed)


def import_candidates_excel(course: Course, path: Path, school_year: str | None = None,
                            recorded_by: str = "") -> int:
    """Read a homeroom teacher's sheet (Mã học sinh and any of Tự nguyện, Đồng ý của cha mẹ, Xác nhận của
    GVCN, Kết quả rèn luyện) and record it; every bad row is named by its line, nothing is written on error."""
    rows = sheet_rows(path, HEADERS, lambda found: "student_id" in found and len(found) > 1,
                      "không thấy dòng tiêu đề có cột 'Mã học sinh' và ít nhất một cột 'Tự nguyện', "
                      "'Đồng ý của cha mẹ', 'Xác nhận của GVCN', 'Kết quả rèn luyện'",
                      "bảng không có học sinh nào dưới dòng tiêu đề")
    return save_candidates(course, rows, school_year, recorded_by, source=path)


def check_ratings(course: Course, rows: Iterable[dict[str, Any]], school_year: str | None = None,
                  policy: Policy | None = None, source: str | Path | None = None
                  ) -> tuple[list[Problem], list[dict[str, Any]]]:
    """The problems of raters' score rows (student_id, rater, criterion, score, optional _line) and the rows
    ready to write: each pupil must be a candidate this year and each score within the criterion's scale."""
    year = school_year or course.school_year
    policy = policy or load_policy(course.rubrics_root())
    store = Store(course.db_url)
    store.create()
    known = _roster(store)
    with store.engine.connect() as conn:
        candidates = set(conn.execute(select(ambassador_candidates.c.student_id).where(
            ambassador_candidates.c.school_year == year)).scalars())
    problems, clean_rows = [], {}
    now = datetime.now(UTC)
    for row in rows:
        line = row.get("_line")
        sid, rater = cell_id(row.get("student_id")), clean(str(row.get("rater") or ""))
        crit = clean(str(row.get("criterion") or ""))
        if sid not in known:
            problems.append(Problem(source, line, _unknown(sid)))
            continue
        who = f"{known[sid]['full_name']} ({sid})"
        if sid not in candidates:
            problems.append(Problem(source, line, f"{who} chưa có trong danh sách ứng viên Đại sứ số năm học {year}; "
                                                  "nhập danh sách ứng viên (tự nguyện, đồng ý của cha mẹ) trước"))
            continue
        if crit not in RUBRIC:
            choices = ", ".join(f"{c} ({CRITERIA[c]})" for c in RUBRIC)
            problems.append(Problem(source, line, f"{who}: '{crit}' không phải tiêu chí chấm theo thang; "
                                                  f"chọn một trong: {choices}"))
            continue
        if not rater:
            problems.append(Problem(source, line, f"{who}: thiếu tên người đánh giá"))
            continue
        scale = policy.tieu_chi.rubric(crit)
        try:
            score = float(row.get("score"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            score = math.nan
        if math.isnan(score) or not scale.low <= score <= scale.high:
            problems.append(Problem(source, line, f"{who}: điểm '{row.get('score')}' của tiêu chí {CRITERIA[crit]} "
                                                  f"nằm ngoài thang {vn_number(scale.low)}–{vn_number(scale.high)}"))
            continue
        clean_rows[(sid, rater[:100], crit)] = {"school_year": year, "student_id": sid, "rater": rater[:100],
                                                "criterion": crit, "score": score, "at": now}
    return problems, list(clean_rows.values())


def write_ratings(course: Course, rows: list[dict[str, Any]]) -> int:
    """Write rows from ``check_ratings`` in one transaction; each replaces that rater's earlier score."""
    table = ambassador_ratings
    with Store(course.db_url).engine.begin() as conn:
        for r in rows:
            conn.execute(delete(table).where(table.c.school_year == r["school_year"],
                                             table.c.student_id == r["student_id"], table.c.rater == r["rater"],
                                             table.c.criterion == r["criterion"]))
        if rows:
            conn.execute(table.insert(), rows)
    return len(rows)


def add_ratings(course: Course, rows: Iterable[dict[str, Any]], school_year: str | None = None,
                policy: Policy | None = None, source: str | Path | None = None) -> int:
    """Record raters' scores (student_id, rater, criterion, score), all or none (see ``check_ratings``).
    A new score replaces the same rater's earlier one for that pupil and criterion."""
    problems, ready = check_ratings(course, rows, school_year, policy, source)
    if problems:
        raise ContentError(problems)
    return write_ratings(course, ready)


def add_rating(course: Course, student_id: str, rater: str, criterion: str, score: float,
               school_year: str | None = None, policy: Policy | None = None) -> None:
    """One rater's score for one candidate and criterion (see ``add_ratings`` for the checks)."""
    add_ratings(course, [{"student_id": student_id, "rater": rater, "criterion": criterion, "score": score}],
                school_year, policy)


def remove_rating(course: Course, student_id: str, rater: str, criterion: str, school_year: str | None = None) -> None:
    table = ambassador_ratings
    with Store(course.db_url).engine.begin() as conn:
        conn.execute(delete(table).where(table.c.school_year == (school_year or course.school_year),
                                         table.c.student_id == student_id, table.c.rater == rater,
                                         table.c.criterion == criterion))


@dataclass(frozen=True)
class Inputs:
    """What ``rank`` needs, read from the database: candidates, one assessment's levels each, ratings."""

    candidates: tuple[Candidate, ...]
    levels: tuple[dict[str, Any], ...]
    ratings: tuple[Rating, ...]


_FORM_ORDER = {"baseline": 0, "end_of_year": 1}


def load_inputs(course: Course, school_year: str | None = None) -> Inputs:
    """This year's candidates still on the roster, the levels of each one's latest assessment (end of year
    when sat, otherwise baseline, as in the school report) and the raters' scores."""
    year = school_year or course.school_year
    store = Store(course.db_url)
    store.create()
    forms = {name: r.form for name, r in course_rounds(course).items() if r.form in _FORM_ORDER} \
        if course.source.is_dir() else {}
    cand, stu = ambassador_candidates, students
    with store.engine.connect() as conn:
        joined = conn.execute(select(cand, stu.c.full_name, stu.c.class_name, stu.c.grade)
                              .join(stu, stu.c.student_id == cand.c.student_id)
                              .where(cand.c.school_year == year)).all()
        ids = [r.student_id for r in joined]
        level_rows = conn.execute(select(levels).where(and_(levels.c.student_id.in_(ids),
                                                            levels.c.assignment.in_(list(forms))))).all()
        rating_rows = conn.execute(select(ambassador_ratings).where(ambassador_ratings.c.school_year == year)).all()
    candidates = tuple(Candidate(r.student_id, r.full_name, r.class_name, r.grade, bool(r.volunteers),
                                 bool(r.parent_consent), bool(r.homeroom_attestation), r.conduct)
                       for r in sorted(joined, key=lambda r: r.student_id))
    latest: dict[str, str] = {}
    for r in level_rows:  # one assessment per pupil: the latest form, then the last name, for a stable choice
        best = latest.get(r.student_id)
        if best is None or (_FORM_ORDER[forms[r.assignment]], r.assignment) > (_FORM_ORDER[forms[best]], best):
            latest[r.student_id] = r.assignment
    chosen = tuple(sorted(({"student_id": r.student_id, "scope": r.scope, "code": r.code, "level": r.level,
                            "expected": r.expected, "ready": bool(r.ready)}
                           for r in level_rows if latest[r.student_id] == r.assignment),
                          key=lambda d: (d["student_id"], d["scope"], d["code"])))
    ratings = tuple(Rating(r.student_id, r.rater, r.criterion, r.score) for r in rating_rows if r.student_id in ids)
    return Inputs(candidates, chosen, ratings)


def record_policy(course: Course, policy: Policy, recorded_by: str = "") -> str:
    """Keep this policy on record (once per distinct content); return its fingerprint."""
    fingerprint = policy_fingerprint(policy)
    store = Store(course.db_url)
    store.create()
    table = ambassador_policies
    with store.engine.begin() as conn:
        if conn.execute(select(table.c.fingerprint).where(table.c.fingerprint == fingerprint)).first() is None:
            conn.execute(table.insert(), {"fingerprint": fingerprint, "first_used": datetime.now(UTC),
                                          "policy": json.dumps(policy.model_dump(mode="json"), ensure_ascii=False,
                                                               sort_keys=True),
                                          "recorded_by": recorded_by or None})
    return fingerprint


def policy_history(course: Course) -> pd.DataFrame:
    """Every policy used so far, oldest first (fingerprint, first_used, recorded_by, policy JSON)."""
    store = Store(course.db_url)
    store.create()
    with store.engine.connect() as conn:
        return pd.read_sql(select(ambassador_policies).order_by(ambassador_policies.c.first_used), conn)


def course_ranking(course: Course, school_year: str | None = None, recorded_by: str = "") -> Ranking:
    """Load the school's policy (recording it), read this year's evidence and rank."""
    policy = load_policy(course.rubrics_root())
    record_policy(course, policy, recorded_by)
    inputs = load_inputs(course, school_year)
    return rank(inputs.candidates, inputs.levels, inputs.ratings, policy)


def save_selection(course: Course, ranking: Ranking, decided_by: str = "", school_year: str | None = None) -> int:
    """Record the committee's decision: this ranking's selected pupils become the year's ambassadors
    (replacing an earlier decision for the year), with the fingerprint of the policy that chose them."""
    year = school_year or course.school_year
    now = datetime.now(UTC)
    rows = [{"school_year": year, "student_id": o.student_id, "class_name": o.candidate.class_name,
             "policy_fingerprint": ranking.policy_fingerprint, "decided_by": decided_by or None, "decided_at": now}
            for o in ranking.outcomes if o.selected]
    store = Store(course.db_url)
    store.create()
    with store.engine.begin() as conn:
        conn.execute(delete(ambassadors).where(ambassadors.c.school_year == year))
        if rows:
            conn.execute(ambassadors.insert(), rows)
    return len(rows)


def selected_ambassadors(course: Course, school_year: str | None = None) -> pd.DataFrame | None:
    """The year's recorded ambassadors (student_id, class_name, policy_fingerprint, …), or None before the
    committee has recorded any (what school.SchoolData.ambassador_classes expects)."""
    store = Store(course.db_url)
    store.create()
    with store.engine.connect() as conn:
        table = pd.read_sql(select(ambassadors).where(
            ambassadors.c.school_year == (school_year or course.school_year)), conn)
    return None if table.empty else table
