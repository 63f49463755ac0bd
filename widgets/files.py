"""The file widget of a practical task: the student moves and renames the task's real files.

Every change is made on disk at once (a rename inside the task's work folder), so nothing is lost
with the tab; the hidden tests of the task's criteria look at the folder as the student left it.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import ipywidgets as w

from .renderers import CSS, _text

HIDDEN = (".", "__")


class FileMoveError(ValueError):
    """A move the widget refuses, with the reason in Vietnamese."""


def list_files(root: Path) -> list[str]:
    """Files under ``root`` as relative POSIX paths, hidden files and checkpoints left out."""
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not any(part.startswith(HIDDEN) for part in rel.parts):
            out.append(rel.as_posix())
    return out


def list_folders(root: Path) -> list[str]:
    return [""] + sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                         if p.is_dir() and not any(x.startswith(HIDDEN) for x in p.relative_to(root).parts))


def _clean(name: str, what: str) -> str:
    name = name.strip()
    if not name or name in (".", "..") or "/" in name or "\\" in name or name.startswith(HIDDEN) or "\0" in name:
        raise FileMoveError(f"{what} '{name}' không dùng được: không để trống, không có dấu / hay \\, "
                            "không bắt đầu bằng dấu chấm")
    return name


def move(root: Path, current: str, folder: str, name: str) -> str:
    """Move ``current`` to ``folder/name`` inside ``root`` (folders made as needed); return the new path."""
    root = root.resolve()
    src = (root / current).resolve()
    if not src.is_file() or root not in src.parents:
        raise FileMoveError(f"không thấy tệp '{current}'")
    parts = [_clean(p, "tên thư mục") for p in folder.split("/") if p.strip()] if folder else []
    target = root.joinpath(*parts, _clean(name, "tên tệp"))
    if target == src:
        return current
    if target.exists():
        raise FileMoveError(f"đã có tệp '{target.relative_to(root).as_posix()}': chọn tên khác")
    target.parent.mkdir(parents=True, exist_ok=True)
    src.rename(target)
    return target.relative_to(root).as_posix()


def apply_moves(root: Path, moves: dict[str, str]) -> None:
    """Carry out ``{current: new}`` moves (a task's key; simulated students use it too)."""
    for current, new in moves.items():
        folder, _, name = new.rpartition("/")
        move(root, current, folder, name)


def make_folder(root: Path, name: str) -> str:
    parts = [_clean(p, "tên thư mục") for p in name.split("/") if p.strip()]
    if not parts:
        raise FileMoveError("hãy gõ tên thư mục")
    target = root.joinpath(*parts)
    target.mkdir(parents=True, exist_ok=True)
    return target.relative_to(root).as_posix()


class FilesWidget:
    """Rows of files, each with a folder menu, a name box and a 'Chuyển' button; a box to make a folder."""

    def __init__(self, work: dict[str, Any], root: Path):
        self.work = work
        self.root = root
        self.status = w.HTML("").add_class("nls-status")
        self.rows = w.VBox()
        self.new_folder = w.Text(placeholder="Tên thư mục mới", layout=w.Layout(width="260px"))
        self.new_folder.add_class("nls-text")
        create = w.Button(description="Tạo thư mục", icon="folder").add_class("nls-keep")
        create.on_click(self._create)
        prompt = w.HTML(f"<div class='nls-prompt'>{_text(work['prompt'])}</div>")
        self.box = w.VBox([w.HTML(f"<style>{CSS}</style>"), prompt, w.HBox([self.new_folder, create]),
                           self.rows, self.status]).add_class("nls-item")
        self.refresh()

    def refresh(self) -> None:
        folders = list_folders(self.root)
        rows = []
        for rel in list_files(self.root):
            folder, _, name = rel.rpartition("/")
            label = w.HTML(f"<span class='nls-file'>{html.escape(rel)}</span>",
                           layout=w.Layout(width="34%"))
            # Plain text labels: a lab PC's browser may have no emoji font.
            menu = w.Dropdown(options=[(f"{f}/" if f else "(thư mục gốc)", f) for f in folders], value=folder,
                              layout=w.Layout(width="28%")).add_class("nls-menu")
            box = w.Text(value=name, layout=w.Layout(width="26%")).add_class("nls-text")
            go = w.Button(description="Chuyển", layout=w.Layout(width="12%")).add_class("nls-move")
            go.on_click(self._mover(rel, menu, box))
            rows.append(w.HBox([label, menu, box, go]).add_class("nls-order-row"))
        self.rows.children = rows

    def _mover(self, rel: str, menu: w.Dropdown, box: w.Text):
        def run(*_: Any) -> None:
            self.do_move(rel, menu.value, box.value)
        return run

    def do_move(self, rel: str, folder: str, name: str) -> None:
        try:
            new = move(self.root, rel, folder, name)
        except (FileMoveError, OSError) as exc:
            self.status.value = f"<span class='nls-error'>⚠ {html.escape(str(exc))}</span>"
            return
        self.status.value = f"<span class='nls-saved'>✓ Đã chuyển thành {html.escape(new)}</span>"
        self.refresh()

    def _create(self, *_: Any) -> None:
        try:
            made = make_folder(self.root, self.new_folder.value)
        except (FileMoveError, OSError) as exc:
            self.status.value = f"<span class='nls-error'>⚠ {html.escape(str(exc))}</span>"
            return
        self.new_folder.value = ""
        self.status.value = f"<span class='nls-saved'>✓ Đã tạo thư mục {html.escape(made)}</span>"
        self.refresh()
