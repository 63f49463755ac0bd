"""Blueprints: reproducible draws, expected/below/above levels, clear errors."""

from __future__ import annotations

from collections import Counter

import pytest

from nanglucso.bank import load_bank
from nanglucso.blueprint import load_blueprint, select_items
from nanglucso.errors import ContentError
from nanglucso.framework import load_framework
from nanglucso.paths import shipped

from .conftest import BLUEPRINT, FIXTURES


def test_fixture_blueprint_levels_and_order():
    sel = select_items(load_blueprint(BLUEPRINT), load_bank(FIXTURES / "bank"))
    assert [(i.competency, i.level) for i in sel.items] == [
        ("1.1", "TC1"), ("1.3", "TC1"), ("2.5", "TC1"), ("3.4", "TC1"),
        ("4.2", "CB2"), ("4.2", "TC1"), ("4.2", "TC2"), ("5.1", "TC1")]


def test_shipped_demo_blueprint_covers_all_24_and_is_reproducible():
    bank = load_bank()
    bp = load_blueprint(shipped("assessments") / "blueprints" / "lop6-dau-nam.yaml")
    first, second = select_items(bp, bank), select_items(bp, bank)
    assert [i.id for i in first.items] == [i.id for i in second.items]
    assert len({i.competency for i in first.items}) == 24
    assert {i.level for i in first.items} == {"CB2", "TC1", "TC2"}


def test_grade_3_blueprint_skips_61_where_the_framework_has_no_statement(tmp_path):
    path = tmp_path / "bp.yaml"
    path.write_text("id: lop3\ntitle: Lớp 3\ngrade: 3\nform: baseline\ntime_limit_minutes: 20\n"
                    "sections:\n  - competencies: all\n", encoding="utf-8")
    sel = select_items(load_blueprint(path), load_bank())
    assert sel.skipped == ["6.1/CB1"] and len(sel.items) == 23


def test_not_enough_items_and_bad_fields(tmp_path):
    path = tmp_path / "bp.yaml"
    path.write_text("id: x\ntitle: X\ngrade: 6\nform: baseline\ntime_limit_minutes: 20\n"
                    "sections:\n  - competencies: ['4.2']\n    count: 5\n", encoding="utf-8")
    with pytest.raises(ContentError, match="cần 5 câu 4.2 bậc TC1, ngân hàng chỉ còn 1"):
        select_items(load_blueprint(path), load_bank(FIXTURES / "bank"), path=path)
    path.write_text("id: X Y\ntitle: X\ngrade: 13\nform: giua_ky\ntime_limit_minutes: 20\nsections: []\n",
                    encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_blueprint(path)
    assert {p.line for p in err.value.problems} == {1, 3, 4}


def test_every_shipped_blueprint_is_satisfiable_and_forms_share_no_item():
    from nanglucso.blueprint import check_blueprints, select_for

    bank = load_bank()
    folder = shipped("assessments") / "blueprints"
    assert check_blueprints(folder, bank) == []
    for grade in range(1, 13):
        base = select_for(folder / f"lop{grade}-dau-nam.yaml", bank)
        end = select_for(folder / f"lop{grade}-cuoi-nam.yaml", bank)
        assert base.blueprint.form == "baseline" and end.blueprint.form == "end_of_year"
        assert not {i.id for i in base.items} & {i.id for i in end.items}, grade
        assert [(i.competency, i.level) for i in base.items] == [(i.competency, i.level) for i in end.items]
        assert len({i.competency.split(".")[0] for i in base.items}) == 6  # every domain, every grade
        levels = Counter(i.level for i in base.items)
        assert levels.most_common(1)[0][0] == load_framework().expected_level(grade)  # mostly at the grade's level
