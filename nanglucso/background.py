"""Servers a teacher starts from a page and that outlive it: the pupils' portal and nbgrader's formgrader.

The portal is started by ``serve.start`` — exactly what `nanglucso serve --app cong-hoc-sinh` runs; the formgrader
is nbgrader's own, inside JupyterLab opened on the course folder (its nbgrader_config.py names the gradebook).
Each runs in a session of its own, so closing the teacher's page or culling its kernel leaves the pupils' server
running; what runs where is kept in ``<course>/.nanglucso/<name>.json`` so a later page can show it and stop it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .access_token import course_token
from .course import Course
from .errors import KitError
from .responses import atomic_write_text
from .serve import PORTAL_APP, base_url, start

PORTAL, FORMGRADER = "cong-hoc-sinh", "formgrader"
DEFAULT_PORTS = {PORTAL: 8867, FORMGRADER: 8868}
# What a live process of each kind has on its command line (a recycled pid of another program is not ours).
MARKERS = {PORTAL: "nanglucso.voila_main", FORMGRADER: "jupyterlab"}
NAMES = {PORTAL: "cổng làm bài của học sinh", FORMGRADER: "formgrader (chấm tay của nbgrader)"}


def _state(course: Course, name: str) -> Path:
    return course.root / ".nanglucso" / f"{name}.json"


def _alive(pid: int, marker: str) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return marker in cmdline


def _port(ip: str, wanted: int, taken: set[int]) -> int:
    """``wanted`` when it is free (a bookmark keeps working), else the next free one not in ``taken`` (the
    course's other server, which may not have bound its port yet)."""
    for port in range(wanted, wanted + 50):
        if port in taken:
            continue
        with socket.socket() as s:
            # As the servers do: a port left in TIME_WAIT by a stopped server counts as free.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((ip if ip not in ("", "0.0.0.0") else "0.0.0.0", port))
            except OSError:
                continue
            return port
    raise KitError(f"không còn cổng mạng trống từ {wanted} đến {wanted + 49}; đóng bớt chương trình rồi thử lại")


def status(course: Course, name: str) -> dict[str, Any] | None:
    """{pid, port, url, ip, started} of the running server, or None (a stale record is removed)."""
    path = _state(course, name)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not _alive(int(info.get("pid", 0)), MARKERS[name]):
        path.unlink(missing_ok=True)
        return None
    return info


def start_server(course: Course, name: str, ip: str = "127.0.0.1", port: int | None = None) -> dict[str, Any]:
    """Start the portal or the formgrader for this course (or return the one already running)."""
    running = status(course, name)
    if running:
        return running
    others = {int(info["port"]) for other in MARKERS if other != name and (info := status(course, other))}
    port = _port(ip, port or DEFAULT_PORTS[name], others)
    if name == PORTAL:
        if not (course.root / "release").is_dir():
            raise KitError("chưa phát bài nào: phát bài trước rồi mới mở cổng làm bài cho học sinh")
        proc = start(course, port, ip, app=PORTAL_APP, new_session=True)
        url = base_url(ip, port)
    elif name == FORMGRADER:
        token = course_token(course)
        command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", f"--ServerApp.ip={ip}",
                   f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={course.root}",
                   "--ServerApp.port_retries=0"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # a lab PC's admin account; Jupyter refuses root otherwise
        # From the course folder: nbgrader reads the course's nbgrader_config.py (gradebook, exchange) there.
        proc = subprocess.Popen(command, cwd=course.root, start_new_session=True, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        url = f"{base_url(ip, port)}formgrader?token={quote(token, safe='')}"
    else:
        raise KitError(f"không có máy chủ '{name}'; chọn {PORTAL} hoặc {FORMGRADER}")
    info = {"pid": proc.pid, "port": port, "ip": ip, "url": url, "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    _state(course, name).parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(_state(course, name), json.dumps(info, ensure_ascii=False))
    return info


def stop_server(course: Course, name: str, timeout: float = 20) -> bool:
    """Stop the server and everything it started (its kernels); False when none was running."""
    info = status(course, name)
    if info is None:
        return False
    pid = int(info["pid"])
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + timeout
    while _alive(pid, MARKERS[name]) and time.monotonic() < deadline:
        try:
            os.waitpid(pid, os.WNOHANG)  # our own child: reap it, or it lingers as a zombie
        except ChildProcessError:
            pass
        time.sleep(0.2)
    if _alive(pid, MARKERS[name]):
        os.killpg(pid, signal.SIGKILL)
    _state(course, name).unlink(missing_ok=True)
    return True
