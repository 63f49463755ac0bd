"""The ambassadors' activity log: summaries worked out by hand, every bad input refused with nothing written,
the Excel import by line, and the widget's form driven from Python."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from nanglucso.ambassador_inputs import save_selection
from nanglucso.ambassador_log import (
    activities,
    activity_evidence,
    add_activities,
    import_excel,
    monthly_summary,
    previous_school_year,
    yearly_summary,
)
from nanglucso.ambassador_rank import Candidate, Outcome, Ranking
from nanglucso.errors import ContentError
from nanglucso.store import Store
from nanglucso.text import split_name
from tests.conftest import make_course

YEAR = "2025-2026"  # a past year, whole: 01/08/2025–31/07/2026
PUPILS = [("HS001", "Nguyễn Văn An", "6A1"), ("HS002", "Trần Thị Bình", "6A1"), ("HS003", "Lê Minh Châu", "6A2"),
          ("HS004", "Phạm Thu Dung", "6A2")]
SELECTED = ("HS001", "HS002", "HS003")  # HS004 was not selected

# ---------------------------------------------------------------------------------------------------------------
# The log, worked out by hand (groups: GV giáo viên, BH bạn học, NT người thân, ND người dân):
#   HS001 15/09/2025 hướng dẫn        GV  2  Nền tảng học tập số
#   HS001 20/09/2025 tuyên truyền     BH 30  An toàn thông tin
#   HS001 10/11/2025 hỗ trợ trực tiếp ND  5  VNeID
#   HS002 03/11/2025 hướng dẫn        NT  3  Cổng Dịch vụ công
#   HS002 12/07/2026 hỗ trợ trực tiếp ND  4  VNeID                (summer volunteering: still this year)
#   HS003 nothing logged.
# Months 09/2025 … 07/2026 (11): 09/2025 2 activities, 1 ambassador, GV 2 BH 30 → 32; 11/2025 2, 2, NT 3 ND 5 → 8;
#   07/2026 1, 1, ND 4 → 4; the other 8 months 0.
# Per ambassador: HS001 3 activities in 2 months, GV 2 BH 30 ND 5 → 37; HS002 2 in 2 months, NT 3 ND 4 → 7; HS003 0.
# ---------------------------------------------------------------------------------------------------------------
LOG = [
    {"student_id": "HS001", "activity_date": "15/09/2025", "kind": "hướng dẫn", "helped_group": "Giáo viên",
     "people": 2, "service": "Nền tảng học tập số", "note": "OLM cho tổ Toán"},
    {"student_id": "HS001", "activity_date": date(2025, 9, 20), "kind": "tuyên truyền", "helped_group": "bạn học",
     "people": "30", "service": "An toàn thông tin"},
    {"student_id": "HS001", "activity_date": "2025-11-10", "kind": "hỗ trợ trực tiếp", "helped_group": "Người dân",
     "people": 5.0, "service": "VNeID"},
    {"student_id": "HS002", "activity_date": "03/11/2025", "kind": "hướng dẫn", "helped_group": "nguoi than",
     "people": 3, "service": "Cổng Dịch vụ công"},
    {"student_id": "HS002", "activity_date": "12/07/2026", "kind": "hỗ trợ trực tiếp", "helped_group": "người dân",
     "people": 4, "service": "VNeID"},
]


def select(course, ids, school_year: str) -> None:
    """Record the committee's decision the way the committee app does (save_selection on a ranking)."""
    names = {sid: (name, cls) for sid, name, cls in PUPILS}
    outcomes = tuple(Outcome(Candidate(sid, names[sid][0], names[sid][1], 6), (), (), 1.0, 1, 1, True, "được chọn")
                     for sid in ids)
    assert save_selection(course, Ranking(outcomes, (), "f" * 64), decided_by="Hội đồng", school_year=school_year) \
        == len(ids)


@pytest.fixture
def course(tmp_path):
    course = make_course(tmp_path / "khoa_hoc")
    course.config.school_year = YEAR
    Store(course.db_url).replace_students([{"student_id": sid, "full_name": name, "family_name": split_name(name)[0],
                                            "given_name": split_name(name)[1], "class_name": cls, "grade": 6}
                                           for sid, name, cls in PUPILS])
    return course


@pytest.fixture
def chosen(course):
    select(course, SELECTED, YEAR)
    return course


def test_before_any_selection_nothing_can_be_logged(course):
    with pytest.raises(ContentError) as err:
        add_activities(course, LOG[:1])
    assert str(err.value) == ("biểu mẫu: chưa có danh sách Đại sứ số năm học 2025-2026: hội đồng cần chọn và lưu "
                              "danh sách Đại sứ trước khi ghi hoạt động")
    assert activities(course).empty


def test_log_and_summaries_worked_out_by_hand(chosen):
    assert add_activities(chosen, LOG, recorded_by="cô Lan") == 5
    log = activities(chosen)
    assert list(log["activity_date"]) == [date(2026, 7, 12), date(2025, 11, 10), date(2025, 11, 3),
                                          date(2025, 9, 20), date(2025, 9, 15)]  # newest first
    first = log.iloc[-1]
    assert (first["helped_group"], first["people"], first["note"], first["full_name"], first["recorded_by"]) == \
        ("giáo viên", 2, "OLM cho tổ Toán", "Nguyễn Văn An", "cô Lan")
    assert set(log["school_year"]) == {YEAR}

    months = monthly_summary(chosen).set_index("Tháng")
    assert list(months.index) == ["09/2025", "10/2025", "11/2025", "12/2025", "01/2026", "02/2026", "03/2026",
                                  "04/2026", "05/2026", "06/2026", "07/2026"]
    cols = ["Số hoạt động", "Số Đại sứ tham gia", "Giáo viên", "Bạn học", "Người thân", "Người dân",
            "Tổng số người được hỗ trợ"]
    assert list(months.loc["09/2025", cols]) == [2, 1, 2, 30, 0, 0, 32]
    assert list(months.loc["11/2025", cols]) == [2, 2, 0, 0, 3, 5, 8]
    assert list(months.loc["07/2026", cols]) == [1, 1, 0, 0, 0, 4, 4]
    assert months.drop(index=["09/2025", "11/2025", "07/2026"])[cols].to_numpy().sum() == 0

    year = yearly_summary(chosen)
    assert list(year["Mã học sinh"]) == ["HS001", "HS002", "HS003"]  # 6A1 in class-list order (An, Bình), 6A2
    assert year.iloc[0].tolist() == ["HS001", "Nguyễn Văn An", "6A1", True, 3, 2, 2, 30, 0, 5, 37,
                                     "An toàn thông tin, Nền tảng học tập số, VNeID"]
    assert year.iloc[1].tolist() == ["HS002", "Trần Thị Bình", "6A1", True, 2, 2, 0, 0, 3, 4, 7,
                                     "Cổng Dịch vụ công, VNeID"]
    assert year.iloc[2].tolist() == ["HS003", "Lê Minh Châu", "6A2", True, 0, 0, 0, 0, 0, 0, 0, ""]

    # What next year's selection can read about this year.
    assert previous_school_year("2026-2027") == YEAR
    evidence = activity_evidence(chosen, YEAR)
    assert set(evidence) == set(SELECTED)
    assert evidence["HS001"] == {
        "selected": True, "activities": 3, "months_active": 2, "people_helped": 37,
        "by_group": {"giáo viên": 2, "bạn học": 30, "người thân": 0, "người dân": 5},
        "kinds": {"hướng dẫn": 1, "hỗ trợ trực tiếp": 1, "tuyên truyền": 1},
        "services": ["An toàn thông tin", "Nền tảng học tập số", "VNeID"],
        "first_date": date(2025, 9, 15), "last_date": date(2025, 11, 10)}
    assert evidence["HS003"]["activities"] == 0 and evidence["HS003"]["first_date"] is None
    assert activity_evidence(chosen, "2024-2025") == {}

    # The committee revises the selection and drops HS002: the work done stays on record, marked.
    select(chosen, ("HS001", "HS003"), YEAR)
    year = yearly_summary(chosen).set_index("Mã học sinh")
    assert not year.loc["HS002", "Được chọn"] and year.loc["HS002", "Số hoạt động"] == 2
    assert activity_evidence(chosen, YEAR)["HS002"]["selected"] is False


def test_every_bad_row_is_named_and_nothing_is_written(chosen):
    good = LOG[0]
    bad = [
        good,
        {**good, "student_id": "HS004"},  # on the roster, not selected
        {**good, "student_id": "HS999"},  # not on the roster
        {**good, "activity_date": "15/08/2026"},  # past, but in the next school year
        {**good, "activity_date": "31/07/2025"},  # the day before this school year
        {**good, "activity_date": "hôm qua"},
        {**good, "helped_group": "phụ huynh"},
        {**good, "people": 0},
        {**good, "people": 2.5},
        {**good, "people": "ba"},
        {**good, "kind": " ", "service": None},  # both named
    ]
    with pytest.raises(ContentError) as err:
        add_activities(chosen, [{**row, "_line": n} for n, row in enumerate(bad, start=2)], source="so.xlsx")
    an = "Nguyễn Văn An (HS001)"
    assert [str(p) for p in err.value.problems] == [
        "so.xlsx:3: Phạm Thu Dung (HS004) không có trong danh sách Đại sứ số năm học 2025-2026; chỉ ghi hoạt động "
        "của các em đã được hội đồng chọn",
        "so.xlsx:4: mã học sinh 'HS999' không có trong danh sách học sinh của khoá học",
        f"so.xlsx:5: {an}: ngày hoạt động 15/08/2026 không thuộc năm học 2025-2026 (01/08/2025–31/07/2026); "
        "kiểm tra lại ngày hoặc ghi vào đúng năm học",
        f"so.xlsx:6: {an}: ngày hoạt động 31/07/2025 không thuộc năm học 2025-2026 (01/08/2025–31/07/2026); "
        "kiểm tra lại ngày hoặc ghi vào đúng năm học",
        f"so.xlsx:7: {an}: ngày hoạt động 'hôm qua' trống hoặc không đọc được; ghi dạng ngày/tháng/năm, "
        "ví dụ 15/10/2026",
        f"so.xlsx:8: {an}: đối tượng được hỗ trợ 'phụ huynh' không hợp lệ; ghi một trong: giáo viên, bạn học, "
        "người thân, người dân",
        f"so.xlsx:9: {an}: số người được hỗ trợ '0' không hợp lệ; ghi một số nguyên từ 1 trở lên",
        f"so.xlsx:10: {an}: số người được hỗ trợ '2.5' không hợp lệ; ghi một số nguyên từ 1 trở lên",
        f"so.xlsx:11: {an}: số người được hỗ trợ 'ba' không hợp lệ; ghi một số nguyên từ 1 trở lên",
        f"so.xlsx:12: {an}: thiếu hoạt động (ví dụ: hướng dẫn, tập huấn, tuyên truyền, hỗ trợ trực tiếp)",
        f"so.xlsx:12: {an}: thiếu dịch vụ hoặc tiện ích số đã hỗ trợ (ví dụ: VNeID, Cổng Dịch vụ công, "
        "Nền tảng học tập số)",
    ]
    assert activities(chosen).empty  # the good first row was not written either


def test_a_future_date_is_refused(tmp_path):
    course = make_course(tmp_path / "khoa_hoc")  # the school year of today's date
    Store(course.db_url).replace_students([{"student_id": "HS001", "full_name": "Nguyễn Văn An",
                                            "family_name": "Nguyễn Văn", "given_name": "An", "class_name": "6A1",
                                            "grade": 6}])
    select(course, ("HS001",), course.school_year)
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(ContentError) as err:
        add_activities(course, [{**LOG[0], "activity_date": tomorrow}])
    assert str(err.value) == (f"biểu mẫu: Nguyễn Văn An (HS001): ngày hoạt động {tomorrow:%d/%m/%Y} là ngày trong "
                              "tương lai; chỉ ghi hoạt động đã diễn ra")
    assert activities(course).empty
    assert add_activities(course, [{**LOG[0], "activity_date": date.today()}]) == 1  # today is fine


def _sheet(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["SỔ THEO DÕI HOẠT ĐỘNG ĐẠI SỨ SỐ HỌC ĐƯỜNG"])
    ws.append([])
    ws.append(["STT", "Mã HS", "Họ và tên", "Ngày", "Hoạt động", "Đối tượng", "Số người", "Dịch vụ", "Ghi chú"])
    for n, row in enumerate(rows, start=1):
        ws.append([n, *row])
    wb.save(path)
    return path


def test_excel_import_names_the_bad_line_and_can_be_repeated(chosen, tmp_path):
    rows = [["HS001", "Nguyễn Văn An", pd.Timestamp(2025, 9, 15).to_pydatetime(), "Hướng dẫn", "giáo viên", 2,
             "Nền tảng học tập số", None],
            ["HS002", "Trần Thị Bình", "11/2025", "tập huấn", "Bạn học", 12, "VNeID", "cả tháng 11"],
            ["HS003", "Lê Minh Châu", "05/12/2025", "tuyên truyền", "hàng xóm", 20, "An toàn thông tin", None]]
    path = _sheet(tmp_path / "so.xlsx", rows)
    with pytest.raises(ContentError) as err:
        import_excel(chosen, path)
    assert str(err.value) == (f"{path}:6: Lê Minh Châu (HS003): đối tượng được hỗ trợ 'hàng xóm' không hợp lệ; "
                              "ghi một trong: giáo viên, bạn học, người thân, người dân")
    assert activities(chosen).empty
    rows[2][4] = "người dân"
    _sheet(path, rows)
    assert import_excel(chosen, path, recorded_by="thầy Hùng") == 3
    log = activities(chosen).set_index("student_id")
    assert log.loc["HS002", "activity_date"] == date(2025, 11, 1)  # a month alone: its first day
    assert log.loc["HS001", "kind"] == "Hướng dẫn" and log.loc["HS002", "note"] == "cả tháng 11"
    # The same sheet, kept all year, imported again a month later: only the new row is added.
    assert import_excel(chosen, path) == 0
    rows.append(["HS001", "Nguyễn Văn An", "15/01/2026", "hướng dẫn", "người thân", 1, "VNeID", None])
    _sheet(path, rows)
    assert import_excel(chosen, path) == 1
    assert len(activities(chosen)) == 4
    # A form adds its row even when the same activity is already there (two sessions on one day).
    assert add_activities(chosen, [{"student_id": "HS001", "activity_date": "15/01/2026", "kind": "hướng dẫn",
                                    "helped_group": "người thân", "people": 1, "service": "VNeID"}]) == 1
    missing = _sheet(tmp_path / "thieu.xlsx", [])
    with pytest.raises(ContentError, match="bảng không có hoạt động nào dưới dòng tiêu đề"):
        import_excel(chosen, missing)


def test_widget_form_and_upload_store_rows(course, tmp_path):
    from nanglucso.widgets.ambassador_log import ActivityLogView

    view = ActivityLogView(course)
    assert "Chưa có danh sách Đại sứ số năm học 2025-2026" in view.message.value
    assert view.form.layout.display == "none"
    select(course, SELECTED, YEAR)
    view.refresh()
    assert view.form.layout.display is None and view.message.value == ""
    assert [sid for _, sid in view.ambassador.options] == ["HS001", "HS002", "HS003"]

    view.ambassador.value = "HS002"
    view.when.value = date(2025, 11, 3)
    view.kind.value = "hướng dẫn"
    view.group.value = "người thân"
    view.people.value = 3
    view.service.value = "Cổng Dịch vụ công"
    view.recorded_by.value = "cô Lan"
    view.save.click()
    assert "Đã ghi nhận hoạt động của Trần Thị Bình" in view.message.value
    row = activities(course).iloc[0]
    assert (row["student_id"], row["activity_date"], row["helped_group"], row["people"], row["recorded_by"]) == \
        ("HS002", date(2025, 11, 3), "người thân", 3, "cô Lan")
    assert "Trần Thị Bình" in view.recent.value and len(view.chart.children) == 1
    assert "<td>11/2025</td>" in view.monthly.value

    view.when.value = date(2024, 11, 3)  # last year: refused, shown, nothing written
    view.save.click()
    assert "không thuộc năm học 2025-2026" in view.message.value and len(activities(course)) == 1

    path = _sheet(tmp_path / "so.xlsx", [["HS001", "", "20/09/2025", "tuyên truyền", "bạn học", 30, "An toàn thông "
                                                                                                  "tin", None]])
    data = path.read_bytes()
    view.upload.value = ({"name": "so.xlsx", "type": "", "size": len(data), "content": memoryview(data),
                          "last_modified": datetime.now(UTC)},)
    assert "Đã nhập 1 hoạt động mới từ so.xlsx" in view.message.value and len(activities(course)) == 2
    assert view.upload.value == ()
    path = _sheet(tmp_path / "so.xlsx", [["HS004", "", "20/09/2025", "tuyên truyền", "bạn học", 30, "VNeID", None]])
    data = path.read_bytes()
    view.upload.value = ({"name": "so.xlsx", "type": "", "size": len(data), "content": memoryview(data),
                          "last_modified": datetime.now(UTC)},)
    assert "so.xlsx:4: Phạm Thu Dung (HS004) không có trong danh sách Đại sứ" in view.message.value
    assert str(tmp_path) not in view.message.value and len(activities(course)) == 2
