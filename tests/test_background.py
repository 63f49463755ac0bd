"""The pupils' portal and nbgrader's formgrader, started for a teacher who uses no terminal: real servers, reached
over HTTP, still running when the starting process is gone, stopped on request."""

from __future__ import annotations

import subprocess
import sys
import urllib.request

import pytest

from nanglucso.background import FORMGRADER, PORTAL, start_server, status, stop_server
from nanglucso.cli import main as cli_main
from nanglucso.errors import KitError
from nanglucso.release import build, release

from .browser import wait_http
from .conftest import BLUEPRINT


def test_portal_needs_a_released_assignment(course):
    with pytest.raises(KitError, match="chưa phát bài nào"):
        start_server(course, PORTAL)
    assert status(course, PORTAL) is None


def test_portal_started_from_another_process_outlives_it_and_stops(course):
    built = build(course, BLUEPRINT)
    release(course, built.assignment)
    # Started by a command that ends at once (as a teacher's page kernel that is later culled).
    out = subprocess.run([sys.executable, "-m", "nanglucso.cli", "portal", "open", "--course", str(course.root)],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    assert "Cổng làm bài của học sinh đang chạy" in out
    url = out.strip().rsplit(" ", 1)[-1]
    info = status(course, PORTAL)
    try:
        assert info is not None and info["url"] == url
        wait_http(url, timeout=120)
        with urllib.request.urlopen(url, timeout=60) as resp:
            assert resp.status == 200 and "Cổng làm bài" in resp.read().decode("utf-8", errors="replace")
        assert start_server(course, PORTAL) == info  # already running: the same server, not a second one
    finally:
        assert cli_main(["portal", "close", "--course", str(course.root)]) == 0
    assert status(course, PORTAL) is None and not stop_server(course, PORTAL)


def test_console_opens_and_closes_both(course, tmp_path):
    """The teacher console's buttons: the portal beside the slips, the formgrader beside the results."""
    from nanglucso.widgets.console import TeacherConsole

    built = build(course, BLUEPRINT)
    release(course, built.assignment)
    app = TeacherConsole(course)
    for tab in (1, 4):
        app.tabs.selected_index = tab
    ui = app.controls
    try:
        ui["where"].value = "portal"
        ui["cong-hoc-sinh_open"].click()
        info = status(course, PORTAL)
        assert info is not None and info["url"] in ui["cong-hoc-sinh_state"].value
        assert ui["cong-hoc-sinh_open"].disabled and not ui["cong-hoc-sinh_close"].disabled
        ui["formgrader_open"].click()
        grader = status(course, FORMGRADER)
        assert grader is not None and "formgrader?token=" in ui["formgrader_state"].value
        wait_http(grader["url"], timeout=120)
        wait_http(info["url"], timeout=120)
    finally:
        ui["cong-hoc-sinh_close"].click()
        ui["formgrader_close"].click()
    assert status(course, PORTAL) is None and status(course, FORMGRADER) is None
    assert "chưa mở" in ui["cong-hoc-sinh_state"].value and "chưa mở" in ui["formgrader_state"].value


def test_formgrader_opens_on_the_course(course):
    info = start_server(course, FORMGRADER)
    try:
        assert "/formgrader?token=" in info["url"]
        wait_http(info["url"], timeout=120)
        with urllib.request.urlopen(info["url"], timeout=60) as resp:
            page = resp.read().decode("utf-8", errors="replace")
        assert resp.status == 200 and "formgrader" in page.lower()
        # Without the token, no formgrader.
        bare = info["url"].split("?")[0]
        with urllib.request.urlopen(bare, timeout=60) as resp:
            assert "/login" in resp.url  # sent to Jupyter's login page
    finally:
        assert stop_server(course, FORMGRADER)
    assert status(course, FORMGRADER) is None
