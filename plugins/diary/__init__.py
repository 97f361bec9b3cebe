"""Diary (ЭД): the family portal. A student's week, marks with their averages, teachers' remarks,
e-mail notifications and digests, acknowledgements, the visit log the class teacher watches, paper
statements and the information letter for parents."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from core.toolkit import DashboardWidget, MenuItem, Permission, PluginInfo, hookimpl
from plugins.diary import hookspecs
from plugins.diary.schemas import DiarySettings

PLUGIN = PluginInfo(
    name="diary",
    title=_l("Diary"),
    version="0.1.0",
    requires=("gradebook", "attendance"),
    settings_schema=DiarySettings,
    hookspecs=hookspecs,
    public_modules=("public",),
    description=_l("The family portal: the week, marks, remarks, notifications, acknowledgements, "
                   "the visit log, paper statements and information letters"),
)

FAMILY = ("guardian", "student")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("diary.view", _l("Open the diary of a student one may see (own, own child's, own class's)"),
                   ("guardian", "student", "class_teacher", "deputy", "principal", "admin")),
        Permission("diary.students.view_any", _l("Open the diary of any student of the school"),
                   ("deputy", "principal", "admin")),
        Permission("diary.acknowledge", _l("Confirm having seen the week's marks and remarks"), ("guardian",)),
        Permission("diary.notifications.edit", _l("Choose own diary notifications"), ("guardian",)),
        Permission("diary.remark.write", _l("Write remarks and recommendations to families"),
                   ("teacher", "class_teacher")),
        Permission("diary.class.monitor", _l("See how the class's families use the diary"),
                   ("class_teacher", "deputy", "principal")),
        Permission("diary.statement.print", _l("Print paper statements for families"),
                   ("class_teacher", "deputy", "principal", "admin")),
        Permission("diary.letter.send", _l("Prepare and send information letters to parents"),
                   ("class_teacher", "deputy", "principal")),
        Permission("diary.notices.view", _l("Read class teachers' notices about families who do not use the diary"),
                   ("deputy", "principal")),
    ]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.diary.api import bp as api_bp
    from plugins.diary.views import bp

    return [bp, api_bp]


@hookimpl
def register_menu_items(user: Any) -> list[MenuItem]:
    items = []
    if user.has_role(*FAMILY):
        items.append(MenuItem(_l("Diary"), "diary.week", "diary.view", icon="📖", weight=10))
    items += [
        MenuItem(_l("Class diaries"), "diary.classes", "diary.class.monitor", icon="👪", weight=320),
        MenuItem(_l("Notes to families"), "diary.remarks", "diary.remark.write", icon="✍", weight=330),
    ]
    return items


@hookimpl
def register_dashboard_widgets(user: Any) -> list[DashboardWidget]:
    from plugins.diary.widgets import widgets_for

    return widgets_for(user)


@hookimpl
def register_demo_data(session: Any, school: Any, size: str) -> None:
    from plugins.diary.demo import build

    build(session, school, size)


@hookimpl(optionalhook=True)
def on_mark_saved(session: Any, mark: Any, action: str, old: dict[str, Any] | None, new: dict[str, Any] | None,
                  actor_id: int | None) -> None:
    """A mark given, changed, deleted or reverted: nothing written (the sender reads the save's audit
    entry, ``events``); the sender is woken once the save commits, unless only the comment changed."""
    from plugins.diary.events import FAMILY_FIELDS
    from plugins.diary.notify import _arm

    if new is None or old is None or any(old.get(k) != new.get(k) for k in FAMILY_FIELDS):
        _arm(session, mark.school_id)


@hookimpl(optionalhook=True)
def on_homework_saved(session: Any, lesson: Any, homework: Any) -> None:
    from core.toolkit import plugin_settings
    from plugins.diary import notify

    notify.homework_saved(session, lesson, homework, plugin_settings("diary"))


@hookimpl(optionalhook=True)
def on_attendance_batch_saved(session: Any, lesson: Any, changes: list[dict[str, Any]], actor_id: int | None) -> None:
    """Students marked absent or late (or back to present) at a lesson: nothing written (the sender reads
    the roll call's audit entries, ``events``); the sender is woken once the save commits, unless no
    student went from present to away or back (a reason added later tells nobody)."""
    from plugins.diary.notify import _arm

    if any(bool(c["old"].get("code")) != bool(c["new"].get("code")) for c in changes):
        _arm(session, lesson.school_id)


@hookimpl(optionalhook=True)
def register_reports() -> list[Any]:
    """«How guardians use the diary» in the reports plugin (its page, XLSX, PDF, API, weekly e-mails)."""
    from plugins.diary.reports import definitions

    return definitions()


@hookimpl
def on_periodic_tick(session: Any, now: datetime) -> None:
    """Send what is due (instant messages a request did not send at once, and digests); forget visit-log
    days older than ``visit_retention_days``."""
    from plugins.diary.jobs import periodic
    from plugins.diary.visits import purge_old

    periodic(session, now)
    purge_old(session, now)


@hookimpl
def revert_change(session: Any, entry: Any) -> dict[str, Any] | None:
    from plugins.diary.revert import revert

    return revert(session, entry)
