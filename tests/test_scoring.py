"""Scoring of every item type, including partial credit and Vietnamese input habits."""

from __future__ import annotations

import unicodedata

import pytest

from nanglucso.scoring import parse_number, score


def spec(kind, points=1.0, **kw):
    return {"type": kind, "points": points, **kw}


def test_single_choice():
    s = spec("single_choice", key="b")
    assert score(s, "b") == 1 and score(s, "a") == 0 and score(s, None) == 0


@pytest.mark.parametrize("answer,expected", [(["a", "b", "d"], 1), (["a", "b"], 2 / 3), (["a", "c"], 0),
                                             (["a", "b", "c", "d"], 2 / 3), (["c"], 0), ([], 0), ("a", 0)])
def test_multiple_choice_partial_credit(answer, expected):
    assert score(spec("multiple_choice", points=3, key=["a", "b", "d"], n_options=4), answer) == \
        pytest.approx(3 * expected, abs=1e-3)


def test_true_false_needs_a_boolean():
    s = spec("true_false", key=False)
    assert score(s, False) == 1 and score(s, True) == 0 and score(s, "false") == 0


def test_short_text_nfc_case_spaces_and_variants():
    s = spec("short_text", key="quốc gia", accept=["quoc gia"], case_sensitive=False, spaces="collapse")
    assert score(s, unicodedata.normalize("NFD", "  QUỐC   Gia ")) == 1
    assert score(s, "quoc gia") == 1
    assert score(s, "quốcgia") == 0
    assert score(dict(s, spaces="ignore"), "quốcgia") == 1
    assert score(dict(s, case_sensitive=True), "Quốc gia") == 0
    assert score(s, "quóc gia") == 0  # a different tone is a different word


def test_numeric_with_decimal_comma_and_tolerance():
    s = spec("numeric", key=7.5, tolerance=0.01)
    assert score(s, "7,5") == 1 and score(s, " 7.50 ") == 1 and score(s, "7,4") == 0
    assert score(s, "bảy") == 0 and score(s, "nan") == 0
    assert parse_number("1 024") == 1024 and parse_number(True) is None
    assert parse_number("35%") == 35 and parse_number("35 %") == 35 and parse_number("%") is None


def test_ordering_positions_share():
    s = spec("ordering", key=["a", "b", "c"])
    assert score(s, ["a", "b", "c"]) == 1
    assert score(s, ["b", "a", "c"]) == pytest.approx(1 / 3, abs=1e-3)
    assert score(s, ["a", "b"]) == 0  # incomplete or foreign lists score nothing


def test_matching_pairs_share():
    s = spec("matching", points=2, key={"a": "x", "b": "y"})
    assert score(s, {"a": "x", "b": "y"}) == 2 and score(s, {"a": "x", "b": "z"}) == 1 and score(s, {}) == 0
