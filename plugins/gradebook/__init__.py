"""Gradebook: the class journal (ЭЖ): lessons, topics, homework, marks with work types, final marks."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.api import Permission, PluginInfo, hookimpl
from plugins.gradebook import hookspecs
from plugins.gradebook.schemas import GradebookSettings

PLUGIN = PluginInfo(
    name="gradebook",
    title=_l("Class journal"),
    version="0.1.0",
    settings_schema=GradebookSettings,
    hookspecs=hookspecs,
    description=_l("Lessons, topics, homework, marks and final marks"),
)


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("gradebook.journal.view", _l("Open class journals"),
                   ("admin", "principal", "deputy", "class_teacher", "teacher")),
        Permission("gradebook.journal.edit", _l("Fill the journal of own lessons: topics, homework, marks"),
                   ("teacher",)),
        Permission("gradebook.journal.edit_any", _l("Correct any journal, also after the edit window"),
                   ("deputy", "principal")),
        Permission("gradebook.final.edit", _l("Set final marks of own subjects"), ("teacher",)),
        Permission("gradebook.final.override", _l("Change final marks after the term is locked"),
                   ("deputy", "principal")),
    ]


@hookimpl
def register_demo_data(session: Any, school: Any, size: str) -> None:
    from plugins.gradebook.demo import build

    build(session, school, size)
