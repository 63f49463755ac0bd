"""The item bank: the shipped bank is valid and covers every competency at every school level;
the validator names file and line for every kind of mistake."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nanglucso.bank import load_bank, stats
from nanglucso.errors import ContentError
from nanglucso.framework import load_framework
from nanglucso.paths import shipped

SHIPPED = shipped("assessments") / "bank"


def test_shipped_bank_is_valid_and_covers_24_competencies_at_every_school_level():
    bank = load_bank(SHIPPED)
    fw = load_framework()
    result = stats(bank)
    assert result["gaps"] == []
    for comp in fw.competencies:
        for level in ["CB1", "CB2", "TC1", "TC2", "NC1"]:
            if fw.has_statement(comp.code, level):
                assert result["matrix"][comp.code][level] >= 1, (comp.code, level)
            else:
                assert result["matrix"][comp.code][level] == 0
    assert set(result["by_type"]) >= {"single_choice", "multiple_choice", "true_false", "short_text",
                                      "numeric", "ordering", "matching"}


def test_no_public_view_carries_a_key_or_feedback():
    for item in load_bank(SHIPPED).items.values():
        public = item.public()
        assert not {"key", "feedback", "solution", "tests", "accept", "tolerance"} & set(public), item.id
        assert item.feedback.vi not in json.dumps(public, ensure_ascii=False)


GOOD = """\
items:
  - id: X-1
    competency: "4.2"
    level: TC1
    type: single_choice
    prompt: "Câu hỏi"
    options:
      - {id: a, text: "Một"}
      - {id: b, text: "Hai"}
    key: a
    feedback: "Vì sao"
"""


def _bad(tmp_path: Path, text: str) -> list:
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_bank(tmp_path)
    return err.value.problems


@pytest.mark.parametrize("old,new,line,words", [
    ("key: a", "key: z", 10, "key: đáp án 'z'"),
    ("type: single_choice", "type: single", 5, "loại không hợp lệ 'single'"),
    ('    feedback: "Vì sao"\n', "", 2, "feedback: thiếu trường"),
    ('competency: "4.2"', 'competency: "9.9"', 3, "không có trong khung"),
    ("level: TC1", "level: XX1", 4, "level: giá trị không hợp lệ"),
    ("    key: a\n", '    key: a\n    indicators: ["1.1.TC1a"]\n', 11, "không thuộc năng lực 4.2"),
    ("    key: a\n", "    key: a\n    image: khong_co.png\n", 11, "không thấy tệp ảnh"),
    ("    key: a\n", "    key: a\n    points: -1\n", 11, "points: phải lớn hơn 0"),
    ("{id: b, text", "{id: a, text", 7, "mã lựa chọn bị trùng"),
])
def test_validator_names_file_line_and_problem(tmp_path, old, new, line, words):
    assert old in GOOD
    problems = _bad(tmp_path, GOOD.replace(old, new))
    assert len(problems) == 1, problems
    assert problems[0].path == tmp_path / "b.yaml" and problems[0].line == line
    assert words in problems[0].message


def test_yaml_syntax_error_and_duplicate_ids_across_files(tmp_path):
    problems = _bad(tmp_path, GOOD.replace('prompt: "Câu hỏi"', 'prompt: "Câu hỏi'))
    assert "lỗi cú pháp YAML" in problems[0].message and problems[0].line
    (tmp_path / "b.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "c.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_bank(tmp_path)
    assert "trùng với" in err.value.problems[0].message and err.value.problems[0].path.name == "c.yaml"


def test_item_at_a_cell_without_framework_statement_is_refused(tmp_path):
    problems = _bad(tmp_path, GOOD.replace('"4.2"', '"6.1"').replace("TC1", "CB1"))
    assert "không có yêu cầu cho 6.1 ở bậc CB1" in problems[0].message


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nanglucso.cli", *args], capture_output=True, text=True,
                          timeout=120)


def test_cli_validate_exit_codes_and_messages(tmp_path):
    ok = _cli("bank", "validate")
    assert ok.returncode == 0 and "Hợp lệ" in ok.stdout
    (tmp_path / "b.yaml").write_text(GOOD.replace("key: a", "key: z") + "  - id: X-1\n", encoding="utf-8")
    bad = _cli("bank", "validate", str(tmp_path))
    assert bad.returncode == 1
    assert f"{tmp_path / 'b.yaml'}:10: key: đáp án 'z'" in bad.stderr
    assert f"{tmp_path / 'b.yaml'}:12: thiếu trường 'type'" in bad.stderr and "Traceback" not in bad.stderr
    assert "2 lỗi" in bad.stderr  # every problem is reported, not only the first


def test_cli_stats_matrix_and_json():
    out = _cli("bank", "stats")
    assert out.returncode == 0 and "6.1" in out.stdout and "—" in out.stdout
    data = json.loads(_cli("bank", "stats", "--json").stdout)
    assert data["levels"] == ["CB1", "CB2", "TC1", "TC2", "NC1"] and len(data["matrix"]) == 24
    assert data["no_statement"][0]["competency"] == "6.1"
