"""The main job: the demo school end to end on the shipped bank, then its results page served by Voila."""

from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import expect

from nanglucso.access_token import course_token
from nanglucso.ambassador_export import load_committee
from nanglucso.ambassador_inputs import selected_ambassadors
from nanglucso.class_report import class_report
from nanglucso.course import open_course
from nanglucso.results import level_table, readiness_by_class
from nanglucso.school import indicators, load_school, progress
from nanglucso.serve import RESULTS_APP, SCHOOL_APP, start
from nanglucso.store import Store, item_scores

from .browser import chromium_page

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 60) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as resp:
                return resp.status, html.unescape(resp.read().decode("utf-8", errors="replace"))
        except urllib.error.HTTPError as exc:
            return exc.code, ""
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_demo_runs_the_whole_round_and_serves_results(tmp_path):
    root = tmp_path / "demo_school"
    out = subprocess.run([sys.executable, "-m", "nanglucso.cli", "demo", str(root), "--no-serve"],
                         capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "40 học sinh, lớp 6A1, 6A2" in out.stdout
    assert "Tạo đề 'lop6-dau-nam' (35 câu)" in out.stdout and "Tạo đề 'lop6-cuoi-nam' (35 câu)" in out.stdout
    assert "Tỉ lệ học sinh đạt bậc mong đợi theo miền" in out.stdout
    assert "Nhập 17 ghi nhận" in out.stdout
    # The committee imported 12 candidates and two raters' sheets (3 criteria each) and chose by the policy.
    assert "10. Hội đồng Đại sứ số: 12 ứng viên, 72 điểm theo tiêu chí từ 2 phiếu; chọn" in out.stdout

    course = open_course(root)
    table = level_table(course, "lop6-dau-nam")
    assert len(table) == 40 and list(table.columns[4:10]) == ["1", "2", "3", "4", "5", "6"]
    for assignment in ("lop6-dau-nam", "lop6-cuoi-nam"):
        scores = Store(course.db_url).rows(item_scores, assignment=assignment)
        assert len(scores) == 40 * 35
        assert 0.2 < sum(s["score"] or 0 for s in scores) / sum(s["max_score"] for s in scores) < 0.95
    share = readiness_by_class(course, "lop6-dau-nam")
    assert list(share.index) == ["6A1", "6A2"] and ((share >= 0) & (share <= 1)).all().all()
    # The same simulated children, a year on: the school's progress is real, and printed.
    data = load_school(course)
    prog = progress(data).set_index("Lớp")
    assert (prog["Cuối năm"] > prog["Đầu năm"]).all() and list(prog["Số HS"]) == [20, 20]
    ind = indicators(data).set_index("Mã")
    assert ind.loc["nguoi_than", "Số đạt"] == 17 and ind.loc["nguoi_than", "Số lượng"] == 40
    chosen = selected_ambassadors(course)
    assert chosen is not None and 1 <= len(chosen) <= 4  # at most 2 per class (rubrics/dai_su_so.yaml)
    assert ind.loc["lop_dai_su", "Số đạt"] == chosen["class_name"].nunique()
    committee = load_committee(course)
    assert {o.student_id for o in committee.ranking.outcomes if o.selected} == set(chosen["student_id"])
    files = sorted(p.name for p in (root / "bao_cao").iterdir())
    assert files == ["bao_cao_nang_luc_so_2026-2027.pdf", "bao_cao_nang_luc_so_2026-2027.xlsx",
                     "tong_hop_demo_2026-2027.csv"]
    # What the pages must show, computed from the tables (the report modules are checked by hand elsewhere).
    rep = class_report(course, "lop6-cuoi-nam", "6A1", with_items=False)
    safety = rep.domain_share.set_index("code").loc["4"]
    equipped_share = ind.loc["trang_bi", "Tỉ lệ"]

    port = _free_port()
    proc = start(course, port=port)
    token = course_token(course)
    report = f"http://127.0.0.1:{port}/voila/render/{RESULTS_APP}?token={token}"
    try:
        status, page = _get(report, timeout=90)
        assert status == 200
        assert "Báo cáo lớp" in page
        assert "open_course(" not in page  # sources are stripped
        # Course files are not reachable over HTTP.
        for path in ("voila/files/nanglucso.db", "voila/files/gradebook.db", "files/nanglucso.yaml"):
            assert _get(f"http://127.0.0.1:{port}/{path}")[0] in (403, 404), path
        with chromium_page(height=1600) as browser_page:
            browser_page.goto(report)
            browser_page.get_by_text("20/20").wait_for(timeout=90_000)  # 6A1, end of year: everyone sat it
            expect(browser_page.get_by_role("combobox", name="Bài:")).to_have_value(re.compile("lop6-cuoi-nam"))
            expect(browser_page.locator(".nls-report img").first).to_be_visible()  # the chart
            expect(browser_page.locator("tr", has_text="Bảo vệ dữ liệu cá nhân").first).to_be_visible()
            browser_page.get_by_role("tab", name="Câu hỏi").click()
            browser_page.get_by_text("Độ tin cậy của bài").wait_for(timeout=60_000)
            ARTIFACTS.mkdir(exist_ok=True)
            browser_page.screenshot(path=str(ARTIFACTS / "demo_bao_cao_lop.png"), full_page=True)
            browser_page.get_by_role("combobox", name="Lớp:").select_option("6A2")
            browser_page.get_by_text("20/20").wait_for(timeout=30_000)

            browser_page.goto(f"http://127.0.0.1:{port}/voila/render/{SCHOOL_APP}?token={token}")
            browser_page.get_by_text("em đã được đánh giá").wait_for(timeout=90_000)
            row = browser_page.locator("tr", has_text="được trang bị kiến thức")
            expect(row).to_contain_text(f"{equipped_share * 100:.0f}%")
            browser_page.get_by_role("tab", name="Tiến bộ trong năm").click()
            expect(browser_page.locator("tr", has_text="6A1").first).to_contain_text(
                f"{prog.loc['6A1', 'Cuối năm'] * 100:.0f}%", timeout=30_000)
            browser_page.screenshot(path=str(ARTIFACTS / "demo_bao_cao_truong.png"), full_page=True)

            browser_page.goto(f"http://127.0.0.1:{port}/voila/render/dai_su_so.ipynb?token={token}")
            browser_page.get_by_text("12 ứng viên", exact=True).wait_for(timeout=90_000)
            browser_page.get_by_role("tab", name="Xếp hạng").click()
            first = committee.ranking.outcome(chosen["student_id"].iloc[0]).candidate.full_name
            expect(browser_page.locator(".nls-card", has_text="Toàn trường")).to_contain_text(first, timeout=30_000)
            browser_page.screenshot(path=str(ARTIFACTS / "demo_dai_su_so.png"), full_page=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert safety["n"] == 20
    assert os.path.isdir(root / "autograded")
