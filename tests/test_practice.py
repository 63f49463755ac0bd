"""Practice mode: feedback right after each answer, keys kept in the server-side kernel, no item shared with
the grade's assessments; and the practice page served by Voila, driven in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

from nanglucso.widgets.practice import PracticeApp

from nanglucso.bank import load_bank
from nanglucso.blueprint import select_for
from nanglucso.practice import open_practice, practice_forms
from nanglucso.simulate import right_answer, wrong_answer

from .browser import chromium_page, voila

KIT = Path(__file__).parent.parent
BLUEPRINTS = KIT / "assessments" / "blueprints"


def test_every_grade_has_a_practice_form_sharing_nothing_with_its_assessments():
    bank = load_bank()
    forms = practice_forms()
    assert sorted(forms) == list(range(1, 13))
    for grade, path in forms.items():
        practice = {i.id for i in select_for(path, bank).items}
        assert len(practice) >= 20
        for other in BLUEPRINTS.glob(f"lop{grade}-*.yaml"):
            if other != path:
                assert not practice & {i.id for i in select_for(other, bank).items}, other.name


def test_a_session_scores_and_explains_each_answer():
    import random

    session = open_practice(6)
    first, second = session.items[0], session.items[1]
    assert "key" not in session.public(0) and "feedback" not in session.public(0)
    right = session.check(0, right_answer(first))
    assert right.right and right.feedback == first.feedback.vi
    wrong = session.check(1, wrong_answer(second, random.Random(1)))
    assert not wrong.right and wrong.points < second.points
    assert session.total == (first.points + wrong.points, sum(i.points for i in session.items))


def test_the_app_shows_feedback_only_after_an_answer():
    app = PracticeApp(open_practice, [3, 6])
    app.grade.value = 6
    app.start()
    item = app.session.items[0]
    app.check()
    assert "trả lời trước" in app.result.value and item.feedback.vi[:30] not in app.result.value
    app.renderer.answer_with(right_answer(item))
    app.check()
    assert "Đúng rồi" in app.result.value and app.check_button.disabled
    for _ in app.session.items:
        app.next()
    assert "Em đã luyện xong" in app.card.children[0].value


def test_practice_page_in_chromium(tmp_path):
    session = open_practice(4)
    first = session.items[0]
    with voila(KIT / "voila_apps" / "luyen_tap.ipynb") as url, chromium_page(height=1400) as page:
        page.goto(url)
        page.get_by_role("button", name="Bắt đầu luyện tập").click(timeout=90_000)
        page.get_by_text("câu 1/").wait_for(timeout=30_000)
        # Grade 4 is not the first option: pick it, start again, and answer the first question.
        page.locator("select").first.select_option(label="Lớp 4")
        page.get_by_role("button", name="Bắt đầu luyện tập").click()
        page.get_by_text(f"Luyện tập năng lực số — Lớp 4 · câu 1/{len(session.items)}").wait_for(timeout=30_000)
        assert first.feedback.vi[:40] not in page.content()  # nothing revealed before the answer
        if first.type in ("single_choice", "multiple_choice"):
            key = first.key if first.type == "single_choice" else first.key[0]
            text = next(o.text.vi for o in first.options if o.id == key)
            page.locator(".nls-choice", has_text=re.compile(re.escape(text[:30]))).first.click()
        elif first.type == "true_false":
            page.locator(".nls-choice", has_text="Đúng" if first.key else "Sai").first.click()
        else:
            page.locator("input.widget-input, textarea").first.fill(str(right_answer(first)))
        page.get_by_role("button", name="Kiểm tra").click()
        page.locator(".nls-feedback").wait_for(timeout=30_000)
        assert first.feedback.vi[:40] in page.content()
        page.screenshot(path=str(KIT / "test-artifacts" / "luyen_tap.png"), full_page=True)
        page.get_by_role("button", name="Câu tiếp theo").click()
        page.get_by_text("câu 2/").wait_for(timeout=30_000)
