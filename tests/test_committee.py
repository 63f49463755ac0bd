"""The committee's app and papers for "Đại sứ số học đường": exports checked against the ranking worked out by
hand in test_ambassadors.py, the command line, and the app end to end in Chromium."""

from __future__ import annotations

import json
import subprocess
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from nanglucso.ambassador_export import (
    Meeting,
    class_gender_frame,
    disagreement_frame,
    export_actions,
    gender_frame,
    load_committee,
    proposed_frame,
    robustness_frame,
)
from nanglucso.ambassador_inputs import (
    add_ratings,
    ambassadors,
    course_ranking,
    import_candidates_excel,
    save_candidates,
    save_selection,
)
from nanglucso.ambassador_log import add_activities
from nanglucso.ambassador_policy import CRITERIA
from nanglucso.ambassador_sheets import SCALE_SHEET, SHEET, import_ratings_excel, ratings_template
from nanglucso.cli import main as cli_main
from nanglucso.course import Course, open_course
from nanglucso.errors import KitError
from nanglucso.store import Store
from tests.conftest import make_course
from tests.test_ambassadors import PUPILS, RATERS, RUBRIC, _sheet, store_fixture, write_policy

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
PDFTOTEXT = Path("/usr/bin/pdftotext")
GENDERS = {"HS001": "Nam", "HS002": "Nữ", "HS003": "Nữ", "HS004": "nữ", "HS005": "Nam", "HS006": "nam",
           "HS007": "Nữ", "HS008": "Nam", "HS009": "Nam"}  # the roster's own spelling, case and all
CHAIR = "Nguyễn Thị Hiệu"
DECIDER = "Chủ tịch Hội đồng Nguyễn Thị Hiệu"
# The hand-worked ranking (test_ambassadors.py): school quota 3, class bests first → An (6A1, 0,85),
# Huy (6A2, 0,95), Bảo (6A2, 0,8333); Dung (6A1, 0,5667) is 4th in the school stage.
HS004_REASON = "đủ điều kiện, thứ 2 của lớp 6A1, nhưng toàn trường đã đủ 3 đại sứ; xếp thứ 4 trong lượt xét toàn trường"
# Main strengths: weighted criteria scored ≥ 0,75, best first (then heavier weight, then policy order), at most 3.
#   An:  đđ 1 (×.2), gm 1 (×.2), hh 5/6, ky 3/4, kn 2/3      → Đạo đức số; Gương mẫu; Tinh thần học hỏi
#   Huy: ky 1 (×.4), đđ 1 (×.2), gm 1 (×.2), hh 1, kn 1/2    → Kỹ năng số; Đạo đức số; Gương mẫu
#   Bảo: đđ 1 (×.2), kn 1 (×.1), gm 5/6, ky 3/4, hh 2/3      → Đạo đức số; Kết nối; Gương mẫu
PROPOSED = [
    (1, "Nguyễn Văn An", "6A1", 0.85, "Đạo đức số; Gương mẫu; Tinh thần học hỏi"),
    (2, "Hoàng Gia Huy", "6A2", 0.95, "Kỹ năng số; Đạo đức số; Gương mẫu"),
    (3, "Trần Văn Bảo", "6A2", 0.833, "Đạo đức số; Kết nối bạn bè; Gương mẫu"),
]


def committee_course(tmp_path: Path) -> Course:
    """The hand-worked fixture as a course on disk (the teacher server reads it from another process):
    roster with genders, one baseline round of levels, the policy; no candidates yet."""
    root = tmp_path / "truong"
    make_course(root)
    cfg_path = root / "nanglucso.yaml"
    cfg = yaml.safe_load(cfg_path.read_text(encoding="utf-8"))
    cfg |= {"rubrics": str(write_policy(tmp_path / "rubrics")), "school_year": "2026-2027",
            "authority": "UBND xã Thử Nghiệm", "commune": "Thử Nghiệm", "principal": CHAIR}
    cfg_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    course = open_course(root)
    store_fixture(course, GENDERS)
    return course


def candidates_sheet(path: Path) -> Path:
    """The homeroom teachers' sheet: everyone volunteers and is attested; Bình has no parent consent."""
    return _sheet(path, ["STT", "Mã HS", "Họ và tên", "Tự nguyện", "Đồng ý của cha mẹ", "Xác nhận của GVCN",
                         "Kết quả rèn luyện"],
                  [[n, sid, name, "Có", "x" if consent else "", "có", conduct]
                   for n, (sid, name, _cls, _lv, conduct, consent, _r) in enumerate(PUPILS, start=1)])


def rating_rows(skip: tuple[str, ...] = ()) -> list[dict]:
    return [{"student_id": sid, "rater": rater, "criterion": crit, "score": s}
            for sid, *_, rubric in PUPILS if sid not in skip for crit, scores in zip(RUBRIC, rubric, strict=True)
            for rater, s in zip(RATERS, scores, strict=True)]


@pytest.fixture
def rated(tmp_path) -> Course:
    course = committee_course(tmp_path)
    import_candidates_excel(course, candidates_sheet(tmp_path / "ung_vien.xlsx"))
    add_ratings(course, rating_rows())
    return course


@pytest.fixture
def decided(rated) -> Course:
    save_selection(rated, course_ranking(rated), decided_by=DECIDER)
    return rated


def meeting() -> Meeting:
    return Meeting(held_on=date(2027, 5, 15), chair=CHAIR, secretary="Lê Văn Thư",
                   members=[CHAIR, "cô Lan", "thầy Hùng"], notes="Thống nhất điểm Kết nối của em Huy là 2,5.")


def pdf_text(path: Path) -> str:
    """The PDF's text (pdftotext when installed), NFC; otherwise only the file's signature is checked."""
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    if not PDFTOTEXT.exists():
        return ""
    out = subprocess.run([str(PDFTOTEXT), str(path), "-"], capture_output=True, check=True, text=True)
    return unicodedata.normalize("NFC", out.stdout)


def sheet_rows(path: Path, title: str) -> list[list[object]]:
    return [[c.value for c in row] for row in load_workbook(path)[title].iter_rows()]


# --- the tables -----------------------------------------------------------------------------------------------


def test_committee_tables_against_the_hand_worked_ranking(decided):
    data = load_committee(decided)
    assert load_committee(decided).ranking == data.ranking  # same inputs, same ranking
    assert [tuple(r) for r in proposed_frame(data).itertuples(index=False)] == PROPOSED
    assert data.decision is not None and data.decision.decided_by == DECIDER and data.decision_problem() is None
    assert data.raters == {"cô Lan": 27, "thầy Hùng": 27}
    # By class: 6A1 An, Bình (no consent), Châu, Dung → 3 eligible, An chosen; 6A2 Em, Giang fail gates,
    # Yến, Bảo, Huy eligible, Huy and Bảo chosen. All three chosen are boys.
    by_class = class_gender_frame(data).set_index("Lớp")
    assert by_class.loc["6A1"].to_dict() == {"Ứng viên": 4, "Đủ điều kiện": 3, "Được chọn": 1,
                                             "Được chọn: Nam": 1, "Được chọn: Nữ": 0}
    assert by_class.loc["Toàn trường"].to_dict() == {"Ứng viên": 9, "Đủ điều kiện": 6, "Được chọn": 3,
                                                    "Được chọn: Nam": 3, "Được chọn: Nữ": 0}
    by_gender = gender_frame(data).set_index("Giới tính")
    assert by_gender.loc["Nam"].to_dict() == {"Ứng viên": 5, "Đủ điều kiện": 3, "Được chọn": 3,
                                              "Tỉ lệ được chọn": 0.6}
    assert by_gender.loc["Nữ"].to_dict() == {"Ứng viên": 4, "Đủ điều kiện": 3, "Được chọn": 0,
                                             "Tỉ lệ được chọn": 0.0}
    assert disagreement_frame(data).iloc[0].to_dict() == {
        "Học sinh": "Hoàng Gia Huy", "Lớp": "6A2", "Tiêu chí": "Kết nối, quy tụ bạn bè",
        "Điểm của từng người": "cô Lan 4, thầy Hùng 1", "Chênh lệch": 3.0}
    robust = robustness_frame(data)
    assert len(robust) == 10 and set(robust["Danh sách"]) == {"Không đổi"}  # see test_robustness_stable_…
    assert list(robust.iloc[0][["Tiêu chí", "Điều chỉnh", "Trọng số mới"]]) == ["Đạo đức số", "−10%", 0.18]


def test_exports_refuse_a_missing_or_outdated_decision(rated, tmp_path):
    actions = dict(export_actions(rated, meeting()))
    with pytest.raises(KitError, match="Hội đồng chưa lưu quyết định năm học 2026-2027"):
        actions["Danh sách đề nghị (PDF)"]()
    save_selection(rated, course_ranking(rated), decided_by=DECIDER)
    # The school then raises the minimum total to 0,9: only Huy (0,95) is still chosen.
    write_policy(tmp_path / "rubrics", diem_toi_thieu=0.9)
    with pytest.raises(KitError) as err:
        actions["Biên bản họp (Excel)"]()
    message = str(err.value)
    assert "chính sách xét chọn (rubrics/dai_su_so.yaml) đã được sửa" in message
    assert "nay không còn được chọn: Nguyễn Văn An, Trần Văn Bảo" in message and "Lưu quyết định" in message
    assert not list((rated.root / "bao_cao").glob("*"))


def test_papers_excel_and_pdf(decided):
    data = load_committee(decided)
    fp = data.ranking.policy_fingerprint
    paths = {label: action() for label, action in export_actions(decided, meeting())}
    assert {p.name for p in paths.values()} == {"dai_su_so_de_nghi_2026-2027.xlsx", "dai_su_so_de_nghi_2026-2027.pdf",
                                                "bien_ban_dai_su_so_2026-2027.xlsx", "bien_ban_dai_su_so_2026-2027.pdf"}
    assert all(p.parent == decided.root / "bao_cao" for p in paths.values())

    rows = sheet_rows(paths["Danh sách đề nghị (Excel)"], "Đề nghị công nhận")
    assert rows[1][0] == "DANH SÁCH đề nghị công nhận “Đại sứ số học đường” năm học 2026-2027"
    header = rows.index(["STT", "Họ và tên", "Lớp", "Tổng điểm", "Điểm mạnh chính"])
    assert [tuple(r) for r in rows[header + 1:header + 4]] == PROPOSED
    assert any(r[0] and DECIDER in str(r[0]) for r in rows[header + 4:])

    minutes = paths["Biên bản họp (Excel)"]
    assert load_workbook(minutes).sheetnames == ["Biên bản", "Xếp hạng", "Chênh lệch", "Độ vững", "Theo lớp",
                                                 "Theo giới tính"]
    facts = {r[0]: r[1] for r in sheet_rows(minutes, "Biên bản") if r[1] is not None}
    assert facts["Ngày họp"] == "15/05/2027" and facts["Chủ tịch"] == CHAIR
    assert facts["Thành viên dự họp"] == f"{CHAIR}, cô Lan, thầy Hùng"
    assert facts["Người đánh giá"] == "cô Lan (27 điểm), thầy Hùng (27 điểm)"
    assert facts["Được chọn"] == "Nguyễn Văn An (6A1), Hoàng Gia Huy (6A2), Trần Văn Bảo (6A2)"
    assert facts["Quyết định"].startswith(f"{DECIDER}, lúc ")
    assert "không đổi" in facts["Độ vững"]
    ranking = sheet_rows(minutes, "Xếp hạng")
    head = next(r for r in ranking if r[0] == "Lớp")
    dung = dict(zip(head, next(r for r in ranking if r[1] == "HS004"), strict=True))
    assert dung["Lí do"] == HS004_REASON and dung["Kết quả"] == "Không được chọn"
    assert dung["Điều kiện: Cha mẹ đồng ý"] == "Đạt" and dung["Tổng điểm"] == pytest.approx(0.567)
    binh = dict(zip(head, next(r for r in ranking if r[1] == "HS002"), strict=True))
    assert binh["Điều kiện: Cha mẹ đồng ý"] == "Chưa đạt" and binh["Kết quả"] == "Chưa đủ điều kiện"
    assert any(r[0] and fp in str(r[0]) for r in ranking)

    text = pdf_text(paths["Biên bản họp (PDF)"])
    if text:
        flat = " ".join(text.split())
        for expected in ("BIÊN BẢN", "Họp Hội đồng xét chọn “Đại sứ số học đường” năm học 2026-2027",
                         "ngày 15 tháng 5 năm 2027", "CHỦ TỊCH HỘI ĐỒNG", CHAIR, "Lê Văn Thư", "thầy Hùng",
                         "Kết nối, quy tụ bạn bè", "Thống nhất điểm Kết nối của em Huy", "không đổi", "Theo giới tính",
                         DECIDER, "Nguyễn Văn An (6A1), Hoàng Gia Huy (6A2), Trần Văn Bảo (6A2)"):
            assert expected in flat, expected
        assert fp in "".join(text.split())  # a long word may wrap across lines
    text = pdf_text(paths["Danh sách đề nghị (PDF)"])
    if text:
        flat = " ".join(text.split())
        for expected in ("DANH SÁCH", "Đề nghị công nhận “Đại sứ số học đường” năm học 2026-2027", "HIỆU TRƯỞNG",
                         "Trần Văn Bảo", "Hoàng Gia Huy", "Nguyễn Văn An", "UBND XÃ THỬ NGHIỆM"):
            assert expected in flat, expected
        assert "Phạm Thu Dung" not in flat


def test_command_line(tmp_path, capsys):
    course = committee_course(tmp_path)
    where = ["--course", str(course.root)]
    assert cli_main(["ambassadors", "import", str(candidates_sheet(tmp_path / "uv.xlsx")), *where]) == 0
    assert "Đã nhập 9 ứng viên" in capsys.readouterr().out
    assert cli_main(["ambassadors", "sheet", "--rater", "cô Lan", *where]) == 0
    assert (course.root / "bao_cao" / "phieu_danh_gia_dai_su_so_2026-2027.xlsx").exists()
    capsys.readouterr()
    for rater in RATERS:
        sheet = filled_sheet(course, tmp_path / f"{rater}.xlsx", rater, with_rater_column=False)
        assert cli_main(["ambassadors", "ratings", str(sheet), "--rater", rater, *where]) == 0
        assert f"Đã nhập 24 điểm theo tiêu chí từ {sheet}" in capsys.readouterr().out
    assert cli_main(["ambassadors", "ratings", str(sheet), *where]) == 1
    assert "thiếu tên người đánh giá" in capsys.readouterr().err
    add_ratings(course, [r for r in rating_rows() if r["student_id"] == "HS009"])
    assert cli_main(["ambassadors", "rank", "--json", *where]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["selected"] == ["HS001", "HS009", "HS008"] and out["robustness"]["stable"] is True
    assert next(o for o in out["outcomes"] if o["student_id"] == "HS004")["reason"] == HS004_REASON
    assert cli_main(["ambassadors", "rank", *where]) == 0
    assert "Nguyễn Văn An" in capsys.readouterr().out
    assert cli_main(["ambassadors", "export", *where]) == 1
    assert "chưa lưu quyết định" in capsys.readouterr().err
    assert cli_main(["ambassadors", "export", "--date", "31/02/2027", *where]) == 1
    assert "không đúng dạng NGÀY/THÁNG/NĂM" in capsys.readouterr().err
    assert cli_main(["ambassadors", "export", "--by", DECIDER, "--date", "15/05/2027", "--secretary", "Lê Văn Thư",
                     *where]) == 0
    assert "Đã lưu quyết định: 3 em" in capsys.readouterr().out
    assert len(list((course.root / "bao_cao").glob("*_2026-2027.*"))) == 5  # the raters' sheet and 4 papers


# --- the raters' Excel sheet ----------------------------------------------------------------------------------


def filled_sheet(course: Course, path: Path, rater: str, with_rater_column: bool = True) -> Path:
    """The kit's blank sheet, filled in by one rater with the fixture's scores (Huy's left blank)."""
    ratings_template(course, path, rater=rater if with_rater_column else "")
    wb = load_workbook(path)
    ws = wb[SHEET]
    header = [c.value for c in ws[4]]
    col = {name: header.index(name) + 1 for name in header}
    scores = {sid: dict(zip(RUBRIC, (pair[RATERS.index(rater)] for pair in rubric), strict=True))
              for sid, *_, rubric in PUPILS}
    for r in range(5, ws.max_row + 1):
        sid = ws.cell(r, col["Mã học sinh"]).value
        if sid == "HS009":
            continue
        for crit in RUBRIC:
            ws.cell(r, col[CRITERIA[crit]], scores[sid][crit])
    wb.save(path)
    return path


def test_ratings_sheet_round_trip_gives_the_hand_worked_ranking(tmp_path):
    course = committee_course(tmp_path)
    import_candidates_excel(course, candidates_sheet(tmp_path / "uv.xlsx"))
    blank = ratings_template(course, tmp_path / "phieu.xlsx", rater="cô Lan")
    wb = load_workbook(blank)
    rows = [[c.value for c in row] for row in wb[SHEET].iter_rows(min_row=4)]
    assert rows[0] == ["STT", "Lớp", "Mã học sinh", "Họ và tên", "Người đánh giá", "Gương mẫu, trách nhiệm",
                       "Kết nối, quy tụ bạn bè", "Tinh thần học hỏi, cập nhật"]
    # By class, then class-list order (given name first): An, Bình, Châu, Dung | Bảo, Em, Giang, Huy, Yến.
    assert [r[2] for r in rows[1:]] == ["HS001", "HS002", "HS003", "HS004", "HS008", "HS005", "HS006", "HS009",
                                        "HS007"]
    assert {r[4] for r in rows[1:]} == {"cô Lan"} and all(r[5] is None for r in rows[1:])
    checks = wb[SHEET].data_validations.dataValidation
    assert [(v.type, v.formula1, str(v.sqref)) for v in checks] == [
        ("list", '"1,2,3,4"', f"{c}5:{c}13") for c in "FGH"]
    assert len(list(wb[SCALE_SHEET].iter_rows(min_row=2))) == 12  # 3 criteria × 4 levels, with descriptors

    assert import_ratings_excel(course, filled_sheet(course, tmp_path / "lan.xlsx", "cô Lan")) == 8 * 3
    # Hùng's copy has no names in the rater column: the name typed on the page (or --rater) is used.
    hung = filled_sheet(course, tmp_path / "hung.xlsx", "thầy Hùng", with_rater_column=False)
    with pytest.raises(KitError, match=r"hung.xlsx:5: thiếu tên người đánh giá"):
        import_ratings_excel(course, hung)
    assert import_ratings_excel(course, hung, rater="thầy Hùng") == 8 * 3
    add_ratings(course, [r for r in rating_rows() if r["student_id"] == "HS009"])
    assert course_ranking(course).selected_ids == ("HS001", "HS009", "HS008")
    # Importing the same sheet again replaces the rater's scores; it does not add a second copy.
    assert import_ratings_excel(course, tmp_path / "lan.xlsx") == 24
    assert len(load_committee(course).inputs.ratings) == 9 * 3 * 2


def test_ratings_sheet_names_every_bad_line_and_writes_nothing(rated, tmp_path):
    before = load_committee(rated).inputs.ratings
    bad = _sheet(tmp_path / "sai.xlsx", ["Mã HS", "Họ và tên", "Người đánh giá", "Gương mẫu, trách nhiệm", "hoc_hoi"],
                 [["HS001", "Nguyễn Văn An", "cô Mai", "Nổi bật", "2,5"],   # a level's name and a decimal comma: fine
                  ["HS999", "", "cô Mai", 3, 3],                           # line 5: not on the roster (said once)
                  ["HS002", "Trần Thị Bình", "cô Mai", 5, None],           # line 6: outside the 1–4 scale
                  ["HS003", "Phạm Thu Dung", "cô Mai", 3, 3],              # line 7: id and name do not match
                  ["HS004", "Phạm Thu Dung", "cô Mai", "rất tốt", 3]])     # line 8: not a level
    with pytest.raises(KitError) as err:
        import_ratings_excel(rated, bad)
    lines = [str(p) for p in err.value.problems]
    assert lines == [
        f"{bad}:5: mã học sinh 'HS999' không có trong danh sách học sinh của khoá học",
        f"{bad}:6: Trần Thị Bình (HS002): điểm '5' của tiêu chí Gương mẫu, trách nhiệm nằm ngoài thang 1–4",
        f"{bad}:7: mã học sinh 'HS003' là của Lê Minh Châu, nhưng dòng này ghi 'Phạm Thu Dung'; sửa mã hoặc tên "
        "cho khớp",
        f"{bad}:8: Phạm Thu Dung (HS004): điểm 'rất tốt' của tiêu chí Gương mẫu, trách nhiệm nằm ngoài thang 1–4",
    ]
    assert load_committee(rated).inputs.ratings == before
    no_criteria = _sheet(tmp_path / "khac.xlsx", ["Mã học sinh", "Điểm"], [["HS001", 3]])
    with pytest.raises(KitError, match="không thấy dòng tiêu đề có cột 'Mã học sinh' và ít nhất một cột tiêu chí"):
        import_ratings_excel(rated, no_criteria)
    good = _sheet(tmp_path / "dung.xlsx", ["Mã HS", "Họ và tên", "Người đánh giá", "Gương mẫu, trách nhiệm",
                                           "hoc_hoi"], [["HS001", "nguyễn văn an", "cô Mai", "Nổi bật", "2,5"]])
    assert import_ratings_excel(rated, good) == 2
    mine = {r.criterion: r.score for r in load_committee(rated).inputs.ratings if r.rater == "cô Mai"}
    assert mine == {"guong_mau": 4.0, "hoc_hoi": 2.5}


def test_last_years_activity_is_shown_to_the_raters(rated):
    from nanglucso.widgets.ambassadors import CommitteeApp

    with Store(rated.db_url).engine.begin() as conn:
        conn.execute(ambassadors.insert(), [{"school_year": "2025-2026", "student_id": "HS001", "class_name": "5A",
                                             "policy_fingerprint": "x", "decided_at": datetime.now(UTC)}])
    add_activities(rated, [
        {"student_id": "HS001", "activity_date": "15/09/2025", "kind": "hướng dẫn", "helped_group": "giáo viên",
         "people": 2, "service": "Nền tảng học tập số"},
        {"student_id": "HS001", "activity_date": "10/11/2025", "kind": "hỗ trợ trực tiếp", "helped_group": "người dân",
         "people": 5, "service": "VNeID"},
        {"student_id": "HS001", "activity_date": "20/11/2025", "kind": "hướng dẫn", "helped_group": "người thân",
         "people": 1, "service": "VNeID"}], school_year="2025-2026")
    line = ("Đại sứ số năm học 2025-2026: 3 hoạt động trong 2 tháng, hỗ trợ 8 người (giáo viên 2, người thân 1, "
            "người dân 5); dịch vụ: Nền tảng học tập số, VNeID.")
    assert load_committee(rated).last_year == {"HS001": line}
    app = CommitteeApp(rated)
    assert line in app.controls["candidates"].value
    app.tabs.selected_index = 1
    ui = app.controls
    ui["class"].value, ui["pupil"].value = "6A1", "HS001"
    assert line in ui["evidence"].value
    ui["pupil"].value = "HS002"
    assert ui["evidence"].value == ""


# --- the app --------------------------------------------------------------------------------------------------


def test_committee_app_in_process(rated, tmp_path):
    """The widgets without a browser: every tab builds, a score saved by a new rater shows up everywhere."""
    from nanglucso.widgets.ambassadors import CommitteeApp

    app = CommitteeApp(rated)
    for i in range(len(app.tabs.children)):
        app.tabs.selected_index = i
    assert "ý kiến chênh lệch" in app.head.value and "3</span> được chọn" in app.head.value
    ui = app.controls
    assert HS004_REASON in ui["ranking_table"].value
    # A sheet with two bad lines: both are named by the uploaded file's name and line, nothing is written.
    bad = _sheet(tmp_path / "sai.xlsx", ["Mã học sinh", "Kết quả rèn luyện"],
                 [["HS001", "Tốt"], ["HS999", "Tốt"], ["HS003", "Giỏi"]])
    ui["upload"].value = ({"name": "sai.xlsx", "type": "", "size": bad.stat().st_size,
                           "content": memoryview(bad.read_bytes()), "last_modified": datetime.now(UTC)},)
    message = ui["candidates_message"].value
    assert "Chưa nhập gì từ sai.xlsx" in message and "sai.xlsx:5: mã học sinh &#x27;HS999&#x27;" in message
    assert "sai.xlsx:6: Lê Minh Châu (HS003), cột kết quả rèn luyện" in message and str(tmp_path) not in message
    assert ui["upload"].value == ()
    app.rater.value = "cô Mai"
    ui["class"].value, ui["pupil"].value = "6A1", "HS003"
    ui["level_guong_mau"].value = 1.0  # the lowest level, three points below Lan's 4
    ui["save_rating"].click()
    assert "Đã lưu 1 điểm của cô Mai cho Lê Minh Châu" in ui["rating_message"].value
    assert "Lê Minh Châu: điểm tiêu chí Gương mẫu, trách nhiệm lệch 3 (cô Lan 4, cô Mai 1, thầy Hùng 3)" \
        in ui["disputes"].value
    assert "Gương mẫu, trách nhiệm lệch 3" in ui["ranking_table"].value  # the ranking tab was redrawn too
    ui["save_decision"].click()
    assert "Ghi tên người quyết định" in ui["decision_message"].value
    ui["decided_by"].value = DECIDER
    ui["save_decision"].click()
    assert f"Đã lưu quyết định: 3 em, do {DECIDER}" in ui["decision_message"].value
    ui["export Biên bản họp (Excel)"].click()
    assert "download='bien_ban_dai_su_so_2026-2027.xlsx'" in ui["exports"].value


def test_committee_app_shows_a_broken_policy_by_file_and_line(rated, tmp_path):
    from nanglucso.widgets.ambassadors import CommitteeApp

    policy = tmp_path / "rubrics" / "dai_su_so.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("ket_noi: 0.1", "ket_nói: 0.1", 1), encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if row.strip() == "ket_noi: 0.1")
    app = CommitteeApp(rated)
    assert f"{policy}:{line}: trong_so.ket_nói: &#x27;ket_nói&#x27; không phải mã tiêu chí" in app.head.value
    assert "Sửa tệp chính sách" in app.head.value and not app.body.children


def test_committee_app_in_chromium(tmp_path):
    """Through the teacher server in real Chromium: import the homeroom sheet and two raters' filled Excel
    sheets, the two raters score Huy on the page (a large disagreement is flagged), the ranking matches the
    hand-worked one, the decision is saved, papers exported."""
    from playwright.sync_api import expect

    from tests.browser import chromium_page, need_chromium, teacher_server

    need_chromium()
    course = committee_course(tmp_path)
    # Registered through a form earlier (volunteers only); the two raters scored everyone but Huy on the
    # kit's Excel sheet (Hùng's copy has no names in the rater column).
    save_candidates(course, [{"student_id": sid, "volunteers": True} for sid, *_ in PUPILS])
    lan = filled_sheet(course, tmp_path / "phieu_co_lan.xlsx", "cô Lan")
    hung = filled_sheet(course, tmp_path / "phieu_thay_hung.xlsx", "thầy Hùng", with_rater_column=False)
    sheet = candidates_sheet(tmp_path / "ung_vien_gvcn.xlsx")
    ARTIFACTS.mkdir(exist_ok=True)
    with teacher_server(course) as (url, token), chromium_page(height=1400) as page:
        page.goto(f"{url}voila/render/dai_su_so.ipynb?token={token}")
        page.get_by_text("9 ứng viên", exact=True).wait_for(timeout=90_000)

        def row(name: str):  # the visible table row of one pupil (another's reason may name them too)
            return page.locator("tr:visible", has=page.get_by_role("cell", name=name, exact=True))

        expect(row("Hoàng Gia Huy")).to_contain_text("chưa có đồng ý của cha mẹ")
        with page.expect_file_chooser() as chooser:  # ipywidgets' upload button opens a chooser of its own
            page.get_by_role("button", name="Nhập tệp Excel").click()
        chooser.value.set_files(str(sheet))
        page.get_by_text("Đã nhập 9 ứng viên từ ung_vien_gvcn.xlsx.").wait_for(timeout=30_000)
        expect(row("Trần Thị Bình")).to_contain_text("chưa có đồng ý của cha mẹ")
        expect(row("Hoàng Gia Huy")).to_contain_text("✓ đủ điều kiện")
        page.screenshot(path=str(ARTIFACTS / "dai_su_so_ung_vien.png"), full_page=True)

        page.get_by_role("tab", name="Chấm theo tiêu chí").click()
        for rater, filled in (("", lan), ("thầy Hùng", hung)):
            page.get_by_role("textbox", name="Người đánh giá:").fill(rater)
            page.get_by_role("textbox", name="Người đánh giá:").press("Tab")
            with page.expect_file_chooser() as chooser:
                page.get_by_role("button", name="Nhập phiếu đã chấm").click()
            chooser.value.set_files(str(filled))
            page.get_by_text(f"Đã nhập 24 điểm từ {filled.name}.").wait_for(timeout=30_000)
        page.get_by_role("combobox", name="Lớp:").select_option("6A2")
        page.get_by_role("combobox", name="Ứng viên:").select_option(label="Hoàng Gia Huy (HS009)")
        for rater, scores in zip(RATERS, zip(*PUPILS[8][6], strict=True), strict=True):  # (gm, kn, hh) each
            page.get_by_role("textbox", name="Người đánh giá:").fill(rater)
            page.get_by_role("textbox", name="Người đánh giá:").press("Tab")  # the name syncs when the field is left
            # A new rater starts from blank levels (not the previous rater's): wait for them to clear.
            expect(page.locator(".nls-crit .mod-active")).to_have_count(0)
            for crit, score in zip(RUBRIC, scores, strict=True):
                page.locator(f".nls-crit-{crit}").get_by_role("button", name=f"{score} ·").click()
            expect(page.locator(".nls-crit .mod-active")).to_have_count(3)
            page.get_by_role("button", name="Lưu điểm").click()
            page.get_by_text(f"Đã lưu 3 điểm của {rater} cho Hoàng Gia Huy.").wait_for(timeout=30_000)
        # Lan gave 4 and Hùng 1 on ket_noi: 3 points apart, the policy asks for discussion from 2.
        expect(page.locator(".nls-disputes")).to_contain_text(
            "Hoàng Gia Huy: điểm tiêu chí Kết nối, quy tụ bạn bè lệch 3 (cô Lan 4, thầy Hùng 1), cần thảo luận")
        page.screenshot(path=str(ARTIFACTS / "dai_su_so_cham.png"), full_page=True)

        page.get_by_role("tab", name="Xếp hạng").click()
        summary = page.locator(".nls-card", has_text="Toàn trường")
        expect(summary).to_contain_text("3 được chọn: Hoàng Gia Huy, Nguyễn Văn An, Trần Văn Bảo", timeout=30_000)
        expect(row("Phạm Thu Dung")).to_contain_text(HS004_REASON)
        expect(row("Hoàng Gia Huy")).to_contain_text("0,95")
        page.screenshot(path=str(ARTIFACTS / "dai_su_so_xep_hang.png"), full_page=True)
        page.get_by_role("tab", name="Độ vững").click()
        page.get_by_text("Danh sách được chọn không đổi").wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "dai_su_so_do_vung.png"), full_page=True)

        page.get_by_role("tab", name="Quyết định và xuất").click()
        page.get_by_role("textbox", name="Người quyết định:").fill(DECIDER)
        page.get_by_role("button", name="Lưu quyết định").click()
        page.get_by_text(f"Đã lưu quyết định: 3 em, do {DECIDER}").wait_for(timeout=30_000)
        page.get_by_role("textbox", name="Thư ký:").fill("Lê Văn Thư")
        for label in ("Biên bản họp (PDF)", "Danh sách đề nghị (Excel)"):
            page.get_by_role("button", name=label).click()
        expect(page.locator("a.nls-download")).to_have_count(2, timeout=60_000)
        expect(page.locator("a.nls-download").last).to_have_attribute("download", "dai_su_so_de_nghi_2026-2027.xlsx")
        page.screenshot(path=str(ARTIFACTS / "dai_su_so_xuat.png"), full_page=True)
        # The recognised ambassadors are now the ones whose activities the last tab records.
        page.get_by_role("tab", name="Hoạt động của Đại sứ").click()
        expect(page.get_by_role("combobox", name="Đại sứ:")).to_contain_text("Hoàng Gia Huy", timeout=30_000)
    folder = course.root / "bao_cao"
    assert (folder / "bien_ban_dai_su_so_2026-2027.pdf").exists()
    rows = sheet_rows(folder / "dai_su_so_de_nghi_2026-2027.xlsx", "Đề nghị công nhận")
    assert [r[1] for r in rows if isinstance(r[0], int)] == ["Nguyễn Văn An", "Hoàng Gia Huy", "Trần Văn Bảo"]
    text = pdf_text(folder / "bien_ban_dai_su_so_2026-2027.pdf")
    assert not text or "Lê Văn Thư" in text
