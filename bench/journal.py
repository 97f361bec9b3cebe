"""Benchmark (not a test): the journal page of one class, subject and term on a full-size school.

    python bench/journal.py                 # a temporary SQLite file with `klass demo --size full`
    DATABASE_URL=postgresql://... python bench/journal.py   # that database (built there when empty)

Prints the SQL statements the page runs, p50/p95 server time of the page and of the grid data alone,
the raw DB-API time of fetching the same marks (the floor), the ratios, and the statements of saving one
mark. Aim (issue 4): at most 6 statements, grid data within 3x the floor, the page under 10 ms p50 on SQLite.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, select  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "60"))
WARMUP = 5
TX_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")


class Statements:
    """Counts the SQL statements an engine runs (transaction control aside)."""

    def __init__(self, engine: Any) -> None:
        self.engine, self.items = engine, []

    def _on(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(TX_CONTROL):
            self.items.append(statement)

    def __enter__(self) -> Statements:
        self.items = []
        event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on)


CPU: dict[str, float] = {}


def timed(fn: Any, runs: int = RUNS, name: str = "") -> tuple[float, float]:
    """Wall-clock p50 and p95 in milliseconds; the CPU-time p50 is kept in ``CPU[name]`` (on a shared
    machine the process's own CPU time says more than the wall clock)."""
    for _ in range(WARMUP):
        fn()
    samples, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    samples.sort()
    CPU[name] = statistics.median(cpu)
    return statistics.median(samples), samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]


def build_database(url: str) -> None:
    from core import create_app, migrate
    from core.db import make_engine, session_scope
    from core.demo import build_school
    from core.models import School
    from core.plugins import _order, call_in_order, discover

    plugins = _order(discover())
    known = discover()
    engine = make_engine(url)
    migrate.upgrade(engine, [(n, Path(known[n].__file__).parent / "migrations") for n in plugins])
    with session_scope(engine) as session:
        if session.scalar(select(func.count(School.id))):
            print("The database already has a school: measuring it as it is.")
            return
    app = create_app("default", engine=engine, settings_overrides={"klass": {"plugins": plugins}})
    state = app.extensions["klass"]
    started = time.perf_counter()
    with app.test_request_context(), session_scope(engine) as session:
        result = build_school(session, "full", state.settings["school"]["term_system"], "bench-password")
        call_in_order(state.pm, "register_demo_data", list(state.plugins), session=session, school=result.school,
                      size="full")
    print(f"Full-size school built in {time.perf_counter() - started:.1f} s "
          f"({', '.join(f'{k}: {v}' for k, v in result.counts.items())}).")
    engine.dispose()


def pick_journal(session: Any) -> tuple[Any, Any, Any, Any]:
    """The class, subject and term with the most marks among 25-30 students × 35-45 lessons."""
    from core.models import ClassMembership, SchoolClass, Subject, TeachingAssignment, Term
    from plugins.gradebook.models import Lesson, Mark

    terms = list(session.scalars(select(Term).order_by(Term.number)))
    today = date.today()
    term = next((t for t in terms if t.ends_on < today), terms[0])  # a finished term: every lesson has marks
    sizes = dict(session.execute(select(ClassMembership.class_id, func.count(ClassMembership.id))
                                 .group_by(ClassMembership.class_id)).all())
    rows = session.execute(
        select(Lesson.class_id, Lesson.subject_id, func.count(func.distinct(Lesson.id)), func.count(Mark.id))
        .outerjoin(Mark, Mark.lesson_id == Lesson.id)
        .where(Lesson.date >= term.starts_on, Lesson.date <= term.ends_on, Lesson.subgroup_id.is_(None))
        .group_by(Lesson.class_id, Lesson.subject_id)).all()
    fitting = [r for r in rows if 25 <= sizes.get(r[0], 0) <= 30 and 35 <= r[2] <= 45] or rows
    class_id, subject_id, _lessons, _marks = max(fitting, key=lambda r: (r[3], r[2]))
    teacher_id = session.scalar(select(TeachingAssignment.teacher_id).where(
        TeachingAssignment.class_id == class_id, TeachingAssignment.subject_id == subject_id).limit(1))
    return session.get(SchoolClass, class_id), session.get(Subject, subject_id), term, teacher_id


def raw_floor(engine: Any, class_id: int, subject_id: int, start: date, end: date) -> tuple[float, float, int]:
    """The same marks fetched with the driver alone: the time no ORM or template can beat."""
    dialect = engine.dialect.name
    mark = "?" if dialect == "sqlite" else "%s"
    sql = ("SELECT m.student_id, m.lesson_id, m.value, m.numeric, m.work_type, m.version "
           "FROM gradebook_lesson l JOIN gradebook_mark m ON m.lesson_id = l.id "
           f"WHERE l.class_id = {mark} AND l.subject_id = {mark} AND l.date >= {mark} AND l.date <= {mark}")
    params = (class_id, subject_id, start.isoformat(), end.isoformat()) if dialect == "sqlite" \
        else (class_id, subject_id, start, end)
    raw = engine.raw_connection()
    rows: list[Any] = []
    try:
        def fetch() -> None:
            nonlocal rows
            cursor = raw.cursor()
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            cursor.close()

        p50, p95 = timed(fetch, name="floor")
    finally:
        raw.close()
    return p50, p95, len(rows)


def http_save(client: Any, app: Any, teacher: Any, class_id: int, subject_id: int) -> int | None:
    """Statements of one PUT /api/v1/gradebook/cells by the teacher on an own lesson of today."""
    import re

    from core.db import session_scope
    from plugins.gradebook.models import Lesson

    engine = app.extensions["klass"].engine
    with session_scope(engine) as session:
        lesson = Lesson(school_id=teacher.school_id, class_id=class_id, subject_id=subject_id,
                        teacher_id=teacher.id, date=date.today(), number=11, topic="Замер")
        session.add(lesson)
        session.flush()
        lesson_id = lesson.id
        from core.models import ClassMembership

        student_id = session.scalar(select(ClassMembership.student_id).where(ClassMembership.class_id == class_id)
                                    .limit(1))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/account/tokens").text)
    headers = {"X-CSRFToken": token.group(1)} if token else {}
    body = {"lesson_id": lesson_id, "student_id": student_id, "values": ["5"], "known": []}
    with Statements(engine) as statements:
        response = client.put("/api/v1/gradebook/cells", json=body, headers=headers)
    return len(statements.items) if response.status_code == 200 else None


def main() -> None:
    from core import create_app
    from core.db import make_engine
    from core.plugins import _order, discover

    url = os.environ.get("DATABASE_URL")
    tmp = None
    if not url:
        tmp = tempfile.TemporaryDirectory(prefix="klass-bench-")
        url = f"sqlite:///{Path(tmp.name) / 'full.sqlite3'}"
    print(f"Database: {url.split('@')[-1]}")
    build_database(url)

    engine = make_engine(url)
    # No background job thread beside the measurements (a web process may run one; it is not the page).
    app = create_app("default", engine=engine, settings_overrides={"klass": {"plugins": _order(discover())},
                                                                    "jobs": {"embedded_worker": False}})
    state = app.extensions["klass"]
    with app.app_context():
        session = state.session()
        school_class, subject, term, teacher_id = pick_journal(session)
        class_id, subject_id, term_id = school_class.id, subject.id, term.id
        from core.models import User

        teacher = session.get(User, teacher_id)
        user_key = f"{teacher.id}:{teacher.session_version}"
        state.session.remove()

    client = app.test_client()
    with client.session_transaction() as flask_session:  # signed in as the teacher (no password needed)
        flask_session["_user_id"], flask_session["_fresh"] = user_key, True
    page_url = f"/gradebook/journal?class_id={class_id}&subject_id={subject_id}&term_id={term_id}"
    api_url = f"/api/v1/gradebook/journal?class_id={class_id}&subject_id={subject_id}&term_id={term_id}"
    response = client.get(page_url)
    assert response.status_code == 200, response.status_code

    with Statements(engine) as page_statements:
        client.get(page_url)
    page_p50, page_p95 = timed(lambda: client.get(page_url), name="page")
    api_p50, api_p95 = timed(lambda: client.get(api_url), name="api")

    from flask_login import current_user, login_user

    from plugins.gradebook import access, editing, journal_grid, journal_page, mark_saving

    def grid_data() -> Any:
        """What the page computes before rendering: open the journal, load the grid, build its JSON."""
        session = state.session()
        opening = journal_grid.open_journal(session, teacher.school_id, teacher.id, class_id, subject_id, term_id)
        grid = journal_grid.load_journal(session, access.settings(), access.editor(), opening)
        journal_page.journal_data(grid, access.settings())
        return grid

    with app.test_request_context():
        login_user(state.session().get(User, teacher_id))
        grid = grid_data()
        with Statements(engine) as grid_statements:
            grid_data()
        grid_p50, grid_p95 = timed(grid_data, name="grid")
        students, lessons = len(grid.journal.students), len(grid.journal.lessons)
        marks = sum(len(c) for c in grid.marks.values())
        state.session.remove()

    with app.test_request_context():
        # Saving one mark through the service, as a request does once its user is loaded (rolled back).
        session = state.session()
        login_user(session.get(User, teacher_id))
        assert current_user.grants is not None
        lesson, student = grid.journal.lessons[0], grid.journal.students[0]
        editor = editing.Editor(user_id=teacher.id, school_id=teacher.school_id, today=lesson.date, may_edit=True)
        cell = grid.marks.get((student.id, lesson.id), [])
        with Statements(engine) as save_statements:
            if len(cell) < 3:
                mark_saving.create_mark(session, access.settings(), editor, lesson_id=lesson.id,
                                     student_id=student.id, value="5")
            else:
                mark_saving.update_mark(session, access.settings(), editor, cell[0][0], version=cell[0][4], value="5")
            session.flush()
        session.rollback()
        state.session.remove()

    request_save = None
    if tmp is not None:  # a whole save request (only on the temporary database: it writes)
        request_save = http_save(client, app, teacher, class_id, subject_id)

    floor_p50, floor_p95, floor_rows = raw_floor(engine, class_id, subject_id, term.starts_on, term.ends_on)
    save_audit = [s for s in save_statements.items if "core_audit_entry" in s]

    print(f"\nJournal {school_class.name} · {subject.name} · {term.title}: {students} students × {lessons} lessons, "
          f"{marks} marks ({floor_rows} rows by the raw query).")
    print(f"SQL statements of the journal page: {len(page_statements.items)} "
          f"(the sign-in's user and roles: 2; the journal's: {len(grid_statements.items)}, of them "
          f"{len(grid_statements.items) - 3} by other plugins' extra_journal_columns)")
    for statement in page_statements.items:
        print("   ·", " ".join(statement.split())[:110])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    print(f"(machine load average {load:.1f} on {os.cpu_count()} CPUs: times are wall-clock, shared with it)")
    print(f"{'':32}{'p50 ms':>9}{'p95 ms':>9}{'× floor':>9}{'CPU p50':>10}{'× floor':>9}")
    for title, name, p50, p95 in (("raw DB-API query (the floor)", "floor", floor_p50, floor_p95),
                                  ("grid data (services + JSON)", "grid", grid_p50, grid_p95),
                                  ("grid data through the API", "api", api_p50, api_p95),
                                  ("journal page (HTML)", "page", page_p50, page_p95)):
        print(f"{title:32}{p50:9.2f}{p95:9.2f}{p50 / floor_p50:9.1f}{CPU[name]:10.2f}{CPU[name] / CPU['floor']:9.1f}")
    print(f"Saving one mark: {len(save_statements.items) - len(save_audit)} statements besides the audit write "
          f"({len(save_audit)} audit) in the service" + (
              f"; the whole PUT /api/v1/gradebook/cells request: {request_save} (with the sign-in's 2)."
              if request_save is not None else "."))
    for statement in save_statements.items:
        print("   ·", " ".join(statement.split())[:110])
    print(f"Aims: ≤ 6 statements: {'yes' if len(page_statements.items) <= 6 else 'NO'}; "
          f"grid data ≤ 3× floor: {'yes' if grid_p50 <= 3 * floor_p50 else 'no'} ({grid_p50 / floor_p50:.1f}× wall, "
          f"{CPU['grid'] / CPU['floor']:.1f}× CPU); page p50 < 10 ms: {'yes' if page_p50 < 10 else 'no'} "
          f"({page_p50:.1f} ms wall, {CPU['page']:.1f} ms CPU).")
    engine.dispose()
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
