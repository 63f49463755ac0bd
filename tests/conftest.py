"""Shared fixtures: a real course folder on disk, real SQLite, real nbgrader."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from nanglucso.course import Course, init_course

from .pg import pg_server, pg_url  # noqa: F401 - fixtures: a real PostgreSQL server (tests/pg.py)

FIXTURES = Path(__file__).parent / "fixtures"
KIT = Path(__file__).parent.parent
BLUEPRINT = FIXTURES / "blueprint.yaml"

# nbgrader's gradebook triggers SQLAlchemy autoflush warnings that say nothing about our code.
warnings.filterwarnings("ignore", message=".*not in session.*")


def write_roster_xlsx(path: Path, rows: list[list[object]], title: bool = True) -> Path:
    """An Excel roster as school systems export it: a title block, then the header row."""
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append(["TRƯỜNG THCS THỬ NGHIỆM"])
        ws.append(["DANH SÁCH HỌC SINH"])
        ws.append([])
    ws.append(["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Lớp"])
    for n, row in enumerate(rows, start=1):
        ws.append([n, *row])
    wb.save(path)
    return path


ROSTER = [
    ["HS001", "Nguyễn Văn An", "05/09/2014", "6A1"],
    ["HS002", "Trần Thị Bình", "12/03/2014", "6A1"],
    ["HS003", "Lê Minh Châu", "20/11/2014", "6A2"],
]


def make_course(root: Path, bank: Path = FIXTURES / "bank") -> Course:
    course = init_course(root, "thu", school="Trường THCS Thử nghiệm")
    cfg = yaml.safe_load((root / "nanglucso.yaml").read_text(encoding="utf-8"))
    cfg["bank"] = str(bank)
    (root / "nanglucso.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    course.config.bank = str(bank)
    return course


@pytest.fixture
def course(tmp_path: Path) -> Course:
    """A fresh course using the fixture bank, with a 3-student roster imported from Excel."""
    from nanglucso.roster import import_roster

    c = make_course(tmp_path / "khoa_hoc")
    import_roster(c, write_roster_xlsx(tmp_path / "ds.xlsx", ROSTER))
    return c


@pytest.fixture
def fixture_bank_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "bank_copy"
    shutil.copytree(FIXTURES / "bank", dest / "bank")
    shutil.copytree(FIXTURES / "images", dest / "images")
    return dest / "bank"
