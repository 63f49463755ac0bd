"""The Sở's roll-up at province scale: many schools' aggregate CSVs → tables, charts and the workbook.

    .venv/bin/python benchmarks/rollup_load.py [--students 400000] [--seed 2026]

Writes synthetic aggregates (one CSV per school, as `nanglucso` exports them) for N students — about 1,000
per school, 10 schools in each commune (5 TH, 4 THCS, 1 THPT), communes split over 2 provinces, classes of
about 35, two rounds, every indicator — into a temporary folder. Then times the CLI end
to end as a subprocess (``nanglucso rollup FOLDER``), and, in this process, read_aggregates + rollup +
charts + workbook (``make_report``). Printed: wall time and peak memory of each against the targets (< 10 s,
< 2 GiB). Peak memory is the peak resident set size (``getrusage(...).ru_maxrss``): of the child for the
CLI, of this process for the in-process run (so it includes Python, pandas and matplotlib themselves and
the generation beforehand).
"""

from __future__ import annotations

import argparse
import csv
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))

from nanglucso.aggregate import COLUMNS  # noqa: E402
from nanglucso.paths import shipped  # noqa: E402
from nanglucso.targets import school_level  # noqa: E402

TARGET_SECONDS = 10.0
TARGET_MIB = 2048.0
SCHOOLS_PER_COMMUNE = 10
LEVEL_MIX = ["TH"] * 5 + ["THCS"] * 4 + ["THPT"]  # roughly Viet Nam's mix of schools per commune
GRADES = {"TH": range(1, 6), "THCS": range(6, 10), "THPT": range(10, 13)}
SIZE = {"TH": 0.8, "THCS": 1.0, "THPT": 1.6}  # a THPT is bigger than a primary school
COMPETENCIES = ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "3.1", "3.2", "3.3", "3.4",
                "4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "5.4", "6.1", "6.2", "6.3"]
PROVINCES = {"Ninh Bình": "NB", "Hà Nam": "HN"}


def write_synthetic(folder: Path, students: int, seed: int = 2026, year: str = "2026-2027") -> list[Path]:
    """One aggregate CSV per school (UTF-8 with BOM) for about ``students`` pupils; returns the files."""
    rng = np.random.default_rng(seed)
    n_schools = max(3, round(students / 1000))
    n_communes = math.ceil(n_schools / SCHOOLS_PER_COMMUNE)
    levels = [LEVEL_MIX[i % len(LEVEL_MIX)] for i in range(n_schools)]
    weights = np.array([SIZE[lvl] for lvl in levels])
    sizes = np.maximum(30, np.round(weights / weights.sum() * students)).astype(int)
    paths = []
    for s, (level, size) in enumerate(zip(levels, sizes, strict=True)):
        commune = s // SCHOOLS_PER_COMMUNE
        province = list(PROVINCES)[commune * len(PROVINCES) // n_communes]
        quality = rng.uniform(0.45, 0.95)
        grades = list(GRADES[level])
        per_grade = rng.multinomial(size, [1 / len(grades)] * len(grades))
        name = f"Trường {level} số {s + 1}"
        base = [f"{PROVINCES[province]}{s + 1:05d}", name, f"Xã {commune + 1:03d}", province, year]
        rows = []
        for grade, pupils in zip(grades, per_grade, strict=True):
            classes = max(1, round(pupils / 35))
            for rnd, gain in [("dau_nam", 0.0), ("cuoi_nam", 0.1)]:
                for domain in range(1, 7):
                    met = rng.binomial(pupils, min(1.0, quality + gain - 0.05 * (domain == 6)))
                    rows.append([*base, rnd, level, grade, "mien", str(domain), "hoc_sinh", pupils, met])
                for comp in COMPETENCIES:
                    met = rng.binomial(pupils, min(1.0, quality + gain + rng.uniform(-0.1, 0.05)))
                    rows.append([*base, rnd, level, grade, "nang_luc", comp, "hoc_sinh", pupils, met])
            helped = 0.25 if level == "TH" else 0.55 if level == "THCS" else 0.8
            rows.append([*base, "", level, grade, "trang_bi", "", "hoc_sinh", pupils,
                         rng.binomial(pupils, min(1.0, quality + 0.08))])
            rows.append([*base, "", level, grade, "nguoi_than", "", "hoc_sinh", pupils,
                         rng.binomial(pupils, min(1.0, helped * rng.uniform(0.7, 1.3)))])
            rows.append([*base, "", level, grade, "lop_dai_su", "", "lop", classes, rng.binomial(classes, 0.7)])
            assert school_level(grade) == level
        path = folder / f"tong_hop_{base[0]}_{year}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(rows)
        paths.append(path)
    return paths


def verdict(seconds: float, mib: float) -> str:
    ok = seconds < TARGET_SECONDS and mib < TARGET_MIB
    return f"{'ĐẠT' if ok else 'CHƯA ĐẠT'} (mục tiêu < {TARGET_SECONDS:g} s và < {TARGET_MIB / 1024:g} GiB)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=400_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nls-rollup-") as tmp:
        data = Path(tmp) / "tep_truong"
        data.mkdir()
        t0 = time.perf_counter()
        files = write_synthetic(data, args.students, args.seed)
        size_mib = sum(p.stat().st_size for p in files) / 2**20
        print(f"Dữ liệu: {len(files)} tệp ({size_mib:.1f} MiB) tạo trong {time.perf_counter() - t0:.1f} s")

        # The CLI first, while this process is small: a child's peak RSS (RUSAGE_CHILDREN) counts what it
        # shared with this process when forked. close_fds=False and no cwd let Python use posix_spawn (vfork).
        out = Path(tmp) / "cli"
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "nanglucso.cli", "rollup", str(data), "--out", str(out)],
                              capture_output=True, text=True, close_fds=False)
        cli_seconds = time.perf_counter() - t0
        cli_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1

        from nanglucso.rollup import read_aggregates
        from nanglucso.rollup_report import make_report
        from nanglucso.targets import load_targets

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        frame = read_aggregates(files)
        t_read = time.perf_counter() - t0
        report = make_report(frame, "xa", Path(tmp) / "trong_tien_trinh", load_targets(shipped("rubrics")),
                             files=len(files))
        seconds = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        pupils = int(report.units["so_hoc_sinh"].sum())
        print(f"{len(frame):,} dòng, {pupils:,} học sinh, {frame['ma_truong'].nunique()} trường, "
              f"{report.communes[['tinh', 'xa']].drop_duplicates().shape[0]} xã, {len(report.charts)} biểu đồ")
        print(f"Trong tiến trình (read_aggregates + bảng + biểu đồ + sổ Excel): {seconds:.2f} s, trong đó đọc "
              f"{t_read:.2f} s; RSS đỉnh {peak:.0f} MiB (ru_maxrss; {rss_before:.0f} MiB trước khi đọc) — "
              f"{verdict(seconds, peak)}")
        print(f"Lệnh nanglucso rollup (tiến trình con, kể cả khởi động Python và nạp thư viện): {cli_seconds:.2f} s; "
              f"RSS đỉnh {cli_peak:.0f} MiB (ru_maxrss của tiến trình con) — {verdict(cli_seconds, cli_peak)}")
        print("\n".join(line for line in done.stdout.splitlines() if "\r" not in line and "[" not in line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
