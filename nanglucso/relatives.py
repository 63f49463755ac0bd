""""Mỗi học sinh – Một người thân số hóa": who helped which relative with which digital service.

Records come from a form in the school dashboard or from an Excel sheet a homeroom teacher fills in;
both go through ``add_records``, which checks every row before writing any.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Column, Date, DateTime, Integer, String, Table, delete, select

from .course import Course
from .errors import ContentError, Problem
from .sheets import parse_date, sheet_rows
from .store import Clipped, Store, metadata
from .text import clean

# Suggested in the form; any other service a teacher types is accepted.
SERVICES = ["VNeID", "Cổng Dịch vụ công", "Ngân hàng số", "Khám bệnh trực tuyến", "Thanh toán không tiền mặt",
            "Khác"]

relative_help = Table(
    "relative_help", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("student_id", String(64), nullable=False, index=True),
    Column("helped_on", Date, nullable=False),
    Column("relative", String(100), nullable=False),  # "bà nội", "bố", …
    Column("service", String(100), nullable=False),
    Column("note", String(500)),
    Column("recorded_by", Clipped(100)),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

HEADERS = {
    "student_id": ["mã học sinh", "mã hs", "mã định danh", "student id"],
    "helped_on": ["ngày", "ngày hỗ trợ", "date"],
    "relative": ["người thân", "người được hỗ trợ", "relative"],
    "service": ["tiện ích", "dịch vụ", "tiện ích số", "service"],
    "note": ["ghi chú", "note"],
}


def add_records(course: Course, rows: list[dict[str, Any]], recorded_by: str = "",
                source: str | Path = "biểu mẫu") -> int:
    """Check every row (known student, date, relative, service) and store them all, or none."""
    store = Store(course.db_url)
    store.create()
    known = {s["student_id"] for s in store.students()}
    problems, clean_rows = [], []
    now = datetime.now(UTC)
    for row in rows:
        line = row.get("_line")
        sid = clean(str(row.get("student_id") or ""))
        if sid not in known:
            problems.append(Problem(source, line, f"mã học sinh '{sid}' không có trong danh sách lớp của khoá học"))
            continue
        try:
            iso = parse_date(row.get("helped_on"))
        except ValueError:
            iso = None
        when = date.fromisoformat(iso) if iso else None
        if when is None or when > date.today():
            problems.append(Problem(source, line, f"{sid}: ngày hỗ trợ trống hoặc không hợp lệ (ghi dd/mm/yyyy)"))
            continue
        relative, service = clean(str(row.get("relative") or "")), clean(str(row.get("service") or ""))
        if not relative or not service:
            problems.append(Problem(source, line, f"{sid}: thiếu người thân hoặc tiện ích số đã hướng dẫn"))
            continue
        note = clean(str(row.get("note") or "")) or None
        clean_rows.append({"student_id": sid, "helped_on": when, "relative": relative[:100],
                           "service": service[:100], "note": note and note[:500], "recorded_by": recorded_by,
                           "recorded_at": now})
    if problems:
        raise ContentError(problems)
    with store.engine.begin() as conn:
        if clean_rows:
            conn.execute(relative_help.insert(), clean_rows)
    return len(clean_rows)


def import_excel(course: Course, path: Path, recorded_by: str = "") -> int:
    """Read a teacher's sheet (Mã học sinh, Ngày, Người thân, Tiện ích số, Ghi chú) and store it."""
    rows = sheet_rows(path, HEADERS, lambda found: {"student_id", "helped_on", "relative", "service"} <= found,
                      "không thấy dòng tiêu đề có các cột Mã học sinh, Ngày, Người thân, Tiện ích số",
                      "bảng không có dòng nào dưới dòng tiêu đề")
    return add_records(course, rows, recorded_by, source=path)


def helpers_table(course: Course) -> pd.DataFrame:
    """All records, newest first."""
    store = Store(course.db_url)
    store.create()
    with store.engine.connect() as conn:
        return pd.read_sql(select(relative_help).order_by(relative_help.c.helped_on.desc()), conn)


def remove_record(course: Course, record_id: int) -> None:
    with Store(course.db_url).engine.begin() as conn:
        conn.execute(delete(relative_help).where(relative_help.c.id == record_id))
