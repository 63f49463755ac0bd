"""A class opening the student portal together, on loopback: real Voila, real Chromium, real kernels.

    python benchmarks/portal_load.py [--students 40] [--items 30]

N pupils of the demo roster log in with their codes at the same moment and answer the first M questions
of the grade-6 baseline, one click (or one typed answer) per question. Printed: time to first question
(median, p95, max), the p95 time from a click to the "saved" mark, memory per session (kernel RSS), and the
count of lost answers (answers given that are not in the pupils' responses files; must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))

from nanglucso.course import init_course  # noqa: E402
from nanglucso.portal import issue_codes  # noqa: E402
from nanglucso.release import build, release  # noqa: E402
from nanglucso.responses import read_responses  # noqa: E402
from nanglucso.roster import import_roster  # noqa: E402
from nanglucso.serve import PORTAL_APP, start  # noqa: E402
from tests.browser import ARGS, CHROMIUM, free_port, wait_http  # noqa: E402


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def kernel_rss_mb(parent: int) -> list[float]:
    """RSS of the kernels Voila started (its child processes), in MiB."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().split()
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[3]) == parent and b"ipykernel" in cmd:
            rss_pages = int((entry / "statm").read_text().split()[1])
            out.append(rss_pages * os.sysconf("SC_PAGE_SIZE") / 2**20)
    return out


async def pupil(browser, url: str, row: dict, items: int, log: dict, delay: float) -> None:
    await asyncio.sleep(delay)  # pupils sit down within the ramp, not all in the same millisecond
    from playwright.async_api import TimeoutError as PageTimeout

    page = await browser.new_page(viewport={"width": 1100, "height": 1000})
    page.set_default_timeout(1_800_000)  # a loaded 2-core machine is slow, not broken: measure, don't give up
    t0 = time.monotonic()
    # A page that shows nothing for 5 minutes is reloaded, as a pupil would; the reloads are counted.
    for _attempt in range(3):
        try:
            await page.goto(url, timeout=300_000)
            await page.get_by_role("button", name="Vào bài").wait_for(timeout=300_000)
            break
        except PageTimeout:
            log["reloads"] += 1
    else:
        log["failed"].append(row["student_id"])
        await page.close()
        return
    await page.locator("select").nth(1).select_option(label=row["class_name"])
    await page.get_by_placeholder("Mã trên phiếu").fill(row["code"])
    await page.get_by_role("button", name="Vào bài").click()
    await page.get_by_role("button", name="Đúng, em vào làm bài").click(timeout=1_800_000)
    await page.get_by_text("câu 1/").wait_for(timeout=1_800_000)
    log["first"].append(time.monotonic() - t0)
    given = 0
    for n in range(items):
        card = page.locator(".nls-item").first
        t1 = time.monotonic()
        if await card.locator(".nls-choice").count():
            await card.locator(".nls-choice").first.click()
        elif await card.locator("input.widget-input, textarea").count():
            await card.locator("input.widget-input, textarea").first.fill("1")
        elif await card.locator("select").count():
            await card.locator("select").first.select_option(index=1)
        else:
            await card.locator(".nls-keep").first.click()
        await card.get_by_text("Đã lưu câu trả lời").wait_for(timeout=1_800_000)
        log["save"].append(time.monotonic() - t1)
        given += 1
        if n < items - 1:
            await page.get_by_role("button", name="Câu tiếp ▶").click()
            await page.get_by_text(f"câu {n + 2}/").wait_for(timeout=1_800_000)
    log["given"][row["student_id"]] = given
    await page.close()


async def main(students: int, items: int, ramp: float) -> None:
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory(prefix="nls-load-") as tmp:
        course = init_course(Path(tmp) / "truong", "tai")
        roster = import_roster(course, KIT / "examples" / "demo_school" / "danh_sach_lop_6.xlsx")[:students]
        built = build(course, KIT / "assessments" / "blueprints" / "lop6-dau-nam.yaml")
        release(course, built.assignment)
        rows = [r for r in issue_codes(course, built.assignment) if r["student_id"] in {s["student_id"]
                                                                                        for s in roster}]
        port = free_port()
        server = start(course, port=port, app=PORTAL_APP)
        log: dict = {"first": [], "save": [], "given": {}, "reloads": 0, "failed": []}
        try:
            wait_http(f"http://127.0.0.1:{port}/", timeout=120)
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
                started = time.monotonic()
                await asyncio.gather(*(pupil(browser, f"http://127.0.0.1:{port}/", r, items, log,
                                             ramp * k / max(1, len(rows) - 1)) for k, r in enumerate(rows)))
                wall = time.monotonic() - started
                rss = kernel_rss_mb(server.pid)
                await browser.close()
        finally:
            server.terminate()
            server.wait(timeout=60)
        lost = 0
        for r in rows:
            folder = course.root / "portal" / r["student_id"] / built.assignment
            files = list(folder.glob("*.responses.json"))
            saved = read_responses(files[0]) if files else {}
            lost += log["given"].get(r["student_id"], 0) - len(saved)
        print(f"Cổng làm bài, {len(rows)} học sinh vào trong {ramp:g} s × {items} câu, {os.cpu_count()} lõi CPU, "
              "vòng lặp nội bộ (máy chủ và mọi trình duyệt trên cùng một máy)")
        print(f"  thời gian tới câu đầu tiên: trung vị {statistics.median(log['first']):.1f} s, "
              f"p95 {p95(log['first']):.1f} s, lâu nhất {max(log['first']):.1f} s")
        print(f"  từ lúc bấm tới khi hiện 'Đã lưu': trung vị {statistics.median(log['save']) * 1000:.0f} ms, "
              f"p95 {p95(log['save']) * 1000:.0f} ms ({len(log['save'])} câu trả lời)")
        print(f"  bộ nhớ mỗi phiên (kernel): trung bình {statistics.mean(rss):.0f} MiB, "
              f"tổng {sum(rss):.0f} MiB cho {len(rss)} kernel")
        print(f"  câu trả lời bị mất: {lost}")
        print(f"  trang phải tải lại (không hiện gì sau 5 phút): {log['reloads']}; học sinh không vào được sau 3 lần: "
              f"{len(log['failed'])}; học sinh làm đủ {items} câu: "
              f"{sum(1 for v in log['given'].values() if v == items)}/{len(rows)}")
        print(f"  thời gian cả lớp làm xong: {wall:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--ramp", type=float, default=60.0, help="giây để cả lớp lần lượt vào (mặc định 60)")
    args = parser.parse_args()
    asyncio.run(main(args.students, args.items, args.ramp))
