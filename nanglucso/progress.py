"""A one-line text progress bar for long commands (grading, simulated sittings)."""

from __future__ import annotations


def text_bar(n: int, total: int, label: str) -> None:
    """Redraw ``[####....] n/total label`` in place; end the line when done."""
    width = 30
    done = int(width * n / max(total, 1))
    print(f"\r  [{'#' * done}{'.' * (width - done)}] {n}/{total} {label:<12}", end="", flush=True)
    if n == total:
        print()
