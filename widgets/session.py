"""One student's sitting of one notebook: loads the public item data, restores and saves answers."""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path
from typing import Any

import ipywidgets as w

from nanglucso.paths import ITEMS_SUFFIX
from nanglucso.responses import ResponsesUnreadable, read_responses, record_answer, responses_path

from .renderers import RENDERERS, ItemWidget


def student_id() -> str:
    """Who is answering: set by the portal or the hub; else the account running the kernel."""
    return os.environ.get("NANGLUCSO_STUDENT") or os.environ.get("JUPYTERHUB_USER") or getpass.getuser()


class Assessment:
    """The widgets of one notebook, bound to that notebook's responses file."""

    def __init__(self, notebook: str, folder: Path | str | None = None, student: str | None = None):
        self.notebook = notebook
        self.folder = Path(folder) if folder is not None else Path.cwd()
        self.student = student or student_id()
        public = json.loads((self.folder / f"{notebook}{ITEMS_SUFFIX}").read_text(encoding="utf-8"))
        self.title = public.get("title", "")
        self.items: dict[str, dict] = {item["id"]: item for item in public["items"]}
        # Questions are numbered as the pupil sees them: a task's automatic checks have no card.
        shown = [i for i, item in self.items.items() if item["type"] != "check"]
        self.numbers = {item_id: n for n, item_id in enumerate(shown, start=1)}
        self.works: dict[str, dict] = public.get("works", {})
        self.path = responses_path(self.folder, notebook)
        self.warning = ""
        try:
            self.saved = read_responses(self.path)
        except ResponsesUnreadable:
            # The next answer sets the damaged file aside (never deleted); tell the student now.
            self.saved = {}
            self.warning = "Tệp câu trả lời cũ bị hỏng và đã được giữ lại cho thầy cô kiểm tra."
        self.widgets: dict[str, ItemWidget] = {}

    def save(self, item_id: str, value: Any) -> None:
        record_answer(self.path, self.student, self.notebook, item_id, value)

    def widget(self, item_id: str) -> ItemWidget:
        """The renderer of one item, restored from the saved answers (nothing is written here)."""
        if item_id not in self.widgets:
            item = self.items[item_id]
            renderer = RENDERERS[item["type"]](item, self.numbers[item_id], self.student, self.save, self.folder)
            renderer.restore(self.saved.get(item_id))
            if self.warning:
                renderer.status.value = f"<span class='nls-error'>⚠ {self.warning}</span>"
            self.widgets[item_id] = renderer
        return self.widgets[item_id]

    def show(self, item_id: str) -> w.Widget:
        """The widget to display in a notebook cell (the cell's last expression)."""
        return self.widget(item_id).box


    def files(self, work_id: str) -> w.Widget:
        """The file widget of a practical task's work folder."""
        from .files import FilesWidget

        work = self.works[work_id]
        return FilesWidget(work, self.folder / work["folder"]).box


def open_assessment(notebook: str, folder: Path | str | None = None, student: str | None = None) -> Assessment:
    """Entry point used by the released notebook's first cell."""
    return Assessment(notebook, folder, student)
