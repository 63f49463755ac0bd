"""The report charts (matplotlib figures), shared by the Voila apps and the PDF and Excel exports."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display on a lab server; Voila shows the PNGs

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

BLUE, GREEN, ORANGE, RED, GREY = "#1d4e89", "#2e7d32", "#ef6c00", "#c62828", "#9e9e9e"


def pct(v: float) -> str:
    """A share as a whole percent (0.725 → '72%'), '–' for none: the one label of charts, tables and reports."""
    return "–" if pd.isna(v) else f"{v * 100:.0f}%"


def share_bars(labels: list[str], shares: list[float], title: str,
               target: float | list[float | None] | None = None,
               xlabel: str = "% học sinh đạt bậc mong đợi") -> Figure:
    """Horizontal bars of shares (0..1), labelled in %, with a target: one line for all bars, or one mark
    per bar (green bars meet their target, orange ones do not)."""
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(labels) + 1.3))
    values = [0 if pd.isna(v) else v * 100 for v in shares]
    per_bar = target if isinstance(target, list) else [target] * len(values)
    colors = [BLUE if t is None or pd.isna(t) else GREEN if v >= t * 100 - 1e-9 else ORANGE
              for v, t in zip(values, per_bar, strict=True)]
    ax.barh([lbl[:60] for lbl in labels], values, color=colors)
    ax.set_xlim(0, 105)
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left", fontsize=11)
    ax.invert_yaxis()
    for y, v in enumerate(shares):
        ax.text(min((0 if pd.isna(v) else v * 100) + 1, 94), y, pct(v), va="center", fontsize=9)
    if isinstance(target, list):
        marks = [(t * 100, y) for y, t in enumerate(target) if t is not None and not pd.isna(t)]
        if marks:
            ax.scatter([m[0] for m in marks], [m[1] for m in marks], marker="|", s=600, color=RED, zorder=3,
                       label="chỉ tiêu")
            ax.legend(loc="lower right", fontsize=8)
    elif target is not None:
        ax.axvline(target * 100, color=RED, linestyle="--", linewidth=1.2, label=f"chỉ tiêu {target * 100:.0f}%")
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def heatmap(levels: pd.DataFrame, gaps: pd.DataFrame, title: str) -> Figure:
    """Students × competencies: each cell the level reached, coloured by its distance to the expected level."""
    n_rows, n_cols = levels.shape
    fig, ax = plt.subplots(figsize=(max(6.0, 0.55 * n_cols + 3), max(2.5, 0.3 * n_rows + 1.5)))
    # Colours by gap: ≤ −2 red, −1 orange, 0 light green, ≥ +1 green; grey where not assessed.
    cmap = ListedColormap([RED, ORANGE, "#a5d6a7", GREEN])
    values = gaps.clip(-2, 1).to_numpy(dtype=float) + 2
    ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=-0.5, vmax=3.5, aspect="auto")
    ax.set_facecolor("#eeeeee")
    ax.set_xticks(range(n_cols), list(levels.columns), fontsize=8)
    ax.set_yticks(range(n_rows), list(levels.index), fontsize=8)
    ax.xaxis.tick_top()
    for i in range(n_rows):
        for j in range(n_cols):
            ax.text(j, i, levels.iat[i, j], ha="center", va="center", fontsize=6.5)
    ax.set_title(title, loc="left", fontsize=11, pad=24)
    fig.tight_layout()
    return fig


def progress_bars(table: pd.DataFrame, label: str, title: str) -> Figure:
    """Baseline and end-of-year shares side by side, per class or per domain."""
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(table) + 1.4))
    y = np.arange(len(table))
    ax.barh(y - 0.2, table["Đầu năm"] * 100, height=0.4, color=GREY, label="Đầu năm")
    ax.barh(y + 0.2, table["Cuối năm"] * 100, height=0.4, color=BLUE, label="Cuối năm")
    ax.set_yticks(y, [str(v) for v in table[label]])
    ax.set_xlim(0, 105)
    ax.invert_yaxis()
    ax.set_xlabel("% (học sinh × miền) đạt bậc mong đợi")
    ax.set_title(title, loc="left", fontsize=11)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def png(fig: Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes (for PDF and Excel), closing it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()
