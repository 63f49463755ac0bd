"""Grading a whole school: stock `nbgrader autograde` against `nanglucso grade` on the same submissions.

A synthetic school of N pupils sits a 30-item quiz from the kit's bank; answers are drawn from a Rasch model
with known abilities (item difficulty from its level), with some blanks and some answers of the wrong type.
The submissions are written where nbgrader's collect leaves them. Two identical copies of the course are graded:
one by `nbgrader autograde ASSIGNMENT` (one process, a kernel per submission: nbgrader has no parallel option),
one by `nanglucso grade ASSIGNMENT`. Printed: both wall times, the ratio, the peak memory of each process tree,
and whether every gradebook row (every item score of every student, flags, timestamps) is identical.

    python benchmarks/grade_speed.py                      # 1,500 pupils, stock nbgrader on all of them
    python benchmarks/grade_speed.py --stock-sample 150   # stock on the first 150 only, time per pupil × N

With --stock-sample the stock time for N pupils is extrapolated from the sample (said so in the output) and the
gradebooks are compared on the sample's pupils; the kit always grades all N.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nanglucso.bank import load_bank  # noqa: E402
from nanglucso.course import init_course, open_course  # noqa: E402
from nanglucso.framework import load_framework  # noqa: E402
from nanglucso.paths import ITEMS_SUFFIX  # noqa: E402
from nanglucso.release import build, release  # noqa: E402
from nanglucso.simulate import right_answer, wrong_answer  # noqa: E402
from tests.test_fast_grade import WRONG_TYPES, dump  # noqa: E402

BLUEPRINT = {  # 24 competencies at the expected level + domains 1 and 6 one level above: 30 items
    "id": "truong-lop6", "title": "Khảo sát năng lực số — khối 6", "grade": 6, "form": "baseline",
    "mode": "exam", "time_limit_minutes": 40, "seed": 2026, "notebook": "bai_danh_gia",
    "sections": [{"competencies": "all", "level": "expected", "count": 1},
                 {"competencies": "all", "domains": ["1", "6"], "level": "above", "count": 1}],
}
BLANK, WRONG_TYPE = 0.05, 0.02


def school(root: Path, n: int, seed: int = 7) -> tuple[str, str, int]:
    """The course with N submissions in submitted/; returns (assignment, notebook, items)."""
    course = init_course(root, "truong")
    bp = root / "blueprint.yaml"
    bp.write_text(yaml.safe_dump(BLUEPRINT, allow_unicode=True), encoding="utf-8")
    built = build(course, bp)
    release(course, built.assignment)
    manifest = json.loads(next((course.source / built.assignment).glob(f"*{ITEMS_SUFFIX}")).read_text())
    notebook = next((course.source / built.assignment).glob(f"*{ITEMS_SUFFIX}")).name[: -len(ITEMS_SUFFIX)]
    bank, fw = load_bank(course.bank_root()), load_framework()
    items = [bank.items[i["id"]] for i in manifest["items"]]
    rng = random.Random(seed)
    released = course.root / "release" / built.assignment
    for s in range(n):
        student = f"HS{s + 1:05d}"
        theta = rng.gauss(fw.rank("TC1"), 1.2)  # the pupil's ability on the level scale
        answers = {}
        for item in items:
            r = rng.random()
            if r < BLANK:
                continue
            if r < BLANK + WRONG_TYPE:
                answers[item.id] = {"value": WRONG_TYPES[item.type], "at": "2026-12-05T08:00:00+00:00"}
                continue
            right = rng.random() < 1 / (1 + math.exp(-(theta - fw.rank(item.level))))
            answers[item.id] = {"value": right_answer(item) if right else wrong_answer(item, rng),
                                "at": "2026-12-05T08:00:00+00:00"}
        folder = course.root / "submitted" / student / built.assignment
        shutil.copytree(released, folder)
        (folder / f"{notebook}.responses.json").write_text(json.dumps(
            {"format": 1, "student": student, "notebook": notebook, "answers": answers}, ensure_ascii=False))
        (folder / "timestamp.txt").write_text(f"2026-12-05 08:{s // 60 % 60:02d}:{s % 60:02d}.000000 UTC")
    return built.assignment, notebook, len(items)


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (from /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, StopIteration):
            continue
    return total


def timed(command: list[str], cwd: Path) -> tuple[float, int, str]:
    """(wall seconds, peak resident memory of the whole process tree, output tail)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = [0]

    def watch() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss(proc.pid))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, _ = proc.communicate()
    watcher.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{out[-3000:]}")
    return time.perf_counter() - started, peak[0], out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1500)
    parser.add_argument("--stock-sample", type=int, default=0, help="stock nbgrader on only this many pupils")
    parser.add_argument("--workers", type=int, default=0, help="nanglucso grade --workers (default: cores)")
    parser.add_argument("--keep", action="store_true", help="keep the course folders")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    tmp = Path(tempfile.mkdtemp(prefix="nanglucso-grade-"))
    try:
        t = time.perf_counter()
        assignment, _nb, n_items = school(tmp / "goc", args.students)
        print(f"Trường tổng hợp: {args.students} học sinh × {n_items} câu, bài nộp tạo trong "
              f"{time.perf_counter() - t:.0f} s ({os.cpu_count()} lõi CPU)", flush=True)
        stock_root, kit_root = tmp / "nbgrader", tmp / "nanglucso"
        for copy in (kit_root, stock_root):
            shutil.copytree(tmp / "goc", copy)
            # nbgrader's own command reads the gradebook path from nbgrader_config.py: point it at this copy.
            cfg = copy / "nbgrader_config.py"
            cfg.write_text(cfg.read_text(encoding="utf-8").replace(str(tmp / "goc"), str(copy)), encoding="utf-8")
        sample = args.stock_sample if 0 < args.stock_sample < args.students else args.students
        if sample < args.students:
            for extra in sorted((stock_root / "submitted").iterdir())[sample:]:
                shutil.rmtree(extra)
        stock_s, stock_mem, _ = timed([str(bin_dir / "nbgrader"), "autograde", assignment, "--force"], stock_root)
        print(f"nbgrader autograde: {sample} bài trong {stock_s:.1f} s ({stock_s / sample * 1000:.0f} ms/bài), "
              f"bộ nhớ đỉnh {stock_mem / 2**20:.0f} MiB", flush=True)
        command = [sys.executable, "-m", "nanglucso.cli", "grade", assignment, "--course", str(kit_root)]
        if args.workers:
            command += ["--workers", str(args.workers)]
        kit_s, kit_mem, out = timed(command, kit_root)
        kernel_free = next((line for line in out.splitlines() if "không cần kernel" in line), "").strip()
        per = kit_s / args.students * 1000
        print(f"nanglucso grade:    {args.students} bài trong {kit_s:.1f} s ({per:.1f} ms/bài), "
              f"bộ nhớ đỉnh {kit_mem / 2**20:.0f} MiB {kernel_free}", flush=True)
        stock_full = stock_s / sample * args.students
        label = "" if sample == args.students else \
            f" (ước tính từ {sample} bài: {stock_s:.1f} s × {args.students}/{sample})"
        print(f"nbgrader cho {args.students} bài: {stock_full:.0f} s{label}")
        print(f"Nhanh hơn: {stock_full / kit_s:.1f} lần")
        a, b = dump(open_course(stock_root).gradebook_url), dump(open_course(kit_root).gradebook_url)
        ids = {row[0] for row in a["student"]}
        b = {k: [r for r in rows if r[0] in ids or (k == "submission" and r[1] in ids)] for k, rows in b.items()}
        same = a == b
        print(f"Sổ điểm nbgrader giống hệt nhau ({len(a['grade'])} điểm câu của {len(ids)} học sinh, cờ chấm tay, "
              f"thời điểm nộp): {'CÓ' if same else 'KHÔNG'}")
        if not same:
            for k in a:
                diff = [(x, y) for x, y in zip(a[k], b[k], strict=False) if x != y][:3]
                if diff or len(a[k]) != len(b[k]):
                    print(f"  {k}: {len(a[k])} / {len(b[k])} dòng, ví dụ {diff}")
            raise SystemExit(1)
    finally:
        if args.keep:
            print(f"Giữ thư mục: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
