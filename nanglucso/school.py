"""The school's picture for the principal: every class on one page, baseline versus end of year, and the
"Bình dân học vụ số" indicators against the year's targets (rubrics/chi_tieu.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import select

from .ambassador_inputs import selected_ambassadors
from .course import Course
from .framework import Framework, load_framework
from .relatives import relative_help
from .rounds import course_rounds
from .store import Store, levels, students
from .targets import Targets, load_targets, school_level
from .text import vn_key

ROUND_FORMS = ("baseline", "end_of_year")
LEVEL_NAMES = {"TH": "Tiểu học", "THCS": "THCS", "THPT": "THPT"}


@dataclass
class SchoolData:
    """The rows every school view is computed from (read once; each view is a pure function of them)."""

    roster: pd.DataFrame  # student_id, class_name, grade, cap
    domains: pd.DataFrame  # student_id, assignment, form, code, ready (+ roster columns)
    competencies: pd.DataFrame  # same, for competencies
    helped: set[str]  # students who helped a relative this school year
    ambassador_classes: set[str] | None  # None until the committee records its selection
    targets: Targets
    year: int
    school_year: str


def _year_bounds(school_year: str) -> tuple[date, date]:
    start = int(school_year[:4])
    return date(start, 8, 1), date(start + 1, 7, 31)


def load_school(course: Course) -> SchoolData:
    """Read the roster, the levels of every baseline and end-of-year round, and the relatives records."""
    store = Store(course.db_url)
    store.create()
    forms = {name: r.form for name, r in course_rounds(course).items() if r.form in ROUND_FORMS}
    with store.engine.connect() as conn:
        roster = pd.read_sql(select(students.c.student_id, students.c.class_name, students.c.grade), conn)
        rows = pd.read_sql(select(levels.c.student_id, levels.c.assignment, levels.c.scope, levels.c.code,
                                  levels.c.ready).where(levels.c.assignment.in_(list(forms))), conn)
        first, last = _year_bounds(course.school_year)
        helped = set(pd.read_sql(select(relative_help.c.student_id).where(
            relative_help.c.helped_on >= first, relative_help.c.helped_on <= last), conn)["student_id"])
    roster["cap"] = roster["grade"].map(school_level)
    rows["form"] = rows["assignment"].map(forms)
    rows["ready"] = rows["ready"].astype(bool)
    rows = rows.merge(roster, on="student_id", how="inner")  # results of students no longer on the roster: out
    chosen = selected_ambassadors(course)
    classes = None if chosen is None else set(chosen["class_name"])
    return SchoolData(roster, rows[rows["scope"] == "domain"].drop(columns="scope"),
                      rows[rows["scope"] == "competency"].drop(columns="scope"), helped & set(roster["student_id"]),
                      classes, load_targets(course.rubrics_root()), int(course.school_year[:4]), course.school_year)


def _class_order(names: pd.Series) -> list[str]:
    return sorted(names.unique(), key=lambda c: (int("".join(ch for ch in c if ch.isdigit())[:2] or 0), vn_key(c)))


def latest(data: SchoolData, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each student's most recent round only (end of year when sat, otherwise baseline)."""
    table = data.domains if table is None else table
    if table.empty:
        return table
    rank = table["form"].map({"baseline": 0, "end_of_year": 1})
    best = rank.groupby(table["student_id"]).transform("max")
    return table[rank == best]


def equipped(data: SchoolData, table: pd.DataFrame) -> pd.Series:
    """Per student (index) of a one-round domain table: equipped with digital skills and safety, by the rule
    in chi_tieu.yaml (ready in every required domain and in at least the given share of domains)."""
    rule = data.targets.chi_so.trang_bi
    if table.empty:
        return pd.Series(dtype=bool)
    grouped = table.groupby("student_id")
    share = grouped["ready"].mean()
    required = table[table["code"].isin(rule.mien_bat_buoc)]
    req_ok = required.groupby("student_id")["ready"].all().reindex(share.index, fill_value=False)
    return (share >= rule.ti_le_mien_toi_thieu - 1e-9) & req_ok


def class_table(data: SchoolData, fw: Framework | None = None) -> pd.DataFrame:
    """One row per class: size, how many assessed, share at the expected level per domain, share equipped."""
    fw = fw or load_framework()
    now = latest(data)
    eq = equipped(data, now)
    out = []
    for cls in _class_order(data.roster["class_name"]):
        members = data.roster[data.roster["class_name"] == cls]
        rows = now[now["class_name"] == cls]
        row = {"Lớp": cls, "Khối": int(members["grade"].iloc[0]), "Cấp": members["cap"].iloc[0],
               "Sĩ số": len(members), "Đã đánh giá": rows["student_id"].nunique()}
        for dom in fw.domains:
            part = rows[rows["code"] == dom.code]["ready"]
            row[f"Miền {dom.code}"] = part.mean() if len(part) else float("nan")
        row["Được trang bị"] = eq.reindex(members["student_id"]).fillna(False).astype(bool).mean()
        row["Hỗ trợ người thân"] = members["student_id"].isin(data.helped).mean()
        out.append(row)
    return pd.DataFrame(out)


def progress(data: SchoolData, by: str = "class_name") -> pd.DataFrame:
    """Share of (student, domain) pairs at the expected level at baseline and at end of year, per class
    (``by="class_name"``) or per domain (``by="code"``); only students who sat both rounds count."""
    table = data.domains
    both = table.groupby("student_id")["form"].nunique()
    table = table[table["student_id"].isin(both[both == 2].index)]
    label = {"class_name": "Lớp", "code": "Miền"}[by]
    if table.empty:
        return pd.DataFrame(columns=[label, "Số HS", "Đầu năm", "Cuối năm", "Thay đổi"])
    wide = table.pivot_table(index=by, columns="form", values="ready", aggfunc="mean")
    counts = table.groupby(by)["student_id"].nunique()
    out = pd.DataFrame({label: wide.index, "Số HS": counts.reindex(wide.index).values,
                        "Đầu năm": wide["baseline"].values, "Cuối năm": wide["end_of_year"].values})
    out["Thay đổi"] = out["Cuối năm"] - out["Đầu năm"]
    order = _class_order(out[label]) if by == "class_name" else sorted(out[label])
    return out.set_index(label).loc[order].reset_index()


def indicators(data: SchoolData) -> pd.DataFrame:
    """The movement's indicators per school level: counted, met, share, this year's target, met or not."""
    ind = data.targets.chi_so
    now = latest(data)
    eq = equipped(data, now)
    eq_ids = set(eq[eq].index)
    rows = []

    def add(key: str, name: str, cap: str, total: int, met: int, target: float | None, unit: str) -> None:
        share = met / total if total else float("nan")
        verdict = "—" if target is None or not total else ("Đạt" if share >= target - 1e-9 else "Chưa đạt")
        rows.append({"Mã": key, "Chỉ số": name, "Cấp": LEVEL_NAMES[cap], "Đơn vị": unit, "Số lượng": total,
                     "Số đạt": met, "Tỉ lệ": share, "Chỉ tiêu": target, "Đánh giá": verdict})

    for cap in ("TH", "THCS", "THPT"):
        members = data.roster[data.roster["cap"] == cap]
        if members.empty:
            continue
        ids = set(members["student_id"])
        add("trang_bi", ind.trang_bi.ten, cap, len(ids), len(ids & eq_ids), ind.trang_bi.target(data.year, cap),
            "học sinh")
        add("nguoi_than", ind.nguoi_than.ten, cap, len(ids), len(ids & data.helped),
            ind.nguoi_than.target(data.year, cap), "học sinh")
        if data.ambassador_classes is not None:
            classes = set(members["class_name"])
            add("lop_dai_su", ind.lop_dai_su.ten, cap, len(classes), len(classes & data.ambassador_classes),
                ind.lop_dai_su.target(data.year, cap), "lớp")
    return pd.DataFrame(rows, columns=["Mã", "Chỉ số", "Cấp", "Đơn vị", "Số lượng", "Số đạt", "Tỉ lệ", "Chỉ tiêu",
                                       "Đánh giá"])
