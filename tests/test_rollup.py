"""The Sở's roll-up: schools' aggregate CSVs added up per commune and province, compared with the targets,
written as a workbook and charts; every bad file named with its line, never a traceback."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from nanglucso.aggregate import COLUMNS
from nanglucso.errors import ContentError, KitError
from nanglucso.paths import shipped
from nanglucso.rollup import compare_targets, expand_paths, read_aggregates, report_year, rollup, unit_summary
from nanglucso.targets import load_targets

YEAR = "2026-2027"  # → the 2026 targets: trang_bi 100% every level; nguoi_than THCS 50%, TH none


def school_rows(code: str, name: str, commune: str, level: str, grades: dict[int, dict]) -> list[list]:
    """Aggregate rows of one school: per grade, the year's three indicators and some baseline domain rows."""
    rows = []
    base = [code, name, commune, "Ninh Bình", YEAR]
    for grade, g in grades.items():
        rows.append([*base, "", level, grade, "trang_bi", "", "hoc_sinh", g["n"], g["trang_bi"]])
        rows.append([*base, "", level, grade, "nguoi_than", "", "hoc_sinh", g["n"], g["nguoi_than"]])
        rows.append([*base, "", level, grade, "lop_dai_su", "", "lop", g["lop"], g["dai_su"]])
        for domain, met in g["mien"].items():
            rows.append([*base, "dau_nam", level, grade, "mien", domain, "hoc_sinh", g["n"], met])
    return rows


# Three schools in two communes of one province.
#   Xã Gia Viễn: NB001 (THCS) grades 6 (40 pupils) and 7 (30); NB002 (TH) grade 5 (50)
#   Xã Hoa Lư:   NB003 (THCS) grade 6 (20), plus one competency row
SCHOOLS = {
    "nb001.csv": school_rows("NB001", "Trường THCS Gia Viễn", "Xã Gia Viễn", "THCS", {
        6: {"n": 40, "trang_bi": 40, "nguoi_than": 25, "lop": 1, "dai_su": 1, "mien": {"1": 30, "4": 20}},
        7: {"n": 30, "trang_bi": 28, "nguoi_than": 10, "lop": 1, "dai_su": 0, "mien": {"1": 15}}}),
    "nb002.csv": school_rows("NB002", "Trường TH Gia Viễn", "Xã Gia Viễn", "TH", {
        5: {"n": 50, "trang_bi": 50, "nguoi_than": 5, "lop": 2, "dai_su": 2, "mien": {"1": 45}}}),
    "nb003.csv": school_rows("NB003", "Trường THCS Hoa Lư", "Xã Hoa Lư", "THCS", {
        6: {"n": 20, "trang_bi": 20, "nguoi_than": 8, "lop": 1, "dai_su": 1, "mien": {"1": 10}}})
    + [["NB003", "Trường THCS Hoa Lư", "Xã Hoa Lư", "Ninh Bình", YEAR, "dau_nam", "THCS", 6, "nang_luc", "1.1",
        "hoc_sinh", 20, 12]],
}


def write_csv(path: Path, rows: list[list], header: list[str] = COLUMNS, bom: bool = True) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The three schools' files; NB002's without a BOM (both must be read)."""
    data = tmp_path / "tep_truong"
    data.mkdir()
    for name, rows in SCHOOLS.items():
        write_csv(data / name, rows, bom=name != "nb002.csv")
    return data


def row(table, **where):
    """The one row of ``table`` matching ``where``."""
    match = table
    for column, value in where.items():
        match = match[match[column].astype(str) == str(value)]
    assert len(match) == 1, (where, match)
    return match.iloc[0]


def test_commune_and_province_shares_and_targets(folder):
    frame = read_aggregates(expand_paths([folder]))
    assert len(frame) == sum(len(rows) for rows in SCHOOLS.values())
    targets = load_targets(shipped("rubrics"))
    assert report_year(YEAR) == 2026

    communes = compare_targets(rollup(frame, "xa"), targets)
    # Gia Viễn THCS trang_bi: NB001 grades 6 + 7 = (40 + 28) / (40 + 30) = 68/70 ≈ 97.1% < 100% → Chưa đạt
    r = row(communes, xa="Xã Gia Viễn", cap="THCS", chi_so="trang_bi")
    assert (r.so_luong, r.so_dat, r.so_truong) == (70, 68, 1)
    assert r.ti_le == pytest.approx(68 / 70) and r.chi_tieu == 1.0 and r.ket_qua == "Chưa đạt"
    # Gia Viễn THCS nguoi_than: (25 + 10) / 70 = 50%, exactly the 50% target → Đạt
    r = row(communes, xa="Xã Gia Viễn", cap="THCS", chi_so="nguoi_than")
    assert r.ti_le == pytest.approx(0.5) and r.chi_tieu == 0.5 and r.ket_qua == "Đạt"
    # Gia Viễn TH: trang_bi 50/50 → Đạt; nguoi_than 5/50 = 10% but TH has no target → "—"
    assert row(communes, xa="Xã Gia Viễn", cap="TH", chi_so="trang_bi").ket_qua == "Đạt"
    r = row(communes, xa="Xã Gia Viễn", cap="TH", chi_so="nguoi_than")
    assert r.ti_le == pytest.approx(0.1) and r.ket_qua == "—"
    # Hoa Lư THCS: trang_bi 20/20 → Đạt; nguoi_than 8/20 = 40% < 50% → Chưa đạt
    assert row(communes, xa="Xã Hoa Lư", cap="THCS", chi_so="trang_bi").ket_qua == "Đạt"
    assert row(communes, xa="Xã Hoa Lư", cap="THCS", chi_so="nguoi_than").ket_qua == "Chưa đạt"
    # Domain readiness has no target: Gia Viễn THCS miền 1 at baseline (30 + 15) / 70
    r = row(communes, xa="Xã Gia Viễn", cap="THCS", chi_so="mien", ma="1", dot="dau_nam")
    assert r.ti_le == pytest.approx(45 / 70) and r.ket_qua == "—"
    assert "nang_luc" not in set(communes["chi_so"].astype(str))  # the full roll-up has it, not the targets

    province = compare_targets(rollup(frame, "tinh"), targets)
    # Province THCS trang_bi: (68 + 20) / (70 + 20) = 88/90 ≈ 97.8% → Chưa đạt, 2 schools
    r = row(province, cap="THCS", chi_so="trang_bi")
    assert (r.so_luong, r.so_dat, r.so_truong) == (90, 88, 2) and r.ket_qua == "Chưa đạt"
    # nguoi_than THCS: (35 + 8) / 90 ≈ 47.8% → Chưa đạt; lop_dai_su THCS: classes (1 + 0 + 1) / 3, no target
    assert row(province, cap="THCS", chi_so="nguoi_than").ti_le == pytest.approx(43 / 90)
    r = row(province, cap="THCS", chi_so="lop_dai_su")
    assert (r.so_luong, r.so_dat, r.ket_qua) == (3, 2, "—")
    # miền 1 THCS baseline: (30 + 15 + 10) / 90; miền 4 only NB001 grade 6: 20/40
    assert row(province, cap="THCS", chi_so="mien", ma="1").ti_le == pytest.approx(55 / 90)
    assert row(province, cap="THCS", chi_so="mien", ma="4").ti_le == pytest.approx(0.5)

    full = rollup(frame, "xa")
    assert row(full, xa="Xã Hoa Lư", chi_so="nang_luc", ma="1.1").ti_le == pytest.approx(12 / 20)
    # Pupils counted: THCS 40 + 30 + 20 = 90 in 2 schools, TH 50 in 1
    units = unit_summary(frame, "tinh")
    assert row(units, cap="THCS")[["so_xa", "so_truong", "so_hoc_sinh"]].tolist() == [2, 2, 90]
    assert row(units, cap="TH")[["so_xa", "so_truong", "so_hoc_sinh"]].tolist() == [1, 1, 50]

    # An earlier school year reports on its own year's targets: 2025 asks 20% of THCS for nguoi_than.
    earlier = frame.assign(nam_hoc=frame["nam_hoc"].cat.rename_categories({YEAR: "2025-2026"}))
    r = row(compare_targets(rollup(earlier, "tinh"), targets), cap="THCS", chi_so="nguoi_than")
    assert (r.nam_chi_tieu, r.chi_tieu, r.ket_qua) == (2025, 0.2, "Đạt")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nanglucso.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_cli_writes_workbook_charts_and_summary(folder, tmp_path):
    out = run("rollup", *(str(p) for p in sorted(folder.glob("*.csv"))), "--out", "bao_cao", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Đã tổng hợp 3 trường (2 xã, 1 tỉnh) từ 3 tệp." in out.stdout
    assert "học sinh được tính: TH 50 · THCS 90 (cộng 140)" in out.stdout
    assert re.search(r"THCS +97,7%  chỉ tiêu 100% — Chưa đạt \(1/2 xã đạt\)", out.stdout)  # 88/90, rounded down
    assert re.search(r"TH +10%  không đặt chỉ tiêu", out.stdout)
    report = tmp_path / "bao_cao"
    book = load_workbook(report / "tong_hop.xlsx")
    assert book.sheetnames == ["Tổng hợp", "Chỉ tiêu toàn tỉnh", "Chỉ tiêu theo xã", "Miền, năng lực theo xã",
                               "Học sinh theo xã", "Danh sách trường"]
    summary = [r for r in book["Tổng hợp"].iter_rows(values_only=True) if r[0] == "Ninh Bình"]
    thcs = next(r for r in summary if r[3].startswith("Được trang bị") and r[4] == "THCS")
    assert thcs[5:9] == (2, 90, 88, pytest.approx(88 / 90)) and thcs[-2:] == ("Chưa đạt", "1/2")
    assert book["Danh sách trường"].max_row == 3 + 3  # heading, blank, header, three schools
    # Domains and competencies side by side: Hoa Lư THCS at baseline, miền 1 10/20, 1.1 12/20
    wide = list(book["Miền, năng lực theo xã"].iter_rows(min_row=3, max_row=6, values_only=True))
    assert wide[0] == ("Tỉnh", "Xã", "Năm học", "Đợt", "Cấp học", "Số học sinh", "Miền 1", "Miền 4", "1.1")
    assert wide[3] == ("Ninh Bình", "Xã Hoa Lư", YEAR, "Đầu năm", "THCS", 20, 0.5, None, 0.6)
    # every count, with codes, for pivot tables
    counts = (report / "theo_xa.csv").read_text(encoding="utf-8-sig").splitlines()
    assert counts[0] == "tinh,xa,nam_hoc,dot,cap,chi_so,ma,don_vi,so_truong,so_luong,so_dat,ti_le"
    assert "Ninh Bình,Xã Hoa Lư,2026-2027,dau_nam,THCS,nang_luc,1.1,hoc_sinh,1,20,12,0.6000" in counts
    charts = sorted(p.name for p in report.glob("*.png"))
    assert charts == [f"{name}_{YEAR}.png" for name in ["lop_dai_su", "mien", "nguoi_than", "trang_bi"]]
    assert all((report / name).stat().st_size > 5000 for name in charts)


def test_province_mode_and_paths(folder, tmp_path):
    from nanglucso.rollup_report import make_report

    frame = read_aggregates(expand_paths([str(folder / "*.csv")]))  # a pattern the shell did not expand
    report = make_report(frame, "tinh", tmp_path / "tinh", load_targets(shipped("rubrics")))
    assert report.communes is None and list(report.table.columns[:2]) == ["tinh", "nam_hoc"]
    assert load_workbook(report.workbook).sheetnames == ["Tổng hợp", "Chỉ tiêu toàn tỉnh",
                                                         "Miền, năng lực theo tỉnh", "Học sinh theo tỉnh",
                                                         "Danh sách trường"]
    assert report.csv == tmp_path / "tinh" / "theo_tinh.csv"
    assert len(report.charts) == 4 and all(p.exists() for p in report.charts)
    # a file named twice (folder and by name) is read once
    assert len(expand_paths([folder, folder / "nb001.csv"])) == 3
    with pytest.raises(KitError, match="không_có.csv"):
        expand_paths([tmp_path / "không_có.csv"])
    (tmp_path / "trong").mkdir()
    with pytest.raises(KitError, match="không có tệp .csv"):
        expand_paths([tmp_path / "trong"])


def problems_of(paths: list[Path]) -> list[str]:
    with pytest.raises(ContentError) as caught:
        read_aggregates(paths)
    return [str(p) for p in caught.value.problems]


def edited(folder: Path, name: str, change) -> Path:
    """A copy of a fixture school's rows with ``change(rows)`` applied, written back to its file."""
    rows = [list(r) for r in SCHOOLS[name]]
    change(rows)
    return write_csv(folder / name, rows)


def test_bad_values_name_file_and_line(folder):
    # Data row k (0-based) is CSV line k + 2: the header is line 1.
    def spoil(rows):
        rows[0][8] = "trang_bị"  # line 2: unknown chi_so
        rows[1][5] = "giua_nam"  # line 3: unknown round
        rows[2][10] = "hoc_sinh"  # line 4: lop_dai_su counts classes
        rows[3][6] = "THPT"  # line 5: grade 6 is THCS, and THPT is a valid level
        rows[4][11] = -3  # line 6: negative count
        rows[5][12] = 41  # line 7: so_dat 41 > so_luong 30 (grade 7)
        rows[6][11] = "bốn mươi"  # line 8: not a number
        rows[7][6] = "MN"  # line 9: unknown level
    bad = edited(folder, "nb001.csv", spoil)
    found = problems_of([bad, folder / "nb002.csv"])
    expected = [(2, "chi_so 'trang_bị' không hợp lệ"), (3, "dot 'giua_nam' không hợp lệ"),
                (4, "chi_so 'lop_dai_su' đếm theo lop, không phải 'hoc_sinh'"), (5, "lớp 6 thuộc cấp THCS"),
                (6, "so_luong = -3 là số âm"), (7, "so_dat (41) lớn hơn so_luong (30)"),
                (8, "so_luong 'bốn mươi' không phải số nguyên"), (9, "cap 'MN' không hợp lệ")]
    for line, message in expected:
        assert any(p.startswith(f"{bad}:{line}: ") and message in p for p in found), (line, message, found)
    assert "Chưa tổng hợp: có lỗi ở 1/2 tệp" in found[-1]


def test_missing_column_non_utf8_and_problems_from_every_file(folder, tmp_path):
    renamed = write_csv(folder / "nb001.csv", SCHOOLS["nb001.csv"],
                        header=[c if c != "so_dat" else "so_dat_hs" for c in COLUMNS])
    latin = folder / "nb002.csv"  # saved by Excel as plain "CSV": Windows-1258, not UTF-8
    text = "\n".join(",".join(map(str, r)) for r in [COLUMNS, *SCHOOLS["nb002.csv"]]) + "\n"
    latin.write_bytes(text.encode("cp1258", errors="replace"))
    excel = tmp_path / "tong_hop.xlsx"  # sent the workbook instead of the CSV
    excel.write_bytes(b"PK\x03\x04")
    found = problems_of([renamed, latin, folder / "nb003.csv", excel])
    assert any(p.startswith(f"{renamed}:1: thiếu cột so_dat; có cột lạ so_dat_hs") for p in found), found
    assert any(p.startswith(f"{excel}: đây là tệp bảng tính, không phải tệp .csv") for p in found), found
    # "Ninh Bình" is on every data row: the first byte that is not UTF-8 is on line 2
    assert any(p.startswith(f"{latin}:2: tệp không phải UTF-8") and "CSV UTF-8" in p for p in found), found
    assert "có lỗi ở 3/4 tệp" in found[-1]


def test_same_school_twice_repeated_row_and_blank_lines(folder, tmp_path):
    again = tmp_path / "nb001_gui_lai.csv"
    write_csv(again, SCHOOLS["nb001.csv"])
    found = problems_of([folder / "nb001.csv", folder / "nb003.csv", again])
    message = next(p for p in found if "NB001" in p)
    assert message.startswith(f"{again}:2: ") and str(folder / "nb001.csv") in message and "hai lần" in message

    # a blank line keeps the numbering: the repeated row is on line 4 and repeats line 2
    lines = (folder / "nb003.csv").read_text(encoding="utf-8-sig").splitlines()
    (folder / "nb003.csv").write_text("\n".join([lines[0], lines[1], "", lines[1], *lines[2:]]) + "\n\n",
                                      encoding="utf-8")
    found = problems_of([folder / "nb003.csv"])
    assert found[0].startswith(f"{folder / 'nb003.csv'}:4: dòng lặp lại dòng 2"), found


def test_cli_error_names_file_and_line_without_traceback(folder, tmp_path):
    edited(folder, "nb003.csv", lambda rows: rows[2].__setitem__(12, 5))  # line 4: lop_dai_su 5 of 1 class
    out = run("rollup", str(folder), cwd=tmp_path)
    assert out.returncode == 1
    assert f"LỖI {folder / 'nb003.csv'}:4: so_dat (5) lớn hơn so_luong (1)" in out.stderr
    assert "Traceback" not in out.stderr and not (tmp_path / "tong_hop").exists()
