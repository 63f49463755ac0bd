"""The national framework (Thông tư 02/2025) as typed data: domains, competencies, levels, grade map."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import ContentError, Problem
from .yamlio import load_yaml, problems_from_validation

FRAMEWORK_FILE = Path(__file__).parent / "data" / "framework.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Competency(_Model):
    code: str
    name_vi: str
    name_en: str
    scope_vi: str
    domain: str = ""


class Domain(_Model):
    code: str
    name_vi: str
    name_en: str
    competencies: list[Competency]


class Band(_Model):
    code: str
    name_vi: str
    name_en: str


class Level(_Model):
    code: str
    rank: int
    band: str
    name_vi: str
    name_en: str
    autonomy_vi: str = ""
    inferred: bool = False


class LegalRef(_Model):
    ref: str
    issued: object
    effective: object | None = None


class NoStatement(_Model):
    competency: str
    level: str
    note_vi: str


class Framework(_Model):
    """The whole framework; look-ups by code are methods so callers never scan lists."""

    id: str
    name_vi: str
    name_en: str
    legal_basis: list[LegalRef]
    indicator_code_format: str
    domains: list[Domain]
    bands: list[Band]
    levels: list[Level]
    grade_to_level: dict[int, str]
    no_statement: list[NoStatement] = []

    @property
    def competencies(self) -> list[Competency]:
        return [c.model_copy(update={"domain": d.code}) for d in self.domains for c in d.competencies]

    def competency(self, code: str) -> Competency:
        for comp in self.competencies:
            if comp.code == code:
                return comp
        raise KeyError(code)

    def level(self, code: str) -> Level:
        for lvl in self.levels:
            if lvl.code == code:
                return lvl
        raise KeyError(code)

    def rank(self, code: str) -> int:
        return self.level(code).rank

    def level_at(self, rank: int) -> Level | None:
        return next((lvl for lvl in self.levels if lvl.rank == rank), None)

    def expected_level(self, grade: int) -> str:
        """Level code expected at a school grade (Công văn 3456)."""
        try:
            return self.grade_to_level[grade]
        except KeyError:
            raise KeyError(f"khối lớp {grade} không có trong bảng khối → bậc (1–12)") from None

    @property
    def school_levels(self) -> list[str]:
        """Level codes that some school grade expects, in rank order (CB1 … NC1)."""
        used = set(self.grade_to_level.values())
        return [lvl.code for lvl in sorted(self.levels, key=lambda x: x.rank) if lvl.code in used]

    def has_statement(self, competency: str, level: str) -> bool:
        return not any(n.competency == competency and n.level == level for n in self.no_statement)

    def domain_of(self, competency: str) -> str:
        return competency.split(".")[0]


def _check(fw: Framework, path: Path) -> list[Problem]:
    problems = []
    comps = fw.competencies
    if len(fw.domains) != 6 or len(comps) != 24 or len(fw.bands) != 4 or len(fw.levels) != 8:
        problems.append(Problem(path, None, "khung phải có 6 miền, 24 năng lực, 4 trình độ, 8 bậc"))
    codes = [c.code for c in comps]
    if len(set(codes)) != len(codes):
        problems.append(Problem(path, None, "mã năng lực bị trùng"))
    for comp in fw.domains:
        for c in comp.competencies:
            if not c.code.startswith(comp.code + "."):
                problems.append(Problem(path, None, f"năng lực {c.code} không thuộc miền {comp.code}"))
    level_codes = {lvl.code for lvl in fw.levels}
    if sorted(lvl.rank for lvl in fw.levels) != list(range(1, 9)):
        problems.append(Problem(path, None, "bậc phải đánh số 1..8, mỗi số một lần"))
    for lvl in fw.levels:
        if lvl.band not in {b.code for b in fw.bands}:
            problems.append(Problem(path, None, f"bậc {lvl.code} ghi trình độ lạ {lvl.band}"))
    if sorted(fw.grade_to_level) != list(range(1, 13)):
        problems.append(Problem(path, None, "bảng khối → bậc phải có đủ các khối 1..12"))
    for grade, code in fw.grade_to_level.items():
        if code not in level_codes:
            problems.append(Problem(path, None, f"khối {grade} trỏ tới bậc lạ {code}"))
    for ns in fw.no_statement:
        if ns.competency not in codes or ns.level not in level_codes:
            problems.append(Problem(path, None, f"no_statement: {ns.competency}/{ns.level} không có trong khung"))
    return problems


@cache
def load_framework(path: Path = FRAMEWORK_FILE) -> Framework:
    """Load and validate the framework file; raise ContentError naming the problems."""
    doc = load_yaml(path)
    try:
        fw = Framework.model_validate(doc.data)
    except ValidationError as exc:
        raise ContentError(problems_from_validation(doc, exc)) from None
    problems = _check(fw, path)
    if problems:
        raise ContentError(problems)
    return fw
