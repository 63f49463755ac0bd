"""The "Bình dân học vụ số" indicators' definitions and yearly targets (rubrics/chi_tieu.yaml), validated."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ContentError
from .yamlio import load_yaml, problems_from_validation

TARGETS_FILE = "chi_tieu.yaml"
SchoolLevel = Literal["TH", "THCS", "THPT"]
Share = Annotated[float, Field(ge=0, le=1)]


def school_level(grade: int) -> SchoolLevel:
    """Tiểu học for grades 1–5, THCS for 6–9, THPT for 10–12."""
    return "TH" if grade <= 5 else "THCS" if grade <= 9 else "THPT"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Indicator(_Model):
    ten: str
    # Target share per year, per school level; a level left out is "encouraged", counted but not compared.
    chi_tieu: dict[int, dict[SchoolLevel, Share]] = {}

    def target(self, year: int, level: str) -> float | None:
        """This year's target for this school level (the latest earlier year's if the year has none)."""
        years = sorted(y for y in self.chi_tieu if y <= year) or sorted(self.chi_tieu)[:1]
        return self.chi_tieu[years[-1]].get(level) if years else None  # type: ignore[arg-type]


class EquippedIndicator(Indicator):
    mien_bat_buoc: list[Annotated[str, Field(pattern=r"^[1-6]$")]] = ["4"]
    ti_le_mien_toi_thieu: Share = 0.5


class Indicators(_Model):
    trang_bi: EquippedIndicator
    nguoi_than: Indicator
    lop_dai_su: Indicator


class Targets(_Model):
    nguon: str
    chi_so: Indicators


def load_targets(rubrics: Path) -> Targets:
    """Read and check ``rubrics/chi_tieu.yaml``; problems name the file and line."""
    doc = load_yaml(rubrics / TARGETS_FILE)
    try:
        return Targets.model_validate(doc.data or {})
    except ValidationError as exc:
        raise ContentError(problems_from_validation(doc, exc)) from None
