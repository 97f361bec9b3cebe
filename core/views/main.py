"""The start page of each role, the module list, and the navigation built from plugins' menu hooks."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from core.app import current_school_id, state
from core.db import db
from core.i18n import words_once
from core.models import SchoolClass, Subgroup, Subject, TeachingAssignment, User
from core.permissions import can, requires_permission
from core.plugin_gate import school_hook
from core.plugins import discover
from core.roles import ROLE_TITLES
from core.services import children_of, classes_led_by, current_year
from core.ui import MenuItem

bp = Blueprint("core_main", __name__)

CORE_MENU = [
    MenuItem(_l("Start"), "core_main.dashboard", "core.dashboard.view", weight=0),
    MenuItem(_l("School"), "core_structure.index", "core.structure.view", weight=800),
    MenuItem(_l("Staff"), "core_people.staff", "core.users.manage", weight=810),
    MenuItem(_l("School settings"), "core_school_settings.edit", "core.school.settings", weight=820),
    MenuItem(_l("Audit log"), "core_audit.index", "core.audit.view", weight=900),
    MenuItem(_l("Modules"), "core_main.modules", "core.plugins.view", weight=950),
]


def menu_for(user: Any) -> list[MenuItem]:
    items = list(CORE_MENU)
    for contributed in school_hook().register_menu_items(user=user):
        items.extend(contributed)
    visible = [i for i in items if can(user, i.permission)]
    return sorted(visible, key=lambda i: (i.weight, str(i.title)))


def _shell_words() -> dict[str, str]:
    """The layout's own words (``base.html``), translated once per locale (``core.i18n.words_once``)."""
    from flask_babel import gettext as _

    return {"navigation": _("Navigation"), "help": _("Help for this page"), "account": _("Account"),
            "sign_out": _("Sign out")}


def init_shell(app: Flask) -> None:
    from flask import has_request_context, request

    from core.ui import cached_menu
    from core.views.auth import password_change_due

    @app.context_processor
    def _shell() -> dict[str, Any]:
        user = current_user._get_current_object()  # type: ignore[attr-defined]  (the proxy costs per access)
        menu = (cached_menu(app, user, request.script_root if has_request_context() else "", menu_for)
                if user.is_authenticated and not password_change_due(user) else ())
        return {
            "menu": menu,
            "shell_words": words_once("core.shell", _shell_words),
            "role_titles": ROLE_TITLES,
            "site_title": state().settings["klass"]["title"],
            "can": lambda name, class_id=None: can(current_user, name, class_id),
        }


def _class_page_endpoint(user: User) -> str | None:
    """The page of a class the class teacher's «My class» card opens: the class journal when the gradebook
    is enabled, else the office's class page (a card that only names the class is a dead end)."""
    for endpoint, permission in (("gradebook.class_view", "gradebook.journal.view"),
                                 ("office.class_page", "office.class.view")):
        if endpoint in current_app.view_functions and can(user, permission):
            return endpoint
    return None


@bp.get("/")
@requires_permission("core.dashboard.view")
def dashboard() -> Any:
    session = db()
    user: User = current_user  # type: ignore[assignment]
    school_id = current_school_id()
    year = current_year(session, school_id)
    context: dict[str, Any] = {"year": year}
    if user.has_role("guardian"):
        context["children"] = children_of(session, user.id)
    led = classes_led_by(user)
    if led:
        context["led_classes"] = session.scalars(select(SchoolClass).where(SchoolClass.id.in_(led))).all()
        context["my_class_endpoint"] = _class_page_endpoint(user)
    if user.has_role("teacher"):
        context["assignments"] = session.execute(
            select(SchoolClass, Subject, TeachingAssignment.hours_per_week, Subgroup.name)
            .join(TeachingAssignment, TeachingAssignment.class_id == SchoolClass.id)
            .join(Subject, Subject.id == TeachingAssignment.subject_id)
            .outerjoin(Subgroup, Subgroup.id == TeachingAssignment.subgroup_id)
            .where(TeachingAssignment.teacher_id == user.id)
            .order_by(SchoolClass.grade_level, SchoolClass.letter, Subject.name)
        ).all()
    if user.has_role("admin", "principal", "deputy"):
        context["counts"] = {
            "users": session.scalar(select(func.count(User.id)).where(User.school_id == school_id)),
            "classes": session.scalar(select(func.count(SchoolClass.id)).where(SchoolClass.school_id == school_id)),
            "subjects": session.scalar(select(func.count(Subject.id)).where(Subject.school_id == school_id)),
        }
    context["leak_reports"] = _leak_notices(session, user)
    if user.has_role("admin") and can(user, "core.structure.manage"):
        from core.school_setup import checklist

        states = checklist(session, school_id, state().pm, user)
        if not all(s.done for s in states):
            context["setup_states"] = states
    widgets = [w for ws in school_hook().register_dashboard_widgets(user=user) for w in ws]
    context["widgets"] = sorted(widgets, key=lambda w: w.weight)
    return render_template("core/dashboard.html", **context)


def _leak_notices(session: Any, user: User) -> list[dict[str, Any]]:
    """Leak reports of the last 30 days: about one's own account, or (for those who revert) the school's."""
    from datetime import timedelta

    from core.db import utcnow
    from core.leaks import recent_reports
    from core.views.account import revert_link

    admin = can(user, "core.audit.revert")
    rows = recent_reports(session, user, utcnow() - timedelta(days=30), all_of_school=admin)
    return [{"report": r, "user": u, "link": revert_link(r, u) if admin else None} for r, u in rows]


@bp.get("/modules")
@requires_permission("core.plugins.view")
def modules() -> Any:
    enabled = state().plugins
    known = discover()
    rows = [
        {"info": m.PLUGIN, "enabled": name in enabled}
        for name, m in sorted(known.items())
    ]
    return render_template("core/modules.html", rows=rows, profile=state().settings["profile"])
