"""``klass sso import-snils FILE.csv``: the school's СНИЛС list (login; СНИЛС; birth date) in one go, with
the same checks as the page (checksum, birth date agreeing with the account). All or nothing."""
from __future__ import annotations

import csv
import sys
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("import-snils", help="Загрузить СНИЛС и даты рождения (CSV: логин;СНИЛС;дата рождения; логин — как на странице входа: «ivanova.m» или «ivanova.m@school7», если школ несколько).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_snils(file: Path) -> None:

    from core.toolkit import ServiceError, find_user_by_login, session_scope
    from plugins.sso.services import set_snils

    state = current_app.extensions["klass"]
    problems: list[str] = []
    done = 0
    with current_app.test_request_context(), session_scope(state.engine) as session:  # type: ignore[arg-type]
        text = file.read_text(encoding="utf-8-sig")
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ";", delimiters=";,\t")
        for line, row in enumerate(csv.reader(text.splitlines(), dialect), start=1):
            if not row or not "".join(row).strip() or (line == 1 and row[0].strip().lower() in ("логин", "login")):
                continue
            login, snils, birth = (row + ["", "", ""])[:3]
            user = find_user_by_login(session, login.strip().lower())  # login@school when schools share it
            if user is None:
                problems.append(f"строка {line}: нет учётной записи «{login.strip()}» (или она есть в нескольких "
                                "школах: допишите «@школа»)")
                continue
            try:
                day = datetime.strptime(birth.strip(), "%d.%m.%Y").date() if birth.strip() else None
            except ValueError:
                problems.append(f"строка {line}: дата рождения «{birth.strip()}» — пишите 14.03.1985")
                continue
            try:
                set_snils(session, None, user, snils, day)
                session.flush()
                done += 1
            except ServiceError as exc:
                problems.append(f"строка {line}: {exc.translated()}")
        for problem in problems:
            click.echo(problem)
        if problems:
            session.rollback()
            click.echo(f"Ничего не сохранено: строк с ошибками {len(problems)}.")
            sys.exit(1)
    click.echo(f"Сохранено СНИЛС: {done}.")
