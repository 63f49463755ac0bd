"""The bank's coverage as a picture: competencies × school levels, counts in the cells, gaps in red."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; no screen on a lab server

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402


def coverage_chart(result: dict[str, Any], path: Path) -> Path:
    """Write a PNG heatmap of ``stats()``'s matrix: green at or above the target, red below, grey '—'
    where the framework has no statement."""
    levels = result["levels"]
    comps = list(result["matrix"])
    target = result["target_per_cell"]
    no_stmt = {(n["competency"], n["level"]) for n in result["no_statement"]}
    grid = [[0 if (c, lvl) in no_stmt else (2 if result["matrix"][c][lvl] >= target else 1) for lvl in levels]
            for c in comps]
    tasks = result.get("tasks")
    if tasks:
        fig, (ax, tx) = plt.subplots(1, 2, figsize=(9.6, 9), gridspec_kw={"width_ratios": [5, 3]})
    else:
        fig, ax = plt.subplots(figsize=(6.4, 9))
    ax.imshow(grid, cmap=ListedColormap(["#d9d9d9", "#f4a6a6", "#a8d5a2"]), vmin=0, vmax=2, aspect="auto")
    for y, comp in enumerate(comps):
        for x, lvl in enumerate(levels):
            label = "—" if (comp, lvl) in no_stmt else str(result["matrix"][comp][lvl])
            ax.text(x, y, label, ha="center", va="center", fontsize=10)
    ax.set_xticks(range(len(levels)), levels)
    ax.set_yticks(range(len(comps)), comps)
    ax.xaxis.tick_top()
    ax.set_title(f"Ngân hàng câu hỏi: số câu theo năng lực × bậc (mục tiêu ≥ {target})", fontsize=11, pad=28)
    if tasks:
        bands = tasks["bands"]
        tgrid = [[2 if tasks["matrix"][c][b] >= 1 else 1 for b in bands] for c in comps]
        tx.imshow(tgrid, cmap=ListedColormap(["#d9d9d9", "#f4a6a6", "#a8d5a2"]), vmin=0, vmax=2, aspect="auto")
        for y, comp in enumerate(comps):
            for x, band in enumerate(bands):
                tx.text(x, y, str(tasks["matrix"][comp][band]), ha="center", va="center", fontsize=10)
        tx.set_xticks(range(len(bands)), bands)
        tx.set_yticks(range(len(comps)), comps)
        tx.xaxis.tick_top()
        tx.set_title("Bài thực hành theo trình độ (≥ 1)", fontsize=11, pad=28)
    fig.text(0.5, 0.02, "xanh: đủ · đỏ: còn thiếu · —: khung không có yêu cầu ở ô này", ha="center", fontsize=9)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
