"""The activity log of the school's "Đại sứ số học đường": a form, an Excel upload, the monthly summary and
chart, each ambassador's year and the latest entries. The committee app mounts ``ActivityLogView.box`` as a
tab; the figures come from nanglucso.ambassador_log, this module only lays them out.
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import ipywidgets as w

from nanglucso.ambassador_inputs import selected_ambassadors
from nanglucso.ambassador_log import (
    GROUPS,
    KINDS,
    SERVICES,
    activities,
    add_activities,
    import_excel,
    monthly_chart,
    monthly_summary,
    yearly_summary,
)
from nanglucso.course import Course
from nanglucso.errors import KitError

from .reports import CSS, _error_box, handle_upload, image, table_html

_RECENT = {"activity_date": "Ngày", "full_name": "Đại sứ", "class_name": "Lớp", "kind": "Hoạt động",
           "helped_group": "Đối tượng", "people": "Số người", "service": "Dịch vụ", "note": "Ghi chú"}


class ActivityLogView:
    """Record what the year's ambassadors did and see it month by month. ``refresh()`` rereads the selection
    (call it after the committee records a new one) and the log."""

    def __init__(self, course: Course, school_year: str | None = None):
        self.course = course
        self.year = school_year or course.school_year
        self.ambassador = w.Dropdown(description="Đại sứ:", layout=w.Layout(width="420px"))
        self.when = w.DatePicker(description="Ngày:", value=date.today())
        self.kind = w.Combobox(options=KINDS, description="Hoạt động:", placeholder="hướng dẫn, tập huấn, …",
                               ensure_option=False)
        self.group = w.Dropdown(options=[(g.capitalize(), g) for g in GROUPS], description="Hỗ trợ:")
        self.people = w.BoundedIntText(value=1, min=1, max=100000, description="Số người:",
                                       layout=w.Layout(width="200px"))
        self.service = w.Combobox(options=SERVICES, description="Dịch vụ:", placeholder="VNeID, …",
                                  ensure_option=False)
        self.note = w.Text(description="Ghi chú:", layout=w.Layout(width="420px"))
        self.recorded_by = w.Text(description="Người ghi:", placeholder="ví dụ: cô Lan (TPT Đội)")
        self.save = w.Button(description="Ghi nhận", button_style="primary", icon="check")
        self.upload = w.FileUpload(accept=".xlsx,.csv", description="Nhập từ Excel", multiple=False)
        self.message = w.HTML()
        self.monthly = w.HTML()
        self.chart = w.Box()
        self.yearly = w.HTML()
        self.recent = w.HTML()
        self.save.on_click(self._on_save)
        self.upload.observe(self._on_upload, "value")
        intro = w.HTML(
            f"<h3>Nhật ký hoạt động Đại sứ số học đường — năm học {html.escape(self.year)}</h3>"
            "<p>Ghi mỗi hoạt động của một Đại sứ: ngày, hình thức, đối tượng được hỗ trợ (giáo viên, bạn học, "
            "người thân, người dân), số người và dịch vụ số. Có thể nhập cả sổ từ tệp Excel có các cột "
            "<i>Mã học sinh, Ngày, Hoạt động, Đối tượng, Số người, Dịch vụ</i> (và <i>Ghi chú</i> nếu muốn); "
            "nhập lại cùng sổ vào tháng sau chỉ thêm các dòng mới.</p>")
        self.form = w.VBox([self.ambassador, w.HBox([self.when, self.people]), w.HBox([self.kind, self.group]),
                            w.HBox([self.service, self.recorded_by]), self.note, w.HBox([self.save, self.upload])])
        self.box = w.VBox([w.HTML(f"<style>{CSS}</style>"), intro, self.form, self.message,
                           w.HTML("<h3>Tổng hợp theo tháng</h3>"), self.monthly, self.chart,
                           w.HTML("<h3>Từng Đại sứ trong năm học</h3>"), self.yearly, self.recent]
                          ).add_class("nls-report")
        self.refresh()

    def refresh(self) -> None:
        """Reread the selected ambassadors and the log; redraw every table and the chart."""
        chosen = selected_ambassadors(self.course, self.year)
        self.message.value = "" if chosen is not None else (
            f"<p class='nls-warn'>Chưa có danh sách Đại sứ số năm học {html.escape(self.year)}. Hội đồng chọn và "
            "lưu danh sách Đại sứ trước, rồi mới ghi hoạt động.</p>")
        self.form.layout.display = "none" if chosen is None else None
        self._show_log()

    def _show_log(self) -> None:
        year = yearly_summary(self.course, self.year)  # by class, then class-list order
        chosen = year[year["Được chọn"]]
        current = self.ambassador.value
        self.ambassador.options = [(f"{r['Họ và tên']} — {r['Lớp']} ({r['Mã học sinh']})", r["Mã học sinh"])
                                   for _, r in chosen.iterrows()]
        if current in set(chosen["Mã học sinh"]):
            self.ambassador.value = current  # keep the choice across a save
        months = monthly_summary(self.course, self.year)
        self.monthly.value = table_html(months)
        self.chart.children = [image(monthly_chart(months))] if months["Tổng số người được hỗ trợ"].sum() else []
        if not year["Được chọn"].all():  # only then is the column worth showing
            year["Được chọn"] = year["Được chọn"].map({True: "Có", False: "Không (đã bỏ khỏi danh sách)"})
        else:
            year = year.drop(columns="Được chọn")
        self.yearly.value = table_html(year) if len(year) else ""
        log = activities(self.course, self.year).head(20)
        if log.empty:
            self.recent.value = "<p>Chưa ghi hoạt động nào trong năm học này.</p>"
            return
        log["activity_date"] = [d.strftime("%d/%m/%Y") for d in log["activity_date"]]
        log = log[list(_RECENT)].rename(columns=_RECENT)
        self.recent.value = "<h3>Ghi nhận gần đây</h3>" + table_html(log)

    def _on_save(self, _=None) -> None:
        if self.ambassador.value is None:
            self.message.value = "<p class='nls-warn'>Chọn Đại sứ trước.</p>"
            return
        if self.when.value is None:
            self.message.value = "<p class='nls-warn'>Chọn ngày diễn ra hoạt động.</p>"
            return
        row = {"student_id": self.ambassador.value, "activity_date": self.when.value, "kind": self.kind.value,
               "helped_group": self.group.value, "people": self.people.value, "service": self.service.value,
               "note": self.note.value}
        try:
            add_activities(self.course, [row], recorded_by=self.recorded_by.value.strip(),
                           source="biểu mẫu", school_year=self.year)
        except KitError as exc:
            self.message.value = _error_box(exc).value
            return
        self.message.value = f"<p class='nls-ok'>Đã ghi nhận hoạt động của {html.escape(self.ambassador.label)}.</p>"
        self.note.value = ""  # the rest is often the same for the next entry: kept
        self._show_log()

    def _on_upload(self, change) -> None:
        def importer(path: Path) -> str:
            n = import_excel(self.course, path, recorded_by=self.recorded_by.value.strip() or "nhập Excel",
                             school_year=self.year)
            return (f"Đã nhập {n} hoạt động mới từ {path.name}; những dòng đã nhập từ trước không được ghi lại."
                    if n else f"{path.name}: không có hoạt động mới, mọi dòng đã được ghi nhận từ trước.")

        if not handle_upload(change, self.upload, self.message, importer):
            return
        self._show_log()
