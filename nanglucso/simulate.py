"""Simulated students for the demo school: fetch, answer through the widgets, submit.

Each student has an ability on the framework's level scale; the chance to answer an item right
follows a Rasch curve on (ability − item level). Answers go through the same widget controls a
pupil uses, so they are saved exactly as a real sitting saves them.
"""

from __future__ import annotations

import json
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
from .tasks import CheckStep, CodeStep, FilesStep, Task, TaskBank


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
    _write_solution_cell(folder, notebook, {"s_" + grade_id(item.id): item.solution if correct
                                            else "# em chưa làm được\npass"})


def _write_solution_cell(folder: Path, notebook: str, cells: dict[str, str]) -> None:
    """Type code into solution cells (by grade id) and save the notebook, as a student does."""
    if not cells:
        return
    path = folder / f"{notebook}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in cells:
            cell.source = cells[gid]
    nbformat.write(nb, str(path))


def work_on_tasks(folder: Path, notebook: str, sitting: Any, tasks: list[Task],
                  decide: Callable[[str], bool | None], rng: random.Random) -> dict[str, int]:
    """Do the practical tasks: ``decide(level)`` says right (True), wrong (False) or left blank (None).

    Files are moved on disk, code typed into the solution cells, questions answered and written
    answers typed through the widgets: the same paths a pupil's work takes.
    """
    from .widgets.files import apply_moves

    counts = {"right": 0, "wrong": 0, "blank": 0}
    code: dict[str, str] = {}
    for task in tasks:
        steps = {getattr(s, "id", None): s for s in task.steps}
        checks = [s for s in task.steps if isinstance(s, CheckStep)]
        top = max((s.level for s in checks), key=load_framework().rank, default=None)
        work_ok = decide(top) if top else None
        for step in steps.values():
            if isinstance(step, FilesStep) and work_ok:
                apply_moves(folder / task.id, step.solution)
            if isinstance(step, CodeStep) and work_ok is not None:
                body = step.solution if work_ok else "# em chưa làm được\npass"
                code["s_" + grade_id(f"{task.id}.{step.id}")] = (step.starter.rstrip() + "\n" + body).strip()
        for crit in task.criteria():
            verdict = work_ok if crit.kind == "check" else decide(crit.level)
            counts["blank" if verdict is None else "right" if verdict else "wrong"] += 1
            if verdict is None or crit.kind == "check":
                continue
            if crit.kind == "written":
                text = crit.step.example if verdict else "Em không biết."
                sitting.widget(crit.id).answer_with(text)
            else:
                sitting.widget(crit.id).answer_with(right_answer(crit.item) if verdict
                                                    else wrong_answer(crit.item, rng))
    _write_solution_cell(folder, notebook, code)
    return counts


def sit(course: Course, home: Path, assignment: str, student: str, ability: float, bank: Bank,
        rng: random.Random, blank_rate: float = 0.05, tasks: TaskBank | None = None) -> dict[str, int]:
    """One simulated student: fetch, answer every item through its widget, submit."""
    from .widgets import Assessment

    fw = load_framework()
    folder = fetch(course, home, assignment, student)
    notebook = next(folder.glob(f"*{ITEMS_SUFFIX}")).name[: -len(ITEMS_SUFFIX)]
    sitting = Assessment(notebook, folder, student)
    counts = {"right": 0, "wrong": 0, "blank": 0}

    def decide(level: str) -> bool | None:
        if rng.random() < blank_rate:
            return None
        return rng.random() < 1 / (1 + math.exp(-(ability - fw.rank(level)) * 1.7))

    task_ids = [t["id"] for t in json.loads((folder / f"{notebook}{ITEMS_SUFFIX}").read_text("utf-8")).get("tasks", [])]
    for item_id, public in sitting.items.items():
        if public.get("task"):
            continue
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
    if task_ids:
        tasks = tasks or course.task_bank()
        done = work_on_tasks(folder, notebook, sitting, [tasks.tasks[t] for t in task_ids], decide, rng)
        for key, value in done.items():
            counts[key] += value
    submit(course, home, assignment, student)
    return counts


def simulate(course: Course, assignment: str, students: list[dict], homes: Path, seed: int = 2026,
             progress: Callable[[int, int, str], None] | None = None, growth: float = 0.0) -> dict[str, int]:
    """Every roster student sits the assignment; abilities centre on the grade's expected level.

    A student's ability depends on the seed and their id only, so two sittings (baseline, then end of year
    with ``growth`` levels gained) are the same child learning, not a new draw."""
    fw = load_framework()
    bank = load_bank(course.bank_root())
    rng = random.Random(f"{seed}/{assignment}")
    totals = {"right": 0, "wrong": 0, "blank": 0}
    for n, row in enumerate(students, start=1):
        if progress:
            progress(n, len(students), row["student_id"])
        base = random.Random(f"{seed}/{row['student_id']}").gauss(0.2, 0.9)
        ability = fw.rank(fw.expected_level(row["grade"])) + base + growth
        counts = sit(course, homes / row["student_id"], assignment, row["student_id"], ability, bank, rng)
        for key, value in counts.items():
            totals[key] += value
    return totals
