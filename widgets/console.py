"""The teacher's console (Voila): a whole school year's assessment from one page, with no terminal.

Tabs: the course and its classes (roster import), building and releasing an assessment (preview as a pupil
sees it, access slips for the portal), watching a sitting, collecting and grading with a progress bar, and
the results (class report, formgrader, feedback). Every button calls the library function the matching
``nanglucso`` command calls (nanglucso.cli): the console lays out, it never grades or builds in its own way.
A long action runs in a background thread, so the page stays usable and shows its progress.
"""

from __future__ import annotations

import html
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import ipywidgets as w
import pandas as pd

from nanglucso.background import FORMGRADER, NAMES, PORTAL, start_server, status, stop_server
from nanglucso.blueprint import Blueprint, load_blueprint
from nanglucso.course import Course, init_course, open_course
from nanglucso.errors import ContentError, KitError
from nanglucso.paths import shipped
from nanglucso.store import Store, levels
from nanglucso.text import class_list_key
from nanglucso.watch import class_progress, local_time, released_assignments

from .reports import CSS, _error_box, download_link, handle_upload, message_html, table_html

EXTRA_CSS = """
.nls-report .nls-console-bar { width: 520px; }
.nls-report .nls-step { color: #555; font-size: 13px; }
.nls-report a.nls-open-report { display: inline-block; background: #1d4e89; color: #fff; padding: 6px 14px;
  border-radius: 6px; text-decoration: none; font-weight: 600; }
.nls-report .nls-preview { border: 1px dashed #b8c4d6; border-radius: 10px; padding: 8px; margin: 6px 0; }
"""
FORMS = {"baseline": "Đầu năm học", "end_of_year": "Cuối năm học", "practical": "Thực hành"}
WHERE_PORTAL, WHERE_LAB = "portal", "lab"
REFRESH_SECONDS = 15
REPORT_PAGE = "bao_cao_lop.ipynb"
PREVIEW_SAVED = "<span class='nls-saved'>✓ Đã chọn (xem trước: không lưu)</span>"
# What the teacher does about each kind of grading problem (the message itself says what happened).
WHAT_TO_DO = {
    "missing_responses": "Hỏi em đã làm bài trên máy nào; nếu em chưa làm, cho em làm lại rồi bấm chấm lại.",
    "unreadable_responses": "Báo người quản trị phòng máy xem tệp trong thư mục submitted/ của em.",
    "missing_notebook": "Nhờ em đổi lại đúng tên tệp và nộp lại, rồi bấm chấm lại.",
    "corrupt_notebook": "Nhờ em mở lại bài (hoặc lấy bản lưu tự động) và nộp lại, rồi bấm chấm lại.",
    "autograde_failed": "Xem bài của em trong thư mục submitted/, sửa rồi bấm chấm lại.",
}


def _error(exc: Exception) -> str:
    return _error_box(exc).value


def blueprint_files(folder: Path | None = None) -> dict[tuple[int, str], tuple[Blueprint, Path]]:
    """(grade, form) → the blueprint for the baseline, end-of-year and practical forms in ``folder`` (the kit's own)."""
    out: dict[tuple[int, str], tuple[Blueprint, Path]] = {}
    for path in sorted((folder or shipped("assessments") / "blueprints").glob("*.y*ml")):
        try:
            bp = load_blueprint(path)
        except ContentError:
            continue  # 'nanglucso bank validate' names a broken blueprint; the console offers the good ones
        if bp.form in FORMS:
            out.setdefault((bp.grade, bp.form), (bp, path))
    return out


class _Preview:
    """The public items file of a built assignment, drawn with the pupils' own renderers; nothing is saved."""

    def __init__(self, folder: Path, notebook: str):
        from .session import Assessment

        self.sitting = Assessment(notebook, folder, student="xem-truoc")
        # A teacher trying the questions must never leave a responses file in source/ (STACK-NOTES pitfall).
        self.sitting.save = lambda item_id, value: None  # type: ignore[method-assign]
        from .renderers import RENDERERS

        self.renderable = set(RENDERERS)
        self.order = list(self.sitting.numbers)  # as numbered for the pupils (a task's checks have no card)
        self.n = 0
        self.where = w.HTML()
        self.card = w.VBox()
        self.back = w.Button(description="◀ Câu trước")
        self.forward = w.Button(description="Câu tiếp ▶")
        self.back.on_click(lambda _: self.go(-1))
        self.forward.on_click(lambda _: self.go(+1))
        self.box = w.VBox([w.HTML(f"<h3>Xem trước: {html.escape(self.sitting.title)}</h3><p class='nls-step'>"
                                  "Học sinh thấy đúng như thế này (không có đáp án). Thầy cô bấm thử được, "
                                  "nhưng không có gì được lưu.</p>"),
                           w.HBox([self.back, self.where, self.forward]), self.card]).add_class("nls-preview")
        self.go(0)

    def go(self, step: int) -> None:
        if not self.order:
            self.where.value = "Bài không có câu hỏi nào để xem trước."
            return
        self.n = min(max(self.n + step, 0), len(self.order) - 1)
        self.where.value = f"<b>&nbsp;Câu {self.n + 1}/{len(self.order)}&nbsp;</b>"
        self.back.disabled, self.forward.disabled = self.n == 0, self.n == len(self.order) - 1
        item_id = self.order[self.n]
        if self.sitting.items[item_id]["type"] in self.renderable:
            self.sitting.widget(item_id).saved_text = PREVIEW_SAVED
            self.card.children = [self.sitting.show(item_id)]
        else:  # code: a solution cell of the notebook, which the portal cannot show
            prompt = self.sitting.items[item_id].get("prompt", {}).get("vi", "")
            self.card.children = [w.HTML(f"<div class='nls-card'><b>Câu {self.n + 1}</b> (lập trình, học sinh làm "
                                         f"trong JupyterLab): {html.escape(prompt)}</div>")]


class TeacherConsole:
    """Tabs: Khoá học & lớp, Đề & phát bài, Theo dõi, Thu & chấm, Kết quả. ``controls`` holds the main widgets of
    the built tabs by name (for tests and scripts); ``worker`` is the background action running, if any."""

    def __init__(self, course: Course | None, root: Path | None = None, blueprints: Path | None = None,
                 query: str = ""):
        self.course = course
        self.root = Path(root) if root else (course.root if course else Path.cwd())
        self.blueprints = blueprints
        # The page's own query string (the access token): the report link carries it to the next page.
        self.query = query
        self.controls: dict[str, w.Widget] = {}
        self.worker: threading.Thread | None = None
        self._refreshers: list[Callable[[], None]] = []
        self._auto: threading.Event | None = None
        self.head = w.HTML()
        self.body = w.VBox()
        self.box = w.VBox([w.HTML(f"<style>{CSS}{EXTRA_CSS}</style>"), self.head, self.body]).add_class("nls-report")
        if course is None:
            self._create_form()
        else:
            self._open()

    # --- shared -----------------------------------------------------------------------------------------------

    def _open(self) -> None:
        self.tabs = w.Tab()
        self._pages = [("Khoá học & lớp", self._course_page), ("Đề & phát bài", self._release_page),
                       ("Theo dõi", self._watch_page), ("Thu & chấm", self._grade_page),
                       ("Kết quả", self._results_page)]
        # Built when first opened: only the first tab is drawn before the page is usable.
        self.tabs.children = [w.VBox([w.HTML("Đang tải…")]) for _ in self._pages]
        self._built: set[int] = set()
        self._on_tab({"new": 0})
        for i, (title, _build) in enumerate(self._pages):
            self.tabs.set_title(i, title)
        self.tabs.observe(self._on_tab, "selected_index")
        self.body.children = [self.tabs]
        self._head()

    def _on_tab(self, change: dict) -> None:
        index = change["new"]
        if index is None or index in self._built:
            return
        self._built.add(index)
        try:
            page = self._pages[index][1]()
        except KitError as exc:  # e.g. a database that cannot be reached: said on the tab, not as a traceback
            page = w.VBox([w.HTML(_error(exc))])
            self._built.discard(index)
        self.tabs.children = [*self.tabs.children[:index], page, *self.tabs.children[index + 1:]]

    def _students(self) -> list[dict[str, Any]]:
        assert self.course is not None
        return Store(self.course.db_url).students()

    def _classes(self) -> list[str]:
        return sorted({s["class_name"] for s in self._students()})

    def _head(self) -> None:
        assert self.course is not None
        cfg = self.course.config
        try:
            roster = self._students()
        except KitError as exc:
            self.head.value = f"<h2>{html.escape(cfg.school or cfg.course_id)}</h2>" + _error(exc)
            return
        classes = len({s["class_name"] for s in roster})
        self.head.value = (f"<h2>{html.escape(cfg.school or cfg.course_id)} — năm học {self.course.school_year}</h2>"
                           f"<div class='nls-card'><span class='nls-figure'>{classes}</span> lớp · "
                           f"<span class='nls-figure'>{len(roster)}</span> học sinh · "
                           f"<span class='nls-figure'>{len(released_assignments(self.course))}</span> bài đã phát"
                           "</div>")

    def changed(self) -> None:
        """After a write (roster, release, grading): redraw the header and every tab already built."""
        self._head()
        for refresh in self._refreshers:
            refresh()

    def busy(self) -> bool:
        return self.worker is not None and self.worker.is_alive()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the background action (tests and scripts)."""
        if self.worker is not None:
            self.worker.join(timeout)

    def _background(self, message: w.HTML, started: str, work: Callable[[], Any],
                    done: Callable[[Any], None], buttons: tuple[w.Button, ...] = ()) -> None:
        """Run ``work`` in a thread: the page keeps answering while it runs. Its result goes to ``done``; a
        KitError is shown in ``message``. One action at a time: two would write the same folders."""
        if self.busy():
            message.value = message_html("Đang làm một việc khác (chấm bài, phát bài…): chờ xong rồi bấm lại.",
                                         ok=False)
            return
        message.value = f"<p>{html.escape(started)}</p>"
        for b in buttons:
            b.disabled = True

        def run() -> None:
            try:
                result = work()
            except KitError as exc:
                message.value = _error(exc)
            except Exception as exc:  # noqa: BLE001 - an unexpected failure is still said on the page
                message.value = message_html(f"Có lỗi không lường trước: {exc}. Báo người quản trị phòng máy.",
                                             ok=False)
            else:
                try:
                    done(result)
                except KitError as exc:
                    message.value = _error(exc)
            finally:
                for b in buttons:
                    b.disabled = False

        self.worker = threading.Thread(target=run, name="nanglucso-console", daemon=True)
        self.worker.start()

    def _create_form(self) -> None:
        """No course in the folder yet: create it here (nanglucso course init)."""
        course_id = w.Text(description="Mã khoá học:", value=self.root.name, style={"description_width": "initial"})
        school = w.Text(description="Tên trường:", placeholder="Trường THCS …", layout=w.Layout(width="480px"),
                        style={"description_width": "initial"})
        create = w.Button(description="Tạo khoá học", button_style="primary", icon="plus")
        message = w.HTML()

        def on_create(_: Any) -> None:
            if not school.value.strip():
                message.value = message_html("Ghi tên trường trước.", ok=False)
                return
            try:
                self.course = init_course(self.root, course_id.value.strip() or self.root.name,
                                          school=school.value.strip())
            except KitError as exc:
                message.value = _error(exc)
                return
            self._open()

        create.on_click(on_create)
        self.controls.update(course_id=course_id, school=school, create=create, create_message=message)
        self.head.value = "<h2>Bảng điều khiển của giáo viên</h2>"
        self.body.children = [w.HTML(f"<p>Thư mục <code>{html.escape(str(self.root))}</code> chưa có khoá học. "
                                     "Ghi tên trường rồi bấm <b>Tạo khoá học</b>.</p>"),
                              course_id, school, create, message]

    # --- Khoá học & lớp ---------------------------------------------------------------------------------------

    def _course_page(self) -> w.Widget:
        course = self.course
        assert course is not None
        cfg = course.config
        info = w.HTML(f"<div class='nls-card'>Trường: <b>{html.escape(cfg.school or '—')}</b> · mã khoá học "
                      f"<code>{html.escape(cfg.course_id)}</code> · năm học {course.school_year}<br>"
                      f"<small>Thư mục khoá học: <code>{html.escape(str(course.root))}</code></small></div>")
        upload = w.FileUpload(accept=".xlsx,.csv", description="Nhập danh sách lớp", multiple=False,
                              layout=w.Layout(width="auto"))
        message = w.HTML()
        klass = w.Dropdown(description="Lớp:")
        summary = w.HTML()
        table = w.HTML()

        def show(_: Any = None) -> None:
            roster = self._students()
            counts = Counter(s["class_name"] for s in roster)
            listed = " · ".join(f"Lớp <b>{html.escape(k)}</b>: {v} em" for k, v in sorted(counts.items()))
            summary.value = f"<p>{listed}</p>" if roster else "<p>Chưa có danh sách lớp: nhập tệp Excel ở trên.</p>"
            members = sorted((s for s in roster if s["class_name"] == klass.value),
                             key=lambda s: class_list_key(s["full_name"]))
            frame = pd.DataFrame({"STT": range(1, len(members) + 1),
                                  "Mã học sinh": [s["student_id"] for s in members],
                                  "Họ và tên": [s["full_name"] for s in members],
                                  "Ngày sinh": [_birth(s.get("birth_date")) for s in members]})
            table.value = table_html(frame) if members else ""

        def refresh() -> None:
            classes = self._classes()
            current = klass.value
            klass.options = classes
            klass.value = current if current in classes else (classes[0] if classes else None)
            show()

        def importer(path: Path) -> str:
            from nanglucso.roster import import_roster

            rows = import_roster(course, path)
            counts = Counter(r["class_name"] for r in rows)
            return (f"Đã nhập {len(rows)} học sinh từ {path.name} ("
                    + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) + ").")

        def on_upload(change: dict) -> None:
            if handle_upload(change, upload, message, importer):
                self.changed()

        upload.observe(on_upload, "value")
        klass.observe(show, "value")
        self._refreshers.append(refresh)
        refresh()
        self.controls.update(roster_upload=upload, roster_message=message, roster_class=klass,
                             roster_summary=summary, roster_table=table)
        return w.VBox([info, w.HTML("<h3>Danh sách lớp</h3><p>Tệp Excel (hoặc CSV) xuất từ phần mềm quản lý trường "
                                    "học, có các cột <i>Mã học sinh, Họ và tên, Ngày sinh, Lớp</i>; các dòng tiêu "
                                    "đề phía trên được bỏ qua. Dòng sai được báo kèm số dòng, và khi có lỗi thì "
                                    "không gì được ghi.</p>"),
                       upload, message, summary, klass, table])

    # --- Đề & phát bài ----------------------------------------------------------------------------------------

    def _release_page(self) -> w.Widget:
        course = self.course
        assert course is not None
        found = blueprint_files(self.blueprints)
        grades = sorted({g for g, _ in found})
        usual = Counter(s.get("grade") for s in self._students()).most_common(1)
        grade = w.Dropdown(options=[(f"Lớp {g}", g) for g in grades], description="Khối:",
                           value=usual[0][0] if usual and usual[0][0] in grades else (grades[0] if grades else None))
        form = w.ToggleButtons(options=[(v, k) for k, v in FORMS.items()], description="Đợt:")
        about = w.HTML()
        build_button = w.Button(description="Tạo đề và xem trước", icon="file-text", layout=w.Layout(width="auto"))
        release_button = w.Button(description="Phát bài", button_style="primary", icon="paper-plane")
        message = w.HTML()
        preview = w.VBox()
        where = w.RadioButtons(options=[("Trên cổng làm bài (phiếu có mã, hợp với học sinh nhỏ)", WHERE_PORTAL),
                                        ("Trong JupyterLab (kho trao đổi của nbgrader)", WHERE_LAB)],
                               description="Học sinh làm bài:", style={"description_width": "initial"},
                               layout=w.Layout(width="auto"))
        slip_class = w.Dropdown(description="Lớp:")
        portal_box = self._server_box(PORTAL, "Mở cổng làm bài", "Đóng cổng",
                                      "Học sinh vào địa chỉ này, chọn lớp, gõ mã trên phiếu.", lan=True)
        slips_button = w.Button(description="Cấp mã và in phiếu", icon="print", layout=w.Layout(width="auto"))
        slips_message = w.HTML()
        handing = w.VBox()
        state: dict[str, Any] = {}

        def chosen() -> tuple[Blueprint, Path] | None:
            return found.get((grade.value, form.value))

        def describe(_: Any = None) -> None:
            pick = chosen()
            preview.children = []
            if pick is None:
                about.value = message_html("Chưa có cấu trúc đề cho khối và đợt này.", ok=False)
                build_button.disabled = release_button.disabled = True
                return
            bp, path = pick
            state["assignment"] = bp.id
            built = (course.source / bp.id).is_dir()
            released = bp.id in released_assignments(course)
            status = "đã phát cho học sinh" if released else "đã tạo, chưa phát" if built else "chưa tạo"
            about.value = (f"<div class='nls-card'><b>{html.escape(bp.title.vi)}</b> · {bp.time_limit_minutes} phút"
                           f" · mã bài <code>{bp.id}</code> · {status}<br><small>Cấu trúc đề: "
                           f"{html.escape(path.name)}</small></div>")
            build_button.disabled = False
            release_button.disabled = not built
            if built:
                show_preview(bp.id)
            show_handing()

        def show_preview(assignment: str) -> None:
            from nanglucso.paths import ITEMS_SUFFIX

            files = sorted((course.source / assignment).glob(f"*{ITEMS_SUFFIX}"))
            if files:
                view = _Preview(course.source / assignment, files[0].name[: -len(ITEMS_SUFFIX)])
                self.controls["preview"] = view  # type: ignore[assignment]
                preview.children = [view.box]

        def on_build(_: Any) -> None:
            pick = chosen()
            if pick is None:
                return
            from nanglucso.release import build

            def done(built: Any) -> None:
                skipped = f" (bỏ qua {len(built.skipped)} ô khung năng lực không có yêu cầu)" if built.skipped else ""
                size = f"{built.n_items} câu" + (f", {built.n_tasks} bài thực hành" if built.n_tasks else "")
                message.value = message_html(f"Đã tạo bài '{built.assignment}' ({size}){skipped}. "
                                         "Xem trước bên dưới, rồi bấm Phát bài.")
                describe()

            self._background(message, "Đang tạo đề từ ngân hàng câu hỏi…", lambda: build(course, pick[1]), done,
                             (build_button, release_button))

        def on_release(_: Any) -> None:
            from nanglucso.release import release

            assignment = state.get("assignment")
            if not assignment:
                return

            def done(_folder: Any) -> None:
                message.value = message_html(f"Đã phát bài '{assignment}' cho học sinh.")
                describe()
                self.changed()

            self._background(message, "Đang phát bài qua nbgrader…", lambda: release(course, assignment), done,
                             (build_button, release_button))

        def show_handing(_: Any = None) -> None:
            assignment = state.get("assignment")
            if assignment not in released_assignments(course):
                handing.children = [w.HTML("<p class='nls-step'>Phát bài xong, chọn cách học sinh làm bài ở đây.</p>")]
                return
            if where.value == WHERE_LAB:
                handing.children = [where, w.HTML(
                    f"<p>Bài <code>{html.escape(assignment)}</code> đã được phát qua kho trao đổi của nbgrader. Học "
                    "sinh mở JupyterLab, vào mục <b>Assignments</b>, bấm <b>Fetch</b> để nhận bài, chọn <i>Run → Run "
                    "All Cells</i>, trả lời rồi bấm <b>Submit</b> để nộp.</p>")]
                return
            classes = self._classes()
            slip_class.options = [("Tất cả các lớp", "")] + [(c, c) for c in classes]
            handing.children = [where, w.HTML("<p>Mỗi em một mã ngắn trên phiếu; in phiếu, cắt theo đường kẻ và "
                                              "phát cho từng em.</p>"),
                                w.HBox([slip_class, slips_button]), slips_message, portal_box]

        def on_slips(_: Any) -> None:
            from nanglucso.portal import issue_codes
            from nanglucso.slips import write_slips

            assignment = state["assignment"]
            klass = slip_class.value or None

            def work() -> tuple[int, Path]:
                # The same steps as 'nanglucso portal codes': codes kept across reprints, then the PDF.
                rows = issue_codes(course, assignment, klass)
                name = f"phieu_{assignment}_{klass}.pdf" if klass else f"phieu_{assignment}.pdf"
                return len(rows), write_slips(rows, course.root / name, f"Bài: {assignment}", course.config.school)

            def done(result: tuple[int, Path]) -> None:
                n, pdf = result
                slips_message.value = (message_html(f"Đã cấp mã cho {n} học sinh; phiếu lưu ở {pdf}.")
                                       + download_link(pdf, "Tải phiếu để in"))

            self._background(slips_message, "Đang cấp mã và tạo phiếu…", work, done, (slips_button,))

        grade.observe(describe, "value")
        form.observe(describe, "value")
        where.observe(show_handing, "value")
        build_button.on_click(on_build)
        release_button.on_click(on_release)
        slips_button.on_click(on_slips)
        self._refreshers.append(show_handing)
        describe()
        self.controls.update(grade=grade, form=form, blueprint_about=about, build=build_button,
                             release=release_button, release_message=message, where=where, handing=handing,
                             slip_class=slip_class, slips=slips_button, slips_message=slips_message)
        return w.VBox([w.HTML("<p>Chọn khối và đợt đánh giá: đề được rút từ ngân hàng câu hỏi theo cấu trúc đề của "
                              "bộ công cụ (đề cuối năm không trùng câu nào với đề đầu năm).</p>"),
                       w.HBox([grade, form]), about, w.HBox([build_button, release_button]), message, handing,
                       preview])

    def _server_box(self, name: str, open_label: str, close_label: str, hint: str, lan: bool = False) -> w.VBox:
        """Start or stop a server that outlives this page (nanglucso.background), with its address."""
        course = self.course
        assert course is not None
        state = w.HTML()
        open_button = w.Button(description=open_label, icon="play", button_style="success",
                               layout=w.Layout(width="auto"))
        close_button = w.Button(description=close_label, icon="stop", layout=w.Layout(width="auto"))
        others = w.Checkbox(value=False, description="Cho các máy khác trong trường vào (mạng nội bộ)",
                            indent=False, layout=w.Layout(width="auto"))

        def show() -> None:
            info = status(course, name)
            open_button.disabled, close_button.disabled = info is not None, info is None
            if info is None:
                state.value = f"<p>{html.escape(NAMES[name].capitalize())}: chưa mở.</p>"
                return
            url = html.escape(info["url"])
            state.value = (f"<p class='nls-ok'>{html.escape(NAMES[name].capitalize())} đang chạy từ "
                           f"{html.escape(info['started'])}: <a class='nls-server-{name}' href='{url}' "
                           f"target='_blank'>{url}</a><br><small>{html.escape(hint)} Đóng trang này thì máy chủ "
                           "vẫn chạy.</small></p>")

        def on_open(_: Any) -> None:
            try:
                start_server(course, name, ip="0.0.0.0" if others.value else "127.0.0.1")
            except KitError as exc:
                state.value = _error(exc)
                return
            show()

        def on_close(_: Any) -> None:
            stop_server(course, name)
            show()

        open_button.on_click(on_open)
        close_button.on_click(on_close)
        show()
        self.controls.update({f"{name}_open": open_button, f"{name}_close": close_button, f"{name}_state": state,
                              f"{name}_lan": others})
        return w.VBox([w.HBox([open_button, close_button] + ([others] if lan else [])), state])

    # --- Theo dõi ---------------------------------------------------------------------------------------------

    def _refill(self, pick: w.Dropdown, assignments: list[str], klass: w.Dropdown) -> None:
        """New choices after a change elsewhere, keeping the teacher's current assignment when it still exists."""
        current = pick.value
        pick.options = assignments
        if current in pick.options:
            pick.value = current
        classes = self._classes()
        if list(klass.options) != classes:
            klass.options = classes

    def _assignment_picker(self, options: list[str], name: str) -> w.Dropdown:
        pick = w.Dropdown(options=options, description="Bài:", layout=w.Layout(width="360px"))
        self.controls[name] = pick
        return pick

    def _watch_page(self) -> w.Widget:
        course = self.course
        assert course is not None
        pick = self._assignment_picker(released_assignments(course), "watch_assignment")
        klass = w.Dropdown(options=self._classes(), description="Lớp:")
        refresh_button = w.Button(description="Cập nhật", icon="refresh")
        auto = w.Checkbox(description=f"Tự cập nhật mỗi {REFRESH_SECONDS} giây", value=False, indent=False)
        summary = w.HTML()
        table = w.HTML()

        def show(_: Any = None) -> None:
            if not pick.value or not klass.value:
                summary.value = "<p>Chưa có bài nào được phát, hoặc chưa có danh sách lớp.</p>"
                table.value = ""
                return
            try:
                rows = class_progress(course, pick.value, klass.value)
            except KitError as exc:
                summary.value, table.value = _error(exc), ""
                return
            started = sum(r.started for r in rows)
            handed = sum(r.submitted is not None for r in rows)
            summary.value = (f"<div class='nls-card'>Lớp {html.escape(klass.value)}: <span class='nls-figure'>"
                             f"{started}/{len(rows)}</span> em đã vào bài trên cổng · <span class='nls-figure'>"
                             f"{handed}/{len(rows)}</span> em đã nộp</div>")
            frame = pd.DataFrame({
                "STT": range(1, len(rows) + 1),
                "Họ và tên": [r.full_name for r in rows],
                "Đã vào bài": ["✓" if r.started else "–" for r in rows],
                "Đã trả lời": [("tệp hỏng" if r.unreadable else f"{r.answered}/{r.questions}") if r.started else "–"
                               for r in rows],
                "Đã nộp": [f"✓ {local_time(r.submitted)}" if r.submitted else "–" for r in rows],
            })
            table.value = table_html(frame) + ("<p class='nls-step'>Học sinh làm trong JupyterLab: chỉ thấy được "
                                               "khi em đã nộp.</p>")

        def refresh() -> None:
            self._refill(pick, released_assignments(course), klass)
            show()

        def on_auto(change: dict) -> None:
            # A timer thread of the kernel redraws the table; unticking (or leaving the page) stops it.
            if self._auto is not None:
                self._auto.set()
                self._auto = None
            if change["new"]:
                stop = self._auto = threading.Event()

                def loop() -> None:
                    while not stop.wait(REFRESH_SECONDS):
                        show()

                threading.Thread(target=loop, name="nanglucso-watch", daemon=True).start()

        pick.observe(show, "value")
        klass.observe(show, "value")
        refresh_button.on_click(lambda _: refresh())
        auto.observe(on_auto, "value")
        self._refreshers.append(refresh)
        show()
        self.controls.update(watch_class=klass, watch_refresh=refresh_button, watch_auto=auto,
                             watch_summary=summary, watch_table=table)
        return w.VBox([w.HTML("<p>Ai đã vào bài, mỗi em đã trả lời bao nhiêu câu, ai đã nộp. Mỗi câu trả lời được "
                              "lưu ngay khi em chọn, nên bảng luôn đúng với bài làm trên máy chủ.</p>"),
                       w.HBox([pick, klass]), w.HBox([refresh_button, auto]), summary, table])

    # --- Thu & chấm -------------------------------------------------------------------------------------------

    def _grade_page(self) -> w.Widget:
        course = self.course
        assert course is not None
        pick = self._assignment_picker(released_assignments(course), "grade_assignment")
        go = w.Button(description="Thu bài và chấm", button_style="primary", icon="check-square-o",
                      layout=w.Layout(width="auto"))
        bar = w.IntProgress(value=0, min=0, max=1, description="Đã chấm:", bar_style="info",
                            layout=w.Layout(width="520px")).add_class("nls-grade-bar")
        bar.layout.visibility = "hidden"
        step = w.HTML()
        message = w.HTML()
        result = w.HTML()

        names: dict[str, str] = {}

        def progress(n: int, total: int, student: str) -> None:
            # Called by grade() after each submission, from the grading thread: the page follows along.
            bar.max = max(total, 1)
            bar.value = n
            step.value = (f"<span class='nls-step'>{n}/{total} bài · vừa chấm "
                          f"{html.escape(names.get(student, student))}</span>")

        def on_grade(_: Any) -> None:
            from nanglucso.grade import grade

            assignment = pick.value
            if not assignment:
                message.value = message_html("Chưa có bài nào được phát.", ok=False)
                return
            names.update({s["student_id"]: s["full_name"] for s in self._students()})
            bar.value, bar.bar_style = 0, "info"
            bar.layout.visibility = "visible"
            result.value = step.value = ""

            def done(report: Any) -> None:
                bar.bar_style = "success"
                message.value = ""
                result.value = self._grade_summary(report)
                self.changed()

            # One process: a Voila kernel has threads of its own (zmq, this one), and forking worker processes
            # from it can deadlock; the kernel-free grading of a quiz takes seconds for a whole class.
            self._background(message, "Đang thu bài và chấm…",
                             lambda: grade(course, assignment, progress=progress, workers=1), done, (go,))

        def on_sync(_: Any) -> None:
            from nanglucso.grade import sync_manual

            assignment = pick.value
            if not assignment:
                return

            def done(report: Any) -> None:
                message.value = message_html(f"Đã cập nhật bậc của {len(report.results)} em theo điểm chấm tay.")
                self.changed()

            # 'nanglucso grade BÀI --sync': read the formgrader's scores back without grading again.
            self._background(message, "Đang đọc điểm chấm tay từ sổ điểm nbgrader…",
                             lambda: sync_manual(course, assignment), done, (go, sync))

        go.on_click(on_grade)
        sync = w.Button(description="Cập nhật điểm chấm tay", icon="refresh", layout=w.Layout(width="auto"),
                        tooltip="Sau khi chấm phần viết trong formgrader")
        sync.on_click(on_sync)
        self.controls.update(grade_go=go, grade_sync=sync, grade_bar=bar, grade_message=message, grade_result=result)
        return w.VBox([w.HTML("<p>Thu mọi bài học sinh đã nộp (trên cổng hoặc trong JupyterLab), chấm bằng "
                              "nbgrader và xếp bậc. Chấm lại bao nhiêu lần cũng được: bài nộp sau thay bài nộp "
                              "trước.</p>"), w.HBox([pick, go, sync]), bar, step, message, result])

    def _grade_summary(self, report: Any) -> str:
        """Scores in class-list order, then each student's problems with what to do."""
        if not report.results:
            return message_html(f"Chưa có bài nộp nào của '{report.assignment}'.", ok=False)
        roster = {s["student_id"]: s for s in self._students()}

        def name(sid: str) -> str:
            return roster.get(sid, {}).get("full_name", sid)

        ordered = sorted(report.results, key=lambda r: (roster.get(r.student_id, {}).get("class_name", ""),
                                                        class_list_key(name(r.student_id))))
        frame = pd.DataFrame({
            "Họ và tên": [name(r.student_id) for r in ordered],
            "Lớp": [roster.get(r.student_id, {}).get("class_name", "") for r in ordered],
            "Điểm": ["—" if r.score is None else f"{_number(r.score)}/{_number(r.max_score)}" for r in ordered],
        })
        problems = report.problems
        out = (f"<div class='nls-card'><span class='nls-figure'>{len(report.results)}</span> bài đã chấm · "
               f"<span class='nls-figure'>{len(problems)}</span> vấn đề cần xem</div>")
        if problems:
            rows = "".join(f"<tr><td>{html.escape(name(p['student_id']))}</td><td>{html.escape(p['message'])}</td>"
                           f"<td>{html.escape(WHAT_TO_DO.get(p['kind'], ''))}</td></tr>" for p in problems)
            out += ("<h3>Vấn đề của từng em</h3><table class='nls-table nls-problems'><tr><th>Học sinh</th>"
                    f"<th>Vấn đề</th><th>Thầy cô nên làm gì</th></tr>{rows}</table>")
        else:
            out += message_html("Không có vấn đề nào: mọi bài đều được chấm đầy đủ.")
        pending = sum(r.pending for r in report.results)
        if pending:
            out += message_html(f"Còn {pending} câu viết chờ thầy cô chấm tay trong formgrader (xem tab Kết quả).",
                            ok=False)
        return out + "<h3>Điểm</h3>" + table_html(frame)

    # --- Kết quả ----------------------------------------------------------------------------------------------

    def _graded(self) -> list[str]:
        assert self.course is not None
        return sorted({r["assignment"] for r in Store(self.course.db_url).rows(levels)})

    def _results_page(self) -> w.Widget:
        course = self.course
        assert course is not None
        pick = self._assignment_picker(self._graded(), "results_assignment")
        klass = w.Dropdown(options=self._classes(), description="Lớp:")
        figures = w.HTML()
        link = w.HTML()

        def show_link() -> None:
            # The report page opens on this assignment and class (its `bai` and `lop` parameters), and the
            # page's own query (the access token) comes along.
            params = [(k, v) for k, v in parse_qsl(self.query.lstrip("?")) if k not in ("bai", "lop")]
            params += [(k, v) for k, v in (("bai", pick.value), ("lop", klass.value)) if v]
            query = ("?" + urlencode(params)) if params else ""
            link.value = (f"<p><a class='nls-open-report' href='{REPORT_PAGE}{html.escape(query)}' target='_blank'>"
                          "Mở trang Báo cáo lớp</a><br><small>Biểu đồ theo miền và năng lực, bản đồ học sinh × "
                          "năng lực, hồ sơ từng em, em cần hỗ trợ, thống kê câu hỏi — mở ở thẻ mới, trên cùng máy "
                          "chủ.</small></p>")
        feedback = w.Button(description="Trả nhận xét cho học sinh", icon="envelope", layout=w.Layout(width="auto"))
        feedback_message = w.HTML()

        def show(_: Any = None) -> None:
            from nanglucso.class_report import class_report

            show_link()
            if not pick.value or not klass.value:
                figures.value = "<p>Chưa có bài nào được chấm: chấm ở tab <b>Thu & chấm</b> trước.</p>"
                return
            try:
                rep = class_report(course, pick.value, klass.value, with_items=False)
            except KitError as exc:
                figures.value = _error(exc)
                return
            shares = rep.domain_share.rename(columns={"code": "Miền", "name": "Tên miền", "n": "Số HS",
                                                      "ready": "Đạt", "share": "Tỉ lệ đạt"})
            figures.value = (f"<div class='nls-card'>Lớp {html.escape(rep.class_name)} · {html.escape(rep.title)}: "
                             f"<span class='nls-figure'>{rep.assessed}/{len(rep.roster)}</span> học sinh có kết quả"
                             f" · bậc mong đợi {rep.expected}</div>"
                             + table_html(shares, percent=("Tỉ lệ đạt",)))

        def refresh() -> None:
            self._refill(pick, self._graded(), klass)
            show()

        def on_feedback(_: Any) -> None:
            from nanglucso.release import _check

            assignment = pick.value
            if not assignment:
                feedback_message.value = message_html("Chưa có bài nào được chấm.", ok=False)
                return

            def work() -> None:
                api = course.api()
                _check(api.generate_feedback(assignment, force=True), "tạo nhận xét")
                _check(api.release_feedback(assignment), "trả nhận xét")

            self._background(feedback_message, "Đang tạo và trả nhận xét…", work,
                             lambda _: setattr(feedback_message, "value", message_html(
                                 f"Đã trả nhận xét bài '{assignment}': học sinh xem ở mục Assignments của JupyterLab "
                                 "(nút Fetch Feedback).")), (feedback,))

        pick.observe(show, "value")
        klass.observe(show, "value")
        feedback.on_click(on_feedback)
        self._refreshers.append(refresh)
        show()
        self.controls.update(results_class=klass, results_figures=figures, report_link=link, feedback=feedback,
                             feedback_message=feedback_message)
        formgrader = ("<h3>Chấm tay phần viết (formgrader của nbgrader)</h3><p>Bài thực hành có câu viết cần thầy cô "
                      "chấm: mở formgrader bằng nút dưới đây (JupyterLab của khoá học, mục chấm bài của nbgrader, "
                      "có thang chấm bên cạnh bài của từng em). Chấm xong, bấm <b>Cập nhật điểm chấm tay</b> ở tab "
                      "<b>Thu & chấm</b> (như lệnh <code>nanglucso grade BÀI --sync</code>) để cập nhật bậc.</p>")
        grader_box = self._server_box(FORMGRADER, "Mở formgrader", "Đóng formgrader",
                                      "Mở ở thẻ mới; dùng cùng mã truy cập với các trang giáo viên.")
        return w.VBox([w.HBox([pick, klass]), figures, link, w.HTML(formgrader), grader_box,
                       w.HTML("<h3>Trả nhận xét</h3><p>Tạo bản nhận xét của nbgrader cho từng em đã được chấm và trả "
                              "qua kho trao đổi.</p>"), w.HBox([feedback]), feedback_message])


def _number(x: float) -> str:
    """16.2499 → '16,2' (one decimal at most, Vietnamese comma)."""
    return f"{round(x, 1):g}".replace(".", ",")


def _birth(value: Any) -> str:
    """'2014-09-05' → '05/09/2014' (as on the school's lists)."""
    text = str(value or "")
    parts = text.split("-")
    return f"{parts[2]}/{parts[1]}/{parts[0]}" if len(parts) == 3 else text


def open_console(root: str | Path, query: str = "") -> TeacherConsole:
    """The console for the course in ``root``; a form to create it when the folder has none yet."""
    try:
        course = open_course(Path(root))
    except KitError:
        return TeacherConsole(None, root=Path(root), query=query)
    return TeacherConsole(course, query=query)
