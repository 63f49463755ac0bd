"""The item bank: load every YAML file under a folder, validate it, count it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .errors import ContentError, Problem
from .framework import Framework, load_framework
from .items import ITEM_TYPES, Item
from .paths import shipped
from .quality import Rules, check, load_rules
from .yamlio import Located, load_yaml, problems_from_validation, register_tags

_ITEM = TypeAdapter(Item)
register_tags(set(ITEM_TYPES))


@dataclass
class Bank:
    """Validated items by id, with the file and line each came from."""

    items: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, tuple[Path, int | None]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items)

    def get(self, item_id: str) -> Any:
        return self.items[item_id]

    def select(self, competency: str, level: str) -> list[Any]:
        """Items of one competency at one level, in id order (a stable base for seeded draws)."""
        return sorted(
            (i for i in self.items.values() if i.competency == competency and i.level == level),
            key=lambda i: i.id,
        )


def bank_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def _items_of(doc: Located) -> tuple[list[Any], list[Problem]]:
    data = doc.data
    if data is None:
        return [], []
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return [], [Problem(doc.path, 1, "tệp ngân hàng câu hỏi phải có khoá 'items:' chứa một danh sách câu")]
    extra = sorted(set(data) - {"items"})
    problems = [Problem(doc.path, doc.line_of((k,)), f"khoá '{k}' không được phép ở gốc tệp") for k in extra]
    return data["items"], problems


def _check_item(item: Any, doc: Located, index: int, fw: Framework) -> list[Problem]:
    problems = []
    line = doc.line_of(("items", index, "competency"))
    try:
        fw.competency(item.competency)
    except KeyError:
        problems.append(Problem(doc.path, line, f"câu {item.id}: năng lực '{item.competency}' không có trong khung"))
        return problems
    if not fw.has_statement(item.competency, item.level):
        problems.append(
            Problem(doc.path, line, f"câu {item.id}: khung không có yêu cầu cho {item.competency} ở bậc {item.level}")
        )
    if item.image:
        image = (doc.path.parent / item.image).resolve()
        if not image.is_file():
            problems.append(Problem(doc.path, doc.line_of(("items", index, "image")),
                                    f"câu {item.id}: không thấy tệp ảnh {item.image}"))
    return problems


def load_bank(root: Path | None = None, fw: Framework | None = None, rules: Rules | None = None) -> Bank:
    """Load and validate every item file under ``root``; raise ContentError listing every problem.

    Quality gates (assessments/rules.yaml) apply too: their errors block, their warnings are kept
    in ``Bank.warnings`` for the teacher to review.
    """
    root = root or shipped("assessments") / "bank"
    fw = fw or load_framework()
    rules = rules or load_rules(shipped("assessments") / "rules.yaml")
    bank, problems = Bank(), []
    files = bank_files(root)
    if not files:
        raise ContentError([Problem(root, None, "không tìm thấy tệp .yaml nào của ngân hàng câu hỏi")])
    for path in files:
        try:
            doc = load_yaml(path)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        raw_items, file_problems = _items_of(doc)
        problems.extend(file_problems)
        for index, raw in enumerate(raw_items):
            try:
                item = _ITEM.validate_python(raw)
            except ValidationError as exc:
                problems.extend(problems_from_validation(doc, exc, ("items", index)))
                continue
            line = doc.line_of(("items", index))
            if item.id in bank.items:
                first = bank.origin[item.id]
                problems.append(Problem(path, line, f"mã câu '{item.id}' trùng với {first[0]}:{first[1]}"))
                continue
            problems.extend(_check_item(item, doc, index, fw))
            bank.items[item.id] = item
            bank.origin[item.id] = (path, line)
    errors, bank.warnings = check(list(bank.items.values()), bank.origin, rules)
    problems.extend(errors)
    if problems:
        raise ContentError(problems)
    return bank


def stats(bank: Bank, fw: Framework | None = None, rules: Rules | None = None) -> dict[str, Any]:
    """Counts per competency × school level and per type; gaps are cells below the target count."""
    fw = fw or load_framework()
    rules = rules or load_rules(shipped("assessments") / "rules.yaml")
    levels = fw.school_levels
    counts = Counter((i.competency, i.level) for i in bank.items.values())
    matrix = {c.code: {lvl: counts.get((c.code, lvl), 0) for lvl in levels} for c in fw.competencies}
    gaps = [
        {"competency": c, "level": lvl, "count": n, "missing": rules.target_per_cell - n}
        for c, row in matrix.items()
        for lvl, n in row.items()
        if n < rules.target_per_cell and fw.has_statement(c, lvl)
    ]
    no_statement = [{"competency": n.competency, "level": n.level, "note_vi": n.note_vi} for n in fw.no_statement]
    return {
        "total": len(bank),
        "target_per_cell": rules.target_per_cell,
        "levels": levels,
        "matrix": matrix,
        "by_type": dict(sorted(Counter(i.type for i in bank.items.values()).items())),
        "gaps": gaps,
        "no_statement": no_statement,
    }
