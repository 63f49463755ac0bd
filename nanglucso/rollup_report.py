"""What `nanglucso rollup` hands the Sở: an Excel workbook, bar charts (PNG), the full table as CSV and a
short summary, all in Vietnamese, made from the tables of nanglucso/rollup.py."""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no screen on the Sở's server

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

from .aggregate import INDICATORS, ROUND_NAMES  # noqa: E402
from .charts import BLUE, GREEN, ORANGE, RED  # noqa: E402
from .errors import KitError  # noqa: E402
from .export_xlsx import Sheet, atomic_output, write_workbook  # noqa: E402
from .rollup import (  # noqa: E402
    MET,
    NO_TARGET,
    NOT_MET,
    TARGET_INDICATORS,
    By,
    code_key,
    compare_targets,
    latest_round,
    report_year,
    rollup,
    school_list,
    unit_summary,
)
from .targets import Targets  # noqa: E402

WORKBOOK = "tong_hop.xlsx"
# The school reports' colours (nanglucso/charts.py): a Sở sees the same green, orange and red as a school.
COLORS = {MET: GREEN, NOT_MET: ORANGE, NO_TARGET: BLUE}
LEVEL_COLORS = {"TH": "#7aa6d8", "THCS": "#3a6fb0", "THPT": BLUE}
TARGET_COLOR = RED
LABELS = {
    "tinh": "Tỉnh", "xa": "Xã", "nam_hoc": "Năm học", "dot": "Đợt", "cap": "Cấp học", "chi_so": "Chỉ số",
    "ma": "Mã", "don_vi": "Đơn vị", "so_xa": "Số xã", "so_truong": "Số trường", "so_hoc_sinh": "Số học sinh",
    "so_luong": "Số lượng", "so_dat": "Số đạt", "ti_le": "Tỉ lệ", "nam_chi_tieu": "Năm chỉ tiêu",
    "chi_tieu": "Chỉ tiêu", "ket_qua": "Kết quả", "xa_dat": "Số xã đạt", "ma_truong": "Mã trường",
    "truong": "Trường", "tep": "Tệp",
}
UNIT_NAMES = {"hoc_sinh": "học sinh", "lop": "lớp"}
# The target tables' columns after the unit's, in reading order: which indicator, then the figures.
TARGET_COLUMNS = ["nam_hoc", "dot", "chi_so", "cap", "ma", "so_truong", "so_luong", "so_dat", "ti_le",
                  "nam_chi_tieu", "chi_tieu", "ket_qua"]


@dataclass
class RollupReport:
    """The tables behind the outputs, and where the outputs were written."""

    by: By
    files: int
    table: pd.DataFrame  # rollup(frame, by): every indicator
    province: pd.DataFrame  # compare_targets(rollup(frame, "tinh"))
    communes: pd.DataFrame | None  # compare_targets(rollup(frame, "xa")) when by == "xa"
    units: pd.DataFrame  # unit_summary(frame, by): schools and pupils per unit and level
    schools: pd.DataFrame  # school_list(frame)
    out: Path
    workbook: Path | None = None
    csv: Path | None = None  # the full roll-up, every count, for pivot tables or other tools
    charts: list[Path] = field(default_factory=list)


def make_report(frame: pd.DataFrame, by: By, out: Path, targets: Targets, files: int | None = None) -> RollupReport:
    """Build every table from ``read_aggregates``' frame, then write the workbook and the charts to ``out``."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise KitError(f"{out} là một tệp, không phải thư mục: chọn thư mục khác bằng --out.")
    out.mkdir(parents=True, exist_ok=True)
    report = RollupReport(
        by=by, files=files if files is not None else frame["tep"].nunique(), table=rollup(frame, by),
        province=compare_targets(rollup(frame, "tinh"), targets),
        communes=compare_targets(rollup(frame, "xa"), targets) if by == "xa" else None,
        units=unit_summary(frame, by), schools=school_list(frame), out=out)
    report.charts = write_charts(report)
    report.csv = out / f"theo_{by}.csv"
    with atomic_output(report.csv) as tmp:  # UTF-8 with BOM, like the schools' files: Excel shows it right
        report.table.to_csv(tmp, index=False, encoding="utf-8-sig", float_format="%.4f")
    report.workbook = write_workbook(out / WORKBOOK, workbook_sheets(report, targets))
    return report


# --- numbers in Vietnamese --------------------------------------------------------------------------


def pct(share: float | None) -> str:
    """72,3% (Vietnamese decimal comma); "—" for no value. Rounded down, so 99,96% never shows as a
    100% that did not meet a 100% target."""
    if share is None or pd.isna(share):
        return "—"
    tenths = math.floor(share * 1000 + 1e-6)  # 1e-6: 0.29 * 1000 is 289.999…, still 29,0%
    return f"{tenths // 10},{tenths % 10}%".replace(",0%", "%")


def count(n: int) -> str:
    """400.000 (Vietnamese thousands separator)."""
    return f"{int(n):,}".replace(",", ".")


def _round_label(dot: str) -> str:
    return "cả năm học" if dot == "" else ROUND_NAMES[dot].lower()


# --- charts -----------------------------------------------------------------------------------------


def write_charts(report: RollupReport) -> list[Path]:
    """Per school year: one chart per indicator with a target (shares by commune, one panel per school level,
    or by level for the province) and one of domain readiness by level."""
    paths = []
    for year in report.province["nam_hoc"].unique():
        for indicator in TARGET_INDICATORS:
            if report.communes is not None:
                rows = report.communes[(report.communes["nam_hoc"] == year)
                                       & (report.communes["chi_so"] == indicator)]
                draw = _commune_chart
            else:
                rows = report.province[(report.province["nam_hoc"] == year)
                                       & (report.province["chi_so"] == indicator)]
                draw = _level_chart
            if not rows.empty:
                paths.append(draw(rows, indicator, str(year), report.out / f"{indicator}_{year}.png"))
        rows = report.province[(report.province["nam_hoc"] == year) & (report.province["chi_so"] == "mien")]
        if not rows.empty:
            paths.append(_domain_chart(rows, str(year), report.out / f"mien_{year}.png"))
    return paths


def _at_latest_round(rows: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    dot = latest_round(str(d) for d in rows["dot"].unique())
    return rows[rows["dot"] == dot], dot


def _share_panel(ax, rows: pd.DataFrame, title: str) -> None:
    """Horizontal bars of ti_le coloured by ket_qua (a row without data: no bar, "—"), each bar's target as
    a red vertical mark (one line across the panel when every bar has the same target)."""
    y = np.arange(len(rows))
    ax.barh(y, rows["ti_le"].fillna(0).to_numpy(), color=[COLORS.get(v, COLORS[NO_TARGET]) for v in rows["ket_qua"]],
            height=0.7)
    for yi, share in zip(y, rows["ti_le"], strict=True):
        ax.text((0 if pd.isna(share) else share) + 0.01, yi, pct(share), va="center", fontsize=7.5)
    goals = rows["chi_tieu"].to_numpy(dtype=float)
    shown = goals[rows["ti_le"].notna().to_numpy()]  # a commune without this level has no bar to compare
    if len(shown) and not np.isnan(shown).any() and np.ptp(shown) == 0:
        ax.axvline(shown[0], color=TARGET_COLOR, linestyle="--", linewidth=1.5)
    else:
        for yi, goal in zip(y, goals, strict=True):
            if not np.isnan(goal):
                ax.vlines(goal, yi - 0.45, yi + 0.45, color=TARGET_COLOR, linewidth=2.5)
    _percent_axis(ax, len(rows))
    ax.set_title(title, fontsize=10)


def _percent_axis(ax, n: int) -> None:
    ax.set_ylim(n - 0.5, -0.5)  # first row at the top, as in the table
    ax.set_xlim(0, 1.15)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.grid(axis="x", color="#dddddd")
    ax.set_axisbelow(True)


def _legend(fig, handles: list | None = None) -> None:
    handles = handles or [
        Patch(color=COLORS[MET], label="đạt chỉ tiêu"), Patch(color=COLORS[NOT_MET], label="chưa đạt"),
        Patch(color=COLORS[NO_TARGET], label="không đặt chỉ tiêu / không có số liệu"),
        Line2D([], [], color=TARGET_COLOR, linestyle="--", label="chỉ tiêu")]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8, frameon=False)


def _figure(panels: int, rows: int, labels: list[str], title: str, panel_width: float = 4.4,
            row_height: float = 0.24):
    """A figure of side-by-side panels sharing one y axis, with margins sized from the labels and the
    title (tight_layout would measure every text and cost more than drawing the chart)."""
    label_in = 0.25 + max((len(lbl) for lbl in ("\n".join(labels)).split("\n")), default=4) * 0.075
    title_lines = title.count("\n") + 1
    top_in, bottom_in = 0.55 + 0.22 * title_lines, 0.75
    width = label_in + panels * panel_width + 0.3
    height = top_in + bottom_in + max(rows, 2) * row_height
    fig, axes = plt.subplots(1, panels, sharey=True, figsize=(width, height), squeeze=False)
    fig.subplots_adjust(left=label_in / width, right=1 - 0.3 / width, top=1 - top_in / height,
                        bottom=bottom_in / height, wspace=0.25 / panel_width)
    fig.suptitle(title, fontsize=11, y=1 - 0.12 / height, va="top")
    axes[0][0].set_yticks(np.arange(rows), labels, fontsize=8)
    return fig, axes[0]


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _commune_chart(rows: pd.DataFrame, indicator: str, year: str, path: Path) -> Path:
    """One panel per school level; every commune on every panel, in the same row, so a commune reads across."""
    rows, dot = _at_latest_round(rows)
    levels = [lvl for lvl in rows["cap"].cat.categories if (rows["cap"] == lvl).any()]
    communes = rows[["tinh", "xa"]].drop_duplicates().sort_values(["tinh", "xa"])
    several = communes["tinh"].nunique() > 1
    labels = [f"{x} · {t}" if several else str(x) for t, x in communes.itertuples(index=False)]
    title = _wrap(f"{INDICATORS[indicator]} theo xã — năm học {year}, {_round_label(dot)}")
    fig, axes = _figure(len(levels), len(communes), labels, title)
    for ax, level in zip(axes, levels, strict=True):
        panel = communes.merge(rows[rows["cap"] == level], on=["tinh", "xa"], how="left")
        goal = panel["chi_tieu"].dropna()
        _share_panel(ax, panel, f"{level} — chỉ tiêu {pct(goal.iloc[0]) if len(goal) else 'không đặt'}")
    _legend(fig)
    return _save(fig, path)


def _level_chart(rows: pd.DataFrame, indicator: str, year: str, path: Path) -> Path:
    rows, dot = _at_latest_round(rows)
    several = rows["tinh"].nunique() > 1
    labels = [f"{c} · {t}" if several else str(c) for c, t in zip(rows["cap"], rows["tinh"], strict=True)]
    title = _wrap(f"{INDICATORS[indicator]} theo cấp học — năm học {year}, {_round_label(dot)}", 70)
    fig, axes = _figure(1, len(rows), labels, title, panel_width=6, row_height=0.4)
    _share_panel(axes[0], rows, "")
    _legend(fig)
    return _save(fig, path)


def _domain_chart(rows: pd.DataFrame, year: str, path: Path) -> Path:
    """Share of pupils at their grade's expected level, per domain (rows) and school level (bars); one panel
    per province."""
    from .framework import load_framework

    names = {d.code: d.name_vi for d in load_framework().domains}
    rows, dot = _at_latest_round(rows)
    provinces = list(rows["tinh"].unique())
    domains = [d for d in rows["ma"].cat.categories if (rows["ma"] == d).any()]
    levels = [lvl for lvl in rows["cap"].cat.categories if (rows["cap"] == lvl).any()]
    labels = [textwrap.fill(f"{d}. {names.get(str(d), '')}", 26) for d in domains]
    title = _wrap(f"Học sinh đạt bậc mong đợi theo miền, theo cấp học — năm học {year}, {_round_label(dot)}",
                  35 + 55 * len(provinces))
    fig, axes = _figure(len(provinces), len(domains), labels, title, panel_width=5.5,
                        row_height=0.17 * (len(levels) + 1))
    height = 0.8 / len(levels)
    for ax, province in zip(axes, provinces, strict=True):
        panel = rows[rows["tinh"] == province]
        for k, level in enumerate(levels):
            share = panel[panel["cap"] == level].set_index("ma")["ti_le"].reindex(domains)
            y = np.arange(len(domains)) + (k - (len(levels) - 1) / 2) * height
            ax.barh(y, share.fillna(0), height=height, color=LEVEL_COLORS[level])
            for yi, value in zip(y, share, strict=True):
                if not pd.isna(value):
                    ax.text(value + 0.01, yi, pct(value), va="center", fontsize=7)
        _percent_axis(ax, len(domains))
        ax.set_title(str(province), fontsize=10)
    _legend(fig, [Patch(color=LEVEL_COLORS[lvl], label=lvl) for lvl in levels])
    return _save(fig, path)


def _wrap(title: str, width: int = 90) -> str:
    return textwrap.fill(title, width)


# --- workbook ---------------------------------------------------------------------------------------


def display(table: pd.DataFrame) -> pd.DataFrame:
    """A table for people: Vietnamese column names and indicator, round and unit names instead of codes."""
    out = table.copy()
    for column, names in [("chi_so", INDICATORS), ("dot", ROUND_NAMES), ("don_vi", UNIT_NAMES)]:
        if column in out:
            out[column] = out[column].astype(str).map(names)
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(str)
    return out.rename(columns=LABELS)


def communes_meeting(report: RollupReport) -> pd.Series | None:
    """"12/20" per row of the province table: communes meeting that target (None when not by commune)."""
    if report.communes is None:
        return None
    keys = ["tinh", "nam_hoc", "dot", "cap", "chi_so", "ma"]
    judged = report.communes[report.communes["ket_qua"] != NO_TARGET]
    tally = judged.groupby(keys, observed=True).agg(
        dat=("ket_qua", lambda v: int((v == MET).sum())), tong=("ket_qua", "size"))
    joined = report.province.join(tally, on=keys)
    return pd.Series([f"{int(d)}/{int(t)}" if not pd.isna(t) else "" for d, t in
                      zip(joined["dat"], joined["tong"], strict=True)], index=report.province.index)


def workbook_sheets(report: RollupReport, targets: Targets) -> list[Sheet]:
    """Summary first (each target at the latest round, per province and level), then the target tables,
    the full roll-up, schools and pupils per unit, and the schools counted."""
    years = [str(y) for y in report.province["nam_hoc"].unique()]
    unit = "xã" if report.by == "xa" else "tỉnh"
    notes = [
        "Tỉ lệ = Số đạt / Số lượng, cộng từ số đếm của từng trường (không lấy trung bình các tỉ lệ).",
        "Năm chỉ tiêu = năm đầu của năm học: Sở tổng hợp vào tháng 12, nên năm học 2026-2027 đối chiếu "
        "chỉ tiêu năm 2026.",
        f"Chỉ tiêu theo: {targets.nguon}.",
        f"Kết quả “{NO_TARGET}”: cấp học này không đặt chỉ tiêu (khuyến khích), chỉ số không có chỉ tiêu "
        "(miền), hoặc không có số liệu.",
        "Số lượng của chỉ số lớp có Đại sứ số học đường là số lớp, của các chỉ số khác là số học sinh.",
    ]
    schools = report.schools
    heading = [
        f"TỔNG HỢP NĂNG LỰC SỐ HỌC SINH — {', '.join(str(t) for t in report.province['tinh'].unique())}",
        f"Năm học {', '.join(years)}; chỉ tiêu năm {', '.join(str(report_year(y)) for y in years)}",
        f"Gộp từ {report.files} tệp: {schools['ma_truong'].nunique()} trường, "
        f"{schools.groupby(['tinh', 'xa'], observed=True).ngroups} xã; lập ngày {dt.date.today():%d/%m/%Y}",
        *_pupil_lines(report),
    ]
    province = report.province.copy()
    meeting = communes_meeting(report)
    if meeting is not None:
        province["xa_dat"] = meeting
    shown = ["tinh", *TARGET_COLUMNS, *(["xa_dat"] if meeting is not None else [])]
    latest = [_at_latest_round(rows)[0] for _, rows in province[province["chi_so"].isin(TARGET_INDICATORS)]
              .groupby(["tinh", "nam_hoc", "chi_so"], observed=True)]
    summary = pd.concat(latest) if latest else province.iloc[:0]
    percent = ["Tỉ lệ", "Chỉ tiêu"]
    shares = competency_table(report.table)
    sheets = [
        Sheet("Tổng hợp", heading, display(summary[[c for c in shown if c != "ma"]]), percent_columns=percent,
              notes=notes),
        Sheet("Chỉ tiêu toàn tỉnh", ["Chỉ tiêu theo cấp học, toàn tỉnh (mọi đợt; miền: không có chỉ tiêu)"],
              display(province[shown]), percent_columns=percent, notes=notes[:4]),
    ]
    if report.communes is not None:
        # Domain readiness per commune is on the next sheet, both rounds on one row: here only the targets.
        targeted = report.communes[report.communes["chi_so"].isin(TARGET_INDICATORS)]
        sheets.append(Sheet("Chỉ tiêu theo xã", ["Chỉ tiêu theo cấp học, từng xã (miền: xem trang sau)"],
                            display(targeted[["tinh", "xa", *TARGET_COLUMNS]].drop(columns="ma")),
                            percent_columns=percent, notes=notes[:4]))
    sheets += [
        Sheet(f"Miền, năng lực theo {unit}", [f"Tỉ lệ học sinh đạt bậc mong đợi theo miền và năng lực thành "
                                                f"phần, theo {unit}, đợt, cấp học"], display(shares),
              percent_columns=[c for c in shares.columns if c not in LABELS],
              notes=[notes[0], f"Số lượng và số đạt của từng ô (mọi chỉ số): tệp {report.csv.name} cùng thư mục."]),
        Sheet(f"Học sinh theo {unit}", [f"Số trường và số học sinh được tính theo {unit} và cấp học"],
              display(report.units)),
        Sheet("Danh sách trường", ["Các trường đã gửi số liệu"], display(report.schools)),
    ]
    return sheets


def competency_table(table: pd.DataFrame) -> pd.DataFrame:
    """Domain and competency shares side by side ("Miền 1".."Miền 6", "1.1".."6.3"): one row per unit, round
    and level, with the pupils counted. A wide table reads better than 30 rows per commune, and keeps the
    workbook small enough to write in a second or two for a whole province."""
    rows = table[table["chi_so"].isin(["mien", "nang_luc"])]
    keys = [c for c in ("tinh", "xa") if c in rows] + ["nam_hoc", "dot", "cap"]
    codes = rows["ma"].astype(str)
    column = np.where(rows["chi_so"] == "mien", "Miền " + codes, codes)
    order = sorted(set(column), key=lambda c: (not c.startswith("Miền"), code_key(c.removeprefix("Miền "))))
    wide = rows.assign(_cot=column).set_index([*keys, "_cot"])["ti_le"].unstack("_cot")
    pupils = rows.groupby(keys, observed=True)["so_luong"].max().rename("so_hoc_sinh")
    return pupils.to_frame().join(wide[order]).reset_index()


def _pupil_lines(report: RollupReport) -> list[str]:
    """"Năm học 2026-2027 — học sinh được tính: TH 8.330 · THCS … (cộng 20.000)" per school year."""
    lines = []
    for year, units in report.units.groupby("nam_hoc", observed=True):
        per_level = units.groupby("cap", observed=True)["so_hoc_sinh"].sum()
        lines.append(f"Năm học {year} — học sinh được tính: "
                     + " · ".join(f"{lvl} {count(n)}" for lvl, n in per_level.items())
                     + f" (cộng {count(per_level.sum())}); đối chiếu chỉ tiêu năm {report_year(str(year))}.")
    return lines


# --- summary ----------------------------------------------------------------------------------------


def summary_lines(report: RollupReport) -> list[str]:
    """What the command prints: counts, then each indicator against its target per province and level."""
    schools = report.schools
    lines = [f"Đã tổng hợp {schools['ma_truong'].nunique()} trường "
             f"({schools.groupby(['tinh', 'xa'], observed=True).ngroups} xã, {schools['tinh'].nunique()} tỉnh) "
             f"từ {report.files} tệp."]
    lines += _pupil_lines(report)
    meeting = communes_meeting(report)
    province = report.province.assign(xa_dat=meeting if meeting is not None else "")
    for (tinh, year), rows in province.groupby(["tinh", "nam_hoc"], observed=True):
        lines.append(f"{tinh}, năm học {year}:")
        for indicator in TARGET_INDICATORS:
            chosen, dot = _at_latest_round(rows[rows["chi_so"] == indicator])
            if chosen.empty:
                continue
            lines.append(f"  {INDICATORS[indicator]} ({_round_label(dot)}):")
            for row in chosen.itertuples(index=False):
                goal = "không đặt chỉ tiêu" if pd.isna(row.chi_tieu) else f"chỉ tiêu {pct(row.chi_tieu)}"
                verdict = "" if row.ket_qua == NO_TARGET else f" — {row.ket_qua}"
                communes = f" ({row.xa_dat} xã đạt)" if row.xa_dat else ""
                lines.append(f"    {row.cap:<5} {pct(row.ti_le):>7}  {goal}{verdict}{communes}")
    charts = f", {len(report.charts)} biểu đồ (.png)" if report.charts else ""
    lines.append(f"Đã ghi vào {report.out}: {report.workbook.name}{charts} và {report.csv.name} (mọi số đếm).")
    return lines
