"""The `nanglucso` command: thin argument parsing over the kit's modules; messages in Vietnamese."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from .errors import ContentError, KitError

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
    from .paths import shipped

    root = Path(args.path) if args.path else shipped("assessments") / "bank"
    try:
        bank = load_bank(root)
    except ContentError as exc:
        for problem in exc.problems:
            print(f"LỖI {problem}", file=sys.stderr)
        print(f"\n{len(exc.problems)} lỗi. Sửa các dòng trên rồi chạy lại 'nanglucso bank validate'.",
              file=sys.stderr)
        return 1
    print(f"Hợp lệ: {len(bank)} câu hỏi trong {len(bank_files(root))} tệp ({root}).")
    return 0


def cmd_bank_stats(args: argparse.Namespace) -> int:
    from .bank import load_bank, stats
    from .paths import shipped

    root = Path(args.path) if args.path else shipped("assessments") / "bank"
    result = stats(load_bank(root))
    if args.json:
        _print_json(result)
        return 0
    levels = result["levels"]
    print(f"Số câu theo năng lực × bậc ({result['total']} câu)\n")
    print("năng lực " + "".join(f"{lvl:>6}" for lvl in levels))
    no_stmt = {(n["competency"], n["level"]) for n in result["no_statement"]}
    for comp, row in result["matrix"].items():
        cells = "".join(f"{'—' if (comp, lvl) in no_stmt else row[lvl]:>6}" for lvl in levels)
        print(f"{comp:<9}{cells}")
    print("\nTheo loại câu: " + ", ".join(f"{k} {v}" for k, v in result["by_type"].items()))
    if result["gaps"]:
        print("Ô còn trống: " + ", ".join(f"{g['competency']}/{g['level']}" for g in result["gaps"]))
    for n in result["no_statement"]:
        print(f"— {n['note_vi']}")
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
    p.set_defaults(handler=cmd_bank_stats)
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
