"""Benchmark: the family's diary week under gunicorn on PostgreSQL, loaded by wrk from a separate process.

    .venv/bin/python bench/diary.py [--seconds 5] [--clients 8] [--workers 2]

Needs PostgreSQL (``BENCH_PG_URL``, default postgres@127.0.0.1:5432) and Debian's ``wrk``
(``apt-get install wrk``). Everything stays on the loopback; each run is bounded by ``--seconds``.
Figures: pages per second over 8 connections (8 guardians signed in, one per connection), and the
gunicorn workers' CPU time per page read from /proc before and after each run (the client's CPU is
not the server's). Both are medians of 5 runs. The CPU per page is the robust figure on a loaded machine;
pages per second must be judged on a quiet one (the load average is printed before, during and after).

    .venv/bin/python bench/diary.py --profile

runs the same pages in process instead (no server, no wrk), prints their CPU per page and a cProfile of
them (CPU time, top functions by own and by cumulative time): where a page's milliseconds go.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

from common import (
    INSTANCE,
    RUNS,
    USER_AGENT,
    database_cpu,
    finish,
    header,
    http_sign_in,
    proc_cpu,
    result,
    school_database,
    start_gunicorn,
)


def guardians(url: str, n: int) -> list[tuple[str, int]]:
    """(login, child id) of ``n`` guardians spread over the school."""
    from sqlalchemy import select

    from core.db import make_engine, session_scope
    from core.models import GuardianLink, User

    engine = make_engine(url)
    with session_scope(engine) as session:
        rows = session.execute(select(User.login, GuardianLink.student_id)
                               .join(GuardianLink, GuardianLink.guardian_id == User.id)
                               .order_by(GuardianLink.student_id)).all()
    engine.dispose()
    step = max(1, len(rows) // n)
    return [(login, student) for login, student in rows[::step][:n]]


def worker_cpu(master: int) -> float:
    """Seconds of CPU (user + system) of the gunicorn master's children, from /proc."""
    found = (proc_cpu(stat.parent.name) for stat in Path("/proc").glob("[0-9]*/stat"))
    return sum(cpu for ppid, cpu in filter(None, found) if ppid == master)


LUA = """
local targets = {%s}
local n = 0
request = function()
  n = n + 1
  local t = targets[(n %% #targets) + 1]
  return wrk.format("GET", t[1], {["Cookie"] = t[2], ["User-Agent"] = "%s"})
end
"""


def profile_in_process(clients: int, pages: int = 400) -> None:
    """Where a page's CPU goes: the week of ``clients`` guardians in process (Flask's test client, no HTTP),
    CPU per page over ``pages`` pages, then the same pages under cProfile (top functions by own time
    and by cumulative time). The figure is a guide for the server's: gunicorn adds HTTP parsing only."""
    import cProfile
    import pstats
    import statistics

    from common import make_app, signed_in

    url, drop = school_database("postgresql", "diary_profile")
    try:
        app = make_app(url)
        people = guardians(url, clients)
        targets = [(signed_in(app, login), f"/diary/{student}") for login, student in people]

        def one(i: int) -> None:
            client, path = targets[i % len(targets)]
            response = client.get(path)
            assert response.status_code == 200, response.status_code

        for i in range(3 * len(targets)):
            one(i)
        with header("Diary week in process (PostgreSQL)"):
            cpus = []
            for _ in range(RUNS):
                started = time.process_time()
                for i in range(pages // RUNS):
                    one(i)
                cpus.append((time.process_time() - started) * 1000 / (pages // RUNS))
            print(f"  in-process CPU per page: median {statistics.median(cpus):.2f} ms "
                  f"(runs {', '.join(f'{c:.2f}' for c in cpus)})")
        profile = cProfile.Profile(time.process_time)  # CPU, not the wait for PostgreSQL
        profile.enable()
        for i in range(pages):
            one(i)
        profile.disable()
        stats = pstats.Stats(profile).strip_dirs()
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(45)
    finally:
        drop()
    finish()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--profile", action="store_true",
                        help="no server: the same pages in process under cProfile, and their CPU per page")
    args = parser.parse_args()
    if args.profile:
        return profile_in_process(args.clients)
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    url, drop = school_database("postgresql", "diary")
    server = None
    try:
        people = guardians(url, args.clients)
        server, base = start_gunicorn(url, args.workers)
        targets = []
        for login, student in people:
            cookie, _token = http_sign_in(base, login, visit=(f"/diary/{student}",))
            targets.append(f'{{"/diary/{student}", "{cookie}"}}')
        script = INSTANCE / "diary.lua"
        script.write_text(LUA % (", ".join(targets), USER_AGENT), encoding="utf-8")
        with header(f"Diary bench: gunicorn -w {args.workers} on PostgreSQL, wrk with {args.clients} connections"):
            subprocess.run([wrk, "-t2", f"-c{args.clients}", "-d2s", "-s", str(script), base], check=True,
                           capture_output=True)  # warm-up: every worker's caches
        rates, cpu_per_page, db_per_page = [], [], []
        for _ in range(RUNS):
            before, db_before = worker_cpu(server.pid), database_cpu(url)
            out = subprocess.run([wrk, "-t2", f"-c{args.clients}", f"-d{args.seconds}s", "--timeout", "10s",
                                  "--latency", "-s", str(script), base], check=True, capture_output=True,
                                 text=True).stdout
            spent, db_spent = worker_cpu(server.pid) - before, database_cpu(url) - db_before
            requests = int(re.search(r"(\d+) requests in", out).group(1))
            bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            if bad:
                raise SystemExit(f"{bad.group(1)} failed responses:\n{out}")
            rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
            p50 = re.search(r"^\s*50%\s+(\S+)", out, re.MULTILINE).group(1)  # the latency distribution line
            rates.append(rate)
            cpu_per_page.append(spent * 1000 / max(requests, 1))
            db_per_page.append(db_spent * 1000 / max(requests, 1))
            print(f"  run: {requests} pages, {rate:.0f} pages/s, latency p50 {p50}, "
                  f"server CPU {cpu_per_page[-1]:.2f} ms per page, PostgreSQL {db_per_page[-1]:.2f} ms; "
                  f"load {os.getloadavg()[0]:.2f}", flush=True)
        # Pages per second follow the machine's load (other processes take the cores); the CPU per page
        # hardly does, so it is the figure to compare between runs. On a quiet machine the workers can use
        # every core: cores * 1000 / CPU-ms is the rate the CPU figure implies.
        import statistics

        print(f"  PostgreSQL's backends: {statistics.median(db_per_page):.2f} ms of CPU per page (median; on the "
              "same cores as the workers, so app + database CPU per page bounds the rate)", flush=True)
        cores = min(args.workers, os.cpu_count() or 1)
        print(f"  (pages/s must be judged on a quiet machine; {cores} cores at "
              f"{statistics.median(cpu_per_page):.2f} ms of CPU per page would serve about "
              f"{cores * 1000 / statistics.median(cpu_per_page):.0f} pages/s)", flush=True)
        result("diary_pages_per_second", 0.0, "pages/s", 400, at_most=False, samples=rates)
        result("diary_server_cpu_per_page", 0.0, "ms", 5, samples=cpu_per_page)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        drop()
    finish()


if __name__ == "__main__":
    main()
