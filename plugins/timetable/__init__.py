"""Timetable: bells, weekly timetables by date range, the journal's lessons generated from them,
substitutions, moves and cancellations, the test calendar, workload, and the КТП of every subject."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.toolkit import N_, DashboardWidget, MenuItem, Permission, PluginInfo, hookimpl
from plugins.timetable.schemas import TimetableSettings

PLUGIN = PluginInfo(
    name="timetable",
    title=_l("Timetable"),
    version="0.1.0",
    requires=("gradebook",),
    settings_schema=TimetableSettings,
    description=_l("Bells, timetable, substitutions, test calendar, workload and lesson plans"),
)

STAFF = ("admin", "principal", "deputy", "class_teacher", "teacher")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("timetable.view", _l("See timetables, changes, the test calendar and holidays"),
                   STAFF + ("student", "guardian")),
        Permission("timetable.manage", _l("Enter and correct the timetable, bells, substitutions and moves; "
                                          "generate the journal's lessons"), ("deputy", "admin")),
        Permission("timetable.assessment.plan", _l("Plan tests in the test calendar"),
                   ("deputy", "admin", "teacher")),
        Permission("timetable.workload.view", _l("See the workload of classes and teachers"),
                   ("deputy", "principal", "admin")),
        Permission("timetable.plan.edit", _l("Enter the lesson plan (КТП) of own subjects"), ("teacher", "deputy")),
        Permission("timetable.plan.progress", _l("See how far classes are behind their lesson plans"),
                   ("deputy", "principal", "admin")),
    ]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.timetable.api import bp as api_bp
    from plugins.timetable.views import bp

    return [bp, api_bp]


@hookimpl
def register_menu_items(user: Any) -> list[MenuItem]:
    items = [MenuItem(_l("Timetable"), "timetable.index", "timetable.view", "🗓", 30),
             MenuItem(_l("Tests"), "timetable.assessments", "timetable.view", "", 34),
             MenuItem(_l("Substitutions"), "timetable.changes", "timetable.manage", "", 32),
             MenuItem(_l("Workload"), "timetable.workload", "timetable.workload.view", "", 36),
             MenuItem(_l("Lesson plans"), "timetable.plans", "timetable.plan.edit", "", 38)]
    if user.has_role("teacher"):
        items.append(MenuItem(_l("My timetable"), "timetable.teacher", "timetable.view", "", 31))
    return items


@hookimpl
def register_dashboard_widgets(user: Any) -> list[DashboardWidget]:
    from plugins.timetable.views.widgets import dashboard_widgets

    return dashboard_widgets(user)


@hookimpl
def register_cli_commands() -> list[Any]:
    from plugins.timetable.cli import generate_command

    return [generate_command]


@hookimpl
def register_demo_data(session: Any, school: Any, size: str) -> None:
    from plugins.timetable.demo import build

    build(session, school, size)


@hookimpl(optionalhook=True)
def lesson_editors(session: Any, lesson: Any) -> list[int]:
    """A substitute fills the journal of the lesson they give; the regular teacher may still correct it."""
    from plugins.timetable.lesson_changes import editors_of

    return editors_of(session, lesson.id)


@hookimpl
def revert_change(session: Any, entry: Any) -> dict[str, Any] | None:
    """Undo a substitution, move or cancellation made from a leaked account."""
    if entry.object_type != "timetable.lesson_change" or entry.action != "timetable.change.create":
        return None
    from plugins.timetable.lesson_changes import revoke
    from plugins.timetable.models import LessonChange

    change = session.get(LessonChange, int(entry.object_id))
    if change is None:
        return None
    revoke(session, change)
    return {"revoked": True, "kind": change.kind}


# --- the diary's hooks (offered by plugins/diary/hookspecs.py; optional: the diary may be switched off) ---

@hookimpl(optionalhook=True)
def diary_timetable(session: Any, school_id: int, class_id: int, student_id: int, week_start: Any,
                    week_end: Any) -> dict[str, Any]:
    """Bell times and substitutions, moves and cancellations in a family's week (one SQL statement)."""
    from plugins.timetable.diary_hooks import diary_week

    return diary_week(session, school_id, class_id, student_id, week_start, week_end)


@hookimpl(optionalhook=True)
def diary_test_schedule(session: Any, school_id: int, class_id: int, start: Any, end: Any) -> list[dict[str, Any]]:
    """The test calendar on the diary's marks page."""
    from plugins.timetable.diary_hooks import planned_tests

    return planned_tests(session, school_id, class_id, start, end)


@hookimpl
def register_audit_titles() -> dict[str, dict[str, str]]:
    """Substitutions, moves and cancellations as the audit log names them."""
    return {
        "actions": {"timetable.lesson_change": N_("Timetable change"),
                    "timetable.change.create": N_("Timetable change made"),
                    "timetable.change.revoke": N_("Timetable change revoked"),
                    "timetable.generation": N_("Lessons from the timetable"),
                    "timetable.lessons.generate": N_("Lessons created from the timetable")},
        "fields": {"kind": N_("Kind of change"), "revoked": N_("Revoked"), "new_date": N_("New date"),
                   "new_number": N_("New lesson number"), "room": N_("Room")},
        "values": {"substitution": N_("substitution"), "move": N_("move"), "cancel": N_("cancellation")},
    }
