"""Upgrading a database that already holds duplicate year marks (saved twice before the partial unique
index existed): the newest row stays, each removed one is in the audit log with its value, and the
index then refuses a new duplicate. A database of its own (SQLite file, or PostgreSQL under
``DATABASE_URL``): the migration runs for real, down to ``gradebook_0003`` and up again."""
from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from core import migrate
from core.db import make_engine, session_scope
from core.models import AcademicYear, AuditEntry, School, SchoolClass, Subject, Term, User
from plugins.gradebook.models import FinalMark

GRADEBOOK = Path(__file__).resolve().parents[3] / "plugins" / "gradebook" / "migrations"


@pytest.fixture
def engine(tmp_path: Path, worker_id: str) -> Any:
    base = os.environ.get("DATABASE_URL")
    if base:
        from tests.conftest import fresh_postgres_database

        url = fresh_postgres_database(base, f"year_marks_{worker_id}")
    else:
        url = f"sqlite:///{tmp_path / 'year-marks.sqlite3'}"
    eng = make_engine(url)
    yield eng
    eng.dispose()
    if base:
        admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        admin.dispose()


def _gradebook(engine: Any, how: str, target: str) -> None:
    with engine.begin() as connection:
        getattr(command, how)(migrate._config(connection, "gradebook", GRADEBOOK), target)


def test_upgrade_keeps_the_newest_year_mark_audits_the_others_then_refuses_duplicates(engine: Any) -> None:
    migrate.upgrade(engine, [("gradebook", GRADEBOOK)])
    _gradebook(engine, "downgrade", "gradebook_0003")  # as a database was before: no index yet
    with session_scope(engine) as s:
        school = School(name="Школа", short_name="Школа")
        s.add(school)
        s.flush()
        year = AcademicYear(school_id=school.id, title="2026/2027", starts_on=date(2026, 9, 1),
                            ends_on=date(2027, 5, 31))
        s.add(year)
        s.flush()
        term = Term(year_id=year.id, school_id=school.id, number=1, title="1 четверть", starts_on=date(2026, 9, 1),
                    ends_on=date(2026, 10, 25), closes_on=date(2026, 11, 1))
        klass = SchoolClass(school_id=school.id, year_id=year.id, grade_level=5, letter="А")
        math = Subject(school_id=school.id, name="Математика")
        pupils = [User(school_id=school.id, login=f"p{i}", last_name="Ученик", first_name=str(i)) for i in (1, 2)]
        s.add_all([term, klass, math, *pupils])
        s.flush()

        def mark(pupil: User, value: str, day: int, term_id: int | None = None) -> FinalMark:
            row = FinalMark(school_id=school.id, class_id=klass.id, subject_id=math.id, student_id=pupil.id,
                            term_id=term_id, value=value, reason="по итогам года",
                            set_at=datetime(2027, 6, day, 12, tzinfo=UTC))
            s.add(row)
            s.flush()
            return row

        older, newest, oldest = mark(pupils[0], "4", 3), mark(pupils[0], "5", 5), mark(pupils[0], "3", 1)
        alone = mark(pupils[1], "4", 2)  # one year mark: untouched
        terms = [mark(pupils[0], "4", 1, term.id), mark(pupils[1], "5", 1, term.id)]  # term marks: untouched
        ids = {"older": older.id, "newest": newest.id, "oldest": oldest.id, "alone": alone.id,
               "terms": sorted(t.id for t in terms), "school": school.id, "pupil": pupils[0].id,
               "class": klass.id, "subject": math.id}

    _gradebook(engine, "upgrade", "heads")

    with session_scope(engine) as s:
        left = sorted(s.scalars(select(FinalMark.id)))
        assert left == sorted([ids["newest"], ids["alone"], *ids["terms"]])
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "gradebook.final_mark.delete")
                            .order_by(AuditEntry.object_id)).all()
        assert sorted(e.object_id for e in entries) == sorted([str(ids["older"]), str(ids["oldest"])])
        removed = {e.object_id: e for e in entries}
        assert removed[str(ids["older"])].old["value"] == "4" and removed[str(ids["oldest"])].old["value"] == "3"
        assert all(e.school_id == ids["school"] and e.actor_id is None for e in entries)
        assert all(e.new["kept_id"] == ids["newest"] and "«5»" in e.new["reason"] for e in entries)
        assert removed[str(ids["older"])].old["reason"] == "по итогам года" and removed[str(ids["older"])].old["set_at"]

    with pytest.raises(IntegrityError), session_scope(engine) as s:
        s.add(FinalMark(school_id=ids["school"], class_id=ids["class"], subject_id=ids["subject"],
                        student_id=ids["pupil"], term_id=None, value="2", reason="ещё раз"))
        s.flush()
