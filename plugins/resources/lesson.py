"""The catalogue on other plugins' pages: the lesson page's block (attached materials, the one-click attach
form) and the diary week's rows. Each costs at most two queries; the diary's, one."""
from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup
from sqlalchemy import Integer, bindparam, or_, select
from sqlalchemy.orm import Session

from core.toolkit import User, can, hook, read_rows, school_today
from plugins.gradebook.public import Lesson
from plugins.resources import services
from plugins.resources.access import condition, reader
from plugins.resources.labels import KIND_TITLES, USE_TITLES
from plugins.resources.models import Material, MaterialUse


def section(session: Session, lesson: Lesson, user: User) -> Markup:
    who = reader(session, user, school_today())
    attached = session.execute(select(MaterialUse, Material).join(Material, Material.id == MaterialUse.material_id)
                               .where(MaterialUse.school_id == lesson.school_id, MaterialUse.lesson_id == lesson.id)
                               .order_by(MaterialUse.id)).all()
    editors = [] if lesson.teacher_id == user.id else [
        uid for ids in hook().register_lesson_editors(session=session, lesson=lesson) for uid in (ids or [])]
    may_attach = (can(user, "resources.attach") and services.may_attach(session, who, lesson, editors)
                  and lesson.date >= school_today())
    candidates: list[Material] = []
    if may_attach:
        taken = {m.id for _use, m in attached}
        candidates = [m for m in session.scalars(
            select(Material).where(condition(who), Material.archived.is_(False),
                                   or_(Material.subject_id == lesson.subject_id, Material.subject_id.is_(None)))
            .order_by(Material.updated_at.desc()).limit(100)) if m.id not in taken]
    return Markup(render_template("resources/_lesson.html", lesson=lesson, attached=attached, candidates=candidates,
                                  may_attach=may_attach, kind_titles=KIND_TITLES, use_titles=USE_TITLES))


def diary_uses(session: Session, school_id: int, lesson_ids: frozenset[int]) -> tuple[tuple[Any, ...], ...]:
    """(lesson id, material id, title, kind, use) of the materials attached to these lessons, withdrawn ones
    left out, in the order they were attached. The lessons are the diary's (those the student attends, so
    a subgroup's lesson only for its members): selecting by them keeps the rows right when a lesson moves.
    Columns, not entities, and a statement built once: the diary reads this on every family's week."""
    if not _DIARY:
        _DIARY.append(
            select(MaterialUse.lesson_id, Material.id, Material.title, Material.kind, MaterialUse.use)
            .join(Material, Material.id == MaterialUse.material_id)
            .where(MaterialUse.school_id == bindparam("school_id", type_=Integer()),
                   MaterialUse.lesson_id.in_(bindparam("lesson_ids", expanding=True)), Material.archived.is_(False))
            .order_by(MaterialUse.id))
    return tuple(tuple(r) for r in read_rows(session, _DIARY[0], {"school_id": school_id,
                                                                  "lesson_ids": sorted(lesson_ids)}))


_DIARY: list[Any] = []  # built once, run with parameters: building it cost more than running it
