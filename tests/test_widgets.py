"""Widgets: large, Vietnamese, shuffled per student but stable, saved atomically on each change,
restored on reopen, never written by mere execution, and no key in any trait sent to the browser."""

from __future__ import annotations

import json
from pathlib import Path

import ipywidgets as w
import pytest
from nanglucso.widgets import RENDERERS, Assessment

from nanglucso.bank import load_bank
from nanglucso.blueprint import load_blueprint, select_items
from nanglucso.build import build_assignment

from .conftest import BLUEPRINT, FIXTURES

NB = "bai_danh_gia"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A built assignment folder (as the student receives it, minus the notebook's hidden parts)."""
    bank = load_bank(FIXTURES / "bank")
    build_assignment(select_items(load_blueprint(BLUEPRINT), bank), tmp_path, bank)
    return tmp_path / "thu-lop6"


def states_of(root: w.Widget) -> list[dict]:
    """Every trait of ``root`` and its descendants: what the browser receives."""
    out, todo = [], [root]
    while todo:
        widget = todo.pop()
        if not isinstance(widget, w.Image):
            out.append(widget.get_state())
        todo += [c for c in getattr(widget, "children", ()) if isinstance(c, w.Widget)]
    return out


def test_every_type_has_a_renderer():
    assert set(RENDERERS) == {"single_choice", "multiple_choice", "true_false", "short_text", "numeric",
                              "ordering", "matching", "written"}


def test_building_and_restoring_writes_nothing(folder):
    sitting = Assessment(NB, folder, "HS1")
    for item_id, item in sitting.items.items():
        if item["type"] != "code":
            sitting.show(item_id)
    assert not (folder / f"{NB}.responses.json").exists()


def test_each_change_is_saved_atomically_and_restored_on_reopen(folder):
    sitting = Assessment(NB, folder, "HS1")
    sitting.widget("T-4.2-TC1-sc").buttons["b"].value = True
    path = folder / f"{NB}.responses.json"
    assert json.loads(path.read_text(encoding="utf-8"))["answers"]["T-4.2-TC1-sc"]["value"] == "b"
    sitting.widget("T-4.2-TC1-sc").buttons["c"].value = True  # changing one's mind
    sitting.widget("T-1.1-TC1-st").field.value = "quốc gia"
    sitting.widget("T-5.1-TC1-ord").answer_with(["c", "a", "b"])
    sitting.widget("T-2.5-TC1-match").menus["b"].value = "y"
    sitting.widget("T-4.2-TC2-mc").answer_with(["a", "d"])
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]  # no temp file left behind

    reopened = Assessment(NB, folder, "HS1")  # a new kernel after a restart
    assert reopened.widget("T-4.2-TC1-sc").get() == "c"
    assert reopened.widget("T-4.2-TC1-sc").buttons["c"].value and not reopened.widget("T-4.2-TC1-sc").buttons["b"].value
    assert reopened.widget("T-1.1-TC1-st").field.value == "quốc gia"
    assert reopened.widget("T-5.1-TC1-ord").get() == ["c", "a", "b"]
    assert reopened.widget("T-2.5-TC1-match").get() == {"b": "y"}
    assert reopened.widget("T-4.2-TC2-mc").get() == ["a", "d"]
    assert reopened.widget("T-4.2-CB2-tf").get() is None
    assert not any(p.name.endswith(".damaged") for p in folder.iterdir())


def test_single_choice_is_exclusive_and_a_second_click_keeps_it(folder):
    widget = Assessment(NB, folder, "HS1").widget("T-4.2-TC1-sc")
    widget.buttons["a"].value = True
    widget.buttons["b"].value = True
    assert [k for k, b in widget.buttons.items() if b.value] == ["b"]
    widget.buttons["b"].value = False  # clicking the chosen button again
    assert widget.get() == "b"


def test_options_shuffled_per_student_and_stable_on_reopen(folder):
    def order(student: str) -> list[str]:
        widget = Assessment(NB, folder, student).widget("T-4.2-TC2-mc")
        return [b.description for b in widget.buttons.values()]

    labels = {s: order(s) for s in ("HS1", "HS2", "HS3", "HS4", "HS5")}
    assert order("HS1") == labels["HS1"]  # same student, same order
    texts = {tuple(sorted(d[3:] for d in v)) for v in labels.values()}
    assert len(texts) == 1  # the same options ...
    assert len({tuple(d[3:] for d in v) for v in labels.values()}) > 1  # ... in different orders
    assert all(v[0].startswith("A. ") for v in labels.values())


def test_no_key_or_feedback_in_any_widget_state(folder):
    bank = load_bank(FIXTURES / "bank")
    sitting = Assessment(NB, folder, "HS1")
    boxes = [sitting.show(i) for i, item in sitting.items.items() if item["type"] != "code"]
    states = json.dumps([s for box in boxes for s in states_of(box)], ensure_ascii=False, default=str)
    assert "Ai được phép biết mã OTP" in states  # the walk does reach the prompts
    for item in bank.items.values():
        assert item.feedback.vi not in states
    for secret in ("quốc gia", "quoc gia", "7.5", "tolerance", "score_item"):
        assert secret not in states, secret
    # Choice widgets carry labels only: option ids stay in the kernel.
    public = json.loads((folder / f"{NB}.items.json").read_text(encoding="utf-8"))
    assert "key" not in json.dumps(public) and "feedback" not in json.dumps(public)


def test_numeric_hint_for_unreadable_number(folder):
    widget = Assessment(NB, folder, "HS1").widget("T-1.3-TC1-num")
    widget.field.value = "bảy rưỡi"
    assert "Chưa đọc được số" in widget.hint.value
    widget.field.value = "7,5"
    assert widget.hint.value == "" and widget.get() == "7,5"


def test_large_targets_and_vietnamese_labels(folder):
    widget = Assessment(NB, folder, "HS1").widget("T-5.1-TC1-ord")
    assert "nls-item" in widget.box._dom_classes
    css = (Path(__file__).parent.parent / "widgets" / "style.css").read_text(encoding="utf-8")
    assert "min-height: 56px" in css and "font-size: 22px" in css
    keep = widget.box.children[2].children[2]
    assert keep.description == "Giữ thứ tự này"
