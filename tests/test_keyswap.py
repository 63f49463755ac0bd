"""No key can be in a release: a bank whose keys (and feedback, solutions, tests) all changed gives a
byte-identical student version."""

from __future__ import annotations

from pathlib import Path

import yaml

from nanglucso.release import build, release

from .conftest import BLUEPRINT, FIXTURES, make_course


def swap_keys(bank_file: Path) -> None:
    data = yaml.safe_load(bank_file.read_text(encoding="utf-8"))
    for item in data["items"]:
        kind = item["type"]
        item["feedback"] = "Phản hồi đã đổi hoàn toàn"
        if kind == "single_choice":
            item["key"] = next(o["id"] for o in item["options"] if o["id"] != item["key"])
        elif kind == "multiple_choice":
            item["key"] = [o["id"] for o in item["options"] if o["id"] not in item["key"]]
        elif kind == "true_false":
            item["key"] = not item["key"]
        elif kind == "short_text":
            item["key"], item["accept"] = "đáp án khác", ["biến thể khác"]
        elif kind == "numeric":
            item["key"], item["tolerance"] = item["key"] * 3 + 1, 0.5
        elif kind == "ordering":
            item["key"] = list(reversed(item["key"]))
        elif kind == "matching":
            lefts, rights = list(item["key"]), [o["id"] for o in item["right"]]
            item["key"] = {left: rights[(rights.index(item["key"][left]) + 1) % len(rights)] for left in lefts}
        elif kind == "code":
            item["solution"] = "def tong(a, b):\n    return sum([a, b])\n"
            item["tests"] = "assert tong(10, 5) == 15\n"
    bank_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_release_is_byte_identical_when_every_key_changes(tmp_path, fixture_bank_copy):
    swap_keys(fixture_bank_copy / "mini.yaml")
    original = make_course(tmp_path / "a", FIXTURES / "bank")
    swapped = make_course(tmp_path / "b", fixture_bank_copy)
    releases = []
    for course in (original, swapped):
        built = build(course, BLUEPRINT)
        releases.append(tree(release(course, built.assignment)))
    # The teacher's source versions differ (they hold the keys) ...
    assert (tmp_path / "a/source/thu-lop6/bai_danh_gia.ipynb").read_bytes() != \
        (tmp_path / "b/source/thu-lop6/bai_danh_gia.ipynb").read_bytes()
    # ... the student versions are the same bytes, file for file.
    assert releases[0].keys() == releases[1].keys()
    for name in releases[0]:
        assert releases[0][name] == releases[1][name], name
    # And what only a key holds appears nowhere in what a student receives.
    blob = b"".join(releases[0].values()).decode("utf-8", errors="replace")
    for secret in ("quốc gia", "return a + b", "assert tong", "score_item", "OTP chỉ chủ tài khoản",
                   "Phản hồi", "feedback", '"key"', "tolerance", "accept"):
        assert secret not in blob, secret
