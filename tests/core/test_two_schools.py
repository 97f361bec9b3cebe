"""Two schools in one installation: nothing of school B is visible or writable from school A.

School B is built once for the module the way production builds a school (``tests/core/two_schools.py``):
``klass school create``, the set-up pages, ``klass office import`` of real CSV/XLSX files, every plugin's
own demo rows and marked activity through the services. Then every role of the demo school A crawls every
GET route of the app with the ids of B's objects (and of A's) in the path and in the query string: B's
objects answer 403/404/redirect, never a page with B's data, and no page or API answer of A carries any of
B's distinctive strings (its name, its people, the topic and the letter B's teacher wrote). The write
routes are posted with B's ids, and B's rows are compared before and after: nothing of B changes.

The module keeps one connection with an outer transaction (rolled back at the end); each test runs in a
SAVEPOINT of it, so what one role's crawl writes never reaches the next role's.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from core import create_app
from core.db import Base
from tests.conftest import FAST_HASH, all_plugins, sign_in
from tests.core.two_schools import SchoolB, build_school_b

ROLES = ["admin", "principal", "deputy", "class_teacher", "teacher", "student", "guardian"]
SIGNS_OUT = {"core_auth.logout", "core_account.end_session"}
# GET views that answer 200 for any id without showing the object (a form whose id is only echoed back, or a
# page of the user's own that ignores the id): endpoint -> why. The marker check still runs on them.
ANSWERS_ANY_ID: dict[str, str] = {}
# Public lists that name every school of the installation by design: the school's name may show there,
# nothing else of it. endpoint -> why.
SCHOOL_DIRECTORY = {"netschool_compat.school_search": "the families' apps pick the school before signing in, "
                                                      "as on Сетевой Город"}
SCHOOL_NAME_MARKERS = {"Квазар"}


@pytest.fixture(scope="module")
def two_schools(engine: Engine, demo_school: dict[str, Any],
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, Connection, SchoolB]]:
    conn = engine.connect()
    outer = conn.begin()
    app = create_app("default", engine=conn, testing=True,
                     settings_overrides={"klass": {"plugins": all_plugins()}, "security": FAST_HASH})
    app.config["WTF_CSRF_ENABLED"] = False  # the crawl posts forms with B's ids: the object checks must answer
    school_b = build_school_b(app, conn, tmp_path_factory.mktemp("school_b"))
    try:
        yield app, conn, school_b
    finally:
        outer.rollback()
        conn.close()


@pytest.fixture
def schools(two_schools: tuple[Flask, Connection, SchoolB]) -> Iterator[tuple[Flask, Connection, SchoolB]]:
    app, conn, school_b = two_schools
    savepoint = conn.begin_nested()
    try:
        yield app, conn, school_b
    finally:
        app.extensions["klass"].session.remove()
        if savepoint.is_active:
            savepoint.rollback()


# --- rows of a school --------------------------------------------------------------------------------

def school_tables() -> list[Any]:
    return [t for t in Base.metadata.sorted_tables if "school_id" in t.c]


def ids_of(conn: Connection, school_id: int) -> dict[str, list[int]]:
    """Table name -> ids of that school's rows (tables with an ``id`` key and a ``school_id``)."""
    out: dict[str, list[int]] = {"core_school": [school_id]}
    for table in school_tables():
        if "id" not in table.c:
            continue
        out[table.name] = list(conn.scalars(select(table.c.id).where(table.c.school_id == school_id)
                                            .order_by(table.c.id)))
    return out


def snapshot(conn: Connection, school_id: int) -> dict[str, str]:
    """A digest of every row of the school in every table that carries ``school_id``."""
    out = {}
    for table in school_tables():
        rows = conn.execute(select(table).where(table.c.school_id == school_id)).all()
        out[table.name] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
    return out


# --- filling URLs with a school's ids ----------------------------------------------------------------

# Path parameters naming people: which of a school's people fill them.
PEOPLE = {"student_id": "student", "teacher_id": "teacher", "guardian_id": "guardian", "user_id": "student"}
CORE_TABLES = {"class_id": "core_school_class", "subject_id": "core_subject", "subgroup_id": "core_subgroup",
               "term_id": "core_term", "holiday_id": "core_holiday", "assignment_id": "core_teaching_assignment",
               "audit_id": "core_audit_entry", "school_id": "core_school", "job_id": "core_job", "token_id": "core_api_token",
               "password_id": "core_app_password", "session_id": "core_user_session"}
TEXT_PARAMS = {"fmt": "xlsx", "filename": "file.pdf"}
# Query-string parameters the views read (``request.args``): B's ids go there too.
QUERY = {"class_id": "core_school_class", "subject_id": "core_subject", "year_id": "core_academic_year",
         "term": "core_term", "student": "student", "student_id": "student", "child": "student",
         "child_id": "student", "author_id": "teacher", "teacher_id": "teacher", "subgroup_id": "core_subgroup"}


def people_of(conn: Connection, school_id: int) -> dict[str, list[int]]:
    from core.models import RoleGrant, User

    rows = conn.execute(select(RoleGrant.role, User.id).join(User, User.id == RoleGrant.user_id)
                        .where(RoleGrant.school_id == school_id).order_by(User.id)).all()
    out: dict[str, list[int]] = {}
    for role, user_id in rows:
        out.setdefault(str(getattr(role, "value", role)), []).append(user_id)
    return out


def _plugin_of(endpoint: str, plugins: list[str]) -> str:
    blueprint = endpoint.split(".", 1)[0]
    return next((p for p in sorted(plugins, key=len, reverse=True) if blueprint.startswith(p)), "core")


def tables_for(param: str, plugin: str, ids: dict[str, list[int]]) -> list[str]:
    """The tables whose rows a path parameter may name: ``document_id`` of the documents plugin is a
    ``documents_document``, of the office an ``office_document``; several candidates are all tried."""
    if param in CORE_TABLES:
        return [CORE_TABLES[param]]
    stem = param.removesuffix("_id")
    own = [t for t in ids if t.startswith(plugin + "_")]
    found = [t for t in own if t.endswith("_" + stem)] or [t for t in own if stem in t.split("_")[1:]] \
        or [t for t in own if stem in t]
    return found or [t for t in ids if t.endswith("_" + stem)]


def urls_for(rule: Any, plugin: str, ids: dict[str, list[int]], people: dict[str, list[int]],
             limit: int = 4) -> tuple[list[str], bool]:
    """Up to ``limit`` URLs of a rule, each path parameter filled with one of the school's objects, and
    whether any parameter names one of the school's objects (rather than a placeholder)."""
    choices: list[list[str]] = [[]]
    named = False
    for arg in sorted(rule.arguments):
        if arg in PEOPLE:
            values = [str(people.get(PEOPLE[arg], [0])[0])]
            named = True
            if arg == "user_id":
                values.append(str(people.get("teacher", [0])[0]))
        elif arg in TEXT_PARAMS or not arg.endswith("_id"):
            values = [TEXT_PARAMS.get(arg, "1")]
        else:
            values = [str(ids[t][0]) for t in tables_for(arg, plugin, ids) if ids.get(t)] or ["1"]
            named = named or values != ["1"]
        choices = [c + [v] for c in choices for v in values][:limit]
    urls = []
    for combo in choices:
        url = rule.rule
        for arg, value in zip(sorted(rule.arguments), combo, strict=True):
            url = re.sub(rf"<(?:[\w()=,]+:)?{arg}>", value, url)
        urls.append(url)
    return urls, named


def query_of(ids: dict[str, list[int]], people: dict[str, list[int]]) -> str:
    parts = []
    for name, source in QUERY.items():
        found = people.get(source) or ids.get(source) or []
        if found:
            parts.append(f"{name}={found[0]}")
    return "?" + "&".join(parts)


# --- what a response shows --------------------------------------------------------------------------

def shown_text(response: Any) -> str:
    """The text a user gets: the page, the JSON (its Cyrillic unescaped), a spreadsheet's cells."""
    body = response.get_data()
    kind = response.content_type or ""
    if "json" in kind:
        try:
            return json.dumps(json.loads(body), ensure_ascii=False)
        except ValueError:
            pass
    if "spreadsheetml" in kind or "officedocument" in kind:
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return " ".join(book.read(n).decode("utf-8", "replace") for n in book.namelist() if n.endswith(".xml"))
    if "pdf" in kind:
        return pdf_text(body)
    return body.decode("utf-8", "replace")


def pdf_text(body: bytes) -> str:
    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover - pypdf is a test dependency
        return ""
    try:
        return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    except Exception:  # noqa: BLE001 - a PDF we cannot read shows no text to check
        return ""


def leaked(response: Any, markers: list[str]) -> list[str]:
    text_shown = shown_text(response)
    return [m for m in markers if m in text_shown]


def test_school_b_is_built_like_a_real_school_and_every_plugin_has_rows_in_it(schools, demo_school):
    app, conn, school_b = schools
    counts = {t.name: conn.scalar(select(func.count()).select_from(t).where(t.c.school_id == school_b.school_id))
              for t in school_tables()}  # every table with a school_id, keyed by "id" or not (region_school)
    quiet = [p for p in app.extensions["klass"].plugins
             if not any(n and name.startswith(p + "_") for name, n in counts.items())]
    # netschool_compat keeps only the sessions of families' apps, which sign in with app passwords.
    assert quiet == ["netschool_compat"], f"plugins with no rows in school B: {quiet}"
    assert school_b.school_id != demo_school["school_id"]
    # B's people signed in through the same pages; their logins are not A's.
    assert not set(school_b.logins.values()) & set(demo_school["accounts"].values())
    assert school_b.logins["class_teacher"] == school_b.logins["teacher"] == "neitrinov.a"  # from the staff file


def _get_routes(app: Flask) -> list[Any]:
    return [r for r in app.url_map.iter_rules()
            if "GET" in (r.methods or set()) and not r.endpoint.endswith("static") and r.endpoint not in SIGNS_OUT]


@pytest.mark.parametrize("role", ROLES)
def test_nothing_of_school_b_shows_to_any_role_of_school_a(schools, demo_school, role):
    app, conn, school_b = schools
    plugins = list(app.extensions["klass"].plugins)
    b_ids, b_people = ids_of(conn, school_b.school_id), people_of(conn, school_b.school_id)
    a_ids, a_people = ids_of(conn, demo_school["school_id"]), people_of(conn, demo_school["school_id"])
    client = sign_in(app.test_client(), demo_school["accounts"][role])
    b_query = query_of(b_ids, b_people)
    problems = []
    for rule in _get_routes(app):
        plugin = _plugin_of(rule.endpoint, plugins)
        b_urls, named = urls_for(rule, plugin, b_ids, b_people) if rule.arguments else ([], False)
        a_urls = [u + b_query for u in urls_for(rule, plugin, a_ids, a_people)[0]]
        for url, of_b in [(u, named) for u in b_urls] + [(u, False) for u in a_urls]:
            response = client.get(url)
            if response.status_code >= 500:
                problems.append(f"{url} ({rule.endpoint}): server error {response.status_code}")
                continue
            shown = leaked(response, school_b.markers)
            if rule.endpoint in SCHOOL_DIRECTORY:
                shown = [m for m in shown if m not in SCHOOL_NAME_MARKERS]
            if shown:
                problems.append(f"{url} ({rule.endpoint}): {response.status_code} shows B's {shown[:3]}")
            elif of_b and response.status_code == 200 and rule.endpoint not in ANSWERS_ANY_ID:
                problems.append(f"{url} ({rule.endpoint}): 200 for B's object")
    assert not problems, "\n".join(problems)



# A form and a JSON body that get past the usual validation, so the object check is what answers.
FORM = {"value": "5", "text": "Квазар-правка", "body": "Квазар-правка", "title": "Квазар-правка", "topic": "other",
        "note": "x", "reply": "x", "reason": "x", "comment": "x", "version": "1", "status": "approved",
        "code": "н", "decision": "approve", "order_number": "1", "order_date": "2026-11-25", "date": "2026-11-25"}


@pytest.mark.parametrize("role", ROLES)
def test_writes_with_school_b_ids_change_nothing_in_school_b(schools, demo_school, role):
    app, conn, school_b = schools
    plugins = list(app.extensions["klass"].plugins)
    b_ids, b_people = ids_of(conn, school_b.school_id), people_of(conn, school_b.school_id)
    before = snapshot(conn, school_b.school_id)
    client = sign_in(app.test_client(), demo_school["accounts"][role])
    problems = []
    for rule in app.url_map.iter_rules():
        methods = sorted((rule.methods or set()) - {"GET", "HEAD", "OPTIONS"})
        if not methods or rule.endpoint in SIGNS_OUT:
            continue
        urls, named = urls_for(rule, _plugin_of(rule.endpoint, plugins), b_ids, b_people)
        if not named:
            continue
        for url in urls:
            for method in methods:
                if url.startswith("/api/"):
                    response = client.open(url, method=method, json=FORM)
                else:
                    response = client.open(url, method=method, data=FORM)
                if response.status_code >= 500:
                    problems.append(f"{method} {url} ({rule.endpoint}): server error {response.status_code}")
                elif 200 <= response.status_code < 300 and leaked(response, school_b.markers):
                    problems.append(f"{method} {url} ({rule.endpoint}): answered with B's data")
    after = snapshot(conn, school_b.school_id)
    changed = sorted(t for t in before if before[t] != after[t])
    assert not problems and not changed, "\n".join(problems + [f"B's rows changed in {changed}"])


def test_one_schools_diary_sender_does_not_hold_back_the_others(schools, demo_school, monkeypatch):
    """A teacher of A saves a mark and A's sender is queued; a moment later a mark in B must queue B's own
    sender (before, A's waiting sender counted for every school and B's families waited for the periodic
    tick). Waking costs the saving request no statement on the main database (a task in the queue, no job
    row), a second wake-up of A while its sender waits queues nothing, and once it has started the next
    one queues again."""
    import core.jobs
    from core.models import Job
    from plugins.diary.jobs import wake_sender

    queue = core.jobs.huey
    monkeypatch.setattr(queue, "immediate", False)  # queued for a worker (a fresh in-memory queue), not run inline
    app, conn, school_b = schools
    a, b = demo_school["school_id"], school_b.school_id
    statements: list[str] = []
    with app.test_request_context():
        from sqlalchemy import event

        engine = app.extensions["klass"].engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            woken = [wake_sender(a), wake_sender(a), wake_sender(b)]
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert woken == [True, False, True] and statements == []
        waiting = [queue.dequeue() for _ in range(queue.pending_count())]
        assert sorted(t.args[1] for t in waiting) == sorted([a, b])  # each school its own sender
        assert app.extensions["klass"].session().scalar(select(Job.id).where(Job.kind == "diary.notify")) is None
        queue.delete("klass.task:diary.send:" + str(a))  # what the task does first when it starts
        assert wake_sender(a) is True
