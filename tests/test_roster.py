"""Rosters from Excel or CSV with Vietnamese headers; every bad row named with its line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from nanglucso.errors import ContentError
from nanglucso.roster import read_roster

from .conftest import write_roster_xlsx


def test_excel_with_title_block_sorted_as_class_list(tmp_path):
    path = write_roster_xlsx(tmp_path / "ds.xlsx", [
        ["HS3", "Trần Văn Đức", "05/09/2014", "6a1"],
        ["HS1", "Nguyễn Thị Yến", "12/03/2014", "6A1"],
        ["HS2", "Bùi Văn An", "2014-01-02", "6A1"],
    ])
    rows = read_roster(path)
    assert [r["given_name"] for r in rows] == ["An", "Đức", "Yến"]
    assert rows[0] | {} == {"student_id": "HS2", "full_name": "Bùi Văn An", "family_name": "Bùi Văn",
                            "given_name": "An", "birth_date": "2014-01-02", "class_name": "6A1", "grade": 6,
                            "gender": None}


def test_csv_with_english_headers_and_numeric_ids(tmp_path):
    path = tmp_path / "ds.csv"
    path.write_text("Student ID,Full name,Class,Grade\n1001,Lê Văn Minh,A1,10\n", encoding="utf-8")
    rows = read_roster(path)
    assert rows[0]["student_id"] == "1001" and rows[0]["grade"] == 10


def test_every_bad_row_is_named(tmp_path):
    path = write_roster_xlsx(tmp_path / "ds.xlsx", [
        ["HS1", "Nguyễn Văn An", "05/09/2014", "6A1"],
        ["HS1", "Trần Thị Bình", "05/09/2014", "6A1"],
        ["HS3", "", "05/09/2014", "6A1"],
        ["HS 4", "Lê Văn Cường", "05/09/2014", "6A1"],
        ["HS5", "Phạm Thị Dung", "31/02/2014", "6A1"],
        ["HS6", "Hồ Văn Em", "05/09/2014", "Lớp chọn"],
    ])
    with pytest.raises(ContentError) as err:
        read_roster(path)
    got = [(p.line, p.message) for p in err.value.problems]
    assert [line for line, _ in got] == [6, 7, 8, 9, 10]
    assert "trùng với dòng 5" in got[0][1]
    assert "thiếu họ và tên" in got[1][1]
    assert "chỉ được chứa" in got[2][1]
    assert "ngày sinh '31/02/2014'" in got[3][1]
    assert "không suy ra được khối" in got[4][1]


def test_missing_columns_and_wrong_format(tmp_path):
    path = tmp_path / "ds.csv"
    path.write_text("Tên,Tuổi\nAn,11\n", encoding="utf-8")
    with pytest.raises(ContentError, match="không thấy dòng tiêu đề"):
        read_roster(path)
    with pytest.raises(ContentError, match="chỉ nhận tệp .xlsx hoặc .csv"):
        read_roster(tmp_path / "ds.pdf")


def test_cli_import_error_is_clear_and_writes_nothing(tmp_path, course):
    from nanglucso.store import Store

    before = len(Store(course.db_url).students())
    bad = write_roster_xlsx(tmp_path / "bad.xlsx", [["HS9", "Ngô Văn Giỏi", "01/01/2014", "6A1"],
                                                     ["HS9", "Ngô Văn Giỏi", "01/01/2014", "6A1"]])
    out = subprocess.run([sys.executable, "-m", "nanglucso.cli", "roster", "import", str(bad),
                          "--course", str(course.root)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert f"{bad}:6: học sinh 'Ngô Văn Giỏi': mã học sinh 'HS9' trùng với dòng 5" in out.stderr
    assert len(Store(course.db_url).students()) == before
