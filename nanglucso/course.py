"""A course directory: nbgrader's layout plus the kit's config and tables, and the nbgrader API on it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import KitError

CONFIG_NAME = "nanglucso.yaml"
NBGRADER_CONFIG = '''\
# nbgrader configuration written by `nanglucso course init`. The kit and nbgrader's own commands
# (nbgrader formgrader, nbgrader autograde, ...) both read it; run them from this folder.
import os

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.db_url = {gradebook!r}
{exchange}
# A stub that raises would stop "Run All" (and Voila) before the questions below it: keep it inert.
# An unanswered task still scores 0, because its hidden tests fail.
c.ClearSolutions.code_stub = {{"python": "# VIẾT MÃ CỦA EM Ở ĐÂY\\n"}}
c.ClearSolutions.text_stub = "VIẾT CÂU TRẢ LỜI CỦA EM Ở ĐÂY"
c.Execute.timeout = 30
# Feedback is the autograded notebook, whose hidden test cells hold the keys and whose task cells hold
# the rubrics: strip both, because the same items are sat by other classes and in later forms.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, ClearMarkScheme, CSSHTMLHeaderPreprocessor]
'''


class CourseConfig(BaseModel):
    """The kit's own settings for one course (nanglucso.yaml).

    ``database`` (the kit's tables) and ``gradebook`` (nbgrader's, ``CourseDirectory.db_url``) are SQLAlchemy
    URLs. On one PC they are SQLite files, relative to the course folder (``sqlite:///nanglucso.db``,
    ``sqlite:///gradebook.db``; used in WAL mode, so grading and report pages can run at the same time).
    On a school server they are PostgreSQL databases, e.g.
    ``postgresql+psycopg://nanglucso:MẬT_KHẨU@127.0.0.1:5432/nanglucso_truong`` and ``…/gradebook_truong``
    (two databases, or one database for both: the table names do not collide). nbgrader's own commands read
    ``nbgrader_config.py``: its ``c.CourseDirectory.db_url`` must be the same gradebook URL (``nanglucso course
    init --database … --gradebook …`` writes both). ``exchange``: nbgrader's exchange folder, by default
    ``exchange/`` in the course folder; on JupyterHub the shared ``/srv/nbgrader/exchange``.
    """

    model_config = ConfigDict(extra="forbid")

    course_id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    school: str = ""
    # What the school's reports to the commune and the Sở carry (header, signature, aggregate CSV).
    school_code: str = ""
    authority: str = ""  # cơ quan chủ quản, e.g. "UBND XÃ DIỄN CHÂU" or "SỞ GDĐT NINH BÌNH"
    commune: str = ""
    province: str = ""
    principal: str = ""
    school_year: str | None = Field(default=None, pattern=r"^\d{4}-\d{4}$")  # default: from today's date
    database: str = "sqlite:///nanglucso.db"
    gradebook: str = "sqlite:///gradebook.db"
    bank: str | None = None
    tasks: str | None = None
    rubrics: str | None = None
    # nbgrader's exchange: by default inside the course folder (one PC, no root rights needed); on JupyterHub the
    # shared /srv/nbgrader/exchange that pupils' JupyterLab fetches from (docs/trien_khai_jupyterhub.md).
    exchange: str | None = None

    @field_validator("database", "gradebook")
    @classmethod
    def _database_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(f"'{value}' không phải địa chỉ cơ sở dữ liệu; ví dụ sqlite:///nanglucso.db hoặc "
                             "postgresql+psycopg://nguoi_dung:mat_khau@may_chu:5432/ten_csdl") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError(f"'{value}': bộ công cụ chỉ dùng SQLite (sqlite:///…) hoặc PostgreSQL "
                             "(postgresql+psycopg://…)")
        return value


def _absolute_sqlite(url: str, root: Path) -> str:
    """Relative SQLite paths are relative to the course folder, not to wherever a command runs."""
    scheme, sep, rest = url.partition(":///")
    if sep and scheme.split("+", 1)[0] == "sqlite" and rest and not rest.startswith("/") \
            and not rest.startswith(":memory:"):
        path, query_sep, query = rest.partition("?")
        return f"{scheme}:///{(root / path).resolve()}{query_sep}{query}"
    return url


@dataclass
class Course:
    root: Path
    config: CourseConfig

    @property
    def course_id(self) -> str:
        return self.config.course_id

    @property
    def db_url(self) -> str:
        return _absolute_sqlite(self.config.database, self.root)

    @property
    def gradebook_url(self) -> str:
        return _absolute_sqlite(self.config.gradebook, self.root)

    @property
    def school_year(self) -> str:
        """'2026-2027' from September 2026 to July 2027, unless the course config says otherwise."""
        if self.config.school_year:
            return self.config.school_year
        from datetime import date

        today = date.today()
        start = today.year if today.month >= 8 else today.year - 1
        return f"{start}-{start + 1}"

    @property
    def exchange(self) -> Path:
        return Path(self.config.exchange) if self.config.exchange else self.root / "exchange"

    @property
    def source(self) -> Path:
        return self.root / "source"

    def bank_root(self) -> Path:
        from .paths import shipped

        return Path(self.config.bank) if self.config.bank else shipped("assessments") / "bank"

    def tasks_root(self) -> Path:
        from .paths import shipped

        return Path(self.config.tasks) if self.config.tasks else shipped("assessments") / "tasks"

    def task_bank(self) -> Any:
        """The practical tasks and their rubrics this course uses."""
        from .tasks import load_tasks

        return load_tasks(self.tasks_root(), self.rubrics_root() / "tasks")

    def rubrics_root(self) -> Path:
        from .paths import shipped

        return Path(self.config.rubrics) if self.config.rubrics else shipped("rubrics")

    def nbgrader_config(self, **extra: Any) -> Any:
        """nbgrader's traitlets config: the course's nbgrader_config.py, with absolute paths."""
        from traitlets.config import Config
        from traitlets.config.loader import PyFileConfigLoader

        config = Config()
        cfg_file = self.root / "nbgrader_config.py"
        if cfg_file.exists():
            config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config())
        config.CourseDirectory.root = str(self.root)
        config.CourseDirectory.course_id = self.course_id
        config.CourseDirectory.db_url = self.gradebook_url
        config.Exchange.root = str(self.exchange)
        for key, value in extra.items():
            section, name = key.split("__")
            setattr(getattr(config, section), name, value)
        return config

    def api(self) -> Any:
        """nbgrader's high-level API bound to this course (teacher side)."""
        from nbgrader.apps.api import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        config = self.nbgrader_config()
        from .store import is_sqlite, prepare_database

        if is_sqlite(self.gradebook_url):
            # nbgrader opens SQLite in its default journal mode; switch the file to WAL once (it stays so), so
            # that formgrader or a second grading process can read while autograde writes.
            prepare_database(self.gradebook_url)
        coursedir = CourseDirectory(config=config)
        api = NbGraderAPI(coursedir=coursedir, config=config)
        api.log_level = "WARN"
        return api


def _exchange_line(exchange: str | None) -> str:
    if exchange:  # a shared exchange (JupyterHub): the pupils' JupyterLab fetches from the same folder
        return (f"# The exchange shared by every course of the server, one subfolder per course.\n"
                f"c.Exchange.root = {exchange!r}\nc.Exchange.path_includes_course = True")
    return ("# The exchange lives inside the course folder: no root rights needed on a lab PC.\n"
            'c.Exchange.root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exchange")')


def init_course(root: Path, course_id: str, school: str = "", **details: Any) -> Course:
    """Create a course folder (idempotent: an existing config is kept); ``details`` are further
    CourseConfig fields (school_code, commune, province, authority, principal, school_year)."""
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    cfg_path = root / CONFIG_NAME
    if cfg_path.exists():
        return open_course(root)
    try:
        config = CourseConfig(course_id=course_id, school=school, **details)
    except ValidationError as exc:
        raise KitError(f"thông tin khoá học không hợp lệ: {exc}") from None
    course = Course(root, config)
    from .store import Store

    # The tables first: a database server that cannot be reached leaves no half-made course behind.
    Store(course.db_url).create()
    for sub in ("source", "rosters", "exchange"):
        (root / sub).mkdir(exist_ok=True)
    os.chmod(root / "exchange", 0o777)  # nbgrader's exchange expects a world-writable root
    # nbgrader's own commands (formgrader) must open the gradebook the kit writes: the same URL in both files.
    (root / "nbgrader_config.py").write_text(
        NBGRADER_CONFIG.format(course_id=course_id, gradebook=_absolute_sqlite(config.gradebook, root),
                               exchange=_exchange_line(config.exchange)),
        encoding="utf-8")
    cfg_path.write_text(yaml.safe_dump(config.model_dump(exclude_none=True), allow_unicode=True,
                                       sort_keys=False), encoding="utf-8")
    return course


def find_course_root(start: Path | None = None) -> Path:
    """The course folder containing ``start`` (like nbgrader, commands work from inside a course)."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).exists():
            return folder
    raise KitError(f"không thấy khoá học: '{here}' không nằm trong thư mục nào có {CONFIG_NAME}. "
                   "Tạo khoá học bằng 'nanglucso course init THƯ_MỤC' hoặc dùng --course THƯ_MỤC.")


def open_course(root: Path | None = None) -> Course:
    root = find_course_root(root)
    try:
        data = yaml.safe_load((root / CONFIG_NAME).read_text(encoding="utf-8")) or {}
        config = CourseConfig.model_validate(data)
    except Exception as exc:  # noqa: BLE001 - any parse or schema problem is the teacher's to fix
        raise KitError(f"{root / CONFIG_NAME}: cấu hình khoá học không hợp lệ ({exc})") from None
    return Course(root, config)
