"""The school's yearly report as files: an Excel workbook (summary + one sheet per class, with charts), a PDF
in the shape of a Vietnamese administrative report, and the Sở's aggregate CSV (no student names)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from . import charts
from .aggregate import write_aggregate
from .course import Course
from .export_pdf import AdminDoc, Heading, Image, Paragraph, Table, write_admin_pdf
from .export_xlsx import Chart, Sheet, write_workbook
from .framework import Framework, load_framework
from .school import SchoolData, class_table, indicators, latest, load_school, progress

REPORTS_DIR = "bao_cao"



def _heading(course: Course, data: SchoolData, title: str) -> list[str]:
    return [course.config.school or course.course_id, title, f"Năm học {data.school_year} · lập ngày "
            f"{dt.date.today():%d/%m/%Y}"]


def _class_domains(data: SchoolData, cls: str, fw: Framework) -> pd.DataFrame:
    """One class: per domain, the share at the expected level at baseline, at end of year, and now."""
    rows = data.domains[data.domains["class_name"] == cls]
    now = latest(data, rows)
    out = []
    for dom in fw.domains:
        part = rows[rows["code"] == dom.code]
        row = {"Miền": f"{dom.code}. {dom.name_vi}"}
        for form, label in (("baseline", "Đầu năm"), ("end_of_year", "Cuối năm")):
            ready = part[part["form"] == form]["ready"]
            row[label] = ready.mean() if len(ready) else float("nan")
        current = now[now["code"] == dom.code]["ready"]
        row["Số HS"] = len(current)
        row["Hiện tại"] = current.mean() if len(current) else float("nan")
        out.append(row)
    return pd.DataFrame(out)[["Miền", "Số HS", "Đầu năm", "Cuối năm", "Hiện tại"]]


def school_workbook(course: Course, path: Path, data: SchoolData | None = None) -> Path:
    """Summary sheet (indicators and classes) and one sheet per class, each with Excel's own bar charts."""
    fw = load_framework()
    data = data or load_school(course)
    ind = indicators(data)
    ind["Chỉ số"] = ind["Chỉ số"] + " (" + ind["Cấp"] + ")"
    classes = class_table(data, fw)
    domain_cols = [c for c in classes.columns if c.startswith("Miền")]
    sheets = [
        Sheet("Chỉ tiêu", _heading(course, data, "Các chỉ số phong trào “Bình dân học vụ số”"),
              ind.drop(columns=["Mã"]), percent_columns=["Tỉ lệ", "Chỉ tiêu"],
              charts=[Chart("Tỉ lệ đạt so với chỉ tiêu", "Chỉ số", ["Tỉ lệ", "Chỉ tiêu"])],
              notes=[f"Chỉ tiêu năm {data.year}: {data.targets.nguon}."]),
        Sheet("Tổng hợp các lớp", _heading(course, data, "Tỉ lệ học sinh đạt bậc mong đợi, lần đánh giá gần nhất"),
              classes, percent_columns=[*domain_cols, "Được trang bị", "Hỗ trợ người thân"],
              charts=[Chart("Tỉ lệ được trang bị kỹ năng số và an toàn", "Lớp", ["Được trang bị"])],
              notes=["; ".join(f"Miền {d.code}: {d.name_vi}" for d in fw.domains)]),
    ]
    prog = progress(data)
    if not prog.empty:
        sheets.append(Sheet("Tiến bộ", _heading(course, data, "Đầu năm và cuối năm (các em làm cả hai bài)"), prog,
                            percent_columns=["Đầu năm", "Cuối năm", "Thay đổi"],
                            charts=[Chart("Đầu năm và cuối năm", "Lớp", ["Đầu năm", "Cuối năm"])]))
    if data.ambassador_classes is not None:
        from .ambassador_log import monthly_summary, yearly_summary

        sheets.append(Sheet("Đại sứ số", _heading(course, data, "Đại sứ số học đường và hoạt động trong năm"),
                            yearly_summary(course, data.school_year)))
        monthly = monthly_summary(course, data.school_year)
        sheets.append(Sheet("Đại sứ số theo tháng", _heading(course, data, "Số người được hỗ trợ theo tháng"),
                            monthly, charts=[Chart("Số người được hỗ trợ theo tháng", "Tháng",
                                                   ["Tổng số người được hỗ trợ"], percent=False,
                                                   horizontal=False)]))
    for cls in classes["Lớp"]:
        table = _class_domains(data, cls, fw)
        sheets.append(Sheet(f"Lớp {cls}", _heading(course, data, f"Lớp {cls}: tỉ lệ đạt bậc mong đợi theo miền"),
                            table, percent_columns=["Đầu năm", "Cuối năm", "Hiện tại"],
                            charts=[Chart(f"Lớp {cls}", "Miền", ["Đầu năm", "Cuối năm"])]))
    return write_workbook(path, sheets)


ROMAN = {4: "IV", 5: "V", 6: "VI"}


def _ambassador_blocks(course: Course, data: SchoolData, number: str) -> list:
    """The year's ambassadors and what their activity log records (who helped whom, month by month)."""
    from .ambassador_log import monthly_chart, monthly_summary, yearly_summary

    per_student = yearly_summary(course, data.school_year)
    monthly = monthly_summary(course, data.school_year)
    chosen = per_student[per_student["Được chọn"]] if "Được chọn" in per_student else per_student
    helped = int(chosen["Tổng số người được hỗ trợ"].sum()) if len(chosen) else 0
    blocks: list = [
        Heading(f"{number}. ĐỘI NGŨ ĐẠI SỨ SỐ HỌC ĐƯỜNG"),
        Paragraph(f"Hội đồng nhà trường đã chọn {len(chosen)} Đại sứ số học đường ở "
                  f"{len(data.ambassador_classes or ())} lớp. Theo sổ theo dõi hoạt động, các em đã hỗ trợ "
                  f"{helped} lượt người (giáo viên, bạn học, người thân, người dân) sử dụng các tiện ích số."),
    ]
    if len(chosen):
        columns = [c for c in ("Họ và tên", "Lớp", "Số hoạt động", "Số tháng có hoạt động",
                               "Tổng số người được hỗ trợ", "Dịch vụ đã hỗ trợ") if c in chosen]
        blocks.append(Table(chosen[columns], caption="Hoạt động của từng Đại sứ số trong năm học"))
    if len(monthly) and monthly.select_dtypes("number").to_numpy().sum() > 0:
        blocks.append(Image(charts.png(monthly_chart(monthly), dpi=150), width_cm=15,
                            caption="Số người được Đại sứ số hỗ trợ theo tháng"))
    return blocks


def _proposals(ind: pd.DataFrame) -> list[str]:
    out = []
    for _, row in ind[ind["Đánh giá"] == "Chưa đạt"].iterrows():
        out.append(f"{row['Chỉ số']} ở cấp {row['Cấp']} đạt {charts.pct(row['Tỉ lệ'])}, chưa đạt chỉ tiêu "
                   f"{charts.pct(row['Chỉ tiêu'])}: nhà trường tiếp tục tổ chức hoạt động, theo dõi và báo cáo "
                   "ở kỳ sau.")
    return out or ["Các chỉ số đã đạt chỉ tiêu năm; nhà trường tiếp tục duy trì và nâng cao chất lượng."]


def school_pdf(course: Course, path: Path, data: SchoolData | None = None, number: str = "",
               recipients: list[str] | None = None, on: dt.date | None = None) -> Path:
    """The yearly report as a Vietnamese administrative document, ready to sign and send."""
    fw = load_framework()
    data = data or load_school(course)
    cfg = course.config
    ind = indicators(data)
    classes = class_table(data, fw)
    prog = progress(data)
    assessed = data.domains["student_id"].nunique()
    blocks: list = [
        Heading("I. TÌNH HÌNH CHUNG"),
        Paragraph(f"Năm học {data.school_year}, nhà trường có {data.roster['class_name'].nunique()} lớp với "
                  f"{len(data.roster)} học sinh; {assessed} em đã được đánh giá năng lực số theo Thông tư "
                  "02/2025/TT-BGDĐT (khung năng lực số cho người học) bằng bộ công cụ nanglucso, với bậc mong đợi "
                  "của từng khối lớp theo Công văn 3456/BGDĐT-GDPT."),
        Heading("II. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU"),
        Paragraph(f"Đối chiếu với chỉ tiêu năm {data.year} ({data.targets.nguon}):"),
        Table(ind[["Chỉ số", "Cấp", "Số lượng", "Số đạt", "Tỉ lệ", "Chỉ tiêu", "Đánh giá"]],
              percent_columns=["Tỉ lệ", "Chỉ tiêu"], caption="Bảng 1. Các chỉ số phong trào “Bình dân học vụ số”"),
    ]
    if not ind.empty:
        fig = charts.share_bars([f"{r['Mã']} · {r['Cấp']}" for _, r in ind.iterrows()], list(ind["Tỉ lệ"]),
                                "Tỉ lệ đạt so với chỉ tiêu",
                                target=[None if pd.isna(t) else float(t) for t in ind["Chỉ tiêu"]], xlabel="%")
        blocks.append(Image(charts.png(fig, dpi=150), width_cm=15,
                            caption="Hình 1. trang_bi: được trang bị kỹ năng số và an toàn; nguoi_than: hỗ trợ "
                                    "người thân; lop_dai_su: lớp có Đại sứ số"))
    domain_cols = [c for c in classes.columns if c.startswith("Miền")]
    blocks += [
        Heading("III. KẾT QUẢ ĐÁNH GIÁ THEO LỚP"),
        Table(classes, percent_columns=[*domain_cols, "Được trang bị", "Hỗ trợ người thân"],
              caption="Bảng 2. Tỉ lệ học sinh đạt bậc mong đợi theo miền, lần đánh giá gần nhất"),
        Paragraph("; ".join(f"Miền {d.code}: {d.name_vi}" for d in fw.domains) + "."),
    ]
    if not prog.empty:
        blocks += [Heading("IV. TIẾN BỘ TRONG NĂM HỌC"),
                   Table(prog, percent_columns=["Đầu năm", "Cuối năm", "Thay đổi"],
                         caption="Bảng 3. Đầu năm và cuối năm, các em làm cả hai bài"),
                   Image(charts.png(charts.progress_bars(prog, "Lớp", "Đầu năm và cuối năm, theo lớp"), dpi=150),
                         width_cm=15)]
    section = 5 if not prog.empty else 4
    if data.ambassador_classes is not None:
        blocks += _ambassador_blocks(course, data, ROMAN[section])
        section += 1
    blocks += [Heading(f"{ROMAN[section]}. ĐỀ XUẤT, KIẾN NGHỊ"), *[Paragraph(p) for p in _proposals(ind)]]
    abbr = "".join(w[0] for w in (cfg.school or "TRUONG").split() if w[:1].isalpha()).upper()
    doc = AdminDoc(
        authority=(cfg.authority or "").upper(), issuer=(cfg.school or course.course_id).upper(),
        number=number or f"Số:      /BC-{abbr}", place=cfg.commune or cfg.province or "", date=on or dt.date.today(),
        kind="BÁO CÁO",
        subject=f"Kết quả đánh giá năng lực số của học sinh và thực hiện phong trào “Bình dân học vụ số” "
                f"năm học {data.school_year}",
        blocks=blocks, recipients=recipients or [x for x in (cfg.authority, "Sở GDĐT (để báo cáo)") if x],
        signer_title="HIỆU TRƯỞNG", signer_name=cfg.principal)
    return write_admin_pdf(path, doc)


def indicator_lines(data: SchoolData) -> list[str]:
    """One line per indicator and school level, for the terminal."""
    out = []
    for _, row in indicators(data).iterrows():
        target = "" if pd.isna(row["Chỉ tiêu"]) else f" (chỉ tiêu {charts.pct(row['Chỉ tiêu'])}: {row['Đánh giá']})"
        out.append(f"{row['Cấp']:>5} · {row['Chỉ số']}: {row['Số đạt']}/{row['Số lượng']} = "
                   f"{charts.pct(row['Tỉ lệ'])}{target}")
    return out


def reports_dir(course: Course) -> Path:
    folder = course.root / REPORTS_DIR
    folder.mkdir(exist_ok=True)
    return folder


def export_actions(course: Course) -> list[tuple[str, Callable[[], Path]]]:
    """The three exports, each a call that writes its file into the course's bao_cao/ folder."""
    def name(ext: str) -> Path:
        return reports_dir(course) / f"bao_cao_nang_luc_so_{course.school_year}.{ext}"

    csv = f"tong_hop_{course.course_id}_{course.school_year}.csv"

    return [
        ("Tệp Excel", lambda: school_workbook(course, name("xlsx"))),
        ("Báo cáo PDF", lambda: school_pdf(course, name("pdf"))),
        ("CSV gửi Sở (không tên học sinh)",
         lambda: write_aggregate(course, reports_dir(course) / csv)),
    ]
