"""Choosing "Đại sứ số học đường": a ranking worked out by hand, determinism, robustness and bad inputs."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from nanglucso.ambassador_inputs import (
    add_rating,
    add_ratings,
    course_ranking,
    import_candidates_excel,
    load_inputs,
    policy_history,
    save_candidates,
    save_selection,
    selected_ambassadors,
)
from nanglucso.ambassador_policy import POLICY_FILE, load_policy, policy_fingerprint
from nanglucso.ambassador_rank import Candidate, Rating, rank, robustness
from nanglucso.course import Course
from nanglucso.errors import ContentError
from nanglucso.framework import load_framework
from nanglucso.paths import ITEMS_SUFFIX
from nanglucso.store import Store
from nanglucso.text import split_name
from tests.conftest import make_course

FW = load_framework()
KIT_RUBRICS = Path(__file__).parent.parent / "rubrics"

# ---------------------------------------------------------------------------------------------------------------
# The fixture, worked out by hand. All pupils are in grade 6: expected level TC1.
#
# Policy (the shipped rubrics/dai_su_so.yaml with these changes):
#   gates: khung_nang_luc (all assessed domains at TC1), dao_duc_so (conduct ≥ Khá, homeroom attestation,
#          1.2, 2.5, 4.2 not below TC1), tu_nguyen, dong_y_cha_me
#   weights: ky_nang 0.4, dao_duc_so 0.2, guong_mau 0.2, ket_noi 0.1, hoc_hoi 0.1
#   tie-break: dao_duc_so, ky_nang, guong_mau, ket_noi, hoc_hoi, then class-list name order, then id
#   quotas: 2 per class, 3 in the school, each class's best first. Rubric scale 1..4.
#
# Each pupil sat one competency per domain (1.2, 2.5, 3.4, 4.2), so domain levels equal competency levels.
# ky_nang = mean over the 4 competencies of min(levels above TC1, 2) / 2   (TC2 = ½, NC1 = 1)
# dao_duc_so = ½ × conduct (Tốt 1, Khá ⅔, Đạt ⅓) + ½ × share of 1.2, 2.5, 4.2 at TC1 or above
# rubric = (mean of the two raters − 1) / 3
#
# id     name            class levels 1.2/2.5/3.4/4.2  conduct  gm    kn    hh    ky    đđ   gm   kn   hh
# HS001  Nguyễn Văn An   6A1   NC1 TC2 NC1 TC2        Tốt      4,4   3,3   4,3   3/4   1    1    2/3  5/6
# HS002  Trần Thị Bình   6A1   NC1 NC1 NC1 NC1        Tốt      4,4   4,4   4,4   — no parent consent: gate fails
# HS003  Lê Minh Châu    6A1   TC2 TC1 TC2 TC1        Khá      4,3   3,3   3,3   1/4   5/6  5/6  2/3  2/3
# HS004  Phạm Thu Dung   6A1   TC2 TC1 TC2 TC1        Tốt      3,3   3,3   3,3   1/4   1    2/3  2/3  2/3
# HS005  Đỗ Hoàng Em     6A2   TC2 TC2 TC2 TC2        Đạt      3,3   3,3   3,3   — conduct Đạt < Khá: gate fails
# HS006  Vũ Minh Giang   6A2   TC2 TC2 CB2 TC2        Tốt      3,3   3,3   3,3   — 3/4 domains at TC1: gate fails
# HS007  An Thị Yến      6A2   NC1 NC1 TC2 TC2        Tốt      3,4   4,4   3,3   3/4   1    5/6  1    2/3
# HS008  Trần Văn Bảo    6A2   (all the same as HS007)
# HS009  Hoàng Gia Huy   6A2   NC1 NC1 NC1 NC1        Tốt      4,4   4,1   4,4   1     1    1    1/2  1
#
# Totals = .4 ky + .2 đđ + .2 gm + .1 kn + .1 hh:
#   HS001 .3 + .2 + .2 + 1/15 + 1/12 = 0.85
#   HS003 .1 + 1/6 + 1/6 + 1/15 + 1/15 = 17/30 ≈ 0.5667
#   HS004 .1 + .2 + 2/15 + 1/15 + 1/15 = 17/30 ≈ 0.5667   tie with HS003: dao_duc_so 1 > 5/6, HS004 first
#   HS007 .3 + .2 + 1/6 + .1 + 1/15 = 5/6 ≈ 0.8333
#   HS008 = HS007                                          tie on everything: class-list order, Bảo before Yến
#                                                          (the ids alone would have put HS007 first)
#   HS009 .4 + .2 + .2 + .05 + .1 = 0.95; raters 4 and 1 on ket_noi differ by 3 ≥ 2: flagged
#
# Class stage (2 per class):  6A1: HS001, HS004 | HS003 out (3rd)   6A2: HS009, HS008 | HS007 out (3rd)
# School stage (3): class bests first by total: HS009 .95, HS001 .85; then HS008 .8333, HS004 .5667
#   → selected HS009, HS001, HS008; HS004 out, 4th in the school stage.
# School rank among all eligible: HS009, HS001, HS008, HS007, HS004, HS003.
# ---------------------------------------------------------------------------------------------------------------
PUPILS = [  # id, name, class, levels of 1.2/2.5/3.4/4.2, conduct, consent, (gm, kn, hh) by (Lan, Hùng)
    ("HS001", "Nguyễn Văn An", "6A1", "NC1 TC2 NC1 TC2", "Tốt", True, ((4, 4), (3, 3), (4, 3))),
    ("HS002", "Trần Thị Bình", "6A1", "NC1 NC1 NC1 NC1", "Tốt", False, ((4, 4), (4, 4), (4, 4))),
    ("HS003", "Lê Minh Châu", "6A1", "TC2 TC1 TC2 TC1", "Khá", True, ((4, 3), (3, 3), (3, 3))),
    ("HS004", "Phạm Thu Dung", "6A1", "TC2 TC1 TC2 TC1", "Tốt", True, ((3, 3), (3, 3), (3, 3))),
    ("HS005", "Đỗ Hoàng Em", "6A2", "TC2 TC2 TC2 TC2", "Đạt", True, ((3, 3), (3, 3), (3, 3))),
    ("HS006", "Vũ Minh Giang", "6A2", "TC2 TC2 CB2 TC2", "Tốt", True, ((3, 3), (3, 3), (3, 3))),
    ("HS007", "An Thị Yến", "6A2", "NC1 NC1 TC2 TC2", "Tốt", True, ((3, 4), (4, 4), (3, 3))),
    ("HS008", "Trần Văn Bảo", "6A2", "NC1 NC1 TC2 TC2", "Tốt", True, ((3, 4), (4, 4), (3, 3))),
    ("HS009", "Hoàng Gia Huy", "6A2", "NC1 NC1 NC1 NC1", "Tốt", True, ((4, 4), (4, 1), (4, 4))),
]
COMPS = ("1.2", "2.5", "3.4", "4.2")
RATERS = ("cô Lan", "thầy Hùng")
RUBRIC = ("guong_mau", "ket_noi", "hoc_hoi")


def write_policy(folder: Path, **changes: object) -> Path:
    """The shipped policy with the fixture's settings (and any further ``changes`` of top-level keys)."""
    doc = yaml.safe_load((KIT_RUBRICS / POLICY_FILE).read_text(encoding="utf-8"))
    doc["trong_so"] = {"ky_nang": 0.4, "dao_duc_so": 0.2, "guong_mau": 0.2, "ket_noi": 0.1, "hoc_hoi": 0.1}
    doc["chi_tieu"] = {"moi_lop": 2, "toan_truong": 3, "uu_tien_moi_lop_mot": True}
    doc["tieu_chi"]["dao_duc_so"]["nang_luc"] = ["1.2", "2.5", "4.2"]
    doc.update(changes)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / POLICY_FILE).write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def fixture_inputs() -> tuple[list[Candidate], list[dict], list[Rating]]:
    candidates, levels, ratings = [], [], []
    for sid, name, cls, lv, conduct, consent, rubric in PUPILS:
        candidates.append(Candidate(sid, name, cls, 6, volunteers=True, parent_consent=consent,
                                    homeroom_attestation=True, conduct=conduct))
        for code, level in zip(COMPS, lv.split(), strict=True):
            levels.append({"student_id": sid, "scope": "competency", "code": code, "level": level})
            levels.append({"student_id": sid, "scope": "domain", "code": code[0], "level": level})
        for crit, scores in zip(RUBRIC, rubric, strict=True):
            ratings += [Rating(sid, rater, crit, s) for rater, s in zip(RATERS, scores, strict=True)]
    return candidates, levels, ratings


@pytest.fixture
def policy(tmp_path):
    return load_policy(write_policy(tmp_path / "rubrics"))


def test_ranking_worked_out_by_hand(policy):
    result = rank(*fixture_inputs(), policy)
    assert result.selected_ids == ("HS001", "HS009", "HS008")  # listed by class, then class rank
    totals = {o.student_id: o.total for o in result.outcomes}
    assert totals["HS001"] == pytest.approx(0.85)
    assert totals["HS003"] == pytest.approx(17 / 30) and totals["HS004"] == pytest.approx(17 / 30)
    assert totals["HS007"] == pytest.approx(5 / 6) and totals["HS008"] == pytest.approx(5 / 6)
    assert totals["HS009"] == pytest.approx(0.95)
    assert [o.student_id for o in result.outcomes] == ["HS001", "HS004", "HS003", "HS002",
                                                       "HS009", "HS008", "HS007", "HS005", "HS006"]
    ranks = {o.student_id: (o.class_rank, o.school_rank) for o in result.outcomes}
    assert ranks == {"HS001": (1, 2), "HS004": (2, 5), "HS003": (3, 6), "HS002": (None, None),
                     "HS009": (1, 1), "HS008": (2, 3), "HS007": (3, 4), "HS005": (None, None),
                     "HS006": (None, None)}
    reasons = {o.student_id: o.reason for o in result.outcomes}
    assert reasons == {
        "HS001": "được chọn: thứ 1 của lớp 6A1",
        "HS002": "chưa đủ điều kiện: chưa có đồng ý của cha mẹ",
        "HS003": "đủ điều kiện nhưng lớp 6A1 đã đủ 2 đại sứ; xếp thứ 3 của lớp "
                 "(bằng tổng điểm với Phạm Thu Dung, xếp sau theo tiêu chí Đạo đức số)",
        "HS004": "đủ điều kiện, thứ 2 của lớp 6A1, nhưng toàn trường đã đủ 3 đại sứ; "
                 "xếp thứ 4 trong lượt xét toàn trường",
        "HS005": "chưa đủ điều kiện: kết quả rèn luyện Đạt, cần từ Khá trở lên",
        "HS006": "chưa đủ điều kiện: đạt bậc mong đợi của khối 6 (TC1) ở 3/4 miền đã đánh giá, "
                 "cần tất cả các miền",
        "HS007": "đủ điều kiện nhưng lớp 6A2 đã đủ 2 đại sứ; xếp thứ 3 của lớp "
                 "(bằng tổng điểm với Trần Văn Bảo, xếp sau theo thứ tự tên trong danh sách lớp)",
        "HS008": "được chọn: thứ 2 của lớp 6A2",
        "HS009": "được chọn: thứ 1 của lớp 6A2",
    }
    # The breakdown: which gates passed, each criterion's score and weight.
    hs001 = result.outcome("HS001")
    assert all(g.passed for g in hs001.gates) and len(hs001.gates) == 4
    assert {s.criterion: (round(s.value, 4), s.weight) for s in hs001.scores} == {
        "khung_nang_luc": (1.0, 0.0), "dao_duc_so": (1.0, 0.2), "ky_nang": (0.75, 0.4),
        "guong_mau": (1.0, 0.2), "ket_noi": (0.6667, 0.1), "hoc_hoi": (0.8333, 0.1)}
    assert [g.criterion for g in result.outcome("HS002").gates if not g.passed] == ["dong_y_cha_me"]
    # Disagreement: HS009's raters gave 4 and 1 on ket_noi.
    assert [(d.student_id, d.criterion, d.spread) for d in result.disagreements] == [("HS009", "ket_noi", 3)]
    assert result.outcome("HS009").flags == (
        "Hoàng Gia Huy: điểm tiêu chí Kết nối, quy tụ bạn bè lệch 3 (cô Lan 4, thầy Hùng 1), cần thảo luận",)
    frame = result.to_frame()
    assert list(frame["Được chọn"]).count("Có") == 3 and "Lí do" in frame


def test_same_inputs_same_ranking_whatever_the_order(policy):
    first = rank(*fixture_inputs(), policy)
    candidates, levels, ratings = fixture_inputs()
    shuffle = random.Random(7).shuffle
    for part in (candidates, levels, ratings):
        shuffle(part)
    assert rank(candidates, levels, ratings, policy) == first == rank(*fixture_inputs(), policy)
    assert first.policy_fingerprint == policy_fingerprint(policy)


def test_school_quota_class_bests_first(tmp_path):
    # School quota 2: the class bests (HS009 .95, HS001 .85) fill it; HS008 (.8333) is next in line.
    pol = load_policy(write_policy(tmp_path, chi_tieu={"moi_lop": 2, "toan_truong": 2}))
    result = rank(*fixture_inputs(), pol)
    assert set(result.selected_ids) == {"HS009", "HS001"}
    assert result.outcome("HS008").reason == ("đủ điều kiện, thứ 2 của lớp 6A2, nhưng toàn trường đã đủ 2 đại sứ; "
                                              "xếp thứ 3 trong lượt xét toàn trường")
    # One per class, school quota 1: 6A1's best (HS001 .85) loses to HS009 (.95).
    pol = load_policy(write_policy(tmp_path, chi_tieu={"moi_lop": 1, "toan_truong": 1}))
    assert rank(*fixture_inputs(), pol).selected_ids == ("HS009",)


def test_class_best_goes_before_a_higher_total_from_a_full_class(tmp_path):
    # Make 6A1's best weak: HS001 without attestation fails the ethics gate, so 6A1's best is HS004 (.5667).
    candidates, levels, ratings = fixture_inputs()
    candidates = [Candidate(**{**c.__dict__, "homeroom_attestation": c.student_id != "HS001"}) for c in candidates]
    pol = load_policy(write_policy(tmp_path, chi_tieu={"moi_lop": 2, "toan_truong": 2}))
    result = rank(candidates, levels, ratings, pol)
    # Class bests first: HS009 (.95) and HS004 (.5667); HS008 (.8333) waits although its total is higher.
    assert set(result.selected_ids) == {"HS009", "HS004"}
    assert result.outcome("HS008").reason == (
        "đủ điều kiện, thứ 2 của lớp 6A2, nhưng toàn trường đã đủ 2 đại sứ (em đứng đầu mỗi lớp được xét trước); "
        "xếp thứ 3 trong lượt xét toàn trường")
    assert result.outcome("HS001").reason == "chưa đủ điều kiện: chưa có xác nhận của giáo viên chủ nhiệm"
    pol = load_policy(write_policy(tmp_path, chi_tieu={"moi_lop": 2, "toan_truong": 2,
                                                       "uu_tien_moi_lop_mot": False}))
    assert set(rank(candidates, levels, ratings, pol).selected_ids) == {"HS009", "HS008"}


def test_robustness_stable_when_no_contest_is_close(policy):
    # The school cut (3rd HS008 .8333 vs HS004 .5667) and the class cuts are far apart or exact ties on
    # identical inputs: no ±10% move changes the list.
    result = robustness(*fixture_inputs(), policy)
    assert set(result.selected) == {"HS001", "HS008", "HS009"}
    assert len(result.shifts) == 10 and result.stable
    assert result.summary()[0] == "Đạo đức số ×0,9 (0,2 → 0,18): danh sách không đổi"


def test_robustness_reports_who_enters_and_leaves(tmp_path):
    # No school limit: HS004 is selected over HS003 only through the tie-break (equal totals because
    # đđ and gm weigh the same: .2 × (1 − 5/6) = .2 × (5/6 − 2/3)). Ethics ×0.9 (→ .18, gm → .205)
    # puts HS003 ahead: .385 × 5/6 ≈ .3208 > .18 + .205 × 2/3 ≈ .3167; so does gm ×1.1 (→ .22, đđ → .195).
    # Moving ky_nang, ket_noi or hoc_hoi scales đđ and gm alike: still a tie, HS004 stays.
    pol = load_policy(write_policy(tmp_path, chi_tieu={"moi_lop": 2, "toan_truong": None}))
    result = robustness(*fixture_inputs(), pol)
    assert set(result.selected) == {"HS001", "HS004", "HS008", "HS009"} and not result.stable
    changed = {(s.criterion, round(s.factor, 1)): (s.entered, s.left) for s in result.shifts if s.changed}
    assert changed == {("dao_duc_so", 0.9): (("HS003",), ("HS004",)),
                       ("guong_mau", 1.1): (("HS003",), ("HS004",))}
    moved = next(s for s in result.shifts if s.criterion == "dao_duc_so" and s.factor < 1)
    assert moved.weights == pytest.approx({"ky_nang": 0.41, "dao_duc_so": 0.18, "guong_mau": 0.205,
                                           "ket_noi": 0.1025, "hoc_hoi": 0.1025})
    names = {p[0]: p[1] for p in PUPILS}
    assert "Đạo đức số ×0,9 (0,2 → 0,18): vào Lê Minh Châu; ra Phạm Thu Dung" in result.summary(names)


def test_missing_ratings_are_flagged_and_count_zero(policy):
    candidates, levels, ratings = fixture_inputs()
    ratings = [r for r in ratings if not (r.student_id == "HS001" and r.criterion == "hoc_hoi")]
    ratings = [r for r in ratings if not (r.student_id == "HS004" and r.rater == "thầy Hùng")]
    result = rank(candidates, levels, ratings, policy)
    assert result.outcome("HS001").total == pytest.approx(0.85 - 0.1 * 5 / 6)
    assert "tiêu chí Tinh thần học hỏi, cập nhật: mới có 0/2 người đánh giá; tạm tính 0 điểm" in \
        result.outcome("HS001").flags
    assert "tiêu chí Gương mẫu, trách nhiệm: mới có 1/2 người đánh giá" in result.outcome("HS004").flags


# --- the policy file -------------------------------------------------------------------------------------------


def test_shipped_policy_is_valid_and_follows_seed_001():
    pol = load_policy(KIT_RUBRICS)
    assert set(pol.dieu_kien) == {"khung_nang_luc", "dao_duc_so", "tu_nguyen", "dong_y_cha_me"}
    assert sum(pol.trong_so.weighted().values()) == pytest.approx(1)
    assert "Quảng Ngãi" in pol.nguon and len(pol.tieu_chi.guong_mau.thang) == 4


def _broken(tmp_path: Path, old: str, new: str) -> str:
    text = (KIT_RUBRICS / POLICY_FILE).read_text(encoding="utf-8")
    assert old in text
    (tmp_path / POLICY_FILE).write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_policy(tmp_path)
    return str(err.value)


def _line_of(text: str) -> int:
    lines = (KIT_RUBRICS / POLICY_FILE).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(text))


def test_policy_with_unknown_criterion_names_file_and_line(tmp_path):
    message = _broken(tmp_path, "  ket_noi: 0.15", "  ket_nói: 0.15")
    assert message.startswith(f"{tmp_path / POLICY_FILE}:{_line_of('  ket_noi: 0.15')}: trong_so.ket_nói:")
    assert "'ket_nói' không phải mã tiêu chí; chọn trong: khung_nang_luc, dao_duc_so, ky_nang" in message
    message = _broken(tmp_path, "[dao_duc_so, ky_nang, guong_mau", "[dao_duc_so, ky_nag, guong_mau")
    assert f":{_line_of('thu_tu_khi_bang_diem')}: thu_tu_khi_bang_diem.1: 'ky_nag' không phải mã tiêu chí" in message
    message = _broken(tmp_path, "dieu_kien: [khung_nang_luc, dao_duc_so,", "dieu_kien: [khung_nang_luc, ky_nang,")
    assert "'ky_nang' (Kỹ năng số, hướng dẫn được người khác) không dùng làm điều kiện được" in message


def test_policy_weights_not_summing_to_one(tmp_path):
    message = _broken(tmp_path, "  hoc_hoi: 0.15", "  hoc_hoi: 0.1")
    assert message == (f"{tmp_path / POLICY_FILE}:{_line_of('trong_so:')}: trong_so: tổng các trọng số là 0,95 "
                       "(dao_duc_so 0,2 + ky_nang 0,3 + guong_mau 0,2 + ket_noi 0,15 + hoc_hoi 0,1), phải bằng 1 "
                       "(thiếu 0,05); sửa các trọng số cho tổng đúng bằng 1")


def test_policy_other_checks(tmp_path):
    assert "phải lớn hơn hoặc bằng 0" in _broken(tmp_path, "  moi_lop: 2", "  moi_lop: -1")
    assert "thiếu điều kiện bắt buộc dong_y_cha_me" in _broken(
        tmp_path, "dieu_kien: [khung_nang_luc, dao_duc_so, tu_nguyen, dong_y_cha_me]",
        "dieu_kien: [khung_nang_luc, dao_duc_so, tu_nguyen]")
    assert "mã năng lực không có trong Khung (TT 02/2025): 4.9" in _broken(tmp_path, '"4.3"]', '"4.9"]')
    assert "điểm tăng dần" in _broken(tmp_path, "- diem: 4\n        mo_ta: \"Nổi bật: là", "- diem: 3\n        "
                                                "mo_ta: \"Nổi bật: là")


def test_fingerprint_ignores_comments_but_not_values(tmp_path):
    text = (KIT_RUBRICS / POLICY_FILE).read_text(encoding="utf-8")
    (tmp_path / POLICY_FILE).write_text("# một ghi chú mới\n" + text, encoding="utf-8")
    base = policy_fingerprint(load_policy(KIT_RUBRICS))
    assert policy_fingerprint(load_policy(tmp_path)) == base
    (tmp_path / POLICY_FILE).write_text(text.replace("  moi_lop: 2", "  moi_lop: 3"), encoding="utf-8")
    assert policy_fingerprint(load_policy(tmp_path)) != base


# --- the evidence in the database ------------------------------------------------------------------------------


def _sheet(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH ỨNG VIÊN ĐẠI SỨ SỐ HỌC ĐƯỜNG"])
    ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def store_fixture(course: Course, genders: dict[str, str] | None = None) -> None:
    """The fixture's roster (with genders when given) and one baseline round of its levels in the course."""
    store = Store(course.db_url)
    store.replace_students([{"student_id": sid, "full_name": name, "family_name": split_name(name)[0],
                             "given_name": split_name(name)[1], "class_name": cls, "grade": 6,
                             **({"gender": genders[sid]} if genders else {})} for sid, name, cls, *_ in PUPILS])
    folder = course.source / "dau-nam-6"
    folder.mkdir(parents=True)
    (folder / f"bai{ITEMS_SUFFIX}").write_text(json.dumps({"grade": 6, "form": "baseline", "items": []}),
                                               encoding="utf-8")
    _, levels, _ = fixture_inputs()
    for sid, *_ in PUPILS:
        rows = [{k: r[k] for k in ("scope", "code", "level")} | {"expected": "TC1", "ready": FW.rank(r["level"]) >= 3}
                for r in levels if r["student_id"] == sid]
        store.save_results("dau-nam-6", sid, [], rows)


@pytest.fixture
def school(tmp_path):
    """A course holding the fixture: roster, one baseline round of levels, candidates from Excel, ratings."""
    course = make_course(tmp_path / "khoa_hoc")
    course.config.rubrics = str(write_policy(tmp_path / "rubrics"))
    course.config.school_year = "2026-2027"
    store_fixture(course)
    _sheet(tmp_path / "ung_vien.xlsx", ["STT", "Mã HS", "Họ và tên", "Tự nguyện", "Đồng ý của cha mẹ",
                                        "Xác nhận của GVCN", "Kết quả rèn luyện"],
           [[n, sid, name, "Có", "x" if consent else "", "có", conduct]
            for n, (sid, name, _cls, _lv, conduct, consent, _r) in enumerate(PUPILS, start=1)])
    assert import_candidates_excel(course, tmp_path / "ung_vien.xlsx") == 9
    add_ratings(course, [{"student_id": sid, "rater": rater, "criterion": crit, "score": s}
                         for sid, *_, rubric in PUPILS for crit, scores in zip(RUBRIC, rubric, strict=True)
                         for rater, s in zip(RATERS, scores, strict=True)])
    return course


def test_database_path_gives_the_hand_worked_ranking(school, tmp_path):
    inputs = load_inputs(school)
    assert inputs.candidates[1] == Candidate("HS002", "Trần Thị Bình", "6A1", 6, True, False, True, "Tốt")
    assert len(inputs.ratings) == 9 * 3 * 2
    result = course_ranking(school, recorded_by="Hội đồng")
    assert set(result.selected_ids) == {"HS001", "HS008", "HS009"}
    assert result == rank(*fixture_inputs(), load_policy(tmp_path / "rubrics"))
    # A rater changes their mind: the new score replaces the old one.
    add_rating(school, "HS009", "thầy Hùng", "ket_noi", 3)
    assert not course_ranking(school).disagreements
    # The school edits its policy: both versions are on record.
    write_policy(tmp_path / "rubrics", diem_toi_thieu=0.9)
    strict = course_ranking(school)
    assert strict.selected_ids == ("HS009",)
    assert strict.outcome("HS001").reason == "đủ điều kiện nhưng tổng điểm 0,85 thấp hơn mức tối thiểu 0,9"
    history = policy_history(school)
    assert len(history) == 2 and history["recorded_by"].iloc[0] == "Hội đồng"
    # The committee records its decision; the school report reads the classes that have an ambassador.
    assert selected_ambassadors(school) is None
    assert save_selection(school, result, decided_by="Hội đồng") == 3
    chosen = selected_ambassadors(school)
    assert set(chosen["class_name"]) == {"6A1", "6A2"}
    assert set(chosen["policy_fingerprint"]) == {result.policy_fingerprint}


def test_missing_consent_in_the_sheet_fails_the_gate(school, tmp_path):
    # A later sheet with only the consent column: a blank cell keeps what was recorded, "Không" withdraws.
    _sheet(tmp_path / "dong_y.xlsx", ["Mã học sinh", "Cha mẹ đồng ý"], [["HS001", "Không"], ["HS003", ""]])
    assert import_candidates_excel(school, tmp_path / "dong_y.xlsx") == 2
    result = course_ranking(school)
    assert result.outcome("HS001").reason == "chưa đủ điều kiện: chưa có đồng ý của cha mẹ"
    assert result.outcome("HS003").candidate.parent_consent is True


def test_rating_errors_name_the_student(school):
    with pytest.raises(ContentError, match="mã học sinh 'HS999' không có trong danh sách học sinh của khoá học"):
        add_rating(school, "HS999", "cô Lan", "guong_mau", 3)
    with pytest.raises(ContentError) as err:
        add_rating(school, "HS009", "cô Lan", "guong_mau", 5)
    assert str(err.value) == "Hoàng Gia Huy (HS009): điểm '5' của tiêu chí Gương mẫu, trách nhiệm nằm ngoài thang 1–4"
    with pytest.raises(ContentError, match="'sang_tao' không phải tiêu chí chấm theo thang; chọn một trong: guong_mau"):
        add_rating(school, "HS009", "cô Lan", "sang_tao", 3)
    with pytest.raises(ContentError, match="thiếu tên người đánh giá"):
        add_rating(school, "HS009", " ", "guong_mau", 3)
    store = Store(school.db_url)
    store.replace_students([{"student_id": "HS010", "full_name": "Mai Anh Thư", "family_name": "Mai Anh",
                             "given_name": "Thư", "class_name": "6A1", "grade": 6}])
    with pytest.raises(ContentError, match=r"Mai Anh Thư \(HS010\) chưa có trong danh sách ứng viên Đại sứ số "
                                           r"năm học 2026-2027"):
        add_rating(school, "HS010", "cô Lan", "guong_mau", 3)
    # All or nothing: one bad row in a batch writes none of it.
    with pytest.raises(ContentError):
        add_ratings(school, [{"student_id": "HS001", "rater": "cô Mai", "criterion": "guong_mau", "score": 2},
                             {"student_id": "HS001", "rater": "cô Mai", "criterion": "ket_noi", "score": 0}])
    assert all(r.rater != "cô Mai" for r in load_inputs(school).ratings)


def test_sheet_errors_by_line_and_nothing_written(school, tmp_path):
    path = _sheet(tmp_path / "sai.xlsx", ["Mã học sinh", "Tự nguyện", "Kết quả rèn luyện"],
                  [["HS001", "Có", "Tốt"], ["HS999", "Có", "Tốt"], ["HS002", "có lẽ", "Khá"],
                   ["HS003", "Có", "Giỏi"], ["HS001", "Có", "Tốt"]])
    with pytest.raises(ContentError) as err:
        import_candidates_excel(school, path)
    assert [str(p) for p in err.value.problems] == [
        f"{path}:5: mã học sinh 'HS999' không có trong danh sách học sinh của khoá học",
        f"{path}:6: Trần Thị Bình (HS002), cột tự nguyện: 'có lẽ' không rõ là có hay không; ghi 'Có' hoặc 'Không'",
        f"{path}:7: Lê Minh Châu (HS003), cột kết quả rèn luyện: kết quả rèn luyện 'Giỏi' không hợp lệ; "
        "ghi một trong: Tốt, Khá, Đạt, Chưa đạt",
        f"{path}:8: Nguyễn Văn An (HS001): ghi hai lần (đã có ở dòng 4)",
    ]
    assert load_inputs(school).candidates[2].conduct == "Khá"  # HS003 unchanged
    bad = _sheet(tmp_path / "khong_cot.xlsx", ["Mã học sinh", "Họ và tên"], [["HS001", "Nguyễn Văn An"]])
    with pytest.raises(ContentError, match="không thấy dòng tiêu đề có cột 'Mã học sinh'"):
        import_candidates_excel(school, bad)


def test_a_form_can_record_one_candidate(school):
    save_candidates(school, [{"student_id": "HS005", "conduct": "Khá"}], recorded_by="cô Lan")
    result = course_ranking(school)
    assert result.outcome("HS005").eligible  # Đạt → Khá: the ethics gate now passes
    shutil.rmtree(school.source)  # no assessment rounds at all: every framework gate fails, plainly
    assert course_ranking(school).outcome("HS001").reason == \
        "chưa đủ điều kiện: chưa có kết quả đánh giá năng lực số"
