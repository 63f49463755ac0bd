"""How fast the class report and the school dashboard are usable in a real browser.

    python benchmarks/report_speed.py [--class-size 40] [--students 2000] [--items 60] [--runs 3]

A synthetic graded school (tests/synthetic_school.py: Rasch answers, levels by the kit's own rule, baseline
and end-of-year rounds) is served by the real teacher server; Debian's Chromium opens each app and the time
from the request to the page being usable is printed (the chart shown and the controls answering), for
each run and as the median. Targets (issue 4): class report for 40 students ≤ 5 s; school dashboard for
2,000 students × 60 items ≤ 5 s. The in-process time of each app's own computation is printed too.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))

from tests.browser import ARGS, CHROMIUM, teacher_server  # noqa: E402
from tests.synthetic_school import make_school  # noqa: E402


def time_page(page, url: str, ready) -> float:
    started = time.monotonic()
    page.goto(url)
    ready(page)
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=40)
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from nanglucso.widgets.reports import ClassReportApp, SchoolDashboardApp
    from playwright.sync_api import expect, sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        course = make_school(Path(tmp) / "truong", args.students, args.items, class_size=args.class_size)
        print(f"Trường tổng hợp: {args.students} học sinh, lớp {args.class_size} em, {args.items} câu × 2 đợt "
              f"(tạo trong {time.monotonic() - started:.1f} s)")
        app = ClassReportApp(course)
        print(f"Tính báo cáo lớp trong tiến trình: {app.seconds:.2f} s ({app.report.assessed} học sinh)")
        dash = SchoolDashboardApp(course)
        print(f"Tính bảng tổng hợp trường trong tiến trình: {dash.seconds:.2f} s")

        def class_ready(page) -> None:
            page.get_by_role("combobox", name="Lớp:").wait_for(timeout=120_000)
            expect(page.locator(".nls-report img").first).to_be_visible(timeout=120_000)
            expect(page.get_by_role("tab", name="Câu hỏi")).to_be_enabled()

        def school_ready(page) -> None:
            expect(page.locator(".nls-report img").first).to_be_visible(timeout=120_000)
            expect(page.get_by_role("tab", name="Xuất báo cáo")).to_be_enabled()

        results = {}
        with teacher_server(course) as (url, token), sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            for name, app_file, ready in (("Báo cáo lớp", "bao_cao_lop.ipynb", class_ready),
                                          ("Bảng tổng hợp trường", "bao_cao_truong.ipynb", school_ready)):
                times = []
                for _ in range(args.runs):
                    page = browser.new_page(viewport={"width": 1200, "height": 1000})
                    times.append(time_page(page, f"{url}voila/render/{app_file}?token={token}", ready))
                    page.close()
                results[name] = times
            browser.close()
        print()
        for name, times in results.items():
            med = statistics.median(times)
            verdict = "ĐẠT" if med <= 5.0 else "CHƯA ĐẠT"
            print(f"{name}: dùng được sau {', '.join(f'{t:.2f}' for t in times)} s; trung vị {med:.2f} s "
                  f"(mục tiêu ≤ 5 s: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
