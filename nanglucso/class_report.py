"""One class, one assessment round: readiness shares, the students × competencies map, each student's
profile in plain Vietnamese, who needs support, and the question statistics for the teacher."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from .course import Course
from .errors import KitError
from .framework import Framework, load_framework
from .item_stats import ItemReport, item_statistics
from .rounds import course_rounds
from .store import Store, item_scores, levels, students
from .text import class_list_key

# A student needs support when not at the expected level in online safety (domain 4, which the Sở's
# plans weigh most for young pupils) or in fewer than half of the domains assessed.
SAFETY_DOMAIN = "4"
MIN_READY_DOMAINS = 0.5
PROFILE_POINTS = 3  # strengths and next steps shown per student: few enough to act on


@dataclass
class Profile:
    student_id: str
    full_name: str
    domains: dict[str, str | None]  # domain → level reached (None: below the lowest level tested)
    ready_domains: int
    strengths: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)


@dataclass
class ClassReport:
    school: str
    assignment: str
    title: str
    class_name: str
    grade: int
    expected: str
    roster: pd.DataFrame  # student_id, full_name in class-list order (everyone on the roster)
    assessed: int  # students with results
    domain_share: pd.DataFrame  # code, name, n, ready, share
    competency_share: pd.DataFrame
    heatmap: pd.DataFrame  # students (full names) × competencies: level code, "" when not assessed
    gaps: pd.DataFrame  # same shape: rank of level reached minus rank expected (NaN when not assessed)
    profiles: list[Profile]
    support: pd.DataFrame  # full_name, reasons
    items: ItemReport | None
    item_labels: dict[str, str]  # item id → short prompt, for the teacher's table

    @property
    def not_assessed(self) -> list[str]:
        done = set(self.heatmap.index)
        return [n for n in self.roster["full_name"] if n not in done]


def _frame(store: Store, query: Any) -> pd.DataFrame:
    with store.engine.connect() as conn:
        return pd.read_sql(query, conn)


def _shares(rows: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    if rows.empty:
        return pd.DataFrame(columns=["code", "name", "n", "ready", "share"])
    table = rows.groupby("code")["ready"].agg(n="count", ready="sum").reset_index()
    table["ready"] = table["ready"].astype(int)
    table["share"] = table["ready"] / table["n"]
    table["name"] = table["code"].map(names)
    order = sorted(table["code"], key=lambda c: tuple(int(x) for x in c.split(".")))
    return table.set_index("code").loc[order].reset_index()[["code", "name", "n", "ready", "share"]]


@cache
def _keys(bank_root: Path) -> dict[str, dict[str, Any]]:
    """Keys of the choice items, for the distractor table (teacher side only). The bank was validated when
    the assessment was built: here it is only parsed, once per process."""
    import yaml

    from .bank import bank_files

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out = {}
    for path in bank_files(Path(bank_root)):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
        for item in data.get("items", []) if isinstance(data, dict) else []:
            if isinstance(item, dict) and item.get("type") in ("single_choice", "multiple_choice"):
                out[str(item["id"])] = {"type": item["type"], "key": item.get("key"),
                                        "options": [str(o.get("id")) for o in item.get("options", [])]}
    return out


def _profile(sid: str, name: str, comp: pd.DataFrame, dom: pd.DataFrame, fw: Framework, expected: str) -> Profile:
    exp_rank = fw.rank(expected)
    domains = {r.code: r.level for r in dom.itertuples()}
    prof = Profile(sid, name, domains, int(dom["ready"].sum()))
    rank = {r.code: fw.rank(r.level) if r.level else 0 for r in comp.itertuples()}
    best = sorted((c for c in rank if rank[c] >= exp_rank), key=lambda c: (-rank[c], c))
    for code in best[:PROFILE_POINTS]:
        level = comp.loc[comp["code"] == code, "level"].iloc[0]
        above = " — cao hơn bậc mong đợi" if rank[code] > exp_rank else ""
        prof.strengths.append(f"{fw.competency(code).name_vi} (đạt {level}{above}).")
    weak = sorted((c for c in rank if rank[c] < exp_rank), key=lambda c: (rank[c], c))
    for code in weak[:PROFILE_POINTS]:
        comp_fw = fw.competency(code)
        reached = comp.loc[comp["code"] == code, "level"].iloc[0]
        now = f"hiện đạt {reached}" if reached else "chưa đạt bậc nào của bài"
        prof.next_steps.append(f"{comp_fw.name_vi} ({now}, cần {expected}): {comp_fw.scope_vi}")
    return prof


def class_report(course: Course, assignment: str, class_name: str, fw: Framework | None = None,
                 with_items: bool = True) -> ClassReport:
    """Everything the class report shows, computed from the course's tables (the question statistics only
    ``with_items``: the page computes them when the teacher opens that tab)."""
    fw = fw or load_framework()
    store = Store(course.db_url)
    rounds = course_rounds(course)
    if assignment not in rounds:
        raise KitError(f"không có bài '{assignment}' trong khoá học; các bài có: {', '.join(rounds) or '(chưa có)'}")
    rnd = rounds[assignment]
    roster = _frame(store, select(students.c.student_id, students.c.full_name, students.c.grade)
                    .where(students.c.class_name == class_name))
    if roster.empty:
        raise KitError(f"không có lớp '{class_name}' trong danh sách học sinh của khoá học")
    roster = roster.iloc[sorted(range(len(roster)), key=lambda i: class_list_key(roster["full_name"].iloc[i]))]
    roster = roster.reset_index(drop=True)
    ids = list(roster["student_id"])
    grade = int(roster["grade"].mode().iloc[0])
    expected = fw.expected_level(grade)
    rows = _frame(store, select(levels).where(levels.c.assignment == assignment, levels.c.student_id.in_(ids)))
    rows["level"] = rows["level"].astype(object).where(rows["level"].notna(), None)  # SQL NULL: no level
    names = {d.code: d.name_vi for d in fw.domains} | {c.code: c.name_vi for c in fw.competencies}
    comp = rows[rows["scope"] == "competency"]
    dom = rows[rows["scope"] == "domain"]
    full = dict(zip(roster["student_id"], roster["full_name"], strict=True))
    assessed_ids = [s for s in ids if s in set(rows["student_id"])]

    heat = comp.pivot(index="student_id", columns="code", values="level") if not comp.empty else pd.DataFrame()
    heat = heat.reindex(assessed_ids)
    codes = sorted(heat.columns, key=lambda c: tuple(int(x) for x in c.split(".")))
    heat = heat[codes] if codes else heat
    exp_rank = fw.rank(expected)
    gaps = heat.apply(lambda col: col.map(lambda v: (fw.rank(v) if isinstance(v, str) else 0) - exp_rank))
    assessed_codes = comp.pivot(index="student_id", columns="code", values="expected").reindex(assessed_ids) \
        if not comp.empty else heat
    gaps = gaps.where(assessed_codes.notna())
    heat = heat.where(assessed_codes.notna(), "").fillna("–")
    heat.index = [full[s] for s in heat.index]
    gaps.index = heat.index

    profiles, support = [], []
    for sid in assessed_ids:
        p = _profile(sid, full[sid], comp[comp["student_id"] == sid], dom[dom["student_id"] == sid], fw, expected)
        profiles.append(p)
        reasons = []
        d_rows = dom[dom["student_id"] == sid]
        safety = d_rows[d_rows["code"] == SAFETY_DOMAIN]
        if not safety.empty and not bool(safety["ready"].iloc[0]):
            reasons.append(f"chưa đạt bậc mong đợi ở miền {SAFETY_DOMAIN} ({names[SAFETY_DOMAIN]})")
        if len(d_rows) and p.ready_domains < MIN_READY_DOMAINS * len(d_rows):
            reasons.append(f"chỉ đạt bậc mong đợi ở {p.ready_domains}/{len(d_rows)} miền")
        if reasons:
            support.append({"Họ và tên": full[sid], "Lí do": "; ".join(reasons),
                            "Nên luyện trước": p.next_steps[0].split(" (")[0] if p.next_steps else ""})

    report, labels = question_report(course, assignment, ids) if with_items else (None, {})
    return ClassReport(
        school=course.config.school, assignment=assignment, title=rnd.title, class_name=class_name, grade=grade,
        expected=expected, roster=roster[["student_id", "full_name"]], assessed=len(assessed_ids),
        domain_share=_shares(dom, names), competency_share=_shares(comp, names), heatmap=heat, gaps=gaps,
        profiles=profiles, support=pd.DataFrame(support, columns=["Họ và tên", "Lí do", "Nên luyện trước"]),
        items=report, item_labels=labels)


def question_report(course: Course, assignment: str, student_ids: list[str]) -> tuple[ItemReport | None,
                                                                                     dict[str, str]]:
    """Question statistics of these students on this assignment, and each question's short prompt."""
    store = Store(course.db_url)
    scores = _frame(store, select(item_scores).where(item_scores.c.assignment == assignment,
                                                     item_scores.c.student_id.in_(student_ids)))
    rnd = course_rounds(course).get(assignment)
    labels = {item["id"]: _short(item.get("prompt", {}).get("vi", "")) for item in (rnd.items if rnd else ())}
    if scores.empty:
        return None, labels
    answers = scores[["student_id", "item_id", "answer"]].copy()
    answers["answer"] = answers["answer"].map(lambda a: json.loads(a) if isinstance(a, str) else None)
    wanted = set(scores["item_id"])
    keys = {k: v for k, v in _keys(course.bank_root()).items() if k in wanted}
    return item_statistics(scores, answers, keys), labels


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
