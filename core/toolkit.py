"""The plugins' toolkit: the only module a plugin imports from the core.

Everything here is kept stable for plugins; anything not re-exported is the core's own business.
What plugins kept rewriting lives here once: the school's clock (``school_today``...), membership
between dates (``ClassMembership.active_between``), ``get_owned_or_404``, the ``ServiceError`` base
with the core's one handler, ``N_`` and ``engine()``. ``core.api`` is the old name, kept one release.
See docs/plugins.md, "The toolkit".
"""
from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.engine import Connection, Engine

from core.app import acting_user, create_app, current_school_id, state
from core.app_passwords import check_challenge as check_app_password_challenge
from core.app_passwords import check_secret as check_app_password
from core.app_passwords import still_valid as app_password_valid
from core.audit import audit, audit_many, changes
from core.calendar import lesson_days
from core.clock import (
    local_to_utc,
    now_in,
    school_now,
    school_today,
    school_zone,
    today_in,
    valid_zone,
    week_start,
)
from core.config import ConfigError
from core.consent import may_email
from core.content_cache import cached as cached_for_content
from core.content_cache import new_token as new_content_token
from core.content_cache import watch as watch_content
from core.db import (
    Base,
    UTCDateTime,
    db,
    insert_with_ids,
    read_rows,
    reads_from_replica,
    session_scope,
    utcnow,
)
from core.exports import csv_writer, safe_cell, xlsx_workbook
from core.files import (
    DOCUMENTS,
    DOCUMENTS_AND_IMAGES,
    IMAGES,
    CheckedUpload,
    UploadRefused,
    check_upload,
    file_response,
    load_file,
    sniff,
    store_file,
)
from core.i18n import words_once
from core.jobs import enqueue_task
from core.jobs import submit as submit_job
from core.logins import unique_login
from core.lookup import find_owned, get_owned_or_404
from core.mailer import build_message
from core.mailer import send as send_mail
from core.models import (
    AcademicYear,
    AuditEntry,
    ClassMembership,
    GuardianLink,
    Holiday,
    Job,
    Role,
    RoleGrant,
    School,
    SchoolClass,
    StoredFile,
    Subgroup,
    SubgroupMember,
    Subject,
    TeachingAssignment,
    Term,
    User,
)
from core.names import agreed, gendered, is_female, name_in_case
from core.pdf import register_fonts, ru_plural
from core.permissions import Permission, can, public, requires_permission
from core.plugin_gate import gate_for_school
from core.plugins import PluginInfo, hookimpl
from core.rest import api_error, api_view
from core.revert import RevertConflict, ensure_as_left
from core.school_settings import SchoolSettings, school_ids, school_settings, schools_with_plugin, working_for
from core.school_setup import CreatedSchool, create_school
from core.security import hash_password, one_time_password
from core.service_error import N_, ServiceError
from core.services import (
    add_assignment,
    children_of,
    class_memberships,
    class_of_student,
    class_students,
    class_teacher_of,
    classes_led_by,
    classes_of_user,
    classes_of_year,
    current_year,
    grant_role,
    guardians_of,
    holidays_between,
    is_guardian_of,
    move_student,
    subgroup_students,
    subgroups_of_class,
    teaches,
    term_on,
    terms_of_year,
)
from core.tenancy import find_user as find_user_by_login
from core.text import plain_text, render_text
from core.ui import DashboardWidget, LoginOption, MenuItem, SetupStep, cached_url_for, render_fragment


def engine() -> Engine | Connection:
    """The app's database engine (a connection in tests), for work outside the request's session:
    ``session_scope(engine())`` in a background thread, or the dialect name."""
    return state().engine


def plugin_settings(name: str) -> dict[str, Any]:
    """The validated settings of an enabled plugin (defaults filled in by its schema), as the signed-in
    user's school set them (core.school_settings; the deployment's outside a request or with no user).
    Background work for a school: ``school_settings(school_id).plugin(name)``."""
    from core.school_settings import request_school_settings

    own = request_school_settings()
    return own.plugin(name) if own is not None else state().plugins[name].settings


def core_settings() -> dict[str, Any]:
    """The core's validated settings (``[school]``, ``[mail]``...). The time zone here is only the
    default for new schools: use ``school_zone()``/``school_today()`` for a school's own."""
    return state().settings


def plugin_enabled(name: str) -> bool:
    """Is the plugin ``name`` enabled in this app and, in a request, by the signed-in user's school
    (for optional integrations)?"""
    if name not in current_app.extensions["klass"].plugins:
        return False
    from core.school_settings import request_school_settings

    own = request_school_settings()
    return own is None or own.plugin_enabled(name)


def complete_login(user: User, next_url: str | None = None, *, password_used: bool = False) -> Any:
    """Finish a sign-in that a plugin checked (an OpenID Connect provider, say) exactly as a password does:
    the second factor when the person has one, then the session, the audit entry and ``on_user_login``.
    Returns the redirect to answer with. The caller must have checked the person is active."""
    from core.views.auth import complete_login as finish
    from core.views.second_factor import needs_code

    if needs_code(user, next_url, password_used=password_used):
        from flask import redirect, url_for

        return redirect(url_for("core_second_factor.code"))
    return finish(user, next_url, password_used=password_used)


def hook() -> Any:
    """The hook caller (``hook().extra_journal_columns(...)``) for hooks a plugin offers: without the
    plugins the signed-in user's school switched off."""
    from core.plugin_gate import school_hook

    return school_hook()


__all__ = [
    "N_", "ServiceError", "plain_text", "render_text", "agreed", "gendered", "is_female", "name_in_case", "DOCUMENTS", "DOCUMENTS_AND_IMAGES", "IMAGES", "CheckedUpload", "StoredFile",
    "UploadRefused", "check_upload", "file_response", "load_file", "sniff", "store_file", "acting_user", "engine", "find_owned", "get_owned_or_404", "local_to_utc", "now_in", "school_now", "school_today",
    "school_zone", "today_in", "valid_zone", "week_start",
    "may_email", "AcademicYear", "AuditEntry", "Job", "build_message", "register_fonts", "ru_plural", "send_mail",
    "submit_job", "enqueue_task", "Base", "ClassMembership", "ConfigError", "DashboardWidget", "GuardianLink",
    "Holiday", "MenuItem", "Permission", "SetupStep", "PluginInfo", "Role", "RoleGrant", "School", "SchoolClass", "Subgroup",
    "SubgroupMember", "Subject", "TeachingAssignment", "Term", "UTCDateTime", "User", "api_error", "api_view",
    "add_assignment", "audit", "audit_many", "can", "changes", "children_of", "class_memberships", "class_of_student", "class_students",
    "class_teacher_of", "classes_led_by", "classes_of_user", "classes_of_year", "core_settings", "create_app", "current_school_id",
    "current_year", "db", "grant_role", "guardians_of", "hash_password", "holidays_between", "hook",
    "hookimpl", "insert_with_ids", "is_guardian_of", "lesson_days", "move_student", "one_time_password", "plugin_enabled", "plugin_settings",
    "public", "requires_permission", "session_scope", "subgroup_students", "subgroups_of_class", "teaches",
    "term_on", "terms_of_year", "unique_login", "utcnow", "csv_writer", "safe_cell", "xlsx_workbook",
    "RevertConflict", "ensure_as_left", "SchoolSettings", "school_settings", "find_user_by_login",
    "reads_from_replica", "read_rows", "words_once", "cached_url_for", "cached_for_content", "watch_content", "new_content_token",
    "check_app_password_challenge", "check_app_password", "app_password_valid",
    "CreatedSchool", "create_school",
    "LoginOption", "complete_login", "render_fragment",
    "gate_for_school", "school_ids", "schools_with_plugin", "working_for",
]
