"""Teachers' spreadsheets (Excel or CSV): read the table, find the header row under a title block, and give
each data row with its line number, so every importer can name the line that is wrong."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ContentError, Problem
from .text import clean, strip_tones

HEADER_SEARCH_ROWS = 15  # exports from school systems start with a title block of a few lines


def norm(header: Any) -> str:
    """A header compared without tones, case or spaces ("Mã HS" = "ma hs" = "MãHS")."""
    return re.sub(r"\s+", "", strip_tones(clean(str(header))).casefold())


def lookup(headers: dict[str, list[str]]) -> dict[str, str]:
    """Normalised alias → field, from field → accepted header names (Vietnamese first, English second)."""
    return {norm(alias): field for field, aliases in headers.items() for alias in aliases}


def read_table(path: Path) -> pd.DataFrame:
    """The sheet as raw cells (no header); a missing, damaged or non-UTF-8 file is a ContentError naming it."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(path, header=None, dtype=object, engine="openpyxl")
        if suffix == ".csv":
            return pd.read_csv(path, header=None, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise ContentError([Problem(path, None, "không thấy tệp")]) from None
    except UnicodeDecodeError:
        raise ContentError([Problem(path, None, "tệp CSV không phải UTF-8; hãy lưu lại dạng 'CSV UTF-8'")]) from None
    except Exception as exc:  # noqa: BLE001 - a damaged workbook has many failure types
        raise ContentError([Problem(path, None, f"không đọc được tệp ({exc}); mở và lưu lại bằng Excel")]) from None
    raise ContentError([Problem(path, None, "chỉ nhận tệp .xlsx hoặc .csv")])


def find_header(table: pd.DataFrame, aliases: dict[str, str],
                enough: Callable[[set[str]], bool]) -> tuple[int, dict[int, str]]:
    """(row index, column → field) of the first row whose recognised headers are ``enough``; (-1, {}) if none."""
    for row in range(min(HEADER_SEARCH_ROWS, len(table))):
        found = {col: aliases[norm(v)] for col, v in enumerate(table.iloc[row]) if norm(v) in aliases}
        if enough(set(found.values())):
            return row, found
    return -1, {}


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == ""


def sheet_rows(path: Path, headers: dict[str, list[str]], enough: Callable[[set[str]], bool],
               no_header: str, no_rows: str) -> list[dict[str, Any]]:
    """Every non-empty row under the header as {field: value or None, "_line": the row number Excel shows}."""
    path = Path(path)
    table = read_table(path)
    header_row, found = find_header(table, lookup(headers), enough)
    if header_row < 0:
        raise ContentError([Problem(path, None, no_header)])
    rows = []
    for r in range(header_row + 1, len(table)):
        values = {f: table.iat[r, c] for c, f in found.items()}
        if all(blank(v) for v in values.values()):
            continue
        rows.append({**{k: (None if blank(v) else v) for k, v in values.items()}, "_line": r + 1})
    if not rows:
        raise ContentError([Problem(path, None, no_rows)])
    return rows


def parse_date(value: Any, what: str = "ngày") -> str | None:
    """A date cell (Excel date or dd/mm/yyyy text) as ISO 'yyyy-mm-dd'; None when blank; ValueError if unreadable."""
    if blank(value):
        return None
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).strftime("%Y-%m-%d")
        except ValueError:
            continue
    raise ValueError(f"{what} '{text}' không đọc được; ghi dạng ngày/tháng/năm, ví dụ 05/09/2014")
