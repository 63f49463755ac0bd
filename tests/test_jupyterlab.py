"""An older pupil in JupyterLab (real Jupyter server, real Chromium): the released notebook runs, an answer
clicked in it is on disk at once and back after a reload, the submission is graded as it deserves."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from nanglucso.grade import grade
from nanglucso.release import build, release
from nanglucso.store import Store, item_scores
from nanglucso.student import fetch, submit

from .browser import chromium_page, free_port, need_chromium, poll, wait_http
from .conftest import BLUEPRINT
from .test_browser_widgets import NB, saved

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
RUN_ALL = "window.jupyterapp.commands.execute('notebook:run-all-cells')"
IDLE = "window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel?.status === 'idle'"


def test_pupil_answers_in_jupyterlab_reloads_and_is_graded(course, tmp_path):
    need_chromium()
    built = build(course, BLUEPRINT)
    release(course, built.assignment)
    home = tmp_path / "home"
    folder = fetch(course, home, built.assignment, "HS001")
    port, token = free_port(), "thu-nghiem"
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home}",
         "--LabApp.expose_app_in_browser=True"],
        env={**os.environ, "NANGLUCSO_STUDENT": "HS001"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=120)
        url = f"http://127.0.0.1:{port}/lab/tree/{built.assignment}/{NB}.ipynb?token={token}"
        with chromium_page(height=1400) as page:
            page.goto(url)
            page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=120_000)
            # The header the pupil reads first.
            page.locator(".jp-RenderedMarkdown", has_text="Cách làm bài").first.wait_for(timeout=120_000)
            page.wait_for_function("window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel",
                                   timeout=120_000)
            page.evaluate(RUN_ALL)
            choice = page.get_by_role("button", name=re.compile("Chỉ mẹ"))
            choice.wait_for(timeout=120_000)
            # Every cell run and the kernel idle: the widgets' comms are open before the pupil clicks.
            page.wait_for_function(IDLE, timeout=120_000)
            assert not saved(folder), "running the cells wrote answers"
            choice.click()
            if not poll(lambda: "mod-active" in (choice.get_attribute("class") or ""), timeout=20):
                choice.click()  # the click fell before the output area took input: the pupil clicks again
            # Once the button shows the choice, the answer must be on disk.
            assert poll(lambda: "mod-active" in (choice.get_attribute("class") or ""), timeout=20)
            assert poll(lambda: saved(folder).get("T-4.2-TC1-sc") == "b", timeout=60)
            page.screenshot(path=str(ARTIFACTS / "jupyterlab.png"))
            page.reload()
            page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=120_000)
            page.wait_for_function("window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel",
                                   timeout=120_000)
            page.evaluate(RUN_ALL)
            restored = page.get_by_role("button", name=re.compile("Chỉ mẹ"))
            restored.wait_for(timeout=120_000)
            assert poll(lambda: "mod-active" in (restored.get_attribute("class") or ""), timeout=30)
    finally:
        server.terminate()
        server.wait(timeout=60)
    submit(course, home, built.assignment, "HS001")
    grade(course, built.assignment)
    scores = {r["item_id"]: r["score"] for r in Store(course.db_url).rows(item_scores, student_id="HS001")}
    assert scores["T-4.2-TC1-sc"] == 1 and sum(v or 0 for v in scores.values()) == 1
