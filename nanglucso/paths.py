"""Where the shipped content lives (assessments/, rubrics/, voila_apps/ of the kit's checkout)."""

from __future__ import annotations

import os
from pathlib import Path

# The kit is installed in editable mode from its checkout, so the content folders sit beside the package.
# NANGLUCSO_HOME points elsewhere when a school keeps its own copy of the content.
KIT_ROOT = Path(__file__).resolve().parent.parent
# The public manifest of a built assessment, beside its notebook: ``<notebook>.items.json`` (no key in it).
ITEMS_SUFFIX = ".items.json"


def shipped(name: str) -> Path:
    """Path of a shipped content folder such as ``assessments`` or ``rubrics``."""
    home = os.environ.get("NANGLUCSO_HOME")
    return (Path(home) if home else KIT_ROOT) / name
