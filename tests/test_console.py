"""The teacher's console: a whole assessment cycle from the page, in process and in real Chromium."""

from __future__ import annotations

import html
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nanglucso.class_report import class_report
from nanglucso.course import Course, init_course
from nanglucso.portal import hand_in, workspace
from nanglucso.responses import record_answer, responses_path
from nanglucso.results import level_table
from nanglucso.serve import CONSOLE_APP, TEACHER_PAGES
from nanglucso.simulate import simulate
from nanglucso.store import Store

from .conftest import FIXTURES, ROSTER, make_course, write_roster_xlsx

KIT = Path(__file__).parent.parent
ARTIFACTS = KIT / "test-artifacts"
DEMO_ROSTER = KIT / "examples" / "demo_school" / "danh_sach_lop_6.xlsx"


def _upload(widget, path: Path) -> None:
    """What the browser sends when a file is chosen in an ipywidgets FileUpload."""
    widget.value = ({"name": path.name, "type": "", "size": path.stat().st_size,
                     "content": memoryview(path.read_bytes()), "last_modified": datetime.now(UTC)},)


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


def test_console_is_a_teacher_page():
    assert TEACHER_PAGES[CONSOLE_APP] == "Bảng điều khiển của giáo viên"
    assert (KIT / "voila_apps" / CONSOLE_APP).exists()


def test_console_creates_a_course_in_an_empty_folder(tmp_path):
    from nanglucso.widgets.console import open_console

    app = open_console(tmp_path / "truong_moi")
    ui = app.controls
    ui["create"].click()
    assert "Ghi tên trường" in ui["create_message"].value and app.course is None
    ui["school"].value = "Trường THCS Mới"
    ui["create"].click()
    assert app.course is not None and app.course.config.school == "Trường THCS Mới"
    assert (tmp_path / "truong_moi" / "nanglucso.yaml").exists()
    assert "Trường THCS Mới" in app.head.value and "0</span> học sinh" in app.head.value


def test_console_in_process_whole_cycle(tmp_path):
    """Roster (a bad file named by line, then a good one), build + preview (no keys, nothing saved), release,
    slips, watching a sitting, grading with progress and a pupil's problem, figures, feedback."""
    from nanglucso.widgets.console import TeacherConsole

    course = make_course(tmp_path / "khoa")
    app = TeacherConsole(course, blueprints=FIXTURES, query="token=abc%2Fd")
    ui = app.controls
    assert "0</span> học sinh" in app.head.value and "Chưa có danh sách lớp" in ui["roster_summary"].value

    bad = write_roster_xlsx(tmp_path / "sai.xlsx", [["HS 01", "Nguyễn Văn An", "05/09/2014", "6A1"]])
    _upload(ui["roster_upload"], bad)
    message = ui["roster_message"].value
    assert "Chưa nhập gì từ sai.xlsx" in message and "sai.xlsx:5: học sinh" in message and str(tmp_path) not in message
    good = write_roster_xlsx(tmp_path / "ds.xlsx", ROSTER)
    _upload(ui["roster_upload"], good)
    assert "Đã nhập 3 học sinh từ ds.xlsx (6A1: 2, 6A2: 1)." in ui["roster_message"].value
    assert "2</span> lớp" in app.head.value and "3</span> học sinh" in app.head.value
    table = ui["roster_table"].value
    assert table.index("Nguyễn Văn An") < table.index("Trần Thị Bình") and "Lê Minh Châu" not in table
    ui["roster_class"].value = "6A2"
    assert "Lê Minh Châu" in ui["roster_table"].value and "20/11/2014" in ui["roster_table"].value

    app.tabs.selected_index = 1
    assert ui["grade"].value == 6 and "Bài thử lớp 6" in ui["blueprint_about"].value
    assert ui["release"].disabled  # nothing built yet
    ui["build"].click()
    app.wait(60)
    assert "Đã tạo bài &#x27;thu-lop6&#x27; (8 câu)" in ui["release_message"].value
    preview = ui["preview"]
    assert preview.sitting.folder == course.source / "thu-lop6" and len(preview.order) == 8
    assert all("key" not in item for item in preview.sitting.items.values())  # the public file only
    first = preview.sitting.widget(preview.order[0])
    first.answer_with("mạng xã hội")  # a teacher trying an answer in the preview
    assert "xem trước: không lưu" in first.status.value and "Đã lưu" not in first.status.value
    assert not list((course.source / "thu-lop6").glob("*.responses.json"))
    preview.go(+1)
    assert "Câu 2/8" in preview.where.value
    ui["release"].click()
    app.wait(60)
    assert "Đã phát bài &#x27;thu-lop6&#x27;" in ui["release_message"].value
    assert (course.root / "release" / "thu-lop6").is_dir() and "1</span> bài đã phát" in app.head.value
    ui["slip_class"].value = "6A1"
    ui["slips"].click()
    app.wait(60)
    assert "Đã cấp mã cho 2 học sinh" in ui["slips_message"].value
    assert "download='phieu_thu-lop6_6A1.pdf'" in ui["slips_message"].value
    assert (course.root / "phieu_thu-lop6_6A1.pdf").read_bytes()[:5] == b"%PDF-"
    ui["where"].value = "lab"
    assert "Assignments" in ui["handing"].children[1].value

    # Pupils: the two of 6A1 sit it on the portal and submit; Châu (6A2) opens it and answers one question.
    students = Store(course.db_url).students()
    simulate(course, "thu-lop6", [s for s in students if s["class_name"] == "6A1"], course.root / "portal")
    folder = workspace(course, "thu-lop6", "HS003")
    record_answer(responses_path(folder, "bai_danh_gia"), "HS003", "bai_danh_gia", preview.order[0], "A")
    app.tabs.selected_index = 2
    ui["watch_class"].value = "6A2"
    assert "1/1</span> em đã vào bài" in ui["watch_summary"].value
    assert "0/1</span> em đã nộp" in ui["watch_summary"].value and "1/8" in ui["watch_table"].value
    ui["watch_class"].value = "6A1"
    assert "2/2</span> em đã nộp" in ui["watch_summary"].value
    ui["watch_auto"].value = True  # a timer thread redraws the table until unticked
    assert app._auto is not None and not app._auto.is_set()
    ticking = app._auto
    ui["watch_auto"].value = False
    assert ticking.is_set() and app._auto is None
    hand_in(course, "thu-lop6", "HS003")  # submitted with its one answer
    ui["watch_refresh"].click()
    ui["watch_class"].value = "6A2"
    assert "1/1</span> em đã nộp" in ui["watch_summary"].value

    app.tabs.selected_index = 3
    assert ui["grade_assignment"].value == "thu-lop6"
    ui["grade_go"].click()
    app.wait(120)
    bar = ui["grade_bar"]
    assert bar.value == bar.max == 3 and bar.bar_style == "success"
    result = ui["grade_result"].value
    assert "3</span> bài đã chấm" in result and "Nguyễn Văn An" in result and "Lê Minh Châu" in result

    app.tabs.selected_index = 4
    ui["results_class"].value = "6A1"
    rep = class_report(course, "thu-lop6", "6A1", with_items=False)
    figures = ui["results_figures"].value
    assert "2/2</span> học sinh có kết quả" in figures
    for row in rep.domain_share.itertuples(index=False):
        assert f"<td>{html.escape(row.name)}</td>" in figures and f"<td>{_pct(row.share)}</td>" in figures
    # The class report opens on the console's assignment and class, the token carried along.
    assert "href='bao_cao_lop.ipynb?token=abc%2Fd&amp;bai=thu-lop6&amp;lop=6A1'" in ui["report_link"].value
    ui["results_class"].value = "6A2"
    assert "&amp;lop=6A2'" in ui["report_link"].value
    from nanglucso.widgets.reports import ClassReportApp

    opened = ClassReportApp(course, "thu-lop6", "6A2")
    assert (opened.pick.value, opened.klass.value) == ("thu-lop6", "6A2")
    assert ClassReportApp(course, "khong-co", "9Z9").klass.value == "6A1"  # unknown: the first class
    ui["results_class"].value = "6A1"
    ui["feedback"].click()
    app.wait(120)
    assert "Đã trả nhận xét bài &#x27;thu-lop6&#x27;" in ui["feedback_message"].value
    assert list((course.exchange / course.course_id / "feedback").glob("*.html"))


def test_console_grading_names_a_pupils_problem(tmp_path, course):
    """A submission with no responses file: the pupil is named, with what to do, in plain Vietnamese."""
    from nanglucso.widgets.console import TeacherConsole

    from nanglucso.release import build, release
    from nanglucso.student import fetch, submit

    built = build(course, FIXTURES / "blueprint.yaml")
    release(course, built.assignment)
    home = tmp_path / "hs002"
    fetch(course, home, built.assignment, "HS002")
    submit(course, home, built.assignment, "HS002")
    app = TeacherConsole(course, blueprints=FIXTURES)
    app.tabs.selected_index = 3
    app.controls["grade_go"].click()
    app.controls["grade_go"].click()  # a second click while grading is refused, not run twice
    assert "Đang làm một việc khác" in app.controls["grade_message"].value or not app.busy()
    app.wait(120)
    result = app.controls["grade_result"].value
    assert "Trần Thị Bình" in result and "không có tệp câu trả lời" in result
    assert "Hỏi em đã làm bài trên máy nào" in result and "1</span> vấn đề" in result


def _fresh_demo_course(root: Path) -> Course:
    """A new course with the kit's own bank and blueprints, nothing imported yet."""
    return init_course(root, "thcs-demo", school="Trường THCS Thử nghiệm")


def test_console_in_chromium_whole_cycle(tmp_path):
    """A teacher's whole cycle in real Chromium on a fresh course: import the demo roster, build and preview
    the grade-6 baseline, release it to the portal and print 6A1's slips, watch simulated pupils, grade from
    the page, see the figures and open the class report, whose figures match the database's."""
    from playwright.sync_api import expect

    from tests.browser import chromium_page, need_chromium, teacher_server

    need_chromium()
    started = time.monotonic()
    course = _fresh_demo_course(tmp_path / "khoa")
    ARTIFACTS.mkdir(exist_ok=True)
    with teacher_server(course) as (url, token), chromium_page(height=1400) as page:
        page.goto(f"{url}voila/render/{CONSOLE_APP}?token={token}")
        page.get_by_role("tab", name="Khoá học & lớp").wait_for(timeout=90_000)
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Nhập danh sách lớp").click()
        chooser.value.set_files(str(DEMO_ROSTER))
        page.get_by_text("Đã nhập 40 học sinh từ danh_sach_lop_6.xlsx (6A1: 20, 6A2: 20).").wait_for(timeout=60_000)
        expect(page.locator(".nls-card").first).to_contain_text("40 học sinh")

        page.get_by_role("tab", name="Đề & phát bài").click()
        page.get_by_text("Đánh giá năng lực số đầu năm học — Lớp 6").wait_for(timeout=30_000)
        page.get_by_role("button", name="Tạo đề và xem trước").click()
        page.get_by_text("Đã tạo bài 'lop6-dau-nam' (35 câu)").wait_for(timeout=60_000)
        page.get_by_text("Câu 1/35").wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "giao_vien_xem_truoc.png"), full_page=True)
        page.get_by_role("button", name="Phát bài").click()
        page.get_by_text("Đã phát bài 'lop6-dau-nam' cho học sinh.").wait_for(timeout=60_000)
        page.get_by_role("combobox", name="Lớp:").select_option("6A1")
        page.get_by_role("button", name="Cấp mã và in phiếu").click()
        page.get_by_text("Đã cấp mã cho 20 học sinh").wait_for(timeout=60_000)
        expect(page.locator("a.nls-download")).to_have_attribute("download", "phieu_lop6-dau-nam_6A1.pdf")

        # Four pupils of 6A1 sit it on the portal and submit; a fifth has opened it only.
        roster = [s for s in Store(course.db_url).students() if s["class_name"] == "6A1"]
        simulate(course, "lop6-dau-nam", roster[:4], course.root / "portal")
        workspace(course, "lop6-dau-nam", roster[4]["student_id"])

        page.get_by_role("tab", name="Theo dõi").click()
        page.get_by_role("button", name="Cập nhật").click()
        expect(page.locator(".nls-card", has_text="em đã nộp")).to_contain_text(
            "5/20 em đã vào bài trên cổng · 4/20 em đã nộp", timeout=30_000)
        expect(page.locator("tr:visible", has_text=roster[4]["full_name"])).to_contain_text("0/35", timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "giao_vien_theo_doi.png"), full_page=True)

        page.get_by_role("tab", name="Thu & chấm").click()
        page.get_by_role("button", name="Thu bài và chấm").click()
        page.get_by_text("bài đã chấm").wait_for(timeout=120_000)
        expect(page.locator(".nls-card", has_text="bài đã chấm")).to_contain_text("4 bài đã chấm · 0 vấn đề")
        expect(page.locator(".nls-grade-bar")).to_be_visible()
        page.get_by_text("4/4 bài · vừa chấm").wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "giao_vien_cham.png"), full_page=True)

        rep = class_report(course, "lop6-dau-nam", "6A1", with_items=False)
        assert rep.assessed == 4 and len(level_table(course, "lop6-dau-nam")) == 4
        page.get_by_role("tab", name="Kết quả").click()
        figures = page.locator(".nls-card", has_text="học sinh có kết quả")
        expect(figures).to_contain_text("4/20 học sinh có kết quả", timeout=30_000)
        for row in rep.domain_share.itertuples(index=False):
            expect(page.locator("tr:visible", has_text=row.name)).to_contain_text(_pct(row.share))
        page.screenshot(path=str(ARTIFACTS / "giao_vien_ket_qua.png"), full_page=True)
        with page.expect_popup() as popup:
            page.get_by_role("link", name="Mở trang Báo cáo lớp").click()
        report = popup.value
        report.get_by_text("học sinh có kết quả").wait_for(timeout=90_000)
        expect(report.locator(".nls-card").first).to_contain_text("4/20")
        table = report.locator("table.nls-table").first
        for row in rep.competency_share.itertuples(index=False):
            expect(table.locator("tr", has_text=row.name)).to_contain_text(_pct(row.share))
        report.screenshot(path=str(ARTIFACTS / "giao_vien_bao_cao_lop.png"), full_page=True)
    assert time.monotonic() - started < 240


def test_console_offers_the_practical_form(tmp_path):
    """The kit's practical blueprint: built from the console with its tasks, previewed without a key."""
    import re

    import ipywidgets as w
    from nanglucso.widgets.console import TeacherConsole

    from nanglucso.roster import import_roster

    course = _fresh_demo_course(tmp_path / "khoa")
    import_roster(course, write_roster_xlsx(tmp_path / "ds.xlsx", ROSTER))
    app = TeacherConsole(course)
    app.tabs.selected_index = 1
    ui = app.controls
    ui["grade"].value, ui["form"].value = 6, "practical"
    assert "lop6-thuc-hanh" in ui["blueprint_about"].value
    ui["build"].click()
    app.wait(300)
    assert "Đã tạo bài &#x27;lop6-thuc-hanh&#x27; (0 câu, 2 bài thực hành)" in ui["release_message"].value

    def texts(widget, out):
        if isinstance(widget, w.HTML):
            out.append(widget.value)
        for child in getattr(widget, "children", ()):
            texts(child, out)
        return out

    page = " ".join(texts(app.tabs.children[1], []))
    assert re.search(r"Câu 1/\d+", page) and "Bài thực hành" in page and "'key'" not in page


@pytest.mark.parametrize("value,shown", [("2014-09-05", "05/09/2014"), (None, ""), ("5/9/2014", "5/9/2014")])
def test_birth_dates_as_on_school_lists(value, shown):
    from nanglucso.widgets.console import _birth

    assert _birth(value) == shown
