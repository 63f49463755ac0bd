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
      - {id: c, text: "Ba"}
    key: a
    feedback: "Vì sao"
"""


def _bad(tmp_path: Path, text: str) -> list:
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_bank(tmp_path)
    return err.value.problems


@pytest.mark.parametrize("old,new,line,words", [
    ("key: a", "key: z", 11, "key: đáp án 'z'"),
    ("type: single_choice", "type: single", 5, "loại không hợp lệ 'single'"),
    ('    feedback: "Vì sao"\n', "", 2, "feedback: thiếu trường"),
    ('competency: "4.2"', 'competency: "9.9"', 3, "không có trong khung"),
    ("level: TC1", "level: XX1", 4, "level: giá trị không hợp lệ"),
    ("    key: a\n", '    key: a\n    indicators: ["1.1.TC1a"]\n', 12, "không thuộc năng lực 4.2"),
    ("    key: a\n", "    key: a\n    image: khong_co.png\n", 12, "không thấy tệp ảnh"),
    ("    key: a\n", "    key: a\n    points: -1\n", 12, "points: phải lớn hơn 0"),
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
    assert f"{tmp_path / 'b.yaml'}:11: key: đáp án 'z'" in bad.stderr
    assert f"{tmp_path / 'b.yaml'}:13: thiếu trường 'type'" in bad.stderr and "Traceback" not in bad.stderr
    assert "2 lỗi" in bad.stderr  # every problem is reported, not only the first


def test_cli_stats_matrix_and_json():
    out = _cli("bank", "stats")
    assert out.returncode == 0 and "6.1" in out.stdout and "—" in out.stdout
    data = json.loads(_cli("bank", "stats", "--json").stdout)
    assert data["levels"] == ["CB1", "CB2", "TC1", "TC2", "NC1"] and len(data["matrix"]) == 24
    assert data["no_statement"][0]["competency"] == "6.1"


def _item(item_id: str, level: str, prompt: str, n_options: int = 3, comp: str = "4.2") -> str:
    options = "\n".join(f"      - {{id: {chr(97 + k)}, text: \"Lựa chọn {k}\"}}" for k in range(n_options))
    return (f"  - id: {item_id}\n    competency: \"{comp}\"\n    level: {level}\n    type: single_choice\n"
            f"    prompt: \"{prompt}\"\n    options:\n{options}\n    key: a\n    feedback: \"Vì sao\"\n")


def test_quality_gates_block_long_prompts_bad_option_counts_and_duplicate_stems(tmp_path):
    text = "items:\n" + _item("A-1", "CB1", "Chữ " * 40) + _item("A-2", "TC1", "Hỏi gì?", n_options=2) + \
        _item("A-3", "TC1", "Em làm gì khi thấy tin nhắn lạ?") + _item("A-4", "TC2", "em làm GÌ khi thấy tin nhắn lạ")
    problems = _bad(tmp_path, text)
    messages = [p.message for p in problems]
    assert any("A-1: đề dài 159 ký tự, quá mức 140 của bậc CB1" in m for m in messages)
    assert any("A-2: có 2 lựa chọn" in m for m in messages)
    assert any("A-4: đề trùng với câu A-3" in m for m in messages)
    assert all(p.line for p in problems) and len(problems) == 3


def test_near_duplicate_stems_are_flagged_not_blocked(tmp_path):
    text = "items:\n" + _item("B-1", "TC1", "Khi nhận tin nhắn trúng thưởng kèm đường link lạ, em nên làm gì?") + \
        _item("B-2", "TC2", "Khi nhận được tin nhắn trúng thưởng kèm một đường link lạ, em nên làm gì?") + \
        _item("B-3", "TC1", "Mật khẩu nào mạnh nhất?")
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    bank = load_bank(tmp_path)
    assert len(bank) == 3
    assert [w.message.split(":")[0] for w in bank.warnings] == ["câu B-2"]
    assert "gần trùng với câu B-1" in bank.warnings[0].message


def test_stats_chart_is_written(tmp_path):
    from nanglucso.coverage_chart import coverage_chart

    result = stats(load_bank(Path(__file__).parent / "fixtures" / "bank"))
    assert {"competency": "4.2", "level": "TC1", "count": 1, "missing": 5} in result["gaps"]
    png = coverage_chart(result, tmp_path / "phu.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_every_key_earns_full_marks_and_a_wrong_answer_does_not():
    import random

    from nanglucso.scoring import score
    from nanglucso.simulate import right_answer, wrong_answer

    rng = random.Random(1)
    for item in load_bank(SHIPPED).items.values():
        if item.type == "code":
            continue
        spec = item.key_spec()
        assert score(spec, right_answer(item)) == item.points, item.id
        assert score(spec, wrong_answer(item, rng)) < item.points, item.id
        if item.type == "short_text":
            for variant in item.accept:
                assert score(spec, variant) == item.points, (item.id, variant)


def test_code_tasks_solution_passes_hidden_tests_and_released_stub_fails():
    tasks = [i for i in load_bank(SHIPPED).items.values() if i.type == "code"]
    assert tasks
    for task in tasks:
        solved: dict = {}
        exec(compile(task.starter + "\n" + task.solution + "\n" + task.tests, task.id, "exec"), solved)
        with pytest.raises(Exception):  # noqa: B017 - any failure (NameError, AssertionError) scores 0
            exec(compile(task.starter + "\n# VIẾT MÃ CỦA EM Ở ĐÂY\n" + task.tests, task.id, "exec"), {})
