"""The demo school: a whole assessment round on SQLite, from an Excel roster to levels per student."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from .course import init_course
from .grade import grade
from .paths import shipped
from .progress import text_bar
from .release import build, release
from .results import readiness_by_class
from .roster import import_roster
from .simulate import simulate

DEMO_ROSTER = "examples/demo_school/danh_sach_lop_6.xlsx"
DEMO_BLUEPRINT = "assessments/blueprints/lop6-dau-nam.yaml"


def run_demo(root: Path, fresh: bool = True) -> tuple[object, str]:
    """Build the demo course in ``root`` and run one round; returns (course, assignment)."""
    started = time.monotonic()
    if fresh and root.exists():
        if not (root / "nanglucso.yaml").exists():
            raise SystemExit(f"{root} đã có và không phải thư mục khoá học của bản demo; chọn thư mục khác.")
        shutil.rmtree(root)
    kit = shipped("")
    print(f"1. Tạo khoá học demo tại {root}")
    course = init_course(root, "demo", school="Trường THCS Demo Năng Lực Số")
    print(f"2. Nhập danh sách lớp từ {DEMO_ROSTER}")
    students = import_roster(course, kit / DEMO_ROSTER)
    classes = sorted({s["class_name"] for s in students})
    print(f"   {len(students)} học sinh, lớp {', '.join(classes)}")
    print(f"3. Tạo đề từ {DEMO_BLUEPRINT}")
    built = build(course, kit / DEMO_BLUEPRINT)
    print(f"   bài '{built.assignment}': {built.n_items} câu")
    print("4. Phát bài qua nbgrader")
    release(course, built.assignment)
    print("5. Học sinh mô phỏng làm bài (trả lời qua các widget, nộp qua nbgrader)")
    totals = simulate(course, built.assignment, students, root / "hoc_sinh", progress=text_bar)
    print(f"   {totals['right']} câu đúng, {totals['wrong']} câu sai, {totals['blank']} câu bỏ trống")
    print("6. Chấm tự động bằng nbgrader và xếp bậc")
    report = grade(course, built.assignment, progress=text_bar)
    for problem in report.problems:
        print(f"   ! {problem['student_id']}: {problem['message']}")
    table = readiness_by_class(course, built.assignment)
    print("\nTỉ lệ học sinh đạt bậc mong đợi theo miền năng lực:")
    print((table * 100).round(0).astype(int).astype(str).add("%").to_string())
    print(f"\nXong sau {time.monotonic() - started:.0f} giây.")
    return course, built.assignment
