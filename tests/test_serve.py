"""`nanglucso serve` for a school lab: the teacher server behind the course's token, pupil servers open but
alone, no file of the course and no notebook source over HTTP, a Vietnamese look, nothing fetched from the
internet (real Voila servers, real Chromium)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from nanglucso.access_token import course_token, token_path
from nanglucso.cli import main as cli_main
from nanglucso.course import Course
from nanglucso.grade import grade
from nanglucso.portal import issue_codes
from nanglucso.release import build, release
from nanglucso.responses import SUFFIX
from nanglucso.roster import import_roster
from nanglucso.serve import PORTAL_APP, RESULTS_APP, start, teacher_urls

from .browser import chromium_page, free_port, teacher_server, wait_http
from .conftest import BLUEPRINT, ROSTER, make_course, write_roster_xlsx
from .test_roundtrip import STRONG

KIT = Path(__file__).parent.parent
APPS = KIT / "voila_apps"
ARTIFACTS = KIT / "test-artifacts"
# Text that only a notebook's source holds, never its rendered page.
SOURCE_MARKERS = ('"cell_type"', "from nanglucso", "NANGLUCSO_COURSE")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Course, str]:
    """A course as a school has it: a roster file, a gradebook, a pupil's responses file, graded."""
    from nanglucso.widgets.portal import PortalApp

    course = make_course(tmp_path_factory.mktemp("serve") / "khoa_hoc")
    (course.root / "rosters").mkdir(exist_ok=True)
    import_roster(course, write_roster_xlsx(course.root / "rosters" / "danh_sach_6A.xlsx", ROSTER))
    built = build(course, BLUEPRINT)
    release(course, built.assignment)
    code = {r["student_id"]: r["code"] for r in issue_codes(course, built.assignment)}["HS001"]
    app = PortalApp(course)  # a portal sitting in this process: no kernel, the cheapest graded submission
    app.klass.value = "6A1"
    app.code.value = code
    app.try_login()
    app.open_sitting()
    exec(STRONG, {"bai": app.sitting})
    app.confirm()
    app.submit()
    assert grade(course, built.assignment).results
    return course, built.assignment


def course_files(course: Course) -> list[Path]:
    """Every file of the course that must stay private: databases, settings, rosters, answers, the token."""
    files = [course.root / name for name in ("gradebook.db", "nanglucso.db", "nanglucso.yaml")]
    files += sorted((course.root / "rosters").glob("*.xlsx"))
    files += sorted(course.root.glob(f"*/*/*/*{SUFFIX}"))  # portal/, submitted/, autograded/
    files.append(token_path(course))
    return files


def get(url: str) -> tuple[int, str, str]:
    """Status, final address (after redirects) and body of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=120) as resp:
            return resp.status, resp.geturl(), resp.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, url, ""


def with_token(path: str, token: str) -> str:
    return path + ("&" if "?" in path else "?") + f"token={token}" if token else path


def file_paths(files: list[Path]) -> list[str]:
    """Ways to ask a Voila server for these files: every route it has, with and without path traversal."""
    up = "..%2F" * 16  # from any served folder up to "/"
    paths = []
    for f in files:
        absolute = str(f).lstrip("/").replace("/", "%2F")
        relative = os.path.relpath(f, APPS)
        paths += [f"voila/files/{relative.replace('/', '%2F')}", f"voila/files/{relative}", f"voila/files//{absolute}",
                  f"files/{f.name}", f"api/contents/{f.name}", f"voila/api/contents/{up}{absolute}",
                  f"voila/render/{up}{absolute}", f"voila/tree/{up}{absolute}", f"voila/static/{up}{absolute}",
                  f"voila/templates/nanglucso/static/{up}{absolute}", f"voila/labextensions/{up}{absolute}",
                  f"voila/api/themes/{up}{absolute}"]
    return paths


def source_paths(notebook: str) -> list[str]:
    return [f"voila/files/{notebook}", f"files/{notebook}", f"api/contents/{notebook}", f"notebooks/{notebook}",
            f"voila/tree/{notebook}", f"voila/static/..%2F..%2F..%2F..%2F..%2F..%2Fvoila_apps%2F{notebook}",
            f"nbconvert/notebook/{notebook}", f"voila/nbconvert/{notebook}"]


def assert_refused(base: str, paths: list[str], token: str = "") -> None:
    for path in paths:
        status, final, body = get(base + with_token(path, token))
        # Voila's template-static route meets a "../" path with an AssertionError: a 500 that reads nothing.
        refused = (403, 404, 500) if path.startswith("voila/templates/") else (403, 404)
        assert status in refused or "/login" in final, (path, status, body[:200])


def assert_no_source(base: str, paths: list[str], token: str) -> None:
    """Pages that do answer (a rendered app, the listing API) carry no source."""
    for path in paths:
        status, _, body = get(base + with_token(path, token))
        assert status in (200, 403, 404), (path, status)
        assert not any(marker in body for marker in SOURCE_MARKERS), path


def test_the_course_token_is_private_kept_and_renewed(tmp_path):
    course = make_course(tmp_path / "khoa")
    first = course_token(course)
    path = token_path(course)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(first) >= 24 and course_token(course) == first  # the same on every start: bookmarks keep working
    renewed = course_token(course, renew=True)
    assert renewed != first and course_token(course) == renewed
    path.chmod(0o644)  # a course copied with lax modes
    course_token(course)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    urls = teacher_urls("127.0.0.1", 8866, renewed)
    assert urls["Danh sách trang"] == f"http://127.0.0.1:8866/?token={renewed}"
    assert urls["Báo cáo lớp"] == f"http://127.0.0.1:8866/voila/render/{RESULTS_APP}?token={renewed}"


def test_pupil_servers_refuse_token_options(tmp_path, capsys):
    course = make_course(tmp_path / "khoa")
    for extra in (["--token", "abc"], ["--new-token"]):
        assert cli_main(["serve", "--course", str(course.root), "--app", "cong-hoc-sinh", *extra]) == 2
    assert "không dùng mã truy cập" in capsys.readouterr().err
    assert not token_path(course).exists()


def test_teacher_server_needs_the_token_and_serves_no_course_file(graded):
    course, _ = graded
    with teacher_server(course) as (url, token):
        # Without the token (or with a wrong one): the list of apps and every app send to the login page.
        pages = ["", "voila/tree", f"voila/render/{RESULTS_APP}", f"voila/render/{PORTAL_APP}", "voila/api/contents"]
        assert_refused(url, pages)
        assert_refused(url, pages, token="sai-ma")
        status, final, login = get(url)
        assert status == 200 and "/login" in final and 'lang="vi"' in login and "Nhập mã truy cập" in login
        # With it: the list, in Vietnamese, and the class report, with no source.
        status, _, tree = get(with_token(url, token))
        assert status == 200 and 'lang="vi"' in tree and "Báo cáo lớp" in tree and "cdn." not in tree
        assert f"voila/render/{RESULTS_APP}?token={token}" in tree
        status, _, report = get(url + with_token(f"voila/render/{RESULTS_APP}", token))
        assert status == 200 and '<html lang="vi">' in report and "Năng lực số" in report
        assert "cdn.jsdelivr" not in report and "cdnjs" not in report
        assert not any(marker in report for marker in SOURCE_MARKERS)
        # No file of the course, by any route, even with the token; no notebook's source either.
        files = course_files(course)
        assert {f.suffix for f in files} >= {".db", ".yaml", ".xlsx", ".json"} and all(f.exists() for f in files)
        assert sum(f.name.endswith(SUFFIX) for f in files) >= 3  # portal/, submitted/, autograded/
        assert_refused(url, file_paths(files), token)
        assert_refused(url, [f"voila/files/..%2F..%2F{f.name}" for f in files], token)
        assert_refused(url, source_paths(RESULTS_APP) + source_paths(PORTAL_APP), token)
        assert_no_source(url, [f"voila/render/{RESULTS_APP}?download=1", f"voila/render/{RESULTS_APP}?format=json",
                               f"voila/render/{RESULTS_APP}?template=lab", f"voila/api/contents/{RESULTS_APP}",
                               f"voila/api/contents/{RESULTS_APP}?format=text&content=1", "voila/api/contents"],
                         token)
        status, _, listing = get(url + with_token("voila/api/contents", token))
        assert status == 200 and {item["name"] for item in json.loads(listing)["content"]} <= {
            p.name for p in APPS.glob("*.ipynb")}  # the kit's apps only, never a course file


def test_a_pupil_server_needs_no_token_and_serves_only_its_notebook(graded):
    course, _ = graded
    port = free_port()
    proc = start(course, port=port, app=PORTAL_APP)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_http(url + "voila/static/index.css")
        status, _, page = get(url)
        assert status == 200 and '<html lang="vi">' in page and "Cổng làm bài" in page
        assert not any(marker in page for marker in SOURCE_MARKERS)
        assert_refused(url, [f"voila/render/{RESULTS_APP}", RESULTS_APP, "voila/tree", "voila/api/contents"])
        assert_refused(url, file_paths(course_files(course)) + source_paths(PORTAL_APP) + source_paths(RESULTS_APP))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_command_prints_addresses_that_open_the_pages(graded):
    course, _ = graded
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "nanglucso.cli", "serve", "--course", str(course.root),
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines = []
        while not lines or not lines[-1].startswith("Mã truy cập"):
            line = proc.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        report = next(line.split()[-1] for line in lines if line.strip().startswith("Báo cáo lớp:"))
        assert report == f"http://127.0.0.1:{port}/voila/render/{RESULTS_APP}?token={course_token(course)}"
        assert str(token_path(course)) in lines[-1]
        wait_http(f"http://127.0.0.1:{port}/login")
        status, final, page = get(report)
        assert status == 200 and "/login" not in final and '<html lang="vi">' in page
    finally:
        proc.send_signal(signal.SIGINT)  # what Ctrl+C does: the command stops its Voila server too
        assert proc.wait(timeout=60) == 0


def test_pages_in_chromium_are_vietnamese_and_use_no_internet(graded):
    course, _ = graded
    with teacher_server(course) as (url, token), chromium_page(height=1400) as page:
        requests: list[str] = []
        fonts: dict[str, int] = {}
        page.on("request", lambda r: requests.append(r.url))
        page.on("response", lambda r: fonts.__setitem__(r.url, r.status) if "/webfonts/" in r.url else None)
        # A teacher without the token lands on the login page, types it, and gets the list of apps.
        page.goto(url)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "serve_dang_nhap.png"))
        page.get_by_label("Mã truy cập").fill(token)
        page.get_by_role("button", name="Vào trang").click()
        page.get_by_role("link", name="Báo cáo lớp").wait_for(timeout=30_000)
        assert page.evaluate("document.documentElement.lang") == "vi"
        page.screenshot(path=str(ARTIFACTS / "serve_danh_sach_trang.png"), full_page=True)
        # The class report, from the printed address.
        page.goto(url + f"voila/render/{RESULTS_APP}?token={token}")
        page.wait_for_function("document.getElementById('loading') === null", timeout=120_000)
        assert page.evaluate("document.documentElement.lang") == "vi"
        assert page.title().startswith("Báo cáo lớp")
        page.get_by_text("Năng lực số", exact=False).first.wait_for(timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / "serve_bao_cao_lop.png"), full_page=True)
        # Icons by the Font Awesome 4 names ipywidgets uses render from the local font.
        glyphs = page.evaluate("""async () => {
            const out = {};
            for (const name of ["check", "folder"]) {
                const i = document.createElement("i");
                i.className = "fa fa-" + name;
                document.body.appendChild(i);
                const style = getComputedStyle(i, "::before");
                out[name] = [style.content, style.fontFamily];
            }
            await document.fonts.ready;
            out.loaded = document.fonts.check('900 16px "Font Awesome 6 Free"');
            return out;
        }""")
        assert glyphs["check"][0] == '"\uf00c"' and glyphs["folder"][0] == '"\uf07b"', glyphs
        assert "Font Awesome 6 Free" in glyphs["check"][1] and glyphs["loaded"], glyphs
    hosts = {urlparse(r).hostname for r in requests if not r.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, sorted(r for r in requests if urlparse(r).hostname != "127.0.0.1")
    solid = [u for u in fonts if u.endswith("/fa-solid-900.woff2")]
    assert solid and all(fonts[u] in (200, 304) for u in solid), fonts
    assert all(urlparse(u).path.startswith("/voila/templates/nanglucso/static/fontawesome/") for u in fonts), fonts


def test_every_app_has_a_vietnamese_name_in_the_template():
    """The page list and each page's top bar name every app in Vietnamese (not by its file name)."""
    import re

    import nanglucso
    from nanglucso.paths import shipped

    templates = Path(nanglucso.__file__).parent / "data" / "voila" / "templates" / "nanglucso"
    macro = (templates / "nanglucso.macro.html.j2").read_text("utf-8")
    named = set(re.findall(r'^\s+"(\w+)": \(', macro, flags=re.M))
    apps = {p.stem for p in shipped("voila_apps").glob("*.ipynb")}
    assert apps and apps <= named, apps - named
