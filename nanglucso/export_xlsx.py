"""Excel workbooks for reports: one formatted table per sheet, with a heading above, notes below and bar
charts drawn by Excel itself beside it.

Also home of ``atomic_output``, the write-to-a-temporary-file-then-rename step that every exporter uses.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from nanglucso.errors import KitError
from nanglucso.text import nfc

MAX_TITLE = 31  # Excel refuses longer sheet names
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
_ROW_CM = 0.53  # Excel's default row height (15 pt) in cm, to stack charts without overlap


@dataclass
class Chart:
    """A bar chart drawn by Excel (so it stays live and editable) from columns of the sheet's table."""

    title: str
    category_column: str  # column giving the bar labels
    value_columns: list[str]  # one series each
    percent: bool = True  # values are shares 0..1: axis and labels in %
    horizontal: bool = True


@dataclass
class Sheet:
    """One sheet: heading lines, a formatted table, charts to its right and notes below."""

    title: str
    heading: list[str]
    table: pd.DataFrame
    percent_columns: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write to; on success it replaces ``path``, on any error it
    is removed, so ``path`` holds the old file or the whole new one, never half of one.

    Raises KitError (in Vietnamese, naming the file) when the folder is missing or the file cannot be
    written (open in Excel or a PDF reader on Windows, or no permission)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise KitError(f"Không ghi được tệp {path}: thư mục {path.parent} không tồn tại.")
    locked = (f"Không ghi được tệp {path}: tệp đang được mở trong chương trình khác (Excel, trình đọc PDF…) "
              "hoặc không có quyền ghi vào thư mục. Hãy đóng tệp rồi thử lại.")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except PermissionError:
        raise KitError(locked) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb") as handle:  # the bytes must be on disk before the rename makes them the file
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except PermissionError:
        raise KitError(locked) from None
    finally:
        if tmp.exists():
            tmp.unlink()
    # fsync the folder so the rename itself survives a power cut.
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def sheet_titles(titles: list[str]) -> list[str]:
    """Excel-valid, unique sheet names: no []:*?/\\, at most 31 characters, not blank, no leading or
    trailing apostrophe; a name already taken (Excel ignores case) gets " (2)", " (3)"… within the 31."""
    taken: set[str] = set()
    out = []
    for title in titles:
        base = _BAD_TITLE.sub("-", ILLEGAL_CHARACTERS_RE.sub("", nfc(title))).strip().strip("'").strip()
        base = base or "Trang"
        name, k = _cut(base, MAX_TITLE), 1
        while name.casefold() in taken or name.casefold() == "history":  # "History" is reserved by Excel
            k += 1
            suffix = f" ({k})"
            name = _cut(base, MAX_TITLE - len(suffix)) + suffix
        taken.add(name.casefold())
        out.append(name)
    return out


def _cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut between words when a word boundary is near (no "thành phầ")."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if text[limit] != " " and " " in cut[limit // 2:]:
        cut = cut[:cut.rfind(" ")]
    return cut.rstrip()


def write_workbook(path: Path, sheets: list[Sheet]) -> Path:
    """Write ``sheets`` to the .xlsx file ``path`` atomically and return ``path``."""
    path = Path(path)
    if not sheets:
        raise KitError(f"Không ghi được tệp {path}: không có trang tính nào.")
    titles = sheet_titles([s.title for s in sheets])
    for sheet, title in zip(sheets, titles, strict=True):
        _check_columns(sheet, title)
    with atomic_output(path) as tmp:
        wb = Workbook()
        wb.remove(wb.active)
        for sheet, title in zip(sheets, titles, strict=True):
            _fill_sheet(wb.create_sheet(title), sheet)
        wb.save(tmp)
    return path


def _check_columns(sheet: Sheet, title: str) -> None:
    columns = {str(c) for c in sheet.table.columns}
    wanted = list(sheet.percent_columns)
    for chart in sheet.charts:
        wanted += [chart.category_column, *chart.value_columns]
    missing = [c for c in wanted if str(c) not in columns]
    if missing:
        raise KitError(f"Trang tính «{title}»: bảng không có cột {', '.join(map(str, missing))}.")


def _fill_sheet(ws: Worksheet, sheet: Sheet) -> None:
    row = 1
    for k, line in enumerate(sheet.heading):
        cell = ws.cell(row=row, column=1, value=_cell_value(line))
        cell.font = Font(bold=True, size=13) if k == 0 else Font(size=11)
        row += 1
    header_row = row + 1 if sheet.heading else 1  # one blank line between heading and table
    table = sheet.table
    columns = [str(c) for c in table.columns]
    percent = {str(c) for c in sheet.percent_columns}
    widths = [len(c) for c in columns]
    for j, name in enumerate(columns, start=1):
        cell = ws.cell(row=header_row, column=j, value=_cell_value(name))
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, values in enumerate(table.itertuples(index=False, name=None), start=header_row + 1):
        for j, (name, value) in enumerate(zip(columns, values, strict=True), start=1):
            cell = ws.cell(row=i, column=j, value=_cell_value(value))
            cell.border = _BORDER
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # a pupil's answer "=..." is text, never a formula Excel would run
            if name in percent:
                cell.number_format = "0%"
                widths[j - 1] = max(widths[j - 1], 5)
            elif isinstance(cell.value, dt.datetime | dt.date):
                cell.number_format = "DD/MM/YYYY"  # Vietnamese day/month order
                widths[j - 1] = max(widths[j - 1], 10)
            elif cell.value is not None:
                widths[j - 1] = max(widths[j - 1], len(str(cell.value)))
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
    last_row = header_row + len(table)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)  # heading and header stay in view when scrolling
    row = last_row + 2
    for line in sheet.notes:
        ws.cell(row=row, column=1, value=_cell_value(line)).font = Font(italic=True, size=10)
        row += 1
    if len(table) and sheet.charts:
        _add_charts(ws, sheet, columns, header_row, last_row)


def _add_charts(ws: Worksheet, sheet: Sheet, columns: list[str], header_row: int, last_row: int) -> None:
    anchor_col = get_column_letter(len(columns) + 2)
    anchor_row = header_row
    n = last_row - header_row
    for spec in sheet.charts:
        chart = BarChart()
        chart.type = "bar" if spec.horizontal else "col"
        chart.title = nfc(spec.title)
        chart.style = 10
        for name in spec.value_columns:
            j = columns.index(str(name)) + 1
            chart.add_data(Reference(ws, min_col=j, min_row=header_row, max_row=last_row), titles_from_data=True)
        cat = columns.index(str(spec.category_column)) + 1
        chart.set_categories(Reference(ws, min_col=cat, min_row=header_row + 1, max_row=last_row))
        # openpyxl 3.1 marks axes as deleted unless told otherwise, and Excel then draws none.
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        if spec.horizontal:
            chart.x_axis.scaling.orientation = "maxMin"  # first table row at the top, as in the table
        if spec.percent:
            chart.y_axis.numFmt = "0%"
            chart.y_axis.scaling.min = 0
            chart.y_axis.scaling.max = 1
        chart.dataLabels = DataLabelList(showVal=True, numFmt="0%" if spec.percent else None)
        if len(spec.value_columns) == 1:
            chart.legend = None
        chart.width = 16
        chart.height = max(7.5, 3 + 0.6 * n * (len(spec.value_columns) if spec.horizontal else 1))
        ws.add_chart(chart, f"{anchor_col}{anchor_row}")
        anchor_row += math.ceil(chart.height / _ROW_CM) + 2


def _cell_value(value: Any) -> Any:
    """A value openpyxl can store: missing values (NaN, NA, NaT) become empty cells, text is NFC without
    the control characters Excel refuses, numpy scalars become Python ones."""
    if value is None:
        return None
    if not isinstance(value, str | bytes | list | tuple | dict) and pd.isna(value):
        return None
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", nfc(value))
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value
