"""The committee's app for choosing the school's "Đại sứ số học đường" (Voila): candidates, raters' scores,
the explained ranking, its robustness, the decision and the papers.

The app only lays out what nanglucso.ambassador_export.load_committee computes; every change (an imported
sheet, a saved score, a decision) is written through nanglucso.ambassador_inputs and then the whole picture is
read again, so every tab always shows the same ranking.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date

import ipywidgets as w
import pandas as pd

from nanglucso.ambassador_export import (
    PAPERS,
    SHORT_NAMES,
    CommitteeData,
    Meeting,
    class_gender_frame,
    export_actions,
    gender_frame,
    load_committee,
    proposed_frame,
    robustness_frame,
    robustness_sentence,
    school_order,
    status,
    totals_chart,
)
from nanglucso.ambassador_inputs import add_ratings, import_candidates_excel, remove_rating, save_selection
from nanglucso.ambassador_policy import CRITERIA, RUBRIC, vn_number
from nanglucso.ambassador_rank import Outcome
from nanglucso.ambassador_sheets import import_ratings_excel, ratings_template
from nanglucso.course import Course
from nanglucso.errors import KitError
from nanglucso.report_export import reports_dir
from nanglucso.text import class_list_key

from .reports import CSS, _error_box, export_buttons, handle_upload, image, message_html, table_html

EXTRA_CSS = """
.nls-report .nls-crit { border: 1px solid #d0d7e2; border-radius: 8px; padding: 6px 10px; margin: 6px 0; }
.nls-report .nls-levels { font-size: 13px; margin: 2px 0 0 0; }
.nls-report .nls-levels li.nls-on { font-weight: 700; color: #1d4e89; }
.nls-report .nls-rank td:last-child { min-width: 240px; }
"""
PAPER_LABELS = [label for label, _stem, _writer in PAPERS]
APP_NAME = "trang Hội đồng"  # recorded as the author when nobody typed a name


def _yes(value: bool) -> str:
    return "✓" if value else "✗"


class CommitteeApp:
    """Tabs: Ứng viên, Chấm theo tiêu chí, Xếp hạng, Độ vững, Quyết định và xuất, Hoạt động của Đại sứ."""

    def __init__(self, course: Course):
        self.course = course
        self.data: CommitteeData | None = None
        self.head = w.HTML()
        self.body = w.VBox()
        self.box = w.VBox([w.HTML(f"<style>{CSS}{EXTRA_CSS}</style>"), self.head, self.body]).add_class("nls-report")
        # The rater's name is typed once and kept across tabs (it also signs imported sheets).
        # Synced when the field is left: each keystroke would otherwise reload that rater's scores.
        self.rater = w.Text(description="Người đánh giá:", placeholder="ví dụ: cô Lan (GVCN 6A1)",
                            continuous_update=False, style={"description_width": "initial"},
                            layout=w.Layout(width="420px"))
        self._refreshers: list[Callable[[], None]] = []
        self.controls: dict[str, w.Widget] = {}  # the main widgets of built tabs, by name (for tests and scripts)
        if not self.reload():
            return
        self.tabs = w.Tab()
        self._pages = [("Ứng viên", self._candidates_page), ("Chấm theo tiêu chí", self._rating_page),
                       ("Xếp hạng", self._ranking_page), ("Độ vững", self._robust_page),
                       ("Quyết định và xuất", self._decision_page), ("Hoạt động của Đại sứ", self._activity_page)]
        # Built when first opened: only the first tab is drawn before the page is usable.
        self.tabs.children = [self._pages[0][1]()] + [w.VBox([w.HTML("Đang tải…")]) for _ in self._pages[1:]]
        self._built = {0}
        for i, (title, _build) in enumerate(self._pages):
            self.tabs.set_title(i, title)
        self.tabs.observe(self._on_tab, "selected_index")
        self.body.children = [self.tabs]

    # --- shared state -----------------------------------------------------------------------------------------

    def reload(self) -> bool:
        """Read everything again; on a broken policy file show its problems (file and line) instead."""
        try:
            self.data = load_committee(self.course, recorded_by=self.rater.value.strip() or APP_NAME)
        except KitError as exc:
            self.head.value = ("<h2>Hội đồng xét chọn “Đại sứ số học đường”</h2>" + _error_box(exc).value
                               + "<p>Sửa tệp chính sách rồi tải lại trang.</p>")
            return False
        d = self.data
        outcomes = d.ranking.outcomes
        school = self.course.config.school or self.course.course_id
        fp = d.ranking.policy_fingerprint
        self.head.value = (
            f"<h2>{html.escape(school)} — Hội đồng xét chọn “Đại sứ số học đường” năm học {d.school_year}</h2>"
            f"<div class='nls-card'><span class='nls-figure'>{len(outcomes)}</span> ứng viên · "
            f"<span class='nls-figure'>{sum(o.eligible for o in outcomes)}</span> đủ điều kiện · "
            f"<span class='nls-figure'>{sum(o.selected for o in outcomes)}</span> được chọn theo chính sách · "
            f"<span class='nls-figure'>{len(d.ranking.disagreements)}</span> ý kiến chênh lệch cần thảo luận"
            f"<br><small>Chính sách: {html.escape(d.policy.nguon)} · dấu vân tay <code title='{fp}'>{fp[:12]}</code>"
            "</small></div>")
        return True

    def changed(self) -> None:
        """After a write: read again and redraw every tab already built (same inputs, same ranking)."""
        if self.reload():
            for refresh in self._refreshers:
                refresh()

    def _on_tab(self, change) -> None:
        index = change["new"]
        if index is None or index in self._built:
            return
        self._built.add(index)
        self.tabs.children = [*self.tabs.children[:index], self._pages[index][1](), *self.tabs.children[index + 1:]]

    def _classes(self) -> list[str]:
        assert self.data is not None
        return list(self.data.ranking.by_class())

    # --- Ứng viên ---------------------------------------------------------------------------------------------

    def _candidates_page(self) -> w.Widget:
        upload = w.FileUpload(accept=".xlsx,.csv", description="Nhập tệp Excel", multiple=False,
                              layout=w.Layout(width="auto"))
        message = w.HTML()
        table = w.HTML()

        def refresh() -> None:
            d = self.data
            assert d is not None
            if not d.ranking.outcomes:
                table.value = "<p>Chưa có ứng viên nào năm học này.</p>"
                return
            rows = []
            for members in d.ranking.by_class().values():  # classes in order, pupils in class-list order
                for o in sorted(members, key=lambda o: class_list_key(o.candidate.full_name)):
                    rows.append(candidate_row(o))
            table.value = f"<h3>{len(rows)} ứng viên</h3>" + table_html(pd.DataFrame(rows))

        def candidate_row(o: Outcome) -> dict[str, str]:
            d = self.data
            assert d is not None
            c = o.candidate
            failed = [r for g in o.gates if not g.passed for r in g.reasons]
            return {"Lớp": c.class_name, "Mã học sinh": c.student_id, "Họ và tên": c.full_name,
                    "Giới tính": d.genders.get(c.student_id, ""), "Tự nguyện": _yes(c.volunteers),
                    "Cha mẹ đồng ý": _yes(c.parent_consent), "Xác nhận GVCN": _yes(c.homeroom_attestation),
                    "Rèn luyện": c.conduct or "–",
                    "Điều kiện": "✓ đủ điều kiện" if not failed else "✗ " + "; ".join(failed),
                    "Hoạt động năm trước": d.last_year.get(c.student_id, "")}

        def on_upload(change) -> None:
            who = self.rater.value.strip() or APP_NAME
            if handle_upload(change, upload, message, lambda path: f"Đã nhập "
                             f"{import_candidates_excel(self.course, path, recorded_by=who)} ứng viên từ {path.name}."):
                self.changed()

        upload.observe(on_upload, "value")
        self.controls |= {"upload": upload, "candidates_message": message, "candidates": table}
        self._refreshers.append(refresh)
        refresh()
        intro = ("<p>Nhập tệp Excel của giáo viên chủ nhiệm: cột <i>Mã học sinh</i> và các cột <i>Tự nguyện, Đồng "
                 "ý của cha mẹ, Xác nhận của GVCN, Kết quả rèn luyện</i> (ô để trống: giữ thông tin đã có). Mọi dòng "
                 "được kiểm tra trước; có dòng sai thì không ghi dòng nào và dòng sai được chỉ ra.</p>")
        return w.VBox([w.HTML(intro), w.HBox([upload]), message, table])

    # --- Chấm theo tiêu chí -----------------------------------------------------------------------------------

    def _rating_page(self) -> w.Widget:
        d = self.data
        assert d is not None
        policy = d.policy
        weights = policy.trong_so.weighted()
        klass = w.Dropdown(description="Lớp:")
        pupil = w.Dropdown(description="Ứng viên:", layout=w.Layout(width="420px"))
        toggles: dict[str, w.ToggleButtons] = {}
        blocks = []
        for crit in RUBRIC:
            scale = policy.tieu_chi.rubric(crit)
            toggle = w.ToggleButtons(options=[(f"{vn_number(lv.diem)} · {lv.name}", lv.diem)
                                              for lv in scale.thang],
                                     tooltips=[lv.mo_ta for lv in scale.thang], value=None,
                                     style={"button_width": "auto"})
            levels = w.HTML()

            def show_levels(_=None, toggle=toggle, levels=levels, scale=scale) -> None:
                items = "".join(f"<li class='{'nls-on' if toggle.value == lv.diem else ''}'><b>{vn_number(lv.diem)}"
                                f"</b> — {html.escape(lv.mo_ta)}</li>" for lv in scale.thang)
                levels.value = f"<ul class='nls-levels'>{items}</ul>"

            toggle.observe(show_levels, "value")
            show_levels()
            weight = f"trọng số {vn_number(weights[crit])}" if crit in weights else "không tính vào tổng điểm"
            box = w.VBox([w.HTML(f"<b>{html.escape(CRITERIA[crit])}</b> ({weight})"), toggle, levels])
            box.add_class("nls-crit")
            box.add_class(f"nls-crit-{crit}")
            toggles[crit] = toggle
            blocks.append(box)
        save = w.Button(description="Lưu điểm", button_style="primary", icon="check")
        clear = w.Button(description="Xoá điểm của người này", icon="trash", layout=w.Layout(width="auto"))
        message = w.HTML()
        existing = w.HTML()
        disputes = w.HTML()
        evidence = w.HTML()
        evidence_note = w.HTML("<p><small>Em nào đã là Đại sứ số năm trước thì nhật ký hoạt động của em hiện ngay "
                               "dưới tên, làm căn cứ cho tiêu chí gương mẫu và kết nối.</small></p>"
                               if self.data.last_year else "")

        def fill_classes() -> None:
            classes = self._classes()
            keep = klass.value if klass.value in classes else (classes[0] if classes else None)
            klass.options = classes
            klass.value = keep

        def fill_pupils(_=None) -> None:
            assert self.data is not None
            members = sorted((o.candidate for o in self.data.ranking.outcomes
                              if o.candidate.class_name == klass.value), key=lambda c: class_list_key(c.full_name))
            options = [(f"{c.full_name} ({c.student_id})", c.student_id) for c in members]
            keep = pupil.value if pupil.value in [v for _, v in options] else (options[0][1] if options else None)
            pupil.options = options
            pupil.value = keep

        def mine() -> dict[str, float]:
            assert self.data is not None
            rater = self.rater.value.strip()
            return {r.criterion: r.score for r in self.data.inputs.ratings
                    if r.student_id == pupil.value and r.rater == rater}

        def prefill(_=None) -> None:
            scores = mine()
            for crit, toggle in toggles.items():
                toggle.value = scores.get(crit)

        def show_existing(_=None) -> None:
            assert self.data is not None
            if pupil.value is None:
                existing.value = "<p>Chưa có ứng viên: nhập danh sách ở thẻ “Ứng viên” trước.</p>"
                return
            outcome = self.data.ranking.outcome(pupil.value)
            by_rater: dict[str, dict[str, str]] = {}
            for r in self.data.inputs.ratings:
                if r.student_id == pupil.value:
                    by_rater.setdefault(r.rater, {})[CRITERIA[r.criterion]] = vn_number(r.score)
            if by_rater:
                frame = pd.DataFrame([{"Người đánh giá": k, **v} for k, v in sorted(by_rater.items())])
                part = f"<h3>Điểm đã có của {html.escape(outcome.candidate.full_name)}</h3>" + table_html(frame)
            else:
                part = f"<p>{html.escape(outcome.candidate.full_name)} chưa được ai chấm.</p>"
            flags = "".join(f"<li>{html.escape(f)}</li>" for f in outcome.flags)
            existing.value = part + (f"<ul class='nls-warn'>{flags}</ul>" if flags else "")

        def show_disputes() -> None:
            assert self.data is not None
            found = self.data.ranking.disagreements
            if not found:
                disputes.value = "<p class='nls-ok'>Chưa có ý kiến chênh lệch lớn giữa các người đánh giá.</p>"
                return
            items = "".join(f"<li>{html.escape(x.message())}</li>" for x in found)
            disputes.value = (f"<h3 class='nls-warn'>Cần thảo luận ({len(found)})</h3>"
                              f"<ul class='nls-warn nls-disputes'>{items}</ul>")

        def on_save(_) -> None:
            rater = self.rater.value.strip()
            if not rater:
                message.value = message_html("Ghi tên người đánh giá trước khi lưu.", ok=False)
                return
            if pupil.value is None:
                message.value = message_html("Chọn ứng viên trước.", ok=False)
                return
            rows = [{"student_id": pupil.value, "rater": rater, "criterion": c, "score": t.value}
                    for c, t in toggles.items() if t.value is not None]
            if not rows:
                message.value = message_html("Chọn mức cho ít nhất một tiêu chí.", ok=False)
                return
            assert self.data is not None
            try:
                n = add_ratings(self.course, rows, policy=self.data.policy)
            except KitError as exc:
                message.value = _error_box(exc).value
                return
            name = self.data.names.get(pupil.value, pupil.value)
            message.value = message_html(f"Đã lưu {n} điểm của {rater} cho {name}.")
            self.changed()

        def on_clear(_) -> None:
            rater = self.rater.value.strip()
            scores = mine()
            if not rater or not scores:
                message.value = message_html("Người này chưa chấm ứng viên này.", ok=False)
                return
            for crit in scores:
                remove_rating(self.course, pupil.value, rater, crit)
            message.value = message_html(f"Đã xoá {len(scores)} điểm của {rater}.")
            self.changed()

        def show_evidence(_=None) -> None:
            # What the pupil did as an ambassador last year: evidence for "gương mẫu" and "kết nối".
            assert self.data is not None
            line = self.data.last_year.get(pupil.value or "", "")
            evidence.value = f"<p class='nls-card nls-evidence'>📋 {html.escape(line)}</p>" if line else ""

        def refresh() -> None:
            fill_classes()
            fill_pupils()
            show_existing()
            show_evidence()
            show_disputes()

        klass.observe(fill_pupils, "value")
        pupil.observe(prefill, "value")
        pupil.observe(show_existing, "value")
        pupil.observe(show_evidence, "value")
        self.rater.observe(prefill, "value")
        save.on_click(on_save)
        clear.on_click(on_clear)
        # The same scores on paper: a sheet of every candidate to hand out, and the filled sheets read back.
        sheet_upload = w.FileUpload(accept=".xlsx,.csv", description="Nhập phiếu đã chấm", multiple=False,
                                    layout=w.Layout(width="auto"))
        sheet_message = w.HTML()

        def blank_sheet():
            path = reports_dir(self.course) / f"phieu_danh_gia_dai_su_so_{self.data.school_year}.xlsx"
            return ratings_template(self.course, path, rater=self.rater.value.strip(), policy=self.data.policy)

        def read_sheet(path) -> str:
            assert self.data is not None
            n = import_ratings_excel(self.course, path, rater=self.rater.value.strip(), policy=self.data.policy)
            return f"Đã nhập {n} điểm từ {path.name}."

        def on_sheet(change) -> None:
            if handle_upload(change, sheet_upload, sheet_message, read_sheet):
                self.changed()

        sheet_upload.observe(on_sheet, "value")
        self.controls |= {"class": klass, "pupil": pupil, "save_rating": save, "rating_message": message,
                          "disputes": disputes, "ratings_upload": sheet_upload, "ratings_message": sheet_message,
                          "evidence": evidence,
                          **{f"level_{c}": t for c, t in toggles.items()}}
        self._refreshers.append(refresh)
        refresh()
        prefill()
        intro = ("<p>Mỗi người đánh giá ghi tên mình, chọn lớp và ứng viên, rồi chọn một mức cho từng tiêu chí theo "
                 "mô tả bên dưới. Chấm lại thì điểm mới thay điểm cũ của chính người đó.</p>")
        paper = ("<h3>Chấm trên phiếu Excel</h3><p>Tải phiếu (mọi ứng viên, mỗi tiêu chí một cột), gửi cho người "
                 "đánh giá; phiếu đã điền được nhập lại ở đây. Dòng nào không ghi tên người đánh giá thì lấy tên ở ô "
                 "“Người đánh giá” phía trên. Có dòng sai thì không ghi dòng nào và dòng sai được chỉ ra.</p>")
        return w.VBox([w.HTML(intro), self.rater, evidence_note, w.HBox([klass, pupil]), evidence, *blocks,
                       w.HBox([save, clear]), message, existing, disputes, w.HTML(paper),
                       export_buttons([("Phiếu đánh giá (Excel)", blank_sheet)]), w.HBox([sheet_upload]),
                       sheet_message])

    # --- Xếp hạng ---------------------------------------------------------------------------------------------

    def _ranking_page(self) -> w.Widget:
        school = "Toàn trường"
        view = w.Dropdown(description="Xem:")
        detail_pick = w.Dropdown(description="Chi tiết:", layout=w.Layout(width="420px"))
        summary = w.HTML()
        table = w.HTML()
        chart = w.VBox()
        detail = w.HTML()

        def rows_for(outcomes: list[Outcome], by_school: bool) -> pd.DataFrame:
            assert self.data is not None
            policy = self.data.policy
            gates = "ĐK: " + " · ".join(SHORT_NAMES[g] for g in policy.dieu_kien)
            weights = policy.trong_so.weighted()
            rows = []
            for o in outcomes:
                passed = {g.criterion: g.passed for g in o.gates}
                place = o.school_rank if by_school else o.class_rank
                row = {"Hạng": "–" if place is None else place, "Họ và tên": o.candidate.full_name,
                       "Lớp": o.candidate.class_name, gates: " ".join(_yes(passed[g]) for g in policy.dieu_kien)}
                for c, wt in weights.items():
                    s = o.score(c)
                    # No-break spaces: "0,75 × 0,4" and "= 0,3" wrap as two whole lines, leaving room for the reason.
                    row[f"{SHORT_NAMES[c]} ×{vn_number(wt)}"] = (f"{vn_number(round(s.value, 2))}\u00a0×\u00a0"
                                                                 f"{vn_number(wt)} =\u00a0"
                                                                 f"{vn_number(round(s.contribution, 3))}")
                row |= {"Tổng điểm": vn_number(round(o.total, 3)),
                        "Kết quả, lí do": ("✓ " if o.selected else "✗ ") + o.reason}
                rows.append(row)
            return pd.DataFrame(rows)

        def notes_html(outcomes: list[Outcome]) -> str:
            items = "".join(f"<li>{html.escape(f)}</li>" for o in outcomes for f in o.flags)
            return f"<h3>Cần lưu ý</h3><ul class='nls-warn'>{items}</ul>" if items else ""

        def render(_=None) -> None:
            d = self.data
            assert d is not None
            if not d.ranking.outcomes:
                summary.value = "<p>Chưa có ứng viên: nhập danh sách ở thẻ “Ứng viên”.</p>"
                table.value, chart.children = "", []
                return
            by_school = view.value == school
            outcomes = school_order(d) if by_school else d.ranking.by_class().get(view.value, [])
            chosen = [o for o in outcomes if o.selected]
            where = "toàn trường" if by_school else f"lớp {view.value}"
            summary.value = (f"<div class='nls-card'>{html.escape(where.capitalize())}: {len(outcomes)} ứng viên, "
                             f"{sum(o.eligible for o in outcomes)} đủ điều kiện, <b>{len(chosen)} được chọn</b>: "
                             + html.escape(", ".join(o.candidate.full_name for o in chosen) or "chưa có em nào")
                             + ". Hạng: " + ("trong toàn trường" if by_school else "trong lớp") + ".</div>")
            table.value = (f"<div class='nls-rank'>{table_html(rows_for(outcomes, by_school))}</div>"
                           + notes_html(outcomes))
            chart.children = [image(totals_chart(outcomes, f"Tổng điểm — {where}"))]

        def show_detail(_=None) -> None:
            d = self.data
            assert d is not None
            if detail_pick.value is None:
                detail.value = ""
                return
            o = d.ranking.outcome(detail_pick.value)
            gates = "".join(f"<li>{_yes(g.passed)} {html.escape(g.name)}"
                            + (f": {html.escape('; '.join(g.reasons))}" if g.reasons else "") + "</li>"
                            for g in o.gates)
            scores = "".join(f"<tr><td>{html.escape(s.name)}</td><td>{vn_number(round(s.value, 3))}</td>"
                             f"<td>{vn_number(s.weight) if s.weight else 'không tính'}</td>"
                             f"<td>{vn_number(round(s.contribution, 3))}</td><td>{html.escape(s.detail)}</td></tr>"
                             for s in o.scores)
            detail.value = (f"<h3>{html.escape(o.candidate.full_name)} — lớp {html.escape(o.candidate.class_name)}"
                            f"</h3><p><b>{html.escape(status(o))}</b>: {html.escape(o.reason)}</p>"
                            f"<p>Điều kiện:</p><ul>{gates}</ul><table class='nls-table'><tr><th>Tiêu chí</th>"
                            "<th>Điểm (0–1)</th><th>Trọng số</th><th>Đóng góp</th><th>Căn cứ</th></tr>"
                            f"{scores}<tr><td><b>Tổng điểm</b></td><td></td><td></td>"
                            f"<td><b>{vn_number(round(o.total, 3))}</b></td><td></td></tr></table>")

        def refresh() -> None:
            d = self.data
            assert d is not None
            options = [school, *self._classes()]
            keep = view.value if view.value in options else school
            view.options = options
            view.value = keep
            picks = [(f"{o.candidate.full_name} ({o.candidate.class_name})", o.student_id) for o in d.ranking.outcomes]
            keep_pick = detail_pick.value if detail_pick.value in [v for _, v in picks] else None
            detail_pick.options = picks
            detail_pick.value = keep_pick if keep_pick else (picks[0][1] if picks else None)
            render()
            show_detail()

        view.observe(render, "value")
        detail_pick.observe(show_detail, "value")
        self.controls |= {"view": view, "ranking_summary": summary, "ranking_table": table, "detail": detail}
        self._refreshers.append(refresh)
        refresh()
        note = ("<p>Cùng dữ liệu và cùng chính sách thì luôn ra cùng một kết quả. ĐK: các điều kiện bắt buộc, theo "
                "thứ tự ghi ở đầu cột (✓ đạt, ✗ chưa đạt). Mỗi tiêu chí ghi điểm (thang 0–1) × trọng số = phần "
                "đóng góp; tổng điểm là tổng các phần đóng góp. Chi tiết từng em ở cuối trang.</p>")
        return w.VBox([w.HTML(note), view, summary, table, chart, w.HTML("<h3>Chi tiết từng em</h3>"), detail_pick,
                       detail])

    # --- Độ vững ----------------------------------------------------------------------------------------------

    def _robust_page(self) -> w.Widget:
        out = w.HTML()

        def refresh() -> None:
            d = self.data
            assert d is not None
            ok = d.robust.stable
            frame = robustness_frame(d)
            frame["Trọng số"] = frame["Trọng số"].map(vn_number)
            frame["Trọng số mới"] = frame["Trọng số mới"].map(vn_number)
            out.value = (
                f"<div class='nls-card {'nls-ok' if ok else 'nls-warn'}'>{html.escape(robustness_sentence(d))}</div>"
                "<p>Mỗi lần thử tăng hoặc giảm 10% trọng số của một tiêu chí (các trọng số khác điều chỉnh theo để "
                "tổng vẫn bằng 1) rồi xếp hạng lại: ai vào, ai ra khỏi danh sách.</p>" + table_html(frame)
                + "<h3>Tổng hợp theo lớp (cho biên bản)</h3>" + table_html(class_gender_frame(d))
                + "<h3>Tổng hợp theo giới tính</h3>" + table_html(gender_frame(d), percent=("Tỉ lệ được chọn",)))

        self._refreshers.append(refresh)
        refresh()
        return w.VBox([out])

    # --- Quyết định và xuất -----------------------------------------------------------------------------------

    def _decision_page(self) -> w.Widget:
        d = self.data
        assert d is not None
        wide = {"style": {"description_width": "initial"}, "layout": w.Layout(width="520px")}
        decided_by = w.Text(description="Người quyết định:", placeholder="ví dụ: Chủ tịch Hội đồng Nguyễn Văn A",
                            **wide)
        save = w.Button(description="Lưu quyết định", button_style="primary", icon="check",
                        layout=w.Layout(width="auto"))
        held_on = w.DatePicker(description="Ngày họp:", value=date.today())
        chair = w.Text(description="Chủ tịch:", value=self.course.config.principal, **wide)
        secretary = w.Text(description="Thư ký:", **wide)
        members = w.Textarea(description="Thành viên dự họp:", value="\n".join(d.raters), rows=4, **wide)
        notes = w.Textarea(description="Kết luận về các ý kiến chênh lệch:", rows=3, **wide)
        state = w.HTML()
        preview = w.HTML()
        message = w.HTML()

        def meeting() -> Meeting:
            return Meeting(held_on=held_on.value or date.today(), chair=chair.value.strip(),
                           secretary=secretary.value.strip(),
                           members=[m.strip() for m in members.value.splitlines() if m.strip()], notes=notes.value)

        def refresh() -> None:
            data = self.data
            assert data is not None
            dec = data.decision
            if dec is None:
                state.value = "<p class='nls-warn'>Hội đồng chưa lưu quyết định năm học này.</p>"
            else:
                problem = data.decision_problem()
                state.value = (f"<div class='nls-card'>Quyết định đã lưu: {len(dec.student_ids)} em, do "
                               f"{html.escape(dec.decided_by or '(không ghi tên)')} lúc {dec.when()}.</div>"
                               + (f"<p class='nls-warn'>{html.escape(problem)}</p>" if problem else ""))
            table = proposed_frame(data)
            table["Tổng điểm"] = table["Tổng điểm"].map(lambda v: vn_number(round(v, 3)))
            preview.value = "<h3>Danh sách theo kết quả xếp hạng hiện tại</h3>" + table_html(table)

        def on_save(_) -> None:
            who = decided_by.value.strip()
            if not who:
                message.value = message_html("Ghi tên người quyết định (ví dụ Chủ tịch Hội đồng) trước khi lưu.",
                                             ok=False)
                return
            shown = self.data.ranking.selected_ids if self.data else ()
            try:
                fresh = load_committee(self.course, recorded_by=who)
                if fresh.ranking.selected_ids != shown:  # someone saved a score meanwhile: look again first
                    self.changed()
                    message.value = message_html("Kết quả vừa thay đổi (có người vừa lưu điểm hoặc sửa hồ sơ). Xem lại "
                                             "thẻ “Xếp hạng” rồi bấm “Lưu quyết định” lần nữa.", ok=False)
                    return
                n = save_selection(self.course, fresh.ranking, decided_by=who)
            except KitError as exc:
                message.value = _error_box(exc).value
                return
            self.changed()
            when = self.data.decision.when() if self.data and self.data.decision else ""
            message.value = message_html(f"Đã lưu quyết định: {n} em, do {who} lúc {when}.")

        exports = export_buttons(export_actions(self.course, meeting))
        buttons, out = list(exports.children[0].children), exports.children[1]
        exports.children[0].layout.flex_flow = "row wrap"
        save.on_click(on_save)
        self.controls |= {"decided_by": decided_by, "save_decision": save, "decision_message": message,
                          "exports": out, **{f"export {label}": b for label, b in zip(PAPER_LABELS, buttons,
                                                                                      strict=True)}}
        self._refreshers.append(refresh)
        refresh()
        return w.VBox([
            w.HTML("<p>Khi hội đồng đã thảo luận xong các ý kiến chênh lệch và xem độ vững, ghi tên người quyết định "
                   "rồi bấm “Lưu quyết định”: danh sách được chọn được lưu cùng thời điểm và dấu vân tay của chính "
                   "sách. Sau đó xuất danh sách đề nghị công nhận và biên bản (Excel, PDF) vào thư mục "
                   "<code>bao_cao/</code> của khoá học.</p>"),
            state, preview, w.HBox([decided_by, save]), message,
            w.HTML("<h3>Thông tin cuộc họp (ghi vào biên bản)</h3>"), held_on, chair, secretary, members, notes,
            exports])

    # --- Hoạt động của Đại sứ ---------------------------------------------------------------------------------

    def _activity_page(self) -> w.Widget:
        # The ambassadors' activity log after recognition: its own view (widgets/ambassador_log.py), imported
        # when the tab is first opened; it rereads the selection whenever the committee changes anything here.
        from .ambassador_log import ActivityLogView

        assert self.data is not None
        try:
            view = ActivityLogView(self.course, self.data.school_year)
        except KitError as exc:
            return w.VBox([_error_box(exc)])
        self._refreshers.append(view.refresh)
        return view.box
