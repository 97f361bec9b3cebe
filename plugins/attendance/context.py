"""The request's side of the rules: the signed-in user as an ``Actor``, the school's today, and the
hook callers the services take as plain functions (the services themselves never touch Flask)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from core.toolkit import (
    acting_user,
    can,
    classes_led_by,
    db,
    hook,
    plugin_settings,
    school_now,
)
from plugins.attendance.errors import AttendanceError
from plugins.attendance.rights import Actor


def settings() -> dict[str, Any]:
    return plugin_settings("attendance")


def _lesson_editors(lesson: Any) -> list[int]:
    return [uid for ids in hook().register_lesson_editors(session=db(), lesson=lesson) for uid in (ids or [])]


def _lesson_start(lesson: Any) -> Any:
    return hook().lesson_starts_at(session=db(), lesson=lesson)


def actor_for(user: Any) -> Actor:
    """What ``user``'s permissions allow, for the services."""
    led = classes_led_by(user)
    window = plugin_settings("gradebook").get("edit_window_days")
    return Actor(
        user_id=user.id,
        school_id=user.school_id,
        edit_own=can(user, "attendance.edit"),
        edit_any=can(user, "attendance.edit_any"),
        view_all=can(user, "attendance.view_all"),
        verify_class_ids=frozenset(c for c in led if can(user, "attendance.verify", class_id=c)),
        edit_window_days=window,
        extra_editors=_lesson_editors,
        now=school_now(user.school_id),
        lesson_start=_lesson_start,
    )


def current_actor() -> Actor:
    return actor_for(acting_user())


def notifier() -> Any:
    """The ``on_attendance_batch_saved`` hook caller, handed to the services."""
    return hook().on_attendance_batch_saved


def error_text(error: AttendanceError) -> str:
    return _(error.message, **error.params)
