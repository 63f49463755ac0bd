"""Blueprints: which competencies at which levels, how many items, how long; and the seeded draw."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .bank import Bank
from .errors import ContentError, Problem
from .framework import Framework, load_framework
from .items import Text
from .tasks import BANDS, TaskBank, load_tasks
from .yamlio import load_yaml, problems_from_validation


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    competencies: Literal["all"] | list[Annotated[str, Field(pattern=r"^\d\.\d$")]] = "all"
    domains: list[str] | None = None
    level: str = "expected"
    count: Annotated[int, Field(ge=1)] = 1


class TaskSection(BaseModel):
    """Practical tasks to draw: ``band`` is the grade's band ("expected"), one below or above, or CB/TC/NC."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    competencies: Literal["all"] | list[Annotated[str, Field(pattern=r"^\d\.\d$")]] = "all"
    domains: list[str] | None = None
    band: Literal["expected", "below", "above", "CB", "TC", "NC"] = "expected"
    count: Annotated[int, Field(ge=1)] = 1


class Blueprint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    title: Text
    grade: Annotated[int, Field(ge=1, le=12)]
    form: Literal["baseline", "end_of_year", "practical", "practice"]
    mode: Literal["exam", "practice"] = "exam"
    time_limit_minutes: Annotated[int, Field(gt=0)]
    seed: int = 0
    notebook: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")] = "bai_danh_gia"
    sections: list[Section] = []
    tasks: list[TaskSection] = []


@dataclass
class Selection:
    """The items a blueprint drew, in notebook order, and the cells it skipped (no framework statement)."""

    blueprint: Blueprint
    items: list[Any]
    skipped: list[str]
    tasks: list[Any] = field(default_factory=list)


def load_blueprint(path: Path) -> Blueprint:
    doc = load_yaml(path)
    try:
        return Blueprint.model_validate(doc.data)
    except ValidationError as exc:
        raise ContentError(problems_from_validation(doc, exc)) from None


def _level_of(section: Section, grade: int, fw: Framework) -> str:
    expected = fw.rank(fw.expected_level(grade))
    offsets = {"expected": 0, "below": -1, "above": +1}
    if section.level in offsets:
        level = fw.level_at(expected + offsets[section.level])
        if level is None:
            raise KeyError(section.level)
        return level.code
    return fw.level(section.level).code


def _codes(section: Section | TaskSection, fw: Framework) -> list[str]:
    """The competency codes a section names, narrowed to its domains."""
    codes = [c.code for c in fw.competencies] if section.competencies == "all" else list(section.competencies)
    return [c for c in codes if fw.domain_of(c) in section.domains] if section.domains else codes


def _draw(chosen: dict[str, Any], pool: list[Any], count: int, seed: str) -> bool:
    """Add ``count`` of ``pool`` to ``chosen``, drawn with ``seed`` (reproducible); False if the pool is short."""
    if len(pool) < count:
        return False
    for entry in random.Random(seed).sample(pool, count):
        chosen[entry.id] = entry
    return True


def _band_of(section: TaskSection, grade: int, fw: Framework) -> str | None:
    if section.band in BANDS:
        return section.band
    order = list(BANDS)
    expected = fw.expected_level(grade)[:2]
    at = order.index(expected) + {"expected": 0, "below": -1, "above": +1}[section.band]
    return order[at] if 0 <= at < len(order) else None


def _select_tasks(bp: Blueprint, tasks: TaskBank, fw: Framework, where: Path,
                  exclude: frozenset[str]) -> tuple[list[Any], list[Problem]]:
    chosen: dict[str, Any] = {}
    problems: list[Problem] = []
    for n, section in enumerate(bp.tasks, start=1):
        codes = _codes(section, fw)
        band = _band_of(section, bp.grade, fw)
        if band is None:
            problems.append(Problem(where, None, f"bài thực hành, phần {n}: lớp {bp.grade} không có trình độ "
                                                 f"'{section.band}'"))
            continue
        # A task is written for a span of grades: reading load and context must fit the class.
        pool = [t for c in codes for t in tasks.select(c, band)
                if t.id not in chosen and t.id not in exclude and t.grades[0] <= bp.grade <= t.grades[1]]
        if not _draw(chosen, pool, section.count, f"{bp.seed}/{bp.id}/tasks/{n}"):
            problems.append(Problem(where, None, f"bài thực hành, phần {n}: cần {section.count} bài trình độ "
                                                 f"{band} cho lớp {bp.grade}, kho chỉ còn {len(pool)}"))
    return sorted(chosen.values(), key=lambda t: (t.competency, t.id)), problems


def select_items(bp: Blueprint, bank: Bank, fw: Framework | None = None, path: Path | None = None,
                 exclude: frozenset[str] = frozenset(), tasks: TaskBank | None = None) -> Selection:
    """Draw the blueprint's items (and practical tasks) from the bank: reproducible for the same seed,
    bank and exclusions."""
    fw = fw or load_framework()
    where = path or Path(f"{bp.id}.yaml")
    chosen: dict[str, Any] = {}
    skipped: list[str] = []
    problems: list[Problem] = []
    all_codes = [c.code for c in fw.competencies]
    for n, section in enumerate(bp.sections, start=1):
        codes = _codes(section, fw)
        try:
            level = _level_of(section, bp.grade, fw)
        except KeyError:
            problems.append(Problem(where, None, f"phần {n}: không có bậc '{section.level}' cho lớp {bp.grade}"
                                                 " (lớp 1–3 đã ở bậc thấp nhất, không có bậc dưới)"))
            continue
        for code in codes:
            if code not in all_codes:
                problems.append(Problem(where, None, f"phần {n}: năng lực '{code}' không có trong khung"))
                continue
            if not fw.has_statement(code, level):
                skipped.append(f"{code}/{level}")
                continue
            pool = [i for i in bank.select(code, level) if i.id not in chosen and i.id not in exclude]
            if not _draw(chosen, pool, section.count, f"{bp.seed}/{bp.id}/{code}/{level}"):
                problems.append(Problem(where, None, f"phần {n}: cần {section.count} câu {code} bậc {level}, "
                                                     f"ngân hàng chỉ còn {len(pool)}; thêm câu hoặc giảm 'count'"))
    chosen_tasks: list[Any] = []
    if bp.tasks:
        chosen_tasks, task_problems = _select_tasks(bp, tasks or load_tasks(), fw, where, exclude)
        problems += task_problems
    if problems:
        raise ContentError(problems)
    ordered = sorted(chosen.values(), key=lambda i: (i.competency, fw.rank(i.level), i.id))
    return Selection(bp, ordered, skipped, chosen_tasks)


def _siblings(bp: Blueprint, path: Path, forms: tuple[str, ...]) -> list[tuple[Blueprint, Path]]:
    out = []
    for other in sorted(path.parent.glob("*.y*ml")):
        if other.resolve() == path.resolve():
            continue
        try:
            candidate = load_blueprint(other)
        except ContentError:
            continue
        if candidate.grade == bp.grade and candidate.form in forms:
            out.append((candidate, other))
    return out


def select_for(path: Path, bank: Bank, fw: Framework | None = None, tasks: TaskBank | None = None) -> Selection:
    """Load a blueprint file and draw its items.

    An end-of-year form never reuses an item of the baseline form of the same grade found beside it, so
    the two sittings can be compared fairly. A practice form, whose feedback shows the answers, never
    uses an item or task of any other form of its grade.
    """
    bp = load_blueprint(path)
    forms = {"end_of_year": ("baseline",), "practice": ("baseline", "end_of_year", "practical")}.get(bp.form, ())
    used: list[str] = []
    for other, other_path in _siblings(bp, path, forms):
        sel = select_for(other_path, bank, fw, tasks) if other.form == "end_of_year" else \
            select_items(other, bank, fw, other_path, tasks=tasks)
        used += [i.id for i in sel.items] + [t.id for t in sel.tasks]
    return select_items(bp, bank, fw, path, frozenset(used), tasks)


def check_blueprints(folder: Path, bank: Bank, fw: Framework | None = None,
                     tasks: TaskBank | None = None) -> list[Problem]:
    """Every blueprint in ``folder`` is valid and satisfiable by ``bank``; returns the problems."""
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.y*ml")):
        try:
            select_for(path, bank, fw, tasks)
        except ContentError as exc:
            problems.extend(exc.problems)
    return problems
