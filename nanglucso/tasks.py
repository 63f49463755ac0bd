"""Practical tasks: a situation with real artefacts, steps a student works through, criteria scored one by one.

A task (``assessments/tasks/<domain>/<task id>/task.yaml``) is scored ICILS-style: every criterion is
its own scored item with the task's competency and a level of the task's band, so the criteria feed
the levels exactly as quiz items do. A criterion is scored

- by a widget question (``item`` step: any quiz item type, with its key),
- by hidden tests that inspect the student's work (``check`` step: files the student arranged,
  variables the student's code made), or
- by the teacher in nbgrader's formgrader (``written`` step), with the rubric of
  ``rubrics/tasks/<task id>.yaml``.

``files`` and ``code`` steps are the work itself and score nothing on their own.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError, ValidationInfo, field_validator, model_validator

from .errors import ContentError, Problem
from .framework import Framework, load_framework
from .items import INDICATOR, Item, Text, _Model
from .paths import shipped
from .quality import check, load_rules
from .yamlio import load_yaml, problems_from_validation

BANDS = {"CB": ("CB1", "CB2"), "TC": ("TC1", "TC2"), "NC": ("NC1", "NC2")}
STEP_ID = r"^[a-z0-9][a-z0-9_-]{0,15}$"
TASK_ID = r"^t[0-9]\.[0-9]-(cb|tc|nc)-[a-z0-9-]{2,40}$"
Level = Literal["CB1", "CB2", "TC1", "TC2", "NC1", "NC2"]
Indicators = list[Annotated[str, Field(pattern=INDICATOR)]]


class InfoStep(_Model):
    """Text, pictures or an artefact (an SMS, a web page, a table) shown to the student."""

    kind: Literal["info"]
    text: Text


class ItemStep(_Model):
    """A widget question scored automatically: one criterion."""

    kind: Literal["item"]
    item: Item


class FilesStep(_Model):
    """The student arranges the task's real files (folders, names) with the file widget or the file browser."""

    kind: Literal["files"]
    id: Annotated[str, Field(pattern=STEP_ID)]
    prompt: Text
    # What a right answer does: {current path: new path}, inside the work folder (key test, simulation).
    solution: dict[str, str]

    @field_validator("solution")
    @classmethod
    def _inside(cls, moves: dict[str, str]) -> dict[str, str]:
        # Paths stay inside the work folder: plain names joined by '/', no '..', no absolute path.
        for path in [*moves, *moves.values()]:
            parts = path.split("/")
            if path.startswith("/") or "\\" in path or any(p in ("", ".", "..") for p in parts):
                raise ValueError(f"đường dẫn '{path}' phải nằm trong thư mục làm bài (tên/tên, không có '..')")
        return moves


class CodeStep(_Model):
    """The student writes code in an nbgrader solution cell; ``check`` steps score what it made."""

    kind: Literal["code"]
    id: Annotated[str, Field(pattern=STEP_ID)]
    prompt: Text
    starter: str = ""
    solution: str


class CheckStep(_Model):
    """An automatic criterion: hidden tests over the student's work (files in TASK, the kernel's variables).

    The tests pass (full points) or fail (0); a number as the last expression gives partial credit.
    """

    kind: Literal["check"]
    id: Annotated[str, Field(pattern=STEP_ID)]
    criterion: Text
    level: Level
    points: Annotated[float, Field(gt=0)] = 1.0
    indicators: Indicators = []
    tests: str


class WrittenStep(_Model):
    """A criterion the teacher scores by hand on the student's written answer, with a rubric."""

    kind: Literal["written"]
    id: Annotated[str, Field(pattern=STEP_ID)]
    prompt: Text
    criterion: Text
    level: Level
    points: Annotated[float, Field(gt=0)] = 2.0
    indicators: Indicators = []
    max_length: int = 1500
    # A model answer: for the teacher (kept out of released notebooks) and for simulated students.
    example: str


Step = Annotated[InfoStep | ItemStep | FilesStep | CodeStep | CheckStep | WrittenStep, Field(discriminator="kind")]


class Task(_Model):
    id: Annotated[str, Field(pattern=TASK_ID)]
    competency: Annotated[str, Field(pattern=r"^\d\.\d$")]
    band: Literal["CB", "TC", "NC"]
    title: Text
    minutes: Annotated[int, Field(ge=2, le=45)]
    grades: tuple[Annotated[int, Field(ge=1, le=12)], Annotated[int, Field(ge=1, le=12)]]
    context: Text
    steps: list[Step]
    tags: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def _inherit(cls, data: Any) -> Any:
        # Items inside a task take the task's competency: one less thing an author can get wrong.
        if isinstance(data, dict) and isinstance(data.get("steps"), list):
            for step in data["steps"]:
                if isinstance(step, dict) and isinstance(step.get("item"), dict):
                    step["item"].setdefault("competency", data.get("competency"))
        return data

    @field_validator("steps")
    @classmethod
    def _steps(cls, steps: list[Any], info: ValidationInfo) -> list[Any]:
        ids = [_step_id(s) for s in steps if _step_id(s)]
        dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
        if dupes:
            raise ValueError(f"mã bước bị trùng: {', '.join(dupes)}")
        if not any(isinstance(s, ItemStep | CheckStep | WrittenStep) for s in steps):
            raise ValueError("bài thực hành phải có ít nhất một tiêu chí chấm (item, check hoặc written)")
        band = info.data.get("band")
        competency = info.data.get("competency")
        for s in steps:
            level = s.item.level if isinstance(s, ItemStep) else getattr(s, "level", None)
            if band and level and level not in BANDS[band]:
                raise ValueError(f"bước '{_step_id(s)}': bậc {level} không thuộc trình độ {band} "
                                 f"({', '.join(BANDS[band])})")
            for code in getattr(s, "indicators", []):
                if competency and not code.startswith(competency + "."):
                    raise ValueError(f"bước '{_step_id(s)}': chỉ báo {code} không thuộc năng lực {competency}")
            if isinstance(s, ItemStep) and s.item.type == "code":
                raise ValueError(f"bước '{s.item.id}': câu lập trình trong bài thực hành là bước 'code' + 'check'")
        return steps

    @field_validator("grades")
    @classmethod
    def _grades(cls, grades: tuple[int, int]) -> tuple[int, int]:
        if grades[0] > grades[1]:
            raise ValueError("khối lớp phải ghi [từ, đến] với từ ≤ đến")
        return grades

    def criteria(self) -> list[Criterion]:
        """The scored parts, in order, each a self-contained item with a bank-wide id."""
        out = []
        for s in self.steps:
            if isinstance(s, ItemStep):
                item = s.item.model_copy(update={"id": f"{self.id}.{s.item.id}"})
                out.append(Criterion(item.id, self, s.item.id, item.type, item.level, item.points,
                                     item.prompt.vi, item))
            elif isinstance(s, CheckStep | WrittenStep):
                out.append(Criterion(f"{self.id}.{s.id}", self, s.id, s.kind, s.level, s.points,
                                     s.criterion.vi, None, s))
        return out

    @property
    def has_code(self) -> bool:
        return any(isinstance(s, CodeStep) for s in self.steps)

    @property
    def files_step(self) -> FilesStep | None:
        return next((s for s in self.steps if isinstance(s, FilesStep)), None)


def _step_id(step: Any) -> str | None:
    return step.item.id if isinstance(step, ItemStep) else getattr(step, "id", None)


@dataclass(frozen=True)
class Criterion:
    """One scored criterion of a task: id ``<task>.<step>``, kind is an item type, 'check' or 'written'."""

    id: str
    task: Task
    step_id: str
    kind: str
    level: str
    points: float
    text: str
    item: Any = None
    step: Any = None

    @property
    def competency(self) -> str:
        return self.task.competency


class RubricLevel(_Model):
    points: Annotated[float, Field(ge=0)]
    descriptor: Text


class Rubric(_Model):
    """``rubrics/tasks/<task id>.yaml``: for each written criterion, the score levels and their descriptors."""

    task: str
    criteria: dict[str, list[RubricLevel]]

    @field_validator("criteria")
    @classmethod
    def _levels(cls, criteria: dict[str, list[RubricLevel]]) -> dict[str, list[RubricLevel]]:
        for cid, levels in criteria.items():
            points = [lv.points for lv in levels]
            if len(levels) < 2 or points != sorted(set(points)) or points[0] != 0:
                raise ValueError(f"tiêu chí '{cid}': các mức phải bắt đầu từ 0 điểm, tăng dần, không trùng, "
                                 "ít nhất hai mức")
        return criteria


@dataclass
class TaskBank:
    tasks: dict[str, Task] = field(default_factory=dict)
    folder: dict[str, Path] = field(default_factory=dict)
    rubrics: dict[str, Rubric] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.tasks)

    def select(self, competency: str, band: str) -> list[Task]:
        return sorted((t for t in self.tasks.values() if t.competency == competency and t.band == band),
                      key=lambda t: t.id)

    def criteria(self) -> dict[str, Criterion]:
        return {c.id: c for t in self.tasks.values() for c in t.criteria()}

    def work_folder(self, task_id: str) -> Path | None:
        """The task's artefacts (``files/``), copied into the assignment as the student's work folder."""
        files = self.folder[task_id] / "files"
        return files if files.is_dir() else None

    def media(self, task_id: str) -> list[Path]:
        """Pictures the task shows (beside task.yaml), copied into ``images/<task id>/``."""
        return sorted(p for p in self.folder[task_id].iterdir() if p.is_file() and p.name != "task.yaml")


_TASK = TypeAdapter(Task)
_RUBRIC = TypeAdapter(Rubric)
_LINK = re.compile(r"(!\[[^\]]*\]\()([^)\s]+)(\))|(<img [^>]*src=\")([^\"]+)(\")")


def media_links(text: str) -> list[str]:
    """Relative picture links in a Markdown/HTML text."""
    return [m.group(2) or m.group(5) for m in _LINK.finditer(text)
            if not (m.group(2) or m.group(5)).startswith(("http:", "https:", "data:", "/"))]


def rewrite_media(text: str, task_id: str) -> str:
    """Point a task's relative picture links at where the build copies them."""
    def sub(m: re.Match) -> str:
        if m.group(1):
            pre, link, post = m.group(1), m.group(2), m.group(3)
        else:
            pre, link, post = m.group(4), m.group(5), m.group(6)
        if link.startswith(("http:", "https:", "data:", "/")):
            return m.group(0)
        return f"{pre}images/{task_id}/{link}{post}"

    return _LINK.sub(sub, text)


def _missing_pictures(links: list[str], folder: Path, where: Path, line: int | None) -> list[Problem]:
    return [Problem(where, line, f"không thấy tệp ảnh '{link}' bên cạnh task.yaml")
            for link in links if not (folder / link).is_file()]


def _task_problems(task: Task, doc: Any, folder: Path, fw: Framework) -> list[Problem]:
    where = doc.path
    problems = []
    try:
        fw.competency(task.competency)
    except KeyError:
        return [Problem(where, doc.line_of(("competency",)), f"năng lực '{task.competency}' không có trong khung")]
    for n, step in enumerate(task.steps):
        level = step.item.level if isinstance(step, ItemStep) else getattr(step, "level", None)
        if level and not fw.has_statement(task.competency, level):
            problems.append(Problem(where, doc.line_of(("steps", n)),
                                    f"khung không có yêu cầu cho {task.competency} ở bậc {level}"))
        texts = [getattr(step, "text", None), getattr(step, "prompt", None)]
        links = [link for t in texts if t for link in media_links(t.vi)]
        if isinstance(step, ItemStep) and step.item.image:
            links.append(step.item.image)
        problems += _missing_pictures(links, folder, where, doc.line_of(("steps", n)))
    problems += _missing_pictures(media_links(task.context.vi), folder, where, doc.line_of(("context",)))
    if folder.name != task.id:
        problems.append(Problem(where, doc.line_of(("id",)),
                                f"thư mục của bài phải mang đúng mã bài: đổi tên '{folder.name}' thành '{task.id}'"))
    files = folder / "files"
    fs = task.files_step
    if fs is not None:
        if not files.is_dir():
            problems.append(Problem(where, None, "bước 'files' cần thư mục files/ bên cạnh task.yaml"))
        else:
            for src in fs.solution:
                if not (files / src).is_file():
                    problems.append(Problem(where, None, f"bước '{fs.id}': lời giải nhắc tới tệp '{src}' "
                                                         "không có trong files/"))
    return problems


def _read(path: Path, adapter: TypeAdapter, problems: list[Problem]) -> tuple[Any, Any]:
    """(document, validated object) of one YAML file; (doc or None, None) with its problems recorded."""
    try:
        doc = load_yaml(path)
    except ContentError as exc:
        problems.extend(exc.problems)
        return None, None
    try:
        return doc, adapter.validate_python(doc.data)
    except ValidationError as exc:
        problems.extend(problems_from_validation(doc, exc))
        return doc, None


def load_tasks(root: Path | None = None, rubrics: Path | None = None, fw: Framework | None = None) -> TaskBank:
    """Load and check every task under ``root`` and its rubrics; raise ContentError listing every problem.

    Loading part of the tasks (one domain's folder), rubrics of the other tasks are passed over.
    """
    partial = root is not None and root.resolve() != (shipped("assessments") / "tasks").resolve()
    root = root or shipped("assessments") / "tasks"
    rubrics = rubrics or shipped("rubrics") / "tasks"
    fw = fw or load_framework()
    bank, problems = TaskBank(), []
    for path in sorted(root.rglob("task.yaml")) if root.is_dir() else []:
        doc, task = _read(path, _TASK, problems)
        if task is None:
            continue
        if task.id in bank.tasks:
            problems.append(Problem(path, doc.line_of(("id",)), f"mã bài '{task.id}' trùng với "
                                                                f"{bank.folder[task.id] / 'task.yaml'}"))
            continue
        problems.extend(_task_problems(task, doc, path.parent, fw))
        bank.tasks[task.id] = task
        bank.folder[task.id] = path.parent
    for path in sorted(rubrics.glob("*.y*ml")) if rubrics.is_dir() else []:
        doc, rubric = _read(path, _RUBRIC, problems)
        if rubric is None:
            continue
        task = bank.tasks.get(rubric.task)
        if task is None and partial and path.stem == rubric.task:
            continue
        if task is None or path.stem != rubric.task:
            problems.append(Problem(path, doc.line_of(("task",)),
                                    f"thang chấm cho bài '{rubric.task}' không khớp bài nào (tên tệp phải là "
                                    "<mã bài>.yaml và mã bài phải có trong assessments/tasks)"))
            continue
        written = {s.id: s for s in task.steps if isinstance(s, WrittenStep)}
        for cid, levels in rubric.criteria.items():
            if cid not in written:
                problems.append(Problem(path, doc.line_of(("criteria", cid)),
                                        f"tiêu chí '{cid}' không phải bước 'written' của bài {task.id}"))
            elif levels[-1].points != written[cid].points:
                problems.append(Problem(path, doc.line_of(("criteria", cid)),
                                        f"mức cao nhất của '{cid}' là {levels[-1].points:g} điểm nhưng bước "
                                        f"'written' cho {written[cid].points:g} điểm"))
        bank.rubrics[task.id] = rubric
    # The bank's quality gates hold for the questions inside tasks too (length by level, 3–5 options).
    items = [c.item for c in bank.criteria().values() if c.item is not None]
    origin = {i.id: (bank.folder[i.id.rsplit(".", 1)[0]] / "task.yaml", None)
              for i in items}
    gate_errors, _ = check(items, origin, load_rules(shipped("assessments") / "rules.yaml"))
    problems += gate_errors
    for task in bank.tasks.values():
        rubric = bank.rubrics.get(task.id)
        for step in task.steps:
            if isinstance(step, WrittenStep) and (rubric is None or step.id not in rubric.criteria):
                problems.append(Problem(bank.folder[task.id] / "task.yaml", None,
                                        f"bước chấm tay '{step.id}' chưa có thang chấm trong "
                                        f"{rubrics / (task.id + '.yaml')}"))
    if problems:
        raise ContentError(problems)
    return bank


def task_stats(tasks: TaskBank, fw: Framework | None = None) -> dict[str, Any]:
    """Tasks per competency × band, criteria by how they are scored, and the empty cells."""
    fw = fw or load_framework()
    counts = Counter((t.competency, t.band) for t in tasks.tasks.values())
    matrix = {c.code: {b: counts.get((c.code, b), 0) for b in BANDS} for c in fw.competencies}
    kinds = Counter("written" if c.kind == "written" else "check" if c.kind == "check" else "item"
                    for c in tasks.criteria().values())
    return {
        "total": len(tasks),
        "bands": list(BANDS),
        "matrix": matrix,
        "criteria": dict(sorted(kinds.items())),
        "gaps": [{"competency": c, "band": b} for c, row in matrix.items() for b, n in row.items() if n < 1],
    }
