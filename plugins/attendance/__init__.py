"""Attendance: per-lesson attendance marks, reasons, weekly verification by the class teacher."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.toolkit import Permission, PluginInfo, hookimpl
from plugins.attendance import hookspecs
from plugins.attendance.schemas import AttendanceSettings

PLUGIN = PluginInfo(
    name="attendance",
    title=_l("Attendance"),
    version="0.2.0",
    requires=("gradebook",),
    settings_schema=AttendanceSettings,
    hookspecs=hookspecs,
    public_modules=("public",),
    description=_l("Absences and late arrivals at every lesson, reasons, weekly verification"),
)


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("attendance.view", _l("See attendance of the classes one teaches or leads"),
                   ("admin", "principal", "deputy", "class_teacher", "teacher")),
        Permission("attendance.view_all", _l("See attendance of the whole school and lessons left without it"),
                   ("admin", "principal", "deputy")),
        Permission("attendance.edit", _l("Mark attendance at own lessons"), ("teacher",)),
        Permission("attendance.verify", _l("Verify the class's attendance weekly and set reasons"),
                   ("class_teacher",)),
        Permission("attendance.edit_any", _l("Correct any attendance record"), ("deputy", "principal")),
        Permission("attendance.note.submit", _l("Send the class teacher a note explaining a child's absence"),
                   ("guardian",)),
    ]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.attendance.api import bp as api_bp
    from plugins.attendance.views import bp

    return [bp, api_bp]


@hookimpl
def register_menu_items(user: Any) -> list[Any]:
    from plugins.attendance.ui import menu_items

    return menu_items(user)


@hookimpl
def register_dashboard_widgets(user: Any) -> list[Any]:
    from plugins.attendance.ui import dashboard_widgets

    return dashboard_widgets(user)


@hookimpl
def register_demo_data(session: Any, school: Any, size: str) -> None:
    from plugins.attendance.demo import build

    build(session, school, size)


@hookimpl
def revert_change(session: Any, entry: Any) -> dict[str, Any] | None:
    from flask_login import current_user

    from core.toolkit import hook
    from plugins.attendance.undo import revert_entry

    return revert_entry(session, entry, notify=hook().on_attendance_batch_saved,
                        actor_id=getattr(current_user, "id", None))


@hookimpl(optionalhook=True)
def extra_journal_columns(session: Any, journal: Any) -> list[Any]:
    """Attendance codes in the journal's cells, one query for the whole grid."""
    from plugins.attendance.journal import journal_extra

    return [journal_extra(session, journal)]


@hookimpl(optionalhook=True)
def lesson_absences(session: Any, lesson_id: int, student_ids: list[int]) -> dict[int, str]:
    """Who was away from the lesson (not merely late): the gradebook warns of a mark next to an «н»."""
    from plugins.attendance.marking import absences_at

    return absences_at(session, lesson_id, student_ids)
