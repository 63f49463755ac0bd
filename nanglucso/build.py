"""Turn a blueprint's selection into an nbgrader source assignment.

Per item: a locked widget cell (public data only) and a locked grade cell whose hidden test holds the
key and returns the partial score. Code tasks become an nbgrader solution cell plus hidden tests.
Everything is deterministic (cell ids included) so the same bank gives the same bytes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from .bank import Bank
from .blueprint import Selection
from .errors import KitError
from .framework import load_framework
from .responses import SUFFIX as RESPONSES_SUFFIX

ITEMS_SUFFIX = ".items.json"


def grade_id(item_id: str) -> str:
    """nbgrader grade ids allow letters, digits, '_' and '-': map the item id onto them."""
    return "q_" + re.sub(r"[^A-Za-z0-9_-]", "_", item_id)


def _meta(gid: str, *, grade: bool = False, solution: bool = False, locked: bool = True,
          points: float | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"grade": grade, "solution": solution, "locked": locked, "task": False,
                            "grade_id": gid, "schema_version": 3}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _cell(kind: str, source: str, cell_id: str, meta: dict[str, Any]) -> Any:
    cell = new_code_cell(source) if kind == "code" else new_markdown_cell(source)
    cell.id = cell_id.replace("_", "-")[:64]
    cell.metadata = meta
    return cell


def _header(sel: Selection) -> str:
    bp = sel.blueprint
    fw = load_framework()
    level = fw.expected_level(bp.grade)
    total = sum(i.points for i in sel.items)
    mode = ("Bài kiểm tra: em chỉ biết kết quả khi thầy cô trả bài." if bp.mode == "exam"
            else "Bài luyện tập: thầy cô sẽ trả phản hồi cho từng câu.")
    return (
        f"# {bp.title.vi}\n\n"
        f"**Lớp {bp.grade}** · bậc mong đợi **{level} ({fw.level(level).name_vi})** · "
        f"**{len(sel.items)} câu**, {total:g} điểm · thời gian **{bp.time_limit_minutes} phút**\n\n"
        "**Cách làm bài**\n\n"
        "1. Chọn menu **Run → Run All Cells** (Chạy → Chạy tất cả các ô) để hiện các câu hỏi.\n"
        "2. Trả lời từng câu. Câu trả lời được **lưu ngay** khi em chọn hoặc gõ; "
        "em có thể đổi ý bao nhiêu lần cũng được.\n"
        "3. Câu lập trình: viết mã vào ô có dòng *VIẾT MÃ CỦA EM Ở ĐÂY* rồi chạy ô đó.\n"
        "4. Xong bài: lưu notebook (Ctrl+S) rồi nộp bài ở mục **Assignments** (Submit).\n\n"
        f"**Cách chấm:** máy chấm tự động theo đáp án; câu nhiều lựa chọn, sắp xếp, ghép đôi được điểm "
        f"từng phần. {mode}"
    )


def build_assignment(sel: Selection, source_root: Path, bank: Bank) -> Path:
    """Write ``source/<id>/`` for the selection; return the notebook path. Replaces an earlier build."""
    bp = sel.blueprint
    folder = source_root / bp.id
    nb_name = bp.notebook
    gids = [grade_id(i.id) for i in sel.items]
    if len(set(gids)) != len(gids):
        raise KitError("hai mã câu trùng nhau sau khi đổi sang mã ô nbgrader; hãy đổi mã một câu")

    cells = [
        _cell("markdown", _header(sel), "header", _meta("header")),
        _cell("code", f'from nanglucso.widgets import open_assessment\n\nbai = open_assessment("{nb_name}")',
              "setup", _meta("setup")),
    ]
    public: list[dict[str, Any]] = []
    images: list[tuple[Path, str]] = []
    for n, (item, gid) in enumerate(zip(sel.items, gids, strict=True), start=1):
        data = item.public()
        if item.image:
            src = (bank.origin[item.id][0].parent / item.image).resolve()
            data["image"] = f"images/{src.name}"
            images.append((src, src.name))
        public.append(data)
        if item.type == "code":
            cells.append(_cell("markdown", f"### Câu {n} ({item.points:g} điểm)\n\n{item.prompt.vi}",
                               f"p_{gid}", _meta(f"p_{gid}")))
            starter = (item.starter.rstrip() + "\n") if item.starter.strip() else ""
            source = f"{starter}### BEGIN SOLUTION\n{item.solution.rstrip()}\n### END SOLUTION"
            cells.append(_cell("code", source, f"s_{gid}", _meta(f"s_{gid}", solution=True, locked=False)))
            test = (f"# Ô chấm điểm tự động của câu {n}. Không sửa ô này.\n"
                    f"### BEGIN HIDDEN TESTS\n{item.tests.rstrip()}\n### END HIDDEN TESTS")
        else:
            cells.append(_cell("code", f'bai.show("{item.id}")', f"w_{gid}", _meta(f"w_{gid}")))
            test = (f"# Ô chấm điểm tự động của câu {n}. Không sửa ô này.\n"
                    "### BEGIN HIDDEN TESTS\n"
                    "from nanglucso.grading_cell import score_item\n"
                    f'score_item("{nb_name}", "{item.id}", {item.key_spec()!r})\n'
                    "### END HIDDEN TESTS")
        cells.append(_cell("code", test, gid, _meta(gid, grade=True, points=item.points)))

    nb = new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "nanglucso": {"blueprint": bp.id, "grade": bp.grade, "form": bp.form, "mode": bp.mode,
                      "time_limit_minutes": bp.time_limit_minutes},
    }
    # Write beside the target, then swap: an interrupted build never leaves a half-written assignment.
    staging = folder.with_name(f".{folder.name}.building")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for src, name in images:
        (staging / "images").mkdir(exist_ok=True)
        shutil.copyfile(src, staging / "images" / name)
    manifest = {"blueprint": bp.id, "title": bp.title.vi, "grade": bp.grade, "mode": bp.mode, "items": public}
    (staging / f"{nb_name}{ITEMS_SUFFIX}").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    nbformat.write(nb, str(staging / f"{nb_name}.ipynb"))
    # A responses file in source/ would overwrite each student's answers at autograde (STACK-NOTES).
    assert not list(staging.glob(f"*{RESPONSES_SUFFIX}"))
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(staging, folder)
    path = folder / f"{nb_name}.ipynb"
    return path
