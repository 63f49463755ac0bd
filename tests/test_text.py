"""Vietnamese text habits: NFC everywhere, class lists sorted by given name."""

from __future__ import annotations

import unicodedata

from nanglucso.text import class_list_key, clean, nfc, split_name


def test_nfc_and_clean():
    decomposed = unicodedata.normalize("NFD", "Nguyễn  Thị   Ánh ")
    assert clean(decomposed) == "Nguyễn Thị Ánh" and clean(decomposed) == nfc("Nguyễn Thị Ánh")


def test_split_name():
    assert split_name("Nguyễn Văn An") == ("Nguyễn Văn", "An")


def test_class_list_sorts_by_given_name_with_vietnamese_letters():
    names = ["Trần Văn Đức", "Nguyễn Thị Yến", "Lê Văn Dũng", "Phạm Thị Ánh", "Bùi Văn An", "Hồ Thị Anh",
             "Võ Văn Ơn", "Đỗ Thị Ôn", "Ngô Văn On", "Lý Văn Bình"]
    ordered = sorted(names, key=class_list_key)
    given = [n.split()[-1] for n in ordered]
    # a < ă < â ... d < đ ... o < ô < ơ; tones only break ties (Anh before Ánh).
    assert given == ["An", "Anh", "Ánh", "Bình", "Dũng", "Đức", "On", "Ôn", "Ơn", "Yến"]


def test_same_given_name_sorts_by_family_name():
    ordered = sorted(["Trần Văn An", "Bùi Thị An", "Lê An"], key=class_list_key)
    assert ordered == ["Bùi Thị An", "Lê An", "Trần Văn An"]
