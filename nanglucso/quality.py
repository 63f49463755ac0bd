"""Quality gates of the item bank (assessments/rules.yaml): errors that block, warnings that flag."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ContentError, Problem
from .text import nfc
from .yamlio import load_yaml, problems_from_validation


class Range(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min: int
    max: int


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    prompt_max_chars: dict[str, int]
    choice_options: Range = Range(min=3, max=5)
    near_duplicate_ratio: Annotated[float, Field(gt=0, le=1)] = 0.85
    target_per_cell: Annotated[int, Field(ge=1)] = 6


def load_rules(path: Path) -> Rules:
    doc = load_yaml(path)
    try:
        return Rules.model_validate(doc.data or {})
    except ValidationError as exc:
        raise ContentError(problems_from_validation(doc, exc)) from None


def stem(text: str) -> str:
    """A stem's comparison form: NFC, lower case, punctuation and extra spaces dropped."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", nfc(text).casefold())).strip()


Origin = dict[str, tuple[Path, int | None]]


def check(items: list[Any], origin: Origin, rules: Rules) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) for the whole bank."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    seen: dict[str, str] = {}
    by_comp: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        path, line = origin[item.id]
        limit = rules.prompt_max_chars.get(item.level)
        if limit and len(item.prompt.vi) > limit:
            errors.append(Problem(path, line, f"câu {item.id}: đề dài {len(item.prompt.vi)} ký tự, quá mức "
                                              f"{limit} của bậc {item.level}; viết ngắn lại"))
        if item.type in ("single_choice", "multiple_choice"):
            n = len(item.options)
            if not rules.choice_options.min <= n <= rules.choice_options.max:
                errors.append(Problem(path, line, f"câu {item.id}: có {n} lựa chọn; câu chọn đáp án cần từ "
                                                  f"{rules.choice_options.min} đến {rules.choice_options.max}"))
        key = stem(item.prompt.vi)
        if key in seen:
            first = origin[seen[key]]
            where = f"{first[0].name}:{first[1]}"
            errors.append(Problem(path, line, f"câu {item.id}: đề trùng với câu {seen[key]} ({where})"))
        else:
            seen[key] = item.id
        by_comp[item.competency].append(item)
    for group in by_comp.values():
        stems = [(i, stem(i.prompt.vi)) for i in sorted(group, key=lambda i: i.id)]
        for n, (a, sa) in enumerate(stems):
            for b, sb in stems[n + 1:]:
                if sa == sb:
                    continue
                matcher = difflib.SequenceMatcher(None, sa, sb, autojunk=False)
                if matcher.real_quick_ratio() >= rules.near_duplicate_ratio and \
                        matcher.quick_ratio() >= rules.near_duplicate_ratio and \
                        matcher.ratio() >= rules.near_duplicate_ratio:
                    path, line = origin[b.id]
                    warnings.append(Problem(path, line, f"câu {b.id}: đề gần trùng với câu {a.id} "
                                                        f"({matcher.ratio():.0%} giống nhau); xem lại"))
    return errors, warnings
