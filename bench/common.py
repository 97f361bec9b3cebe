"""What every bench shares: the pinned date, the full-size school (built once and copied), whole-request
statement counting, medians over runs, and the ``RESULT`` lines that ``make bench`` judges.

Why a pinned date: the demo data follow "today"; before the first term ends there is no finished term,
so figures taken in September and in March measured different schools. Every bench runs with
``KLASS_AS_OF`` (default: the last day of the second term of the 2026/27 year) set for itself, for the
``klass demo --as-of`` build and for the gunicorn it starts, so every run sees the same school.

Why a cached school: building it takes a minute or two; ``bench/.cache`` keeps one SQLite file (and, on
PostgreSQL, one template database) per date and per version of the migrations and demo builders, and each
bench works on a copy, so writes never leak from one bench into another.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "bench" / ".cache"
PASSWORD = "bench-pass-2026"
RUNS = max(5, int(os.environ.get("BENCH_RUNS", "5")))  # medians of at least 5 runs
PG_BASE = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TX_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")


def default_as_of() -> date:
    """The last day of the second term of the 2026/27 year, in the default term system (quarters)."""
    from core.calendar import default_terms

    return default_terms("quarters", 2026)[1].ends_on


AS_OF: date = date.fromisoformat(os.environ["BENCH_AS_OF"]) if os.environ.get("BENCH_AS_OF") else default_as_of()
os.environ["KLASS_AS_OF"] = AS_OF.isoformat()  # this process, the build and the servers see that day
INSTANCE = Path(tempfile.mkdtemp(prefix="klass-bench-instance-"))
CONFIG = INSTANCE / "bench.toml"


def _write_config() -> None:
    """Every installed plugin enabled (their hooks are part of every request), no job thread: queued jobs
    stay queued, as in production with a separate worker, so a request is measured alone."""
    from core.plugins import _order, discover

    plugins = ", ".join(f'"{n}"' for n in _order(discover()))
    CONFIG.write_text(f"[klass]\nplugins = [{plugins}]\n\n[jobs]\nembedded_worker = false\n", encoding="utf-8")


_write_config()
os.environ.update({"KLASS_CONFIG": str(CONFIG), "KLASS_INSTANCE": str(INSTANCE), "SECRET_KEY": "bench-secret-key"})
os.environ.pop("KLASS_JOBS", None)  # the default queue: jobs are stored, not run inside the request


# --- the school -----------------------------------------------------------------------------------------

def _code_key() -> str:
    """A digest of what shapes the data: migrations, demo builders, the core's demo and the date."""
    digest = hashlib.sha1(AS_OF.isoformat().encode())
    files = sorted([*ROOT.glob("core/migrations/**/*.py"), *ROOT.glob("plugins/*/migrations/**/*.py"),
                    *ROOT.glob("plugins/*/demo*.py"), ROOT / "core" / "demo.py", CONFIG])
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _klass(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "klass"), *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"  (klass {' '.join(args)}: {time.perf_counter() - started:.0f} s)")


def _pg_admin() -> Any:
    from sqlalchemy import create_engine

    return create_engine(PG_BASE.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG_BASE).set(database=name).render_as_string(hide_password=False)


KEEP_TEMPLATES = 4  # full-size schools kept on PostgreSQL, this code version's included (~0.3 GB each)


def school_database(engine_kind: str, name: str) -> tuple[str, Callable[[], None]]:
    """(url, drop) of a private copy of the full-size school built for ``AS_OF`` on ``sqlite`` or
    ``postgresql``; the first call builds it with ``klass demo --size full --as-of``."""
    key = _code_key()
    if engine_kind == "sqlite":
        CACHE.mkdir(exist_ok=True)
        cached = CACHE / f"full-{AS_OF}-{key}.sqlite3"
        if not cached.exists():
            for old in CACHE.glob("full-*.sqlite3"):
                old.unlink()
            partial = cached.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            _klass(f"sqlite:///{partial}", "demo", "--size", "full", "--as-of", AS_OF.isoformat(), "--password", PASSWORD)
            partial.rename(cached)
        copy = INSTANCE / f"{name}.sqlite3"
        shutil.copyfile(cached, copy)
        return f"sqlite:///{copy}", lambda: copy.unlink(missing_ok=True)
    from sqlalchemy import text

    admin = _pg_admin()
    template = f"klass_bench_tpl_{key}"
    with admin.connect() as conn:
        have = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": template}).first()
        if not have:
            # Keep the newest few templates of other code versions: benches of two branches run side by side
            # (worktrees), and dropping every other template wiped (or killed the build of) the other's.
            # OIDs grow with creation, so the oldest go first.
            old = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'klass_bench_tpl_%' "
                                    "ORDER BY oid DESC OFFSET :keep"), {"keep": KEEP_TEMPLATES - 1}).scalars()
            for stale in list(old):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{template}"'))
            try:
                _klass(_pg_url(template), "demo", "--size", "full", "--as-of", AS_OF.isoformat(), "--password", PASSWORD)
            except BaseException:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
                raise
        target = f"klass_bench_{name}"
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target}" TEMPLATE "{template}"'))
    url = _pg_url(target)
    from sqlalchemy import create_engine

    analyse = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with analyse.connect() as conn:  # what autovacuum does soon after a bulk load: the planner needs statistics
        conn.execute(text("ANALYZE"))
    analyse.dispose()

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def proc_cpu(pid: int | str) -> tuple[int, float] | None:
    """(parent pid, seconds of CPU: user + system) of a process, from /proc; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_cpu(url: str) -> float:
    """Seconds of CPU of the PostgreSQL backends connected to ``url``'s database: the server's share of
    the pages a bench serves (the app's CPU leaves it out)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            pids = list(conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                          "AND pid <> pg_backend_pid()")).scalars())
    finally:
        engine.dispose()
    return sum(found[1] for found in map(proc_cpu, pids) if found)


def start_gunicorn(url: str, workers: int, env: dict[str, str] | None = None) -> tuple[Any, str]:
    """``gunicorn -w workers`` on a free loopback port serving ``url``'s school, answering once ready:
    (the process, its base URL). Stop it with ``os.killpg(process.pid, SIGTERM)``."""
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    full_env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), **(env or {})}
    process = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-b",
                                f"127.0.0.1:{port}", "--log-level", "warning", "core:create_app()"], cwd=ROOT,
                               env=full_env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/login", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    return process, base


USER_AGENT = "klass-bench/1"  # one browser: the same User-Agent at sign-in and on every later request


def http_sign_in(base: str, login: str, visit: tuple[str, ...] = ()) -> tuple[str, str]:
    """(Cookie header, CSRF token) of a person signed in through the real form, as a browser holds them
    after opening ``visit`` (a page may update the cookie, as the diary remembers the child looked at;
    a browser sends the updated cookie back, and so must the load client, or every request re-signs it).
    Requests carry ``USER_AGENT``: Flask-Login's session protection compares it with the sign-in's."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    token = _CSRF.search(opener.open(f"{base}/login").read().decode()).group(1)
    opener.open(f"{base}/login", urllib.parse.urlencode(
        {"login": login, "password": PASSWORD, "csrf_token": token}).encode()).read()
    found = _CSRF.search(opener.open(f"{base}/account/tokens").read().decode())
    for page in visit:
        opener.open(f"{base}{page}").read()
    return "; ".join(f"{c.name}={c.value}" for c in jar), found.group(1) if found else token


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def make_app(url: str) -> Any:
    from core import create_app

    return create_app("default", database_url=url)


def signed_in(app: Any, login: str) -> Any:
    """A test client signed in through the real /login form."""
    import re

    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post("/login", data={"login": login, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"sign-in of {login}: {response.status_code}"
    return client


def csrf_header(client: Any, page: str = "/account/tokens") -> dict[str, str]:
    import re

    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(page).text)
    return {"X-CSRFToken": found.group(1)} if found else {}


# --- counting and timing --------------------------------------------------------------------------------

class Statements:
    """The SQL statements an engine runs inside the block (transaction control aside)."""

    def __init__(self, engine: Any) -> None:
        self.engine, self.items = engine, []

    def _on(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(TX_CONTROL):
            self.items.append(" ".join(statement.split()))

    def __enter__(self) -> Statements:
        from sqlalchemy import event

        self.items = []
        event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc: Any) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._on)

    def __len__(self) -> int:
        return len(self.items)

    def show(self, limit: int = int(os.environ.get("BENCH_SQL_WIDTH", "120"))) -> None:
        for statement in self.items:
            print("     ·", statement[:limit])


def runs(fn: Callable[[], Any], per_run: int, warmup: int = 3) -> tuple[list[float], list[float]]:
    """``RUNS`` runs of ``per_run`` calls: each run's median wall and CPU milliseconds per call."""
    for _ in range(warmup):
        fn()
    walls, cpus = [], []
    for _ in range(RUNS):
        wall, cpu = [], []
        for _ in range(per_run):
            started, started_cpu = time.perf_counter(), time.process_time()
            fn()
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        walls.append(statistics.median(wall))
        cpus.append(statistics.median(cpu))
    return walls, cpus


def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


# --- verdicts -------------------------------------------------------------------------------------------

FAILED: list[str] = []


def result(name: str, value: float, unit: str, goal: float, *, at_most: bool = True,
           samples: list[float] | None = None) -> None:
    """Print ``RESULT <name> <value> <unit> goal <goal> <ok|MISS>``. ``value`` is the median of
    ``samples`` when given; a miss fails ``make bench`` only when it is larger than the spread of the
    runs (max - min), the noise a re-run shows; counts of statements have no noise."""
    if samples:
        value = statistics.median(samples)
    noise = (max(samples) - min(samples)) if samples and len(samples) > 1 else 0.0
    ok = value <= goal if at_most else value >= goal
    beyond = value > goal + noise if at_most else value < goal - noise
    shown = f"{value:.2f}" if isinstance(value, float) and not value.is_integer() else f"{value:g}"
    sign = "<=" if at_most else ">="
    extra = f"  (runs: {', '.join(f'{s:.2f}' for s in samples)}; noise {noise:.2f})" if samples else ""
    print(f"RESULT {name} {shown} {unit} goal {sign}{goal:g} {'ok' if ok else 'MISS'}{extra}", flush=True)
    if not ok and beyond:
        FAILED.append(name)


def finish() -> None:
    print(f"({load_line()} at the end)")
    shutil.rmtree(INSTANCE, ignore_errors=True)
    if FAILED:
        print(f"MISSED beyond the noise: {', '.join(FAILED)}")
        raise SystemExit(1)


@contextmanager
def header(title: str) -> Iterator[None]:
    print(f"{title}: data as of {AS_OF} (KLASS_AS_OF), {load_line()}", flush=True)
    yield
