"""A pupil in a real browser: clicks and typing are saved at once, and survive a page reload."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from nanglucso.release import build, release
from nanglucso.student import fetch

from .browser import chromium_page, need_chromium, poll, voila
from .conftest import BLUEPRINT

NB = "bai_danh_gia"
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"


def saved(folder: Path) -> dict:
    path = folder / f"{NB}.responses.json"
    if not path.exists():
        return {}
    return {k: v["value"] for k, v in json.loads(path.read_text(encoding="utf-8"))["answers"].items()}


def test_pupil_answers_in_browser_and_answers_survive_reload(course, tmp_path):
    need_chromium()
    built = build(course, BLUEPRINT)
    release(course, built.assignment)
    folder = fetch(course, tmp_path / "home", built.assignment, "HS001")
    with voila(folder / f"{NB}.ipynb", env={"NANGLUCSO_STUDENT": "HS001"}) as url, chromium_page(height=4200) as page:
        page.goto(url)
        choice = page.get_by_role("button", name=re.compile("Chỉ mẹ"))
        choice.wait_for(timeout=60_000)
        assert not saved(folder), "opening the page wrote answers"
        choice.click()
        assert poll(lambda: saved(folder).get("T-4.2-TC1-sc") == "b")
        page.get_by_role("button", name="Sai", exact=True).click()
        assert poll(lambda: saved(folder).get("T-4.2-CB2-tf") is False)
        page.get_by_placeholder("Gõ câu trả lời của em vào đây").fill("quốc gia")
        assert poll(lambda: saved(folder).get("T-1.1-TC1-st") == "quốc gia")
        page.get_by_role("button", name="Giữ thứ tự này").click()
        assert poll(lambda: isinstance(saved(folder).get("T-5.1-TC1-ord"), list))
        # Large targets: every answer button is at least 48 px tall.
        box = choice.bounding_box()
        assert box and box["height"] >= 48
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "hoc_sinh_lam_bai.png"), full_page=True)

        page.reload()  # a refresh starts a new kernel: the answers come back from disk
        restored = page.get_by_role("button", name=re.compile("Chỉ mẹ"))
        restored.wait_for(timeout=60_000)
        assert poll(lambda: "mod-active" in (restored.get_attribute("class") or ""), 10)
        assert page.get_by_placeholder("Gõ câu trả lời của em vào đây").input_value() == "quốc gia"
        assert page.get_by_text("✓ Đã lưu câu trả lời").count() >= 4
        # No key in what the page holds: the short answer's accepted variant is nowhere.
        assert "quoc gia" not in page.content()
    shutil.rmtree(folder / ".ipynb_checkpoints", ignore_errors=True)
