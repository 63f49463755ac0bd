"""Errors the kit shows to people: each names the file, the line or the student, and what to do."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One problem found in a content file or an input."""

    path: Path | str | None
    line: int | None
    message: str

    def __str__(self) -> str:
        where = str(self.path) if self.path else ""
        if self.line:
            where += f":{self.line}"
        return f"{where}: {self.message}" if where else self.message


class KitError(Exception):
    """An error whose message is meant for the teacher, in Vietnamese; the CLI prints it without a traceback."""


class ContentError(KitError):
    """One or more problems in content files (item bank, blueprint, rubric, framework)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
