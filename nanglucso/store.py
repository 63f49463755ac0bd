"""The kit's own tables (SQLite by default, PostgreSQL for a school server): roster, item scores, levels, problems.

Any SQLAlchemy URL works; the two that are tested are ``sqlite:///…`` (one PC) and ``postgresql+psycopg://…``
(a school server behind JupyterHub, see docs/trien_khai_jupyterhub.md). Other modules add their tables to the
same ``metadata`` (ambassador_inputs, ambassador_log, relatives).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from .errors import KitError

# How long a writer waits for another process's transaction before giving up (grading in one process while
# a report page reads or a teacher saves in another): long enough for any single write of the kit.
BUSY_TIMEOUT_SECONDS = 60


class Clipped(TypeDecorator):
    """VARCHAR(n) that cuts an over-long free text to n characters. SQLite ignores the length and stores
    anything; PostgreSQL refuses the whole transaction: a long message must not cost a grading run."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        length = self.impl.length
        if isinstance(value, str) and length and len(value) > length:
            return value[: length - 1] + "…"
        return value


metadata = MetaData()

students = Table(
    "students", metadata,
    Column("student_id", String(64), primary_key=True),
    Column("full_name", String(200), nullable=False),
    Column("family_name", String(150), nullable=False),
    Column("given_name", String(50), nullable=False),
    Column("birth_date", String(10)),
    Column("class_name", String(20), nullable=False),
    Column("grade", Integer, nullable=False),
    Column("gender", String(10)),
)

item_scores = Table(
    "item_scores", metadata,
    Column("assignment", String(64), primary_key=True),
    Column("student_id", String(64), primary_key=True),
    Column("item_id", String(80), primary_key=True),
    Column("competency", String(8), nullable=False),
    Column("level", String(4), nullable=False),
    Column("score", Float),
    Column("max_score", Float, nullable=False),
    # A written criterion the teacher has not scored yet: left out of the levels until it is.
    Column("pending", Boolean, nullable=False, default=False),
    # The student's raw answer (JSON), for the teacher's question statistics (which option was chosen).
    Column("answer", Text),
)

# Short codes a pupil types into the portal to open one assignment (printed on access slips).
portal_codes = Table(
    "portal_codes", metadata,
    Column("assignment", String(64), primary_key=True),
    Column("student_id", String(64), primary_key=True),
    Column("code", String(12), nullable=False),
)

levels = Table(
    "levels", metadata,
    Column("assignment", String(64), primary_key=True),
    Column("student_id", String(64), primary_key=True),
    Column("scope", String(12), primary_key=True),  # "competency" or "domain"
    Column("code", String(8), primary_key=True),
    Column("level", String(4)),  # None: no tested level reached
    Column("expected", String(4), nullable=False),
    Column("ready", Boolean, nullable=False),
)

problems = Table(
    "grading_problems", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("assignment", String(64), nullable=False),
    Column("student_id", String(64), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("message", Clipped(1000), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)


_ENGINES: dict[str, Engine] = {}
_CREATED: set[tuple[str, frozenset[str]]] = set()
_LOCK = threading.Lock()


def is_sqlite(url: str) -> bool:
    return url.split(":", 1)[0].split("+", 1)[0] == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL: a report reading never blocks grading writing, and never sees a half-written student (a reader
    keeps the last committed state). The busy timeout makes a second writer wait instead of failing with
    "database is locked". Set on every connection: the timeout is per connection, WAL is kept in the file."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; a power cut loses at most the last write
    finally:
        cursor.close()


def _new_engine(url: str) -> Engine:
    try:
        if is_sqlite(url):
            # NullPool: a connection per use (cheap for SQLite), so no file stays open between uses and a
            # course folder can be moved or deleted; the pragmas run on each new connection.
            engine = create_engine(url, poolclass=NullPool,
                                   connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        # A server database: a small pool per process (every Voila kernel is a process), checked before use
        # so that a restarted server costs one retry, not an error page.
        return create_engine(url, pool_size=2, max_overflow=8, pool_pre_ping=True, pool_recycle=1800)
    except NoSuchModuleError:
        raise KitError(f"chưa cài trình điều khiển cho cơ sở dữ liệu '{make_url(url).drivername}'. Với PostgreSQL "
                       "dùng địa chỉ postgresql+psycopg://… và cài lại bộ công cụ (pip install -e .) để có "
                       "gói psycopg. / No driver for this database URL.") from None
    except ArgumentError:
        raise KitError(f"địa chỉ cơ sở dữ liệu '{url}' không hợp lệ; sửa mục database hoặc gradebook trong "
                       "nanglucso.yaml, ví dụ sqlite:///nanglucso.db hoặc "
                       "postgresql+psycopg://nguoi_dung@may_chu/ten_csdl. / Invalid database URL.") from None


def engine_for(url: str) -> Engine:
    """One engine per database and process: a page that builds many ``Store`` objects reuses one pool
    instead of opening a PostgreSQL connection each time."""
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _ENGINES[url] = _new_engine(url)
        return engine


def dispose_engines() -> None:
    """Close every pooled connection of this process (tests, before dropping a database)."""
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()
        _CREATED.clear()


def _forget_after_fork() -> None:
    # A forked child must not use (or close) the parent's pooled connections: it opens its own.
    for engine in _ENGINES.values():
        engine.dispose(close=False)
    _ENGINES.clear()
    _CREATED.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def prepare_database(url: str) -> None:
    """Open the database once through the kit's engine: a SQLite file gets WAL mode (kept in the file)."""
    from sqlalchemy.exc import OperationalError

    try:
        with engine_for(url).connect():
            pass
    except OperationalError as exc:
        raise database_error(exc, url) from None


def database_error(exc: Exception, url: str) -> KitError:
    """A teacher's message for a database that cannot be reached (server down, wrong password, no file)."""
    where = make_url(url).render_as_string(hide_password=True)
    return KitError(f"không kết nối được cơ sở dữ liệu {where}: kiểm tra máy chủ PostgreSQL đang chạy, tên người "
                    f"dùng, mật khẩu và tên cơ sở dữ liệu trong nanglucso.yaml ({str(exc).strip().splitlines()[0]}). "
                    "/ Cannot connect to the database.")


class Store:
    """Thin access to the tables; each write is one transaction."""

    def __init__(self, url: str):
        self.url = url
        self.engine = engine_for(url)

    def create(self) -> None:
        """Create missing tables (those of every module imported so far) and add columns of later versions."""
        key = (self.url, frozenset(metadata.tables))
        if key in _CREATED:
            return  # a server database already checked by this process: pages call this on every load
        from sqlalchemy.exc import OperationalError

        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    # Two processes creating the same tables at once would clash on PostgreSQL's catalog:
                    # one waits for the other (DDL is transactional there).
                    conn.execute(text("SELECT pg_advisory_xact_lock(4711202602)"))
                metadata.create_all(conn)
                # Courses made before a column existed get it added (SQLite and PostgreSQL alike).
                names = {c["name"] for c in inspect(conn).get_columns("item_scores")}
                added = {"pending": "BOOLEAN NOT NULL DEFAULT FALSE", "answer": "TEXT"}
                for name, kind in added.items():
                    if name not in names:
                        conn.execute(text(f"ALTER TABLE item_scores ADD COLUMN {name} {kind}"))
        except OperationalError as exc:
            raise database_error(exc, self.url) from None
        if not is_sqlite(self.url):
            _CREATED.add(key)  # a SQLite file can be deleted or restored under us; checking it again is cheap

    def replace_students(self, rows: Iterable[dict[str, Any]]) -> int:
        rows = list(rows)
        with self.engine.begin() as conn:
            ids = [r["student_id"] for r in rows]
            conn.execute(delete(students).where(students.c.student_id.in_(ids)))
            if rows:
                conn.execute(students.insert(), rows)
        return len(rows)

    def students(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(students))]

    def student(self, student_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(students).where(students.c.student_id == student_id)).first()
            return dict(row._mapping) if row else None

    def save_results(self, assignment: str, student_id: str, scores: list[dict[str, Any]],
                     level_rows: list[dict[str, Any]]) -> None:
        """Replace one student's scores and levels for one assignment, all or nothing."""
        self.save_many_results(assignment, {student_id: (scores, level_rows)})

    def save_many_results(self, assignment: str,
                          rows: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]]) -> None:
        """Replace the scores and levels of many students (id → (scores, levels)) for one assignment in one
        transaction: a school's grading commits once instead of once per student."""
        ids = list(rows)
        with self.engine.begin() as conn:
            for start in range(0, len(ids), 500):  # stay under the database's limit of bound parameters
                chunk = ids[start:start + 500]
                for table in (item_scores, levels):
                    conn.execute(delete(table).where(table.c.assignment == assignment, table.c.student_id.in_(chunk)))
            scores = [{**s, "assignment": assignment, "student_id": sid} for sid, (sc, _) in rows.items() for s in sc]
            found = [{**r, "assignment": assignment, "student_id": sid} for sid, (_, lv) in rows.items() for r in lv]
            if scores:
                conn.execute(item_scores.insert(), scores)
            if found:
                conn.execute(levels.insert(), found)

    def set_codes(self, assignment: str, codes: dict[str, str]) -> None:
        """Give these students these portal codes for ``assignment`` (earlier codes of theirs are replaced)."""
        with self.engine.begin() as conn:
            conn.execute(delete(portal_codes).where(portal_codes.c.assignment == assignment,
                                                    portal_codes.c.student_id.in_(list(codes))))
            if codes:
                conn.execute(portal_codes.insert(), [{"assignment": assignment, "student_id": sid, "code": code}
                                                     for sid, code in codes.items()])

    def replace_problems(self, assignment: str, rows: list[dict[str, str]]) -> None:
        """Replace the assignment's grading problems (messages longer than the column are cut, not refused)."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(delete(problems).where(problems.c.assignment == assignment))
            if rows:
                conn.execute(problems.insert(), [{**r, "assignment": assignment, "at": now} for r in rows])

    def rows(self, table: Table, **where: Any) -> list[dict[str, Any]]:
        query = select(table)
        for name, value in where.items():
            query = query.where(table.c[name] == value)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
