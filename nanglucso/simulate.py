"""Simulated students for the demo school: fetch, answer through the widgets, submit.

Each student has an ability on the framework's level scale; the chance to answer an item right
follows a Rasch curve on (ability − item level). Answers go through the same widget controls a
pupil uses, so they are saved exactly as a real sitting saves them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat

from .bank import Bank, load_bank
from .build import ITEMS_SUFFIX, grade_id
from .course import Course
from .framework import load_framework
from .student import fetch, submit


def wrong_answer(item: Any, rng: random.Random) -> Any:
    """A plausible wrong (or half-right) answer of the item's type."""
    kind = item.type
    if kind == "single_choice":
        return rng.choice([o.id for o in item.options if o.id != item.key])
    if kind == "multiple_choice":
        ids = [o.id for o in item.options]
        picked = sorted(set(rng.sample(ids, rng.randint(1, len(ids)))))
        return picked if set(picked) != set(item.key) else sorted(set(ids) - set(item.key)) or [ids[0]]
    if kind == "true_false":
        return not item.key
    if kind == "short_text":
        return rng.choice(["không biết", "em chưa rõ", "mạng xã hội"])
    if kind == "numeric":
        return str(item.key + max(1.0, abs(item.key)) * rng.choice([-1, 1])).replace(".", ",")
    if kind == "ordering":
        order = list(item.key)
        while order == list(item.key):
            rng.shuffle(order)
        return order
    if kind == "matching":
        rights = [o.id for o in item.right]
        answer = {left: rng.choice(rights) for left in item.key}
        if answer == dict(item.key):
            first = next(iter(answer))
            answer[first] = next(r for r in rights if r != item.key[first]) if len(rights) > 1 else answer[first]
        return answer
    return None


def right_answer(item: Any) -> Any:
    if item.type == "short_text":
        return item.key
    if item.type == "numeric":
        return f"{item.key:g}".replace(".", ",")
    if item.type == "matching":
        return dict(item.key)
    return item.key


def _write_code(folder: Path, notebook: str, item: Any, correct: bool) -> None:
    path = folder / f"{notebook}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    target = "s_" + grade_id(item.id)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == target:
            cell.source = item.solution if correct else "# em chưa làm được\npass"
    nbformat.write(nb, str(path))


def sit(course: Course, home: Path, assignment: str, student: str, ability: float, bank: Bank,
        rng: random.Random, blank_rate: float = 0.05) -> dict[str, int]:
    """One simulated student: fetch, answer every item through its widget, submit."""
    from .widgets import Assessment

    fw = load_framework()
    folder = fetch(course, home, assignment, student)
    notebook = next(folder.glob(f"*{ITEMS_SUFFIX}")).name[: -len(ITEMS_SUFFIX)]
    sitting = Assessment(notebook, folder, student)
    counts = {"right": 0, "wrong": 0, "blank": 0}
    for item_id, public in sitting.items.items():
        item = bank.get(item_id)
        if rng.random() < blank_rate:
            counts["blank"] += 1
            continue
        p = 1 / (1 + math.exp(-(ability - fw.rank(item.level)) * 1.7))
        correct = rng.random() < p
        counts["right" if correct else "wrong"] += 1
        if public["type"] == "code":
            _write_code(folder, notebook, item, correct)
        else:
            sitting.widget(item_id).answer_with(right_answer(item) if correct else wrong_answer(item, rng))
    submit(course, home, assignment, student)
    return counts


def simulate(course: Course, assignment: str, students: list[dict], homes: Path, seed: int = 2026,
             progress: Callable[[int, int, str], None] | None = None) -> dict[str, int]:
    """Every roster student sits the assignment; abilities centre on the grade's expected level."""
    fw = load_framework()
    bank = load_bank(course.bank_root())
    rng = random.Random(seed)
    totals = {"right": 0, "wrong": 0, "blank": 0}
    for n, row in enumerate(students, start=1):
        if progress:
            progress(n, len(students), row["student_id"])
        ability = fw.rank(fw.expected_level(row["grade"])) + rng.gauss(0.2, 0.9)
        counts = sit(course, homes / row["student_id"], assignment, row["student_id"], ability, bank, rng)
        for key, value in counts.items():
            totals[key] += value
    return totals
