"""One ipywidgets renderer per item type: large targets, Vietnamese labels, no key anywhere.

A renderer knows only the item's public data (prompt, options, points). It reports every change a
student makes through ``on_answer``; it never writes when it is merely built or restored, because
nbgrader's autograde executes the widget cells too.
"""

from __future__ import annotations

import hashlib
import html
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w

from nanglucso.scoring import parse_number

CSS = (Path(__file__).parent / "style.css").read_text(encoding="utf-8")
LETTERS = "ABCDEFGH"


def shuffled(items: list[Any], student: str, item_id: str) -> list[Any]:
    """The options in this student's own order: the same every time the notebook is opened."""
    seed = int(hashlib.sha256(f"{student}/{item_id}".encode()).hexdigest()[:16], 16)
    out = list(items)
    random.Random(seed).shuffle(out)
    return out


def big_button(label: str, icon: str = "", style: str = "", height: str | None = None) -> w.Button:
    """A large labelled button sized to its text (pages for pupils and the practice page)."""
    layout = w.Layout(width="auto", height=height) if height else w.Layout(width="auto")
    return w.Button(description=label, icon=icon, button_style=style, layout=layout).add_class("nls-keep")


def _text(t: dict) -> str:
    return html.escape(t["vi"]).replace("\n", "<br>")


class ItemWidget:
    """Base renderer: a card with the question number, prompt, optional image and a control."""

    def __init__(self, item: dict, number: int, student: str, on_answer: Callable[[str, Any], None],
                 folder: Path | None = None):
        self.item = item
        self.student = student
        self._on_answer = on_answer
        self._restoring = False
        self.status = w.HTML(value="", layout=w.Layout(min_height="1.6em")).add_class("nls-status")
        header = w.HTML(
            value=f"<div class='nls-head'>Câu {number}"
            f"<span class='nls-points'>{item['points']:g} điểm</span></div>"
            f"<div class='nls-prompt'>{_text(item['prompt'])}</div>"
        )
        parts: list[w.Widget] = [w.HTML(value=f"<style>{CSS}</style>"), header]
        image = item.get("image")
        if image and folder is not None and (folder / image).is_file():
            data = (folder / image).read_bytes()
            parts.append(w.Image(value=data, format=Path(image).suffix.lstrip(".") or "png",
                                 layout=w.Layout(max_width="480px", max_height="320px")).add_class("nls-image"))
        parts.append(self.build())
        parts.append(self.status)
        self.box = w.VBox(parts).add_class("nls-item")

    # What the pupil sees once an answer is on disk (the teacher's preview says that nothing is kept).
    saved_text = "<span class='nls-saved'>✓ Đã lưu câu trả lời</span>"

    # -- to override -------------------------------------------------------------------------------
    def build(self) -> w.Widget:
        raise NotImplementedError

    def get(self) -> Any:
        """The current answer, in the form the scorer reads (None when there is none)."""
        raise NotImplementedError

    def put(self, value: Any) -> None:
        """Show ``value`` in the controls (used to restore a saved answer)."""
        raise NotImplementedError

    def answer_with(self, value: Any) -> None:
        """Answer as a student would, through the controls (used by simulations and tests)."""
        self.put(value)

    # -- shared ------------------------------------------------------------------------------------
    def restore(self, value: Any) -> None:
        self._restoring = True
        try:
            self.put(value)
        finally:
            self._restoring = False
        if value is not None:
            self.status.value = self.saved_text

    def changed(self, *_: Any) -> None:
        if self._restoring:
            return
        try:
            self._on_answer(self.item["id"], self.get())
        except OSError as exc:
            self.status.value = (
                f"<span class='nls-error'>⚠ Chưa lưu được ({html.escape(exc.strerror or str(exc))}). "
                "Hãy báo thầy cô.</span>"
            )
            return
        self.status.value = self.saved_text

    def _ipython_display_(self) -> None:  # pragma: no cover - display hook in a kernel
        from IPython.display import display

        display(self.box)


class _Choices(ItemWidget):
    """Options as large toggle buttons, in the student's own order."""

    exclusive = True

    def build(self) -> w.Widget:
        options = shuffled(self.item["options"], self.student, self.item["id"])
        self.buttons: dict[str, w.ToggleButton] = {}
        for letter, option in zip(LETTERS, options, strict=False):
            button = w.ToggleButton(value=False, description=f"{letter}. {option['text']['vi']}",
                                    layout=w.Layout(width="100%", height="auto"))
            button.add_class("nls-choice")
            button.observe(self._toggled(option["id"]), names="value")
            self.buttons[option["id"]] = button
        return w.VBox(list(self.buttons.values())).add_class("nls-choices")

    def _toggled(self, option_id: str) -> Callable[[dict], None]:
        def handler(change: dict) -> None:
            if self._busy:
                return
            if self.exclusive:
                self._busy = True
                try:
                    for other, button in self.buttons.items():
                        if other != option_id and change["new"]:
                            button.value = False
                    if not change["new"]:
                        # A second click on the chosen option keeps it chosen: no accidental blank.
                        self.buttons[option_id].value = True
                        return
                finally:
                    self._busy = False
            self.changed()

        return handler

    _busy = False

    def _set(self, chosen: set[str]) -> None:
        self._busy = True
        try:
            for option_id, button in self.buttons.items():
                button.value = option_id in chosen
        finally:
            self._busy = False


class SingleChoiceWidget(_Choices):
    def get(self) -> Any:
        return next((oid for oid, b in self.buttons.items() if b.value), None)

    def put(self, value: Any) -> None:
        self._set({value} if value in self.buttons else set())

    def answer_with(self, value: Any) -> None:
        self.buttons[value].value = True


class MultipleChoiceWidget(_Choices):
    exclusive = False

    def build(self) -> w.Widget:
        box = super().build()
        return w.VBox([w.HTML("<i>Chọn tất cả các đáp án đúng.</i>"), box])

    def get(self) -> Any:
        chosen = sorted(oid for oid, b in self.buttons.items() if b.value)
        return chosen or None

    def put(self, value: Any) -> None:
        self._set(set(value or []))

    def answer_with(self, value: Any) -> None:
        for option_id, button in self.buttons.items():
            want = option_id in set(value or [])
            if button.value != want:
                button.value = want


class TrueFalseWidget(_Choices):
    def build(self) -> w.Widget:
        self.item = {**self.item, "options": [{"id": "true", "text": {"vi": "Đúng"}},
                                              {"id": "false", "text": {"vi": "Sai"}}]}
        self.buttons = {}
        for option in self.item["options"]:
            button = w.ToggleButton(value=False, description=option["text"]["vi"],
                                    layout=w.Layout(width="48%", height="auto"))
            button.add_class("nls-choice").add_class("nls-tf")
            button.observe(self._toggled(option["id"]), names="value")
            self.buttons[option["id"]] = button
        return w.HBox(list(self.buttons.values())).add_class("nls-choices")

    def get(self) -> Any:
        chosen = next((oid for oid, b in self.buttons.items() if b.value), None)
        return None if chosen is None else chosen == "true"

    def put(self, value: Any) -> None:
        self._set(set() if value is None else {"true" if value else "false"})

    def answer_with(self, value: Any) -> None:
        self.buttons["true" if value else "false"].value = True


class ShortTextWidget(ItemWidget):
    def build(self) -> w.Widget:
        self.field = w.Text(placeholder="Gõ câu trả lời của em vào đây", continuous_update=True,
                            layout=w.Layout(width="100%"))
        self.field.add_class("nls-text")
        self.field.observe(self.changed, names="value")
        return self.field

    def get(self) -> Any:
        return self.field.value[: self.item.get("max_length", 200)] or None

    def put(self, value: Any) -> None:
        self.field.value = value or ""


class NumericWidget(ShortTextWidget):
    def build(self) -> w.Widget:
        field = super().build()
        field.placeholder = "Nhập một số (ví dụ 2,5)"
        unit = self.item.get("unit")
        self.hint = w.HTML("")
        row = w.HBox([field, w.HTML(f"<span class='nls-unit'>{html.escape(unit)}</span>")] if unit else [field])
        return w.VBox([row, self.hint])

    def changed(self, *args: Any) -> None:
        raw = self.field.value.strip()
        self.hint.value = "" if not raw or parse_number(raw) is not None else (
            "<span class='nls-error'>Chưa đọc được số này: em chỉ gõ chữ số, dấu phẩy hoặc dấu chấm.</span>")
        super().changed(*args)

    def put(self, value: Any) -> None:
        self.field.value = "" if value is None else str(value)


class OrderingWidget(ItemWidget):
    """Rows with ▲/▼ buttons; the order becomes an answer at the first move or on 'Giữ thứ tự này'."""

    def build(self) -> w.Widget:
        self.texts = {o["id"]: o["text"]["vi"] for o in self.item["options"]}
        self.order = [o["id"] for o in shuffled(self.item["options"], self.student, self.item["id"])]
        self.touched = False
        self.rows = w.VBox().add_class("nls-order")
        keep = w.Button(description="Giữ thứ tự này", icon="check", layout=w.Layout(width="auto"))
        keep.add_class("nls-keep")
        keep.on_click(lambda _b: self._commit())
        self._draw()
        return w.VBox([w.HTML("<i>Dùng nút ▲ ▼ để xếp theo thứ tự đúng.</i>"), self.rows, keep])

    def _draw(self) -> None:
        # Rows are built once; a move only rewrites the labels, so no widget is left orphaned.
        if not self.rows.children:
            rows = []
            for pos in range(len(self.order)):
                up = w.Button(description="▲", tooltip="Lên", layout=w.Layout(width="64px"), disabled=pos == 0)
                down = w.Button(description="▼", tooltip="Xuống", layout=w.Layout(width="64px"),
                                disabled=pos == len(self.order) - 1)
                up.add_class("nls-move")
                down.add_class("nls-move")
                up.on_click(lambda _b, p=pos: self.move(p, -1))
                down.on_click(lambda _b, p=pos: self.move(p, +1))
                label = w.HTML(layout=w.Layout(flex="1 1 auto"))
                rows.append(w.HBox([label, up, down]).add_class("nls-order-row"))
            self.rows.children = rows
        for pos, option_id in enumerate(self.order):
            self.rows.children[pos].children[0].value = f"<b>{pos + 1}.</b> {html.escape(self.texts[option_id])}"

    def move(self, pos: int, step: int) -> None:
        other = pos + step
        if 0 <= other < len(self.order):
            self.order[pos], self.order[other] = self.order[other], self.order[pos]
            self._draw()
            self._commit()

    def _commit(self) -> None:
        self.touched = True
        self.changed()

    def get(self) -> Any:
        return list(self.order) if self.touched else None

    def put(self, value: Any) -> None:
        if isinstance(value, list) and sorted(value) == sorted(self.order):
            self.order = list(value)
            self.touched = True
        self._draw()

    def answer_with(self, value: Any) -> None:
        # Press the buttons a pupil would press: bubble each option up to its place.
        for target, option_id in enumerate(value):
            pos = self.order.index(option_id)
            while pos > target:
                self.rows.children[pos].children[1].click()
                pos -= 1
        if not self.touched:
            self._commit()


class MatchingWidget(ItemWidget):
    def build(self) -> w.Widget:
        right = shuffled(self.item["right"], self.student, self.item["id"] + "/right")
        # "" (not None) for "nothing chosen yet": ipywidgets shows None as an empty box, not the label.
        choices = [("— chọn —", "")] + [(o["text"]["vi"], o["id"]) for o in right]
        self.menus: dict[str, w.Dropdown] = {}
        rows = []
        for option in shuffled(self.item["left"], self.student, self.item["id"] + "/left"):
            menu = w.Dropdown(options=choices, value="", layout=w.Layout(width="50%"))
            menu.add_class("nls-menu")
            menu.observe(self.changed, names="value")
            self.menus[option["id"]] = menu
            label = w.HTML(html.escape(option["text"]["vi"]), layout=w.Layout(width="50%"))
            rows.append(w.HBox([label, menu]).add_class("nls-match-row"))
        return w.VBox([w.HTML("<i>Ghép mỗi dòng bên trái với một lựa chọn bên phải.</i>"), *rows])

    def get(self) -> Any:
        chosen = {left: menu.value for left, menu in self.menus.items() if menu.value}
        return chosen or None

    def put(self, value: Any) -> None:
        value = value if isinstance(value, dict) else {}
        for left, menu in self.menus.items():
            menu.value = value.get(left) if value.get(left) in [v for _, v in menu.options] else ""

    def answer_with(self, value: Any) -> None:
        for left, right in value.items():
            self.menus[left].value = right


class WrittenWidget(ShortTextWidget):
    """A written answer, scored later by the teacher; saved as it is typed."""

    def build(self) -> w.Widget:
        limit = self.item.get("max_length", 1500)
        self.field = w.Textarea(placeholder="Viết câu trả lời của em vào đây", continuous_update=True,
                                layout=w.Layout(width="100%", height="160px"))
        self.field.add_class("nls-text")
        self.field.observe(self.changed, names="value")
        self.count = w.HTML(f"<span class='nls-unit'>0/{limit} ký tự</span>")
        return w.VBox([self.field, self.count])

    def changed(self, *args: Any) -> None:
        limit = self.item.get("max_length", 1500)
        n = len(self.field.value)
        over = " — <b>quá dài, phần thừa sẽ không được chấm</b>" if n > limit else ""
        self.count.value = f"<span class='nls-unit'>{n}/{limit} ký tự{over}</span>"
        super().changed(*args)

    def get(self) -> Any:
        return self.field.value[: self.item.get("max_length", 1500)].strip() or None


RENDERERS: dict[str, type[ItemWidget]] = {
    "single_choice": SingleChoiceWidget,
    "multiple_choice": MultipleChoiceWidget,
    "true_false": TrueFalseWidget,
    "short_text": ShortTextWidget,
    "numeric": NumericWidget,
    "ordering": OrderingWidget,
    "matching": MatchingWidget,
    "written": WrittenWidget,
}
