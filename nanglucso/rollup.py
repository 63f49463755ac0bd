"""Many schools' aggregates (the CSV of nanglucso/aggregate.py) read, checked and added up per commune (xã)
or province (tỉnh), then compared with the "Bình dân học vụ số" targets (rubrics/chi_tieu.yaml).

Every problem in every file is collected (file and CSV line, the header being line 1) before one
ContentError is raised, so that the Sở can send each school the whole list of what to fix at once.
"""

from __future__ import annotations

import glob
import io
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .aggregate import COLUMNS, INDICATORS, ROUND_NAMES, UNITS
from .errors import ContentError, KitError, Problem
from .targets import Targets, school_level
from .text import clean, vn_key

By = Literal["xa", "tinh"]
Progress = Callable[[int, int, str], None]
# The columns naming a unit: a commune is only unique within its province (names repeat across provinces).
UNIT_COLUMNS: dict[str, list[str]] = {"xa": ["tinh", "xa"], "tinh": ["tinh"]}
LEVELS = ["TH", "THCS", "THPT"]
ROUND_ORDER = ["dau_nam", "cuoi_nam", ""]
# The indicators with a yearly target, and those the target tables show (domain readiness has no target).
TARGET_INDICATORS = ["trang_bi", "nguoi_than", "lop_dai_su"]
REPORTED_INDICATORS = [*TARGET_INDICATORS, "mien"]
DOMAINS = [str(d) for d in range(1, 7)]
MET, NOT_MET, NO_TARGET = "Đạt", "Chưa đạt", "—"
# At most this many lines per file and kind of problem: a file wrong everywhere says so once, not 300 times.
MAX_LINES_PER_PROBLEM = 5
_NAME_COLUMNS = ["ma_truong", "truong", "xa", "tinh"]
_ROW_KEY = ["ma_truong", "nam_hoc", "dot", "khoi", "chi_so", "ma"]
_WILDCARD = re.compile(r"[*?\[]")


# --- which files ------------------------------------------------------------------------------------


def expand_paths(args: Iterable[str | Path]) -> list[Path]:
    """The files named on the command line, each once: a folder stands for every .csv in it, and a pattern
    left unexpanded (Windows' cmd does not expand ``*.csv``) is expanded here."""
    out: list[Path] = []
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            found = sorted((p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv"),
                           key=lambda p: p.name)
            if not found:
                raise KitError(f"Thư mục {path} không có tệp .csv nào.")
        elif path.exists():
            found = [path]
        elif _WILDCARD.search(str(arg)):
            found = sorted(Path(p) for p in glob.glob(str(arg)) if Path(p).is_file())
            if not found:
                raise KitError(f"Không có tệp nào khớp mẫu {arg}.")
        else:
            raise KitError(f"Không thấy tệp {arg}: kiểm tra lại tên và đường dẫn.")
        out += found
    seen: set[Path] = set()
    unique = []
    for path in out:  # the same file named twice (a folder and a pattern) is one sending, read once
        if path.resolve() not in seen:
            seen.add(path.resolve())
            unique.append(path)
    if not unique:
        raise KitError("Chưa có tệp nào để tổng hợp: ghi tên các tệp .csv của trường hoặc thư mục chứa chúng.")
    return unique


# --- reading and checking ---------------------------------------------------------------------------


class _Problems:
    """Problems in file order, at most MAX_LINES_PER_PROBLEM lines per file and kind."""

    def __init__(self, paths: Sequence[Path]):
        self.paths = paths
        self.found: list[tuple[int, int, Problem]] = []

    def add(self, file: int, line: int | None, message: str) -> None:
        self.found.append((file, line or 0, Problem(self.paths[file], line, message)))

    def rows(self, data: pd.DataFrame, mask: pd.Series, kind: str, message: Callable[[dict], str]) -> None:
        """One problem per flagged row (``message(row)``), capped per file with a count of the rest."""
        if not mask.any():
            return
        flagged = data.loc[mask]
        for file, group in flagged.groupby("_tep", sort=True):
            for row in group.head(MAX_LINES_PER_PROBLEM).to_dict("records"):
                self.add(int(file), int(row["_dong"]), message(row))
            if len(group) > MAX_LINES_PER_PROBLEM:
                self.add(int(file), None, f"… và {len(group) - MAX_LINES_PER_PROBLEM} dòng khác cùng lỗi: {kind}")

    def sorted(self) -> list[Problem]:
        return [p for _, _, p in sorted(self.found, key=lambda t: (t[0], t[1]))]


def read_aggregates(paths: Sequence[str | Path], progress: Progress | None = None) -> pd.DataFrame:
    """Read and check the schools' aggregate CSVs (UTF-8, with or without BOM) into one table.

    Returns the columns of ``aggregate.COLUMNS`` (names tidied to NFC with single spaces, counts as
    integers, codes as categories in report order) plus ``tep``, the file each row came from.
    Raises ContentError listing every problem, each with its file and CSV line: columns missing or
    renamed, unknown codes, counts that are not whole numbers ≥ 0 or with so_dat > so_luong, a row
    repeated, a school placed in two communes, or the same school and school year in two files.
    (Line numbers count physical lines; a quoted name spanning lines would shift them.)
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise KitError("Chưa có tệp nào để tổng hợp.")
    problems = _Problems(paths)
    bodies: list[tuple[int, str]] = []  # files with exactly the expected header: parsed together below
    frames = []  # files with the columns in another order: parsed one by one
    for n, path in enumerate(paths):
        text = _read_text(path, n, problems)
        if text is not None:
            header, _, body = text.partition("\n")
            if [c.strip() for c in header.rstrip("\r").split(",")] == COLUMNS:
                bodies.append((n, body))
            else:
                frame = _parse(text, n, problems)
                if frame is not None:
                    frames.append(frame)
        if progress:
            progress(n + 1, len(paths), "tệp")
    frames.append(_parse_together(bodies, problems))
    data = _categorize(pd.concat(frames, ignore_index=True))
    data = data[(data[COLUMNS] != "").any(axis=1)].reset_index(drop=True)  # blank lines
    complained = {file for file, _, _ in problems.found}
    for n in sorted(set(range(len(paths))) - set(data["_tep"].unique()) - complained):
        problems.add(n, None, "tệp chỉ có dòng tiêu đề, chưa có số liệu: nhờ trường xuất lại sau khi đã chấm bài")
    _tidy_names(data)
    counts = _check_rows(data, problems)
    _check_schools(data, problems)
    if problems.found:
        listed = problems.sorted()
        bad_files = len({file for file, _, _ in problems.found})
        listed.append(Problem(None, None, f"Chưa tổng hợp: có lỗi ở {bad_files}/{len(paths)} tệp. Nhờ các trường "
                                          "sửa hoặc xuất lại tệp bằng nanglucso, rồi chạy lại 'nanglucso rollup'."))
        raise ContentError(listed)
    return _typed(data, counts, paths)


def _read_text(path: Path, n: int, problems: _Problems) -> str | None:
    """The file's text without BOM, or None (and a problem) if it cannot be read as UTF-8 text."""
    if path.suffix.lower() in (".xlsx", ".xls", ".ods"):
        problems.add(n, None, "đây là tệp bảng tính, không phải tệp .csv: cần tệp tong_hop_….csv mà trường xuất "
                              "bằng 'nanglucso report school' (hoặc nút xuất trên trang báo cáo)")
        return None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.add(n, None, f"không đọc được tệp ({exc.strerror})")
        return None
    try:
        text = raw.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM; nanglucso writes one too
    except UnicodeDecodeError as exc:
        problems.add(n, raw[:exc.start].count(b"\n") + 1,
                     "tệp không phải UTF-8 (có lẽ đã mở rồi lưu lại bằng Excel dạng 'CSV' thường, làm hỏng chữ "
                     "tiếng Việt). Nhờ trường xuất lại tệp từ nanglucso, hoặc trong Excel chọn Lưu dưới dạng "
                     "'CSV UTF-8 (phân cách bằng dấu phẩy)'.")
        return None
    if not text.strip():
        problems.add(n, None, "tệp rỗng: nhờ trường xuất lại tệp tổng hợp từ nanglucso")
        return None
    return text


def _csv(text: str, **options: Any) -> pd.DataFrame:
    # Text columns only (a school code "01234" keeps its zero); skip_blank_lines=False keeps row i on line i + 2.
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False, **options)


def _parse_together(bodies: list[tuple[int, str]], problems: _Problems) -> pd.DataFrame:
    """All files that have the expected header in one parse (400 small parses cost seconds, one costs
    a tenth); each row gets back its file and line. A file that does not parse cleanly is parsed again
    on its own, which names its line."""
    if not bodies:
        return _empty()
    lines = [body.count("\n") + (not body.endswith("\n")) if body else 0 for _, body in bodies]
    text = "".join(body if body.endswith("\n") or not body else body + "\n" for _, body in bodies)
    try:
        frame = _csv(text, header=None, names=COLUMNS) if text else pd.DataFrame(columns=COLUMNS)
        if len(frame) != sum(lines):  # a quoted field over two lines: numbering would drift
            raise ValueError
    except (pd.errors.ParserError, ValueError):
        parsed = [_parse(",".join(COLUMNS) + "\n" + body, n, problems) for n, body in bodies]
        return pd.concat([f for f in parsed if f is not None] or [_empty()], ignore_index=True)
    frame["_tep"] = np.repeat(np.array([n for n, _ in bodies], dtype=np.int32), lines)
    starts = np.repeat(np.cumsum([0, *lines[:-1]]), lines)
    frame["_dong"] = np.arange(len(frame)) - starts + 2
    return frame


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=str) for c in COLUMNS} | {"_tep": pd.Series(dtype=np.int32),
                                                                        "_dong": pd.Series(dtype=np.int64)})


def _parse(text: str, n: int, problems: _Problems) -> pd.DataFrame | None:
    """One file as text columns plus ``_tep`` (its number) and ``_dong`` (CSV line); None if unusable."""
    try:
        frame = _csv(text)
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if found:
            problems.add(n, int(found[2]), f"dòng có {found[3]} ô nhưng dòng tiêu đề có {found[1]} cột: có dấu "
                                           "phẩy thừa? (tên có dấu phẩy phải đặt trong ngoặc kép)")
        else:
            problems.add(n, None, f"không đọc được tệp CSV ({exc}); nhờ trường xuất lại tệp từ nanglucso")
        return None
    header = [str(c).strip() for c in frame.columns]
    missing = [c for c in COLUMNS if c not in header]
    extra = [c for c in header if c not in COLUMNS]
    if missing or extra:
        parts = ([f"thiếu cột {', '.join(missing)}"] if missing else []) + \
                ([f"có cột lạ {', '.join(extra)}"] if extra else [])
        problems.add(n, 1, "; ".join(parts) + ". Dòng tiêu đề phải gồm đúng các cột "
                     f"{','.join(COLUMNS)}: đừng đổi tên hay xoá cột, hoặc xuất lại tệp từ nanglucso.")
        return None
    frame.columns = header
    frame = frame[COLUMNS]
    frame["_tep"] = np.int32(n)
    frame["_dong"] = np.arange(2, len(frame) + 2, dtype=np.int64)
    return frame


def _categorize(data: pd.DataFrame) -> pd.DataFrame:
    """Text columns as categories: each distinct value is then checked once, not once per row (300,000
    rows, a few dozen values), and grouping is fast. The counts stay text until checked."""
    for column in COLUMNS:
        if column not in ("so_luong", "so_dat"):
            data[column] = data[column].astype("category")
    return data


def _per_value(column: pd.Series, fn: Callable[[str], Any], dtype: Any = object) -> np.ndarray:
    """``fn`` of each row's value, computed once per category."""
    return np.asarray([fn(v) for v in column.cat.categories], dtype=dtype)[column.cat.codes.to_numpy()]


def _tidy_names(data: pd.DataFrame) -> None:
    """NFC and single spaces in names, so "Ninh Bình" typed on a Mac and on Windows is one province."""
    for column in _NAME_COLUMNS:
        values = list(data[column].cat.categories)
        cleaned = [clean(v) for v in values]
        if cleaned == values:
            continue
        if len(set(cleaned)) == len(cleaned):
            data[column] = data[column].cat.rename_categories(cleaned)
        else:  # two spellings became one name
            data[column] = pd.Categorical(_per_value(data[column], clean))


def _bad_values(column: pd.Series, ok: Callable[[str], bool]) -> np.ndarray:
    """Rows whose value fails ``ok``."""
    return ~_per_value(column, ok, dtype=bool)


def _school_year_ok(value: str) -> bool:
    found = re.fullmatch(r"(\d{4})-(\d{4})", value)
    return bool(found) and int(found[2]) == int(found[1]) + 1


def _grade(value: str) -> int | None:
    return int(value) if value.isdigit() and 1 <= int(value) <= 12 else None


def _competencies() -> set[str]:
    from .framework import load_framework

    return {c.code for c in load_framework().competencies}


def _check_rows(data: pd.DataFrame, problems: _Problems) -> dict[str, pd.Series]:
    """Each row on its own: codes, grade, counts. Returns so_luong and so_dat as numbers (NaN where wrong)."""
    if data.empty:
        return {}
    for column in ["ma_truong", "xa", "tinh"]:
        problems.rows(data, data[column] == "", f"{column} trống",
                      lambda r, c=column: f"cột {c} để trống: trường ghi mã trường (school_code), xã (commune) và "
                                          "tỉnh (province) trong nanglucso.yaml của khoá học rồi xuất lại tệp")
    problems.rows(data, _bad_values(data["nam_hoc"], _school_year_ok), "nam_hoc sai",
                  lambda r: f"nam_hoc '{r['nam_hoc']}' không đúng dạng 2026-2027 (hai năm liền nhau)")
    allowed = {"chi_so": list(INDICATORS), "dot": list(ROUND_NAMES), "cap": LEVELS, "don_vi": sorted(UNITS)}
    for column, values in allowed.items():
        shown = ", ".join(f"'{v}'" for v in values)
        problems.rows(data, ~data[column].isin(values), f"{column} không hợp lệ",
                      lambda r, c=column, s=shown: f"{c} '{r[c]}' không hợp lệ; chỉ nhận {s}")
    problems.rows(data, _bad_values(data["khoi"], lambda v: _grade(v) is not None), "khoi sai",
                  lambda r: f"khoi '{r['khoi']}' phải là số lớp từ 1 đến 12")
    level = _per_value(data["khoi"], lambda v: school_level(g) if (g := _grade(v)) else "")
    cap = _per_value(data["cap"], str)
    problems.rows(data, (level != "") & data["cap"].isin(LEVELS) & (level != cap), "cap không khớp khoi",
                  lambda r: f"lớp {r['khoi']} thuộc cấp {school_level(int(r['khoi']))}, không phải '{r['cap']}'")
    codes = {"mien": set(DOMAINS), "nang_luc": _competencies()}
    for indicator, valid in codes.items():
        what = "miền 1–6" if indicator == "mien" else "năng lực thành phần 1.1–6.3 của Thông tư 02/2025"
        problems.rows(data, (data["chi_so"] == indicator) & ~data["ma"].isin(valid), f"ma của {indicator} sai",
                      lambda r, w=what, i=indicator: f"ma '{r['ma']}' không phải {w} (chi_so {i})")
    # lop_dai_su counts classes, every other indicator students: a wrong unit would add classes to pupils.
    problems.rows(data, data["chi_so"].isin(list(INDICATORS)) & data["don_vi"].isin(list(UNITS))
                  & ((data["chi_so"] == "lop_dai_su") != (data["don_vi"] == "lop")), "don_vi không khớp chi_so",
                  lambda r: f"chi_so '{r['chi_so']}' đếm theo "
                            f"{'lop' if r['chi_so'] == 'lop_dai_su' else 'hoc_sinh'}, không phải '{r['don_vi']}'")
    counts = {}
    for column in ["so_luong", "so_dat"]:
        number = pd.to_numeric(data[column], errors="coerce")
        if number.isna().any():  # " 12" from a hand edit is still 12 (strip only where needed: it is slow)
            number = number.fillna(pd.to_numeric(data.loc[number.isna(), column].str.strip(), errors="coerce"))
        whole = number.notna() & (number % 1 == 0)
        problems.rows(data, ~whole, f"{column} không phải số nguyên",
                      lambda r, c=column: f"{c} '{r[c]}' không phải số nguyên")
        problems.rows(data, whole & (number < 0), f"{column} âm",
                      lambda r, c=column: f"{c} = {r[c]} là số âm; số đếm phải từ 0 trở lên")
        counts[column] = number.where(whole & (number >= 0))
    problems.rows(data, counts["so_dat"] > counts["so_luong"], "so_dat lớn hơn so_luong",
                  lambda r: f"so_dat ({r['so_dat'].strip()}) lớn hơn so_luong ({r['so_luong'].strip()}): "
                            "số đạt không thể nhiều hơn số được đếm")
    repeated = data.loc[data.duplicated(["_tep", *_ROW_KEY], keep=False)]
    if not repeated.empty:
        first = repeated.groupby(["_tep", *_ROW_KEY], sort=False)["_dong"].transform("min")
        problems.rows(repeated.assign(_dau=first), repeated["_dong"] != first, "dòng lặp lại",
                      lambda r: f"dòng lặp lại dòng {int(r['_dau'])} (cùng trường, năm học, đợt, khối, chỉ số và "
                                "mã): số liệu sẽ bị cộng hai lần; xoá một dòng")
    return counts


def _check_schools(data: pd.DataFrame, problems: _Problems) -> None:
    """Across rows and files: a school sent once per school year, and in one commune and province."""
    if data.empty:
        return
    where = data.groupby(["ma_truong", "nam_hoc", "_tep"], observed=True, sort=False).agg(
        dong=("_dong", "min"), truong=("truong", "first")).reset_index().sort_values("_tep", kind="stable")
    for (school, year), group in where.groupby(["ma_truong", "nam_hoc"], observed=True, sort=False):
        if len(group) < 2:
            continue
        first = problems.paths[int(group["_tep"].iloc[0])]
        for row in group.iloc[1:].to_dict("records"):
            problems.add(int(row["_tep"]), int(row["dong"]),
                         f"trường {school} ({row['truong']}) năm học {year} đã có trong tệp {first}: mỗi trường chỉ "
                         "gửi một tệp mỗi năm học, nếu không sẽ bị đếm hai lần. Giữ tệp mới nhất, bỏ tệp kia.")
    places = data.groupby(["ma_truong", "nam_hoc"], observed=True, sort=False)[["xa", "tinh"]].nunique()
    for school, year in places.index[(places > 1).any(axis=1)]:
        rows = data[(data["ma_truong"] == school) & (data["nam_hoc"] == year)]
        first = rows.iloc[0]
        other = rows[(rows["xa"] != first["xa"]) | (rows["tinh"] != first["tinh"])].iloc[0]
        problems.add(int(other["_tep"]), int(other["_dong"]),
                     f"trường {school} ghi ở xã '{other['xa']}', tỉnh '{other['tinh']}' nhưng ở dòng "
                     f"{first['_dong']} là xã '{first['xa']}', tỉnh '{first['tinh']}': một trường thuộc một xã; "
                     "sửa cho thống nhất")


def _ordered(values: Iterable[str], key: Callable[[str], Any]) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(sorted(set(values), key=key), ordered=True)


def code_key(code: str) -> tuple:
    """"1.2" before "1.10"; "" first."""
    return tuple(int(p) if p.isdigit() else p for p in code.split(".")) if code else ()


def _typed(data: pd.DataFrame, counts: dict[str, pd.Series], paths: Sequence[Path]) -> pd.DataFrame:
    """Checked text columns as categories in report order (Vietnamese order for names) and integer counts."""
    def used(column: str) -> list[str]:
        return list(data[column].cat.remove_unused_categories().cat.categories)

    out = pd.DataFrame({
        "ma_truong": data["ma_truong"].cat.remove_unused_categories(),
        "truong": data["truong"].cat.remove_unused_categories(),
        "xa": data["xa"].astype(_ordered(used("xa"), vn_key)),
        "tinh": data["tinh"].astype(_ordered(used("tinh"), vn_key)),
        "nam_hoc": data["nam_hoc"].astype(_ordered(used("nam_hoc"), str)),
        "dot": data["dot"].astype(pd.CategoricalDtype(ROUND_ORDER, ordered=True)),
        "cap": data["cap"].astype(pd.CategoricalDtype(LEVELS, ordered=True)),
        "khoi": _per_value(data["khoi"], lambda v: _grade(v) or 0, dtype=np.int8),
        "chi_so": data["chi_so"].astype(pd.CategoricalDtype(list(INDICATORS), ordered=True)),
        "ma": data["ma"].astype(_ordered(used("ma"), code_key)),
        "don_vi": data["don_vi"].cat.remove_unused_categories(),
        "so_luong": counts["so_luong"].astype(np.int64),
        "so_dat": counts["so_dat"].astype(np.int64),
        "tep": pd.Categorical.from_codes(data["_tep"].to_numpy(), categories=[str(p) for p in paths]),
    })
    return out.reset_index(drop=True)


# --- adding up --------------------------------------------------------------------------------------


def rollup(frame: pd.DataFrame, by: By = "xa") -> pd.DataFrame:
    """Sum so_luong and so_dat per (unit, nam_hoc, dot, cap, chi_so, ma) over grades and schools.

    The unit is (tinh, xa) for ``by="xa"`` — a commune's name is unique only within its province — and
    tinh for ``by="tinh"``. Columns: the unit's, nam_hoc, dot, cap, chi_so, ma, don_vi, so_truong (schools
    counted in the row), so_luong, so_dat and ti_le = so_dat / so_luong (empty when so_luong is 0).
    """
    if by not in UNIT_COLUMNS:
        raise ValueError(f"by must be 'xa' or 'tinh', not {by!r}")
    keys = [*UNIT_COLUMNS[by], "nam_hoc", "dot", "cap", "chi_so", "ma", "don_vi"]
    out = frame.groupby(keys, observed=True, sort=True).agg(
        so_truong=("ma_truong", "nunique"), so_luong=("so_luong", "sum"), so_dat=("so_dat", "sum")).reset_index()
    out["ti_le"] = _share(out)
    return out


def _share(table: pd.DataFrame) -> pd.Series:
    counted = table["so_luong"].where(table["so_luong"] > 0)
    return table["so_dat"] / counted


def unit_summary(frame: pd.DataFrame, by: By = "xa") -> pd.DataFrame:
    """Schools and students per unit, school year and school level (cap).

    A grade's pupils are counted once: the largest so_luong among its per-student rows (every indicator
    counts the same pupils, unless some sat only one round)."""
    pupils = frame[frame["don_vi"] == "hoc_sinh"].groupby(
        ["ma_truong", "nam_hoc", "khoi"], observed=True, sort=False).agg(
        so_hoc_sinh=("so_luong", "max"), cap=("cap", "first"), xa=("xa", "first"), tinh=("tinh", "first"))
    pupils = pupils.reset_index()
    keys = [*UNIT_COLUMNS[by], "nam_hoc", "cap"]
    counts: dict[str, tuple[str, str]] = {"so_xa": ("xa", "nunique")} if by == "tinh" else {}
    counts |= {"so_truong": ("ma_truong", "nunique"), "so_hoc_sinh": ("so_hoc_sinh", "sum")}
    return pupils.groupby(keys, observed=True, sort=True).agg(**counts).reset_index()


def report_year(school_year: str) -> int:
    """The calendar year whose targets a school year counts towards: its first year.

    The Sở collects the reports in December, so school year "2026-2027" reports on 2026's targets."""
    return int(school_year[:4])


def compare_targets(table: pd.DataFrame, targets: Targets) -> pd.DataFrame:
    """The rows of a ``rollup`` table for trang_bi, nguoi_than, lop_dai_su and mien, with the target year
    (``nam_chi_tieu``), the target share (``chi_tieu``, empty where none is set: domain readiness, or a level
    only "encouraged") and ``ket_qua``: "Đạt", "Chưa đạt" or "—" (no target, or nobody counted)."""
    out = table[table["chi_so"].isin(REPORTED_INDICATORS)].copy()
    indicators = targets.chi_so
    goal: dict[tuple[str, str, str], float | None] = {}
    for year, indicator, level in out[["nam_hoc", "chi_so", "cap"]].drop_duplicates().itertuples(index=False):
        spec = getattr(indicators, indicator, None)
        goal[(year, indicator, level)] = spec.target(report_year(year), level) if spec is not None else None
    keys = list(zip(out["nam_hoc"], out["chi_so"], out["cap"], strict=True))
    out["nam_chi_tieu"] = [report_year(y) for y, _, _ in keys]
    out["chi_tieu"] = np.array([np.nan if goal[k] is None else goal[k] for k in keys], dtype=float)
    met = out["so_dat"] >= out["chi_tieu"] * out["so_luong"] - 1e-9  # counts, not rounded shares
    judged = out["chi_tieu"].notna() & (out["so_luong"] > 0)
    out["ket_qua"] = np.where(judged, np.where(met, MET, NOT_MET), NO_TARGET)
    # Read by indicator: the three targets first, then domain readiness; within each, round then level.
    order = out["chi_so"].astype(str).map({c: k for k, c in enumerate(REPORTED_INDICATORS)})
    units = [c for c in ["tinh", "xa"] if c in out]
    out = out.assign(_thu_tu=order).sort_values([*units, "nam_hoc", "_thu_tu", "dot", "cap", "ma"], kind="stable")
    return out.drop(columns="_thu_tu").reset_index(drop=True)


def latest_round(rounds: Iterable[str]) -> str:
    """The round a chart shows: the school-year figure if there is one, else end of year, else baseline."""
    present = set(rounds)
    return next((r for r in ["", "cuoi_nam", "dau_nam"] if r in present), "")


def school_list(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per school and school year: where it is, its levels, its pupils counted and its file."""
    pupils = frame[frame["don_vi"] == "hoc_sinh"].groupby(
        ["ma_truong", "nam_hoc", "khoi"], observed=True, sort=False)["so_luong"].max().groupby(
        level=["ma_truong", "nam_hoc"], observed=True).sum().rename("so_hoc_sinh")
    keys = ["tinh", "xa", "ma_truong", "nam_hoc"]
    out = frame.groupby(keys, observed=True, sort=True).agg(
        truong=("truong", "first"), cap=("cap", lambda c: ", ".join(str(v) for v in sorted(c.unique()))),
        tep=("tep", "first")).reset_index()
    out = out.join(pupils, on=["ma_truong", "nam_hoc"])
    out["so_hoc_sinh"] = out["so_hoc_sinh"].fillna(0).astype(np.int64)
    return out[["tinh", "xa", "ma_truong", "truong", "nam_hoc", "cap", "so_hoc_sinh", "tep"]]
