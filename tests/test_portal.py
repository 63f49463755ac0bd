"""The student portal: access codes and slips, a sitting that survives refreshes and two tabs, submission
through nbgrader's exchange graded exactly like a JupyterLab sitting; and the page itself in Chromium."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from nanglucso.widgets.portal import PortalApp
from playwright.sync_api import expect

from nanglucso.grade import grade
from nanglucso.portal import ALPHABET, issue_codes, login, workspace
from nanglucso.release import build, release
from nanglucso.slips import write_slips
from nanglucso.store import Store, item_scores
from nanglucso.student import fetch, submit

from .browser import chromium_page, voila
from .conftest import BLUEPRINT
from .test_roundtrip import STRONG, sit_in_kernel

KIT = Path(__file__).parent.parent


@pytest.fixture
def released(course):
    built = build(course, BLUEPRINT)
    release(course, built.assignment)
    return course, built.assignment


def test_codes_are_distinct_kept_and_renewed_and_slips_print(released, tmp_path):
    course, assignment = released
    rows = issue_codes(course, assignment)
    assert [r["full_name"] for r in rows] == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Châu"]  # class order
    codes = [r["code"] for r in rows]
    assert len(set(codes)) == 3 and all(len(c) == 5 and set(c) <= set(ALPHABET) for c in codes)
    assert [r["code"] for r in issue_codes(course, assignment)] == codes  # reprinting keeps the codes
    assert [r["code"] for r in issue_codes(course, assignment, "6A2", renew=True)][0] != codes[2]
    pdf = write_slips(rows, tmp_path / "phieu.pdf", "Bài thử", "Trường THCS Thử nghiệm")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 5_000
    with pytest.raises(Exception, match="chưa được phát"):
        issue_codes(course, "khong-co")


def test_login_forgives_case_and_spaces_but_not_the_wrong_class(released):
    course, assignment = released
    code = {r["student_id"]: r["code"] for r in issue_codes(course, assignment)}["HS001"]
    assert login(course, assignment, "6A1", f" {code[:2].lower()} {code[2:]} ").student_id == "HS001"
    assert login(course, assignment, "6A2", code) is None
    assert login(course, assignment, "6A1", "AAAAA") is None
    assert login(course, assignment, "6A1", "") is None


def _enter(app: PortalApp, class_name: str, code: str) -> None:
    app.klass.value = class_name
    app.code.value = code
    app.try_login()
    app.open_sitting()


def test_a_portal_sitting_survives_refreshes_and_grades_like_jupyterlab(released, tmp_path):
    course, assignment = released
    codes = {r["student_id"]: r["code"] for r in issue_codes(course, assignment)}
    app = PortalApp(course)
    app.klass.value = "6A1"
    app.code.value = "ZZZZZ"
    app.try_login()
    assert "Mã chưa đúng" in app.message.value and app.pupil is None
    _enter(app, "6A1", codes["HS001"])
    assert app.n == 0 and "Nguyễn Văn An" in app.screen.children[0].value
    first = app.order[0]
    exec(STRONG, {"bai": app.sitting})  # every widget question answered as in the round-trip test
    # A refresh: a new page (a new kernel) and the code typed again; nothing lost, review shows all done.
    again = PortalApp(course)
    _enter(again, "6A1", codes["HS001"])
    assert again.answered() >= set(again.order) - {first} and again.sitting.saved
    again.show_review()
    assert "Em đã trả lời tất cả các câu" in again.screen.children[1].value
    again.confirm()
    again.submit()
    assert "Em đã nộp bài" in again.screen.children[0].value
    # The same answers given in JupyterLab by another pupil.
    home = tmp_path / "homes" / "HS002"
    folder = fetch(course, home, assignment, "HS002")
    sit_in_kernel(folder, "HS002", STRONG, None)
    submit(course, home, assignment, "HS002")
    report = grade(course, assignment)
    assert report.problems == []
    store = Store(course.db_url)
    portal = {r["item_id"]: r["score"] for r in store.rows(item_scores, student_id="HS001")}
    lab = {r["item_id"]: r["score"] for r in store.rows(item_scores, student_id="HS002")}
    assert portal == lab and sum(portal.values()) == 7  # all right but the code task, which needs JupyterLab


def test_two_tabs_answering_at_once_lose_nothing(released):
    course, assignment = released
    issue_codes(course, assignment)
    folder = workspace(course, assignment, "HS003")
    from nanglucso.widgets import Assessment

    tabs = [Assessment("bai_danh_gia", folder, "HS003") for _ in range(2)]
    ids = list(tabs[0].items)

    def answer(tab: Assessment, item_ids: list[str]) -> None:
        for _ in range(20):
            for item_id in item_ids:
                tab.save(item_id, f"trả lời {item_id}")

    threads = [threading.Thread(target=answer, args=(tabs[k], ids[k::2])) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    from nanglucso.responses import read_responses

    assert set(read_responses(tabs[0].path)) == set(ids)


def test_portal_in_chromium_refresh_then_submit(released):
    course, assignment = released
    code = {r["student_id"]: r["code"] for r in issue_codes(course, assignment)}["HS003"]
    app = KIT / "voila_apps" / "cong_hoc_sinh.ipynb"
    with voila(app, env={"NANGLUCSO_COURSE": str(course.root)}) as url, chromium_page(height=1300) as page:
        import urllib.error
        import urllib.request

        # No notebook source, no file of the course, no other pupil's answers over HTTP.
        for path in ("voila/files/cong_hoc_sinh.ipynb", "api/contents", f"voila/files/{course.root}/nanglucso.db",
                     "voila/files/../../nanglucso.db", f"files/portal/HS001/{assignment}/bai_danh_gia.responses.json"):
            try:
                status = urllib.request.urlopen(url + path, timeout=30).status
            except urllib.error.HTTPError as exc:
                status = exc.code
            assert status in (403, 404), (path, status)

        def log_in() -> None:
            page.goto(url)
            page.get_by_role("button", name="Vào bài").wait_for(timeout=90_000)
            page.locator("select").nth(1).select_option(label="6A2")
            page.get_by_placeholder("Mã trên phiếu").fill(code.lower())
            page.get_by_role("button", name="Vào bài").click()
            page.get_by_text("Lê Minh Châu").first.wait_for(timeout=30_000)
            page.get_by_role("button", name="Đúng, em vào làm bài").click()

        log_in()
        page.get_by_text("câu 1/").wait_for(timeout=30_000)
        page.get_by_placeholder("Gõ câu trả lời của em vào đây").fill("quốc gia")
        page.get_by_text("Đã lưu câu trả lời").wait_for(timeout=30_000)
        page.reload()  # a refresh: new kernel, the pupil logs in again
        log_in()
        # Back at the first unanswered question, with one answer kept.
        page.get_by_text("câu 2/").wait_for(timeout=30_000)
        expect(page.get_by_text("đã trả lời 1")).to_be_visible()
        page.get_by_role("button", name="Câu trước").click()
        expect(page.get_by_placeholder("Gõ câu trả lời của em vào đây")).to_have_value("quốc gia")
        page.get_by_role("button", name="Xem lại và nộp bài").click()
        page.get_by_text("câu em chưa trả lời").wait_for(timeout=30_000)
        page.screenshot(path=str(KIT / "test-artifacts" / "cong_hoc_sinh_xem_lai.png"), full_page=True)
        page.get_by_role("button", name="Nộp bài").click()
        page.get_by_role("button", name="Chắc chắn, nộp bài").click()
        page.get_by_text("Em đã nộp bài lúc").wait_for(timeout=60_000)
    grade(course, assignment)
    scores = {r["item_id"]: r["score"] for r in Store(course.db_url).rows(item_scores, student_id="HS003")}
    assert scores["T-1.1-TC1-st"] == 1 and sum(v or 0 for v in scores.values()) == 1


def test_portal_codes_command_prints_codes_and_writes_slips(released):
    import subprocess
    import sys

    course, assignment = released
    out = subprocess.run([sys.executable, "-m", "nanglucso.cli", "portal", "codes", assignment, "--class", "6A1",
                          "--course", str(course.root)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Nguyễn Văn An" in out.stdout and "Lê Minh Châu" not in out.stdout
    assert (course.root / f"phieu_{assignment}.pdf").read_bytes()[:5] == b"%PDF-"
    bad = subprocess.run([sys.executable, "-m", "nanglucso.cli", "portal", "codes", "chua-phat",
                          "--course", str(course.root)], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "chưa được phát" in bad.stderr


def test_a_killed_kernel_between_two_answers_loses_neither(released, tmp_path):
    import os
    import signal

    import nbformat
    from nbclient import NotebookClient

    from nanglucso.responses import read_responses

    course, assignment = released
    folder = fetch(course, tmp_path / "hs", assignment, "HS001")
    nb = nbformat.read(str(folder / "bai_danh_gia.ipynb"), as_version=4)

    def answer_in_a_new_kernel(driver: str, kill: bool) -> None:
        work = nbformat.from_dict(nb)  # the kernel's copy; the notebook file is not rewritten
        cell = nbformat.v4.new_code_cell(driver)
        work.cells.append(cell)
        client = NotebookClient(work, kernel_name="python3", timeout=120,
                                resources={"metadata": {"path": str(folder)}})
        with client.setup_kernel(env={"NANGLUCSO_STUDENT": "HS001"}):
            setup = next(i for i, c in enumerate(work.cells) if c.cell_type == "code")
            client.execute_cell(work.cells[setup], setup)
            client.execute_cell(cell, len(work.cells) - 1)
            assert not [o for o in cell.outputs if o.output_type == "error"], cell.outputs
            if kill:  # the kernel dies at once, as on a power cut or an out-of-memory kill
                os.kill(client.km.provisioner.process.pid, signal.SIGKILL)
                client.km.provisioner.process.wait()

    answer_in_a_new_kernel('bai.widget("T-4.2-TC1-sc").buttons["b"].value = True', kill=True)
    answer_in_a_new_kernel('bai.widget("T-4.2-CB2-tf").buttons["false"].value = True', kill=False)
    saved = read_responses(folder / "bai_danh_gia.responses.json")
    assert saved["T-4.2-TC1-sc"] == "b" and saved["T-4.2-CB2-tf"] is False


def test_questions_are_read_aloud_for_grades_1_to_3(released):
    import os
    import shutil

    if shutil.which("espeak-ng") is None:
        if os.environ.get("CI"):
            pytest.fail("CI has no espeak-ng: .ci/run must install Debian's espeak-ng package")
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    from nanglucso.speech import speak

    wav = speak("Bố nhờ em gom hai ứng dụng vào thư mục giấy tờ.")
    assert wav[:4] == b"RIFF" and len(wav) > 20_000
    course, assignment = released
    codes = {r["student_id"]: r["code"] for r in issue_codes(course, assignment)}
    app = PortalApp(course)
    _enter(app, "6A1", codes["HS001"])
    labels = [getattr(c, "description", "") for c in app.screen.children]
    assert "Nghe đọc câu hỏi" not in labels  # grade 6 reads for itself
    app.grade = 2
    app.show_question()
    listen = next(c for c in app.screen.children if getattr(c, "description", "") == "Nghe đọc câu hỏi")
    listen.click()
    assert app.audio.children[0].value[:4] == b"RIFF"


def test_a_practical_task_in_the_portal_shows_its_situation_and_files(tmp_path):
    from nanglucso.widgets.files import apply_moves

    from nanglucso.course import init_course

    course = init_course(tmp_path / "truong", "thu")
    Store(course.db_url).replace_students([
        {"student_id": "HS4", "full_name": "Đỗ Minh Khang", "family_name": "Đỗ Minh", "given_name": "Khang",
         "class_name": "4A", "grade": 4, "birth_date": None, "gender": None}])
    built = build(course, KIT / "assessments" / "blueprints" / "lop4-thuc-hanh.yaml")
    release(course, built.assignment)
    code = issue_codes(course, built.assignment)[0]["code"]
    app = PortalApp(course)
    _enter(app, "4A", code)
    assert app.n == 0 and app.order[0].startswith("task:")
    page = app.screen.children[1].value
    assert "Bài thực hành:" in page and "<img" in page and 'src="data:image/png;base64,' in page
    assert "images/" not in page  # pictures inlined: the portal serves no file
    kinds = ["task" if k.startswith("task:") else "files" if k in app.sitting.works else "question"
             for k in app.order]
    assert kinds.count("task") == 2 and "question" in kinds
    if "files" in kinds:
        app.go(kinds.index("files"))
        assert "Tạo thư mục" in str(app.screen.children[1].children[2].children[1].description)
    # Do one task's file work as its solution says, answer nothing else, hand in, grade.
    from nanglucso.tasks import load_tasks

    tasks = load_tasks()
    done = next(tasks.tasks[t] for t in app.tasks if tasks.tasks[t].files_step)
    apply_moves(app.sitting.folder / done.id, done.files_step.solution)
    app.submit()
    report = grade(course, built.assignment)
    assert [p["kind"] for p in report.problems] == ["missing_responses"]
    scores = {r["item_id"]: r["score"] for r in Store(course.db_url).rows(item_scores, student_id="HS4")}
    checks = [c for c in done.criteria() if c.kind == "check"]
    assert checks and all(scores[c.id] == c.points for c in checks)
