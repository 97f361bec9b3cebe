"""Benchmark: one school's pages with 1, 2 and 8 full-size schools in one PostgreSQL database.

    .venv/bin/python bench/schools.py            # make bench-schools; BENCH_PG_URL names the server
    .venv/bin/python bench/schools.py --build    # only build (or check) the cached template databases

Why: a region keeps every school in the same tables, so a query that filters by ``school_id`` through an
index that does not lead with the school reads every school's rows; one school's journal would cost more
with every school added. The bench builds 1, 2 and 8 full-size schools (``klass demo --size full --as-of``
run again adds the next school: СОШ № 7, 8, ... 14) and, for school № 7, measures the journal page, the
diary week, the roll-call page, the attendance monitor and a whole-school report (class_progress): the
statements of each whole request, and the median time of ``RUNS`` runs (wall; CPU of this process and of
the PostgreSQL backends, read from /proc). ``RESULT schools_<figure>_ratio_8_to_1`` is the total CPU at
8 schools over that at 1 (goal ≤ 1.2); ``schools_<figure>_extra_statements_8`` is the statements at 8
minus those at 1 (goal 0). At 8 schools the heaviest statement of each page is shown with its plan.

Why the templates are keyed on the demo builders only: building 8 full schools takes a long while on a
loaded machine, and index migrations do not change the data. Each copy is upgraded with the current
migrations (``klass db upgrade``), so an index added later is measured without a rebuild; if the upgrade
cannot run on an old template (a renumbered revision), the templates are built again.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import (
    AS_OF,
    CONFIG,
    INSTANCE,
    PASSWORD,
    ROOT,
    RUNS,
    Statements,
    _klass,
    _pg_admin,
    _pg_url,
    database_cpu,
    finish,
    header,
    load_line,
    make_app,
    result,
)
from sqlalchemy import create_engine, event, text

COUNTS = (1, 2, 8)
RATIO_GOAL = 1.2
SCHOOL = "school7"  # the first school: every figure is its pages


def _data_key() -> str:
    """What shapes the data: the date, the demo builders and the bench config (not index migrations)."""
    digest = hashlib.sha1(AS_OF.isoformat().encode())
    for path in sorted([*ROOT.glob("plugins/*/demo*.py"), ROOT / "core" / "demo.py", CONFIG]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _exists(conn: Any, name: str) -> bool:
    return conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is not None


def _demo(url: str) -> None:
    _klass(url, "demo", "--size", "full", "--as-of", AS_OF.isoformat(), "--password", PASSWORD)


def templates(counts: tuple[int, ...] = COUNTS) -> dict[int, str]:
    """{number of schools: template database}, built once per data key: 1 school, then a copy of it with
    the next school added, then a copy of that with six more (up to the largest of ``counts``)."""
    key = _data_key()
    names = {n: f"klass_bench_schools{n}_{key}" for n in COUNTS}
    admin = _pg_admin()
    with admin.connect() as conn:
        stale = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'klass_bench_schools%'"))
        for old in [s for s in stale.scalars() if not s.endswith((f"_{key}", f"_{key}_partial"))]:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)'))
        previous = 0
        for n in [c for c in COUNTS if c <= max(counts)]:
            if not _exists(conn, names[n]):
                partial = f"{names[n]}_partial"
                conn.execute(text(f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)'))
                source = f' TEMPLATE "{names[previous]}"' if previous else ""
                conn.execute(text(f'CREATE DATABASE "{partial}"{source}'))
                for number in range(previous + 1, n + 1):
                    print(f"  building school {number} of {n} (СОШ № {6 + number}) ...", flush=True)
                    _demo(_pg_url(partial))
                conn.execute(text(f'ALTER DATABASE "{partial}" RENAME TO "{names[n]}"'))
            previous = n
    admin.dispose()
    return names


def copy_of(template: str, name: str) -> str:
    """A private copy, upgraded with the current migrations and analysed (what autovacuum does soon after a
    bulk load: the planner needs statistics)."""
    target = f"klass_bench_{name}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target}" TEMPLATE "{template}"'))
    admin.dispose()
    url = _pg_url(target)
    _klass(url, "db", "upgrade")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    from core.db import Base

    make_app(url)  # imports every plugin's models into the metadata
    for table in Base.metadata.tables.values():  # an index a migration gained after the template was built
        for index in table.indexes:
            index.create(engine, checkfirst=True)
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return url


def drop(name: str) -> None:
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "klass_bench_{name}" WITH (FORCE)'))
    admin.dispose()


# --- the pages ------------------------------------------------------------------------------------------

def pages(app: Any) -> dict[str, tuple[str, str]]:
    """{figure: (login@school7, url)} of school № 7: the biggest class's main subject journal in the
    current term, its teacher's last lesson up to the pinned day, a guardian's child's diary week, the
    deputy's monitor and class_progress report."""
    sql = {
        "school": "SELECT id FROM core_school WHERE slug = :slug",
        "term": "SELECT id FROM core_term WHERE school_id = :s AND starts_on <= :d AND ends_on >= :d",
        "assignment": "SELECT ta.teacher_id, ta.class_id, ta.subject_id, u.login FROM core_teaching_assignment ta "
                      "JOIN core_user u ON u.id = ta.teacher_id WHERE ta.school_id = :s AND ta.subgroup_id IS NULL "
                      "ORDER BY (SELECT count(*) FROM core_class_membership m WHERE m.class_id = ta.class_id) DESC, "
                      "ta.hours_per_week DESC, ta.id LIMIT 1",
        "lesson": "SELECT id FROM gradebook_lesson WHERE teacher_id = :t AND class_id = :c AND subject_id = :j "
                  "AND date <= :d ORDER BY date DESC, number LIMIT 1",
        "guardian": "SELECT u.login, g.student_id FROM core_guardian_link g JOIN core_user u ON u.id = g.guardian_id "
                    "WHERE g.school_id = :s ORDER BY g.student_id LIMIT 1",
        "deputy": "SELECT u.login FROM core_user u JOIN core_role_grant r ON r.user_id = u.id "
                  "WHERE u.school_id = :s AND r.role = 'deputy' ORDER BY u.id LIMIT 1",
    }
    with app.extensions["klass"].engine.connect() as conn:
        one = conn.execute(text(sql["school"]), {"slug": SCHOOL}).scalar()
        term = conn.execute(text(sql["term"]), {"s": one, "d": AS_OF}).scalar()
        teacher, class_id, subject_id, login = conn.execute(text(sql["assignment"]), {"s": one}).one()
        lesson = conn.execute(text(sql["lesson"]), {"t": teacher, "c": class_id, "j": subject_id, "d": AS_OF}).scalar()
        guardian, child = conn.execute(text(sql["guardian"]), {"s": one}).one()
        deputy = conn.execute(text(sql["deputy"]), {"s": one}).scalar()
    at = f"@{SCHOOL}"
    return {
        "journal": (login + at, f"/gradebook/journal?class_id={class_id}&subject_id={subject_id}&term_id={term}"),
        "diary_week": (guardian + at, f"/diary/{child}"),
        "roll_call": (login + at, f"/attendance/lessons/{lesson}"),
        "attendance_monitor": (deputy + at, "/attendance/monitor"),
        "school_report": (deputy + at, f"/reports/class_progress?run=1&term_id={term}"),
    }


def signed_in(app: Any, login: str) -> Any:
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post("/login", data={"login": login, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"sign-in of {login}: {response.status_code}"
    return client


def backends_cpu(engine: Any) -> float:
    """Seconds of CPU of the PostgreSQL backends serving this database (the server's share of a page)."""
    return database_cpu(engine.url.render_as_string(hide_password=False))


def measure(app: Any, targets: dict[str, tuple[str, str]], per_run: int) -> dict[str, dict[str, Any]]:
    """Per figure: statements of one request and, per run, the median wall / app CPU ms and the backends'
    CPU ms per request (summed over the run: /proc counts in clock ticks)."""
    engine = app.extensions["klass"].engine
    clients = {login: signed_in(app, login) for login, _ in targets.values()}
    out: dict[str, dict[str, Any]] = {}
    for figure, (login, url) in targets.items():
        client = clients[login]
        for _ in range(3):
            response = client.get(url)
            assert response.status_code == 200, (figure, url, response.status_code)
        with Statements(engine) as counted:
            client.get(url)
        walls, cpus, db_cpus = [], [], []
        for _ in range(RUNS):
            wall, cpu = [], []
            db_before = backends_cpu(engine)
            for _ in range(per_run):
                started, started_cpu = time.perf_counter(), time.process_time()
                client.get(url)
                wall.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            db_cpus.append((backends_cpu(engine) - db_before) * 1000 / per_run)
            walls.append(statistics.median(wall))
            cpus.append(statistics.median(cpu))
        out[figure] = {"statements": len(counted), "wall": walls, "cpu": cpus, "db_cpu": db_cpus,
                       "total_cpu": [c + d for c, d in zip(cpus, db_cpus, strict=True)]}
        print(f"    {figure}: {len(counted)} statements, wall {statistics.median(walls):.1f} ms, app CPU "
              f"{statistics.median(cpus):.1f} ms, database CPU {statistics.median(db_cpus):.1f} ms "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)
    return out


def captured(engine: Any, fetch: Any) -> list[tuple[str, Any]]:
    """The SELECT statements (with their parameters) run while ``fetch()`` runs."""
    seen: list[tuple[str, Any]] = []

    def on(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and not many:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", on)
    try:
        fetch()
    finally:
        event.remove(engine, "before_cursor_execute", on)
    return seen


def heaviest_plans(app: Any, targets: dict[str, tuple[str, str]]) -> None:
    """The slowest statement of each page (EXPLAIN ANALYZE) and its scans: index scans expected."""
    engine = app.extensions["klass"].engine
    for figure, (login, url) in targets.items():
        client = signed_in(app, login)
        client.get(url)
        seen = captured(engine, lambda c=client, u=url: c.get(u))
        timed = []
        with engine.connect() as conn:
            for statement, parameters in seen:
                raw = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters).scalar()
                plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
                timed.append((plan["Plan"]["Actual Total Time"], statement, parameters))
            ms, statement, parameters = max(timed, key=lambda t: t[0])
            lines = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars().all()
        print(f"  {figure}: heaviest statement {ms:.1f} ms: {' '.join(statement.split())[:160]}")
        for line in lines:
            if "Scan" in line or "Cond" in line or "Filter" in line:
                print(f"      {line.strip()[:150]}")


def one_count(n: int, template: str, per_run: int, *, explain: bool, out: str) -> None:
    name = f"schools{n}"
    url = copy_of(template, name)
    try:
        app = make_app(url)
        targets = pages(app)
        print(f"  {n} school(s): school № 7's pages ({load_line()})", flush=True)
        Path(out).write_text(json.dumps(measure(app, targets, per_run)), encoding="utf-8")
        if explain:
            heaviest_plans(app, targets)
        app.extensions["klass"].engine.dispose()
    finally:
        drop(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", action="store_true", help="only build the template databases")
    parser.add_argument("--schools", default=",".join(map(str, COUNTS)),
                        help="which of 1,2,8 to measure (the ratios compare the first and the last)")
    parser.add_argument("--per-run", type=int, default=int(os.environ.get("BENCH_PER_RUN", "10")))
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one count, in a child process
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--explain", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    counts = tuple(int(n) for n in args.schools.split(","))
    names = templates(counts)
    if args.build:
        print("templates:", ", ".join(names.values()))
        return
    if args.one:
        one_count(args.one, names[args.one], args.per_run, explain=args.explain, out=args.out)
        return
    figures: dict[int, dict[str, dict[str, Any]]] = {}
    with header("Schools bench on PostgreSQL"):
        for n in counts:
            # Each count in a fresh process: apps built one after another in one process measured the
            # later ones with a larger heap (a growing garbage collector's share), not more schools.
            out = INSTANCE / f"schools{n}.json"
            subprocess.run([sys.executable, __file__, "--one", str(n), "--per-run", str(args.per_run),
                            "--out", str(out), *(["--explain"] if n == counts[-1] else [])], check=True)
            figures[n] = json.loads(out.read_text(encoding="utf-8"))
    first, last = figures[counts[0]], figures[counts[-1]]
    for figure in first:
        ratios = [b / a for a, b in zip(first[figure]["total_cpu"], last[figure]["total_cpu"], strict=True)]
        walls = [b / a for a, b in zip(first[figure]["wall"], last[figure]["wall"], strict=True)]
        print(f"  {figure}: total CPU " + " / ".join(
            f"{statistics.median(figures[n][figure]['total_cpu']):.1f}" for n in counts) +
              f" ms at {'/'.join(map(str, counts))} schools; wall ratio {counts[-1]}:{counts[0]} "
              f"{statistics.median(walls):.2f}")
        result(f"schools_{figure}_ratio_{counts[-1]}_to_{counts[0]}", 0.0, "x", RATIO_GOAL, samples=ratios)
        result(f"schools_{figure}_extra_statements_{counts[-1]}",
               last[figure]["statements"] - first[figure]["statements"], "statements", 0)
    finish()


if __name__ == "__main__":
    main()
