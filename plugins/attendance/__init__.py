"""Attendance: per-lesson attendance marks, reasons, weekly verification by the class teacher."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.api import Permission, PluginInfo, hookimpl
from plugins.attendance.schemas import AttendanceSettings

PLUGIN = PluginInfo(
    name="attendance",
    title=_l("Attendance"),
    version="0.1.0",
    requires=("gradebook",),
    settings_schema=AttendanceSettings,
    description=_l("Absences and late arrivals at every lesson, reasons, weekly verification"),
)


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("attendance.view", _l("See attendance of the classes one teaches or leads"),
                   ("admin", "principal", "deputy", "class_teacher", "teacher")),
        Permission("attendance.edit", _l("Mark attendance at own lessons"), ("teacher",)),
        Permission("attendance.verify", _l("Verify the class's attendance weekly and set reasons"),
                   ("class_teacher",)),
        Permission("attendance.edit_any", _l("Correct any attendance record"), ("deputy", "principal")),
    ]


@hookimpl
def register_demo_data(session: Any, school: Any, size: str) -> None:
    from plugins.attendance.demo import build

    build(session, school, size)
