"""Install layout: one package, widgets inside it, environment.yml agreeing with pyproject.toml."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).parent.parent


def _name(spec: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*(.*)$", spec)
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))]
    pip = [d for part in env["dependencies"] if isinstance(part, dict) for d in part.get("pip", []) if d != "-e ."]
    assert sorted(map(_name, project["dependencies"])) == sorted(map(_name, conda + pip))


def test_jupyterlab_speaks_vietnamese():
    from jupyterlab_server.translation_utils import get_language_pack, get_language_packs

    packs, _ = get_language_packs("vi_VN")
    assert "vi_VN" in packs
    bundle, _ = get_language_pack("vi_VN")
    assert bundle["jupyterlab"]["Settings"] == ["Cài đặt"]


def test_default_locale_is_written_beside_other_overrides(tmp_path):
    import json

    from nanglucso.lab_locale import PLUGIN, set_default_locale

    path = tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}))
    assert set_default_locale(tmp_path) == path
    data = json.loads(path.read_text())
    assert data[PLUGIN] == {"locale": "vi_VN"} and "@jupyterlab/apputils-extension:themes" in data


def test_widgets_belong_to_the_package_and_no_bare_widgets_module(tmp_path):
    code = ("import importlib.util, nanglucso.widgets as w; "
            "print(w.__name__, importlib.util.find_spec('widgets'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["nanglucso.widgets", "None"]


def test_console_command_and_quick_start_agree_with_ci():
    bindir = Path(sys.executable).parent
    assert (bindir / "nanglucso").exists()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 run.py demo" in readme and "python3 run.py test" in readme
    assert "python3 run.py test" in ci


def test_ruff_clean():
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "."], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert out.returncode == 0, out.stdout[-3000:]
