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
from .paths import ITEMS_SUFFIX
from .responses import SUFFIX as RESPONSES_SUFFIX
from .tasks import (
    CheckStep,
    CodeStep,
    FilesStep,
    InfoStep,
    ItemStep,
    Rubric,
    Task,
    TaskBank,
    WrittenStep,
    load_tasks,
    rewrite_media,
)


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
    criteria = [c for t in sel.tasks for c in t.criteria()]
    total = sum(i.points for i in sel.items) + sum(c.points for c in criteria)
    mode = ("Bài kiểm tra: em chỉ biết kết quả khi thầy cô trả bài." if bp.mode == "exam"
            else "Bài luyện tập: thầy cô sẽ trả phản hồi cho từng câu.")
    parts = [f"**{len(sel.items)} câu**"] if sel.items else []
    if sel.tasks:
        parts.append(f"**{len(sel.tasks)} bài thực hành**")
    steps = [
        "Chọn menu **Run → Run All Cells** (Chạy → Chạy tất cả các ô) để hiện các câu hỏi.",
        "Trả lời từng câu. Câu trả lời được **lưu ngay** khi em chọn hoặc gõ; "
        "em có thể đổi ý bao nhiêu lần cũng được.",
        "Câu lập trình: viết mã vào ô có dòng *VIẾT MÃ CỦA EM Ở ĐÂY* rồi chạy ô đó.",
    ]
    if sel.tasks:
        steps.append("Bài thực hành: làm theo hướng dẫn với các tệp trong thư mục làm bài; mỗi lần em chuyển, "
                     "đổi tên tệp là máy ghi lại ngay.")
    steps.append("Xong bài: lưu notebook (Ctrl+S) rồi nộp bài ở mục **Assignments** (Submit).")
    how = "máy chấm tự động theo đáp án; câu nhiều lựa chọn, sắp xếp, ghép đôi được điểm từng phần"
    if any(c.kind == "written" for c in criteria):
        how += "; phần em tự viết do thầy cô chấm theo thang chấm"
    return (
        f"# {bp.title.vi}\n\n"
        f"**Lớp {bp.grade}** · bậc mong đợi **{level} ({fw.level(level).name_vi})** · "
        f"{' và '.join(parts)}, {total:g} điểm · thời gian **{bp.time_limit_minutes} phút**\n\n"
        "**Cách làm bài**\n\n" + "".join(f"{n}. {text}\n" for n, text in enumerate(steps, start=1)) +
        f"\n**Cách chấm:** {how}. {mode}"
    )


def _grade_cell(gid: str, label: str, hidden: str, points: float) -> Any:
    test = (f"# Ô chấm điểm tự động của {label}. Không sửa ô này.\n"
            f"### BEGIN HIDDEN TESTS\n{hidden.rstrip()}\n### END HIDDEN TESTS")
    return _cell("code", test, gid, _meta(gid, grade=True, points=points))


def _solution_cell(gid: str, starter: str, solution: str) -> Any:
    starter = (starter.rstrip() + "\n") if starter.strip() else ""
    source = f"{starter}### BEGIN SOLUTION\n{solution.rstrip()}\n### END SOLUTION"
    return _cell("code", source, f"s_{gid}", _meta(f"s_{gid}", solution=True, locked=False))


def _score_call(nb_name: str, item_id: str, spec: dict[str, Any]) -> str:
    return ("from nanglucso.grading_cell import score_item\n"
            f'score_item("{nb_name}", "{item_id}", {spec!r})')


def _item_cells(item: Any, gid: str, n: int, nb_name: str) -> list[Any]:
    if item.type == "code":
        return [_cell("markdown", f"### Câu {n} ({item.points:g} điểm)\n\n{item.prompt.vi}", f"p_{gid}",
                      _meta(f"p_{gid}")),
                _solution_cell(gid, item.starter, item.solution),
                _grade_cell(gid, f"câu {n}", item.tests, item.points)]
    return [_cell("code", f'bai.show("{item.id}")', f"w_{gid}", _meta(f"w_{gid}")),
            _grade_cell(gid, f"câu {n}", _score_call(nb_name, item.id, item.key_spec()), item.points)]


def _mark_scheme(step: WrittenStep, rubric: Rubric | None) -> str:
    rows = "\n".join(f"| {lv.points:g} | {lv.descriptor.vi} |" for lv in (rubric.criteria[step.id] if rubric else []))
    return (f"**Tiêu chí:** {step.criterion.vi}\n\n| Điểm | Mô tả |\n|---|---|\n{rows}\n\n"
            f"**Bài mẫu:** {step.example.strip()}")


def _task_cells(task: Task, k: int, nb_name: str, public: list[dict[str, Any]],
                works: dict[str, dict[str, Any]], rubric: Rubric | None) -> list[Any]:
    """The cells of one practical task; appends its criteria to ``public`` and its file widgets to ``works``."""
    tid = grade_id(task.id)
    folder_note = f"\n\n*Thư mục làm bài của em:* `{task.id}/`" if task.files_step else ""
    total = sum(c.points for c in task.criteria())
    cells = [_cell("markdown", f"## Bài thực hành {k}: {task.title.vi}\n\n"
                               f"*Khoảng {task.minutes} phút · {total:g} điểm*\n\n"
                               f"{rewrite_media(task.context.vi, task.id)}{folder_note}",
                   f"t_{tid}", _meta(f"t_{tid}"))]
    if task.files_step or task.has_code:
        # Code and checks reach the task's files through TASK, relative to the notebook (as autograde runs it).
        cells.append(_cell("code", f'from pathlib import Path\n\nTASK = Path("{task.id}")  # thư mục làm bài',
                           f"d_{tid}", _meta(f"d_{tid}")))
    criteria = {c.step_id: c for c in task.criteria()}
    for step in task.steps:
        if isinstance(step, InfoStep):
            cells.append(_cell("markdown", rewrite_media(step.text.vi, task.id), f"i_{tid}_{len(cells)}",
                               _meta(f"i_{tid}_{len(cells)}")))
            continue
        sid = step.item.id if isinstance(step, ItemStep) else step.id
        gid = grade_id(f"{task.id}.{sid}")
        if isinstance(step, FilesStep):
            works[f"{task.id}.{sid}"] = {"type": "files", "folder": task.id,
                                         "prompt": step.prompt.model_dump(exclude_none=True)}
            cells.append(_cell("code", f'bai.files("{task.id}.{sid}")', f"w_{gid}", _meta(f"w_{gid}")))
            continue
        if isinstance(step, CodeStep):
            cells.append(_cell("markdown", rewrite_media(step.prompt.vi, task.id), f"p_{gid}", _meta(f"p_{gid}")))
            cells.append(_solution_cell(gid, step.starter, step.solution))
            continue
        crit = criteria[sid]
        n = len([p for p in public if p["type"] != "check"]) + 1  # as the pupil sees the questions numbered
        if isinstance(step, ItemStep):
            data = {**crit.item.public(), "task": task.id}
            if data.get("image"):
                data["image"] = f"images/{task.id}/{data['image']}"
            public.append(data)
            cells += _item_cells(crit.item, gid, n, nb_name)
        elif isinstance(step, CheckStep):
            public.append({"id": crit.id, "type": "check", "task": task.id, "competency": task.competency,
                           "level": step.level, "points": step.points})
            hidden = (f"# Tiêu chí: {step.criterion.vi}\n"
                      f"from nanglucso.task_checks import *  # noqa: F403\n"
                      f'TASK = task_folder("{task.id}")\n{step.tests.rstrip()}')
            cells.append(_grade_cell(gid, f"tiêu chí '{step.id}' của bài thực hành {k}", hidden, step.points))
        elif isinstance(step, WrittenStep):
            public.append({"id": crit.id, "type": "written", "task": task.id, "competency": task.competency,
                           "level": step.level, "points": step.points, "max_length": step.max_length,
                           "prompt": step.prompt.model_dump(exclude_none=True)})
            cells.append(_cell("code", f'bai.show("{crit.id}")', f"w_{gid}", _meta(f"w_{gid}")))
            # nbgrader's "manually graded task" cell: the mark scheme is cut from the released notebook and
            # put back in the autograded one, where formgrader shows it to the teacher.
            source = (f"✍️ *Thầy cô chấm tay câu {n} ({step.points:g} điểm).*\n\n"
                      f"### BEGIN MARK SCHEME\n{_mark_scheme(step, rubric)}\n### END MARK SCHEME")
            meta = _meta(gid, points=step.points)
            meta["nbgrader"].update({"task": True, "points": step.points})
            cells.append(_cell("markdown", source, gid, meta))
    return cells


def build_assignment(sel: Selection, source_root: Path, bank: Bank, tasks: TaskBank | None = None) -> Path:
    """Write ``source/<id>/`` for the selection; return the notebook path. Replaces an earlier build."""
    if tasks is None:
        tasks = load_tasks() if sel.tasks else TaskBank()
    bp = sel.blueprint
    folder = source_root / bp.id
    nb_name = bp.notebook
    gids = [grade_id(i.id) for i in sel.items]
    all_gids = gids + [grade_id(c.id) for t in sel.tasks for c in t.criteria()]
    if len(set(all_gids)) != len(all_gids):
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
        cells += _item_cells(item, gid, n, nb_name)
    works: dict[str, dict[str, Any]] = {}
    task_rows: list[dict[str, Any]] = []
    for k, task in enumerate(sel.tasks, start=1):
        cells += _task_cells(task, k, nb_name, public, works, tasks.rubrics.get(task.id))
        # What the portal shows before a task's questions: the situation and its artefacts (all public).
        intro = [rewrite_media(task.context.vi, task.id)] + [rewrite_media(s.text.vi, task.id)
                                                            for s in task.steps if isinstance(s, InfoStep)]
        task_rows.append({"id": task.id, "title": task.title.vi, "competency": task.competency,
                          "band": task.band, "folder": task.id if tasks.work_folder(task.id) else None,
                          "intro": intro, "has_code": task.has_code})
        images += [(p, f"{task.id}/{p.name}") for p in tasks.media(task.id)]

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
        (staging / "images" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, staging / "images" / name)
    for row in task_rows:
        if row["folder"]:
            shutil.copytree(tasks.work_folder(row["id"]), staging / row["folder"])
    manifest = {"blueprint": bp.id, "title": bp.title.vi, "grade": bp.grade, "form": bp.form, "mode": bp.mode,
                "items": public,
                "tasks": task_rows, "works": works, "time_limit_minutes": bp.time_limit_minutes}
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
