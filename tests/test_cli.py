"""The teacher's commands from a terminal: Vietnamese messages, clear errors, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import BLUEPRINT, FIXTURES


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nanglucso.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_teacher_flow_and_errors(tmp_path):
    out = run("grade", "bai", cwd=tmp_path)
    assert out.returncode == 1 and "không thấy khoá học" in out.stderr and "Traceback" not in out.stderr

    assert run("course", "init", "lop", "--school", "Trường Thử", cwd=tmp_path).returncode == 0
    course = tmp_path / "lop"
    cfg = course / "nanglucso.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + f"bank: {FIXTURES / 'bank'}\n", encoding="utf-8")

    out = run("roster", "import", str(FIXTURES / "roster.csv"), cwd=course)
    assert out.returncode == 0 and "Đã nhập 3 học sinh (6A1: 3)" in out.stdout

    out = run("build", "khong_co.yaml", cwd=course)
    assert out.returncode == 1 and "khong_co.yaml: không đọc được tệp" in out.stderr
    assert "Traceback" not in out.stderr

    out = run("release", "chua-co", cwd=course)
    assert out.returncode == 1 and "chưa có bài 'chua-co'" in out.stderr

    out = run("build", str(BLUEPRINT), cwd=course)
    assert out.returncode == 0 and "Đã tạo bài 'thu-lop6' (8 câu)" in out.stdout
    out = run("release", "thu-lop6", "--course", str(course), cwd=tmp_path)
    assert out.returncode == 0 and "Đã phát bài 'thu-lop6'" in out.stdout
    assert (course / "exchange" / "lop" / "outbound" / "thu-lop6" / "bai_danh_gia.ipynb").exists()

    out = run("grade", "thu-lop6", cwd=course)
    assert out.returncode == 0 and "Chưa có bài nộp nào" in out.stdout
    out = run("results", "thu-lop6", cwd=course)
    assert out.returncode == 0 and "Chưa có kết quả" in out.stdout

    # A teacher's stray answers in the source folder would reach every student: refused.
    (course / "source" / "thu-lop6" / "bai_danh_gia.responses.json").write_text("{}", encoding="utf-8")
    out = run("release", "thu-lop6", cwd=course)
    assert out.returncode == 1 and "Xoá tệp này rồi phát lại" in out.stderr


def test_failure_reason_picks_the_specific_line():
    from nanglucso.grade import failure_reason

    log = ("[INFO] Converting\n[ERROR] Timeout waiting for execute reply (30s).\n"
           "[ERROR] There was an error processing assignment: x\n[ERROR] Please see the error log")
    assert failure_reason({"log": log}) == "Timeout waiting for execute reply (30s)."
    assert failure_reason({"error": "Traceback\nValueError: hỏng"}) == "ValueError: hỏng"
