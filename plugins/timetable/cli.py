"""``klass timetable generate``: the journal's lessons from the timetable, for a night job or a script."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("generate", help="Создать уроки журнала по расписанию (по умолчанию — на текущий учебный период).")
@click.option("--start", "start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="С даты (ГГГГ-ММ-ДД).")
@click.option("--end", "end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="По дату (ГГГГ-ММ-ДД).")
@with_appcontext
def generate_command(start: object, end: object) -> None:
    from core.toolkit import school_settings, school_today, schools_with_plugin, session_scope, term_on
    from plugins.timetable.generation import generate_lessons

    state = current_app.extensions["klass"]
    with session_scope(state.engine) as session:  # type: ignore[arg-type]
        for school_id in schools_with_plugin(session, "timetable"):  # no education office, no school without it
            today = school_today(school_id, session=session)
            term = term_on(session, school_id, today)
            first = start.date() if start else (term.starts_on if term else None)  # type: ignore[attr-defined]
            last = end.date() if end else (term.ends_on if term else None)  # type: ignore[attr-defined]
            if first is None or last is None:
                click.echo(f"Школа {school_id}: сегодня нет учебного периода, укажите --start и --end.")
                continue
            days = school_settings(school_id, session=session).plugin("timetable")["days_per_week"]
            report = generate_lessons(session, school_id, first, last, weekdays=days, today=today)
            click.echo(f"Школа {school_id}, {first:%d.%m.%Y}–{last:%d.%m.%Y}: новых {report.created}, "
                       f"перенесено {report.updated}, удалено {report.removed}, сохранено с данными {len(report.kept)}.")
