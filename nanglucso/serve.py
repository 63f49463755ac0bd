"""Serve the kit's Voila apps for one course (local address only, sources hidden, idle kernels culled)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .course import Course
from .paths import shipped

RESULTS_APP = "ket_qua_lop.ipynb"
PRACTICE_APP = "luyen_tap.ipynb"
PORTAL_APP = "cong_hoc_sinh.ipynb"
APPS = {"ket-qua": RESULTS_APP, "luyen-tap": PRACTICE_APP, "cong-hoc-sinh": PORTAL_APP}


def voila_command(app: Path, port: int, ip: str = "127.0.0.1") -> list[str]:
    return [
        sys.executable, "-m", "voila", str(app),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--strip_sources=True",
        "--theme=light",
        # Voila never stops a closed tab's kernel by itself (voila#1458): cull idle ones.
        "--MappingKernelManager.cull_idle_timeout=900",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",
        # Under a class's load a kernel answers slowly; nbclient's 4 s default dropped pages (portal benchmark).
        "--VoilaExecutor.iopub_timeout=120",
        # nbgrader's JupyterLab extensions have nothing to do inside a Voila page.
        "--VoilaConfiguration.extension_denylist=@jupyter/nbgrader",
    ]


def start(course: Course, port: int = 8866, ip: str = "127.0.0.1", app: str = RESULTS_APP) -> subprocess.Popen:
    """Start Voila in the background; the page reads the course named by NANGLUCSO_COURSE."""
    env = {**os.environ, "NANGLUCSO_COURSE": str(course.root)}
    return subprocess.Popen(voila_command(shipped("voila_apps") / app, port, ip), env=env)


def serve_forever(course: Course, port: int = 8866, ip: str = "127.0.0.1", app: str = RESULTS_APP) -> int:
    proc = start(course, port, ip, app)
    page = {PRACTICE_APP: "luyện tập", PORTAL_APP: "cổng làm bài của học sinh"}.get(app, "kết quả")
    print(f"\nĐang phục vụ trang {page} tại http://{ip}:{port}/  (Ctrl+C để dừng)", flush=True)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=10)
        print("Đã dừng.")
        return 0
