"""The JupyterHub deployment examples (deploy/jupyterhub/) load for real, as JupyterHub and nbgrader load them,
and agree with each other and with the kit: groups and services per course, one exchange, one gradebook URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from nanglucso.cli import build_parser, cmd_serve
from nanglucso.course import NBGRADER_CONFIG, open_course

from .conftest import KIT

DEPLOY = KIT / "deploy" / "jupyterhub"
DOC = KIT / "docs" / "trien_khai_jupyterhub.md"


def load(name: str, folder: Path = DEPLOY) -> Config:
    """A config file as JupyterHub and nbgrader read it (``get_config`` is provided by the loader)."""
    return PyFileConfigLoader(name, path=str(folder)).load_config()


@pytest.fixture(scope="module")
def hub() -> Config:
    return load("jupyterhub_config.py")


@pytest.fixture(scope="module")
def course_cfg() -> Config:
    return load("nbgrader_config.py")


@pytest.fixture(scope="module")
def global_cfg() -> Config:
    return load("global_nbgrader_config.py")


def _courses(hub: Config) -> set[str]:
    return {g.removeprefix("formgrade-") for g in hub.JupyterHub.load_groups if g.startswith("formgrade-")}


def test_every_course_has_its_groups_role_and_formgrader_service(hub, global_cfg):
    courses = _courses(hub)
    assert {"nls_khoi6", "nls_khoi7"} <= courses
    groups = hub.JupyterHub.load_groups
    services = {s["name"]: s for s in hub.JupyterHub.services}
    roles = {r["name"]: r for r in hub.JupyterHub.load_roles}
    for course in courses:
        assert f"nbgrader-{course}" in groups  # the pupils of the course (nbgrader's JupyterHubAuthPlugin)
        assert f"grader-{course}" in groups[f"formgrade-{course}"]["users"]
        formgrader = services[course]  # nbgrader: the service is named after the course
        assert formgrader["command"][0] == "jupyterhub-singleuser" and formgrader["user"] == f"grader-{course}"
        assert formgrader["url"].startswith("http://127.0.0.1:")
        assert f"access:services!service={course}" in roles[f"formgrade-{course}"]["scopes"]
        assert roles[f"formgrade-{course}"]["groups"] == [f"formgrade-{course}"]
        assert course in global_cfg.NbGrader.course_titles
    ports = [s["url"].rsplit(":", 1)[1] for s in hub.JupyterHub.services]
    assert len(ports) == len(set(ports)), "two services on one port"


def test_the_voila_apps_are_hub_managed_services_running_nanglucso_serve(hub):
    services = {s["name"]: s for s in hub.JupyterHub.services}
    parser = build_parser()
    for name, app in (("nanglucso", "ket-qua"), ("cong-hoc-sinh", "cong-hoc-sinh")):
        service = services[name]
        command = service["command"]
        assert Path(command[0]).name == "nanglucso"
        args = parser.parse_args(command[1:])  # a command line the kit really accepts
        assert args.handler is cmd_serve and args.app == app
        # The hub proxies /services/<name>/ to the service's url: Voila must listen there, under that prefix.
        assert args.base_url == f"/services/{name}/"
        assert service["url"] == f"http://{args.ip}:{args.port}"
        assert Path(args.course).name in _courses(hub)


def test_one_exchange_for_the_hub_the_course_and_the_kit(course_cfg, global_cfg):
    course = open_course(DEPLOY)
    assert global_cfg.Exchange.root == course_cfg.Exchange.root == str(course.exchange) == "/srv/nbgrader/exchange"
    assert global_cfg.Exchange.path_includes_course is True and course_cfg.Exchange.path_includes_course is True
    assert global_cfg.Authenticator.plugin_class.__name__ == "JupyterHubAuthPlugin"


def test_the_gradebook_is_the_postgresql_database_of_nanglucso_yaml(course_cfg):
    course = open_course(DEPLOY)  # through the kit's own loader and checks
    assert course.course_id == course_cfg.CourseDirectory.course_id == Path(course_cfg.CourseDirectory.root).name
    assert course.gradebook_url == course_cfg.CourseDirectory.db_url
    for url in (course.db_url, course.gradebook_url):
        assert url.startswith("postgresql+psycopg://")
    assert course.db_url != course.gradebook_url
    # The kit's API on this course opens nbgrader with the same settings.
    config = course.nbgrader_config()
    assert config.CourseDirectory.db_url == course.gradebook_url
    assert config.Exchange.root == "/srv/nbgrader/exchange" and config.Exchange.path_includes_course is True


def test_the_course_config_keeps_the_kits_grading_settings(course_cfg, tmp_path):
    """The example's stubs, timeout and feedback preprocessors are those `nanglucso course init` writes."""
    (tmp_path / "nbgrader_config.py").write_text(NBGRADER_CONFIG.format(
        course_id="x", gradebook="sqlite:///g.db", exchange=""), encoding="utf-8")
    kit = load("nbgrader_config.py", tmp_path)
    for section, name in (("ClearSolutions", "code_stub"), ("ClearSolutions", "text_stub"), ("Execute", "timeout"),
                          ("GenerateFeedback", "preprocessors")):
        assert course_cfg[section][name] == kit[section][name], f"{section}.{name}"


def test_the_example_course_folder_works_with_the_cli(tmp_path):
    """`nanglucso course init` with the guide's options writes what the examples show."""
    from nanglucso.cli import main

    root = tmp_path / "nls_khoi6"
    assert main(["course", "init", str(root), "--id", "nls_khoi6", "--exchange", str(tmp_path / "exchange")]) == 0
    written = load("nbgrader_config.py", root)
    assert written.Exchange.root == str(tmp_path / "exchange") == str(open_course(root).exchange)
    assert written.Exchange.path_includes_course is True  # as the hub's global nbgrader config says
    assert open_course(root).nbgrader_config().Exchange.path_includes_course is True


def test_the_guide_names_the_files_and_settings():
    text = DOC.read_text(encoding="utf-8")
    for needle in ("jupyterhub_config.py", "global_nbgrader_config.py", "nbgrader_config.py", "nanglucso.yaml",
                   "formgrade-", "nbgrader-", "/srv/nbgrader/exchange", "c.CourseDirectory.db_url",
                   "postgresql+psycopg://", "nanglucso serve", "## English summary"):
        assert needle in text, needle


def test_voila_listens_under_the_hub_prefix(monkeypatch):
    from nanglucso.serve import HUB_PREFIX_ENV, default_base_url, teacher_urls, voila_command

    assert not any(a.startswith("--Voila.base_url") for a in voila_command(Path("apps"), 8866))
    assert "--Voila.base_url=/services/nanglucso/" in voila_command(Path("apps"), 10101,
                                                                     base_url="/services/nanglucso/")
    monkeypatch.delenv(HUB_PREFIX_ENV, raising=False)
    assert default_base_url() == "/"
    monkeypatch.setenv(HUB_PREFIX_ENV, "/services/nanglucso")  # as JupyterHub sets it for a managed service
    assert default_base_url() == "/services/nanglucso/"
    urls = teacher_urls("127.0.0.1", 10101, "abc", "/services/nanglucso/")
    assert all(u.startswith("http://127.0.0.1:10101/services/nanglucso/") for u in urls.values())
