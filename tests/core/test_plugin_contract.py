"""The plugin contract, end to end, through a toy plugin installed as its own distribution.

The toy lives in tests/toy_plugin and is made importable with a real ``*.dist-info`` declaring the
``klass.plugins`` entry point, exactly as ``pip install`` would leave it: the core finds it through
``importlib.metadata``, never by name.
"""
from __future__ import annotations

import importlib
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from core.config import ConfigError
from core.models import AuditEntry, SchoolClass, User
from tests.conftest import sign_in

TOY_SRC = Path(__file__).resolve().parents[1] / "toy_plugin"


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """Install the toy plugin's distribution metadata on sys.path for this test only."""
    dist = tmp_path / "klass_toy-9.9.9.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: klass-toy\nVersion: 9.9.9\n")
    (dist / "entry_points.txt").write_text("[klass.plugins]\ntoy = klass_toy\n")
    (tmp_path / "klass_toy").symlink_to(TOY_SRC / "klass_toy")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    module = importlib.import_module("klass_toy")
    module.EVENTS.clear()
    yield module
    sys.modules.pop("klass_toy", None)


def _toy_app(make_app, enabled: bool, **settings):
    plugins = ["gradebook", "attendance"] + (["toy"] if enabled else [])
    return make_app(plugins=plugins, settings=settings)


def test_toy_plugin_adds_a_page_and_a_menu_item_when_enabled(make_app, toy):
    app = _toy_app(make_app, True, plugins={"toy": {"greeting": "Добрый день"}})
    client = sign_in(app.test_client(), "zavuch")
    assert 'data-testid="toy">Добрый день<' in client.get("/toy/").text
    assert "Игрушка" in client.get("/").text


def test_toy_plugin_disappears_when_disabled(make_app, toy):
    app = _toy_app(make_app, False)
    client = sign_in(app.test_client(), "zavuch")
    assert client.get("/toy/").status_code == 404
    assert "Игрушка" not in client.get("/").text


def test_installed_but_disabled_plugin_is_listed_by_klass_plugins(make_app, toy):
    output = _invoke(_toy_app(make_app, False), ["plugins"])
    toy_line = next(line for line in output.splitlines() if line.startswith("toy "))
    assert "9.9.9" in toy_line and "выключен" in toy_line
    gradebook_line = next(line for line in output.splitlines() if line.startswith("gradebook "))
    assert "включён" in gradebook_line


def _invoke(app, args):
    from flask.cli import ScriptInfo

    from core.cli import cli

    runner = CliRunner()
    result = runner.invoke(cli, args, obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    return result.output


def test_hook_register_permissions(make_app, toy):
    app = _toy_app(make_app, True)
    registry = app.extensions["klass"].permissions
    assert registry.roles_with("toy.view") == {"teacher", "deputy"}
    client = sign_in(app.test_client(), "director")  # the principal does not hold toy.view
    assert client.get("/toy/").status_code == 403


def test_hook_register_blueprints(make_app, toy):
    app = _toy_app(make_app, True)
    assert "toy.index" in app.view_functions
    assert app.view_functions["toy.index"].klass_permission == "toy.view"


def test_hook_register_menu_items(make_app, toy, demo_school):
    app = _toy_app(make_app, True)
    teacher = sign_in(app.test_client(), demo_school["accounts"]["teacher"])
    student = sign_in(app.test_client(), demo_school["accounts"]["student"])
    assert "Игрушка" in teacher.get("/").text
    assert "Игрушка" not in student.get("/").text  # filtered by the item's permission


def test_hook_register_dashboard_widgets(make_app, toy):
    app = _toy_app(make_app, True)
    page = sign_in(app.test_client(), "zavuch").get("/").text
    assert "Виджет игрушки" in page and "Для zavuch" in page


def test_hook_register_cli_commands(make_app, toy):
    app = _toy_app(make_app, True)
    assert "toy says hello" in _invoke(app, ["toy", "hello"])


def test_hook_register_demo_data(make_app, toy, session):
    from core.models import School
    from core.plugins import call_in_order

    app = _toy_app(make_app, True)
    state = app.extensions["klass"]
    with app.test_request_context():
        school = state.session().scalar(select(School))
        call_in_order(state.pm, "register_demo_data", ["toy"], session=state.session(), school=school, size="full")
    assert toy.EVENTS == [("demo", "full")]


def test_hook_on_user_login(make_app, toy):
    app = _toy_app(make_app, True)
    sign_in(app.test_client(), "zavuch")
    assert ("login", "zavuch") in toy.EVENTS


def test_hook_on_student_moved(make_app, toy, demo_school):
    from core.services import move_student

    app = _toy_app(make_app, True)
    state = app.extensions["klass"]
    with app.app_context():
        session = state.session()
        student = session.scalar(select(User).where(User.login == demo_school["accounts"]["student"]))
        classes = {c.name: c for c in session.scalars(select(SchoolClass))}
        move_student(session, student, classes["5Б"], date.today(), pm=state.pm)
    assert ("moved", (student.id, classes["5А"].id, classes["5Б"].id)) in toy.EVENTS


def test_hook_authenticate(make_app, toy):
    app = _toy_app(make_app, True)
    client = app.test_client()
    sign_in(client, "toy-ldap", "ldap-secret")  # the toy provider, tried before the password check
    assert "Лебедева" in client.get("/").text
    disabled = _toy_app(make_app, False).test_client()
    page = disabled.get("/login")
    from tests.conftest import csrf_token

    response = disabled.post("/login", data={"login": "toy-ldap", "password": "ldap-secret",
                                             "csrf_token": csrf_token(page.text)})
    assert response.status_code == 401


def test_hook_revert_change(make_app, toy, demo_school):
    from core.audit import audit
    from core.db import utcnow

    app = _toy_app(make_app, True)
    state = app.extensions["klass"]
    with app.app_context():
        session = state.session()
        student = session.scalar(select(User).where(User.login == demo_school["accounts"]["student"]))
        leaked = session.scalar(select(User).where(User.login == demo_school["accounts"]["teacher"]))
        before = utcnow()
        old_phone = student.phone
        student.phone = "+7 900 000-00-00"
        audit(session, school_id=student.school_id, action="toy.phone.update", object_type="toy.phone",
              object_id=student.id, old={"phone": old_phone}, new={"phone": student.phone}, actor_id=leaked.id)
        session.commit()
    admin = sign_in(app.test_client(), "admin")
    from tests.conftest import post_form

    local = before.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Moscow")).strftime("%Y-%m-%dT%H:%M")
    response = post_form(admin, "/audit/revert", {"login": leaked.login, "since": local}, page="/audit/")
    assert response.status_code == 200 and "Отменено: 1" in response.text  # the result page lists the undo
    with app.app_context():
        session = state.session()
        session.expire_all()
        assert session.get(User, student.id).phone == old_phone
        undo = session.scalar(select(AuditEntry).where(AuditEntry.action == "toy.phone.revert"))
        assert undo is not None and undo.new == {"phone": old_phone}
        assert session.get(User, leaked.id).must_change_password


def test_hook_on_periodic_tick(make_app, toy):
    from core.jobs import run_periodic

    app = _toy_app(make_app, True)
    run_periodic(app)
    assert any(kind == "periodic" for kind, _ in toy.EVENTS)


def test_unknown_plugin_stops_startup_with_a_clear_message(make_app):
    with pytest.raises(ConfigError) as err:
        make_app(plugins=["gradebook", "gradebok"])
    assert "неизвестный плагин «gradebok»" in err.value.ru and "Unknown plugin 'gradebok'" in err.value.en


def test_missing_requirement_stops_startup(make_app):
    with pytest.raises(ConfigError) as err:
        make_app(plugins=["attendance"])
    assert "«attendance» требует плагин «gradebook»" in err.value.ru
    assert "requires plugin 'gradebook'" in err.value.en


def test_invalid_plugin_setting_stops_startup(make_app):
    with pytest.raises(ConfigError) as err:
        make_app(plugins=["gradebook"], settings={"plugins": {"gradebook": {"rounding": "как получится"}}})
    assert "gradebook" in err.value.ru and "rounding" in err.value.ru


def test_invalid_core_setting_stops_startup(make_app):
    with pytest.raises(ConfigError) as err:
        make_app(settings={"school": {"term_system": "weeks"}})
    assert "term_system" in str(err.value)


def test_settings_for_a_plugin_that_does_not_exist_are_refused(make_app):
    with pytest.raises(ConfigError) as err:
        make_app(settings={"plugins": {"gradebok": {}}})
    assert "[plugins.gradebok]" in err.value.ru


def test_klass_refuses_to_start_with_bad_profile_and_says_why(tmp_path):
    import os
    import subprocess

    env = {**os.environ, "KLASS_PROFILE": "no-such-school", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    result = subprocess.run([sys.executable, "-m", "core.cli", "plugins"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "Профиль «no-such-school» не найден" in result.stderr
    assert "Profile 'no-such-school' not found" in result.stderr


def test_plugins_never_import_core_internals():
    """STYLE.md: a plugin uses the core only through the toolkit, core.toolkit (core.api is its old
    name, kept one release), and its own hookspecs."""
    import re

    root = Path(__file__).resolve().parents[2] / "plugins"
    offenders = []
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:  # revisions name column types such as core.db.UTCDateTime
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.match(r"\s*(?:from|import)\s+(core(?:\.\w+)*)", line)
            if match and match.group(1) not in ("core.toolkit", "core.api"):
                offenders.append(f"{path.relative_to(root)}: {line.strip()}")
    assert not offenders, offenders


def test_trace_switch_logs_hook_calls(make_app, monkeypatch, caplog):
    import logging

    monkeypatch.setenv("KLASS_TRACE_HOOKS", "1")
    with caplog.at_level(logging.INFO, logger="klass.plugins"):
        make_app(plugins=["gradebook"])
    assert any("register_permissions" in r.getMessage() for r in caplog.records)


def test_periodic_work_skips_a_plugin_the_school_switched_off(make_app, toy, demo_school):
    """``on_school_tick`` through core.periodic: a school that switched the toy off gets no toy work in
    the next tick (its other work still runs), while a school that keeps the toy still gets it."""
    from datetime import timedelta

    from core.models import School
    from core.periodic import run_periodic
    from core.school_settings import save, school_settings
    from tests.conftest import FIXED_NOW

    app = _toy_app(make_app, True)
    state = app.extensions["klass"]
    demo_id = demo_school["school_id"]
    with app.app_context():
        session = state.session()
        other = School(name="МБОУ «Лицей № 3»", short_name="Лицей № 3", slug="licei3")
        session.add(other)
        session.commit()
        first = run_periodic(app, FIXED_NOW)
    assert {("school_tick", demo_id), ("school_tick", other.id)} <= set(toy.EVENTS)
    assert {demo_id, other.id} <= set(first.schools_run)
    toy.EVENTS.clear()
    with app.test_request_context():
        session = state.session()
        own = school_settings(demo_id, session=session)
        save(session, demo_id, version=own.version, profile=own.profile, term_system=own.term_system,
             timezone=own.timezone, rounding=None, disabled=["toy"])
        session.commit()
    with app.app_context():
        later = run_periodic(app, FIXED_NOW + timedelta(minutes=5))
    assert demo_id in later.schools_run and demo_id not in later.schools_failed  # the school's tick ran...
    ticks = [school for event, school in toy.EVENTS if event == "school_tick"]
    assert demo_id not in ticks  # ...without the module it switched off
    assert other.id in ticks  # the other school keeps it
