"""nanglucso: digital competence assessment kit for Vietnamese schools (Thông tư 02/2025/TT-BGDĐT)."""

import os
import sys
from pathlib import Path

__version__ = "0.1.0"

# nbgrader runs `alembic` (and Jupyter runs kernels) by name: a virtual environment used without
# being activated must still find its own tools first.
_bin = str(Path(sys.executable).parent)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")
