"""Benchmark: the journal page of 30 students × 40 lessons (about 1,200 marks); saving a mark is ``mark_save.py``.

    .venv/bin/python bench/journal.py                    # a copy of the cached SQLite school
    BENCH_DB=postgresql .venv/bin/python bench/journal.py  # a copy on PostgreSQL (BENCH_PG_URL)

Figures (see bench/README.md): the statements of the whole page request of the signed-in teacher (the
session's user and grants included, every enabled plugin's hooks attached); the page's p50 wall time
(the median of 5 runs' medians) and CPU time; the grid data's time against the floor (the same marks,
lessons and students fetched with the bare driver).
"""
from __future__ import annotations

import os
import statistics
from typing import Any

from common import (
    AS_OF,
    Statements,
    finish,
    header,
    load_line,
    make_app,
    result,
    runs,
    school_database,
    signed_in,
)
from fixture import add_journal

PER_RUN = int(os.environ.get("BENCH_PER_RUN", "20"))


def floor_sql(engine: Any, j: Any) -> list[tuple[str, tuple[Any, ...]]]:
    """What the grid needs at minimum, in three bare queries: students, lessons, marks."""
    mark = "?" if engine.dialect.name == "sqlite" else "%s"
    return [
        ("SELECT u.id, u.last_name, u.first_name, u.middle_name FROM core_class_membership cm "
         f"JOIN core_user u ON u.id = cm.student_id WHERE cm.class_id = {mark}", (j.class_id,)),
        ("SELECT l.id, l.date, l.number, l.topic, l.control_work_type FROM gradebook_lesson l "
         f"WHERE l.class_id = {mark} AND l.subject_id = {mark} ORDER BY l.date, l.number", (j.class_id, j.subject_id)),
        ("SELECT m.student_id, m.lesson_id, m.value, m.numeric, m.work_type, m.version FROM gradebook_lesson l "
         f"JOIN gradebook_mark m ON m.lesson_id = l.id WHERE l.class_id = {mark} AND l.subject_id = {mark}",
         (j.class_id, j.subject_id)),
    ]


def main() -> None:
    kind = os.environ.get("BENCH_DB", "sqlite")
    url, drop = school_database(kind, "journal")
    try:
        app = make_app(url)
        engine = app.extensions["klass"].engine
        j = add_journal(app)
        with header(f"Journal bench on {engine.dialect.name}"):
            print(f"  journal: {len(j.student_ids)} students × {len(j.lesson_ids)} lessons, {j.marks} marks")
        client = signed_in(app, j.teacher_login)
        page = f"/gradebook/journal?class_id={j.class_id}&subject_id={j.subject_id}&term_id={j.term_id}"
        first = client.get(page)
        assert first.status_code == 200, first.status_code
        with Statements(engine) as page_statements:
            body = client.get(page).data
        print(f"  page: {len(body) / 1024:.0f} KB of HTML; statements:")
        page_statements.show()
        walls, cpus = runs(lambda: client.get(page), PER_RUN)
        print(f"  page CPU p50 {statistics.median(cpus):.2f} ms (runs: {', '.join(f'{c:.2f}' for c in cpus)})")

        from flask_login import login_user

        from core.models import User
        from plugins.gradebook import access, journal_grid, journal_page

        state = app.extensions["klass"]
        with app.test_request_context():
            login_user(state.session().get(User, j.teacher_id))

            def grid_data() -> None:
                session = state.session()
                opening = journal_grid.open_journal(session, j.school_id, j.teacher_id, j.class_id, j.subject_id,
                                                    j.term_id)
                grid = journal_grid.load_journal(session, access.settings(), access.editor(), opening)
                journal_page.journal_data(grid, access.settings())
                session.expire_all()

            grid_walls, _ = runs(grid_data, PER_RUN)
            state.session.remove()
        raw = engine.raw_connection()
        try:
            queries = floor_sql(engine, j)

            def floor() -> None:
                for sql, params in queries:
                    cursor = raw.cursor()
                    cursor.execute(sql, params)
                    cursor.fetchall()
                    cursor.close()

            floor_walls, _ = runs(floor, PER_RUN)
        finally:
            raw.close()
        ratios = [g / f for g, f in zip(grid_walls, floor_walls, strict=True)]
        print(f"  grid data p50 {statistics.median(grid_walls):.2f} ms; floor (students, lessons, marks by the "
              f"bare driver) p50 {statistics.median(floor_walls):.2f} ms")

        result("journal_page_statements", len(page_statements), "statements", 6)
        result("journal_page_p50", 0.0, "ms", 10, samples=walls)
        result("journal_page_cpu_p50", 0.0, "ms", 10, samples=cpus)
        result("journal_grid_vs_floor", 0.0, "x", 3, samples=ratios)
        result("journal_page_html", round(len(body) / 1024), "KB", 150)
        print(f"  (as of {AS_OF}; {load_line()})")
    finally:
        drop()
    finish()


if __name__ == "__main__":
    main()
