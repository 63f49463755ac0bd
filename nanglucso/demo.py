"""The demo school: a whole assessment round on SQLite, from an Excel roster to levels per student."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from .ambassador_inputs import course_ranking, import_candidates_excel, save_selection
from .ambassador_sheets import import_ratings_excel
from .course import init_course
from .grade import grade
from .paths import shipped
from .progress import text_bar
from .relatives import import_excel
from .release import build, release
from .report_export import export_actions, indicator_lines
from .results import readiness_by_class
from .roster import import_roster
from .school import load_school, progress
from .simulate import simulate

DEMO_ROSTER = "examples/demo_school/danh_sach_lop_6.xlsx"
DEMO_RELATIVES = "examples/demo_school/nguoi_than_so_hoa.xlsx"
DEMO_CANDIDATES = "examples/demo_school/ung_vien_dai_su_so.xlsx"
DEMO_RATINGS = ("examples/demo_school/phieu_danh_gia_co_ha.xlsx", "examples/demo_school/phieu_danh_gia_thay_duc.xlsx")
DEMO_BLUEPRINT = "assessments/blueprints/lop6-dau-nam.yaml"
DEMO_END_BLUEPRINT = "assessments/blueprints/lop6-cuoi-nam.yaml"
DEMO_SCHOOL = {"school": "Trường THCS Demo Năng Lực Số", "school_code": "DEMO01", "commune": "Xã Demo",
               "province": "Tỉnh Demo", "authority": "UBND xã Demo", "principal": "Nguyễn Văn Hiệu",
               "school_year": "2026-2027"}  # the year of the example records in examples/demo_school/


def _round(course, kit: Path, blueprint: str, students: list, homes: Path, step: int, growth: float) -> str:
    """Build, release, let the simulated class sit it, grade: one assessment round of the demo."""
    built = build(course, kit / blueprint)
    print(f"{step}. Tạo đề '{built.assignment}' ({built.n_items} câu) từ {blueprint}, phát bài qua nbgrader")
    release(course, built.assignment)
    print(f"{step + 1}. Học sinh mô phỏng làm bài (trả lời qua các widget, nộp qua nbgrader)")
    totals = simulate(course, built.assignment, students, homes, progress=text_bar, growth=growth)
    print(f"   {totals['right']} câu đúng, {totals['wrong']} câu sai, {totals['blank']} câu bỏ trống")
    print(f"{step + 2}. Chấm tự động bằng nbgrader và xếp bậc")
    report = grade(course, built.assignment, progress=text_bar)
    for problem in report.problems:
        print(f"   ! {problem['student_id']}: {problem['message']}")
    return built.assignment


def _ambassadors(course, kit: Path) -> None:
    """The committee's year: candidates and two raters' sheets imported, ranked by the policy, decided."""
    n = import_candidates_excel(course, kit / DEMO_CANDIDATES, recorded_by="GVCN (demo)")
    scores = sum(import_ratings_excel(course, kit / sheet) for sheet in DEMO_RATINGS)
    ranking = course_ranking(course, recorded_by="Hội đồng (demo)")
    save_selection(course, ranking, decided_by="Hội đồng xét chọn (demo)")
    chosen = [o.candidate for o in ranking.outcomes if o.selected]
    print(f"10. Hội đồng Đại sứ số: {n} ứng viên, {scores} điểm theo tiêu chí từ {len(DEMO_RATINGS)} phiếu; chọn "
          f"{len(chosen)} em: " + ", ".join(f"{c.full_name} ({c.class_name})" for c in chosen))


def run_demo(root: Path, fresh: bool = True) -> tuple[object, str]:
    """Build the demo course in ``root`` and run one round; returns (course, assignment)."""
    started = time.monotonic()
    if fresh and root.exists():
        if not (root / "nanglucso.yaml").exists():
            raise SystemExit(f"{root} đã có và không phải thư mục khoá học của bản demo; chọn thư mục khác.")
        shutil.rmtree(root)
    kit = shipped("")
    print(f"1. Tạo khoá học demo tại {root}")
    course = init_course(root, "demo", **DEMO_SCHOOL)
    print(f"2. Nhập danh sách lớp từ {DEMO_ROSTER}")
    students = import_roster(course, kit / DEMO_ROSTER)
    classes = sorted({s["class_name"] for s in students})
    print(f"   {len(students)} học sinh, lớp {', '.join(classes)}")
    baseline = _round(course, kit, DEMO_BLUEPRINT, students, root / "hoc_sinh", 3, growth=0.0)
    table = readiness_by_class(course, baseline)
    print("\nTỉ lệ học sinh đạt bậc mong đợi theo miền năng lực (đầu năm):")
    print((table * 100).round(0).astype(int).astype(str).add("%").to_string())
    # The end-of-year round: the same children, a little more able after a year of lessons.
    _round(course, kit, DEMO_END_BLUEPRINT, students, root / "hoc_sinh_cuoi_nam", 6, growth=0.6)
    n = import_excel(course, kit / DEMO_RELATIVES, recorded_by="GVCN (demo)")
    print(f"9. Nhập {n} ghi nhận “Mỗi học sinh – Một người thân số hóa” từ {DEMO_RELATIVES}")
    _ambassadors(course, kit)
    print("11. Báo cáo nhà trường (Excel, PDF, CSV gửi Sở) trong bao_cao/")
    for _label, action in export_actions(course):
        print(f"   {action()}")
    data = load_school(course)
    print("\nTiến bộ từ đầu năm đến cuối năm (tỉ lệ học sinh × miền đạt bậc mong đợi):")
    for _, row in progress(data).iterrows():
        print(f"   {row['Lớp']}: {row['Đầu năm'] * 100:.0f}% → {row['Cuối năm'] * 100:.0f}%")
    print("Chỉ số “Bình dân học vụ số” của trường:")
    for line in indicator_lines(data):
        print("  " + line)
    print(f"\nXong sau {time.monotonic() - started:.0f} giây.")
    return course, baseline
