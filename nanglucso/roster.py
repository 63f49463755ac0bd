"""Read a class roster (CSV or Excel from a school management system) into plain student records."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ContentError, Problem
from .sheets import find_header, lookup, parse_date, read_table
from .text import class_list_key, clean, split_name

# Accepted headers, compared without tones, case or spaces; Vietnamese first, English second.
HEADERS: dict[str, list[str]] = {
    "student_id": ["mã học sinh", "mã hs", "mã định danh", "mã số học sinh", "student id", "id"],
    "full_name": ["họ và tên", "họ tên", "full name", "name"],
    "birth_date": ["ngày sinh", "date of birth", "birth date"],
    "class_name": ["lớp", "class"],
    "gender": ["giới tính", "gender"],
    "grade": ["khối", "grade"],
}
REQUIRED = ("student_id", "full_name", "class_name")
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


_LOOKUP = lookup(HEADERS)


def _date(value: Any) -> str | None:
    return parse_date(value, "ngày sinh")


def _grade_of(class_name: str, grade: Any) -> int:
    text = str(grade).strip() if grade is not None and str(grade).strip() not in ("", "nan") else class_name
    match = re.match(r"^\s*(\d{1,2})", text)
    if not match or not 1 <= int(match.group(1)) <= 12:
        raise ValueError(f"không suy ra được khối từ lớp '{class_name}'; tên lớp nên bắt đầu bằng khối, "
                         "ví dụ 6A1, hoặc thêm cột 'Khối'")
    return int(match.group(1))


def read_roster(path: Path) -> list[dict[str, Any]]:
    """Validated student rows, sorted as a Vietnamese class list; ContentError lists every bad row."""
    path = Path(path)
    table = read_table(path)
    header_row, columns = find_header(table, _LOOKUP, lambda found: set(REQUIRED) <= found)
    if header_row < 0:
        need = ", ".join(f"'{HEADERS[f][0].capitalize()}'" for f in REQUIRED)
        raise ContentError([Problem(path, None, f"không thấy dòng tiêu đề có các cột {need}")])
    rows, problems, seen = [], [], {}
    for index in range(header_row + 1, len(table)):
        line = index + 1  # the row number Excel shows
        raw = {field: table.iat[index, col] for col, field in columns.items()}
        values = {k: ("" if v is None or (isinstance(v, float) and pd.isna(v)) else v) for k, v in raw.items()}
        if all(str(v).strip() == "" for v in values.values()):
            continue
        sid = clean(str(values.get("student_id", "")))
        name = clean(str(values.get("full_name", "")))
        klass = clean(str(values.get("class_name", ""))).upper()
        who = f"học sinh '{name or sid}'"
        if not sid or not name or not klass:
            missing = [HEADERS[f][0] for f, v in (("student_id", sid), ("full_name", name), ("class_name", klass))
                       if not v]
            problems.append(Problem(path, line, f"{who}: thiếu {', '.join(missing)}"))
            continue
        if sid.endswith(".0") and sid[:-2].isdigit():
            sid = sid[:-2]  # Excel stored the id as a number
        if not ID_PATTERN.match(sid):
            problems.append(Problem(path, line, f"{who}: mã học sinh '{sid}' chỉ được chứa chữ không dấu, số, - và _"))
            continue
        if sid in seen:
            problems.append(Problem(path, line, f"{who}: mã học sinh '{sid}' trùng với dòng {seen[sid]}"))
            continue
        # The database's column widths (PostgreSQL refuses longer text; SQLite would keep it silently).
        too_long = [f"{label} dài quá {limit} kí tự" for label, value, limit in
                    (("họ và tên", name, 200), ("tên lớp", klass, 20),
                     ("giới tính", clean(str(values.get("gender", ""))), 10)) if len(value) > limit]
        if too_long:
            problems.append(Problem(path, line, f"{who}: {', '.join(too_long)}; sửa lại trong tệp rồi nhập lại"))
            continue
        seen[sid] = line
        try:
            grade = _grade_of(klass, values.get("grade"))
            birth = _date(values.get("birth_date"))
        except ValueError as exc:
            problems.append(Problem(path, line, f"{who}: {exc}"))
            continue
        family, given = split_name(name)
        rows.append({"student_id": sid, "full_name": name, "family_name": family, "given_name": given,
                     "birth_date": birth, "class_name": klass, "grade": grade,
                     "gender": clean(str(values.get("gender", ""))) or None})
    if problems:
        raise ContentError(problems)
    if not rows:
        raise ContentError([Problem(path, None, "danh sách không có học sinh nào dưới dòng tiêu đề")])
    return sorted(rows, key=lambda r: (r["class_name"], class_list_key(r["full_name"])))


def import_roster(course: Any, path: Path) -> list[dict[str, Any]]:
    """Read, then write to the kit's tables and to nbgrader's gradebook. Nothing is written on error."""
    from nbgrader.api import Gradebook

    from .store import Store

    rows = read_roster(path)
    Store(course.db_url).replace_students(rows)
    with Gradebook(course.gradebook_url, course.course_id) as gb:
        for r in rows:
            gb.update_or_create_student(r["student_id"], first_name=r["given_name"], last_name=r["family_name"])
    return rows
