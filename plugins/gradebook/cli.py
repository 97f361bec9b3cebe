"""``klass gradebook ...``: commands for the administrator."""
from __future__ import annotations

from typing import Any

import click
from flask.cli import with_appcontext


def commands() -> list[click.Command]:
    @click.command("fill-topics", help="Заполнить пустые темы уроков из КТП по всем классам и предметам.")
    @click.option("--overwrite", is_flag=True, help="Заменять и уже введённые темы.")
    @with_appcontext
    def fill_topics(overwrite: bool) -> None:

        from sqlalchemy import select

        from core.toolkit import db, school_today
        from plugins.gradebook.editing import Editor
        from plugins.gradebook.lesson_editing import fill_topics_from_plan
        from plugins.gradebook.models import LessonPlanItem

        session = db()
        plans: list[Any] = list(session.execute(
            select(LessonPlanItem.school_id, LessonPlanItem.class_id, LessonPlanItem.subject_id,
                   LessonPlanItem.subgroup_id).distinct()))
        total = 0
        for school_id, class_id, subject_id, subgroup_id in plans:
            editor = Editor(user_id=None, school_id=school_id, today=school_today(school_id, session=session),
                            may_edit_any=True)
            total += fill_topics_from_plan(session, editor, class_id=class_id, subject_id=subject_id,
                                           subgroup_id=subgroup_id, overwrite=overwrite)
        session.commit()
        click.echo(f"Темы заполнены: {total} (планов: {len(plans)}).")

    return [fill_topics]
