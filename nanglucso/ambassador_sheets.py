"""The raters' Excel sheet for "Đại sứ số học đường": a sheet listing this year's candidates with one column
per rubric criterion (the rubric's levels on a second sheet), and reading a filled sheet back into the ratings.

Raters who prefer paper or Excel fill the sheet at their own pace; the committee imports every sheet in the
meeting. Reading goes through ambassador_inputs.check_ratings, so a sheet is recorded all or none, with the
same checks and messages as a score entered on the page, each named by the sheet's line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

from .ambassador_inputs import HEADERS, cell_id, check_ratings, load_inputs, write_ratings
from .ambassador_policy import CRITERIA, RUBRIC, Policy, load_policy, vn_number
from .course import Course
from .errors import ContentError, Problem
from .export_xlsx import atomic_output
from .sheets import norm, sheet_rows
from .store import Store
from .text import class_list_key, clean

SHEET = "Phiếu đánh giá"
SCALE_SHEET = "Thang đánh giá"
NAME_HEADERS = ["họ và tên", "họ tên", "full name"]
RATER_HEADERS = ["người đánh giá", "người chấm", "giáo viên đánh giá", "rater"]


def rating_headers() -> dict[str, list[str]]:
    """Accepted headers: Mã học sinh, Họ và tên (checked against the roster), Người đánh giá, and one column
    per rubric criterion named as on the page (or by its code, e.g. guong_mau)."""
    return {"student_id": HEADERS["student_id"], "full_name": NAME_HEADERS, "rater": RATER_HEADERS,
            **{crit: [CRITERIA[crit], crit] for crit in RUBRIC}}


def _score(value: Any, policy: Policy, crit: str) -> Any:
    """A cell as a score: a number ('3', 3, '2,5') or a level's name ('Thường xuyên'); else the cell itself,
    which check_ratings then reports as out of the scale."""
    if isinstance(value, int | float):
        return value
    text = clean(str(value))
    try:
        return float(text.replace(",", "."))
    except ValueError:
        pass
    by_name = {norm(lv.name): lv.diem for lv in policy.tieu_chi.rubric(crit).thang}
    return by_name.get(norm(text), text)


def import_ratings_excel(course: Course, path: Path, rater: str = "", school_year: str | None = None,
                         policy: Policy | None = None) -> int:
    """Record a filled raters' sheet: one row per candidate, a score (or a level's name) per rubric criterion,
    blank cells skipped. The rater is the row's "Người đánh giá" or, when that is blank, ``rater``. Nothing
    is written if any line is wrong; every wrong line is named. Returns the number of scores recorded."""
    path = Path(path)
    policy = policy or load_policy(course.rubrics_root())
    rows = sheet_rows(path, rating_headers(), lambda found: "student_id" in found and bool(found & set(RUBRIC)),
                      "không thấy dòng tiêu đề có cột 'Mã học sinh' và ít nhất một cột tiêu chí ("
                      + ", ".join(f"'{CRITERIA[c]}'" for c in RUBRIC) + "); hãy dùng phiếu mẫu của nanglucso",
                      "phiếu không có học sinh nào dưới dòng tiêu đề")
    roster = {s["student_id"]: s["full_name"] for s in Store(course.db_url).students()}
    problems: list[Problem] = []
    scores: list[dict[str, Any]] = []
    for row in rows:
        line, sid = row["_line"], cell_id(row.get("student_id"))
        written = row.get("full_name")
        if written and sid in roster and norm(written) != norm(roster[sid]):
            # A mistyped id would otherwise score another pupil.
            problems.append(Problem(path, line, f"mã học sinh '{sid}' là của {roster[sid]}, nhưng dòng này ghi "
                                                f"'{clean(str(written))}'; sửa mã hoặc tên cho khớp"))
            continue
        who = clean(str(row.get("rater") or "")) or rater.strip()
        cells = [(crit, row[crit]) for crit in RUBRIC if row.get(crit) is not None]
        if cells and not who:
            problems.append(Problem(path, line, "thiếu tên người đánh giá: ghi vào cột 'Người đánh giá' "
                                                "(hoặc ghi tên mình ở ô Người đánh giá trước khi nhập)"))
            continue
        scores += [{"student_id": sid, "rater": who, "criterion": crit, "score": _score(value, policy, crit),
                    "_line": line} for crit, value in cells]
    if not scores and not problems:
        raise ContentError([Problem(path, None, "phiếu chưa có điểm nào: ghi mức (số) vào các cột tiêu chí")])
    found, ready = check_ratings(course, scores, school_year, policy, source=path)
    # One wrong pupil id gives the same message for each criterion of its line: say it once.
    problems += [p for i, p in enumerate(found) if p not in found[:i]]
    if problems:
        raise ContentError(sorted(problems, key=lambda p: p.line or 0))
    return write_ratings(course, ready)


def ratings_template(course: Course, path: Path, rater: str = "", school_year: str | None = None,
                     policy: Policy | None = None) -> Path:
    """Write the blank raters' sheet: this year's candidates by class (class-list order), a column per rubric
    criterion that accepts only the scale's points, and the scale's descriptors on a second sheet."""
    policy = policy or load_policy(course.rubrics_root())
    year = school_year or course.school_year
    candidates = sorted(load_inputs(course, year).candidates,
                        key=lambda c: (c.class_name, class_list_key(c.full_name), c.student_id))
    if not candidates:
        raise ContentError([Problem(None, None, f"chưa có ứng viên nào năm học {year}: nhập danh sách ứng viên "
                                                "(tự nguyện, đồng ý của cha mẹ) trước khi in phiếu")])
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    school = course.config.school or course.course_id
    ws.append([school])
    ws.append([f"PHIẾU ĐÁNH GIÁ ỨNG VIÊN “ĐẠI SỨ SỐ HỌC ĐƯỜNG” NĂM HỌC {year}"])
    ws.append(["Mỗi ô ghi một mức theo thang ở trang “Thang đánh giá” (ô để trống: không đánh giá tiêu chí đó)."])
    header = ["STT", "Lớp", "Mã học sinh", "Họ và tên", "Người đánh giá", *(CRITERIA[c] for c in RUBRIC)]
    ws.append(header)
    for n, c in enumerate(candidates, start=1):
        ws.append([n, c.class_name, c.student_id, c.full_name, rater or None])
    head_row, last = 4, 4 + len(candidates)
    ws["A2"].font = Font(bold=True, size=13)
    for cell in ws[head_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for col, width in zip("ABCDE", (5, 7, 14, 28, 22), strict=True):
        ws.column_dimensions[col].width = width
    for i, crit in enumerate(RUBRIC):
        col = chr(ord("F") + i)
        ws.column_dimensions[col].width = 18
        scale = policy.tieu_chi.rubric(crit)
        points = [lv.diem for lv in scale.thang]
        shown = ", ".join(vn_number(x) for x in points)
        # Excel offers the scale as a drop-down and refuses anything else typed by hand (whole points), or
        # anything outside the scale (when a school uses half points).
        if all(float(x).is_integer() for x in points):
            check = DataValidation(type="list", formula1='"' + ",".join(str(int(x)) for x in points) + '"')
        else:
            check = DataValidation(type="decimal", operator="between", formula1=str(scale.low),
                                   formula2=str(scale.high))
        check.allow_blank, check.showErrorMessage = True, True
        check.errorTitle, check.error = "Mức không có trong thang", f"Chọn một mức: {shown}"
        check.add(f"{col}{head_row + 1}:{col}{last}")
        ws.add_data_validation(check)
    ws.freeze_panes = f"A{head_row + 1}"
    levels = wb.create_sheet(SCALE_SHEET)
    levels.append(["Tiêu chí", "Mức", "Mô tả"])
    for crit in RUBRIC:
        for lv in policy.tieu_chi.rubric(crit).thang:
            levels.append([CRITERIA[crit], lv.diem, lv.mo_ta])
    for cell in levels[1]:
        cell.font = Font(bold=True)
    levels.column_dimensions["A"].width, levels.column_dimensions["C"].width = 30, 100
    with atomic_output(Path(path)) as tmp:
        wb.save(tmp)
    return Path(path)
