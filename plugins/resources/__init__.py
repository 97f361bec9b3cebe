"""The resource catalogue (duties C05, T10, D08, T08, T06): teaching materials — files stored once, links and
tasks written here — by subject, grades, КТП topic and kind, visible to the author, the association, the
school's teachers or chosen classes; attached to a lesson or its homework from the lesson's page and shown to
the family in the diary on that day."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from core.toolkit import MenuItem, Permission, PluginInfo, School, User, hookimpl, watch_content
from plugins.resources import models

# The diary's materials section is cached until the school's materials or attachments change (core.content_cache).
watch_content(models.Material, models.MaterialUse)


class ResourcesSettings(Schema):
    max_file_mb = fields.Float(load_default=20.0, validate=validate.Range(min=0.1, max=200))


PLUGIN = PluginInfo(
    name="resources",
    title=_l("Resource catalogue"),
    version="1.0.0",
    requires=("gradebook",),
    settings_schema=ResourcesSettings,
    public_modules=("public",),
    description=_l("Teaching materials by subject, grade, topic and kind, attached to lessons and shown in the diary."),
)

EVERYONE = ("admin", "principal", "deputy", "class_teacher", "teacher", "student", "guardian")
STAFF = ("admin", "principal", "deputy", "class_teacher", "teacher")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("resources.view", _l("Open the resource catalogue's materials one may see"), EVERYONE),
        Permission("resources.create", _l("Add materials to the resource catalogue"), STAFF),
        Permission("resources.attach", _l("Attach materials to one's lessons and homework"), STAFF),
        Permission("resources.manage", _l("Edit and withdraw any shared material of the catalogue"),
                   ("admin", "deputy", "principal")),
    ]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.resources.api import bp as api_bp
    from plugins.resources.views import bp

    return [bp, api_bp]


@hookimpl
def register_menu_items(user: User) -> list[MenuItem]:
    return [MenuItem(_l("Resource catalogue"), "resources.index", "resources.view", icon="📚", weight=640)]


@hookimpl
def register_demo_data(session: Session, school: School, size: str) -> None:
    from plugins.resources.demo import build

    build(session, school)


@hookimpl
def revert_change(session: Session, entry: Any) -> dict[str, Any] | None:
    from plugins.resources.revert import revert

    return revert(session, entry)


@hookimpl(optionalhook=True)
def extra_lesson_sections(session: Session, lesson: Any, user: User) -> list[dict[str, Any]]:
    """The lesson's materials and the attach form (two queries: what is attached, what may be attached)."""
    from flask_babel import gettext as _

    from plugins.resources.lesson import section

    return [{"title": _("Materials"), "html": section(session, lesson, user), "weight": 30}]


@hookimpl(optionalhook=True)
def extra_diary_sections(session: Session, school_id: int, lessons: Mapping[int, tuple[date, int, str]]
                         ) -> list[dict[str, Any]]:
    """Materials attached to the week's lessons the student attends, day by day. The attachments of a set
    of lessons are the same for every family of the class (or subgroup): each process keeps them until the
    school's materials or attachments change (``cached_for_content``), so most pages need no statement;
    the days and subjects come from the diary's own lessons, fresh on every page."""
    if not lessons:
        return []
    from core.toolkit import cached_for_content
    from plugins.resources.lesson import diary_uses

    ids = frozenset(lessons)
    uses = cached_for_content(school_id, ("resources.diary", ids), lambda: diary_uses(session, school_id, ids))
    if not uses:
        return []
    from babel.dates import format_date
    from flask_babel import get_locale
    from flask_babel import gettext as _

    from core.toolkit import render_fragment
    from plugins.resources.labels import KIND_TITLES, USE_TITLES

    locale = get_locale()
    # By the lesson's day and number; within a lesson in the order attached (the sort is stable).
    rows = [(lessons[lid][0], lessons[lid][2], mid, title, kind, use_kind)
            for lid, mid, title, kind, use_kind in sorted(uses, key=lambda u: lessons[u[0]][:2])]
    labels = {day: format_date(day, "EEEE, d MMMM", locale=locale) for day in {row[0] for row in rows}}
    html = render_fragment("resources/_diary.html", rows=rows, labels=labels, kind_titles=KIND_TITLES,
                           use_titles=USE_TITLES)
    return [{"title": _("Materials for the lessons"), "html": html, "weight": 15}]


@hookimpl
def register_audit_titles() -> dict[str, dict[str, str]]:
    """The catalogue's actions and codes as the audit log names them."""
    from core.toolkit import N_

    return {
        "actions": {"resources.material": N_("Material"), "resources.material.create": N_("Material added"),
                    "resources.material.edit": N_("Material changed"), "resources.material.open": N_("Material opened to classes"),
                    "resources.material.withdraw": N_("Material withdrawn"), "resources.use": N_("Use of a material"),
                    "resources.use.attach": N_("Material attached to a lesson"),
                    "resources.use.detach": N_("Material detached from a lesson")},
        "fields": {"title": N_("Title"), "kind": N_("Kind"), "visibility": N_("Who sees it"), "form": N_("Form"),
                   "licence": N_("Licence"), "use": N_("Use")},
        "values": {"test": N_("test"), "task": N_("task"), "exercise": N_("exercise"),
                   "presentation": N_("presentation"), "guide": N_("methodological guide"),
                   "analysis": N_("analytical material"), "author": N_("only me"),
                   "association": N_("the methodological association (teachers of the subject)"),
                   "teachers": N_("the school's teachers"), "classes": N_("teachers and students of the chosen classes"),
                   "file": N_("file"), "link": N_("link"), "text": N_("task written here"),
                   "lesson": N_("for the lesson"), "homework": N_("for the homework")},
    }
