"""Access slips for the portal as a PDF: ten per A4 page, cut along the lines, one per pupil."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402

PER_PAGE = 10


def write_slips(rows: list[dict[str, Any]], path: Path, title: str, school: str = "", address: str = "") -> Path:
    """One slip per row (full_name, class_name, code); written to a temporary file then renamed."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".pdf", dir=path.parent)
    os.close(fd)
    try:
        with PdfPages(tmp) as pdf:
            for start in range(0, len(rows), PER_PAGE):
                fig = plt.figure(figsize=(8.27, 11.69))  # A4
                for k, row in enumerate(rows[start:start + PER_PAGE]):
                    col, line = k % 2, k // 2
                    x0, y0 = 0.04 + col * 0.48, 0.98 - (line + 1) * 0.19
                    fig.patches.append(plt.Rectangle((x0, y0), 0.44, 0.17, fill=False, linestyle="--",
                                                     linewidth=0.8, transform=fig.transFigure, figure=fig))
                    fig.text(x0 + 0.02, y0 + 0.145, school, fontsize=8, color="#555")
                    fig.text(x0 + 0.02, y0 + 0.12, title, fontsize=9, weight="bold")
                    fig.text(x0 + 0.02, y0 + 0.085, row["full_name"], fontsize=13)
                    fig.text(x0 + 0.02, y0 + 0.06, f"Lớp {row['class_name']}", fontsize=10)
                    fig.text(x0 + 0.02, y0 + 0.02, "Mã:", fontsize=11)
                    fig.text(x0 + 0.09, y0 + 0.015, row["code"], fontsize=24, family="monospace", weight="bold")
                    if address:
                        fig.text(x0 + 0.26, y0 + 0.025, address, fontsize=7, color="#555")
                pdf.savefig(fig)
                plt.close(fig)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
