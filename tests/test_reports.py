"""Report figures against values worked out by hand on a small class (rows written straight to SQLite)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from nanglucso.class_report import class_report
from nanglucso.errors import ContentError, KitError
from nanglucso.framework import load_framework
from nanglucso.paths import ITEMS_SUFFIX
from nanglucso.relatives import add_records, helpers_table, import_excel
from nanglucso.school import class_table, indicators, load_school, progress
from nanglucso.store import Store
from tests.conftest import make_course

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"

# Class 6A1 (grade 6, expected TC1) and 6A2; three domains and three competencies are enough to check by hand.
ROSTER = [
    ("S1", "Nguyễn Văn An", "6A1", 6), ("S2", "Trần Thị Bình", "6A1", 6), ("S3", "Lê Minh Châu", "6A1", 6),
    ("S4", "Phạm Thu Dung", "6A1", 6), ("S5", "Hoàng Gia Bảo", "6A2", 6),
]
# Baseline levels: competency → level reached (None: none), per student.
BASE = {
    "S1": {"1.1": "TC2", "4.2": "TC1", "5.1": "CB2"},
    "S2": {"1.1": "TC1", "4.2": "CB2", "5.1": None},
    "S3": {"1.1": "CB2", "4.2": "TC1", "5.1": "TC1"},
    "S4": {"1.1": "TC1", "4.2": "TC1", "5.1": "TC1"},
    "S5": {"1.1": None, "4.2": None, "5.1": None},
}
# End of year: S1, S2 and S5 sat it again (S3, S4 did not).
END = {
    "S1": {"1.1": "TC2", "4.2": "TC2", "5.1": "TC1"},
    "S2": {"1.1": "TC1", "4.2": "TC1", "5.1": "CB2"},
    "S5": {"1.1": "TC1", "4.2": "TC1", "5.1": "TC1"},
}
FW = load_framework()
RANK = {None: 0, "CB1": 1, "CB2": 2, "TC1": 3, "TC2": 4}
# One item per competency; choice answers for the distractor table of item i-4.2 (key "b").
ANSWERS = {"S1": "b", "S2": "a", "S3": "b", "S4": "b"}


def _write_round(course, assignment: str, form: str, levels: dict) -> None:
    folder = course.source / assignment
    folder.mkdir(parents=True)
    items = [{"id": f"i-{c}", "type": "single_choice" if c == "4.2" else "true_false", "competency": c,
              "level": "TC1", "points": 1, "prompt": {"vi": f"Câu về năng lực {c}"}} for c in ("1.1", "4.2", "5.1")]
    (folder / f"bai{ITEMS_SUFFIX}").write_text(json.dumps({"grade": 6, "form": form, "title": assignment,
                                                           "items": items}), encoding="utf-8")
    store = Store(course.db_url)
    for sid, comps in levels.items():
        rows, scores = [], []
        for code, level in comps.items():
            rows.append({"scope": "competency", "code": code, "level": level, "expected": "TC1",
                         "ready": RANK[level] >= 3})
            # Domain = its only competency here.
            rows.append({"scope": "domain", "code": code[0], "level": level, "expected": "TC1",
                         "ready": RANK[level] >= 3})
            answer = ANSWERS.get(sid) if code == "4.2" else None
            scores.append({"item_id": f"i-{code}", "competency": code, "level": "TC1",
                           "score": 1.0 if RANK[level] >= 3 else 0.0, "max_score": 1.0, "pending": False,
                           "answer": json.dumps(answer) if answer else None})
        store.save_results(assignment, sid, scores, rows)


@pytest.fixture
def school(tmp_path):
    course = make_course(tmp_path / "truong")
    # The records below are dated in 2026-2027: fix the school year so the test does not depend on today.
    cfg = course.root / "nanglucso.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + "school_year: 2026-2027\n", encoding="utf-8")
    course.config.school_year = "2026-2027"
    store = Store(course.db_url)
    store.create()
    store.replace_students([{"student_id": s, "full_name": n, "family_name": n.rsplit(" ", 1)[0],
                             "given_name": n.rsplit(" ", 1)[1], "class_name": c, "grade": g, "birth_date": None,
                             "gender": None} for s, n, c, g in ROSTER])
    _write_round(course, "lop6-dau-nam", "baseline", BASE)
    _write_round(course, "lop6-cuoi-nam", "end_of_year", END)
    return course


def test_class_report_figures(school, monkeypatch):
    # Keys for the distractor table come from the bank; here, a bank of one choice item.
    monkeypatch.setattr("nanglucso.class_report._keys",
                        lambda root: {"i-4.2": {"type": "single_choice", "key": "b", "options": ["a", "b", "c"]}})
    rep = class_report(school, "lop6-dau-nam", "6A1")
    # Class-list order is by given name: An, Bình, Châu, Dung.
    assert list(rep.roster["full_name"]) == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Châu", "Phạm Thu Dung"]
    assert rep.expected == "TC1" and rep.assessed == 4
    share = rep.domain_share.set_index("code")["share"]
    # Domain 1: S1 TC2, S2 TC1, S3 CB2, S4 TC1 → 3/4. Domain 4: TC1, CB2, TC1, TC1 → 3/4.
    # Domain 5: CB2, -, TC1, TC1 → 2/4.
    assert share.to_dict() == {"1": 0.75, "4": 0.75, "5": 0.5}
    assert rep.heatmap.loc["Trần Thị Bình", "5.1"] == "–"  # no level reached
    assert rep.gaps.loc["Nguyễn Văn An", "1.1"] == 1 and rep.gaps.loc["Trần Thị Bình", "5.1"] == -3
    # Support: S2 is below in domain 4 (safety) and ready in 1 of 3 domains; S1 is ready in 2/3, S3 in 2/3.
    assert list(rep.support["Họ và tên"]) == ["Trần Thị Bình"]
    assert "miền 4" in rep.support["Lí do"].iloc[0] and "1/3 miền" in rep.support["Lí do"].iloc[0]
    an = next(p for p in rep.profiles if p.full_name == "Nguyễn Văn An")
    assert an.strengths[0].startswith("Duyệt, tìm kiếm") and "cao hơn bậc mong đợi" in an.strengths[0]
    # An's only competency below TC1 is 5.1 (CB2): one next step, named, with what to aim for.
    assert len(an.next_steps) == 1 and an.next_steps[0].startswith(FW.competency("5.1").name_vi)
    assert "hiện đạt CB2, cần TC1" in an.next_steps[0]
    # Item i-4.2 right for S1, S3, S4 → p = 3/4; distractor "a" chosen by S2 only → 1/4; "c" by nobody.
    items = rep.items.items
    assert items.loc["i-4.2", "p"] == pytest.approx(0.75)
    dist = rep.items.distractors.set_index(["item_id", "option"])["share"]
    assert dist[("i-4.2", "a")] == pytest.approx(0.25) and dist[("i-4.2", "c")] == 0
    assert rep.item_labels["i-4.2"] == "Câu về năng lực 4.2"
    with pytest.raises(KitError, match="không có lớp '9Z'"):
        class_report(school, "lop6-dau-nam", "9Z")
    with pytest.raises(KitError, match="không có bài 'khong-co'"):
        class_report(school, "khong-co", "6A1")


def test_school_picture_progress_and_indicators(school):
    add_records(school, [{"student_id": "S1", "helped_on": "03/10/2026", "relative": "bà nội", "service": "VNeID"},
                         {"student_id": "S1", "helped_on": "04/10/2026", "relative": "ông nội", "service": "VNeID"},
                         {"student_id": "S5", "helped_on": "05/11/2026", "relative": "mẹ", "service": "Ngân hàng số"}],
                recorded_by="GVCN")
    data = load_school(school)
    table = class_table(data).set_index("Lớp")
    # Latest round: S1, S2 end of year; S3, S4 baseline. 6A1 domain 1: S1 TC2, S2 TC1, S3 CB2, S4 TC1 → 3/4;
    # domain 5: S1 TC1, S2 CB2, S3 TC1, S4 TC1 → 3/4.
    assert table.loc["6A1", "Sĩ số"] == 4 and table.loc["6A1", "Đã đánh giá"] == 4
    assert table.loc["6A1", "Miền 1"] == 0.75 and table.loc["6A1", "Miền 5"] == 0.75
    # Equipped (ready in domain 4 and in ≥ 1/2 of domains): S1 yes, S2 (4 TC1, 1 TC1, 5 CB2) yes, S3 (1 no, 4 yes,
    # 5 yes) yes, S4 yes → 4/4; 6A2: S5 end of year all TC1 → 1/1.
    assert table.loc["6A1", "Được trang bị"] == 1.0 and table.loc["6A2", "Được trang bị"] == 1.0
    assert table.loc["6A1", "Hỗ trợ người thân"] == 0.25  # S1 (twice: counted once)
    # Progress over the students who sat both rounds (S1, S2 in 6A1; S5 in 6A2), over their 3 domains:
    # 6A1 baseline: S1 (1 yes, 4 yes, 5 no), S2 (1 yes, 4 no, 5 no) → 3/6; end: S1 3/3, S2 2/3 → 5/6.
    prog = progress(data).set_index("Lớp")
    assert prog.loc["6A1", "Đầu năm"] == pytest.approx(0.5) and prog.loc["6A1", "Cuối năm"] == pytest.approx(5 / 6)
    assert prog.loc["6A2", "Đầu năm"] == 0 and prog.loc["6A2", "Cuối năm"] == 1 and prog.loc["6A1", "Số HS"] == 2
    by_domain = progress(data, by="code").set_index("Miền")
    # Domain 4: baseline S1 yes, S2 no, S5 no → 1/3; end: 3/3.
    assert by_domain.loc["4", "Đầu năm"] == pytest.approx(1 / 3) and by_domain.loc["4", "Cuối năm"] == 1
    ind = indicators(data).set_index("Mã")
    # THCS: 5 students, 5 equipped; 2 helped a relative (S1, S5) → 40% against the 2026 target of 50%.
    assert ind.loc["trang_bi", "Số đạt"] == 5 and ind.loc["trang_bi", "Đánh giá"] == "Đạt"
    assert ind.loc["nguoi_than", "Tỉ lệ"] == pytest.approx(0.4) and ind.loc["nguoi_than", "Chỉ tiêu"] == 0.5
    assert ind.loc["nguoi_than", "Đánh giá"] == "Chưa đạt"
    assert "lop_dai_su" not in ind.index  # no ambassadors selected yet: not reported as 0%


def test_relatives_records_are_checked_before_anything_is_written(school, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["SỔ THEO DÕI MỖI HỌC SINH – MỘT NGƯỜI THÂN SỐ HÓA"])
    ws.append(["Mã học sinh", "Họ và tên", "Ngày", "Người thân", "Tiện ích số"])
    ws.append(["S2", "Trần Thị Bình", date(2026, 10, 1), "bố", "VNeID"])
    ws.append(["S9", "Không có", "01/10/2026", "mẹ", "VNeID"])
    ws.append(["S3", "Lê Minh Châu", "hôm qua", "bà", "VNeID"])
    ws.append(["S4", "Phạm Thu Dung", "02/10/2026", "", "VNeID"])
    path = tmp_path / "nguoi_than.xlsx"
    wb.save(path)
    with pytest.raises(ContentError) as err:
        import_excel(school, path)
    text = str(err.value)
    assert f"{path}:4: mã học sinh 'S9'" in text and f"{path}:5: S3: ngày" in text and f"{path}:6: S4: thiếu" in text
    assert helpers_table(school).empty  # nothing written
    ws.delete_rows(4, 3)
    wb.save(path)
    assert import_excel(school, path, recorded_by="GVCN 6A1") == 1
    table = helpers_table(school)
    assert table.iloc[0]["student_id"] == "S2" and table.iloc[0]["helped_on"] == date(2026, 10, 1)


def test_aggregate_csv_for_the_so_has_counts_and_no_student(school, tmp_path):
    from nanglucso.aggregate import COLUMNS, write_aggregate

    add_records(school, [{"student_id": "S5", "helped_on": "05/11/2026", "relative": "mẹ", "service": "VNeID"}])
    path = write_aggregate(school, tmp_path / "tong_hop.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    for sid, name, *_ in ROSTER:
        assert sid not in text.split(",") and name not in text
    frame = pd.read_csv(path, encoding="utf-8-sig", dtype={"ma": str, "dot": str}, keep_default_na=False)
    assert list(frame.columns) == COLUMNS
    rows = frame.set_index(["dot", "chi_so", "ma"])
    # Baseline, domain 4, grade 6: S1 TC1, S2 CB2, S3 TC1, S4 TC1, S5 none → 3 of 5.
    assert tuple(rows.loc[("dau_nam", "mien", "4"), ["so_luong", "so_dat"]]) == (5, 3)
    # End of year, competency 5.1: S1 TC1, S2 CB2, S5 TC1 → 2 of 3.
    assert tuple(rows.loc[("cuoi_nam", "nang_luc", "5.1"), ["so_luong", "so_dat"]]) == (3, 2)
    assert tuple(rows.loc[("", "nguoi_than", ""), ["so_luong", "so_dat"]]) == (5, 1)
    assert tuple(rows.loc[("", "trang_bi", ""), ["so_luong", "so_dat"]]) == (5, 5)
    assert set(frame["cap"]) == {"THCS"} and set(frame["khoi"]) == {6}


def test_exports_workbook_pdf_and_csv(school, tmp_path):
    from openpyxl import load_workbook

    from nanglucso.report_export import export_actions

    add_records(school, [{"student_id": "S1", "helped_on": "03/10/2026", "relative": "bà nội", "service": "VNeID"}])
    paths = {label: action() for label, action in export_actions(school)}
    xlsx, pdf, csv = paths.values()
    assert xlsx.parent == school.root / "bao_cao" and xlsx.suffix == ".xlsx"
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["Chỉ tiêu", "Tổng hợp các lớp", "Tiến bộ", "Lớp 6A1", "Lớp 6A2"]
    assert all(wb[name]._charts for name in wb.sheetnames)
    ws = wb["Lớp 6A1"]
    cells = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(2, 6)] for r in range(1, ws.max_row + 1)}
    # 6A1 domain 4: baseline S1 TC1, S2 CB2, S3 TC1, S4 TC1 → 3/4; end S1 TC2, S2 TC1 → 2/2; now: S1, S2 (end),
    # S3, S4 (baseline) → 4/4.
    assert cells["4. An toàn"] == [4, 0.75, 1, 1]
    ind = wb["Chỉ tiêu"]
    values = [[c.value for c in row] for row in ind.iter_rows()]
    row = next(r for r in values if r[0] and str(r[0]).startswith("Tỉ lệ học sinh hỗ trợ"))
    assert row[3:7] == [5, 1, 0.2, 0.5] and row[7] == "Chưa đạt"
    assert pdf.read_bytes().startswith(b"%PDF") and csv.read_bytes().startswith(b"\xef\xbb\xbf")


def test_report_apps_in_chromium(school, monkeypatch):
    """Both apps through the teacher server in real Chromium: widgets and charts load, the figures worked out
    above are on the page, the lazy tabs open, a record typed into the form is counted."""
    from playwright.sync_api import expect

    from tests.browser import chromium_page, teacher_server

    add_records(school, [{"student_id": "S1", "helped_on": "03/10/2026", "relative": "bà nội", "service": "VNeID"}])
    ARTIFACTS.mkdir(exist_ok=True)
    with teacher_server(school) as (url, token), chromium_page(height=1400) as page:
        page.goto(f"{url}voila/render/bao_cao_lop.ipynb?token={token}")
        page.get_by_role("combobox", name="Bài:").select_option(label="lop6-dau-nam", timeout=90_000)
        page.get_by_text("4/4").wait_for(timeout=30_000)
        expect(page.locator(".nls-report img").first).to_be_visible()  # the readiness chart
        # Competency 4.2 at baseline in 6A1: 3 of 4 at TC1 (see test_class_report_figures).
        expect(page.locator("tr", has_text="Bảo vệ dữ liệu cá nhân")).to_contain_text("75%")
        page.get_by_role("tab", name="Cần hỗ trợ").click()
        expect(page.locator("tr", has_text="Trần Thị Bình")).to_contain_text("miền 4")
        page.get_by_role("tab", name="Câu hỏi").click()
        expect(page.locator("tr", has_text="Câu về năng lực 4.2")).to_contain_text("75%", timeout=30_000)
        page.get_by_role("tab", name="Bản đồ năng lực").click()
        expect(page.locator(".nls-report img").nth(2)).to_be_visible(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "bao_cao_lop.png"), full_page=True)

        page.goto(f"{url}voila/render/bao_cao_truong.ipynb?token={token}")
        page.get_by_text("2 lớp").wait_for(timeout=90_000)
        # THCS: 1 of 5 pupils helped a relative → 20% against 50%; all 5 equipped → 100%.
        expect(page.locator("tr", has_text="hỗ trợ ít nhất 01 người thân")).to_contain_text("20%")
        expect(page.locator("tr", has_text="hỗ trợ ít nhất 01 người thân")).to_contain_text("Chưa đạt")
        page.screenshot(path=str(ARTIFACTS / "bao_cao_truong.png"), full_page=True)
        page.get_by_role("tab", name="Người thân số hóa").click()
        page.get_by_role("combobox", name="Lớp:").select_option("6A2")
        page.get_by_role("textbox", name="Người thân:").fill("mẹ")
        page.get_by_role("combobox", name="Tiện ích số:").fill("VNeID")
        page.get_by_role("combobox", name="Tiện ích số:").press("Tab")  # the value syncs when the field is left
        page.get_by_role("button", name="Ghi nhận").click()
        try:
            page.get_by_text("Đã ghi nhận cho Hoàng Gia Bảo").wait_for(timeout=30_000)
        finally:
            page.screenshot(path=str(ARTIFACTS / "nguoi_than.png"), full_page=True)
        page.get_by_role("tab", name="Xuất báo cáo").click()
        page.get_by_role("button", name="Tệp Excel").click()
        expect(page.locator("a.nls-download")).to_have_attribute("download", "bao_cao_nang_luc_so_2026-2027.xlsx",
                                                                 timeout=60_000)
    assert set(helpers_table(school)["student_id"]) == {"S1", "S5"}
    assert (school.root / "bao_cao" / "bao_cao_nang_luc_so_2026-2027.xlsx").exists()


def test_share_of_classes_with_ambassadors_once_selected(school, tmp_path):
    from datetime import UTC, datetime

    from nanglucso.ambassador_inputs import ambassadors

    with Store(school.db_url).engine.begin() as conn:
        conn.execute(ambassadors.insert(), [{"school_year": "2026-2027", "student_id": "S1", "class_name": "6A1",
                                             "policy_fingerprint": "x" * 64, "decided_by": "Hội đồng",
                                             "decided_at": datetime.now(UTC)}])
    ind = indicators(load_school(school)).set_index("Mã")
    # 2 classes in THCS, one (6A1) with an ambassador → 1/2; no target set in chi_tieu.yaml → "—".
    assert tuple(ind.loc["lop_dai_su", ["Số lượng", "Số đạt", "Đơn vị", "Đánh giá"]]) == (2, 1, "lớp", "—")
    # The yearly report then carries the ambassadors and their activity log.
    from openpyxl import load_workbook

    from nanglucso.ambassador_log import add_activities
    from nanglucso.report_export import school_pdf, school_workbook

    add_activities(school, [{"student_id": "S1", "activity_date": "12/10/2026", "kind": "hướng dẫn",
                             "helped_group": "người thân", "people": 3, "service": "VNeID"}], recorded_by="GVCN")
    wb = load_workbook(school_workbook(school, tmp_path / "bc.xlsx"))
    sheet = wb["Đại sứ số"]
    row = next(r for r in sheet.iter_rows(values_only=True) if "Nguyễn Văn An" in r)
    assert 3 in row  # people helped
    assert school_pdf(school, tmp_path / "bc.pdf").read_bytes().startswith(b"%PDF")
