"""The `nanglucso` command: thin argument parsing over the kit's modules; messages in Vietnamese."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import OperationalError as DatabaseUnreachable

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
    # Only what was given: the defaults (SQLite files and exchange inside the course folder) stay implicit.
    where = {k: v for k, v in (("database", args.database), ("gradebook", args.gradebook),
                               ("exchange", args.exchange)) if v}
    course = init_course(root, args.id or root.resolve().name, school=args.school or "", **where)
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
        report = grade(course, args.assignment, progress=text_bar, workers=args.workers,
                       kernel_free=not args.nbgrader_only)
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
    if report.kernel_free:
        print(f"({report.kernel_free} bài trắc nghiệm được chấm không cần kernel; sổ điểm nbgrader ghi như autograde.)")
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


def cmd_report_school(args: argparse.Namespace) -> int:
    from .aggregate import write_aggregate
    from .report_export import indicator_lines, reports_dir, school_pdf, school_workbook
    from .school import load_school

    course = _course(args)
    data = load_school(course)
    folder = reports_dir(course)
    stem = f"bao_cao_nang_luc_so_{course.school_year}"
    xlsx = school_workbook(course, Path(args.xlsx) if args.xlsx else folder / f"{stem}.xlsx", data)
    pdf = school_pdf(course, Path(args.pdf) if args.pdf else folder / f"{stem}.pdf", data, number=args.number or "")
    csv = write_aggregate(course, Path(args.csv) if args.csv else
                          folder / f"tong_hop_{course.course_id}_{course.school_year}.csv")
    for line in indicator_lines(data):
        print(line)
    print(f"Đã ghi:\n  {xlsx}\n  {pdf}\n  {csv} (gửi Sở: chỉ số đếm, không có tên học sinh)")
    return 0


def cmd_report_class(args: argparse.Namespace) -> int:
    from .class_report import class_report
    from .item_stats import flag_summary

    course = _course(args)
    rep = class_report(course, args.assignment, args.class_name)
    print(f"{rep.school} · lớp {rep.class_name} · {rep.title}: {rep.assessed}/{len(rep.roster)} học sinh có kết quả,"
          f" bậc mong đợi {rep.expected}")
    for row in rep.domain_share.itertuples(index=False):
        print(f"  Miền {row.code} {row.name}: {row.ready}/{row.n} = {row.share * 100:.0f}%")
    if not rep.support.empty:
        print("Cần hỗ trợ: " + "; ".join(f"{r['Họ và tên']} ({r['Lí do']})" for _, r in rep.support.iterrows()))
    if rep.items is not None:
        for line in flag_summary(rep.items):
            print("  " + line)
    return 0


def cmd_relatives_import(args: argparse.Namespace) -> int:
    from .relatives import import_excel

    n = import_excel(_course(args), Path(args.file), recorded_by=args.by or "")
    print(f"Đã ghi nhận {n} lần học sinh hỗ trợ người thân từ {args.file}.")
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
    from .serve import APPS, default_base_url, is_pupil_app, serve_forever

    app = APPS[args.app]
    args.base_url = args.base_url or default_base_url()
    if is_pupil_app(app) and (args.token is not None or args.new_token):
        print("Trang của học sinh không dùng mã truy cập: học sinh vào bằng mã trên phiếu.", file=sys.stderr)
        return 2
    if args.token is not None and not args.token.strip():
        print("Mã truy cập không được để trống.", file=sys.stderr)
        return 2
    prefix = args.base_url if args.base_url.endswith("/") else args.base_url + "/"
    if not prefix.startswith("/"):
        print("Tiền tố đường dẫn (--base-url) phải bắt đầu bằng '/', ví dụ /services/nanglucso/.", file=sys.stderr)
        return 2
    return serve_forever(_course(args), port=args.port, ip=args.ip, app=app, token=args.token,
                         new_token=args.new_token, prefix=prefix)


def cmd_background(args: argparse.Namespace) -> int:
    """The portal or the formgrader as a server that outlives the command (as the teacher console starts it)."""
    from .background import NAMES, start_server, stop_server

    course = _course(args)
    name = NAMES[args.server]
    if args.stop:
        print(f"Đã đóng {name}." if stop_server(course, args.server) else f"{name.capitalize()} không chạy.")
        return 0
    info = start_server(course, args.server, ip=args.ip)
    print(f"{name.capitalize()} đang chạy (từ {info['started']}): {info['url']}")
    return 0


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


def cmd_rollup(args: argparse.Namespace) -> int:
    from .paths import shipped
    from .rollup import expand_paths, read_aggregates
    from .targets import load_targets

    files = expand_paths(args.files)
    targets = load_targets(Path(args.rubrics) if args.rubrics else shipped("rubrics"))
    print(f"Đọc {len(files)} tệp của các trường...")
    frame = read_aggregates(files, progress=text_bar if len(files) > 1 else None)
    from .rollup_report import make_report, summary_lines  # matplotlib only once the files are good

    report = make_report(frame, args.by, Path(args.out), targets, files=len(files))
    for line in summary_lines(report):
        print(line)
    return 0


# --- "Đại sứ số học đường" -------------------------------------------------------------------------


def cmd_ambassadors_import(args: argparse.Namespace) -> int:
    from .ambassador_inputs import import_candidates_excel

    n = import_candidates_excel(_course(args), Path(args.file), recorded_by=args.by or "")
    print(f"Đã nhập {n} ứng viên Đại sứ số học đường từ {args.file}.")
    print("Bước tiếp theo: chấm theo tiêu chí ở trang Hội đồng (nanglucso serve) hoặc trên phiếu Excel "
          "(nanglucso ambassadors sheet), rồi: nanglucso ambassadors rank")
    return 0


def cmd_ambassadors_sheet(args: argparse.Namespace) -> int:
    from .ambassador_sheets import ratings_template
    from .report_export import reports_dir

    course = _course(args)
    path = Path(args.out) if args.out else reports_dir(course) / f"phieu_danh_gia_dai_su_so_{course.school_year}.xlsx"
    ratings_template(course, path, rater=args.rater or "")
    print(f"Đã ghi phiếu đánh giá: {path}")
    print("Người đánh giá ghi mức vào từng cột tiêu chí, rồi: nanglucso ambassadors ratings TỆP")
    return 0


def cmd_ambassadors_ratings(args: argparse.Namespace) -> int:
    from .ambassador_sheets import import_ratings_excel

    n = import_ratings_excel(_course(args), Path(args.file), rater=args.rater or "")
    print(f"Đã nhập {n} điểm theo tiêu chí từ {args.file}.")
    return 0


def cmd_ambassadors_rank(args: argparse.Namespace) -> int:
    from .ambassador_export import load_committee, main_strengths, robustness_sentence
    from .ambassador_policy import vn_number

    data = load_committee(_course(args), recorded_by="dòng lệnh")
    ranking = data.ranking
    if args.json:
        _print_json({
            "school_year": data.school_year, "policy_fingerprint": ranking.policy_fingerprint,
            "selected": list(ranking.selected_ids),
            "outcomes": [{"student_id": o.student_id, "full_name": o.candidate.full_name,
                          "class_name": o.candidate.class_name, "eligible": o.eligible,
                          "gates": {g.criterion: g.passed for g in o.gates},
                          "scores": {s.criterion: {"value": s.value, "weight": s.weight} for s in o.scores},
                          "total": o.total, "class_rank": o.class_rank, "school_rank": o.school_rank,
                          "selected": o.selected, "reason": o.reason, "flags": list(o.flags),
                          "strengths": main_strengths(o) if o.selected else ""} for o in ranking.outcomes],
            "disagreements": [d.message() for d in ranking.disagreements],
            "robustness": {"stable": data.robust.stable, "summary": data.robust.summary(data.names)},
        })
        return 0
    if not ranking.outcomes:
        print(f"Chưa có ứng viên năm học {data.school_year}: chạy 'nanglucso ambassadors import TỆP.xlsx' trước.")
        return 0
    for cls, outcomes in ranking.by_class().items():
        print(f"Lớp {cls}")
        for o in outcomes:
            place = f"{o.class_rank}." if o.class_rank else "–"
            total = vn_number(round(o.total, 3))
            print(f"  {place:>3} {o.candidate.full_name:<28} {total:>6}  {'✓' if o.selected else '✗'} {o.reason}")
    for d in ranking.disagreements:
        print(f"! {d.message()}")
    print(robustness_sentence(data))
    print(f"Chính sách: dấu vân tay {ranking.policy_fingerprint}")
    print("Lưu quyết định và xuất danh sách, biên bản: nanglucso ambassadors export --by \"TÊN NGƯỜI QUYẾT ĐỊNH\"")
    return 0


def cmd_ambassadors_export(args: argparse.Namespace) -> int:
    from datetime import date, datetime

    from .ambassador_export import PAPERS, Meeting, load_committee, paper_path
    from .ambassador_inputs import save_selection

    course = _course(args)
    held_on = date.today()
    if args.date:
        try:
            held_on = datetime.strptime(args.date.strip(), "%d/%m/%Y").date()
        except ValueError:
            raise KitError(f"ngày họp '{args.date}' không đúng dạng NGÀY/THÁNG/NĂM, ví dụ 15/05/2027") from None
    data = load_committee(course, recorded_by=args.by or "dòng lệnh")
    if args.by:
        n = save_selection(course, data.ranking, decided_by=args.by)
        data = load_committee(course)
        print(f"Đã lưu quyết định: {n} em, do {args.by}.")
    members = [m.strip() for m in (args.members or "").split(";") if m.strip()] or list(data.raters)
    meeting = Meeting(held_on=held_on, chair=args.chair or course.config.principal, secretary=args.secretary or "",
                      members=members, notes=args.notes or "")
    written = [writer(course, paper_path(course, stem, writer, data.school_year), data, meeting)
               for _label, stem, writer in PAPERS]
    print("Đã ghi:\n" + "\n".join(f"  {path}" for path in written))
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
    p.add_argument("--database", metavar="URL", help="cơ sở dữ liệu của bộ công cụ (mặc định sqlite:///nanglucso.db; "
                   "máy chủ trường: postgresql+psycopg://NGƯỜI_DÙNG:MẬT_KHẨU@MÁY:5432/TÊN_CSDL)")
    p.add_argument("--gradebook", metavar="URL", help="sổ điểm của nbgrader (mặc định sqlite:///gradebook.db)")
    p.add_argument("--exchange", metavar="THƯ_MỤC",
                   help="kho trao đổi của nbgrader (mặc định: trong thư mục khoá học; "
                        "JupyterHub: /srv/nbgrader/exchange)")
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
    p.add_argument("--workers", type=int, metavar="N", help="số tiến trình chấm song song (mặc định: số lõi CPU)")
    p.add_argument("--nbgrader-only", action="store_true",
                   help="chạy mọi bài qua nbgrader autograde (mỗi bài một kernel), kể cả bài trắc nghiệm")
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

    p = with_course(sub.add_parser("serve", help="mở các trang Voila: của giáo viên (cần mã truy cập) hoặc học sinh"))
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--ip", default="127.0.0.1",
                   help="địa chỉ nghe (mặc định 127.0.0.1: chỉ máy này); 0.0.0.0: mọi máy trong mạng của trường")
    p.add_argument("--app", choices=["ket-qua", "luyen-tap", "cong-hoc-sinh"], default="ket-qua",
                   help="ket-qua: mọi trang cho giáo viên và hiệu trưởng, cần mã truy cập; luyen-tap: học sinh "
                        "tự luyện, có phản hồi từng câu; cong-hoc-sinh: cổng làm bài cho học sinh (vào bằng mã "
                        "trên phiếu)")
    p.add_argument("--base-url", default=None, metavar="TIỀN_TỐ",
                   help="tiền tố đường dẫn của các trang, ví dụ /services/nanglucso/ khi chạy như một dịch vụ của "
                        "JupyterHub (mặc định: biến JUPYTERHUB_SERVICE_PREFIX do JupyterHub đặt, nếu không thì /)")
    token = p.add_mutually_exclusive_group()
    token.add_argument("--token", metavar="MÃ", help="dùng mã truy cập này cho lần chạy này (không lưu)")
    token.add_argument("--new-token", action="store_true",
                       help="cấp mã truy cập mới và lưu lại (địa chỉ cũ trong dấu trang hết dùng được)")
    p.set_defaults(handler=cmd_serve)

    report = sub.add_parser("report", help="báo cáo lớp và báo cáo nhà trường (Excel, PDF, CSV gửi Sở)")\
        .add_subparsers(dest="report_command", metavar="LỆNH")
    p = with_course(report.add_parser("school", help="báo cáo năm của nhà trường: Excel, PDF, CSV gửi Sở"))
    p.add_argument("--xlsx", metavar="TỆP.xlsx")
    p.add_argument("--pdf", metavar="TỆP.pdf")
    p.add_argument("--csv", metavar="TỆP.csv", help="tệp tổng hợp gửi Sở (không có tên học sinh)")
    p.add_argument("--number", metavar="SỐ", help='số văn bản, ví dụ "Số: 12/BC-THCS"')
    p.set_defaults(handler=cmd_report_school)
    p = with_course(report.add_parser("class", help="tóm tắt báo cáo một lớp"))
    p.add_argument("assignment")
    p.add_argument("--class", dest="class_name", metavar="LỚP", required=True)
    p.set_defaults(handler=cmd_report_class)

    relatives = sub.add_parser("nguoi-than", help="mô hình “Mỗi học sinh – Một người thân số hóa”")\
        .add_subparsers(dest="relatives_command", metavar="LỆNH")
    p = with_course(relatives.add_parser("import", help="nhập ghi nhận từ tệp Excel (Mã học sinh, Ngày, "
                                                         "Người thân, Tiện ích số)"))
    p.add_argument("file")
    p.add_argument("--by", metavar="NGƯỜI_GHI", help="người ghi nhận, ví dụ GVCN 6A1")
    p.set_defaults(handler=cmd_relatives_import)

    portal = sub.add_parser("portal", help="cổng làm bài trên trình duyệt").add_subparsers(
        dest="portal_command", metavar="LỆNH")
    p = with_course(portal.add_parser("codes", help="cấp mã vào bài và in phiếu (PDF) cho học sinh"))
    p.add_argument("assignment")
    p.add_argument("--class", dest="class_name", metavar="LỚP", help="chỉ một lớp (mặc định: mọi lớp)")
    p.add_argument("--renew", action="store_true", help="cấp mã mới thay mã cũ")
    p.add_argument("--pdf", metavar="TỆP.pdf", help="tệp phiếu (mặc định: phieu_<bài>.pdf trong khoá học)")
    p.set_defaults(handler=cmd_portal_codes)
    p = with_course(portal.add_parser("open", help="mở cổng làm bài chạy nền (đóng cửa sổ này thì cổng vẫn chạy)"))
    p.add_argument("--ip", default="127.0.0.1", help="0.0.0.0 để các máy khác trong trường vào được")
    p.set_defaults(handler=cmd_background, server="cong-hoc-sinh", stop=False)
    p = with_course(portal.add_parser("close", help="đóng cổng làm bài đang chạy nền"))
    p.set_defaults(handler=cmd_background, server="cong-hoc-sinh", stop=True, ip="127.0.0.1")
    p = with_course(sub.add_parser("formgrader", help="mở formgrader của nbgrader (chấm tay) cho khoá học, chạy nền"))
    p.add_argument("--stop", action="store_true", help="đóng formgrader đang chạy")
    p.add_argument("--ip", default="127.0.0.1", help="0.0.0.0 để mở từ máy khác trong trường")
    p.set_defaults(handler=cmd_background, server="formgrader")

    p = sub.add_parser("rollup", help="gộp tệp tổng hợp của nhiều trường thành bảng, biểu đồ cho xã và tỉnh")
    p.add_argument("files", nargs="+", metavar="TỆP",
                   help="các tệp .csv của trường (có thể dùng mẫu *.csv) hoặc thư mục chứa chúng")
    p.add_argument("--by", choices=["xa", "tinh"], default="xa",
                   help="xa: bảng và biểu đồ theo từng xã (mặc định); tinh: theo cấp học toàn tỉnh")
    p.add_argument("--out", default="tong_hop", metavar="THƯ_MỤC",
                   help="thư mục ghi tong_hop.xlsx, biểu đồ .png và bảng .csv (mặc định: tong_hop)")
    p.add_argument("--rubrics", metavar="THƯ_MỤC", help="thư mục có chi_tieu.yaml (mặc định: rubrics của bộ kit)")
    p.set_defaults(handler=cmd_rollup)

    amb = sub.add_parser("ambassadors", help="xét chọn “Đại sứ số học đường”: ứng viên, xếp hạng, biên bản")\
        .add_subparsers(dest="ambassadors_command", metavar="LỆNH")
    p = with_course(amb.add_parser("import", help="nhập ứng viên từ tệp Excel của GVCN (Mã học sinh, Tự nguyện, "
                                                  "Đồng ý của cha mẹ, Xác nhận của GVCN, Kết quả rèn luyện)"))
    p.add_argument("file")
    p.add_argument("--by", metavar="NGƯỜI_GHI", help="người ghi nhận, ví dụ GVCN 6A1")
    p.set_defaults(handler=cmd_ambassadors_import)
    p = with_course(amb.add_parser("sheet", help="in phiếu đánh giá Excel: các ứng viên, một cột cho mỗi tiêu chí "
                                                 "chấm theo thang"))
    p.add_argument("--out", metavar="TỆP", help="tệp .xlsx (mặc định: bao_cao/phieu_danh_gia_dai_su_so_NĂM.xlsx)")
    p.add_argument("--rater", metavar="TÊN", help="điền sẵn tên người đánh giá")
    p.set_defaults(handler=cmd_ambassadors_sheet)
    p = with_course(amb.add_parser("ratings", help="nhập điểm theo tiêu chí từ phiếu đánh giá Excel đã điền"))
    p.add_argument("file")
    p.add_argument("--rater", metavar="TÊN", help="người đánh giá, cho các dòng không ghi tên")
    p.set_defaults(handler=cmd_ambassadors_ratings)
    p = with_course(amb.add_parser("rank", help="xếp hạng theo rubrics/dai_su_so.yaml, có lí do của từng em"))
    p.add_argument("--json", action="store_true", help="xuất JSON cho máy đọc")
    p.set_defaults(handler=cmd_ambassadors_rank)
    p = with_course(amb.add_parser("export", help="xuất danh sách đề nghị công nhận và biên bản họp (Excel, PDF) "
                                                  "vào bao_cao/"))
    p.add_argument("--by", metavar="TÊN", help="lưu quyết định theo kết quả xếp hạng hiện tại, do người này")
    p.add_argument("--date", metavar="NGÀY", help="ngày họp, dạng 15/05/2027 (mặc định: hôm nay)")
    p.add_argument("--chair", metavar="TÊN", help="chủ tịch hội đồng (mặc định: hiệu trưởng trong cấu hình)")
    p.add_argument("--secretary", metavar="TÊN", help="thư ký")
    p.add_argument("--members", metavar="TÊN;TÊN", help="thành viên dự họp, cách nhau bởi dấu ; "
                                                       "(mặc định: những người đã chấm)")
    p.add_argument("--notes", metavar="VĂN_BẢN", help="kết luận của hội đồng về các ý kiến chênh lệch")
    p.set_defaults(handler=cmd_ambassadors_export)
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
    except DatabaseUnreachable as exc:
        # A PostgreSQL server that is down or refuses the login: the teacher's to fix, not a traceback.
        print(f"LỖI: không dùng được cơ sở dữ liệu: kiểm tra máy chủ PostgreSQL đang chạy và các mục database, "
              f"gradebook trong nanglucso.yaml ({str(exc.orig or exc).strip().splitlines()[0]}). "
              "/ The database cannot be used.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
