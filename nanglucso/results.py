"""Read graded results back as tables: levels per student, readiness shares per class."""

from __future__ import annotations

import pandas as pd

from .course import Course
from .store import Store, levels
from .text import class_list_key


def level_table(course: Course, assignment: str, scope: str = "domain") -> pd.DataFrame:
    """One row per student (class-list order), one column per domain or competency: the level reached."""
    store = Store(course.db_url)
    rows = store.rows(levels, assignment=assignment, scope=scope)
    roster = {s["student_id"]: s for s in store.students()}
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows)
    wide = frame.pivot(index="student_id", columns="code", values="level")
    ready = frame.groupby("student_id")["ready"].mean()
    expected = frame.groupby("student_id")["expected"].first()
    out = pd.DataFrame({
        "Mã HS": wide.index,
        "Họ và tên": [roster.get(s, {}).get("full_name", s) for s in wide.index],
        "Lớp": [roster.get(s, {}).get("class_name", "") for s in wide.index],
        "Bậc mong đợi": expected.reindex(wide.index).values,
    })
    for code in wide.columns:
        out[code] = wide[code].fillna("chưa đạt").values
    out["Sẵn sàng (%)"] = (ready.reindex(wide.index) * 100).round(0).astype(int).values
    out["_key"] = [class_list_key(n) for n in out["Họ và tên"]]
    out = out.sort_values(["Lớp", "_key"]).drop(columns="_key").reset_index(drop=True)
    return out


def readiness_by_class(course: Course, assignment: str, scope: str = "domain") -> pd.DataFrame:
    """Share of students at or above their expected level, per class × domain (or competency)."""
    store = Store(course.db_url)
    rows = store.rows(levels, assignment=assignment, scope=scope)
    if not rows:
        return pd.DataFrame()
    roster = {s["student_id"]: s["class_name"] for s in store.students()}
    frame = pd.DataFrame(rows)
    frame["Lớp"] = frame["student_id"].map(roster).fillna("?")
    table = frame.pivot_table(index="Lớp", columns="code", values="ready", aggfunc="mean").round(3)
    table.columns.name = "Miền" if scope == "domain" else "Năng lực"
    return table

