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
    """Everything the grid shows, fetched by the bare driver in as few plain queries: the students with
    their term final marks, the lessons with their homework, the marks, the attendance cells."""
    mark = "?" if engine.dialect.name == "sqlite" else "%s"
    lessons = f"l.class_id = {mark} AND l.subject_id = {mark} AND l.date >= {mark} AND l.date <= {mark}"
    span = (j.class_id, j.subject_id, j.term_starts_on, j.term_ends_on)
    return [
        ("SELECT u.id, u.last_name, u.first_name, u.middle_name, cm.starts_on, cm.ends_on, f.id, f.value, "
         "f.version, f.forecast, f.reason FROM core_class_membership cm JOIN core_user u ON u.id = cm.student_id "
         "LEFT JOIN gradebook_final_mark f ON f.student_id = u.id AND f.class_id = cm.class_id "
         f"AND f.subject_id = {mark} AND f.term_id = {mark} WHERE cm.class_id = {mark} "
         "ORDER BY u.last_name, u.first_name, u.middle_name, u.id", (j.subject_id, j.term_id, j.class_id)),
        ("SELECT l.id, l.date, l.number, l.topic, l.teacher_id, l.control_work_type, l.subgroup_id, h.text "
         f"FROM gradebook_lesson l LEFT JOIN gradebook_homework h ON h.lesson_id = l.id WHERE {lessons} "
         "ORDER BY l.date, l.number, l.id", span),
        ("SELECT m.lesson_id, m.id, m.student_id, m.value, m.numeric, m.work_type, m.version, m.comment "
         f"FROM gradebook_lesson l JOIN gradebook_mark m ON m.lesson_id = l.id WHERE {lessons}", span),
        ("SELECT a.student_id, a.lesson_id, a.code, a.minutes_late FROM gradebook_lesson l "
         f"JOIN attendance_mark a ON a.lesson_id = l.id WHERE {lessons}", span),
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
        with app.test_request_context(page):
            user = state.session().get(User, j.teacher_id)
            login_user(user)

            settings, viewer = access.settings(), access.editor()  # the signed-in viewer, as the request has it

            def grid_data() -> None:
                """What the page does for its grid: open and load it, build the table, its heads and the JSON
                (reads only, through Core selects: nothing to expire between runs)."""
                session = state.session()
                opening = journal_grid.open_journal(session, j.school_id, j.teacher_id, j.class_id, j.subject_id,
                                                    j.term_id)
                grid = journal_grid.load_journal(session, settings, viewer, opening)
                words = journal_page._words(settings)
                journal_page._grid_rows(grid, settings, words)
                journal_page._headers(grid, settings, words)
                journal_page.page_data(grid, settings, words)

            grid_walls, grid_cpus = runs(grid_data, PER_RUN)
            state.session.remove()
        raw = engine.raw_connection()
        try:
            queries = floor_sql(engine, j)

            cursor = raw.cursor()  # the floor fetches what the grid shows: the same number of marks
            cursor.execute(*queries[2])
            assert len(cursor.fetchall()) == j.marks, "the floor's marks query misses marks"
            cursor.close()

            def floor() -> None:
                for sql, params in queries:
                    cursor = raw.cursor()
                    cursor.execute(sql, params)
                    cursor.fetchall()
                    cursor.close()

            floor_walls, floor_cpus = runs(floor, PER_RUN)
        finally:
            raw.close()
        # CPU beside wall time: on a loaded box a run's wall time is mostly waiting for a core.
        ratios = [g / f for g, f in zip(grid_walls, floor_walls, strict=True)]
        cpu_ratios = [g / f for g, f in zip(grid_cpus, floor_cpus, strict=True)]
        print(f"  grid data (open + load + table + JSON) p50 {statistics.median(grid_walls):.2f} ms wall, "
              f"{statistics.median(grid_cpus):.2f} ms CPU; floor (students with final marks, lessons with "
              f"homework, marks, attendance by the bare driver) p50 {statistics.median(floor_walls):.2f} ms wall, "
              f"{statistics.median(floor_cpus):.2f} ms CPU")

        result("journal_page_statements", len(page_statements), "statements", 6)
        # The verdict rule (bench/README.md): on a loaded machine (1-minute load average above the number
        # of CPUs) a request waits for a core, so its wall time measures the neighbours; then the CPU time
        # (the process's own) is judged, and the wall time is still printed.
        load, cpus_here = os.getloadavg()[0], os.cpu_count() or 1
        loaded = load > cpus_here
        print(f"  journal page p50: {statistics.median(walls):.2f} ms wall, {statistics.median(cpus):.2f} ms CPU; "
              f"grid vs floor: {statistics.median(ratios):.2f}x wall, {statistics.median(cpu_ratios):.2f}x CPU")
        print(f"  verdict on {'CPU' if loaded else 'wall'} time: load average {load:.2f} "
              f"{'>' if loaded else '<='} {cpus_here} CPUs")
        result("journal_page_p50", 0.0, "ms", 10, samples=cpus if loaded else walls)
        result("journal_grid_vs_floor", 0.0, "x", 3, samples=cpu_ratios if loaded else ratios)
        result("journal_page_html", round(len(body) / 1024), "KB", 150)
        print(f"  (as of {AS_OF}; {load_line()})")
    finally:
        drop()
    finish()


if __name__ == "__main__":
    main()
