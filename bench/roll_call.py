"""Benchmark: the roll call of a class of 30 (the bench journal's lesson on the pinned day).

    .venv/bin/python bench/roll_call.py      # BENCH_DB=postgresql for a copy on PostgreSQL

Figures: the statements of the whole roll-call page request, of saving it with no change, and of saving
it with all 30 absent (whole requests of the signed-in teacher, every enabled plugin's hooks attached).
The goal says the save costs the same whatever the number of changes.
"""
from __future__ import annotations

import os
import re

from common import Statements, finish, header, make_app, result, school_database, signed_in
from fixture import add_journal


def main() -> None:
    url, drop = school_database(os.environ.get("BENCH_DB", "sqlite"), "roll_call")
    try:
        app = make_app(url)
        engine = app.extensions["klass"].engine
        j = add_journal(app)
        client = signed_in(app, j.teacher_login)
        page = f"/attendance/lessons/{j.lesson_ids[-1]}"
        with header(f"Roll-call bench on {engine.dialect.name}"):
            first = client.get(page)
        assert first.status_code == 200, first.status_code
        with Statements(engine) as page_statements:
            html = client.get(page).text
        print("  roll-call page, statements:")
        page_statements.show()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        counts = {}
        for title, code in (("none_absent", ""), ("all_absent", "н"), ("back_to_present", "")):
            form = {"csrf_token": token, **{f"code_{s}": code for s in j.student_ids}}
            with Statements(engine) as save:
                response = client.post(page, data=form)
            assert response.status_code == 302, response.status_code
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
