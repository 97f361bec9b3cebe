"""Benchmark: saving marks in the journal grid, counted as whole requests.

    .venv/bin/python bench/mark_save.py                      # a copy of the cached SQLite school
    BENCH_DB=postgresql .venv/bin/python bench/mark_save.py  # a copy on PostgreSQL (BENCH_PG_URL)

Figures (see bench/README.md): the SQL statements of the whole ``PUT /api/v1/gradebook/cells`` request of
the signed-in teacher (sign-in, the save, its audit entry and every enabled plugin's hooks: the diary's
notification included), for a new mark and for a changed one. Each is the most expensive of three saves
on three students, so a first save that does more (starting the notification sender) is not hidden.
"""
from __future__ import annotations

import os

from common import (
    AS_OF,
    Statements,
    csrf_header,
    finish,
    header,
    load_line,
    make_app,
    result,
    school_database,
    signed_in,
)
from fixture import add_journal

SAVES = 3


def main() -> None:
    url, drop = school_database(os.environ.get("BENCH_DB", "sqlite"), "mark_save")
    try:
        app = make_app(url)
        engine = app.extensions["klass"].engine
        j = add_journal(app)
        with header(f"Mark-save bench on {engine.dialect.name}"):
            client = signed_in(app, j.teacher_login)
        headers = csrf_header(client)
        lesson_id = j.lesson_ids[-1]  # the pinned day's lesson: editable, and empty
        created, changed = [], []
        for n, student_id in enumerate(j.student_ids[:SAVES]):
            cell = {"lesson_id": lesson_id, "student_id": student_id, "values": ["5"], "known": []}
            with Statements(engine) as new:
                response = client.put("/api/v1/gradebook/cells", json=cell, headers=headers)
            assert response.status_code == 200, (response.status_code, response.text[:300])
            mark = response.json["marks"][0]
            cell = {**cell, "values": ["4"], "known": [[mark["id"], mark["version"]]]}
            with Statements(engine) as change:
                response = client.put("/api/v1/gradebook/cells", json=cell, headers=headers)
            assert response.status_code == 200, (response.status_code, response.text[:300])
            assert [m["value"] for m in response.json["marks"]] == ["4"], response.json
            created.append(len(new))
            changed.append(len(change))
            if n == 0:
                print("  a new mark (PUT /api/v1/gradebook/cells), statements:")
                new.show()
                print("  the same mark changed, statements:")
                change.show()
        print(f"  statements of {SAVES} saves: new {created}, changed {changed}")
        result("mark_save_statements", max(created), "statements", 6)
        result("mark_change_statements", max(changed), "statements", 6)
        print(f"  (as of {AS_OF}; {load_line()})")
    finally:
        drop()
    finish()


if __name__ == "__main__":
    main()
