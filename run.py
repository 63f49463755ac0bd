#!/usr/bin/env python3
"""Quick start for a fresh machine with only Python 3.11+ and pip.

    python3 run.py demo    # the demo school: roster, build, release, students, grading, levels, served
    python3 run.py test    # the test suite

Both create ./.venv on first use and install the kit into it (again whenever pyproject.toml changes);
extra arguments are passed on (e.g. `python3 run.py demo --no-serve`, `python3 run.py test -k bank`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_env() -> Path:
    """Create the virtual environment and install the kit with its test tools, once per pyproject."""
    python = BIN / ("python.exe" if os.name == "nt" else "python")
    stamp = VENV / ".nanglucso-installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not python.exists():
        print("Tạo môi trường Python riêng (.venv)…", flush=True)
        venv.create(VENV, with_pip=True)
    if not stamp.exists() or stamp.read_text() != wanted:
        print("Cài nanglucso và các thư viện (lần đầu mất khoảng một phút)…", flush=True)
        subprocess.check_call([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
        subprocess.check_call([str(python), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"])
        # JupyterLab opens in Vietnamese (the language pack is a dependency).
        subprocess.check_call([str(python), "-m", "nanglucso.lab_locale"], stdout=subprocess.DEVNULL)
        stamp.write_text(wanted)
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__)
        return 2
    python = ensure_env()
    env = {**os.environ, "PATH": str(BIN) + os.pathsep + os.environ.get("PATH", "")}
    if argv[0] == "demo":
        command = [str(python), "-m", "nanglucso.cli", "demo", *argv[1:]]
    else:
        # pytest from the venv, run from the checkout (so no folder of it shadows an installed module).
        command = [str(BIN / "pytest"), *argv[1:]]
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
