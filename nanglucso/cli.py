"""The `nanglucso` command: thin argument parsing over the kit's modules; messages in Vietnamese."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from .errors import ContentError, KitError
from .progress import text_bar

Handler = Callable[[argparse.Namespace], int]


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# --- framework -------------------------------------------------------------------------------------


def cmd_framework(args: argparse.Namespace) -> int:
    from .framework import load_framework

    fw = load_framework()
    if args.json:
        data = fw.model_dump(mode="json")
        data["competencies"] = [c.model_dump() for c in fw.competencies]
        _print_json(data)
        return 0
    print(f"{fw.name_vi} (Thông tư 02/2025/TT-BGDĐT)")
    print(f"{len(fw.domains)} miền, {len(fw.competencies)} năng lực thành phần, "
          f"{len(fw.bands)} trình độ, {len(fw.levels)} bậc\n")
    for dom in fw.domains:
        print(f"Miền {dom.code}. {dom.name_vi}")
        for comp in dom.competencies:
            print(f"  {comp.code}  {comp.name_vi}")
    print("\nTrình độ và bậc:")
    for band in fw.bands:
        levels = [lvl for lvl in fw.levels if lvl.band == band.code]
        names = ", ".join(f"{lvl.code} (bậc {lvl.rank}{', suy luận' if lvl.inferred else ''})" for lvl in levels)
        print(f"  {band.name_vi}: {names}")
    print("\nKhối lớp → bậc mong đợi (Công văn 3456):")
    by_level: dict[str, list[int]] = {}
    for grade, code in sorted(fw.grade_to_level.items()):
        by_level.setdefault(code, []).append(grade)
    for code, grades in by_level.items():
        print(f"  lớp {grades[0]}–{grades[-1]}: {code} ({fw.level(code).name_vi})")
    for ns in fw.no_statement:
        print(f"\nLưu ý: {ns.note_vi}")
    return 0


# --- bank ------------------------------------------------------------------------------------------


def cmd_bank_validate(args: argparse.Namespace) -> int:
    from .bank import bank_files, load_bank
    from .blueprint import check_blueprints
    from .paths import shipped
    from .tasks import load_tasks

    root = Path(args.path) if args.path else shipped("assessments") / "bank"
    tasks = None
    try:
        bank = load_bank(root)
        if not args.path:
            tasks = load_tasks()
            problems = check_blueprints(shipped("assessments") / "blueprints", bank, tasks=tasks)
        else:
            problems = []
    except ContentError as exc:
        problems = exc.problems
        bank = None
    for warning in bank.warnings if bank else []:
        print(f"CẢNH BÁO {warning}")
    if problems:
        for problem in problems:
            print(f"LỖI {problem}", file=sys.stderr)
        print(f"\n{len(problems)} lỗi. Sửa các dòng trên rồi chạy lại 'nanglucso bank validate'.",
              file=sys.stderr)
        return 1
    checked = "" if args.path else f", {len(tasks)} bài thực hành với thang chấm, và mọi cấu trúc đề"
    print(f"Hợp lệ: {len(bank)} câu hỏi trong {len(bank_files(root))} tệp ({root}){checked}.")
    return 0


def cmd_bank_stats(args: argparse.Namespace) -> int:
    from .bank import load_bank, stats
    from .paths import shipped

    root = Path(args.path) if args.path else shipped("assessments") / "bank"
    result = stats(load_bank(root))
    if not args.path:
        from .tasks import load_tasks, task_stats

        result["tasks"] = task_stats(load_tasks())
    if args.chart:
        from .coverage_chart import coverage_chart

        print(f"Đã vẽ biểu đồ độ phủ: {coverage_chart(result, Path(args.chart))}", file=sys.stderr)
    if args.json:
        _print_json(result)
        return 0
    levels = result["levels"]
    print(f"Số câu theo năng lực × bậc ({result['total']} câu; mục tiêu ≥ {result['target_per_cell']} câu mỗi ô)\n")
    print("năng lực " + "".join(f"{lvl:>6}" for lvl in levels))
    no_stmt = {(n["competency"], n["level"]) for n in result["no_statement"]}
    for comp, row in result["matrix"].items():
        cells = "".join(f"{'—' if (comp, lvl) in no_stmt else row[lvl]:>6}" for lvl in levels)
        print(f"{comp:<9}{cells}")
    print("\nTheo loại câu: " + ", ".join(f"{k} {v}" for k, v in result["by_type"].items()))
    if result["gaps"]:
        print(f"{len(result['gaps'])} ô còn thiếu: "
              + ", ".join(f"{g['competency']}/{g['level']} (thiếu {g['missing']})" for g in result["gaps"]))
    else:
        print("Mọi ô đã đủ số câu mục tiêu.")
    for n in result["no_statement"]:
        print(f"— {n['note_vi']}")
    if "tasks" in result:
        t = result["tasks"]
        print(f"\nBài thực hành theo năng lực × trình độ ({t['total']} bài; tiêu chí: "
              + ", ".join(f"{k} {v}" for k, v in t["criteria"].items()) + ")\n")
        print("năng lực " + "".join(f"{b:>6}" for b in t["bands"]))
        for comp, row in t["matrix"].items():
            print(f"{comp:<9}" + "".join(f"{row[b]:>6}" for b in t["bands"]))
        print(f"{len(t['gaps'])} ô chưa có bài thực hành: " + ", ".join(f"{g['competency']}/{g['band']}"
                                                               for g in t["gaps"]) if t["gaps"]
              else "Mỗi năng lực × trình độ đã có ít nhất một bài thực hành.")
    return 0


# --- practical tasks -------------------------------------------------------------------------------


def cmd_task_validate(args: argparse.Namespace) -> int:
    from .tasks import load_tasks, task_stats

    tasks = load_tasks(Path(args.path) if args.path else None)
    t = task_stats(tasks)
    print(f"Hợp lệ: {len(tasks)} bài thực hành, {sum(t['criteria'].values())} tiêu chí "
          f"({', '.join(f'{k} {v}' for k, v in t['criteria'].items())}), {len(tasks.rubrics)} thang chấm tay.")
    return 0


def cmd_task_try(args: argparse.Namespace) -> int:
    import tempfile

    from .task_trial import BLANK, SOLVER, trial
    from .tasks import load_tasks

    tasks = load_tasks(Path(args.path) if args.path else None)
    ids = args.ids or sorted(tasks.tasks)
    unknown = [i for i in ids if i not in tasks.tasks]
    if unknown:
        raise KitError(f"không có bài thực hành {', '.join(unknown)}; xem 'nanglucso task validate'")
    with tempfile.TemporaryDirectory(prefix="nls-task-") as tmp:
        print(f"Thử {len(ids)} bài qua nbgrader (một học sinh làm đúng theo lời giải, một học sinh bỏ trống)...",
              file=sys.stderr)
        result = trial(tasks, ids, Path(tmp), progress=text_bar)
    for cid in sorted(result.scores):
        row = result.scores[cid]
        right = "chờ chấm tay" if result.pending.get(cid) else row.get(SOLVER)
        print(f"  {cid:<52} làm đúng: {right!s:<13} bỏ trống: {row.get(BLANK)}")
    for p in result.problems:
        if p["kind"] != "missing_responses":
            print(f"  ! {p['student_id']}: {p['message']}", file=sys.stderr)
    if result.failures:
        for failure in result.failures:
            print(f"LỖI {failure}", file=sys.stderr)
        return 1
    print(f"Mọi tiêu chí chấm đúng: {len(result.scores)} tiêu chí của {len(ids)} bài.")
    return 0


# --- course workflow -------------------------------------------------------------------------------


def _course(args: argparse.Namespace):
    from .course import open_course

    return open_course(Path(args.course) if args.course else None)


def cmd_course_init(args: argparse.Namespace) -> int:
    from .course import init_course

    root = Path(args.dir)
    course = init_course(root, args.id or root.resolve().name, school=args.school or "")
    print(f"Đã tạo khoá học '{course.course_id}' tại {course.root}.")
    print("Bước tiếp theo: nanglucso roster import DANH_SACH.xlsx --course " + str(root))
    return 0


def cmd_roster_import(args: argparse.Namespace) -> int:
    from .roster import import_roster

    course = _course(args)
    rows = import_roster(course, Path(args.file))
    by_class: dict[str, int] = {}
    for r in rows:
        by_class[r["class_name"]] = by_class.get(r["class_name"], 0) + 1
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(by_class.items()))
    print(f"Đã nhập {len(rows)} học sinh ({summary}).")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from .release import build

    course = _course(args)
    built = build(course, Path(args.blueprint))
    print(f"Đã tạo bài '{built.assignment}' ({built.n_items} câu): {built.notebook}")
    for cell in built.skipped:
        print(f"  bỏ qua {cell}: khung năng lực không có yêu cầu ở ô này")
    print(f"Bước tiếp theo: nanglucso release {built.assignment}")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from .release import release

    course = _course(args)
    folder = release(course, args.assignment)
    print(f"Đã phát bài '{args.assignment}' (bản cho học sinh: {folder}). Học sinh nhận bài ở mục Assignments.")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    from .grade import grade

    course = _course(args)
    if args.sync:
        from .grade import sync_manual

        report = sync_manual(course, args.assignment)
    else:
        report = grade(course, args.assignment, progress=text_bar)
    if not report.results:
        print(f"Chưa có bài nộp nào của '{args.assignment}'.")
        return 0
    for r in report.results:
        score = "—" if r.score is None else f"{r.score:g}/{r.max_score:g}"
        print(f"  {r.student_id:<12} {score}")
    for p in report.problems:
        print(f"  ! {p['student_id']}: {p['message']}")
    pending = sum(r.pending for r in report.results)
    print(f"Đã chấm {len(report.results)} bài; {len(report.problems)} vấn đề cần xem.")
    if pending:
        print(f"Còn {pending} câu viết chờ thầy cô chấm tay: mở formgrader (nbgrader formgrader), chấm xong "
              f"chạy 'nanglucso grade {args.assignment} --sync' để cập nhật bậc.")
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    from .results import level_table

    course = _course(args)
    table = level_table(course, args.assignment, scope=args.scope)
    if table.empty:
        print(f"Chưa có kết quả của '{args.assignment}'. Chạy 'nanglucso grade {args.assignment}' trước.")
        return 0
    if args.json:
        _print_json(table.to_dict(orient="records"))
    else:
        print(table.to_string(index=False))
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from .simulate import simulate
    from .store import Store

    course = _course(args)
    students = Store(course.db_url).students()
    if not students:
        print("Chưa có danh sách lớp: chạy 'nanglucso roster import' trước.", file=sys.stderr)
        return 1
    totals = simulate(course, args.assignment, students, course.root / "hoc_sinh", seed=args.seed, progress=text_bar)
    print(f"{len(students)} học sinh mô phỏng đã nộp bài: {totals}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo
    from .serve import serve_forever

    course, _ = run_demo(Path(args.dir))
    if args.no_serve:
        return 0
    return serve_forever(course, port=args.port)


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import APPS, serve_forever

    return serve_forever(_course(args), port=args.port, app=APPS[args.app])


def cmd_portal_codes(args: argparse.Namespace) -> int:
    from .portal import issue_codes
    from .slips import write_slips

    course = _course(args)
    rows = issue_codes(course, args.assignment, args.class_name, renew=args.renew)
    pdf = Path(args.pdf) if args.pdf else course.root / f"phieu_{args.assignment}.pdf"
    write_slips(rows, pdf, f"Bài: {args.assignment}", course.config.school)
    for row in rows:
        print(f"  {row['class_name']:<6} {row['full_name']:<32} {row['code']}")
    print(f"Đã cấp mã cho {len(rows)} học sinh; phiếu để in: {pdf}")
    print("Mở cổng cho học sinh: nanglucso serve --app cong-hoc-sinh")
    return 0


# --- parser ----------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nanglucso",
        description="Đánh giá năng lực số học sinh theo Thông tư 02/2025/TT-BGDĐT.",
    )
    sub = parser.add_subparsers(dest="command", metavar="LỆNH")

    p = sub.add_parser("framework", help="in khung năng lực số")
    p.add_argument("--json", action="store_true", help="xuất JSON cho máy đọc")
    p.set_defaults(handler=cmd_framework)

    bank = sub.add_parser("bank", help="ngân hàng câu hỏi").add_subparsers(dest="bank_command", metavar="LỆNH")
    p = bank.add_parser("validate", help="kiểm tra mọi tệp câu hỏi")
    p.add_argument("path", nargs="?", help="thư mục hoặc tệp (mặc định: assessments/bank)")
    p.set_defaults(handler=cmd_bank_validate)
    p = bank.add_parser("stats", help="đếm câu theo năng lực × bậc")
    p.add_argument("path", nargs="?")
    p.add_argument("--json", action="store_true")
    p.add_argument("--chart", metavar="TỆP.png", help="vẽ thêm biểu đồ độ phủ vào tệp PNG")
    p.set_defaults(handler=cmd_bank_stats)
    task = sub.add_parser("task", help="bài thực hành").add_subparsers(dest="task_command", metavar="LỆNH")
    p = task.add_parser("validate", help="kiểm tra mọi bài thực hành và thang chấm tay")
    p.add_argument("path", nargs="?", help="thư mục bài thực hành (mặc định: assessments/tasks)")
    p.set_defaults(handler=cmd_task_validate)
    p = task.add_parser("try", help="thử chấm bài thực hành thật qua nbgrader (lời giải được đủ điểm, bỏ trống 0)")
    p.add_argument("ids", nargs="*", help="mã bài (mặc định: mọi bài)")
    p.add_argument("--path", help="thư mục bài thực hành (mặc định: assessments/tasks)")
    p.set_defaults(handler=cmd_task_try)

    def with_course(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--course", metavar="THƯ_MỤC", help="thư mục khoá học (mặc định: thư mục hiện tại)")
        return p

    course = sub.add_parser("course", help="khoá học").add_subparsers(dest="course_command", metavar="LỆNH")
    p = course.add_parser("init", help="tạo thư mục khoá học")
    p.add_argument("dir", help="thư mục sẽ tạo")
    p.add_argument("--id", help="mã khoá học (mặc định: tên thư mục)")
    p.add_argument("--school", help="tên trường")
    p.set_defaults(handler=cmd_course_init)

    roster = sub.add_parser("roster", help="danh sách lớp").add_subparsers(dest="roster_command", metavar="LỆNH")
    p = with_course(roster.add_parser("import", help="nhập danh sách lớp từ Excel (.xlsx) hoặc CSV"))
    p.add_argument("file")
    p.set_defaults(handler=cmd_roster_import)

    p = with_course(sub.add_parser("build", help="tạo bài từ cấu trúc đề (blueprint)"))
    p.add_argument("blueprint")
    p.set_defaults(handler=cmd_build)

    p = with_course(sub.add_parser("release", help="phát bài cho học sinh qua nbgrader"))
    p.add_argument("assignment")
    p.set_defaults(handler=cmd_release)

    p = with_course(sub.add_parser("grade", help="thu bài, chấm tự động bằng nbgrader, xếp bậc"))
    p.add_argument("assignment")
    p.add_argument("--sync", action="store_true",
                   help="chỉ đọc lại điểm chấm tay từ formgrader và xếp bậc lại (không chấm lại)")
    p.set_defaults(handler=cmd_grade)

    p = with_course(sub.add_parser("results", help="bậc năng lực của từng học sinh"))
    p.add_argument("assignment")
    p.add_argument("--scope", choices=["domain", "competency"], default="domain")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_results)

    p = with_course(sub.add_parser("simulate", help="học sinh mô phỏng làm bài (để thử)"))
    p.add_argument("assignment")
    p.add_argument("--seed", type=int, default=2026)
    p.set_defaults(handler=cmd_simulate)

    p = sub.add_parser("demo", help="chạy trọn một vòng đánh giá ở trường demo rồi mở trang kết quả")
    p.add_argument("dir", nargs="?", default="demo_school", help="thư mục khoá học demo (mặc định: demo_school)")
    p.add_argument("--no-serve", action="store_true", help="không mở trang kết quả sau khi chạy")
    p.add_argument("--port", type=int, default=8866)
    p.set_defaults(handler=cmd_demo)

    p = with_course(sub.add_parser("serve", help="mở trang kết quả hoặc trang luyện tập (Voila)"))
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--app", choices=["ket-qua", "luyen-tap", "cong-hoc-sinh"], default="ket-qua",
                   help="ket-qua: kết quả cho giáo viên; luyen-tap: học sinh tự luyện, có phản hồi từng câu; "
                        "cong-hoc-sinh: cổng làm bài cho học sinh (vào bằng mã trên phiếu)")
    p.set_defaults(handler=cmd_serve)

    portal = sub.add_parser("portal", help="cổng làm bài trên trình duyệt").add_subparsers(
        dest="portal_command", metavar="LỆNH")
    p = with_course(portal.add_parser("codes", help="cấp mã vào bài và in phiếu (PDF) cho học sinh"))
    p.add_argument("assignment")
    p.add_argument("--class", dest="class_name", metavar="LỚP", help="chỉ một lớp (mặc định: mọi lớp)")
    p.add_argument("--renew", action="store_true", help="cấp mã mới thay mã cũ")
    p.add_argument("--pdf", metavar="TỆP.pdf", help="tệp phiếu (mặc định: phieu_<bài>.pdf trong khoá học)")
    p.set_defaults(handler=cmd_portal_codes)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except ContentError as exc:
        for problem in exc.problems:
            print(f"LỖI {problem}", file=sys.stderr)
        return 1
    except KitError as exc:
        print(f"LỖI: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
