"""The catalogue on other plugins' pages: the lesson page's block (attached materials, the one-click attach
form) and the diary week's rows. Each costs at most two queries; the diary's, one."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template
from markupsafe import Markup
from sqlalchemy import Date, Integer, and_, bindparam, exists, or_, select
from sqlalchemy.orm import Session

from core.toolkit import SubgroupMember, Subject, User, can, hook, read_rows, school_today
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


def diary_rows(session: Session, student_id: int, class_id: int, start: date, end: date) -> list[tuple[Any, ...]]:
    """(day, subject, material id, title, kind, use) attached to the class's lessons of start..end that the
    student attends (a subgroup's lesson only for its members), withdrawn materials left out. Columns, not
    entities, and a statement built once: the diary reads this on every family's week."""
    return [tuple(r) for r in read_rows(session, _diary_statement(), {"student_id": student_id, "class_id": class_id,
                                                                  "start": start, "end": end})]


_DIARY: list[Any] = []  # built once, run with parameters: building it cost more than running it


def _diary_statement() -> Any:
    if not _DIARY:
        student_id = bindparam("student_id", type_=Integer())
        in_subgroup = exists().where(SubgroupMember.subgroup_id == Lesson.subgroup_id,
                                     SubgroupMember.student_id == student_id)
        _DIARY.append(
            select(Lesson.date, Subject.name, Material.id, Material.title, Material.kind, MaterialUse.use)
            .join(MaterialUse, and_(MaterialUse.school_id == Lesson.school_id, MaterialUse.lesson_id == Lesson.id))
            .join(Material, Material.id == MaterialUse.material_id)
            .join(Subject, Subject.id == Lesson.subject_id)
            .where(Lesson.class_id == bindparam("class_id", type_=Integer()),
                   Lesson.date >= bindparam("start", type_=Date()), Lesson.date <= bindparam("end", type_=Date()),
                   Material.archived.is_(False), or_(Lesson.subgroup_id.is_(None), and_(in_subgroup)))
            .order_by(Lesson.date, Lesson.number, MaterialUse.id))
    return _DIARY[0]
