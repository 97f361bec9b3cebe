"""Every hook of the core, in one place.

Families (see docs/plugins.md): ``register_*`` hooks return lists the core collects; ``on_*`` hooks are
notifications whose return value is ignored; ``authenticate`` and ``revert_change`` are ``firstresult``
hooks. The core always calls hooks with keyword arguments, so an implementation may accept fewer
arguments than the spec names (pluggy passes only those it asks for). A plugin that offers hooks to
other plugins keeps them in its own ``hookspecs.py`` and names it in its ``PluginInfo``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from datetime import date, datetime

    import click
    from flask import Blueprint, Flask
    from sqlalchemy.orm import Session

    from core.models import AuditEntry, School, SchoolClass, User
    from core.permissions import Permission
    from core.ui import DashboardWidget, LoginOption, MenuItem, SetupStep

hookspec = pluggy.HookspecMarker("klass")


# --- set-up: called once while the app is created -------------------------------------------------

@hookspec
def register_permissions() -> list[Permission]:
    """Declare the permissions a plugin checks.

    Called once by ``create_app`` before any blueprint is registered.

    :return: a list of :class:`core.permissions.Permission` (name such as ``"gradebook.mark.edit"``,
        Russian description through the message catalog, roles that hold it by default). A profile may
        give a permission to other roles in its ``[permissions]`` table.
    """


@hookspec
def register_blueprints(app: Flask) -> list[Blueprint]:
    """Return the blueprints of a plugin: pages under ``/<plugin>``, API under ``/api/v1/<plugin>``.

    Called once by ``create_app`` after the permissions are known. Every view function of these
    blueprints must be wrapped in ``core.api.requires_permission`` (or ``public``): the core refuses
    to serve a view that states no permission.

    :param app: the Flask app being built (read its config; do not register blueprints yourself).
    :return: a list of ``flask.Blueprint``.
    """


@hookspec
def register_cli_commands() -> list[click.Command]:
    """Return click commands; the core mounts them under ``klass <plugin> ...``.

    Called when the ``klass`` CLI group is built for an app with the plugin enabled.

    :return: a list of ``click.Command`` (use ``flask.cli.with_appcontext`` where the app is needed).
    """


# --- every request: navigation and the start page --------------------------------------------------

@hookspec
def register_menu_items(user: User) -> list[MenuItem]:
    """Return the navigation entries the plugin offers to ``user``.

    Called on every page render for a signed-in user. Items carry a ``permission``; the core drops
    items the user lacks and sorts the rest by ``weight`` (never by plugin load order).

    :param user: the signed-in user.
    :return: a list of :class:`core.ui.MenuItem`.
    """


@hookspec
def register_dashboard_widgets(user: User) -> list[DashboardWidget]:
    """Return small summaries for the user's start page (e.g. "3 lessons without topic").

    Called when the dashboard is rendered. Keep each widget to one or two queries: the dashboard is
    the page people open most.

    :param user: the signed-in user; look at ``user.roles`` to decide what to show.
    :return: a list of :class:`core.ui.DashboardWidget`, sorted by the core by ``weight``.
    """


@hookspec
def register_setup_steps() -> list[SetupStep]:
    """Return the plugin's steps of the school's set-up wizard (bells, class lists, credentials...).

    Called when the wizard or the administrator's start-page checklist is shown. The core merges them
    with its own steps (school, year, classes, subjects, staff, teaching loads) by ``weight``; a plugin
    switched off contributes nothing, so its step disappears. ``is_done(session, school_id)`` must
    answer from the school's data in one or two queries.

    :return: a list of :class:`core.ui.SetupStep` (key, title, endpoint, permission, is_done, weight).
    """


# --- data -----------------------------------------------------------------------------------------

@hookspec
def register_demo_data(session: Session, school: School, size: str) -> None:
    """Fill the plugin's own tables for ``klass demo``.

    Called after the core has created the school, its year, terms, classes, subjects, teachers,
    students and guardians, in the order of plugin requirements (gradebook before attendance).

    :param session: the open session; do not commit (the core commits once at the end).
    :param school: the demo school.
    :param size: ``"demo"`` (a few readable classes) or ``"full"`` (44 classes, for benchmarks:
        use bulk inserts).
    """


# --- events: notifications, return values ignored --------------------------------------------------

@hookspec
def on_user_login(user: User, ip: str) -> None:
    """Called after a successful sign-in, before the response is sent.

    :param user: the user who signed in.
    :param ip: the client's address as the request saw it.
    """


@hookspec
def on_student_moved(
    session: Session,
    student: User,
    from_class: SchoolClass | None,
    to_class: SchoolClass | None,
    on_date: date,
) -> None:
    """Called when a student is admitted (``from_class`` None), transferred, or withdrawn
    (``to_class`` None), inside the transaction that changes the class membership.

    :param session: the open session of the change.
    :param student: the student who moved.
    :param from_class: the class left, or None on admission.
    :param to_class: the class joined, or None on withdrawal.
    :param on_date: the day of the move (the order's date).
    """


# --- the audit log ----------------------------------------------------------------------------------

@hookspec(firstresult=True)
def revert_change(session: Session, entry: AuditEntry) -> dict[str, Any] | None:
    """Undo one audited change when a user's operations after a credentials leak are declared invalid.

    Called by the core for each entry of the leaked account, newest first. The plugin that owns
    ``entry.object_type`` restores ``entry.old`` and returns the values it wrote (the core audits the
    undo); other plugins return None. Stops at the first non-None result.

    :param session: the open session.
    :param entry: the audit entry to undo.
    :return: the restored values, or None when this plugin does not own the object.
    """


# --- sign-in ----------------------------------------------------------------------------------------

@hookspec(firstresult=True)
def authenticate(login: str, secret: str, school_id: int | None) -> User | None:
    """Check credentials; another sign-in provider (LDAP, ЕСИА) is a plugin implementing this hook.

    Called on every sign-in attempt. The core's own password check is registered last, so plugin
    providers are tried first. Stops at the first non-None result. An implementation may leave out
    ``school_id`` (pluggy passes only the arguments it names).

    :param login: the login typed, without any ``@school`` (core.tenancy), lower-cased.
    :param secret: what the user typed as password.
    :param school_id: the school the sign-in form names (``login@school`` or ``/s/<slug>/login``), or
        None when unknown or ambiguous: then the login is checked against no account.
    :return: the ``User`` when the credentials are right, else None.
    """


@hookspec
def extra_login_options(next_url: str | None, school_id: int | None) -> list[LoginOption]:
    """Offer other ways to sign in («Войти через Госуслуги») under the password form.

    Called whenever the sign-in page is rendered (anonymous visitor: no user yet). The core shows the
    options of every plugin sorted by ``weight``. The plugin's view behind ``url`` finishes the sign-in
    through ``core.toolkit.complete_login``.

    :param next_url: where the visitor wanted to go (the page's ``next``), to carry through the provider.
    :param school_id: the school whose own sign-in page this is (``/s/<slug>/login``): offer only what
        that school offers (and installation-wide ways in), nothing if it switched your plugin off. None
        on the common ``/login``. An implementation may leave the argument out.
    :return: a list of :class:`core.ui.LoginOption` (title, url, weight).
    """


# --- background work ---------------------------------------------------------------------------------

@hookspec
def on_periodic_tick(session: Session, now: datetime) -> None:
    """Do due periodic work: notification digests, scheduled report e-mails, reminders.

    Called every few minutes by the background worker (``core.jobs``), each plugin in a transaction of
    its own that the core commits when the implementation returns (and rolls back if it raises). Must be idempotent: decide what is due from your own records (e.g. a
    "sent_at" column), never from how often you are called, so a restart never sends twice.

    :param session: an open session.
    :param now: the current moment (UTC, timezone-aware).
    """


@hookspec
def on_school_tick(session: Session, now: datetime, school_id: int) -> None:
    """Do one school's due periodic work (the per-school form of ``on_periodic_tick``).

    Called every few minutes by the background worker (``core.periodic``) once per school and tick across
    every worker process and host (the first worker to claim the school's tick does it), each school in a
    transaction of its own that the core commits when the implementation returns and rolls back if it
    raises: a failing or slow school never stops or holds up another (several workers, and several
    threads of one worker, take different schools). Touch only rows of ``school_id``; be idempotent as
    for ``on_periodic_tick``.

    :param session: an open session.
    :param now: the current moment (UTC, timezone-aware).
    :param school_id: the school whose work is due.
    """


# --- consent to electronic information ------------------------------------------------------------

@hookspec(firstresult=True)
def electronic_consent(session: Session, user_id: int, kind: str) -> bool | None:
    """Say whether a person agreed to receive information of ``kind`` electronically (152-ФЗ).

    Called by ``core.toolkit.may_email`` before any e-mail goes out: mail notices, diary notifications,
    digests, information letters, report subscriptions. The plugin that keeps the consent register (the
    office) answers; stops at the first non-None result.

    :param session: an open session.
    :param user_id: the person the e-mail is for.
    :param kind: what is sent: ``"mail_notice"``, ``"diary_notification"``, ``"digest"``,
        ``"information_letter"``, ``"report_subscription"`` (a register may treat kinds alike).
    :return: False when the person refused, True when they agreed, None when the register knows nothing
        (no record: the school's default, sending, applies).
    """


@hookspec
def register_audit_titles() -> dict[str, dict[str, str]]:
    """Russian titles for the audit log, so it never shows raw codes and JSON keys.

    Called by the core whenever the audit log is shown or searched.

    :return: ``{"actions": {action code: title msgid}, "fields": {field name: title msgid},
        "values": {stored code: title msgid}}``; an object type's own title goes under its code in "actions"
        (``"gradebook.mark": N_("Mark")``); "values" names codes kept in the rows («substitution»).
    """


@hookspec(firstresult=True)
def audit_history_scope(session: Session, object_type: str, object_id: str) -> dict[str, Any] | None:
    """Which class an audited object belongs to, and which other objects its history includes.

    Called by the core's history page (``/audit/history/<type>/<id>``) of one object: a class teacher sees
    the history of her class's records only, and a lesson's history shows its marks too.

    :param session: the open session.
    :param object_type: the ``object_type`` given to ``audit()``.
    :param object_id: its id as text.
    :return: ``{"class_id": int | None, "related": [(object_type, [ids])]}``, or None when the object
        is not yours (or no longer exists).
    """
