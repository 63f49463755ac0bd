"""Item statistics of the class report, checked against figures worked out by hand in the comments."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from nanglucso.item_stats import (
    FLAG_ATTRACTS,
    FLAG_EASY,
    FLAG_HARD,
    FLAG_NEGATIVE,
    FLAG_UNCHOSEN,
    FLAG_WEAK,
    flag_summary,
    item_statistics,
    vn_number,
)

# Six pupils, four items, right (1) or wrong (0). I4 is worth 2 points (scores 0 or 2), so its proportion
# score is still 0 or 1.
#
#        I1 I2 I3 I4 | total
#   S1    1  1  1  1 |  4
#   S2    1  1  1  0 |  3
#   S3    1  1  0  1 |  3
#   S4    1  0  1  0 |  2
#   S5    0  1  0  0 |  1
#   S6    1  0  0  0 |  1
GRID = {"S1": [1, 1, 1, 1], "S2": [1, 1, 1, 0], "S3": [1, 1, 0, 1],
        "S4": [1, 0, 1, 0], "S5": [0, 1, 0, 0], "S6": [1, 0, 0, 0]}
ITEMS = ["I1", "I2", "I3", "I4"]
MAX = {"I1": 1.0, "I2": 1.0, "I3": 1.0, "I4": 2.0}

KEYS = {
    "I1": {"type": "single_choice", "key": "b", "options": ["a", "b", "c", "d"]},
    "I2": {"type": "multiple_choice", "key": ["a", "c"], "options": ["a", "b", "c", "d"]},
}
# I1: S5 (wrong) chose "a", everybody else "b"; nobody chose c or d.
# I2: right = exactly {a, c}; S4 ticked {a, b} (0 points), S6 left it blank (None).
# I3 (true/false, no key): S5 has no answer row at all and S6 answered nothing ({}): two blanks.
# I4 has no answers (a practical task): blank is NaN.
ANSWERS = [
    ("S1", "I1", "b"), ("S2", "I1", "b"), ("S3", "I1", "b"), ("S4", "I1", "b"), ("S5", "I1", "a"), ("S6", "I1", "b"),
    ("S1", "I2", ["a", "c"]), ("S2", "I2", ["a", "c"]), ("S3", "I2", ["c", "a"]), ("S4", "I2", ["a", "b"]),
    ("S5", "I2", ["a", "c"]), ("S6", "I2", None),
    ("S1", "I3", {"s1": True}), ("S2", "I3", {"s1": True}), ("S3", "I3", {"s1": False}), ("S4", "I3", {"s1": True}),
    ("S6", "I3", {}),
]


def score_rows(grid: dict[str, list[float]], items: list[str], max_score: dict[str, float] | None = None) -> list[dict]:
    max_score = max_score or {}
    return [{"student_id": s, "item_id": i, "score": x * max_score.get(i, 1.0), "max_score": max_score.get(i, 1.0)}
            for s, row in grid.items() for i, x in zip(items, row, strict=True)]


def answers_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["student_id", "item_id", "answer"])


@pytest.fixture
def report():
    return item_statistics(pd.DataFrame(score_rows(GRID, ITEMS, MAX)), answers_frame(ANSWERS), KEYS)


def test_difficulty_counts_and_order(report):
    # p = number right / 6: I1 5/6, I2 4/6, I3 3/6, I4 2/6.
    assert list(report.items.index) == ITEMS
    assert report.items.index.name == "item_id"
    assert list(report.items["n"]) == [6, 6, 6, 6]
    assert list(report.items["p"]) == pytest.approx([5 / 6, 4 / 6, 0.5, 2 / 6])
    assert (report.n_students, report.n_items) == (6, 4)


def test_corrected_item_total_correlation(report):
    # r = Sxy / sqrt(Sxx * Syy), with x the item and y the total of the OTHER items (rest = total - x).
    # I1: x = 1 1 1 1 0 1, rest = 3 2 2 1 1 0. Sum x = 5, sum y = 9, sum xy = 3+2+2+1+0+0 = 8,
    #     sum x2 = 5, sum y2 = 9+4+4+1+1+0 = 19.
    #     Sxy = 8 - 6*(5/6)*(9/6) = 8 - 7.5 = 0.5; Sxx = 5 - 25/6 = 5/6; Syy = 19 - 81/6 = 5.5.
    #     r = 0.5 / sqrt(5/6 * 5.5) = 0.5 / sqrt(4.58333) = 0.5 / 2.140872 = 0.233550.
    # I2: x = 1 1 1 0 1 0, rest = 3 2 2 2 0 1. Sxy = 7 - 6*(4/6)*(10/6) = 1/3; Sxx = 4 - 16/6 = 4/3;
    #     Syy = 22 - 100/6 = 16/3. r = (1/3) / sqrt(64/9) = (1/3) / (8/3) = 0.125.
    # I3: x = 1 1 0 1 0 0, rest = 3 2 3 1 1 1. Sxy = 6 - 6*0.5*(11/6) = 0.5; Sxx = 1.5;
    #     Syy = 25 - 121/6 = 29/6. r = 0.5 / sqrt(1.5 * 29/6) = 0.5 / sqrt(7.25) = 0.185695.
    # I4: x = 1 0 1 0 0 0, rest = 3 3 2 2 1 1. Sxy = 5 - 6*(2/6)*2 = 1; Sxx = 2 - 4/6 = 4/3;
    #     Syy = 28 - 144/6 = 4. r = 1 / sqrt(16/3) = sqrt(3)/4 = 0.433013.
    assert list(report.items["discrimination"]) == pytest.approx([0.233550, 0.125, 0.185695, 0.433013], abs=1e-6)


def test_upper_lower_groups_include_ties(report):
    # 27% of 6 = 1.62 -> groups of 2 pupils. Totals 4 3 3 2 1 1: S2 and S3 tie for second place, so both
    # join the upper group {S1, S2, S3}; the lower group is {S5, S6}.
    # I1: upper 3/3 = 1, lower 1/2 -> 0.5.     I2: upper 1, lower 1/2 -> 0.5.
    # I3: upper 2/3, lower 0 -> 0.6667.        I4: upper 2/3, lower 0 -> 0.6667.
    # (Breaking the tie by id instead would give I3 an upper group {S1, S2}: 1 - 0 = 1.)
    assert list(report.items["upper_lower"]) == pytest.approx([0.5, 0.5, 2 / 3, 2 / 3])


def test_alpha_and_kr20(report):
    # Item variances (n - 1 = 5): I1 (5/6)/5 = 1/6, I2 (4/3)/5 = 4/15, I3 1.5/5 = 0.3, I4 4/15; sum = 1.0.
    # Totals 4 3 3 2 1 1: mean 7/3, sum of squares 40, S = 40 - 6*49/9 = 22/3, variance 22/15.
    # alpha = 4/3 * (1 - 1 / (22/15)) = 4/3 * 7/22 = 14/33 = 0.424242.
    # KR-20: sum pq = 5/36 + 8/36 + 9/36 + 8/36 = 5/6; population variance of totals (22/3)/6 = 11/9.
    # KR-20 = 4/3 * (1 - (5/6) / (11/9)) = 4/3 * (1 - 45/66) = 4/3 * 21/66 = 14/33.
    assert report.reliability == pytest.approx(0.424242, abs=1e-6)
    assert report.kr20 == pytest.approx(0.424242, abs=1e-6)


def test_distractor_shares(report):
    # I1 (6 pupils): a = S5 -> 1/6, b = 5/6, c = d = 0. Upper {S1,S2,S3}: a 0, b 1. Lower {S5,S6}: a 1/2, b 1/2.
    # I2 ticks: a by S1-S5 = 5/6, b by S4 = 1/6, c by S1,S2,S3,S5 = 4/6, d = 0 (S6 blank counts in the 6).
    #   Upper: a 1, b 0, c 1, d 0. Lower {S5, S6}: a 1/2, b 0, c 1/2, d 0.
    d = report.distractors.set_index(["item_id", "option"])
    assert list(report.distractors.columns) == ["item_id", "option", "is_key", "share", "upper_share", "lower_share"]
    assert list(d.index) == [("I1", o) for o in "abcd"] + [("I2", o) for o in "abcd"]
    assert list(d["is_key"]) == [False, True, False, False, True, False, True, False]
    assert list(d["share"]) == pytest.approx([1 / 6, 5 / 6, 0, 0, 5 / 6, 1 / 6, 4 / 6, 0])
    assert list(d["upper_share"]) == pytest.approx([0, 1, 0, 0, 1, 0, 1, 0])
    assert list(d["lower_share"]) == pytest.approx([0.5, 0.5, 0, 0, 0.5, 0, 0.5, 0])


def test_blanks_and_never_chosen_distractors(report):
    # Blanks: I1 none, I2 S6 -> 1/6, I3 S5 (no row) and S6 ({}) -> 2/6, I4 never in answers or keys -> NaN.
    blank = report.items["blank"]
    assert list(blank[:3]) == pytest.approx([0, 1 / 6, 2 / 6])
    assert math.isnan(blank["I4"])
    flags = report.items["flags"]
    assert flags["I1"] == [FLAG_UNCHOSEN + "c, d"]
    assert flags["I2"] == [FLAG_UNCHOSEN + "d"]
    assert flags["I1"][0] == "phương án nhiễu không ai chọn: c, d"
    # Six pupils are too few to judge discrimination: I2's r = 0.125 is not flagged.
    assert flags["I3"] == [] and flags["I4"] == []


def test_no_answers_means_no_blank_figures_and_no_distractors():
    r = item_statistics(pd.DataFrame(score_rows(GRID, ITEMS, MAX)), keys=KEYS)
    assert r.items["blank"].isna().all()
    assert r.distractors.empty
    assert list(r.distractors.columns) == ["item_id", "option", "is_key", "share", "upper_share", "lower_share"]


def test_blank_forms():
    # Seven blank forms out of ten pupils: None, "", "   ", [], {}, {"s1": None} and a missing row.
    answers = [("P1", "Q", None), ("P2", "Q", ""), ("P3", "Q", "   "), ("P4", "Q", []), ("P5", "Q", {}),
               ("P6", "Q", {"s1": None}), ("P8", "Q", "a"), ("P9", "Q", ["a"]), ("P10", "Q", {"s1": False})]
    scores = [{"student_id": f"P{n}", "item_id": "Q", "score": 0.0, "max_score": 1.0} for n in range(1, 11)]
    r = item_statistics(pd.DataFrame(scores), answers_frame(answers))
    assert r.items.loc["Q", "blank"] == pytest.approx(0.7)


def test_partial_credit():
    # Two 2-point items, four pupils. Proportions: A = 1, .5, .5, 0; B = 1, 1, 0, 0; totals 2, 1.5, .5, 0.
    # var A = (.25 + 0 + 0 + .25)/3 = 1/6; var B = (4 * .25)/3 = 1/3; var total = (1 + .25 + .25 + 1)/3 = 5/6.
    # alpha = 2 * (1 - (1/6 + 1/3) / (5/6)) = 2 * (1 - 0.6) = 0.8. KR-20 is undefined (A has half marks).
    # r(A) with rest = B: deviations .5 0 0 -.5 and .5 .5 -.5 -.5; Sxy = .25 + .25 = .5, Sxx = .5, Syy = 1;
    #   r = .5 / sqrt(.5) = 0.707107. Groups: 27% of 4 = 1.08 -> 1 pupil each: P1 (2) and P4 (0); A: 1 - 0 = 1.
    grid = {"P1": [2, 2], "P2": [1, 2], "P3": [1, 0], "P4": [0, 0]}
    rows = [{"student_id": s, "item_id": i, "score": float(x), "max_score": 2.0}
            for s, row in grid.items() for i, x in zip("AB", row, strict=True)]
    r = item_statistics(pd.DataFrame(rows))
    assert list(r.items["p"]) == pytest.approx([0.5, 0.5])
    assert r.reliability == pytest.approx(0.8)
    assert math.isnan(r.kr20)
    assert r.items.loc["A", "discrimination"] == pytest.approx(0.707107, abs=1e-6)
    assert r.items.loc["A", "upper_lower"] == pytest.approx(1.0)


def test_zero_variance_item():
    # I5: everyone right. p = 1, no correlation (NaN), upper - lower = 0, flagged too easy.
    # Adding a constant item leaves the other items' r unchanged (their rest scores all shift by 1) and
    # adds 0 to the item variances; the total variance stays 22/15:
    # alpha = KR-20 = 5/4 * (1 - 1 / (22/15)) = 5/4 * 7/22 = 35/88 = 0.397727.
    grid = {s: row + [1] for s, row in GRID.items()}
    r = item_statistics(pd.DataFrame(score_rows(grid, [*ITEMS, "I5"], MAX)))
    i5 = r.items.loc["I5"]
    assert i5["p"] == 1.0 and math.isnan(i5["discrimination"]) and i5["upper_lower"] == 0.0
    assert i5["flags"] == [FLAG_EASY] and FLAG_EASY == "quá dễ (p > 0,95)"
    assert list(r.items["discrimination"][:4]) == pytest.approx([0.233550, 0.125, 0.185695, 0.433013], abs=1e-6)
    assert r.reliability == pytest.approx(0.397727, abs=1e-6)
    assert r.kr20 == pytest.approx(0.397727, abs=1e-6)


def test_everyone_right_everywhere_and_single_item():
    rows = score_rows({s: [1, 1, 1] for s in GRID}, ["A", "B", "C"])
    r = item_statistics(pd.DataFrame(rows))
    assert math.isnan(r.reliability) and math.isnan(r.kr20)
    assert r.items["discrimination"].isna().all()
    assert list(r.items["upper_lower"]) == [0.0, 0.0, 0.0]
    one = item_statistics(pd.DataFrame(score_rows(GRID, ["A", "B", "C", "D"])).query("item_id == 'A'"))
    assert one.n_items == 1 and math.isnan(one.reliability) and math.isnan(one.items.loc["A", "discrimination"])
    empty = item_statistics(pd.DataFrame(columns=["student_id", "item_id", "score", "max_score"]))
    assert empty.n_students == 0 and empty.items.empty and math.isnan(empty.reliability)


def test_pending_rows_are_left_out():
    rows = score_rows(GRID, ITEMS, MAX)
    for row in rows:
        row["pending"] = None  # an object column with None is "not pending"
    # A criterion of I4 not scored yet (would add 3 to I4's possible points if counted), and an item whose
    # only criterion is not scored for anyone yet (would appear with p = 0 if counted).
    rows.append({"student_id": "S1", "item_id": "I4", "score": None, "max_score": 3.0, "pending": True})
    rows += [{"student_id": s, "item_id": "I9", "score": None, "max_score": 1.0, "pending": True} for s in GRID]
    r = item_statistics(pd.DataFrame(rows))
    assert list(r.items.index) == ITEMS and r.n_items == 4
    assert list(r.items["p"]) == pytest.approx([5 / 6, 4 / 6, 0.5, 2 / 6])
    assert r.reliability == pytest.approx(14 / 33)


def test_pending_pupil_is_not_counted_for_that_item():
    # S6's only I1 row awaits the teacher: I1 is over S1-S5: 4 right of 5 -> p = 0.8, n = 5.
    rows = score_rows(GRID, ITEMS, MAX)
    rows[-4]["pending"] = True
    assert (rows[-4]["student_id"], rows[-4]["item_id"]) == ("S6", "I1")
    r = item_statistics(pd.DataFrame(rows))
    assert r.items.loc["I1", "n"] == 5 and r.items.loc["I1", "p"] == pytest.approx(0.8)
    assert r.items.loc["I2", "n"] == 6 and r.n_students == 6


def test_unscored_nan_counts_as_zero():
    # S1's I1 score is NaN (not scored, not pending): it counts as a wrong answer, p = 4/6.
    rows = score_rows(GRID, ITEMS, MAX)
    rows[0]["score"] = float("nan")
    r = item_statistics(pd.DataFrame(rows))
    assert r.items.loc["I1", "n"] == 6 and r.items.loc["I1", "p"] == pytest.approx(4 / 6)


# Ten pupils T01..T10 in order of ability: G1 right for T01-T07, G2 for T01-T06, G3 for T01-T05,
# G4 for T01-T04; X is right for T06-T10 only (the weakest pupils get it right).
#   G total (rest of X) = 4 4 4 4 3 2 1 0 0 0.
TEN = [f"T{n:02d}" for n in range(1, 11)]
REACH = {"G1": 7, "G2": 6, "G3": 5, "G4": 4}


def ten_pupils(extra: str, right: set[int]) -> list[dict]:
    rows = [{"student_id": TEN[n - 1], "item_id": g, "score": float(n <= reach), "max_score": 1.0}
            for n in range(1, 11) for g, reach in REACH.items()]
    return rows + [{"student_id": TEN[n - 1], "item_id": extra, "score": float(n in right), "max_score": 1.0}
                   for n in range(1, 11)]


def test_negative_discrimination_is_flagged():
    # X: x = 0 0 0 0 0 1 1 1 1 1, rest = 4 4 4 4 3 2 1 0 0 0.
    # Sum xy = 2 + 1 = 3, Sxy = 3 - 10 * .5 * 2.2 = -8; Sxx = 2.5; Syy = 78 - 10 * 2.2^2 = 29.6.
    # r = -8 / sqrt(2.5 * 29.6) = -8 / sqrt(74) = -0.929981.
    # Totals 4 4 4 4 3 3 2 1 1 1; groups of round(2.7) = 3: upper T01-T04 (tie at 4), lower T08-T10.
    # X: upper 0/4, lower 3/3 -> upper_lower = -1.
    r = item_statistics(pd.DataFrame(ten_pupils("X", {6, 7, 8, 9, 10})))
    x = r.items.loc["X"]
    assert x["discrimination"] == pytest.approx(-0.929981, abs=1e-6)
    assert x["upper_lower"] == pytest.approx(-1.0)
    assert x["flags"] == [FLAG_NEGATIVE]
    assert all(not f for f in r.items["flags"][:4])  # the G items discriminate well (r > 0.6)
    assert flag_summary(r) == ["Câu X: phân biệt âm (r = -0,93): học sinh giỏi làm sai nhiều hơn, kiểm tra lại đáp án."]


def test_weak_discrimination_is_flagged():
    # W: right for T01 and T07 only. x = 1 0 0 0 0 0 1 0 0 0, rest = 4 4 4 4 3 2 1 0 0 0.
    # Sxy = (4 + 1) - 10 * .2 * 2.2 = 0.6; Sxx = 2 - .4 = 1.6; Syy = 29.6.
    # r = 0.6 / sqrt(1.6 * 29.6) = 0.6 / sqrt(47.36) = 0.087186: weak (p = 0.20 is not "too hard").
    r = item_statistics(pd.DataFrame(ten_pupils("W", {1, 7})))
    assert r.items.loc["W", "discrimination"] == pytest.approx(0.087186, abs=1e-6)
    assert r.items.loc["W", "flags"] == [FLAG_WEAK]
    assert flag_summary(r)[0].startswith("Câu W: phân biệt kém (r = 0,09): ")


def test_too_few_pupils_for_discrimination_flags():
    # The same class without T10: nine pupils, below the minimum of ten, so X's negative r is not flagged.
    rows = [r for r in ten_pupils("X", {6, 7, 8, 9, 10}) if r["student_id"] != "T10"]
    r = item_statistics(pd.DataFrame(rows))
    assert r.items.loc["X", "discrimination"] < 0
    assert r.items.loc["X", "flags"] == []


def test_distractor_attracting_the_upper_group():
    # Y: single choice, key "a". Answers T01..T10: a b b b a a b c d c -> right for T01, T05, T06.
    # Totals (G + Y) = 5 4 4 4 4 3 1 0 0 0: upper = T01 plus T02-T05 tied at 4 (5 pupils), lower = T08-T10.
    # Shares: a 3/10, b 4/10, c 2/10, d 1/10. Upper: a 2/5, b 3/5, c 0, d 0. Lower: a 0, b 0, c 2/3, d 1/3.
    # b attracts more of the upper group (0.6) than the key (0.4).
    # r(Y): x = 1 0 0 0 1 1 0 0 0 0, rest = 4 4 4 4 3 2 1 0 0 0; Sxy = (4+3+2) - 10*.3*2.2 = 2.4,
    #   Sxx = 3 - .9 = 2.1, Syy = 29.6; r = 2.4 / sqrt(62.16) = 0.304408 (no discrimination flag; p = .3).
    picks = dict(zip(TEN, "abbbaabcdc", strict=True))
    answers = answers_frame([(s, "Y", a) for s, a in picks.items()])
    keys = {"Y": {"type": "single_choice", "key": "a", "options": ["a", "b", "c", "d"]}}
    r = item_statistics(pd.DataFrame(ten_pupils("Y", {1, 5, 6})), answers, keys)
    d = r.distractors.set_index("option")
    assert list(d["share"]) == pytest.approx([0.3, 0.4, 0.2, 0.1])
    assert list(d["upper_share"]) == pytest.approx([0.4, 0.6, 0, 0])
    assert list(d["lower_share"]) == pytest.approx([0, 0, 2 / 3, 1 / 3])
    assert r.items.loc["Y", "discrimination"] == pytest.approx(0.304408, abs=1e-6)
    assert r.items.loc["Y", "flags"] == [FLAG_ATTRACTS + "b"]
    assert r.items.loc["Y", "flags"] == ["phương án nhiễu hút học sinh giỏi: b"]


def test_distractor_level_with_the_key_is_not_flagged():
    # Same scores as above, but T04 chose c instead of b: upper a 2/5, b 2/5, c 1/5. b only ties the key.
    answers = answers_frame([(s, "Y", a) for s, a in zip(TEN, "abbcaabcdc", strict=True)])
    keys = {"Y": {"type": "single_choice", "key": "a", "options": ["a", "b", "c", "d"]}}
    r = item_statistics(pd.DataFrame(ten_pupils("Y", {1, 5, 6})), answers, keys)
    assert list(r.distractors["upper_share"]) == pytest.approx([0.4, 0.4, 0.2, 0])
    assert r.items.loc["Y", "flags"] == []


def test_options_outside_the_key_spec_are_listed_after():
    answers = answers_frame([("S1", "I1", "b"), ("S2", "I1", "e"), ("S3", "I1", "b")])
    scores = [{"student_id": s, "item_id": "I1", "score": float(s != "S2"), "max_score": 1.0}
              for s in ("S1", "S2", "S3")]
    r = item_statistics(pd.DataFrame(scores), answers, {"I1": KEYS["I1"]})
    assert list(r.distractors["option"]) == ["a", "b", "c", "d", "e"]
    assert r.distractors["share"].iloc[-1] == pytest.approx(1 / 3)


def test_flag_texts_and_summary_sentences():
    assert FLAG_HARD == "quá khó (p < 0,20)"
    assert FLAG_WEAK == "phân biệt kém (r < 0,20)"
    # Q: 1 right of 10 -> p = 0.10, too hard. Nothing else to say, so one sentence.
    scores = [{"student_id": TEN[n], "item_id": "1.1-tc1-003", "score": float(n == 0), "max_score": 1.0}
              for n in range(10)]
    r = item_statistics(pd.DataFrame(scores))
    assert r.items.loc["1.1-tc1-003", "flags"] == [FLAG_HARD]
    assert flag_summary(r) == ["Câu 1.1-tc1-003: quá khó (p = 0,10): xem lại đáp án hoặc nội dung đã dạy chưa."]


def test_vn_number():
    assert vn_number(0.5) == "0,50"
    assert vn_number(-0.929981) == "-0,93"
    assert vn_number(-0.001) == "0,00"
    assert vn_number(12.0, 0) == "12"


def test_missing_columns_and_bad_max_score_are_reported():
    with pytest.raises(ValueError, match="thiếu cột: max_score"):
        item_statistics(pd.DataFrame([{"student_id": "S1", "item_id": "A", "score": 1.0}]))
    with pytest.raises(ValueError, match="điểm tối đa"):
        item_statistics(pd.DataFrame([{"student_id": "S1", "item_id": "A", "score": 0.0, "max_score": 0.0}]))
