"""Serve the kit's Voila apps for one course: sources hidden, idle kernels culled, a Vietnamese look, no CDN.

Two kinds of server, one code path:
- the teacher server (default): every app of ``voila_apps/`` behind the course's access token;
- a pupil server (``cong_hoc_sinh.ipynb``, ``luyen_tap.ipynb``): that one notebook, no token (pupils log in
  with the codes printed on their slips).
Neither serves a file of the course: Voila's root is the kit's ``voila_apps/`` folder, never the course
folder, and Voila's file route is closed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from .access_token import course_token, token_path
from .course import Course
from .paths import shipped
from .voila_main import TEMPLATE, TOKEN_ENV

RESULTS_APP = "bao_cao_lop.ipynb"
SCHOOL_APP = "bao_cao_truong.ipynb"
PRACTICE_APP = "luyen_tap.ipynb"
PORTAL_APP = "cong_hoc_sinh.ipynb"
CONSOLE_APP = "giao_vien.ipynb"
APPS = {"ket-qua": RESULTS_APP, "luyen-tap": PRACTICE_APP, "cong-hoc-sinh": PORTAL_APP}
# Served alone and open to anyone who reaches the server; every other app is a teacher's, behind the token.
PUPIL_APPS = {PRACTICE_APP: "luyện tập", PORTAL_APP: "cổng làm bài của học sinh"}
TEACHER_PAGES = {CONSOLE_APP: "Bảng điều khiển của giáo viên", RESULTS_APP: "Báo cáo lớp",
                 SCHOOL_APP: "Bảng tổng hợp của trường", "dai_su_so.ipynb": "Hội đồng Đại sứ số"}
# Set by JupyterHub for a hub-managed service ("/services/<name>/"): the pages then live under that prefix.
HUB_PREFIX_ENV = "JUPYTERHUB_SERVICE_PREFIX"
ERROR_HELP = ("Trang gặp lỗi khi chạy: hãy báo cho người quản trị phòng máy (chi tiết ở cửa sổ chạy máy chủ). "
              "An error occurred: details are in the server's log.")


def default_base_url() -> str:
    """'/' on a lab PC; behind JupyterHub, the service's prefix the hub routes to this server."""
    prefix = os.environ.get(HUB_PREFIX_ENV, "").strip() or "/"
    return prefix if prefix.endswith("/") else prefix + "/"


def voila_command(app: Path, port: int, ip: str = "127.0.0.1", base_url: str = "/") -> list[str]:
    """Voila's command line for one notebook (a pupil server) or for a folder of notebooks (the teacher server)."""
    # Behind JupyterHub's proxy every address starts with the service's prefix (/services/<name>/).
    prefix = [f"--Voila.base_url={base_url}"] if base_url != "/" else []
    return [
        sys.executable, "-m", "nanglucso.voila_main", str(app),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--strip_sources=True",
        "--theme=light",
        f"--template={TEMPLATE}",
        # Otherwise ?template=lab in an address brings back Voila's own template and its CDN links.
        "--VoilaConfiguration.allow_template_override=NO",
        "--VoilaConfiguration.allow_theme_override=NO",
        # The Jinja page lists the apps in Vietnamese (tree.html); the JupyterLab one speaks English only.
        "--VoilaConfiguration.classic_tree=True",
        "--HTMLExporter.language_code=vi",
        # Voila's /voila/files/ route needs no login: close it. The apps inline their pictures.
        "--VoilaConfiguration.file_denylist=.*",
        f"--VoilaExecutor.cell_error_instruction={ERROR_HELP}",
        # Voila never stops a closed tab's kernel by itself (voila#1458): cull idle ones.
        "--MappingKernelManager.cull_idle_timeout=900",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",
        # Kernels talk over Unix sockets, not TCP ports: with 40 pupils' kernels starting together, a port
        # picked free was taken before the kernel bound it ("Address already in use", kernel died 5 times).
        "--KernelManager.transport=ipc",
        # Under a class's load a kernel answers slowly; nbclient's 4 s default dropped pages (portal benchmark).
        "--VoilaExecutor.iopub_timeout=120",
        # nbgrader's JupyterLab extensions have nothing to do inside a Voila page.
        "--VoilaConfiguration.extension_denylist=@jupyter/nbgrader",
        *prefix,
    ]


def is_pupil_app(app: str) -> bool:
    return app in PUPIL_APPS


def start(course: Course, port: int = 8866, ip: str = "127.0.0.1", app: str = RESULTS_APP,
          token: str | None = None, base_url: str = "/", new_session: bool = False) -> subprocess.Popen:
    """Start Voila in the background; the pages read the course named by NANGLUCSO_COURSE.

    A pupil app gets a server of its own, with no token. Any other app starts the teacher server over every
    app, with ``token`` or else the course's kept token (see ``access_token.course_token``). ``new_session``:
    the server outlives the process that started it (a teacher's page, nanglucso.background), its log in
    ``<course>/.nanglucso/``.
    """
    env = {**os.environ, "NANGLUCSO_COURSE": str(course.root)}
    env.pop(TOKEN_ENV, None)
    apps = shipped("voila_apps")
    if is_pupil_app(app):
        target = apps / app
    else:
        target = apps
        env[TOKEN_ENV] = token or course_token(course)
    if not new_session:
        return subprocess.Popen(voila_command(target, port, ip, base_url), env=env)
    log = course.root / ".nanglucso" / f"{Path(app).stem}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        return subprocess.Popen(voila_command(target, port, ip, base_url), env=env, start_new_session=True,
                                stdout=out, stderr=subprocess.STDOUT)


def base_url(ip: str, port: int, prefix: str = "/") -> str:
    """The address to give people: the machine's name when the server listens on every interface."""
    host = socket.gethostname() if ip in ("", "0.0.0.0", "::") else ip
    return f"http://{host}:{port}{prefix}"


def teacher_urls(ip: str, port: int, token: str, prefix: str = "/") -> dict[str, str]:
    """Page name → address with the token, for the list of apps and each teacher page that exists."""
    query = "?token=" + quote(token, safe="")
    urls = {"Danh sách trang": base_url(ip, port, prefix) + query}
    for app, name in TEACHER_PAGES.items():
        if (shipped("voila_apps") / app).exists():
            urls[name] = f"{base_url(ip, port, prefix)}voila/render/{app}{query}"
    return urls


def serve_forever(course: Course, port: int = 8866, ip: str = "127.0.0.1", app: str = RESULTS_APP,
                  token: str | None = None, new_token: bool = False, prefix: str = "/") -> int:
    """Start a server, print where to find it, and wait for Ctrl+C (or, as a JupyterHub service, for the hub
    to stop it). ``prefix``: the path the pages live under (a hub service's /services/<name>/)."""
    given = token is not None
    if not is_pupil_app(app):
        token = token or course_token(course, renew=new_token)
    proc = start(course, port, ip, app, token=token, base_url=prefix)
    if is_pupil_app(app):
        print(f"\nĐang phục vụ trang {PUPIL_APPS[app]} tại {base_url(ip, port, prefix)}  (không cần mã truy cập; "
              "Ctrl+C để dừng)", flush=True)
    else:
        print("\nĐang phục vụ các trang cho giáo viên và cán bộ quản lý (cần mã truy cập, đã kèm trong địa chỉ):")
        urls = teacher_urls(ip, port, token, prefix)
        width = max(len(name) for name in urls) + 2
        for name, url in urls.items():
            print(f"  {name + ':':<{width}}{url}")
        kept = "chỉ cho lần chạy này" if given else f"lưu ở {token_path(course)}; đổi mã: nanglucso serve --new-token"
        print(f"Mã truy cập {kept}. Ctrl+C để dừng.", flush=True)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=10)
        print("Đã dừng.")
        return 0
