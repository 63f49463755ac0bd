"""The kit's own tables (SQLite by default, any SQLAlchemy URL): roster, item scores, levels, problems."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    inspect,
    select,
    text,
)

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
    Column("message", String(1000), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)


class Store:
    """Thin access to the tables; each write is one transaction."""

    def __init__(self, url: str):
        self.engine = create_engine(url, future=True)

    def create(self) -> None:
        metadata.create_all(self.engine)
        # Courses made before a column existed get it added (SQLite and PostgreSQL alike).
        names = {c["name"] for c in inspect(self.engine).get_columns("item_scores")}
        added = {"pending": "BOOLEAN NOT NULL DEFAULT FALSE", "answer": "TEXT"}
        with self.engine.begin() as conn:
            for name, kind in added.items():
                if name not in names:
                    conn.execute(text(f"ALTER TABLE item_scores ADD COLUMN {name} {kind}"))

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
        with self.engine.begin() as conn:
            for table in (item_scores, levels):
                conn.execute(delete(table).where(table.c.assignment == assignment,
                                                 table.c.student_id == student_id))
            if scores:
                conn.execute(item_scores.insert(), [{**s, "assignment": assignment, "student_id": student_id}
                                                    for s in scores])
            if level_rows:
                conn.execute(levels.insert(), [{**r, "assignment": assignment, "student_id": student_id}
                                               for r in level_rows])

    def set_codes(self, assignment: str, codes: dict[str, str]) -> None:
        """Give these students these portal codes for ``assignment`` (earlier codes of theirs are replaced)."""
        with self.engine.begin() as conn:
            conn.execute(delete(portal_codes).where(portal_codes.c.assignment == assignment,
                                                    portal_codes.c.student_id.in_(list(codes))))
            if codes:
                conn.execute(portal_codes.insert(), [{"assignment": assignment, "student_id": sid, "code": code}
                                                     for sid, code in codes.items()])

    def replace_problems(self, assignment: str, rows: list[dict[str, str]]) -> None:
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
