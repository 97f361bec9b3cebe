"""With two schools in one PostgreSQL database, the key pages of one school read only that school's rows.

Why this test: Klass keeps every school in the same tables, so a query that filters by ``school_id`` with
no index leading with the school (or a sharper key such as the class, the lesson or the student) reads
every school's rows and throws the others away: the attendance monitor of a region's school would cost as
much as the whole region. The statements are captured from the real pages (journal, diary week, roll
call, attendance monitor, a whole-school report) by a ``before_cursor_execute`` listener and each one that
names ``school_id`` is explained with ``enable_seqscan`` off (the test data are tiny, so a sequential scan
would otherwise always look cheaper): no table of both schools may be read by a sequential scan, a full
index scan, or an index whose first column is shared by the schools (a date, a status).

PostgreSQL only: SQLite's planner has no EXPLAIN in this form, and production regions run on PostgreSQL.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select, text

from core.models import GuardianLink, Role, RoleGrant, School, TeachingAssignment, Term, User
from tests.conftest import FIXED_TODAY, sign_in

SCANS = {"Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Index Scan"}


@pytest.fixture
def two_schools(app: Flask, session: Any) -> dict[str, Any]:
    """The demo school (СОШ № 7) and a second demo school built beside it by ``klass demo``'s builder."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plans are PostgreSQL's: run with DATABASE_URL=postgresql://... to check them")
    from core.demo import build_school
    from core.plugins import call_in_order

    state = app.extensions["klass"]
    with app.test_request_context():
        other = build_school(session, "demo", "quarters", "other-school-pass", today=FIXED_TODAY, number=8)
        call_in_order(state.pm, "register_demo_data", list(state.plugins), session=session, school=other.school,
                      size="demo")
    session.commit()
    demo = session.scalar(select(School).where(School.slug == "school7"))
    return {"demo": demo.id, "other": other.school.id}


@contextmanager
def captured(engine: Any) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements (with their parameters) an engine runs inside the block."""
    seen: list[tuple[str, Any]] = []

    def on(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and not executemany:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", on)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on)


def _scans(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if plan.get("Node Type") in SCANS:
        yield plan
    for child in plan.get("Plans", []):
        yield from _scans(child)


def _indexes(conn: Any) -> dict[str, tuple[str, str, bool]]:
    """index name -> (its table, its first column, unique?)."""
    rows = conn.execute(text(
        "SELECT c.relname, t.relname, a.attname, i.indisunique FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()")).all()
    return {name: (table, column, unique) for name, table, column, unique in rows}


def _tables_of_many_schools(conn: Any) -> set[str]:
    """Tables with a ``school_id`` column holding rows of more than one school."""
    tables = conn.execute(text("SELECT table_name FROM information_schema.columns WHERE column_name = 'school_id' "
                               "AND table_schema = current_schema()")).scalars().all()
    return {t for t in tables if conn.execute(text(f'SELECT count(DISTINCT school_id) FROM "{t}"')).scalar() > 1}


def _one_school_key(column: str, unique: bool) -> bool:
    """An index column that picks rows of one school: the school, an id of one school's row, a unique key."""
    return column == "school_id" or column == "id" or column.endswith("_id") or unique


def wide_reads(conn: Any, statements: list[tuple[str, Any]]) -> list[str]:
    """For each statement naming ``school_id``: the scans that read rows of both schools, i.e. a sequential
    scan, or an index scan that does not pin the index's first column to one value (or a few) of one
    school's key."""
    indexes, shared = _indexes(conn), _tables_of_many_schools(conn)
    problems = []
    conn.execute(text("SET LOCAL enable_seqscan = off"))
    for statement, parameters in statements:
        if "school_id" not in statement:
            continue
        plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
        plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
        for scan in _scans(plan):
            if scan["Node Type"] == "Seq Scan":
                if scan["Relation Name"] in shared:
                    problems.append(f"Seq Scan on {scan['Relation Name']} (Filter: {scan.get('Filter')})\n"
                                    f"    in: {' '.join(statement.split())[:300]}")
                continue
            table, column, unique = indexes[scan["Index Name"]]
            if table not in shared:
                continue
            cond = scan.get("Index Cond", "")
            pinned = re.search(rf"\b{column} = ", cond) is not None
            if not (pinned and _one_school_key(column, unique)):
                problems.append(f"{scan['Node Type']} of {scan['Index Name']} ({column} first) on {table} with "
                                f"Index Cond {cond or '—'}, Filter {scan.get('Filter')}\n"
                                f"    in: {' '.join(statement.split())[:300]}")
    return problems


def _demo_ids(session: Any, school_id: int, accounts: dict[str, str]) -> dict[str, Any]:
    """The demo school's pages to open: the teacher's journal and today's lesson, a guardian's child."""
    from plugins.gradebook.public import Lesson

    teacher = session.scalar(select(User).where(User.school_id == school_id, User.login == accounts["teacher"]))
    assignment = session.scalar(select(TeachingAssignment).where(TeachingAssignment.teacher_id == teacher.id)
                                .order_by(TeachingAssignment.id).limit(1))
    term = session.scalar(select(Term).where(Term.school_id == school_id, Term.starts_on <= FIXED_TODAY,
                                             Term.ends_on >= FIXED_TODAY))
    lesson = session.scalar(select(Lesson).where(Lesson.teacher_id == teacher.id, Lesson.date <= FIXED_TODAY)
                            .order_by(Lesson.date.desc(), Lesson.number).limit(1))
    guardian = session.scalar(select(User).where(User.school_id == school_id, User.login == accounts["guardian"]))
    child = session.scalar(select(func.min(GuardianLink.student_id)).where(GuardianLink.guardian_id == guardian.id))
    deputy = session.scalar(select(User.login).join(RoleGrant, RoleGrant.user_id == User.id)
                            .where(User.school_id == school_id, RoleGrant.role == Role.deputy).limit(1))
    assert isinstance(lesson.date, date) and child and deputy
    return {"teacher": teacher.login, "class_id": assignment.class_id, "subject_id": assignment.subject_id,
            "term_id": term.id, "lesson_id": lesson.id, "guardian": guardian.login, "child": child,
            "deputy": deputy}


def test_the_key_pages_of_one_school_read_through_indexes_that_lead_with_the_school(
        app: Flask, session: Any, two_schools: dict[str, Any], demo_school: dict[str, Any]) -> None:
    ids = _demo_ids(session, two_schools["demo"], demo_school["accounts"])
    def signed(login: str) -> Any:  # generated logins may repeat in the other school: «login@school7»
        return sign_in(app.test_client(), f"{login}@school7")

    teacher, guardian, deputy = signed(ids["teacher"]), signed(ids["guardian"]), signed(ids["deputy"])
    pages = {
        "journal": (teacher, f"/gradebook/journal?class_id={ids['class_id']}&subject_id={ids['subject_id']}"
                             f"&term_id={ids['term_id']}", "журнал"),
        "diary week": (guardian, f"/diary/{ids['child']}", "Дневник"),
        "roll call": (teacher, f"/attendance/lessons/{ids['lesson_id']}", "Посещаемость"),
        "attendance monitor": (deputy, "/attendance/monitor", "/attendance/lessons/"),
        "whole-school report": (deputy, f"/reports/class_progress?run=1&term_id={ids['term_id']}", "Успеваемость"),
    }
    engine = app.extensions["klass"].engine
    found: dict[str, list[str]] = {}
    for name, (client, url, words) in pages.items():
        client.get(url)  # the first request fills the per-process caches; the second is the page as served
        with captured(engine) as statements:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        assert words.lower() in response.text.lower(), f"{name}: the page does not show «{words}»"
        assert any("school_id" in s for s, _ in statements), f"{name}: no statement filtered by the school"
        found[name] = wide_reads(session.connection(), statements)
    problems = [f"{name}: {p}" for name, ps in found.items() for p in ps]
    assert not problems, "reads over both schools' rows:\n" + "\n".join(problems)
