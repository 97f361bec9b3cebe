"""``klass region ...``: a municipality, its coordinators and its existing schools, from the command line
(the first coordinator cannot be made on a page: nobody could sign in to make them)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


def _run(work):  # type: ignore[no-untyped-def]
    """Run ``work(session)`` in one transaction, Russian messages, refusals as a clean CLI error."""
    from flask_babel import force_locale

    from core.toolkit import ServiceError, session_scope

    state = current_app.extensions["klass"]
    try:
        with current_app.test_request_context(), force_locale("ru"), session_scope(state.engine) as session:
            return work(session)
    except ServiceError as exc:
        with current_app.test_request_context(), force_locale("ru"):
            raise click.ClickException(exc.translated()) from None


def _municipality(session, municipality_id: int):  # type: ignore[no-untyped-def]
    from plugins.region.models import Municipality

    found = session.get(Municipality, municipality_id)
    if found is None:
        raise click.ClickException(f"Нет муниципалитета {municipality_id}.")
    return found


@click.command("create", help="Создать муниципалитет (управление образования) с его учётной «школой»-офисом.")
@click.option("--name", required=True, help="Название, например «Управление образования г. Твери»")
@click.option("--region", default="", help="Регион (субъект РФ)")
@click.option("--timezone", "zone", default="Europe/Moscow", help="Часовой пояс офиса")
@click.option("--school", "school_ids", type=int, multiple=True, help="Включить существующую школу (id), можно несколько раз")
@with_appcontext
def create_command(name: str, region: str, zone: str, school_ids: tuple[int, ...]) -> None:
    from plugins.region import services

    def work(session):  # type: ignore[no-untyped-def]
        municipality = services.create_municipality(session, name=name, region=region, timezone=zone)
        for school_id in school_ids:
            services.attach_school(session, municipality, school_id)
        return municipality.id

    municipality_id = _run(work)
    click.echo(f"Муниципалитет «{name}» создан (id {municipality_id}).")


@click.command("add-school", help="Включить существующую школу в муниципалитет.")
@click.option("--municipality", "municipality_id", type=int, required=True)
@click.option("--school", "school_id", type=int, required=True)
@with_appcontext
def add_school_command(municipality_id: int, school_id: int) -> None:
    from plugins.region import services

    _run(lambda session: services.attach_school(session, _municipality(session, municipality_id), school_id))
    click.echo(f"Школа {school_id} включена в муниципалитет {municipality_id}.")


@click.command("add-coordinator", help="Создать учётную запись муниципального координатора "
                                       "(одноразовый пароль показывается один раз).")
@click.option("--municipality", "municipality_id", type=int, required=True)
@click.option("--last-name", required=True)
@click.option("--first-name", required=True)
@click.option("--middle-name", default="")
@click.option("--login", default=None, help="Логин (по умолчанию из фамилии и имени)")
@with_appcontext
def add_coordinator_command(municipality_id: int, last_name: str, first_name: str, middle_name: str,
                            login: str | None) -> None:
    from plugins.region import services

    def work(session):  # type: ignore[no-untyped-def]
        user, password = services.add_coordinator(session, _municipality(session, municipality_id),
                                                  last_name=last_name, first_name=first_name,
                                                  middle_name=middle_name, login=login)
        return user.login, password

    user_login, password = _run(work)
    click.echo("Муниципальный координатор создан (пароль показан один раз, при входе его нужно сменить):")
    click.echo(f"  логин:  {user_login}")
    click.echo(f"  пароль: {password}")
