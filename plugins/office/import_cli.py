"""``klass office import FILE``: the same import as the web pages, for scripted set-up of a school.

One line per problem row («строка N: …»), exit code 1 and nothing saved when any row has a problem;
the counts saved otherwise. ``--dry-run`` checks without saving.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("import", help="Загрузить учеников с родителями, сотрудников или нагрузку из XLSX, XLS или CSV.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--class", "class_name", default="", help="Класс учеников, например 7В.")
@click.option("--school", "school_id", type=int, default=None, help="Номер школы (если школ несколько).")
@click.option("--kind", type=click.Choice(["students", "staff", "loads"]), default="students",
              help="Что в файле: students (ученики и родители), staff (сотрудники), loads (нагрузка).")
@click.option("--dry-run", is_flag=True, help="Только проверить, ничего не сохранять.")
@with_appcontext
def import_command(file: Path, class_name: str, school_id: int | None, kind: str, dry_run: bool) -> None:
    from sqlalchemy import select

    from core.toolkit import School, audit, session_scope
    from plugins.office import importer
    from plugins.office.import_checks import parse_class_name

    state = current_app.extensions["klass"]
    with current_app.test_request_context(), session_scope(state.engine) as session:  # type: ignore[arg-type]
        schools = list(session.scalars(select(School.id).where(School.kind == "school").order_by(School.id)))
        if school_id is None and len(schools) == 1:
            school_id = schools[0]
        if school_id not in schools:
            raise click.UsageError("Укажите школу: --school N (есть: " + ", ".join(map(str, schools)) + ").")
        default_class = None
        if class_name:
            parsed = parse_class_name(class_name)
            default_class = importer.school_classes(session, school_id).get(parsed) if parsed else None
            if default_class is None:
                raise click.UsageError(f"В этом учебном году нет класса {class_name}.")
        try:
            result = importer.preview(session, school_id, kind, file.name, file.read_bytes(),
                                      default_class=default_class)
        except importer.ImportFileError as exc:
            click.echo(f"файл: {exc}", err=True)
            sys.exit(1)
        if result.ignored:
            click.echo("Пропущены столбцы (не распознаны): " + ", ".join(result.ignored))
        for problem in result.mapping_problems:
            click.echo(f"столбцы: {problem}")
        for record in result.bad:
            click.echo(f"строка {record.line}: " + "; ".join(str(p) for p in record.problems))
        if result.mapping_problems or result.bad:
            click.echo(f"Ничего не сохранено: строк с ошибками {len(result.bad)} из {len(result.records)}.")
            sys.exit(1)
        if dry_run:
            click.echo(f"Проверка пройдена: строк {len(result.records)}; ничего не сохранено (--dry-run).")
            return
        saved = importer.save(session, school_id, result, starts_on=None,
                              on_moved=state.pm.hook.on_student_moved)
        audit(session, school_id=school_id, action="office.import.batch", object_type="office.import",
              object_id=0, new={"kind": kind, "filename": file.name, "students": saved.students,
                                "guardians": saved.guardians, "staff": saved.staff, "loads": saved.loads,
                                "source": "cli"})
        counts = {"students": f"учеников {saved.students}, родителей {saved.guardians}",
                  "staff": f"сотрудников {saved.staff}", "loads": f"нагрузок {saved.loads}"}[kind]
        click.echo(f"Сохранено: {counts}.")
