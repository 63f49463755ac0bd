"""The main job: the demo school end to end on the shipped bank, then its results page served by Voila."""

from __future__ import annotations

import html
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import expect

from nanglucso.course import open_course
from nanglucso.results import level_table, readiness_by_class
from nanglucso.serve import start
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
    assert "bài 'lop6-dau-nam': 35 câu" in out.stdout
    assert "Tỉ lệ học sinh đạt bậc mong đợi theo miền" in out.stdout

    course = open_course(root)
    table = level_table(course, "lop6-dau-nam")
    assert len(table) == 40 and list(table.columns[4:10]) == ["1", "2", "3", "4", "5", "6"]
    scores = Store(course.db_url).rows(item_scores, assignment="lop6-dau-nam")
    assert len(scores) == 40 * 35
    assert 0.2 < sum(s["score"] or 0 for s in scores) / sum(s["max_score"] for s in scores) < 0.95
    share = readiness_by_class(course, "lop6-dau-nam")
    assert list(share.index) == ["6A1", "6A2"] and ((share >= 0) & (share <= 1)).all().all()

    port = _free_port()
    proc = start(course, port=port)
    try:
        status, page = _get(f"http://127.0.0.1:{port}/", timeout=90)
        assert status == 200
        assert "Kết quả đánh giá năng lực số" in page
        assert "open_course(" not in page  # sources are stripped
        # Course files are not reachable over HTTP.
        for path in ("voila/files/nanglucso.db", "voila/files/gradebook.db", "files/nanglucso.yaml"):
            assert _get(f"http://127.0.0.1:{port}/{path}")[0] in (403, 404), path
        # What a teacher sees: the class picker, the chart and the table, with the right count.
        with chromium_page(height=2400) as browser_page:
            browser_page.goto(f"http://127.0.0.1:{port}/")
            browser_page.get_by_text("Trường THCS Demo Năng Lực Số · lop6-dau-nam · Tất cả: 40 học sinh").wait_for(
                timeout=90_000)
            expect(browser_page.locator("table.nls-table tbody tr")).to_have_count(40, timeout=30_000)
            expect(browser_page.locator(".jp-OutputArea-output img").first).to_be_visible()  # the chart
            browser_page.get_by_role("combobox", name="Lớp:").select_option("6A2")
            browser_page.get_by_text("lop6-dau-nam · 6A2: 20 học sinh").wait_for(timeout=30_000)
            expect(browser_page.locator("table.nls-table tbody tr")).to_have_count(20, timeout=30_000)
            ARTIFACTS.mkdir(exist_ok=True)
            browser_page.screenshot(path=str(ARTIFACTS / "ket_qua_lop.png"), full_page=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert os.path.isdir(root / "autograded")
