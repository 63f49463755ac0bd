"""The practice page: a grade picker, then one large question card at a time with 'Kiểm tra' and 'Câu tiếp'."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import ipywidgets as w

from .renderers import CSS, RENDERERS, big_button


class PracticeApp:
    """Drives a PracticeSession; the session (with the keys) never leaves the kernel."""

    def __init__(self, open_session: Any, grades: list[int], student: str = "luyen-tap"):
        self.open_session = open_session
        self.student = student
        self.session: Any = None
        self.n = 0
        self.answer: Any = None
        self.grade = w.Dropdown(options=[(f"Lớp {g}", g) for g in grades], description="Em học:",
                                layout=w.Layout(width="260px")).add_class("nls-menu")
        start = big_button("Bắt đầu luyện tập", "play")
        start.on_click(self.start)
        self.progress = w.HTML("")
        self.card = w.VBox()
        self.result = w.HTML("")
        self.check_button = big_button("Kiểm tra", "check")
        self.check_button.on_click(self.check)
        self.next_button = big_button("Câu tiếp theo", "arrow-right")
        self.next_button.on_click(self.next)
        self.controls = w.HBox([self.check_button, self.next_button])
        self.controls.layout.display = "none"
        self.box = w.VBox([w.HTML(f"<style>{CSS}</style>"), w.HBox([self.grade, start]), self.progress,
                           self.card, self.result, self.controls])

    def start(self, *_: Any) -> None:
        self.session = self.open_session(self.grade.value)
        self.n = 0
        self.show()

    def _record(self, _item_id: str, value: Any) -> None:
        self.answer = value

    def show(self) -> None:
        items = self.session.items
        if self.n >= len(items):
            got, possible = self.session.total
            self.card.children = [w.HTML(
                f"<div class='nls-item'><div class='nls-prompt'>🎉 Em đã luyện xong {len(items)} câu: "
                f"<b>{got:g}/{possible:g} điểm</b>.</div><div>Chọn lớp và bấm “Bắt đầu luyện tập” để luyện lại."
                "</div></div>")]
            self.result.value = ""
            self.controls.layout.display = "none"
            self.progress.value = ""
            return
        self.answer = None
        data = self.session.public(self.n)
        renderer = RENDERERS[data["type"]](data, self.n + 1, self.student, self._record, Path("."))
        self.renderer = renderer
        renderer.status.layout.display = "none"  # practice answers are not kept: no "saved" mark
        self.card.children = [renderer.box]
        self.result.value = ""
        self.progress.value = (f"<div class='nls-head'>{html.escape(self.session.title)} · câu {self.n + 1}"
                               f"/{len(items)}</div>")
        self.check_button.disabled = False
        self.controls.layout.display = "flex"

    def check(self, *_: Any) -> None:
        if self.answer is None:
            self.result.value = "<div class='nls-error'>Em hãy trả lời trước rồi bấm “Kiểm tra”.</div>"
            return
        verdict = self.session.check(self.n, self.answer)
        head = ("✓ Đúng rồi!" if verdict.right else
                f"◐ Đúng một phần ({verdict.points:g}/{verdict.max_points:g})." if verdict.points > 0 else
                "✗ Chưa đúng.")
        colour = "nls-saved" if verdict.right else "nls-error"
        self.result.value = (f"<div class='nls-item nls-feedback'><div class='{colour}' style='font-size:22px'>"
                             f"{head}</div><div>{html.escape(verdict.feedback)}</div></div>")
        self.check_button.disabled = True

    def next(self, *_: Any) -> None:
        self.n += 1
        self.show()
