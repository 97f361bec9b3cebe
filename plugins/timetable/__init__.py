"""Timetable: bells, weekly timetables by date range, the journal's lessons generated from them,
substitutions, moves and cancellations, the test calendar, workload, and the КТП of every subject."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.toolkit import (
    N_,
    DashboardWidget,
    MenuItem,
    Permission,
    PluginInfo,
    SetupStep,
    hookimpl,
    watch_content,
)
from plugins.timetable.schemas import TimetableSettings

# The diary's bells and change notes are cached per class and week until one of these is written in the school
# (core.content_cache): the changes, the bells and, for the names in the notes, subjects and people.
watch_content("timetable_lesson_change", "timetable_bell", "timetable_bell_schedule", "timetable_class_bells",
              "core_subject", "core_user")

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
def register_lesson_editors(session: Any, lesson: Any) -> list[int]:
    """A substitute fills the journal of the lesson they give; the regular teacher may still correct it."""
    from plugins.timetable.lesson_changes import editors_of

    return editors_of(session, lesson.id)


@hookimpl(optionalhook=True)
def lesson_starts_at(session: Any, lesson: Any) -> Any:
    """The lesson's start by its class's bells (the school's default bells from the settings if none)."""
    from core.toolkit import plugin_settings
    from plugins.timetable.bell_times import bells_of_classes, parse_time

    bells = bells_of_classes(session, lesson.school_id, [lesson.class_id]).get(lesson.class_id, {})
    if lesson.number in bells:
        return bells[lesson.number][0]
    for bell in plugin_settings("timetable")["default_bells"]:
        if bell["number"] == lesson.number:
            return parse_time(bell["starts_at"])
    return None


@hookimpl
def revert_change(session: Any, entry: Any) -> dict[str, Any] | None:
    """Undo a substitution, move or cancellation, or a weekly lesson added or removed, from a leaked account."""
    if entry.object_type == "timetable.entry":
        from plugins.timetable.models import TimetableEntry

        if entry.action == "timetable.entry.create":
            added = session.get(TimetableEntry, int(entry.object_id))
            if added is None or added.school_id != entry.school_id:
                return {}
            session.delete(added)
            session.flush()
            return {"deleted": True}
        if entry.action == "timetable.entry.delete" and entry.old:
            fields = ("version_id", "class_id", "subgroup_id", "subject_id", "teacher_id", "weekday", "number", "room")
            session.add(TimetableEntry(school_id=entry.school_id, **{k: entry.old.get(k) for k in fields}))
            session.flush()
            return {"restored": True}
        return {}
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
def extra_diary_timetable(session: Any, school_id: int, class_id: int, week_start: Any, week_end: Any,
                          subgroup_ids: frozenset[int]) -> dict[str, Any]:
    """Bell times and substitutions, moves and cancellations in a family's week (one SQL statement, and
    none while the class's week is cached)."""
    from plugins.timetable.diary_hooks import diary_week

    return diary_week(session, school_id, class_id, week_start, week_end, subgroup_ids)


@hookimpl(optionalhook=True)
def extra_diary_test_schedule(session: Any, school_id: int, class_id: int, start: Any, end: Any) -> list[dict[str, Any]]:
    """The test calendar on the diary's marks page."""
    from plugins.timetable.diary_hooks import planned_tests

    return planned_tests(session, school_id, class_id, start, end)


def _bells_done(session: Any, school_id: int) -> bool:
    from sqlalchemy import exists, select

    from plugins.timetable.models import Bell, BellSchedule

    return session.scalar(select(exists().where(Bell.schedule_id == BellSchedule.id,
                                                BellSchedule.school_id == school_id))) is True


def _timetable_done(session: Any, school_id: int) -> bool:
    from sqlalchemy import exists, select

    from plugins.timetable.models import TimetableEntry

    return session.scalar(select(exists().where(TimetableEntry.school_id == school_id))) is True


@hookimpl
def register_setup_steps() -> list[SetupStep]:
    return [
        SetupStep("timetable.bells", _l("Bell schedule"), "timetable.bells", "timetable.manage", _bells_done, 30,
                  _l("Check the lesson times (the usual ones are filled in) and save them.")),
        SetupStep("timetable.entries", _l("Timetable"), "timetable.versions", "timetable.manage", _timetable_done,
                  75, _l("Create a timetable version and put each class's lessons into it.")),
    ]


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
