"""From per-item scores to a level per competency and per domain, by the rule in rubrics/levels.yaml."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ContentError
from .framework import Framework, load_framework
from .yamlio import load_yaml, problems_from_validation


class LevelRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mastery_threshold: Annotated[float, Field(gt=0, le=1)] = 0.6
    cumulative: bool = True
    domain_rule: Literal["pooled", "lowest"] = "pooled"


def load_rule(rubrics: Path) -> LevelRule:
    doc = load_yaml(rubrics / "levels.yaml")
    try:
        return LevelRule.model_validate(doc.data or {})
    except ValidationError as exc:
        raise ContentError(problems_from_validation(doc, exc)) from None


def place(scores: list[dict], rule: LevelRule, fw: Framework) -> str | None:
    """The highest level mastered in ``scores`` (rows with level, score, max_score), or None."""
    earned: dict[str, float] = defaultdict(float)
    possible: dict[str, float] = defaultdict(float)
    for row in scores:
        if row.get("pending"):
            continue  # not scored by the teacher yet: neither earned nor possible
        earned[row["level"]] += row["score"] or 0.0
        possible[row["level"]] += row["max_score"]
    reached = None
    for code in sorted(possible, key=fw.rank):
        mastered = possible[code] > 0 and earned[code] / possible[code] >= rule.mastery_threshold - 1e-9
        if mastered:
            reached = code
        elif rule.cumulative:
            break
    return reached


def student_levels(scores: list[dict], grade: int, rule: LevelRule, fw: Framework | None = None) -> list[dict]:
    """Rows (scope, code, level, expected, ready) for every competency and domain the scores touch."""
    fw = fw or load_framework()
    expected = fw.expected_level(grade)
    by_comp: dict[str, list[dict]] = defaultdict(list)
    for row in scores:
        # A competency known only through criteria awaiting the teacher gets no level yet (not "not ready").
        if not row.get("pending"):
            by_comp[row["competency"]].append(row)
    out = []

    def row(scope: str, code: str, level: str | None) -> dict:
        ready = level is not None and fw.rank(level) >= fw.rank(expected)
        return {"scope": scope, "code": code, "level": level, "expected": expected, "ready": ready}

    comp_levels = {code: place(rows, rule, fw) for code, rows in sorted(by_comp.items())}
    out += [row("competency", code, level) for code, level in comp_levels.items()]
    domains = sorted({fw.domain_of(c) for c in by_comp})
    for dom in domains:
        comps = [c for c in comp_levels if fw.domain_of(c) == dom]
        if rule.domain_rule == "pooled":
            level = place([r for c in comps for r in by_comp[c]], rule, fw)
        else:
            ranks = [fw.rank(comp_levels[c]) if comp_levels[c] else 0 for c in comps]
            low = min(ranks)
            level = fw.level_at(low).code if low else None
        out.append(row("domain", dom, level))
    return out
