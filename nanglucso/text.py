"""Vietnamese text helpers: NFC normalisation, name parts and class-list sort order."""

from __future__ import annotations

import re
import unicodedata

# Vietnamese alphabet order; letters with a shape mark (ă, â, đ, ê, ô, ơ, ư) are letters of their own.
_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
# Tone marks in dictionary order: none, huyền, sắc, hỏi, ngã, nặng.
_TONES = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}
_SHAPE = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC form (what every stored string uses)."""
    return unicodedata.normalize("NFC", text)


def clean(text: str) -> str:
    """NFC-normalise and collapse runs of white space to one space."""
    return re.sub(r"\s+", " ", nfc(text)).strip()


def strip_tones(text: str) -> str:
    """Drop every diacritic and map đ to d (for forgiving header matching, never for answers)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _letter_keys(word: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    letters: list[int] = []
    tones: list[int] = []
    for ch in nfc(word.lower()):
        parts = unicodedata.normalize("NFD", ch)
        base, marks = parts[0], parts[1:]
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _SHAPE))
        tone = next((_TONES[m] for m in marks if m in _TONES), 0)
        letters.append(_RANK.get(letter, 100 + ord(letter)))
        tones.append(tone)
    return tuple(letters), tuple(tones)


def vn_key(text: str) -> tuple:
    """Sort key for Vietnamese text: letters first, tone marks only to break ties."""
    words = clean(text).split(" ")
    keys = [_letter_keys(w) for w in words]
    return (tuple(k[0] for k in keys), tuple(k[1] for k in keys))


def split_name(full_name: str) -> tuple[str, str]:
    """Split a Vietnamese full name into (family and middle names, given name)."""
    words = clean(full_name).split(" ")
    return " ".join(words[:-1]), words[-1]


def class_list_key(full_name: str) -> tuple:
    """Sort key of a Vietnamese class list: by given name, then family and middle names."""
    family, given = split_name(full_name)
    return (vn_key(given), vn_key(family))
