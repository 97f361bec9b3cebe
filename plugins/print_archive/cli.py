"""``klass print_archive ...``: print into the archive and check it from the command line (cron, servers)."""
from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select


def commands() -> list[click.Command]:
    return [generate_command, check_command]


def _year_classes(session: Any, class_name: str | None) -> list[Any]:
    from core.toolkit import School, SchoolClass, current_year

    school_id = session.scalar(select(School.id).where(School.kind == "school").order_by(School.id))
    year = current_year(session, school_id) if school_id else None
    if year is None:
        raise click.ClickException("Нет текущего учебного года. / No current academic year.")
    classes = list(session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id)
                                   .order_by(SchoolClass.grade_level, SchoolClass.letter)))
    if class_name:
        classes = [c for c in classes if c.name.lower() == class_name.lower()]
        if not classes:
            raise click.ClickException(f"Класс «{class_name}» не найден. / No class {class_name}.")
    return classes


@click.command("generate", help="Напечатать журналы (и сводные ведомости) класса или всей школы в архив.")
@click.option("--class", "class_name", default=None, help="класс, например 5А; без него — вся школа")
@click.option("--kind", type=click.Choice(["both", "journal", "summary"]), default="both")
@click.option("--workers", type=int, default=None, help="процессов (по умолчанию из настроек)")
@with_appcontext
def generate_command(class_name: str | None, kind: str, workers: int | None) -> None:
    from plugins.print_archive.jobs import context_from_app, run_generation

    session = current_app.extensions["klass"].session()
    classes = _year_classes(session, class_name)
    ctx = context_from_app()

    def progress(done: int, total: int, message: str) -> None:
        click.echo(f"{done}/{total} {message}")

    kinds = ["journal", "summary"] if kind == "both" else [kind]
    outcome = run_generation(session, ctx, [c.id for c in classes], kinds, user_id=None, job_id=None,
                             progress=progress, workers=workers or ctx.settings["workers"])
    from core.toolkit import ru_plural

    n, pages = len(outcome.documents), outcome.pages
    click.echo(f"Готово: {n} {ru_plural(n, 'документ', 'документа', 'документов')}, {pages} "
               f"{ru_plural(pages, 'страница', 'страницы', 'страниц')}. / Done: {n} documents, {pages} pages.")


@click.command("check", help="Проверить последние версии в архиве: контрольные суммы и изменения журнала.")
@click.option("--class", "class_name", default=None)
@with_appcontext
def check_command(class_name: str | None) -> None:
    from plugins.print_archive import services
    from plugins.print_archive.jobs import context_from_app

    session = current_app.extensions["klass"].session()
    classes = _year_classes(session, class_name)
    docs = services.latest(services.documents(session, classes[0].school_id, class_ids={c.id for c in classes}))
    names = {c.id: c.name for c in classes}
    stale = 0
    for (class_id, kind), document in sorted(docs.items(), key=lambda kv: kv[1].id):
        result = services.check(session, context_from_app(), document)
        state = "OK" if result.up_to_date else ("ФАЙЛ ПОВРЕЖДЁН" if not result.file_ok else "УСТАРЕЛ")
        stale += not result.up_to_date
        details = "; ".join(f"{c.title}: {c.marks_total} отм." for c in result.changes)
        click.echo(f"{names[class_id]:<4} {kind:<8} v{document.version:<3} {state} {details}")
    if stale:
        raise SystemExit(1)
