"""The teacher's class report and the principal's school dashboard, as ipywidgets apps served by Voila.

Each app reads the course's tables through the kit's report modules and only lays them out: figures are
computed in nanglucso.class_report / nanglucso.school, charts drawn by nanglucso.charts.
"""

from __future__ import annotations

import base64
import html
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import ipywidgets as w
import pandas as pd

from nanglucso import charts
from nanglucso.class_report import ClassReport, class_report, question_report
from nanglucso.course import Course
from nanglucso.errors import ContentError, KitError, Problem
from nanglucso.framework import load_framework
from nanglucso.item_stats import flag_summary, vn_number
from nanglucso.relatives import SERVICES, add_records, helpers_table, import_excel
from nanglucso.rounds import course_rounds
from nanglucso.school import class_table, indicators, load_school, progress
from nanglucso.store import Store, levels
from nanglucso.text import class_list_key

CSS = """
.nls-report { font-size: 15px; max-width: 1180px; }
.nls-report h2 { color: #1d4e89; margin: 4px 0; }
.nls-report h3 { color: #1d4e89; margin: 14px 0 6px 0; }
.nls-report table.nls-table { border-collapse: collapse; margin: 6px 0 12px 0; font-size: 14px; }
.nls-report table.nls-table th { background: #e8eef6; padding: 4px 8px; text-align: left; }
.nls-report table.nls-table td { border-top: 1px solid #dde3ea; padding: 4px 8px; }
.nls-report .nls-figure { font-size: 28px; font-weight: 700; color: #1d4e89; }
.nls-report .nls-card { border: 1px solid #d0d7e2; border-radius: 10px; padding: 10px 14px; margin: 6px 0;
  background: #fbfcfe; }
.nls-report .nls-warn { color: #b42318; }
.nls-report .nls-ok { color: #1b7f3b; }
"""



def table_html(frame: pd.DataFrame, percent: tuple[str, ...] = (), numbers: tuple[str, ...] = ()) -> str:
    """A DataFrame as an HTML table, shares in %, decimals with a Vietnamese comma."""
    shown = frame.copy()
    for col in percent:
        if col in shown:
            shown[col] = shown[col].map(charts.pct)
    for col in numbers:
        if col in shown:
            shown[col] = shown[col].map(lambda v: "–" if pd.isna(v) else vn_number(v))
    return shown.to_html(index=False, classes="nls-table", border=0, na_rep="–", escape=True)


def image(fig) -> w.Image:
    return w.Image(value=charts.png(fig), format="png", layout=w.Layout(max_width="100%"))


def message_html(text: str, ok: bool = True) -> str:
    """A one-line outcome for the teacher: green when done, orange when something needs doing."""
    return f"<p class='{'nls-ok' if ok else 'nls-warn'}'>{html.escape(text)}</p>"


def download_link(path: Path, label: str) -> str:
    """A link that hands the file to the browser from memory: the server itself serves no course file."""
    kind = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ".pdf": "application/pdf", ".csv": "text/csv"}.get(path.suffix, "application/octet-stream")
    data = base64.b64encode(path.read_bytes()).decode()
    return (f"<a class='nls-download' download='{html.escape(path.name)}' href='data:{kind};base64,{data}'>"
            f"{html.escape(label)} ({path.name})</a>")


def lazy_tabs(pages: list[tuple[str, Callable[[], w.Widget]]]) -> w.Tab:
    """Tabs whose content is built when first opened: only the first is drawn before the page is usable."""
    tabs = w.Tab(children=[pages[0][1]()] + [w.VBox([w.HTML("Đang tải…")]) for _ in pages[1:]])
    built = {0}

    def on_tab(change) -> None:
        index = change["new"]
        if index is not None and index not in built:
            built.add(index)
            tabs.children = [*tabs.children[:index], pages[index][1](), *tabs.children[index + 1:]]

    tabs.observe(on_tab, "selected_index")
    for i, (title, _build) in enumerate(pages):
        tabs.set_title(i, title)
    return tabs


def handle_upload(change: dict, upload: w.FileUpload, message: w.HTML, importer: Callable[[Path], str]) -> bool:
    """Run ``importer`` on the uploaded file, saved under its own name in a temporary folder; show its success
    message or the errors (naming the teacher's file, not the copy); clear the upload so the same file can be
    sent again after a fix. True when the import went through."""
    files = change["new"]
    if not files:
        return False
    item = files[0]
    name = Path(item["name"]).name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(bytes(item["content"]))
        try:
            done = importer(path)
        except KitError as exc:
            if isinstance(exc, ContentError):  # the teacher knows the file by its own name, not the copy's path
                exc = ContentError([Problem(name if p.path else None, p.line, p.message) for p in exc.problems])
            message.value = (f"<p class='nls-warn'>Chưa nhập gì từ {html.escape(name)}: sửa rồi nhập lại.</p>"
                             + _error_box(exc).value)
            return False
        finally:
            upload.value = ()
    message.value = f"<p class='nls-ok'>{html.escape(done)}</p>"
    return True


def export_buttons(actions: list[tuple[str, Callable[[], Path]]], icon: str = "download") -> w.VBox:
    """One button per export; each writes its file and adds a download link (the files stay in bao_cao/)."""
    out = w.HTML()
    links: dict[str, str] = {}
    buttons = []
    for label, action in actions:
        button = w.Button(description=label, icon=icon, layout=w.Layout(width="auto"))

        def run(_, action=action, label=label) -> None:
            out.value = "Đang tạo tệp…"
            try:
                path = action()
            except KitError as exc:
                out.value = _error_box(exc).value
                return
            links[label] = download_link(path, label)
            out.value = f"<p class='nls-ok'>Đã lưu {html.escape(str(path))}.</p>" + "<br>".join(links.values())

        button.on_click(run)
        buttons.append(button)
    return w.VBox([w.HBox(buttons), out])


def _error_box(exc: Exception) -> w.HTML:
    text = "<br>".join(html.escape(str(p)) for p in exc.problems) if isinstance(exc, ContentError) \
        else html.escape(str(exc))
    return w.HTML(f"<div class='nls-warn'>{text}</div>")


class ClassReportApp:
    """Pick a round and a class; see readiness, the heatmap, each student's profile, who needs support,
    and the question statistics."""

    def __init__(self, course: Course, assignment: str | None = None, class_name: str | None = None):
        """``assignment`` and ``class_name`` choose what the page opens on (the teacher console's link), when
        they exist; otherwise the newest assignment and the first class."""
        self.course = course
        self.fw = load_framework()
        store = Store(course.db_url)
        graded = {r["assignment"] for r in store.rows(levels)}
        rounds = course_rounds(course)
        # Newest first: per grade, end of year before baseline before the practical and practice forms.
        order = {"end_of_year": 0, "baseline": 1, "practical": 2, "practice": 3}
        names = sorted((a for a in graded if a in rounds),
                       key=lambda a: (rounds[a].grade, order.get(rounds[a].form, 9), a))
        self.assignments = [(a if rounds[a].title == a else f"{rounds[a].title} ({a})", a) for a in names]
        classes = sorted({s["class_name"] for s in store.students()})
        self.pick = w.Dropdown(options=self.assignments, description="Bài:", layout=w.Layout(width="520px"))
        self.klass = w.Dropdown(options=classes, description="Lớp:")
        if assignment in names:
            self.pick.value = assignment
        if class_name in classes:
            self.klass.value = class_name
        self.body = w.VBox()
        self.box = w.VBox([w.HTML(f"<style>{CSS}</style>"), w.HBox([self.pick, self.klass]), self.body])
        self.box.add_class("nls-report")
        self.report: ClassReport | None = None
        self.seconds = 0.0
        if not self.assignments or not classes:
            self.body.children = [w.HTML("<p>Chưa có bài nào được chấm. Chạy <code>nanglucso grade</code> "
                                         "(hoặc nút Chấm bài ở trang giáo viên) trước.</p>")]
            return
        self.pick.observe(lambda _: self.show(), "value")
        self.klass.observe(lambda _: self.show(), "value")
        self.show()

    def show(self) -> None:
        started = time.monotonic()
        try:
            rep = class_report(self.course, self.pick.value, self.klass.value, self.fw, with_items=False)
        except KitError as exc:
            self.body.children = [_error_box(exc)]
            return
        self.report = rep
        if not rep.assessed:
            self.body.children = [w.HTML(f"<p>Lớp {html.escape(rep.class_name)} chưa có kết quả của bài này.</p>")]
            return
        self.tabs = lazy_tabs([("Tổng quan", lambda: self._overview(rep)),
                               ("Bản đồ năng lực", lambda: self._heatmap(rep)),
                               ("Từng học sinh", lambda: self._students(rep)),
                               ("Cần hỗ trợ", lambda: self._support(rep)),
                               ("Câu hỏi", lambda: self._questions(rep))])
        self.body.children = [self.tabs]
        self.seconds = time.monotonic() - started

    def _overview(self, rep: ClassReport) -> w.VBox:
        missing = rep.not_assessed
        head = (f"<h2>{html.escape(rep.school)} · Lớp {html.escape(rep.class_name)}</h2>"
                f"<div>{html.escape(rep.title)} · bậc mong đợi của khối {rep.grade}: <b>{rep.expected}</b></div>"
                f"<div class='nls-card'><span class='nls-figure'>{rep.assessed}/{len(rep.roster)}</span> học sinh "
                f"có kết quả" + (f" · chưa có: {html.escape(', '.join(missing))}" if missing else "") + "</div>")
        dom = rep.domain_share
        comp = rep.competency_share
        parts: list[w.Widget] = [w.HTML(head)]
        parts.append(image(charts.share_bars([f"Miền {c}. {n}" for c, n in zip(dom["code"], dom["name"], strict=True)],
                                             list(dom["share"]), "Tỉ lệ học sinh đạt bậc mong đợi theo miền")))
        parts.append(image(charts.share_bars([f"{c} {n}" for c, n in zip(comp["code"], comp["name"], strict=True)],
                                             list(comp["share"]),
                                             "Tỉ lệ học sinh đạt bậc mong đợi theo năng lực thành phần")))
        shown = comp.rename(columns={"code": "Mã", "name": "Năng lực", "n": "Số HS", "ready": "Đạt",
                                     "share": "Tỉ lệ"})
        parts.append(w.HTML("<h3>Theo năng lực thành phần</h3>" + table_html(shown, percent=("Tỉ lệ",))))
        return w.VBox(parts)

    def _heatmap(self, rep: ClassReport) -> w.VBox:
        note = ("<p>Mỗi ô là bậc em đạt ở một năng lực; màu so với bậc mong đợi "
                f"{rep.expected}: xanh đậm — cao hơn, xanh nhạt — đạt, cam — thấp hơn một bậc, đỏ — thấp hơn "
                "hai bậc trở lên; '–' là chưa đạt bậc nào của bài, ô xám là năng lực không có trong bài.</p>")
        return w.VBox([w.HTML(note), image(charts.heatmap(rep.heatmap, rep.gaps,
                                                          f"Lớp {rep.class_name}: học sinh × năng lực"))])

    def _students(self, rep: ClassReport) -> w.VBox:
        names = [(p.full_name, i) for i, p in enumerate(rep.profiles)]
        pick = w.Dropdown(options=names, description="Học sinh:", layout=w.Layout(width="420px"))
        out = w.HTML()
        domain_names = {d.code: d.name_vi for d in self.fw.domains}

        def render(_=None) -> None:
            p = rep.profiles[pick.value]
            rows = "".join(f"<tr><td>Miền {c}. {html.escape(domain_names[c])}</td><td>{lvl or '–'}</td></tr>"
                           for c, lvl in p.domains.items())
            good = "".join(f"<li>{html.escape(s)}</li>" for s in p.strengths) or "<li>—</li>"
            steps = "".join(f"<li>{html.escape(s)}</li>" for s in p.next_steps) or \
                "<li>Em đã đạt bậc mong đợi ở mọi năng lực của bài: có thể thử thách em ở bậc cao hơn.</li>"
            out.value = (f"<h3>{html.escape(p.full_name)}</h3><p>Đạt bậc mong đợi ở {p.ready_domains}/"
                         f"{len(p.domains)} miền.</p><table class='nls-table'><tr><th>Miền</th><th>Bậc đạt</th>"
                         f"</tr>{rows}</table><h3>Điểm mạnh</h3><ul>{good}</ul>"
                         f"<h3>Bước tiếp theo</h3><ul>{steps}</ul>")

        pick.observe(render, "value")
        render()
        return w.VBox([pick, out])

    def _support(self, rep: ClassReport) -> w.VBox:
        if rep.support.empty:
            return w.VBox([w.HTML("<p class='nls-ok'>Không em nào cần hỗ trợ thêm theo tiêu chí của báo cáo.</p>")])
        return w.VBox([w.HTML(f"<h3>{len(rep.support)} học sinh cần hỗ trợ</h3>"
                              "<p>Chưa đạt bậc mong đợi ở miền An toàn, hoặc ở dưới một nửa số miền.</p>"
                              + table_html(rep.support))])

    def _questions(self, rep: ClassReport) -> w.VBox:
        if rep.items is None:
            rep.items, rep.item_labels = question_report(self.course, rep.assignment, list(rep.roster["student_id"]))
        stats = rep.items
        if stats is None:
            return w.VBox([w.HTML("<p>Chưa có điểm từng câu.</p>")])
        table = stats.items.reset_index()
        table.insert(1, "Câu hỏi", table["item_id"].map(rep.item_labels).fillna(""))
        table["flags"] = table["flags"].map(lambda f: "; ".join(f))
        table = table.rename(columns={"item_id": "Mã câu", "n": "Số HS", "p": "Độ khó p",
                                      "discrimination": "Độ phân biệt r", "upper_lower": "Nhóm cao − thấp",
                                      "blank": "Bỏ trống", "flags": "Cần xem lại"})
        alpha = "–" if pd.isna(stats.reliability) else vn_number(stats.reliability)
        rel = (f"<div class='nls-card'>Độ tin cậy của bài: Cronbach's α = <b>{alpha}</b>"
               + (f", KR-20 = <b>{vn_number(stats.kr20)}</b>" if not pd.isna(stats.kr20) else "")
               + f" ({stats.n_students} học sinh, {stats.n_items} câu). "
               "Nên từ 0,70 trở lên để so sánh các em với nhau.</div>")
        flagged = "".join(f"<li>{html.escape(s)}</li>" for s in flag_summary(stats)) or "<li>Không có câu nào.</li>"
        dist = stats.distractors.copy()
        dist["is_key"] = dist["is_key"].map({True: "đáp án", False: ""})
        dist = dist.rename(columns={"item_id": "Mã câu", "option": "Phương án", "is_key": "", "share": "Tỉ lệ chọn",
                                    "upper_share": "Nhóm cao", "lower_share": "Nhóm thấp"})
        return w.VBox([w.HTML(
            rel + f"<h3>Câu cần xem lại</h3><ul>{flagged}</ul><h3>Thống kê từng câu</h3>"
            + table_html(table, percent=("Độ khó p", "Bỏ trống"), numbers=("Độ phân biệt r", "Nhóm cao − thấp"))
            + "<h3>Các phương án được chọn</h3>"
            + table_html(dist, percent=("Tỉ lệ chọn", "Nhóm cao", "Nhóm thấp")))])


class SchoolDashboardApp:
    """The principal's page: indicators against targets, every class, progress over the year, the
    'Mỗi học sinh – Một người thân số hóa' records, and the exports for the yearly report."""

    def __init__(self, course: Course):
        self.course = course
        self.fw = load_framework()
        self.body = w.VBox()
        self.box = w.VBox([w.HTML(f"<style>{CSS}</style>"), self.body]).add_class("nls-report")
        self.seconds = 0.0
        self.refresh()

    def refresh(self) -> None:
        started = time.monotonic()
        try:
            data = load_school(self.course)
        except KitError as exc:
            self.body.children = [_error_box(exc)]
            return
        self.data = data
        tabs = lazy_tabs([("Chỉ tiêu", lambda: self._indicators(data)), ("Các lớp", lambda: self._classes(data)),
                          ("Tiến bộ trong năm", lambda: self._progress(data)),
                          ("Người thân số hóa", lambda: self._relatives(data)), ("Xuất báo cáo", self._exports)])
        cfg = self.course.config
        assessed = data.domains["student_id"].nunique()
        head = (f"<h2>{html.escape(cfg.school)} — năm học {data.school_year}</h2>"
                f"<div class='nls-card'><span class='nls-figure'>{data.roster['class_name'].nunique()}</span> lớp · "
                f"<span class='nls-figure'>{len(data.roster)}</span> học sinh · "
                f"<span class='nls-figure'>{assessed}</span> em đã được đánh giá</div>")
        self.body.children = [w.HTML(head), tabs]
        self.seconds = time.monotonic() - started

    def _indicators(self, data) -> w.VBox:
        table = indicators(data)
        if table.empty:
            return w.VBox([w.HTML("<p>Chưa có học sinh nào trong danh sách.</p>")])
        parts: list[w.Widget] = []
        for _key, part in table.groupby("Mã", sort=False):
            fig = charts.share_bars(list(part["Cấp"]), list(part["Tỉ lệ"]), part["Chỉ số"].iloc[0],
                                    target=[None if pd.isna(t) else float(t) for t in part["Chỉ tiêu"]],
                                    xlabel="% " + part["Đơn vị"].iloc[0])
            parts.append(image(fig))
        shown = table.drop(columns=["Mã"])
        note = (f"<p>Chỉ tiêu năm {data.year} theo {html.escape(data.targets.nguon)} "
                "(sửa trong rubrics/chi_tieu.yaml). Tỉ lệ tính trên toàn bộ học sinh trong danh sách; "
                "em chưa được đánh giá chưa được tính là đã được trang bị.</p>")
        if data.ambassador_classes is None:
            note += "<p>Tỉ lệ lớp có Đại sứ số học đường: chưa có dữ liệu (chưa chọn Đại sứ số năm nay).</p>"
        return w.VBox([w.HTML(note + table_html(shown, percent=("Tỉ lệ", "Chỉ tiêu"))), *parts])

    def _classes(self, data) -> w.VBox:
        table = class_table(data, self.fw)
        percent = tuple(c for c in table.columns if c.startswith("Miền") or c in ("Được trang bị",
                                                                                 "Hỗ trợ người thân"))
        legend = "; ".join(f"Miền {d.code}: {d.name_vi}" for d in self.fw.domains)
        return w.VBox([w.HTML("<h3>Tỉ lệ học sinh đạt bậc mong đợi ở lần đánh giá gần nhất</h3>"
                              + table_html(table, percent=percent) + f"<p>{html.escape(legend)}.</p>")])

    def _progress(self, data) -> w.VBox:
        by_class = progress(data)
        if by_class.empty:
            return w.VBox([w.HTML("<p>Chưa có học sinh nào làm cả bài đầu năm và bài cuối năm.</p>")])
        by_domain = progress(data, by="code")
        by_domain["Miền"] = [f"{c}. {self.fw.domains[int(c) - 1].name_vi}" for c in by_domain["Miền"]]
        return w.VBox([
            w.HTML("<p>Chỉ tính các em đã làm cả bài đầu năm và bài cuối năm.</p>"
                   + table_html(by_class, percent=("Đầu năm", "Cuối năm", "Thay đổi"))),
            image(charts.progress_bars(by_class, "Lớp", "Đầu năm và cuối năm, theo lớp")),
            image(charts.progress_bars(by_domain, "Miền", "Đầu năm và cuối năm, theo miền")),
        ])

    def _relatives(self, data) -> w.VBox:
        roster = data.roster.merge(pd.DataFrame(Store(self.course.db_url).students())[["student_id", "full_name"]])
        classes = sorted(roster["class_name"].unique())
        klass = w.Dropdown(options=classes, description="Lớp:")
        pupil = w.Dropdown(description="Học sinh:", layout=w.Layout(width="380px"))
        relative = w.Text(description="Người thân:", placeholder="ví dụ: bà nội")
        service = w.Combobox(options=SERVICES, description="Tiện ích số:", placeholder="VNeID, …")
        when = w.DatePicker(description="Ngày:", value=date.today())
        save = w.Button(description="Ghi nhận", button_style="primary", icon="check")
        upload = w.FileUpload(accept=".xlsx", description="Nhập từ Excel", multiple=False)
        message = w.HTML()
        recent = w.HTML()

        def fill(_=None) -> None:
            members = roster[roster["class_name"] == klass.value]
            options = sorted(zip(members["full_name"], members["student_id"], strict=True),
                             key=lambda x: class_list_key(x[0]))
            pupil.options = options
            pupil.value = options[0][1] if options else None

        def show_recent() -> None:
            table = helpers_table(self.course).head(20)
            names = dict(zip(roster["student_id"], roster["full_name"], strict=True))
            table.insert(0, "Học sinh", table["student_id"].map(names))
            table = table.rename(columns={"helped_on": "Ngày", "relative": "Người thân", "service": "Tiện ích số"})
            recent.value = "<h3>Ghi nhận gần đây</h3>" + table_html(table[["Học sinh", "Ngày", "Người thân",
                                                                          "Tiện ích số"]])

        def on_save(_) -> None:
            if pupil.value is None:
                message.value = "<span class='nls-warn'>Chọn học sinh trước.</span>"
                return
            try:
                add_records(self.course, [{"student_id": pupil.value, "helped_on": when.value,
                                           "relative": relative.value, "service": service.value}],
                            recorded_by="trang trường")
            except KitError as exc:
                message.value = _error_box(exc).value
                return
            message.value = f"<span class='nls-ok'>Đã ghi nhận cho {html.escape(pupil.label)}.</span>"
            relative.value = ""
            show_recent()

        def on_upload(change) -> None:
            if handle_upload(change, upload, message, lambda path: f"Đã nhập "
                             f"{import_excel(self.course, path, recorded_by='nhập Excel')} dòng từ {path.name}."):
                show_recent()

        klass.observe(fill, "value")
        save.on_click(on_save)
        upload.observe(on_upload, "value")
        fill()
        show_recent()
        return w.VBox([
            w.HTML("<p>Mô hình “Mỗi học sinh – Một người thân số hóa”: ghi nhận từng lần em hướng dẫn người thân "
                   "dùng VNeID hoặc một tiện ích số. Có thể nhập cả lớp từ tệp Excel có các cột <i>Mã học sinh, "
                   "Ngày, Người thân, Tiện ích số</i> (và <i>Ghi chú</i> nếu muốn).</p>"),
            w.HBox([klass, pupil]), w.HBox([relative, service, when]), w.HBox([save, upload]), message, recent])

    def _exports(self) -> w.VBox:
        from nanglucso.report_export import export_actions

        return w.VBox([w.HTML("<p>Tệp được lưu trong thư mục <code>bao_cao/</code> của khoá học và có thể tải "
                              "về ngay từ trang này. Tệp CSV gửi Sở chỉ có số đếm theo khối, không có tên "
                              "học sinh.</p>"), export_buttons(export_actions(self.course))])
