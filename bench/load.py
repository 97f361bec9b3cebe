"""Load test: a school day's mix on loopback against gunicorn + PostgreSQL + the job worker.

    .venv/bin/python bench/load.py [--clients 8,32,128] [--seconds 30] [--workers 4]

Starts ``gunicorn -w N`` and ``klass jobs worker`` on a private copy of the full-size school (pinned date,
``bench/common.py``), then runs locust (``bench/load_users.py``: teachers saving marks and roll calls,
families reading diaries, deputies opening reports, each signed in through the real form) at each number
of clients for a bounded time, and prints per kind: requests per second, p50/p95 latency, failures; and the
server's CPU per request (gunicorn workers and the job worker, read from /proc, divided by all requests).
Per-kind CPU is measured separately, one kind at a time with 8 clients. Any failed request makes the
bench fail: the goal is zero errors at every level.

The load client runs on the same two cores as the server, so pages/s are a floor; CPU per request is the
server's own. The school's mail goes to a local SMTP server started here (``aiosmtpd``, as in the tests),
so the diary's notifications of the marks saved are really sent, and their number is printed.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import (
    INSTANCE,
    ROOT,
    finish,
    header,
    http_sign_in,
    load_line,
    proc_cpu,
    result,
    school_database,
    start_gunicorn,
)
from diary import worker_cpu
from sqlalchemy import func, select

WEIGHTS = {"markers": 3, "roll_callers": 2, "families": 10, "deputies": 1}  # as in load_users.py
KINDS = {"MarkingTeacher": "mark save", "RollCallTeacher": "roll call save", "Family": "diary week",
         "Deputy": "whole-school report"}


def people(url: str) -> dict[str, list[dict[str, Any]]]:
    """Real people of the school: teachers with a lesson of the pinned day each (half of them mark, half
    take the roll call, never the same lesson), guardians with a child, the deputies."""
    from core.db import make_engine, session_scope
    from core.models import ClassMembership, GuardianLink, Role, RoleGrant, SchoolClass, User
    from core.toolkit import school_today
    from plugins.gradebook.public import Lesson

    engine = make_engine(url)
    with session_scope(engine) as session:
        school_id = session.scalar(select(func.min(User.school_id)))
        day = school_today(school_id, session=session)
        lessons = session.execute(
            select(Lesson.id, Lesson.class_id, User.login).join(User, User.id == Lesson.teacher_id)
            .join(SchoolClass, SchoolClass.id == Lesson.class_id)
            # the first grade is taught without marks (the school's settings refuse them)
            .where(Lesson.date == day, Lesson.subgroup_id.is_(None), SchoolClass.grade_level > 1)
            .order_by(Lesson.id)).all()
        seen, teaching = set(), []
        for lesson_id, class_id, login in lessons:  # one lesson per teacher: a teacher marks one lesson at a time
            if login not in seen:
                seen.add(login)
                students = list(session.scalars(select(ClassMembership.student_id).where(
                    ClassMembership.class_id == class_id, ClassMembership.active_on(day))))
                teaching.append({"login": login, "lesson": lesson_id, "students": students})
        families = [{"login": login, "student": student} for login, student in session.execute(
            select(User.login, GuardianLink.student_id).join(GuardianLink, GuardianLink.guardian_id == User.id)
            .order_by(GuardianLink.student_id))]
        deputies = [{"login": login} for login in session.scalars(
            select(User.login).join(RoleGrant, RoleGrant.user_id == User.id).where(RoleGrant.role == Role.deputy))]
    engine.dispose()
    if len(teaching) < 4 or not families or not deputies:
        raise SystemExit(f"the school has too few people for the load test on {day}")
    print(f"  {len(teaching)} teachers with a lesson on {day}, {len(families)} families, {len(deputies)} deputies")
    return {"markers": teaching[0::2], "roll_callers": teaching[1::2], "families": families, "deputies": deputies}


def locust(base: str, clients: int, seconds: int, prefix: Path, classes: list[str],
           server_cpu: Any) -> tuple[list[dict[str, str]], float]:
    """Run locust headless; the rows of its statistics (reset once every client has signed in) and the
    server's CPU milliseconds per request in the steady part of the run (after the ramp-up and its argon2
    sign-ins), from locust's per-second history and /proc samples taken meanwhile."""
    command = [str(Path(sys.executable).parent / "locust"), "-f", str(ROOT / "bench" / "load_users.py"),
               "--headless", "-u", str(clients), "-r", str(min(clients, 50)), "-t", f"{seconds}s", "--host", base,
               "--csv", str(prefix), "--csv-full-history", "--reset-stats", "--only-summary", "--loglevel",
               "ERROR", *classes]
    log = open(f"{prefix}.log", "w", encoding="utf-8")  # noqa: SIM115  (closed below)
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    samples: list[tuple[float, float]] = []
    while process.poll() is None:
        samples.append((time.time(), server_cpu()))
        time.sleep(0.5)
    log.close()
    if not Path(f"{prefix}_stats.csv").exists():
        raise SystemExit(f"locust failed:\n{Path(f'{prefix}.log').read_text(encoding='utf-8')[-3000:]}")
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(f"{prefix}_failures.csv", encoding="utf-8") as f:
        for failure in csv.DictReader(f):
            print(f"    FAILED {failure['Occurrences']}× {failure['Method']} {failure['Name']}: {failure['Error'][:200]}")
    with open(f"{prefix}_stats_history.csv", encoding="utf-8") as f:
        history = [(float(r["Timestamp"]), int(r["Total Request Count"])) for r in csv.DictReader(f)
                   if r["Name"] == "Aggregated"]
    steady = [h for h in history if h[0] >= samples[0][0] + RAMP_SECONDS]
    if len(steady) < 2:
        return rows, float("nan")

    def cpu_at(moment: float) -> float:
        return min(samples, key=lambda s: abs(s[0] - moment))[1]

    (t0, n0), (t1, n1) = steady[0], steady[-1]
    return rows, (cpu_at(t1) - cpu_at(t0)) * 1000 / max(n1 - n0, 1)


RAMP_SECONDS = 10  # every client has signed in by then (argon2: the costly part of a sign-in)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", default="8,32,128")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    url, drop = school_database("postgresql", "load")
    servers: list[subprocess.Popen[bytes]] = []
    inbox, smtp = _mail_sink()
    try:
        data = INSTANCE / "people.json"
        everyone = people(url)
        config = INSTANCE / "load_mail.toml"  # the school's [mail] section, pointing at the local server
        config.write_text(f'[mail]\nhost = "127.0.0.1"\nport = {smtp.port}\n', encoding="utf-8")
        env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), "KLASS_LOAD_PEOPLE": str(data),
               "KLASS_CONFIG": str(config)}
        web, base = start_gunicorn(url, args.workers, env)
        servers.append(web)
        servers.append(subprocess.Popen([str(Path(sys.executable).parent / "klass"), "jobs", "worker"], cwd=ROOT,
                                        env=env, start_new_session=True, stdout=subprocess.DEVNULL))
        most = max(int(c) for c in args.clients.split(","))
        started = time.perf_counter()
        for kind, weight in WEIGHTS.items():  # enough signed-in people for the largest run
            # the largest mixed run's share, and 8 for the runs of one kind alone (a lesson each, never shared)
            everyone[kind] = everyone[kind][:max(8, most * weight // sum(WEIGHTS.values()) + 2)]
            for person in everyone[kind]:
                person["cookie"], person["csrf"] = http_sign_in(base, person["login"])
        print(f"  {sum(len(v) for v in everyone.values())} people signed in through the form in "
              f"{time.perf_counter() - started:.0f} s")
        data.write_text(json.dumps(everyone), encoding="utf-8")
        os.environ["KLASS_LOAD_PEOPLE"] = str(data)

        def server_cpu() -> float:
            return worker_cpu(servers[0].pid) + sum(worker_cpu(s.pid) for s in servers[1:]) + sum(
                _own_cpu(s.pid) for s in servers[1:])

        failures = 0
        with header(f"Load test: gunicorn -w {args.workers} + klass jobs worker on PostgreSQL"):
            for cls, kind in KINDS.items():  # CPU per request of each kind, alone
                rows, cpu = locust(base, 8, RAMP_SECONDS + 15, INSTANCE / f"alone-{cls}", [cls], server_cpu)
                total = next(r for r in rows if r["Name"] == "Aggregated")
                failures += int(total["Failure Count"])
                print(f"  {kind} alone (8 clients): {float(total['Requests/s']):.0f} requests/s, "
                      f"{cpu:.1f} ms server CPU per request (its page requests included)")
            for clients in [int(c) for c in args.clients.split(",")]:
                rows, cpu = locust(base, clients, RAMP_SECONDS + args.seconds, INSTANCE / f"mix-{clients}", [],
                                   server_cpu)
                total = next(r for r in rows if r["Name"] == "Aggregated")
                print(f"  {clients} clients: {float(total['Requests/s']):.0f} requests/s in all, "
                      f"{int(total['Failure Count'])} failed; {cpu:.1f} ms server CPU per request; {load_line()}")
                for row in rows:
                    if row["Name"] != "Aggregated":
                        print(f"    {row['Name']:<22} {float(row['Requests/s']):7.1f}/s  p50 {row['50%']:>6} ms  "
                              f"p95 {row['95%']:>6} ms  failed {row['Failure Count']}")
                failures += int(total["Failure Count"])
                result(f"load_{clients}_p95", float(total["95%"]), "ms", 2000)
        result("load_failed_requests", failures, "requests", 0)
        print(f"  mail: {inbox.count} messages accepted by the local SMTP server (families' notifications)")
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        smtp.stop()
        drop()
    finish()


class _Inbox:
    """Counts what the school's mail delivers (the bench needs the number, not the letters)."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.count += 1
        return "250 OK"


def _mail_sink() -> tuple[_Inbox, Any]:
    """A real SMTP server on a free loopback port, started; stop it with ``.stop()``."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return inbox, controller


def _own_cpu(pid: int) -> float:
    found = proc_cpu(pid)
    return found[1] if found else 0.0


if __name__ == "__main__":
    main()
