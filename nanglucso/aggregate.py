"""The school's aggregate for the Sở GDĐT: counts per grade and indicator, with no student in it.

One CSV row per (round, grade, indicator, code): how many were counted (``so_luong``) and how many met it
(``so_dat``). Counts, not shares, so that a commune or a province adds schools up exactly (`nanglucso rollup`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .course import Course
from .responses import atomic_write_text
from .school import SchoolData, equipped, latest, load_school
from .targets import school_level

# The columns, in this order; UTF-8 with BOM so that Excel opens the file with its Vietnamese intact.
COLUMNS = ["ma_truong", "truong", "xa", "tinh", "nam_hoc", "dot", "cap", "khoi", "chi_so", "ma", "don_vi",
           "so_luong", "so_dat"]
# dot: the assessment round; empty for indicators that belong to the school year, not to a round.
ROUNDS = {"baseline": "dau_nam", "end_of_year": "cuoi_nam"}
ROUND_NAMES = {"dau_nam": "Đầu năm", "cuoi_nam": "Cuối năm", "": "Cả năm"}
# chi_so → what is counted. mien/nang_luc: students at or above their grade's expected level in that domain
# (ma "1".."6") or competency (ma "1.1".."6.3"); trang_bi: students equipped with digital skills and safety
# (rubrics/chi_tieu.yaml); nguoi_than: students who helped at least one relative; lop_dai_su: classes with
# at least one digital ambassador (don_vi "lop": so_luong counts classes).
INDICATORS = {
    "mien": "Đạt bậc mong đợi theo miền",
    "nang_luc": "Đạt bậc mong đợi theo năng lực thành phần",
    "trang_bi": "Được trang bị kỹ năng số và an toàn",
    "nguoi_than": "Hỗ trợ ít nhất 01 người thân (VNeID, tiện ích số)",
    "lop_dai_su": "Lớp có Đại sứ số học đường",
}
UNITS = {"hoc_sinh", "lop"}


def school_aggregate(course: Course, data: SchoolData | None = None) -> pd.DataFrame:
    """The school's counts in COLUMNS order: per grade and round, per domain and competency, students at the
    expected level; per grade, students equipped (latest round) and students who helped a relative."""
    data = data or load_school(course)
    cfg = course.config
    head = {"ma_truong": cfg.school_code or course.course_id, "truong": cfg.school, "xa": cfg.commune,
            "tinh": cfg.province, "nam_hoc": data.school_year}
    rows: list[dict] = []
    for chi_so, table in (("mien", data.domains), ("nang_luc", data.competencies)):
        if table.empty:
            continue
        counts = table.groupby(["form", "grade", "code"])["ready"].agg(so_luong="count", so_dat="sum").reset_index()
        for r in counts.itertuples():
            rows.append({"dot": ROUNDS[r.form], "cap": school_level(r.grade), "khoi": r.grade, "chi_so": chi_so,
                         "ma": r.code, "don_vi": "hoc_sinh", "so_luong": r.so_luong, "so_dat": int(r.so_dat)})
    eq = equipped(data, latest(data))
    eq_ids = set(eq[eq].index)
    for grade, members in data.roster.groupby("grade"):
        ids = set(members["student_id"])
        common = {"dot": "", "cap": school_level(int(grade)), "khoi": int(grade), "ma": ""}
        rows.append({**common, "chi_so": "trang_bi", "don_vi": "hoc_sinh", "so_luong": len(ids),
                     "so_dat": len(ids & eq_ids)})
        rows.append({**common, "chi_so": "nguoi_than", "don_vi": "hoc_sinh", "so_luong": len(ids),
                     "so_dat": len(ids & data.helped)})
        if data.ambassador_classes is not None:
            classes = set(members["class_name"])
            rows.append({**common, "chi_so": "lop_dai_su", "don_vi": "lop", "so_luong": len(classes),
                         "so_dat": len(classes & data.ambassador_classes)})
    frame = pd.DataFrame([{**head, **r} for r in rows], columns=COLUMNS)
    return frame.sort_values(["dot", "khoi", "chi_so", "ma"], kind="stable").reset_index(drop=True)


def write_aggregate(course: Course, path: Path) -> Path:
    """Write the aggregate CSV atomically; it names no student (counts per grade only)."""
    frame = school_aggregate(course)
    atomic_write_text(Path(path), "\ufeff" + frame.to_csv(index=False))  # BOM: Excel reads it as UTF-8
    return Path(path)
