"""The student portal page: class, code, name check, then one large question at a time, review, submit.

Every answer goes to the pupil's responses file the moment it is given (the same renderers and the same
file as in JupyterLab), so a refresh, a closed tab or a dead kernel costs nothing: the pupil types the code
again and comes back to the first unanswered question with every answer in place.
"""

from __future__ import annotations

import base64
import html
import json
import mimetypes
import re
import time
from datetime import datetime
from typing import Any

import ipywidgets as w

from nanglucso.portal import hand_in, login, portal_assignments, portal_classes, workspace
from nanglucso.speech import available as speech_available
from nanglucso.speech import speak

from .renderers import CSS, RENDERERS, big_button
from .session import ITEMS_SUFFIX, Assessment

STARTED = ".portal_started"


def _button(label: str, icon: str = "", style: str = "") -> w.Button:
    return big_button(label, icon, style, height="56px")


class PortalApp:
    def __init__(self, course: Any):
        self.course = course
        self.pupil: Any = None
        self.sitting: Assessment | None = None
        self.order: list[str] = []
        self.n = 0
        self.message = w.HTML("")
        self.screen = w.VBox()
        self.box = w.VBox([w.HTML(f"<style>{CSS}</style>"), self.screen, self.message]).add_class("nls-portal")
        self.show_login()

    # -- login ---------------------------------------------------------------------------------------
    def show_login(self, *_: Any) -> None:
        assignments = portal_assignments(self.course)
        self.message.value = ""
        if not assignments:
            self.screen.children = [w.HTML("<div class='nls-prompt'>Chưa có bài nào mở trên cổng. "
                                           "Em chờ thầy cô nhé.</div>")]
            return
        self.assignment = w.Dropdown(options=assignments, description="Bài:").add_class("nls-menu")
        self.klass = w.Dropdown(options=portal_classes(self.course, assignments[0]),
                                description="Lớp:").add_class("nls-menu")
        self.assignment.observe(lambda ch: setattr(self.klass, "options",
                                                   portal_classes(self.course, ch["new"])), names="value")
        self.code = w.Text(placeholder="Mã trên phiếu", description="Mã của em:",
                           layout=w.Layout(width="320px")).add_class("nls-text")
        go = _button("Vào bài", "sign-in", "primary")
        go.on_click(self.try_login)
        self.screen.children = [w.HTML("<div class='nls-prompt'>Chọn lớp của em và gõ mã trên phiếu.</div>"),
                                self.assignment, self.klass, self.code, go]

    def try_login(self, *_: Any) -> None:
        pupil = login(self.course, self.assignment.value, self.klass.value or "", self.code.value)
        if pupil is None:
            self.message.value = ("<div class='nls-error'>Mã chưa đúng. Em xem lại phiếu (chữ in hoa, không có "
                                  "số 0 và số 1) hoặc hỏi thầy cô.</div>")
            return
        self.pupil = pupil
        self.message.value = ""
        yes, no = _button("Đúng, em vào làm bài", "check", "success"), _button("Không phải em", "times")
        yes.on_click(self.open_sitting)
        no.on_click(self.show_login)
        self.screen.children = [w.HTML(f"<div class='nls-prompt'>Em là <b>{html.escape(pupil.full_name)}</b>, "
                                       f"lớp <b>{html.escape(pupil.class_name)}</b>?</div>"), w.HBox([yes, no])]

    # -- answering -----------------------------------------------------------------------------------
    def open_sitting(self, *_: Any) -> None:
        folder = workspace(self.course, self.assignment.value, self.pupil.student_id)
        notebook = next(folder.glob(f"*{ITEMS_SUFFIX}")).name[: -len(ITEMS_SUFFIX)]
        self.sitting = Assessment(notebook, folder, self.pupil.student_id)
        manifest = json.loads((folder / f"{notebook}{ITEMS_SUFFIX}").read_text(encoding="utf-8"))
        self.minutes = int(manifest.get("time_limit_minutes") or 0)
        self.grade = int(manifest.get("grade") or 0)
        started = folder / STARTED
        if not started.exists():
            started.write_text(str(time.time()), encoding="utf-8")
        self.started = float(started.read_text(encoding="utf-8") or time.time())
        # Screens in notebook order: quiz questions, and for each practical task its situation (with the
        # artefacts), its file widget, then its questions. Code steps need JupyterLab (said on the task's page).
        self.tasks = {t["id"]: t for t in manifest.get("tasks", [])}
        self.order = []
        for item_id, item in self.sitting.items.items():
            task = item.get("task")
            if task and f"task:{task}" not in self.order:
                self.order.append(f"task:{task}")
                self.order += [w_id for w_id in self.sitting.works if w_id.startswith(task + ".")]
            if item["type"] in RENDERERS:
                self.order.append(item_id)
        self.questions = [k for k in self.order if k in self.sitting.items]
        answered = self.answered()
        # Back at the first question not yet answered (a fresh start begins at the first screen).
        self.n = next((k for k, i in enumerate(self.order) if i in self.questions and i not in answered), 0) \
            if answered else 0
        self.show_question()

    def answered(self) -> set[str]:
        from nanglucso.responses import read_responses

        try:
            return {k for k, v in read_responses(self.sitting.path).items() if v not in (None, "", [], {})}
        except Exception:  # noqa: BLE001 - a damaged file is reported by the widgets themselves
            return set()

    def _head(self) -> w.HTML:
        done = len(self.answered() & set(self.questions))
        key = self.order[self.n]
        where = (f"câu {self.questions.index(key) + 1}/{len(self.questions)}" if key in self.questions
                 else "bài thực hành")
        left = ""
        if self.minutes:
            remaining = max(0, int(self.minutes - (time.time() - self.started) / 60))
            left = f" · còn khoảng <b>{remaining} phút</b>"
        return w.HTML(f"<div class='nls-head'>{html.escape(self.pupil.full_name)} · {self.pupil.class_name} · "
                      f"{where} · đã trả lời {done}/{len(self.questions)}{left}</div>")

    def task_page(self, task_id: str) -> w.Widget:
        """A practical task's situation, artefacts included (pictures inlined: nothing else is served)."""
        from nbconvert.filters.markdown import markdown2html

        task = self.tasks[task_id]
        body = "".join(markdown2html(text) for text in task.get("intro", []))
        body = re.sub(r'src="(images/[^"]+)"', lambda m: f'src="{self._inline(m.group(1))}"', body)
        note = ("<p class='nls-error'>Bài này có phần lập trình: em làm phần đó trong JupyterLab.</p>"
                if task.get("has_code") else "")
        return w.HTML(f"<div class='nls-item'><div class='nls-head'>Bài thực hành: {html.escape(task['title'])}"
                      f"</div><div class='nls-prompt'>{body}</div>{note}</div>")

    def _inline(self, rel: str) -> str:
        path = (self.sitting.folder / rel).resolve()
        if self.sitting.folder.resolve() not in path.parents or not path.is_file():
            return ""
        kind = mimetypes.guess_type(path.name)[0] or "image/png"
        return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"

    def _screen(self, key: str) -> w.Widget:
        if key.startswith("task:"):
            return self.task_page(key[5:])
        if key in self.sitting.works:
            return self.sitting.files(key)
        return self.sitting.show(key)

    def show_question(self, *_: Any) -> None:
        item_id = self.order[self.n]
        back, forward = _button("◀ Câu trước"), _button("Câu tiếp ▶", style="primary")
        review = _button("Xem lại và nộp bài", "list")
        back.disabled = self.n == 0
        back.on_click(lambda *_: self.go(-1))
        forward.on_click(lambda *_: self.go(+1))
        review.on_click(self.show_review)
        if self.n == len(self.order) - 1:
            forward.layout.display = "none"
        parts = [self._head(), self._screen(item_id)]
        if self.grade and self.grade <= 3 and speech_available() and item_id in self.sitting.items:
            self.audio = w.VBox()
            listen = _button("Nghe đọc câu hỏi", "volume-up")
            listen.on_click(lambda *_: self.read_aloud(item_id))
            parts += [listen, self.audio]
        self.screen.children = [*parts, w.HBox([back, forward, review])]

    def read_aloud(self, item_id: str) -> None:
        """Speak the question and its choices in the order this pupil sees them."""
        renderer = self.sitting.widget(item_id)
        words = [f"Câu {self.questions.index(item_id) + 1}.", renderer.item["prompt"]["vi"]]
        words += [b.description for b in getattr(renderer, "buttons", {}).values()]
        wav = speak(" ".join(words))
        if wav:
            self.audio.children = [w.Audio(value=wav, format="wav", autoplay=True, controls=True)]

    def go(self, step: int) -> None:
        self.n = min(max(self.n + step, 0), len(self.order) - 1)
        self.show_question()

    # -- review and submit ---------------------------------------------------------------------------
    def show_review(self, *_: Any) -> None:
        answered = self.answered()
        buttons = []
        for k, item_id in enumerate(self.order):
            if item_id not in self.questions:
                continue
            ok = item_id in answered
            b = w.Button(description=f"{self.questions.index(item_id) + 1} {'✓' if ok else '…'}",
                         button_style="success" if ok else "warning", layout=w.Layout(width="72px", height="48px"))
            b.on_click(lambda *_, k=k: self.jump(k))
            buttons.append(b)
        missing = len(self.questions) - len(answered & set(self.questions))
        note = (f"<div class='nls-error'>Còn {missing} câu em chưa trả lời (màu vàng). Bấm vào số câu để làm.</div>"
                if missing else "<div class='nls-saved'>Em đã trả lời tất cả các câu.</div>")
        submit = _button("Nộp bài", "paper-plane", "danger")
        submit.on_click(self.confirm)
        back = _button("Tiếp tục làm bài")
        back.on_click(self.show_question)
        self.screen.children = [w.HTML("<div class='nls-prompt'>Xem lại bài làm</div>"), w.HTML(note),
                                w.Box(buttons, layout=w.Layout(flex_flow="row wrap")), w.HBox([back, submit])]

    def jump(self, k: int) -> None:
        self.n = k
        self.show_question()

    def confirm(self, *_: Any) -> None:
        yes, no = _button("Chắc chắn, nộp bài", "check", "danger"), _button("Chưa, quay lại")
        yes.on_click(self.submit)
        no.on_click(self.show_review)
        self.screen.children = [w.HTML("<div class='nls-prompt'>Em chắc chắn muốn nộp bài? Nộp xong vẫn có thể "
                                       "vào lại để sửa và nộp lại trước khi thầy cô thu bài.</div>"),
                                w.HBox([yes, no])]

    def submit(self, *_: Any) -> None:
        try:
            hand_in(self.course, self.assignment.value, self.pupil.student_id)
        except Exception as exc:  # noqa: BLE001 - shown to the pupil; the answers stay on disk
            self.message.value = (f"<div class='nls-error'>Chưa nộp được ({html.escape(str(exc))}). Bài làm của "
                                  "em vẫn được giữ nguyên; em báo thầy cô nhé.</div>")
            return
        at = datetime.now().strftime("%H:%M")
        again = _button("Về trang đầu")
        again.on_click(self.show_login)
        self.screen.children = [w.HTML(f"<div class='nls-prompt'>✅ Em đã nộp bài lúc <b>{at}</b>. "
                                       "Cảm ơn em! Em có thể đóng trang này.</div>"), again]
