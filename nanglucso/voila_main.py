"""Run Voila with the kit's Vietnamese template: ``python -m nanglucso.voila_main VOILA-ARGUMENTS``.

Voila finds a template, and the static files it serves for it, only on the Jupyter path. This launcher puts
the template shipped in the package on that path, plus a copy of Font Awesome (from XStatic-Font-Awesome)
as static files of the same template, so icons come from this server and pages work with no internet.
It also takes the teacher server's token from the environment, out of the command line (``ps`` shows it to
every user of the machine) and out of the kernels' environment.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

TEMPLATE = "nanglucso"
# A Jupyter data root inside the package: voila/templates/nanglucso/...
DATA_ROOT = Path(__file__).resolve().parent / "data"
TEMPLATE_DIR = DATA_ROOT / "voila" / "templates" / TEMPLATE
TOKEN_ENV = "NANGLUCSO_SERVE_TOKEN"


def font_awesome_root(dest: Path) -> Path:
    """Make ``dest`` a Jupyter data root whose only content is Font Awesome, as the template's static files.

    A copy, not a link: Tornado refuses to serve a symlink that leads out of the static folder.
    """
    from xstatic.pkg import font_awesome

    src = Path(font_awesome.BASE_DIR)
    static = dest / "voila" / "templates" / TEMPLATE / "static" / "fontawesome"
    (static / "css").mkdir(parents=True)
    for css in (src / "css").glob("*.min.css"):
        shutil.copy2(css, static / "css" / css.name)
    shutil.copytree(src / "webfonts", static / "webfonts")
    shutil.copy2(src / "LICENSE.txt", static / "LICENSE.txt")
    return dest


def server_templates():
    """Templates for jupyter_server's own pages (login, logout, errors): the kit's Vietnamese ones first."""
    import jinja2
    from jupyter_server import DEFAULT_TEMPLATE_PATH_LIST

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(TEMPLATE_DIR), *DEFAULT_TEMPLATE_PATH_LIST]),
        extensions=["jinja2.ext.i18n"],
        autoescape=True,
    )
    env.install_null_translations(newstyle=False)  # jupyter_server's own templates use {% trans %}
    return env


def main(argv: list[str] | None = None) -> int:
    from voila.app import Voila

    token = os.environ.pop(TOKEN_ENV, "")
    with tempfile.TemporaryDirectory(prefix="nanglucso-voila-") as tmp:
        roots = [str(DATA_ROOT), str(font_awesome_root(Path(tmp)))]
        if os.environ.get("JUPYTER_PATH"):
            roots.append(os.environ["JUPYTER_PATH"])
        os.environ["JUPYTER_PATH"] = os.pathsep.join(roots)
        Voila.launch_instance(
            sys.argv[1:] if argv is None else argv,
            # An empty token turns authentication off: the pupils' servers, where pupils log in with codes.
            token=token or None,
            tornado_settings={"jinja2_env": server_templates()},
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
