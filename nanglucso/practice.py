"""Practice mode: one question at a time, and right after each answer, right or wrong and why.

The keys stay in the server-side kernel of the Voila page (Voila runs no code the browser sends); the
browser receives an item's public data, and its feedback only once the pupil has answered it. Practice
forms share no item with the grade's assessments (blueprint.select_for), so what practice reveals cannot
help in a test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .bank import Bank, load_bank
from .blueprint import load_blueprint, select_for
from .errors import KitError
from .paths import shipped
from .scoring import score


@dataclass
class Verdict:
    points: float
    max_points: float
    feedback: str

    @property
    def right(self) -> bool:
        return self.points >= self.max_points - 1e-9


@dataclass
class PracticeSession:
    """One pupil's run through a practice form: answers kept in memory, scored on request."""

    title: str
    grade: int
    items: list[Any]
    images: dict[str, Path] = field(default_factory=dict)
    verdicts: dict[str, Verdict] = field(default_factory=dict)

    def public(self, n: int) -> dict[str, Any]:
        data = self.items[n].public()
        if data.get("image") and data["id"] in self.images:
            data["image"] = str(self.images[data["id"]])
        return data

    def check(self, n: int, answer: Any) -> Verdict:
        item = self.items[n]
        got = score(item.key_spec(), answer)
        verdict = Verdict(got, item.points, item.feedback.vi)
        self.verdicts[item.id] = verdict
        return verdict

    @property
    def total(self) -> tuple[float, float]:
        return (sum(v.points for v in self.verdicts.values()), sum(i.points for i in self.items))


def practice_forms(folder: Path | None = None) -> dict[int, Path]:
    """Practice blueprints by grade."""
    folder = folder or shipped("assessments") / "blueprints"
    out = {}
    for path in sorted(folder.glob("*.y*ml")):
        bp = load_blueprint(path)
        if bp.form == "practice":
            out[bp.grade] = path
    return out


def open_practice(grade: int, bank: Bank | None = None, folder: Path | None = None) -> PracticeSession:
    """The practice form of ``grade``, drawn from the bank (code tasks left out: they need JupyterLab)."""
    forms = practice_forms(folder)
    if grade not in forms:
        raise KitError(f"chưa có bộ luyện tập cho lớp {grade} trong {folder or 'assessments/blueprints'}")
    bank = bank or load_bank()
    sel = select_for(forms[grade], bank)
    items = [i for i in sel.items if i.type != "code"]
    images = {i.id: (bank.origin[i.id][0].parent / i.image).resolve() for i in items if i.image}
    return PracticeSession(sel.blueprint.title.vi, grade, items, images)
