"""Real Chromium (Debian's package) driven by Playwright; never a downloaded browser."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from nanglucso.serve import voila_command

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def need_chromium() -> None:
    """Skip on a developer machine without Chromium; in CI a missing browser is a failure."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("CI has no Chromium: .ci/run must install Debian's chromium package")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


@contextmanager
def chromium_page(width: int = 1200, height: int = 900):
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=30).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@contextmanager
def voila(notebook: Path, env: dict[str, str] | None = None):
    """A real Voila server on loopback for one notebook; yields its base URL."""
    port = free_port()
    proc = subprocess.Popen(voila_command(notebook, port), env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_http(url)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def teacher_server(course):
    """The teacher server (every app, behind the course's token) on loopback; yields its base URL and token."""
    from nanglucso.access_token import course_token
    from nanglucso.serve import start

    port = free_port()
    token = course_token(course)
    proc = start(course, port=port)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_http(url + "login")
        yield url, token
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def poll(check, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)
