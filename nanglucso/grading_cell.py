"""What a hidden test cell calls during autograde: score one item from the responses file beside it."""

from __future__ import annotations

from pathlib import Path

from .responses import ResponsesUnreadable, read_responses, responses_path
from .scoring import score


def score_item(notebook: str, item_id: str, spec: dict) -> float:
    """Points for ``item_id``; the cell's result is nbgrader's partial credit.

    A missing or damaged responses file scores 0 here (nothing may go to stderr, which nbgrader
    would read as an error); ``nanglucso grade`` reports both cases to the teacher by name.
    """
    try:
        answers = read_responses(responses_path(Path.cwd(), notebook))
    except ResponsesUnreadable:
        return 0.0
    return score(spec, answers.get(item_id))
