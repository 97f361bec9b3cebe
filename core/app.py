"""The app factory: settings, database, plugins, permissions, blueprints, security, the UI shell."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pluggy
from flask import Flask, current_app, g, redirect, request, url_for
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, scoped_session

from core import i18n
from core.config import instance_dir, load_settings
from core.db import make_engine, make_session_factory
from core.permissions import CORE_PERMISSIONS, PermissionRegistry
from core.plugins import LoadedPlugin, load_plugins, make_plugin_manager


@dataclass
class KlassState:
    """Everything the app holds for a request, kept in ``app.extensions["klass"]``."""

    settings: dict[str, Any]
    pm: pluggy.PluginManager
    plugins: dict[str, LoadedPlugin]
    permissions: PermissionRegistry
    engine: Engine | Connection
    session: scoped_session[Session]
    replica: Engine | None = None  # DATABASE_REPLICA_URL: reads of @reads_from_replica views (core.db)


def state() -> KlassState:
    return current_app.extensions["klass"]


def default_database_url(instance_path: str) -> str:
    return f"sqlite:///{Path(instance_path) / 'klass.sqlite3'}"


def _secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment; for a local start, one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(
    profile: str | None = None,
    *,
    settings_overrides: dict[str, Any] | None = None,
    database_url: str | None = None,
    engine: Engine | Connection | None = None,
    testing: bool = False,
    replica_url: str | None = None,
) -> Flask:
    """Build a Klass app for a profile. Raises ``ConfigError`` (Russian + English) on bad configuration."""
    settings = load_settings(profile, settings_overrides)
    from core.clock import check_school_zones, check_zone

    # The config's zone is only the default for new schools, but a typo there must stop start-up too.
    check_zone(settings["school"]["timezone"], "настройка [school] timezone", "setting [school] timezone")
    app = Flask("core", instance_path=str(instance_dir().resolve()))
    security = settings["security"]
    app.config.update(
        TESTING=testing,
        SECRET_KEY=_secret_key(app.instance_path),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=security["session_cookie_secure"],
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=security["session_cookie_secure"],
        PERMANENT_SESSION_LIFETIME=timedelta(hours=security["session_hours"]),
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in _csrf_unless_token below
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE=settings["klass"]["locale"],
        BABEL_DEFAULT_TIMEZONE=settings["school"]["timezone"],
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    from core.security import configure_hasher

    configure_hasher(security["argon2_time_cost"], security["argon2_memory_kib"], security["argon2_parallelism"])
    url = database_url or os.environ.get("DATABASE_URL") or default_database_url(app.instance_path)
    if engine is None:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        engine = make_engine(url)
    replica_url = replica_url or os.environ.get("DATABASE_REPLICA_URL")
    replica = make_engine(replica_url) if replica_url else None
    check_school_zones(engine)  # each school's own zone is its "today": an unknown one stops start-up
    pm = make_plugin_manager()
    from core import auth_provider

    pm.register(auth_provider, name="core.auth_provider")
    plugins = load_plugins(pm, settings)
    perms = list(CORE_PERMISSIONS)
    for declared in pm.hook.register_permissions():
        perms.extend(declared)
    registry = PermissionRegistry(perms, settings.get("permissions", {}))
    app.extensions["klass"] = KlassState(
        settings=settings,
        pm=pm,
        plugins=plugins,
        permissions=registry,
        engine=engine,
        session=make_session_factory(engine, replica),
        replica=replica,
    )

    _init_i18n(app, plugins)
    _init_auth(app)
    _init_security(app)
    _register_blueprints(app, pm)
    from core import service_error

    service_error.init_app(app)
    from core import profiling

    profiling.init_app(app)  # KLASS_PROFILE_REQUESTS=1: a profile per request in instance/profiles/

    if settings["jobs"]["embedded_worker"] and not testing:
        # Started by the first request, so CLI commands (migrations, demo) never run jobs beside them.
        worker_started: list[bool] = []

        @app.before_request
        def _start_worker() -> None:
            if not worker_started:
                from core.jobs import start_embedded_worker

                worker_started.append(True)
                start_embedded_worker(app)

    @app.teardown_appcontext
    def _remove_session(exc: BaseException | None) -> None:
        from core.db import finish_request

        finish_request(app.extensions["klass"].session, failed=exc is not None)

    return app


def _init_i18n(app: Flask, plugins: dict[str, LoadedPlugin]) -> None:
    dirs = i18n.translation_directories(p.path for p in plugins.values())
    i18n.compile_catalogs(dirs)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(d) for d in dirs)
    Babel(app, locale_selector=lambda: app.config["BABEL_DEFAULT_LOCALE"])
    i18n.install_fast_formatting(app)  # one catalog lookup per locale, cached date texts (issue 20)
    from core import names

    # One helper for names in a case and gendered words, in every template: {{ t|name_case('gen') }},
    # {{ gendered(t, 'занят', 'занята') }}; dates as Russian words through Babel: {{ d|date_ru }}.
    app.jinja_env.filters["name_case"] = names.name_in_case
    app.jinja_env.globals["gendered"] = names.gendered
    from core.ui import cached_url_for

    app.jinja_env.globals["url_for"] = cached_url_for  # the same links on every page: built once each
    app.jinja_env.filters["date_ru"] = _date_ru
    app.config.setdefault("WTF_I18N_ENABLED", True)  # WTForms' own messages in Russian (its ru catalog)
    from core import messages_ru

    messages_ru.install(app)


def _date_ru(value: Any, fmt: str = "d MMMM yyyy") -> str:
    """«21 ноября 2026» from a date or its ISO text (deputy's notices carry ISO dates in their params)."""
    from datetime import date

    from flask_babel import format_date

    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return format_date(value, fmt) if value else ""


def _init_auth(app: Flask) -> None:
    login_manager = LoginManager(app)
    login_manager.login_view = "core_auth.login"
    login_manager.login_message = None  # the login page says enough
    login_manager.session_protection = "basic"

    from core import sessions

    # The cookie names a server-side session row; a revoked or expired row is anonymous at once.
    login_manager.user_loader(sessions.load_user)
    sessions.init_app(app)


def _fresh_g() -> None:
    """Start every request with an empty ``g``. In production each request has its own app context
    anyway; tests keep one context across requests, and a cached signed-in user or CSRF token must
    never carry over from one client to the next."""
    for key in list(g):
        g.pop(key)


def _init_security(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)
    csrf = CSRFProtect(app)
    security = app.extensions["klass"].settings["security"]
    from core.signin import init_limiter

    init_limiter(app, security)

    @app.before_request
    def _check_request() -> Any:
        from core.rest.auth import load_token_user

        g.api_user = load_token_user()  # Bearer token: API clients, no cookies, so no CSRF
        view = app.view_functions.get(request.endpoint or "")
        if (g.api_user is None and request.method not in ("GET", "HEAD", "OPTIONS")
                and request.routing_exception is None  # a 404/405 answers for itself
                # a protocol of apps that sign in with a header, never a cookie (plugins.netschool_compat)
                and not getattr(view, "klass_csrf_exempt", False)
                and app.config.get("WTF_CSRF_ENABLED", True)):
            csrf.protect()
        endpoint = request.endpoint or ""
        is_static = endpoint == "static" or endpoint.endswith(".static")  # plugin blueprints' static files
        if view is not None and not hasattr(view, "klass_permission") and not is_static:
            # Fail closed: a view that states no permission is never served.
            from flask import abort

            abort(403)
        from core.views.auth import password_change_due

        user = acting_user()  # a Bearer token must not skip the forced password change either
        if (
            password_change_due(user)
            and request.endpoint not in ("core_auth.change_password", "core_auth.logout", "static")
            and not (request.endpoint or "").endswith(".static")
        ):
            if request.path.startswith("/api/"):
                from flask_babel import gettext as _

                from core.rest import api_error

                return api_error(403, "password_change_required",
                                 _("Change your password on the site first; until then the API answers nothing."))
            return redirect(url_for("core_auth.change_password"))
        if current_user.is_authenticated and g.api_user is None and not is_static:
            from core.views.second_factor import enrolment_required

            if enrolment_required():
                return redirect(url_for("core_second_factor.manage"))
        return None

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        )
        if security["session_cookie_secure"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        endpoint = request.endpoint or ""
        if endpoint != "static" and not endpoint.endswith(".static"):
            # Pages, API answers and downloads carry personal data: no browser or proxy may keep them
            # (a shared computer's back button, a school's caching proxy). Only static files are cached.
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response


def _register_blueprints(app: Flask, pm: pluggy.PluginManager) -> None:
    from core.plugin_gate import gate_request, register_plugin_blueprints
    from core.rest import register_api
    from core.views import register_core_views

    register_core_views(app)
    register_api(app)
    register_plugin_blueprints(app, pm)  # knows each blueprint's plugin: a school may switch one off
    app.before_request(gate_request)  # after _check_request: the API token's user is known by then


def acting_user() -> Any:
    """Who makes this request: the API token's user, else the signed-in user (or the anonymous one).

    The object itself, not Flask-Login's proxy, so it may be stored in a relationship or compared by
    identity."""
    return getattr(g, "api_user", None) or current_user._get_current_object()  # type: ignore[attr-defined]


def current_school_id() -> int:
    """The school of the signed-in user: every query of a request is scoped to it."""
    return int(acting_user().school_id)


def first_school_id(session: Session) -> int | None:
    from core.models import School

    return session.scalar(select(School.id).where(School.kind == "school").order_by(School.id).limit(1))
