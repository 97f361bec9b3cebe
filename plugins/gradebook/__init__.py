"""Gradebook: the class journal (ЭЖ): lessons, topics, homework, marks with work types, final marks."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.toolkit import N_, DashboardWidget, MenuItem, Permission, PluginInfo, hookimpl
from plugins.gradebook import hookspecs
from plugins.gradebook.schemas import GradebookSettings

PLUGIN = PluginInfo(
    name="gradebook",
    title=_l("Class journal"),
    version="0.2.0",
    settings_schema=GradebookSettings,
    hookspecs=hookspecs,
    public_modules=("averages", "public"),
    description=_l("Lessons, topics, homework, marks and final marks"),
)

STAFF = ("admin", "principal", "deputy", "class_teacher", "teacher")
EVERYONE = (*STAFF, "student", "guardian")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("gradebook.journal.view", _l("Open class journals"), STAFF),
        Permission("gradebook.journal.view_all", _l("Open every journal of the school (read only)"),
                   ("admin", "principal", "deputy")),
        Permission("gradebook.journal.edit", _l("Fill the journal of own lessons: topics, homework, marks"),
                   ("teacher", "deputy", "principal")),
        Permission("gradebook.journal.edit_any", _l("Correct any journal, also after the edit window"),
                   ("deputy", "principal")),
        Permission("gradebook.final.edit", _l("Set final marks of own subjects"), ("teacher", "deputy", "principal")),
        Permission("gradebook.final.override", _l("Change final marks after the term is locked"),
                   ("deputy", "principal")),
        Permission("gradebook.average.explain", _l("See how an average and a forecast were computed"), EVERYONE),
        Permission("gradebook.homework.view", _l("Download homework attachments"), EVERYONE),
    ]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.gradebook.api import bp as api_bp
    from plugins.gradebook.views import bp

    return [bp, api_bp]


@hookimpl
def register_menu_items(user: Any) -> list[MenuItem]:
    from core.toolkit import Role

    items = [MenuItem(_l("Journal"), "gradebook.index", "gradebook.journal.view", icon="📒", weight=10)]
    led = sorted(g.class_id for g in user.grants if g.role == Role.class_teacher and g.class_id is not None)
    for class_id in led[:1]:
        items.append(MenuItem(_l("My class"), "gradebook.class_view", "gradebook.journal.view", icon="👩‍🏫",
                              weight=11, url_values={"class_id": class_id}))
    return items


@hookimpl
def register_dashboard_widgets(user: Any) -> list[DashboardWidget]:
    if not user.has_role("teacher"):
        return []
    from plugins.gradebook.views import today_widget

    return [today_widget(user)]


@hookimpl
def register_cli_commands() -> list[Any]:
    from plugins.gradebook.cli import commands

    return commands()


@hookimpl
def register_demo_data(session: Any, school: Any, size: str) -> None:
    from plugins.gradebook.demo import build

    build(session, school, size)


@hookimpl
def revert_change(session: Any, entry: Any) -> dict[str, Any] | None:
    """Undo an audited change of a mark, a final mark or a lesson (a leaked account's operations)."""
    from plugins.gradebook import finals, lesson_editing, mark_saving

    if entry.object_type == "gradebook.mark":
        from core.toolkit import hook

        try:
            hooks = hook()
        except RuntimeError:  # outside an app context (a script): no listeners to tell
            hooks = None
        return mark_saving.revert_mark(session, entry, hooks)
    if entry.object_type == "gradebook.final_mark":
        return finals.revert_final_mark(session, entry)
    if entry.object_type == "gradebook.lesson":
        return lesson_editing.revert_lesson(session, entry)
    return None


@hookimpl
def register_audit_titles() -> dict[str, dict[str, str]]:
    """The journal's actions and fields as the audit log names them («Отметка: 4 → 5»)."""
    return {
        "actions": {
            "gradebook.mark": N_("Mark"), "gradebook.mark.create": N_("Mark entered"),
            "gradebook.mark.update": N_("Mark changed"), "gradebook.mark.delete": N_("Mark deleted"),
            "gradebook.lesson": N_("Lesson"), "gradebook.lesson.create": N_("Lesson created"),
            "gradebook.lesson.update": N_("Lesson changed"), "gradebook.lesson.delete": N_("Lesson deleted"),
            "gradebook.final_mark": N_("Final mark"), "gradebook.final_mark.create": N_("Final mark entered"),
            "gradebook.final_mark.update": N_("Final mark changed"),
            "gradebook.final_mark.delete": N_("Final mark deleted"),
            "gradebook.homework_file": N_("Homework file"),
            "gradebook.homework_file.create": N_("Homework file attached"),
            "gradebook.homework_file.delete": N_("Homework file removed"),
        },
        "fields": {
            "value": N_("Mark"), "work_type": N_("Kind of work"), "comment": N_("Comment"), "topic": N_("Topic"),
            "date": N_("Date"), "number": N_("Lesson number"), "student_id": N_("Student"),
            "lesson_id": N_("Lesson"), "teacher_id": N_("Teacher"), "subject_id": N_("Subject"),
            "class_id": N_("Class"), "subgroup_id": N_("Subgroup"), "reason": N_("Reason"),
            "filename": N_("File"), "size": N_("Size, bytes"), "weight": N_("Weight"), "period": N_("Period"),
        },
    }


@hookimpl
def audit_history_scope(session: Any, object_type: str, object_id: str) -> dict[str, Any] | None:
    """A mark's and a lesson's history belong to the lesson's class; a lesson's history shows its marks."""
    from sqlalchemy import select

    from plugins.gradebook.models import Lesson, Mark

    if not object_id.isdigit():
        return None
    if object_type == "gradebook.mark":
        class_id = session.scalar(select(Lesson.class_id).join(Mark, Mark.lesson_id == Lesson.id)
                                  .where(Mark.id == int(object_id)))
        return {"class_id": class_id, "related": []} if class_id is not None else None
    if object_type == "gradebook.lesson":
        lesson = session.get(Lesson, int(object_id))
        if lesson is None:
            return None
        marks = list(session.scalars(select(Mark.id).where(Mark.lesson_id == lesson.id)))
        return {"class_id": lesson.class_id, "related": [("gradebook.mark", marks)]}
    return None
