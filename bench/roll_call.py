"""Benchmark: the roll call of a class of 30 (a lesson of the bench journal, the day before the pinned day).

    .venv/bin/python bench/roll_call.py      # BENCH_DB=postgresql for a copy on PostgreSQL

Figures: the statements of the whole roll-call page request, and of saving it with no change, with all 30
absent, and back to everyone present (whole requests of the signed-in teacher, every enabled plugin's
hooks attached: the audit and the diary's notification of the families included). The goal says the save
costs the same whatever the number of changes.

Why the day before: a lesson later today is refused until it begins by the bells, and the benches keep
the date, not the time of day; yesterday's lesson is inside every edit window and still recent enough for
the families to be told of an absence (the diary's ``absence_window_days``), so the whole path is measured.
Every save is checked to have been saved (the marks in the database), never a refusal counted instead.
"""
from __future__ import annotations

import os
import re
from datetime import timedelta

from common import AS_OF, Statements, finish, header, make_app, result, school_database, signed_in
from fixture import add_journal


def _yesterday_lesson(app, j) -> int:
    """A lesson of the bench journal's class and subject on the day before the pinned day, first period."""
    from core.db import session_scope
    from plugins.gradebook.models import Lesson

    with app.app_context(), session_scope(app.extensions["klass"].engine) as session:
        lesson = Lesson(school_id=j.school_id, class_id=j.class_id, subject_id=j.subject_id, teacher_id=j.teacher_id,
                        date=AS_OF - timedelta(days=1), number=1, topic="Перекличка", summary="")
        session.add(lesson)
        session.flush()
        return lesson.id


def _absent(app, lesson_id: int) -> int:
    from sqlalchemy import func, select

    from plugins.attendance.models import AttendanceMark

    with app.extensions["klass"].engine.connect() as conn:
        return conn.execute(select(func.count()).where(AttendanceMark.lesson_id == lesson_id)).scalar_one()


def main() -> None:
    url, drop = school_database(os.environ.get("BENCH_DB", "sqlite"), "roll_call")
    try:
        app = make_app(url)
        engine = app.extensions["klass"].engine
        j = add_journal(app)
        client = signed_in(app, j.teacher_login)
        lesson_id = _yesterday_lesson(app, j)
        page = f"/attendance/lessons/{lesson_id}"
        with header(f"Roll-call bench on {engine.dialect.name}"):
            first = client.get(page)
        assert first.status_code == 200, first.status_code
        with Statements(engine) as page_statements:
            html = client.get(page).text
        print("  roll-call page, statements:")
        page_statements.show()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        counts = {}
        version = re.search(r'name="version"[^>]*value="(\d+)"', html)
        for title, code in (("none_absent", ""), ("all_absent", "н"), ("back_to_present", "")):
            form = {"csrf_token": token, **{f"code_{s}": code for s in j.student_ids}}
            if version:
                form["version"] = version.group(1)
            with Statements(engine) as save:
                response = client.post(page, data=form)
            assert response.status_code == 302, response.status_code
            assert _absent(app, lesson_id) == (len(j.student_ids) if code else 0), f"{title}: not saved"
            again = client.get(page).text
            assert "Посещаемость сохранена" in again or "Roll call saved" in again, f"{title}: refused"
            version = re.search(r'name="version"[^>]*value="(\d+)"', again)
            counts[title] = len(save)
            print(f"  save ({title}): {len(save)} statements")
            if len(save) < 40:
                save.show()
        result("roll_call_page_statements", len(page_statements), "statements", 3)
        for title, count in counts.items():
            result(f"roll_call_save_{title}_statements", count, "statements", 5)
    finally:
        drop()
    finish()


if __name__ == "__main__":
    main()
