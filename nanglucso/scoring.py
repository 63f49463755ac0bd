"""Score one response against one item's key spec: pure functions, one per item type.

The key spec is what ``Item.key_spec()`` returns; it lives only in the hidden test cells of the
teacher's source notebook and in nbgrader's gradebook, never in what a student receives.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from .text import nfc


def _single(spec: dict, value: Any) -> float:
    return 1.0 if value == spec["key"] else 0.0


def _multiple(spec: dict, value: Any) -> float:
    if not isinstance(value, list):
        return 0.0
    chosen, key = set(value), set(spec["key"])
    right, wrong = len(chosen & key), len(chosen - key)
    return max(0.0, (right - wrong) / len(key))


def _true_false(spec: dict, value: Any) -> float:
    return 1.0 if isinstance(value, bool) and value == spec["key"] else 0.0


def normalise_text(text: str, case_sensitive: bool, spaces: str) -> str:
    """The comparison form of a short answer: NFC, then the item's case and spacing rules."""
    text = nfc(text).strip()
    if spaces == "collapse":
        text = re.sub(r"\s+", " ", text)
    elif spaces == "ignore":
        text = re.sub(r"\s+", "", text)
    return text if case_sensitive else text.casefold()


def _short_text(spec: dict, value: Any) -> float:
    if not isinstance(value, str) or not value.strip():
        return 0.0
    form = lambda s: normalise_text(s, spec["case_sensitive"], spec["spaces"])  # noqa: E731
    accepted = {form(spec["key"]), *(form(a) for a in spec.get("accept", []))}
    return 1.0 if form(value) in accepted else 0.0


def parse_number(text: Any) -> float | None:
    """Read a number the way a Vietnamese pupil writes it: "2,5" and "2.5" are both 2.5."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return float(text)
    if not isinstance(text, str):
        return None
    # Pupils type "35%" when asked for a percentage; the sign carries no other meaning here.
    cleaned = nfc(text).strip().replace(" ", "").removesuffix("%")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _numeric(spec: dict, value: Any) -> float:
    number = parse_number(value)
    if number is None:
        return 0.0
    return 1.0 if abs(number - spec["key"]) <= spec["tolerance"] + 1e-9 else 0.0


def _ordering(spec: dict, value: Any) -> float:
    key = spec["key"]
    if not isinstance(value, list) or sorted(map(str, value)) != sorted(key):
        return 0.0
    return sum(1 for a, b in zip(value, key, strict=True) if a == b) / len(key)


def _matching(spec: dict, value: Any) -> float:
    if not isinstance(value, dict):
        return 0.0
    key = spec["key"]
    return sum(1 for left, right in key.items() if value.get(left) == right) / len(key)


SCORERS: dict[str, Callable[[dict, Any], float]] = {
    "single_choice": _single,
    "multiple_choice": _multiple,
    "true_false": _true_false,
    "short_text": _short_text,
    "numeric": _numeric,
    "ordering": _ordering,
    "matching": _matching,
}


def score(spec: dict, value: Any) -> float:
    """Points earned (0 … spec['points']) for ``value``; an absent answer (None) earns 0."""
    if value is None:
        return 0.0
    fraction = SCORERS[spec["type"]](spec, value)
    return round(fraction * float(spec["points"]), 4)
