"""Benchmark: the whole-school reports of the deputy director on the full-size school (44 classes,
1,100 students, marks and attendance up to the pinned date).

    .venv/bin/python bench/reports.py      # BENCH_DB=postgresql for a copy on PostgreSQL

For each report: the median wall and CPU time of ``RUNS`` runs (goal: under 2 s; on SQLite the CPU time
includes the database's work, so on a busy machine it is the robust figure and the wall time is judged
on a quiet one) and the SQL statements
of one run. "Constant statements" is judged by running the same report for one class and for the whole
school: a report that queries per class costs ~44 more statements for the school, one that aggregates in
SQL costs the same (goal: the school run at most 3 statements above the one-class run). Reports run
through the registry as the report page runs them, with the deputy's scope.
"""
from __future__ import annotations

import os
import statistics
import time
from typing import Any

from common import RUNS, Statements, finish, header, make_app, result, school_database
from sqlalchemy import select

SECONDS_GOAL = 2.0
EXTRA_STATEMENTS_GOAL = 3  # whole school vs one class


def main() -> None:
    url, drop = school_database(os.environ.get("BENCH_DB", "sqlite"), "reports")
    try:
        app = make_app(url)
        with header(f"Reports bench on {app.extensions['klass'].engine.dialect.name}"):
            measure(app)
    finally:
        drop()
    finish()


def measure(app: Any) -> None:
    from flask import g

    from core.models import User
    from core.toolkit import school_today
    from plugins.reports import data, registry

    engine = app.extensions["klass"].engine
    with app.test_request_context():
        session = app.extensions["klass"].session()
        deputy = session.scalar(select(User).where(User.login == "zavuch"))
        g.api_user = deputy  # what a signed-in request has: the school, the permissions
        reports = registry.all_reports()
        today = school_today(deputy.school_id, session=session)
        terms = data.terms_of_current_year(session, deputy.school_id)
        current = data.current_term(session, deputy.school_id, today)
        first_class = data.classes(session, deputy.school_id)[0]
        cases = [
            ("class_progress", {"term_id": current.id}, "current term (forecasts)"),
            ("class_progress", {"term_id": terms[0].id}, "1st term (final marks)"),
            ("final_forecast", {}, "current term"),
            ("class_attendance", {}, "4 weeks"),
            ("mark_accumulation", {}, ""),
            ("journal_timeliness", {}, "2 weeks"),
            ("objectivity", {}, "current term"),
        ]

        def one(key: str, params: dict[str, Any]) -> tuple[int, int]:
            session.expire_all()
            with Statements(engine) as counted:
                outcome, _values = registry.execute(session, reports[key], params, deputy)
            return len(counted), sum(len(t.rows) for t in outcome.tables)

        for key, params, what in cases:
            name = f"report_{key}" + ("_term1" if params.get("term_id") == terms[0].id else "")
            school_statements, rows = one(key, params)
            class_statements, _rows = one(key, {**params, "class_id": first_class.id})
            walls, cpus = [], []
            for _ in range(RUNS):
                session.expire_all()
                started, started_cpu = time.perf_counter(), time.process_time()
                registry.execute(session, reports[key], params, deputy)
                walls.append(time.perf_counter() - started)
                cpus.append(time.process_time() - started_cpu)
            print(f"  {key} ({what}): {rows} rows; {school_statements} statements for the school, "
                  f"{class_statements} for class {first_class.name}; CPU median {statistics.median(cpus):.3f} s")
            result(f"{name}_seconds", 0.0, "s", SECONDS_GOAL, samples=[round(w, 3) for w in walls])
            result(f"{name}_cpu_seconds", 0.0, "s", SECONDS_GOAL, samples=[round(c, 3) for c in cpus])
            result(f"{name}_extra_statements", school_statements - class_statements, "statements",
                   EXTRA_STATEMENTS_GOAL)


if __name__ == "__main__":
    main()
