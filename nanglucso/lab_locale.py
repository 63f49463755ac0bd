"""Make Vietnamese JupyterLab's default language in an environment (students can still switch it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

PLUGIN = "@jupyterlab/translation-extension:plugin"


def set_default_locale(prefix: Path | None = None, locale: str = "vi_VN") -> Path:
    """Write JupyterLab's settings overrides in ``prefix`` (default: this Python's), keeping other overrides."""
    path = Path(prefix or sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except json.JSONDecodeError:
        data = {}
    data.setdefault(PLUGIN, {})["locale"] = locale
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(set_default_locale())
