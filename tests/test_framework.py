"""The framework file: complete, consistent, printed in Vietnamese and as JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nanglucso.errors import ContentError
from nanglucso.framework import FRAMEWORK_FILE, load_framework


def test_counts_and_codes():
    fw = load_framework()
    assert (len(fw.domains), len(fw.competencies), len(fw.bands), len(fw.levels)) == (6, 24, 4, 8)
    assert [lvl.code for lvl in fw.levels] == ["CB1", "CB2", "TC1", "TC2", "NC1", "NC2", "CS1", "CS2"]
    assert [len(d.competencies) for d in fw.domains] == [3, 6, 4, 4, 4, 3]
    assert fw.competency("4.2").name_vi == "Bảo vệ dữ liệu cá nhân và quyền riêng tư"


@pytest.mark.parametrize("grade,level", [(1, "CB1"), (3, "CB1"), (4, "CB2"), (5, "CB2"), (6, "TC1"),
                                         (7, "TC1"), (8, "TC2"), (9, "TC2"), (10, "NC1"), (12, "NC1")])
def test_grade_to_level_of_cong_van_3456(grade, level):
    assert load_framework().expected_level(grade) == level


def test_no_statement_for_61_at_cb1():
    fw = load_framework()
    assert not fw.has_statement("6.1", "CB1") and fw.has_statement("6.1", "CB2")


def test_broken_framework_file_names_the_line(tmp_path):
    text = FRAMEWORK_FILE.read_text(encoding="utf-8").replace("rank: 5,", "rank: năm,", 1)
    bad = tmp_path / "framework.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_framework(bad)
    problem = err.value.problems[0]
    assert problem.path == bad and problem.line is not None
    assert "NC1" in text.splitlines()[problem.line - 1]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nanglucso.cli", *args], capture_output=True, text=True,
                          cwd=Path(__file__).parent, timeout=120)


def test_cli_prints_vietnamese_and_json():
    out = _cli("framework")
    assert out.returncode == 0
    assert "Miền 4. An toàn" in out.stdout and "lớp 6–7: TC1 (Trung cấp 1)" in out.stdout
    data = json.loads(_cli("framework", "--json").stdout)
    assert len(data["competencies"]) == 24 and data["grade_to_level"]["10"] == "NC1"
