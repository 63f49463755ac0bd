"""The activity log of "Đại sứ số học đường": what the selected ambassadors did each month, whom they helped
(teachers, classmates, relatives, residents) and with which service.

The official letters ask for a monthly activity plan, a yearly evaluation and a report to the commune and
the Sở; this log is the evidence behind all three. Rows come from a form (widgets/ambassador_log.py) or
from an Excel sheet the teacher in charge keeps; both go through ``add_activities``, which checks every row
before writing any. ``monthly_summary`` and ``yearly_summary`` feed the school's yearly report;
``activity_evidence`` is what a next year's selection can read about last year's ambassadors.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Column, Date, DateTime, Index, Integer, String, Table, delete, select

from .ambassador_inputs import _unknown, cell_id, selected_ambassadors
from .course import Course
from .errors import ContentError, Problem
from .sheets import blank as _blank
from .sheets import norm as _norm
from .sheets import parse_date as _date
from .sheets import sheet_rows
from .store import Clipped, Store, metadata
from .text import class_list_key, clean, vn_key

# Suggested in the form; any other activity a teacher types is accepted.
KINDS = ["hướng dẫn", "tập huấn", "tuyên truyền", "hỗ trợ trực tiếp"]
# The four groups the Sở's plan names; only these are accepted (the report counts people by group).
GROUPS = ("giáo viên", "bạn học", "người thân", "người dân")
# Suggested services, from the duties in the letters; free text is accepted.
SERVICES = ["VNeID", "Cổng Dịch vụ công", "Nền tảng học tập số", "Hệ thống quản lý giáo dục",
            "Thanh toán không tiền mặt", "Ngân hàng số", "An toàn thông tin", "Khám bệnh trực tuyến", "Khác"]
# Other words teachers write for a group, compared without tones, case or spaces.
_GROUP_ALIASES = {"thầy cô": "giáo viên", "giáo viên": "giáo viên", "bạn học": "bạn học", "học sinh": "bạn học",
                  "bạn": "bạn học", "người thân": "người thân", "gia đình": "người thân",
                  "người dân": "người dân", "cộng đồng": "người dân"}
_GROUP = {_norm(k): v for k, v in _GROUP_ALIASES.items()}
# Column headers of the summaries (what the yearly report prints).
GROUP_LABELS = {g: g.capitalize() for g in GROUPS}

ambassador_activities = Table(
    "ambassador_activities", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("school_year", String(9), nullable=False),
    Column("student_id", String(64), nullable=False),
    Column("activity_date", Date, nullable=False),
    Column("kind", String(100), nullable=False),  # "hướng dẫn", "tập huấn", … or the teacher's own words
    Column("helped_group", String(20), nullable=False),  # one of GROUPS
    Column("people", Integer, nullable=False),  # number of people helped, ≥ 1
    Column("service", String(100), nullable=False),
    Column("note", String(500)),
    Column("recorded_by", Clipped(100)),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_ambassador_activities_year_student", "school_year", "student_id"),
)

# Accepted headers, compared without tones, case or spaces; Vietnamese first, English second.
HEADERS: dict[str, list[str]] = {
    "student_id": ["mã học sinh", "mã hs", "mã định danh", "mã số học sinh", "student id"],
    "activity_date": ["ngày", "ngày hoạt động", "ngày thực hiện", "tháng", "thời gian", "date"],
    "kind": ["hoạt động", "loại hoạt động", "hình thức", "hình thức hoạt động", "nội dung hoạt động", "activity"],
    "helped_group": ["đối tượng", "đối tượng hỗ trợ", "đối tượng được hỗ trợ", "nhóm được hỗ trợ", "hỗ trợ ai",
                     "group"],
    "people": ["số người", "số người được hỗ trợ", "số người hỗ trợ", "số lượng", "people"],
    "service": ["dịch vụ", "tiện ích", "tiện ích số", "dịch vụ số", "nền tảng", "service"],
    "note": ["ghi chú", "note"],
}
REQUIRED = ("student_id", "activity_date", "kind", "helped_group", "people", "service")
_LABELS = {"student_id": "Mã học sinh", "activity_date": "Ngày", "kind": "Hoạt động",
           "helped_group": "Đối tượng", "people": "Số người", "service": "Dịch vụ"}


def year_bounds(school_year: str) -> tuple[date, date]:
    """1 August to 31 July, the rule of ``Course.school_year`` and the school report: the summer's
    volunteering (June, July) belongs to the school year that is ending."""
    start = int(school_year[:4])
    return date(start, 8, 1), date(start + 1, 7, 31)


def previous_school_year(school_year: str) -> str:
    """'2025-2026' for '2026-2027' (the year whose evidence a selection looks back on)."""
    start = int(school_year[:4])
    return f"{start - 1}-{start}"


def _activity_date(value: Any) -> date:
    """A day (date, datetime, dd/mm/yyyy, yyyy-mm-dd…) or a month alone (mm/yyyy: its first day)."""
    month = re.fullmatch(r"\s*(\d{1,2})\s*[/.-]\s*(\d{4})\s*", str(value))
    if month and not isinstance(value, date | datetime):
        return date(int(month.group(2)), int(month.group(1)), 1)
    iso = _date(value)
    if iso is None:
        raise ValueError("blank")
    return date.fromisoformat(iso)


def _people(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(str(value).strip().replace(",", ".")) if not isinstance(value, int | float) else float(value)
    if math.isnan(number) or number != int(number) or number < 1:
        raise ValueError(value)
    return int(number)


def _check_row(row: dict[str, Any], who: str, year: str, today: date) -> tuple[dict[str, Any], list[str]]:
    """One row's values, cleaned, and what is wrong with them (every problem, not only the first)."""
    first, last = year_bounds(year)
    out: dict[str, Any] = {}
    wrong: list[str] = []
    raw = row.get("activity_date")
    try:
        when = _activity_date(raw)
    except ValueError:
        shown = "" if _blank(raw) else f" '{clean(str(raw))}'"
        wrong.append(f"{who}: ngày hoạt động{shown} trống hoặc không đọc được; ghi dạng ngày/tháng/năm, "
                     "ví dụ 15/10/2026")
    else:
        if when > today:
            wrong.append(f"{who}: ngày hoạt động {when:%d/%m/%Y} là ngày trong tương lai; chỉ ghi hoạt động "
                         "đã diễn ra")
        elif not first <= when <= last:
            wrong.append(f"{who}: ngày hoạt động {when:%d/%m/%Y} không thuộc năm học {year} "
                         f"({first:%d/%m/%Y}–{last:%d/%m/%Y}); kiểm tra lại ngày hoặc ghi vào đúng năm học")
        out["activity_date"] = when
    kind = "" if _blank(row.get("kind")) else clean(str(row["kind"]))
    if not kind:
        wrong.append(f"{who}: thiếu hoạt động (ví dụ: {', '.join(KINDS)})")
    out["kind"] = kind[:100]
    raw = row.get("helped_group")
    group = None if _blank(raw) else _GROUP.get(_norm(raw))
    if group is None:
        shown = "trống" if _blank(raw) else f"'{clean(str(raw))}' không hợp lệ"
        wrong.append(f"{who}: đối tượng được hỗ trợ {shown}; ghi một trong: {', '.join(GROUPS)}")
    out["helped_group"] = group
    raw = row.get("people")
    try:
        out["people"] = _people(raw)
    except (TypeError, ValueError):
        shown = "trống" if _blank(raw) else f"'{clean(str(raw))}'"
        wrong.append(f"{who}: số người được hỗ trợ {shown} không hợp lệ; ghi một số nguyên từ 1 trở lên")
    service = "" if _blank(row.get("service")) else clean(str(row["service"]))
    if not service:
        wrong.append(f"{who}: thiếu dịch vụ hoặc tiện ích số đã hỗ trợ (ví dụ: {', '.join(SERVICES[:3])})")
    out["service"] = service[:100]
    note = "" if _blank(row.get("note")) else clean(str(row["note"]))
    out["note"] = note[:500] or None
    return out, wrong


def _key(row: dict[str, Any]) -> tuple:
    # Two rows are "the same activity" when all but the note and who recorded it agree.
    return (row["student_id"], row["activity_date"], row["kind"], row["helped_group"], row["people"], row["service"])


def add_activities(course: Course, rows: list[dict[str, Any]], recorded_by: str = "",
                   source: str | Path = "biểu mẫu", *, school_year: str | None = None,
                   skip_recorded: bool = False) -> int:
    """Check every row, then store them all or none; return how many were written.

    A row: student_id, activity_date, kind, helped_group, people, service, note (optional) and ``_line``
    (its line in a sheet, for the messages). Only the ambassadors the committee selected for the school year
    may have activities, dated within that year and not in the future. With ``skip_recorded`` (used by the
    Excel import, so that a sheet kept all year can be imported again each month) rows already stored are
    not stored a second time; a form always adds its row.
    """
    year = school_year or course.school_year
    store = Store(course.db_url)
    store.create()
    chosen = selected_ambassadors(course, year)
    if chosen is None:
        raise ContentError([Problem(source, None, f"chưa có danh sách Đại sứ số năm học {year}: hội đồng cần chọn "
                                                  "và lưu danh sách Đại sứ trước khi ghi hoạt động")])
    selected = set(chosen["student_id"])
    names = {s["student_id"]: s["full_name"] for s in store.students()}
    today = date.today()
    problems, clean_rows = [], []
    for row in rows:
        line = row.get("_line")
        sid = cell_id(row.get("student_id"))
        if not sid:
            problems.append(Problem(source, line, "thiếu mã học sinh"))
            continue
        who = f"{names[sid]} ({sid})" if sid in names else sid
        if sid not in selected:
            problems.append(Problem(source, line, _unknown(sid) if sid not in names else
                                    f"{who} không có trong danh sách Đại sứ số năm học {year}; chỉ ghi hoạt động "
                                    "của các em đã được hội đồng chọn"))
            continue
        values, wrong = _check_row(row, who, year, today)
        problems += [Problem(source, line, message) for message in wrong]
        if not wrong:
            clean_rows.append({"school_year": year, "student_id": sid, **values})
    if problems:
        raise ContentError(problems)
    now = datetime.now(UTC)
    table = ambassador_activities
    with store.engine.begin() as conn:
        if skip_recorded and clean_rows:
            # Counted, not a set: a sheet that lists the same activity twice stores it twice, once.
            stored = Counter(_key(dict(r._mapping)) for r in conn.execute(select(table).where(
                table.c.school_year == year, table.c.student_id.in_({r["student_id"] for r in clean_rows}))))
            kept = []
            for r in clean_rows:
                if stored[_key(r)] > 0:
                    stored[_key(r)] -= 1
                else:
                    kept.append(r)
            clean_rows = kept
        if clean_rows:
            conn.execute(table.insert(), [{**r, "recorded_by": recorded_by or None, "recorded_at": now}
                                          for r in clean_rows])
    return len(clean_rows)


def import_excel(course: Course, path: Path, recorded_by: str = "", *, school_year: str | None = None) -> int:
    """Read the log sheet (Mã học sinh, Ngày, Hoạt động, Đối tượng, Số người, Dịch vụ, Ghi chú) and store the
    activities not stored yet; every bad row is named by its line, nothing is written on error."""
    rows = sheet_rows(path, HEADERS, lambda found: set(REQUIRED) <= found,
                      f"không thấy dòng tiêu đề có đủ các cột {', '.join(_LABELS[f] for f in REQUIRED)}",
                      "bảng không có hoạt động nào dưới dòng tiêu đề")
    return add_activities(course, rows, recorded_by, source=path, school_year=school_year, skip_recorded=True)


def activities(course: Course, school_year: str | None = None) -> pd.DataFrame:
    """The year's activities, newest first: the table's columns plus full_name and class_name."""
    store = Store(course.db_url)
    store.create()
    table = ambassador_activities
    with store.engine.connect() as conn:
        frame = pd.read_sql(select(table).where(table.c.school_year == (school_year or course.school_year))
                            .order_by(table.c.activity_date.desc(), table.c.id.desc()), conn)
    return frame.merge(_people_table(course, school_year)[["student_id", "full_name", "class_name"]],
                       on="student_id", how="left")


def remove_activity(course: Course, activity_id: int) -> None:
    """Remove one activity (a row entered by mistake)."""
    with Store(course.db_url).engine.begin() as conn:
        conn.execute(delete(ambassador_activities).where(ambassador_activities.c.id == activity_id))


def _people_table(course: Course, school_year: str | None) -> pd.DataFrame:
    """Names and classes of the roster, with the class recorded at selection for those no longer on it."""
    roster = pd.DataFrame(Store(course.db_url).students(), columns=["student_id", "full_name", "class_name"])
    chosen = selected_ambassadors(course, school_year)
    if chosen is not None:
        gone = chosen[~chosen["student_id"].isin(roster["student_id"])]
        roster = pd.concat([roster[["student_id", "full_name", "class_name"]],
                            gone.assign(full_name=gone["student_id"])[["student_id", "full_name", "class_name"]]])
    return roster[["student_id", "full_name", "class_name"]]


def _months(school_year: str, dates: pd.Series) -> list[pd.Period]:
    """September (or the first month with an activity) to July, or to this month for the current year."""
    first, last = year_bounds(school_year)
    start = pd.Period(date(first.year, 9, 1), "M")
    end = min(pd.Period(last, "M"), max(pd.Period(date.today(), "M"), start))
    if len(dates):
        start, end = min(start, dates.min()), max(end, dates.max())
    return list(pd.period_range(start, end, freq="M"))


MONTH_COLUMNS = ["Tháng", "Số hoạt động", "Số Đại sứ tham gia", *GROUP_LABELS.values(), "Tổng số người được hỗ trợ"]


def monthly_summary(course: Course, school_year: str | None = None) -> pd.DataFrame:
    """One row per month of the school year ('09/2026', from September to July, or to this month for the
    current year; months without any activity show 0): activities, ambassadors taking part, people helped
    in each group and in all."""
    year = school_year or course.school_year
    log = activities(course, year)
    month = pd.to_datetime(log["activity_date"]).dt.to_period("M")
    rows = []
    for period in _months(year, month):
        part = log[month == period]
        helped = part.groupby("helped_group")["people"].sum()
        rows.append([f"{period.month:02d}/{period.year}", len(part), part["student_id"].nunique(),
                     *(int(helped.get(g, 0)) for g in GROUPS), int(part["people"].sum())])
    return pd.DataFrame(rows, columns=MONTH_COLUMNS)


YEAR_COLUMNS = ["Mã học sinh", "Họ và tên", "Lớp", "Được chọn", "Số hoạt động", "Số tháng có hoạt động",
                *GROUP_LABELS.values(), "Tổng số người được hỗ trợ", "Dịch vụ đã hỗ trợ"]


def _class_key(class_name: str) -> tuple:
    digits = re.match(r"\d+", class_name or "")
    return (int(digits.group()) if digits else 99, vn_key(class_name or ""))


def yearly_summary(course: Course, school_year: str | None = None) -> pd.DataFrame:
    """One row per ambassador of the year, by class then class-list order (an ambassador with nothing logged
    shows 0; a pupil with activities who is no longer in the recorded selection shows 'Được chọn' False):
    activities, months with at least one, people helped in each group and in all, services."""
    year = school_year or course.school_year
    evidence = activity_evidence(course, year)
    people = _people_table(course, year).drop_duplicates("student_id").set_index("student_id")
    rows = []
    for sid, e in evidence.items():
        name = people["full_name"].get(sid, sid)
        klass = people["class_name"].get(sid, "")
        rows.append([sid, name, klass, e["selected"], e["activities"], e["months_active"],
                     *(e["by_group"][g] for g in GROUPS), e["people_helped"], ", ".join(e["services"])])
    frame = pd.DataFrame(rows, columns=YEAR_COLUMNS).astype({"Được chọn": bool})
    order = sorted(range(len(frame)), key=lambda i: (_class_key(frame["Lớp"].iat[i]),
                                                     class_list_key(frame["Họ và tên"].iat[i]),
                                                     frame["Mã học sinh"].iat[i]))
    return frame.iloc[order].reset_index(drop=True)


def activity_evidence(course: Course, school_year: str) -> dict[str, dict[str, Any]]:
    """What a school year's log says about each ambassador, for a later year's selection to use.

    Keys: every pupil selected for ``school_year`` and every pupil with an activity logged in it. Values:

    * ``selected`` – in the committee's recorded selection for that year;
    * ``activities`` – number of activities logged; ``months_active`` – distinct months with at least one
      (the plan asks for regular, monthly activity);
    * ``people_helped`` – total people helped; ``by_group`` – people helped per group, all four of GROUPS;
    * ``kinds`` – number of activities per kind; ``services`` – the distinct services, sorted;
    * ``first_date``, ``last_date`` – the first and last activity (None when nothing was logged).

    The committee's app shows it (``evidence_line``) to the raters of the "gương mẫu, trách nhiệm" and "kết
    nối" criteria; the ranking itself does not read it, so the raters' judgement stays the only score.
    """
    log = activities(course, school_year)
    chosen = selected_ambassadors(course, school_year)
    selected = set() if chosen is None else set(chosen["student_id"])
    out: dict[str, dict[str, Any]] = {}
    for sid in sorted(selected | set(log["student_id"])):
        part = log[log["student_id"] == sid]
        helped = part.groupby("helped_group")["people"].sum()
        dates = list(part["activity_date"])
        out[sid] = {
            "selected": sid in selected,
            "activities": len(part),
            "months_active": len({(d.year, d.month) for d in dates}),
            "people_helped": int(part["people"].sum()),
            "by_group": {g: int(helped.get(g, 0)) for g in GROUPS},
            "kinds": {k: int(n) for k, n in part["kind"].value_counts().sort_index().items()},
            "services": sorted(set(part["service"]), key=vn_key),
            "first_date": min(dates) if dates else None,
            "last_date": max(dates) if dates else None,
        }
    return out


def evidence_line(evidence: dict[str, Any], school_year: str) -> str:
    """One ``activity_evidence`` entry in plain Vietnamese, for the raters of a later year."""
    head = f"Đại sứ số năm học {school_year}" if evidence["selected"] else f"Năm học {school_year}"
    if not evidence["activities"]:
        return f"{head}: chưa ghi hoạt động nào."
    groups = ", ".join(f"{g} {n}" for g, n in evidence["by_group"].items() if n)
    services = ", ".join(evidence["services"])
    return (f"{head}: {evidence['activities']} hoạt động trong {evidence['months_active']} tháng, hỗ trợ "
            f"{evidence['people_helped']} người ({groups}); dịch vụ: {services}.")


def monthly_chart(summary: pd.DataFrame, title: str = "Số người được Đại sứ số hỗ trợ theo tháng"):
    """Stacked bars: people helped each month, by group (a matplotlib Figure; ``charts.png`` makes a PNG)."""
    import matplotlib.pyplot as plt
    import numpy as np

    from .charts import BLUE, GREEN, ORANGE, RED  # also puts matplotlib in Agg mode (no display on a server)

    fig, ax = plt.subplots(figsize=(9, 3.6))
    x = np.arange(len(summary))
    bottom = np.zeros(len(summary))
    for label, colour in zip(GROUP_LABELS.values(), (BLUE, GREEN, ORANGE, RED), strict=True):
        values = summary[label].to_numpy(dtype=float) if len(summary) else np.zeros(0)
        ax.bar(x, values, bottom=bottom, color=colour, label=label)
        bottom += values
    ax.set_xticks(x, list(summary["Tháng"]), fontsize=8, rotation=45 if len(summary) > 8 else 0)
    ax.set_ylabel("số người")
    ax.set_title(title, loc="left", fontsize=11)
    ax.legend(loc="upper left", fontsize=8, ncol=4)
    ax.set_ylim(0, max(float(bottom.max()) if len(bottom) else 0, 1) * 1.25)  # room for the legend
    fig.tight_layout()
    return fig
