"""Benchmark: the year-end journals of a full-size school (44 classes, 1,100 students) into the archive.

Builds the school the way the test fixtures do (``build_school`` + every plugin's demo data, size
"full") in a temporary SQLite file (or the database of ``DATABASE_URL``), with the lessons, marks and
attendance of the WHOLE year (the demo data dated as of the year's last day: the heaviest print, the
one a school makes in June), then prints every class journal through the same code path as the
background job, with a pool of processes, and reports time, pages, megabytes and peak memory.

    .venv/bin/python bench/print_archive.py [--workers 2] [--as-of year-end|today] [--summaries]

Target (issue 9): under 60 s on 2 cores; memory bounded because classes stream one at a time.
Figures: ``RESULT print_year_seconds`` (wall time; judged on a quiet machine), ``print_year_cpu_per_core``
(CPU seconds of every process divided by the workers: what the wall time would be on idle cores, the
robust figure on a busy machine) and ``print_peak_rss_mb`` (the largest process). One run: a run takes
half a minute, and its CPU time barely varies.

The data are pinned by ``KLASS_AS_OF`` (bench/common.py): the academic year of that date, printed as of
its last day, whatever today is.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from common import finish, header, result  # noqa: E402  (pins KLASS_AS_OF for the build and this process)

os.environ["KLASS_JOBS"] = "immediate"  # no queue thread: the benchmark drives the work itself

PLUGINS = ["gradebook", "attendance", "print_archive"]


def build_school(app, as_of: str) -> int:  # type: ignore[no-untyped-def]
    """The full-size school with every enabled plugin's demo data; returns the school id."""
    from datetime import date

    from core.db import session_scope
    from core.demo import build_school as build_core
    from core.models import AcademicYear

    state = app.extensions["klass"]
    with app.test_request_context(), session_scope(state.engine) as session:
        result = build_core(session, "full", state.settings["school"]["term_system"], "bench-pass-2026")
        year = session.query(AcademicYear).filter_by(school_id=result.school.id, is_current=True).one()
        today = year.ends_on if as_of == "year-end" else date.fromisoformat(os.environ["KLASS_AS_OF"])
        for name in state.plugins:  # requirements first, as the core's demo command orders them
            demo = importlib.import_module(f"plugins.{name}.demo") if (ROOT / "plugins" / name / "demo.py").exists() \
                else None
            if demo is not None and "today" in inspect.signature(demo.build).parameters:
                demo.build(session, result.school, "full", today=today)
            else:
                impl = [i for i in state.pm.hook.register_demo_data.get_hookimpls() if i.plugin_name == name]
                for i in impl:
                    i.function(session=session, school=result.school, size="full")
        return result.school.id


def _build_in_child(url: str, as_of: str) -> None:
    """Build the school in a process of its own, so that the printing process's peak memory is its own."""
    from core import create_app, migrate

    app = create_app("default", settings_overrides=OVERRIDES, database_url=url)
    state = app.extensions["klass"]
    migrate.upgrade(state.engine, [(n, p.migrations_dir) for n, p in state.plugins.items()])
    build_school(app, as_of)


OVERRIDES = {"klass": {"plugins": PLUGINS}, "jobs": {"embedded_worker": False}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--as-of", choices=["year-end", "today"], default="year-end",
                        help="year-end: the whole year's data; today: the data as of KLASS_AS_OF")
    parser.add_argument("--summaries", action="store_true", help="also print the summary sheets")
    parser.add_argument("--printing", choices=["one_sided", "two_sided"], default="one_sided")
    parser.add_argument("--db", help="keep the school in this SQLite file and reuse it on the next run")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from core import create_app, migrate
    from core.models import AcademicYear, SchoolClass, User

    tmp = tempfile.TemporaryDirectory(prefix="klass-bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{args.db or tmp.name + '/bench.sqlite3'}"
    reuse = bool(args.db and Path(args.db).exists())
    started = time.perf_counter()
    if reuse:
        print(f"reusing the school in {args.db}")
    else:
        import multiprocessing

        builder = multiprocessing.get_context("spawn").Process(target=_build_in_child, args=(url, args.as_of))
        builder.start()
        builder.join()
        if builder.exitcode:
            raise SystemExit("building the school failed")
        print(f"school built in {time.perf_counter() - started:.1f} s ({url.split('://')[0]}, data as of {args.as_of})")
    overrides = {**OVERRIDES, "plugins": {"print_archive": {"printing": args.printing, "workers": args.workers}}}
    app = create_app("default", settings_overrides=overrides, database_url=url)
    state = app.extensions["klass"]
    migrate.upgrade(state.engine, [(n, p.migrations_dir) for n, p in state.plugins.items()])
    from core.models import School

    with app.app_context():
        school_id = state.session().scalar(select(School.id).order_by(School.id))

    from plugins.attendance.models import AttendanceMark
    from plugins.gradebook.models import Lesson, Mark
    from plugins.print_archive.jobs import context_from_app, run_generation

    with app.app_context():
        session = state.session()
        year = session.scalar(select(AcademicYear).where(AcademicYear.school_id == school_id,
                                                         AcademicYear.is_current.is_(True)))
        class_ids = list(session.scalars(select(SchoolClass.id).where(SchoolClass.year_id == year.id)
                                         .order_by(SchoolClass.grade_level, SchoolClass.letter)))
        counts = {name: session.scalar(select(func.count()).select_from(model))
                  for name, model in (("lessons", Lesson), ("marks", Mark), ("attendance marks", AttendanceMark))}
        print(f"{len(class_ids)} classes; " + ", ".join(f"{n}: {c:,}".replace(",", " ") for n, c in counts.items()))
        admin = session.scalar(select(User.id).where(User.login == "admin"))
        kinds = ["journal", "summary"] if args.summaries else ["journal"]
        last = [0.0]

        def progress(done: int, total: int, message: str) -> None:
            now = time.perf_counter()
            if now - last[0] > 5 or done == total:
                last[0] = now
                print(f"  {now - t0:6.1f} s  {done}/{total}  {message}")

        # The snapshot moment: noon of the year's last day (year-end) or now.
        from datetime import UTC, datetime
        from datetime import time as clock

        now = datetime.combine(year.ends_on, clock(9), tzinfo=UTC) if args.as_of == "year-end" else None
        def cpu() -> float:
            own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
            return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

        cpu0 = cpu()
        t0 = time.perf_counter()
        outcome = run_generation(session, context_from_app(), class_ids, kinds, user_id=admin, job_id=None,
                                 progress=progress, workers=args.workers, now=now)
        elapsed = time.perf_counter() - t0
        session.close()
    spent = cpu() - cpu0  # the workers' time counts once they have ended (the pool is closed by now)

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = outcome.worker_rss_mb  # each worker reports its own peak
    print(f"printed {len(outcome.documents)} documents of {len(class_ids)} classes in {elapsed:.1f} s "
          f"with {args.workers} process(es): {outcome.pages} pages ({outcome.pages / elapsed:.0f} pages/s), "
          f"{outcome.bytes / 1e6:.1f} MB stored in the archive")
    print(f"CPU time: {spent:.1f} s in all processes, i.e. {spent / max(args.workers, 1):.1f} s of wall time on "
          f"{args.workers} idle core(s); load average now {os.getloadavg()[0]:.1f} (other work slows the wall time)")
    print(f"peak RSS: main process {own:.0f} MB, largest worker process {children:.0f} MB")
    with header(f"Year print of {len(class_ids)} classes, {outcome.pages} pages"):
        result("print_year_seconds", round(elapsed, 1), "s", 60)
        result("print_year_cpu_per_core", round(spent / max(args.workers, 1), 1), "s", 60)
        result("print_peak_rss_mb", round(max(own, children)), "MB", 400)
    tmp.cleanup()
    finish()


if __name__ == "__main__":
    main()
