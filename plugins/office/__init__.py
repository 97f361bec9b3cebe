"""The school office (канцелярия): credentials, class lists and subgroups, student movement, personal
files, personal-data consents, the regulation on the electronic journal, and families' requests.

Duties C01, C08, C12, C13, C17, C18, C24, C30 of the class teacher and A01, A02, A09 of the admin.
"""
from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import Session

from core.toolkit import (
    AuditEntry,
    DashboardWidget,
    MenuItem,
    Permission,
    PluginInfo,
    School,
    SetupStep,
    User,
    can,
    hookimpl,
    school_zone,
    schools_with_plugin,
)
from plugins.office import models  # noqa: F401  (the tables must be known to migrations)
from plugins.office.schemas import OfficeSettingsSchema

PLUGIN = PluginInfo(
    name="office",
    title=_l("School office"),
    version="1.0.0",
    requires=("documents",),
    settings_schema=OfficeSettingsSchema,
    public_modules=("public",),
    description=_l("Credentials, class lists and subgroups, student movement, personal files, consents, "
                   "the regulation and families' requests."),
)

STAFF = ("admin", "principal", "deputy", "class_teacher")
EVERYONE = ("admin", "principal", "deputy", "class_teacher", "teacher", "student", "guardian", "support")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("office.class.view", _l("See the office pages of a class"), STAFF),
        Permission("office.credentials.issue", _l("Issue logins and one-time passwords to a class's students "
                                                  "and guardians"), ("admin", "class_teacher")),
        Permission("office.credentials.staff", _l("Issue credentials to staff"), ("admin",)),
        Permission("office.subgroups.edit", _l("Divide a class into subgroups"),
                   ("admin", "deputy", "class_teacher", "teacher")),
        Permission("office.import.run", _l("Import class lists from spreadsheets"), ("admin", "class_teacher")),
        Permission("office.import.staff", _l("Import staff and teaching loads from spreadsheets"), ("admin",)),
        Permission("office.movement.view", _l("See student movement requests"), STAFF),
        Permission("office.movement.request", _l("Request admission, transfer or withdrawal"),
                   ("admin", "class_teacher")),
        Permission("office.movement.perform", _l("Carry out admission, transfer and withdrawal"), ("admin",)),
        Permission("office.personal_file.view", _l("Read personal files"), STAFF + ("guardian",)),
        Permission("office.personal_file.edit", _l("Edit and verify personal files"), ("admin", "class_teacher")),
        Permission("office.consent.edit", _l("Record personal data consents"), ("admin", "class_teacher")),
        Permission("office.regulation.view", _l("Read the regulation on the electronic journal"), EVERYONE),
        Permission("office.regulation.manage", _l("Publish the regulation on the electronic journal"), ("admin",)),
        Permission("office.regulation.acknowledge", _l("Confirm reading the regulation"), ("guardian",)),
        Permission("office.regulation.report", _l("See who has read the regulation"), STAFF),
        Permission("office.ticket.view", _l("See requests to the system administrator"),
                   ("admin", "class_teacher", "guardian", "student")),
        Permission("office.ticket.create", _l("Send a request to the system administrator"), ("guardian", "student")),
        Permission("office.ticket.handle", _l("Pass on and close families' requests"), ("admin", "class_teacher")),
    ]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.office.api import bp as api_bp
    from plugins.office.views import bp

    return [bp, api_bp]


@hookimpl
def register_menu_items(user: User) -> list[MenuItem]:
    return [
        MenuItem(_l("Office"), "office.index", "office.class.view", icon="🗂", weight=300),
        MenuItem(_l("Requests"), "office.tickets", "office.ticket.view", icon="✉", weight=320),
        MenuItem(_l("Regulation"), "office.regulation", "office.regulation.acknowledge", icon="📄", weight=330),
    ]


@hookimpl
def register_dashboard_widgets(user: User) -> list[DashboardWidget]:
    from plugins.office import widgets

    out = []
    if can(user, "office.class.view"):
        out.append(DashboardWidget(_l("Office"), Markup(render_template("office/_widget_staff.html",
                                                                        **widgets.staff_summary(user))),
                                   weight=300, link_endpoint="office.index"))
    if user.has_role("guardian") and can(user, "office.regulation.acknowledge"):
        context = widgets.family_summary(user)
        if context["show"]:
            out.append(DashboardWidget(_l("School office"), Markup(render_template("office/_widget_family.html",
                                                                                   **context)), weight=310))
    return out


@hookimpl
def register_cli_commands() -> list[Any]:
    from plugins.office.import_cli import import_command

    return [import_command]


@hookimpl
def register_demo_data(session: Session, school: School, size: str) -> None:
    from plugins.office.demo import build

    build(session, school, size)


@hookimpl
def revert_change(session: Session, entry: AuditEntry) -> dict[str, Any] | None:
    if not entry.object_type.startswith("office."):
        return None
    from plugins.office.undo import revert_entry

    return revert_entry(session, entry)


@hookimpl
def on_periodic_tick(session: Session, now: Any) -> None:
    """A withdrawal carried out ahead of its date disables the student's account when the day comes;
    class-list uploads nobody confirmed are forgotten after a day."""
    from plugins.office.importer import expire_uploads
    from plugins.office.overviews import disable_withdrawn

    for school_id in schools_with_plugin(session, "office"):  # not a region's education office
        today = now.astimezone(school_zone(school_id, session=session)).date()
        disable_withdrawn(session, today, school_id=school_id)
    expire_uploads(session, now)


@hookimpl(optionalhook=True)
def extra_paper_statement_guardians(session: Session, school_id: int, class_id: int) -> list[int]:
    """The diary pre-selects, for paper statements, the children of guardians whose consent says paper."""
    from plugins.office.consent_rules import paper_statement_students

    return sorted({g for guardians in paper_statement_students(session, school_id, class_id).values()
                   for g in guardians})


@hookimpl
def electronic_consent(session: Session, user_id: int, kind: str) -> bool | None:
    """The consent register answers the toolkit's ``may_email``: a guardian who refused electronic
    information (or any processing of personal data) gets no e-mail of any kind; no record, no answer."""
    from plugins.office.consent_rules import consent_of, wants_paper

    consent = consent_of(session, user_id)
    if consent is None or (consent.electronic is None and consent.processing is None):
        return None
    return not wants_paper(consent)


def _class_lists_done(session: Session, school_id: int) -> bool:
    from plugins.office.setup_checks import every_class_has_students

    return every_class_has_students(session, school_id)


def _credentials_done(session: Session, school_id: int) -> bool:
    from plugins.office.setup_checks import every_family_has_credentials

    return every_family_has_credentials(session, school_id)


@hookimpl
def register_setup_steps() -> list[SetupStep]:
    return [
        SetupStep("office.class_lists", _l("Class lists"), "office.class_lists", "office.import.run",
                  _class_lists_done, 80, _l("Type in the students with their guardians, or import a spreadsheet.")),
        SetupStep("office.credentials", _l("Credentials"), "office.class_lists", "office.credentials.issue",
                  _credentials_done, 90, _l("Issue logins and one-time passwords to students and guardians."),
                  {"_anchor": "credentials"}),
        SetupStep("office.staff_import", _l("Import a staff list"), "office.import_form", "office.import.staff",
                  _class_lists_done, 60, "", {"kind": "staff"}, extends="staff"),
        SetupStep("office.class_lists_import", _l("Import a spreadsheet"), "office.import_form",
                  "office.import.run", _class_lists_done, 80, extends="office.class_lists"),
    ]


@hookimpl
def audit_history_scope(session: Session, object_type: str, object_id: str) -> dict[str, Any] | None:
    """A personal file's history belongs to the student's current class (its class teacher may read it)."""
    if object_type != "office.student" or not object_id.isdigit():
        return None
    from core.toolkit import class_of_student, school_today

    student = session.get(User, int(object_id))
    if student is None:
        return None
    school_class = class_of_student(session, student.id, school_today(student.school_id, session=session))
    return {"class_id": school_class.id if school_class else None, "related": []}
