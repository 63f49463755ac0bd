"""Classical test theory per question for the class report: difficulty, discrimination, distractors, reliability.

Pure functions over pandas tables, no I/O. Every figure is computed on proportion scores
(score / max_score), so a 2-point item and a 1-point item weigh the same in a pupil's total.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# Teachers' conventional thresholds (facility index p, corrected item-total correlation r).
HARD_P = 0.20
EASY_P = 0.95
LOW_R = 0.20
# Below this many scored pupils a correlation or a 27% group is mostly noise: no discrimination flags
# (neither r nor "distractor attracts the upper group"); the figures themselves are still reported.
MIN_STUDENTS_FOR_DISCRIMINATION = 10
# Kelley's upper and lower groups: 27% of the pupils each, rounded to the nearest pupil (at least one).
GROUP_SHARE = 0.27
DISTRACTOR_TYPES = ("single_choice", "multiple_choice")

_EPS = 1e-12


def vn_number(x: float, digits: int = 2) -> str:
    """``x`` with a Vietnamese decimal comma, e.g. 0.125 -> "0,13" (``digits`` decimals)."""
    text = f"{x:.{digits}f}"
    if float(text) == 0:
        text = text.lstrip("-")  # never show "-0,00"
    return text.replace(".", ",")


FLAG_HARD = f"quá khó (p < {vn_number(HARD_P)})"
FLAG_EASY = f"quá dễ (p > {vn_number(EASY_P)})"
FLAG_WEAK = f"phân biệt kém (r < {vn_number(LOW_R)})"
FLAG_NEGATIVE = "phân biệt âm: học sinh giỏi làm sai nhiều hơn"
FLAG_UNCHOSEN = "phương án nhiễu không ai chọn: "  # followed by the options, e.g. "c, d"
FLAG_ATTRACTS = "phương án nhiễu hút học sinh giỏi: "

ITEM_COLUMNS = ["n", "p", "discrimination", "upper_lower", "blank", "flags"]
DISTRACTOR_COLUMNS = ["item_id", "option", "is_key", "share", "upper_share", "lower_share"]


@dataclass(frozen=True)
class ItemReport:
    """Statistics of one assessment for one group of pupils.

    ``items``: one row per item (index ``item_id``, in the order items first appear in the scores) with
    ``n``, ``p``, ``discrimination``, ``upper_lower``, ``blank`` and ``flags`` (short Vietnamese reasons).
    ``distractors``: one row per (item, option) of single and multiple choice items that have a key.
    ``reliability``: Cronbach's alpha; ``kr20``: KR-20, NaN unless every item is scored right/wrong only.
    """

    items: pd.DataFrame
    distractors: pd.DataFrame
    reliability: float
    kr20: float
    n_students: int
    n_items: int


def item_statistics(scores: pd.DataFrame, answers: pd.DataFrame | None = None,
                    keys: dict[str, Any] | None = None) -> ItemReport:
    """Per-item statistics of ``scores`` (student_id, item_id, score, max_score[, pending]).

    - Rows with ``pending`` true (a criterion the teacher has not scored yet) are left out entirely;
      a NaN score is a scored 0. Several rows for one pupil and item (criteria) are added up.
    - ``n``: pupils scored on the item; ``p``: mean proportion score (facility index).
    - ``discrimination``: Pearson correlation between the item's proportion score and the pupil's total
      over the other items (corrected item-total correlation); NaN when either has no variance.
    - ``upper_lower``: mean proportion score of the upper group minus that of the lower group. The groups
      are the top and bottom 27% by total (rounded to the nearest pupil, at least one). Tie rule: a pupil
      tied with the last pupil of a group belongs to the group too, so groups can be larger than 27% but
      never depend on the order of the rows or on student ids.
    - A pupil missing some items (pending) gets a prorated total: mean proportion score over the items
      scored, times the number of items (the plain sum when nothing is missing). Alpha and KR-20 use
      only the pupils scored on every item.
    - ``blank``: share of scored pupils with no answer (no row in ``answers``, None, "", [] or {}),
      for items that appear in ``answers`` or ``keys``; NaN otherwise or when ``answers`` is not given.
    - ``answers`` (student_id, item_id, answer) with ``keys`` (item_id -> {"type", "key", "options"})
      give the distractor table for single and multiple choice items.
    """
    prop = _proportions(scores)
    n_items = prop.shape[1]
    total = (prop.mean(axis=1) * n_items).round(9)  # rounding so equal totals tie exactly
    upper, lower = _groups(total)
    lookup = _answer_lookup(answers) if answers is not None else None
    keys = keys or {}

    rows: dict[str, dict[str, Any]] = {}
    tables: list[pd.DataFrame] = []
    for item in prop.columns:
        column = prop[item].dropna()
        students = column.index
        row: dict[str, Any] = {
            "n": len(column),
            "p": float(column.mean()),
            "discrimination": _corrected_r(prop, item),
            "upper_lower": _mean(column, upper) - _mean(column, lower),
            "blank": np.nan,
        }
        spec = keys.get(item)
        if lookup is not None and (item in lookup.items or spec is not None):
            row["blank"] = float(np.mean([_is_blank(lookup.get(s, item)) for s in students]))
        table = None
        if lookup is not None and isinstance(spec, dict) and spec.get("type") in DISTRACTOR_TYPES:
            table = _distractor_table(item, spec, students, lookup, upper, lower)
            tables.append(table)
        row["flags"] = _flags(row, table)
        rows[item] = row

    items = pd.DataFrame.from_dict(rows, orient="index", columns=ITEM_COLUMNS)
    items.index.name = "item_id"
    items["n"] = items["n"].astype(int)
    for name in ("p", "discrimination", "upper_lower", "blank"):
        items[name] = items[name].astype(float)
    distractors = (pd.concat(tables, ignore_index=True) if tables
                   else pd.DataFrame(columns=DISTRACTOR_COLUMNS))
    alpha, kr20 = _reliability(prop)
    return ItemReport(items=items, distractors=distractors, reliability=alpha, kr20=kr20,
                      n_students=prop.shape[0], n_items=n_items)


def flag_summary(report: ItemReport) -> list[str]:
    """One plain Vietnamese sentence per flagged item, for the teacher, in the order of the items."""
    out = []
    for item, row in report.items.iterrows():
        if row["flags"]:
            parts = [_advice(flag, row) for flag in row["flags"]]
            out.append(f"Câu {item}: {'; '.join(parts)}.")
    return out


def _advice(flag: str, row: pd.Series) -> str:
    p, r = vn_number(row["p"]), vn_number(row["discrimination"])
    if flag == FLAG_HARD:
        return f"quá khó (p = {p}): xem lại đáp án hoặc nội dung đã dạy chưa"
    if flag == FLAG_EASY:
        return f"quá dễ (p = {p}): gần như cả lớp làm đúng, câu này ít giúp phân biệt trình độ"
    if flag == FLAG_WEAK:
        return f"phân biệt kém (r = {r}): học sinh giỏi và học sinh yếu làm đúng gần như nhau, xem lại cách hỏi"
    if flag == FLAG_NEGATIVE:
        return f"phân biệt âm (r = {r}): học sinh giỏi làm sai nhiều hơn, kiểm tra lại đáp án"
    if flag.startswith(FLAG_UNCHOSEN):
        options = flag.removeprefix(FLAG_UNCHOSEN)
        return f"không học sinh nào chọn phương án nhiễu {options}: nên thay bằng phương án hợp lý hơn"
    if flag.startswith(FLAG_ATTRACTS):
        options = flag.removeprefix(FLAG_ATTRACTS)
        return (f"học sinh giỏi chọn phương án nhiễu {options} nhiều hơn đáp án: "
                "kiểm tra xem phương án đó có thể cũng đúng không")
    return flag


def _proportions(scores: pd.DataFrame) -> pd.DataFrame:
    """Pupil x item matrix of proportion scores; NaN where the pupil has no scored row for the item."""
    missing = {"student_id", "item_id", "score", "max_score"} - set(scores.columns)
    if missing:
        raise ValueError(f"bảng điểm thiếu cột: {', '.join(sorted(missing))}")
    df = scores
    if "pending" in df.columns:
        df = df[~df["pending"].eq(True)]  # None/NaN pending means scored
    df = df.assign(score=df["score"].astype(float).fillna(0.0), max_score=df["max_score"].astype(float))
    bad = df[~(df["max_score"] > 0)]
    if len(bad):
        raise ValueError(f"điểm tối đa phải lớn hơn 0 (câu {bad['item_id'].iloc[0]})")
    order = list(pd.unique(df["item_id"]))
    sums = df.groupby(["student_id", "item_id"], sort=False)[["score", "max_score"]].sum()
    prop = (sums["score"] / sums["max_score"]).unstack("item_id")
    return prop.reindex(columns=order)


def _groups(total: pd.Series) -> tuple[pd.Index, pd.Index]:
    """(upper, lower) groups by total; pupils tied at a group's edge all join it."""
    if total.empty:
        return total.index, total.index
    size = max(1, math.floor(GROUP_SHARE * len(total) + 0.5))
    upper = total.index[total.rank(ascending=False, method="min") <= size]
    lower = total.index[total.rank(ascending=True, method="min") <= size]
    return upper, lower


def _mean(column: pd.Series, group: pd.Index) -> float:
    values = column[column.index.intersection(group)]
    return float(values.mean()) if len(values) else np.nan


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 2:
        return np.nan
    dx, dy = x - x.mean(), y - y.mean()
    sxx, syy = float(dx @ dx), float(dy @ dy)
    if sxx < _EPS or syy < _EPS:
        return np.nan
    return float(dx @ dy / math.sqrt(sxx * syy))


def _corrected_r(prop: pd.DataFrame, item: str) -> float:
    """Correlation of ``item`` with the (prorated) total over the other items, over pupils scored on both."""
    others = prop.drop(columns=item)
    if others.shape[1] == 0:
        return np.nan
    rest = others.mean(axis=1) * others.shape[1]
    pair = pd.concat([prop[item], rest], axis=1).dropna()
    return _pearson(pair.iloc[:, 0].to_numpy(float), pair.iloc[:, 1].to_numpy(float))


def _reliability(prop: pd.DataFrame) -> tuple[float, float]:
    """(Cronbach's alpha, KR-20) over the pupils scored on every item."""
    complete = prop.dropna()
    k = complete.shape[1]
    if k < 2 or len(complete) < 2:
        return np.nan, np.nan
    total_var = float(complete.sum(axis=1).var(ddof=1))
    if total_var < _EPS:
        return np.nan, np.nan
    alpha = k / (k - 1) * (1 - float(complete.var(ddof=1).sum()) / total_var)
    values = prop.to_numpy(float)
    values = values[~np.isnan(values)]
    if not np.all(np.isclose(values, 0) | np.isclose(values, 1)):
        return alpha, np.nan  # partial credit: KR-20 is only defined for right/wrong items
    p = complete.mean()
    kr20 = k / (k - 1) * (1 - float((p * (1 - p)).sum()) / float(complete.sum(axis=1).var(ddof=0)))
    return alpha, kr20


class _Answers:
    """Raw answers by (pupil, item); a missing row is a blank (the answer file drops cleared answers)."""

    def __init__(self, answers: pd.DataFrame):
        self.by_pair = {(s, i): a for s, i, a in zip(answers["student_id"], answers["item_id"], answers["answer"],
                                                     strict=True)}
        self.items = {i for _, i in self.by_pair}

    def get(self, student: Any, item: Any) -> Any:
        return self.by_pair.get((student, item))


def _answer_lookup(answers: pd.DataFrame) -> _Answers:
    missing = {"student_id", "item_id", "answer"} - set(answers.columns)
    if missing:
        raise ValueError(f"bảng câu trả lời thiếu cột: {', '.join(sorted(missing))}")
    return _Answers(answers)


def _is_blank(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, dict):
        return all(_is_blank(v) for v in value.values())  # a true/false item with no statement answered
    if isinstance(value, list | tuple | set):
        return all(_is_blank(v) for v in value)
    return False


def _chosen(value: Any) -> set:
    """The options a response picks: one for single choice, the ticked ones for multiple choice."""
    if _is_blank(value):
        return set()
    if isinstance(value, list | tuple | set):
        return {v for v in value if not _is_blank(v)}
    return {value} if isinstance(value, str) else set()


def _distractor_table(item: str, spec: dict[str, Any], students: pd.Index, lookup: _Answers,
                      upper: pd.Index, lower: pd.Index) -> pd.DataFrame:
    """Share of pupils picking each option (blanks count in the denominator), overall and per group."""
    key = spec.get("key")
    keyset = set(key) if isinstance(key, list | tuple | set) else {key}
    options = list(spec.get("options") or [])
    picks = pd.Series({s: _chosen(lookup.get(s, item)) for s in students}, dtype=object)
    # Options outside the key spec (a renamed or mistyped option id) are listed after the known ones.
    extra = sorted({o for chosen in picks for o in chosen} - set(options), key=str)
    rows = []
    for option in options + extra:
        ticked = picks.map(lambda chosen, o=option: o in chosen).astype(float)
        rows.append({"item_id": item, "option": option, "is_key": option in keyset,
                     "share": float(ticked.mean()) if len(ticked) else np.nan,
                     "upper_share": _mean(ticked, upper), "lower_share": _mean(ticked, lower)})
    return pd.DataFrame(rows, columns=DISTRACTOR_COLUMNS)


def _flags(row: dict[str, Any], table: pd.DataFrame | None) -> list[str]:
    flags = []
    if row["p"] < HARD_P:
        flags.append(FLAG_HARD)
    elif row["p"] > EASY_P:
        flags.append(FLAG_EASY)
    judged = row["n"] >= MIN_STUDENTS_FOR_DISCRIMINATION
    r = row["discrimination"]
    if judged and not math.isnan(r):
        if r < 0:
            flags.append(FLAG_NEGATIVE)
        elif r < LOW_R:
            flags.append(FLAG_WEAK)
    if table is not None and len(table):
        wrong = table[~table["is_key"]]
        unchosen = [str(o) for o in wrong.loc[wrong["share"] == 0, "option"]]
        if unchosen:
            flags.append(FLAG_UNCHOSEN + ", ".join(unchosen))
        # A distractor more of the upper group picks than some key option: maybe it is right too.
        key_upper = table.loc[table["is_key"], "upper_share"].dropna()
        if judged and len(key_upper):
            attracts = [str(o) for o in wrong.loc[wrong["upper_share"] > key_upper.min(), "option"]]
            if attracts:
                flags.append(FLAG_ATTRACTS + ", ".join(attracts))
    return flags
