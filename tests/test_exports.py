"""Excel and PDF exporters: real files written, reopened and read back (the PDF's text by a small reader
below that needs neither reportlab nor a PDF library; Debian's pdftotext cross-checks it where installed)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import shutil
import subprocess
import unicodedata
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import quote_sheetname

from nanglucso import export_pdf, export_xlsx
from nanglucso.errors import KitError
from nanglucso.export_pdf import AdminDoc, Heading, Image, PageBreak, Paragraph, Table, write_admin_pdf
from nanglucso.export_xlsx import Chart, Sheet, sheet_titles, write_workbook

SCHOOL = "TRƯỜNG THCS DIỄN CHÂU"
NAMES = ["Nguyễn Văn An", "Trần Thị Bích Ngọc", "Lê Hoàng Phúc", "Phạm Thị Thuỳ Dương", "Đặng Quốc Việt"]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def domains() -> pd.DataFrame:
    return pd.DataFrame({
        "Miền năng lực": ["1. Khai thác dữ liệu và thông tin", "2. Giao tiếp và hợp tác", "3. Sáng tạo nội dung số"],
        "Đạt (6A1)": [0.75, 0.5, np.nan],
        "Đạt (6A2)": [0.6, 0.85, 0.4],
        "Số học sinh": [40, 38, 12],
    })


def three_sheets() -> list[Sheet]:
    pupils = pd.DataFrame({"Họ và tên": [nfd(n) for n in NAMES], "Lớp": ["6A1"] * 5,
                           "Tỉ lệ đúng": [0.9, 0.45, None, 0.7, 1.0], "Ghi chú": ["=1+1", "", None, "ổn", "tốt"]})
    return [
        Sheet("Tổng hợp: miền/khối", [SCHOOL, "Báo cáo năng lực số", "Ngày 05/12/2026"], domains(),
              percent_columns=["Đạt (6A1)", "Đạt (6A2)"],
              charts=[Chart("Tỉ lệ đạt theo miền", "Miền năng lực", ["Đạt (6A1)", "Đạt (6A2)"]),
                      Chart("Số học sinh", "Miền năng lực", ["Số học sinh"], percent=False, horizontal=False)],
              notes=["Nguồn: kết quả chấm bằng nbgrader.", "Đạt: đạt bậc mong đợi của khối lớp."]),
        Sheet("Kết quả theo năng lực thành phần khối 6", [SCHOOL], pupils, percent_columns=["Tỉ lệ đúng"]),
        Sheet("Kết quả theo năng lực thành phần khối 7", [], domains()),
    ]


def test_sheet_titles_are_cut_cleaned_and_unique():
    titles = sheet_titles(["Tổng hợp: miền/khối", "a" * 40, "a" * 35, "A" * 31, "'[Lớp 6]'", "History"])
    assert titles[0] == "Tổng hợp- miền-khối"
    assert titles[1] == "a" * 31 and titles[2] == "a" * 27 + " (2)" and titles[3] == "A" * 27 + " (3)"
    assert titles[4] == "-Lớp 6-" and titles[5] == "History (2)"
    assert all(len(t) <= 31 and not re.search(r"[\[\]:*?/\\]", t) for t in titles)


def test_workbook_round_trip(tmp_path):
    path = write_workbook(tmp_path / "bao_cao.xlsx", three_sheets())
    wb = load_workbook(path)
    names = wb.sheetnames
    assert len(names) == 3 and len({n.casefold() for n in names}) == 3
    assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in names)
    assert names[1] == "Kết quả theo năng lực thành" and names[2] == "Kết quả theo năng lực thành (2)"

    ws = wb[names[0]]
    assert ws["A1"].value == SCHOOL and ws["A1"].font.b and not ws["A2"].font.b
    header = 5  # three heading lines, one blank line
    assert [c.value for c in ws[header]][:4] == list(domains().columns)
    assert all(c.font.b for c in ws[header][:4])
    assert ws.freeze_panes == f"A{header + 1}"
    assert ws.cell(header + 1, 2).value == 0.75 and ws.cell(header + 1, 2).number_format == "0%"
    assert ws.cell(header + 3, 2).value is None  # NaN → empty
    assert ws.cell(header + 1, 4).number_format == "General"
    assert ws.cell(header + 5, 1).value == "Nguồn: kết quả chấm bằng nbgrader."

    charts = ws._charts
    assert len(charts) == 2
    rows = f"${header + 1}:$"
    first, second = charts
    assert [len(c.series) for c in charts] == [2, 1]
    assert first.type == "bar" and second.type == "col"
    sheet = quote_sheetname(names[0])
    assert first.series[0].val.numRef.f == f"{sheet}!$B{rows}B${header + 3}"
    assert first.series[1].val.numRef.f == f"{sheet}!$C{rows}C${header + 3}"
    assert second.series[0].val.numRef.f == f"{sheet}!$D{rows}D${header + 3}"
    cat = first.series[0].cat
    assert (cat.numRef or cat.strRef).f == f"{sheet}!$A{rows}A${header + 3}"
    assert first.series[0].tx.strRef.f == f"{sheet}!B{header}"
    assert first.y_axis.numFmt.formatCode == "0%" and second.y_axis.numFmt is None

    pupils = wb[names[1]]
    assert pupils["A1"].value == SCHOOL
    values = [c.value for c in pupils["A"][3:8]]
    assert values == NAMES  # written NFD, read back NFC
    assert all(v == unicodedata.normalize("NFC", v) for v in values)
    assert pupils["C4"].number_format == "0%" and pupils["C6"].value is None
    assert pupils["D4"].value == "=1+1" and pupils["D4"].data_type == "s"  # text, not a formula
    plain = wb[names[2]]
    assert plain["A1"].value == "Miền năng lực" and plain["A2"].value == "1. Khai thác dữ liệu và thông tin"


def test_workbook_names_a_missing_chart_column(tmp_path):
    sheet = Sheet("Tổng hợp", [], domains(), charts=[Chart("X", "Miền", ["Đạt (6A1)"])])
    with pytest.raises(KitError, match="Miền"):
        write_workbook(tmp_path / "x.xlsx", [sheet])


# ---------------------------------------------------------------- PDF


def chart_png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3))
    ax.barh(["Khai thác dữ liệu", "Giao tiếp", "Sáng tạo nội dung"], [0.6, 0.7, 0.45])
    ax.set_title("Tỉ lệ đạt bậc mong đợi theo miền")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()


def sample_report(rows: int = 120) -> AdminDoc:
    """A school's report as the readiness report will make it: text, a chart, a long table."""
    table = pd.DataFrame({
        "STT": range(1, rows + 1),
        "Họ và tên": [nfd(NAMES[i % 5]) for i in range(rows)],
        "Lớp": [f"6A{i % 4 + 1}" for i in range(rows)],
        "Tỉ lệ đúng": [(i % 10) / 10 for i in range(rows)],
        "Điểm": [7.5 + (i % 3) / 4 for i in range(rows)],
        "Kết quả": ["Đạt bậc mong đợi" if i % 3 else "Chưa đạt" for i in range(rows)],
    })
    table.loc[3, "Điểm"] = np.nan
    return AdminDoc(
        authority="UBND xã Diễn Châu", issuer=SCHOOL, number="Số: 12/BC-THCSDC", place="Diễn Châu",
        date=dt.date(2026, 12, 5), kind="BÁO CÁO",
        subject="Kết quả đánh giá năng lực số của học sinh năm học 2026–2027",
        blocks=[
            Paragraph("Thực hiện Thông tư 02/2025/TT-BGDĐT quy định Khung năng lực số cho người học và Công văn "
                      "số 3456/BGDĐT-GDPT, Trường THCS Diễn Châu báo cáo kết quả đánh giá năng lực số của "
                      "học sinh như sau:"),
            Heading("I. KẾT QUẢ CHUNG"),
            Paragraph("Tổng số học sinh được đánh giá: 120 em; tỉ lệ đạt < 70% ở miền 3 & miền 5."),
            Image(chart_png(), 14, caption="Biểu đồ 1. Tỉ lệ học sinh đạt bậc mong đợi theo miền"),
            Heading("II. KẾT QUẢ TỪNG HỌC SINH"),
            Table(table, percent_columns=["Tỉ lệ đúng"], caption="Bảng 1. Kết quả từng học sinh lớp 6"),
            Heading("III. ĐỀ XUẤT, KIẾN NGHỊ"),
            Paragraph("Đề nghị Sở GDĐT tiếp tục hỗ trợ thiết bị cho phòng máy."),
        ],
        recipients=["Sở GDĐT (để b/c)", "- UBND xã Diễn Châu;"],
        signer_title="KT. Hiệu trưởng\nPhó hiệu trưởng", signer_name="Nguyễn Thị Hương",
    )


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page of a PDF (lines in drawing order), read with zlib and a few regular
    expressions: enough for reportlab's output (literal strings, ToUnicode maps, Flate/ASCII85 streams)."""
    objects: dict[int, tuple[bytes, bytes | None]] = {}
    for m in re.finditer(rb"(\d+) 0 obj\s*(<<.*?>>)\s*(stream\r?\n|endobj)", data, re.S):
        body, stream = m.group(2), None
        if m.group(3).startswith(b"stream"):
            length = int(re.search(rb"/Length (\d+)", body).group(1))
            stream = data[m.end():m.end() + length]
            for name in re.findall(rb"/(ASCII85Decode|FlateDecode)", body):
                stream = base64.a85decode(stream.strip(), adobe=True) if name == b"ASCII85Decode" \
                    else zlib.decompress(stream)
        objects[int(m.group(1))] = (body, stream)
    cmaps: dict[bytes, dict[int, str]] = {}
    for name, num in re.findall(rb"/([^\s/<>\[\]()]+)\s+(\d+) 0 R", data):
        body = objects.get(int(num), (b"", None))[0]
        if b"/Type /Font" in body and b"/ToUnicode" in body:
            cmap = objects[int(re.search(rb"/ToUnicode (\d+) 0 R", body).group(1))][1].decode("latin-1")
            table: dict[int, str] = {}
            for part in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
                table.update({int(a, 16): chr(int(b, 16)) for a, b in re.findall(r"<(\w+)>\s*<(\w+)>", part)})
            for part in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
                for lo, hi, dst in re.findall(r"<(\w+)>\s*<(\w+)>\s*<(\w+)>", part):
                    table.update({c: chr(int(dst, 16) + c - int(lo, 16)) for c in range(int(lo, 16), int(hi, 16) + 1)})
            cmaps[name] = table
    texts = []
    for page in (body for body, _ in objects.values() if re.search(rb"/Type /Page\b(?!s)", body)):
        lines: list[str] = []
        content = objects[int(re.search(rb"/Contents (\d+) 0 R", page).group(1))][1]
        font, line = b"", ""
        token = rb"\((?:\\.|[^\\)])*\)|/[^\s/\[\]()<>]+|[-+.\d]+|[A-Za-z'\"*]+|\[|\]"
        operands: list[bytes] = []
        for tok in re.findall(token, content, re.S):
            if tok == b"Tf":
                font = operands[-2][1:]
            elif tok in (b"Tj", b"TJ", b"'"):
                for s in (o for o in operands if o.startswith(b"(")):
                    raw = re.sub(rb"\\([0-7]{1,3}|.)", lambda e: bytes([int(e.group(1), 8)]) if e.group(1)[:1]
                                 .isdigit() else {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(e.group(1), e.group(1)),
                                 s[1:-1], flags=re.S)
                    cmap = cmaps.get(font)
                    line += "".join(cmap.get(b, "") for b in raw) if cmap else raw.decode("latin-1")
            elif tok in (b"Td", b"TD", b"T*", b"Tm", b"ET") and line:
                lines.append(line)
                line = ""
            if tok[:1].isalpha() or tok in (b"'", b'"'):
                operands = []
            else:
                operands.append(tok)
        texts.append("\n".join(lines))
    return texts


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_admin_pdf_reads_as_a_vietnamese_report(tmp_path):
    path = write_admin_pdf(tmp_path / "bao_cao.pdf", sample_report())
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and b"/FontFile2" in data and b"DejaVuSerif-Bold" in data  # fonts embedded
    texts = pdf_pages(data)
    text, pages = "\n".join(texts), len(texts)
    assert pages > 1
    assert unicodedata.normalize("NFC", text) == text
    for expected in ["CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "UBND XÃ DIỄN CHÂU",
                     SCHOOL, "Số: 12/BC-THCSDC", "Diễn Châu, ngày 05 tháng 12 năm 2026", "BÁO CÁO",
                     "Kết quả đánh giá năng lực số của học sinh năm học 2026–2027", "Nơi nhận:",
                     "- Sở GDĐT (để b/c);", "- UBND xã Diễn Châu;", "- Lưu: VT.", "KT. HIỆU TRƯỞNG",
                     "PHÓ HIỆU TRƯỞNG", "Nguyễn Thị Hương", "Phạm Thị Thuỳ Dương", "Đạt bậc mong đợi",
                     "Bảng 1. Kết quả từng học sinh lớp 6", "tỉ lệ đạt < 70% ở miền 3 & miền 5", "III. ĐỀ XUẤT"]:
        assert expected in flat(text), expected
    lines = text.splitlines()
    assert "90%" in lines and "7,75" in lines and "8,00" in lines  # percent and decimal-comma cells
    table_pages = [t.splitlines() for t in texts if "6A3" in t.splitlines()]
    assert len(table_pages) > 1 and all("Họ và tên" in t for t in table_pages)  # header repeated on each page
    assert texts[0].splitlines()[0] == "UBND XÃ DIỄN CHÂU"  # no number on page 1
    assert [t.splitlines()[0] for t in texts[1:]] == [str(n) for n in range(2, pages + 1)]
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                             timeout=60).stdout
        assert "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM" in out and "ngày 05 tháng 12 năm 2026" in out
        assert "Nơi nhận" in out and "Nguyễn Thị Hương" in out and out.count("\f") == pages


def test_date_line_and_recipients_follow_the_decree():
    assert export_pdf.date_line("Diễn Châu", dt.date(2026, 2, 3)) == "Diễn Châu, ngày 03 tháng 02 năm 2026"
    assert export_pdf.date_line("Vinh", dt.date(2026, 3, 15)) == "Vinh, ngày 15 tháng 3 năm 2026"
    assert export_pdf.recipient_lines(["- Lưu: VT, CM.", "Sở GDĐT;", "UBND xã"]) == [
        "- Sở GDĐT;", "- UBND xã;", "- Lưu: VT, CM."]


def test_page_break_markup_and_numbers_filled_in_by_hand(tmp_path):
    doc = sample_report(rows=3)
    doc.blocks = [Paragraph("Một trang."), PageBreak(), Paragraph("<b>đậm</b> và thường", markup=True)]
    doc.number, doc.place, doc.authority = "Số:    /BC-THCSDC", "", ""  # number and place filled in by hand
    pages = pdf_pages(write_admin_pdf(tmp_path / "ngan.pdf", doc).read_bytes())
    assert len(pages) == 2 and "Một trang." in pages[0] and "đậm" in pages[1]
    assert pages[0].splitlines()[0] == SCHOOL  # no authority line
    assert "Số:    /BC-THCSDC" in pages[0] and "……………, ngày 05 tháng 12 năm 2026" in pages[0]


# ---------------------------------------------------------------- errors and atomic writing


@pytest.mark.parametrize("write", ["xlsx", "pdf"])
def test_missing_folder_names_the_file(tmp_path, write):
    path = tmp_path / "khong_co" / f"bao_cao.{write}"
    with pytest.raises(KitError, match=f"bao_cao.{write}") as err:
        _write(write, path)
    assert "không tồn tại" in str(err.value)


@pytest.mark.parametrize("write", ["xlsx", "pdf"])
def test_locked_file_gives_a_clear_error_and_keeps_the_old_one(tmp_path, monkeypatch, write):
    path = tmp_path / f"bao_cao.{write}"
    path.write_bytes(b"old")

    def locked(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(export_xlsx.os, "replace", locked)
    with pytest.raises(KitError, match="đang được mở") as err:
        _write(write, path)
    assert str(path) in str(err.value)
    assert path.read_bytes() == b"old" and sorted(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("where", ["xlsx-cell", "xlsx-save", "pdf-cell", "pdf-page"])
def test_failure_midway_leaves_no_partial_file(tmp_path, monkeypatch, where):
    kind = where.split("-")[0]
    path = tmp_path / f"bao_cao.{kind}"
    path.write_bytes(b"old")
    calls = {"n": 0}

    def fail_later(real):
        def wrapper(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 3:
                raise RuntimeError("hỏng giữa chừng")
            return real(*args, **kwargs)
        return wrapper

    if where == "xlsx-cell":
        monkeypatch.setattr(export_xlsx, "_cell_value", fail_later(export_xlsx._cell_value))
    elif where == "xlsx-save":  # the zip is half written when the third sheet fails
        from openpyxl.writer.excel import ExcelWriter
        monkeypatch.setattr(ExcelWriter, "write_worksheet", fail_later(ExcelWriter.write_worksheet))
    elif where == "pdf-cell":
        monkeypatch.setattr(export_pdf, "_cell_text", fail_later(export_pdf._cell_text))
    else:  # page 4 of the long report is being drawn
        monkeypatch.setattr(export_pdf, "_number_page", fail_later(export_pdf._number_page))
    with pytest.raises(RuntimeError, match="giữa chừng"):
        _write(kind, path)
    assert calls["n"] == 3
    assert path.read_bytes() == b"old" and sorted(tmp_path.iterdir()) == [path]


def _write(kind: str, path: Path) -> Path:
    if kind == "xlsx":
        return write_workbook(path, three_sheets())
    return write_admin_pdf(path, sample_report())
