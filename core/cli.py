"""The ``klass`` command: Flask's CLI plus ``db``, ``demo``, ``plugins`` and each plugin's own group."""
from __future__ import annotations

import secrets
import sys
import time
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from core.config import ConfigError


def _create_app() -> Flask:
    from core import create_app

    return create_app()


def plugin_dirs(app: Flask) -> list[tuple[str, Any]]:
    return [(name, p.migrations_dir) for name, p in app.extensions["klass"].plugins.items()]


class KlassGroup(FlaskGroup):
    """Adds ``klass <plugin> ...`` groups from the enabled plugins' ``register_cli_commands`` hooks."""

    def _plugin_groups(self, ctx: click.Context) -> dict[str, click.Group]:
        try:
            app = self._load(ctx)
        except Exception:  # the plugin commands are extras; core commands must still work
            return {}
        groups: dict[str, click.Group] = {}
        pm = app.extensions["klass"].pm
        for impl in pm.hook.register_cli_commands.get_hookimpls():
            group = click.Group(name=impl.plugin_name, help=f"Команды плагина {impl.plugin_name}")
            for command in impl.function() or []:
                group.add_command(command)
            groups[impl.plugin_name] = group
        return groups

    def _load(self, ctx: click.Context) -> Flask:
        from flask.cli import ScriptInfo

        info = ctx.ensure_object(ScriptInfo)
        return info.load_app()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._plugin_groups(ctx)))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, name) or self._plugin_groups(ctx).get(name)


@click.group(cls=KlassGroup, create_app=_create_app, help="Klass: электронный журнал и дневник.")
def cli() -> None:
    pass


@cli.command("run", help="Запустить учебный веб-сервер (для демонстрации и разработки).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def run_server(host: str, port: int) -> None:
    """Flask's development server without its English banner: a Russian line on what it is and what a school
    runs instead."""
    from werkzeug.serving import make_server

    click.echo(f"Klass работает на http://{host}:{port}/ (остановить: Ctrl+C).")
    click.echo("Это учебный сервер для демонстрации и проверки. Для работы школы запускайте gunicorn: "
               "gunicorn -w 4 'core:create_app()' и klass jobs worker (см. README, раздел о производственном запуске).")
    make_server(host, port, current_app._get_current_object(), threaded=True).serve_forever()  # type: ignore[attr-defined]


@cli.group("db", help="Схема базы данных (миграции Alembic ядра и плагинов).")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Обновить схему ядра и включённых плагинов до последней версии.")
@with_appcontext
def db_upgrade() -> None:
    from core import migrate

    migrate.upgrade(current_app.extensions["klass"].engine, plugin_dirs(current_app))
    click.echo("Схема базы данных обновлена. / Database schema is up to date.")


@db_group.command("current", help="Показать версии схемы ядра и плагинов.")
@with_appcontext
def db_current() -> None:
    from core import migrate

    for part, rev in migrate.current(current_app.extensions["klass"].engine, plugin_dirs(current_app)).items():
        click.echo(f"{part}: {rev or '—'}")


@db_group.command("revision", help="Создать миграцию ядра или плагина по изменениям моделей.")
@click.option("--plugin", "part", default="core", help="core или имя плагина")
@click.option("-m", "--message", required=True)
@with_appcontext
def db_revision(part: str, message: str) -> None:
    from core import migrate
    from core.plugins import discover

    if part == "core":
        versions = migrate.CORE_VERSIONS
    else:
        from pathlib import Path

        versions = Path(discover()[part].__file__).parent / "migrations"  # type: ignore[arg-type]
    migrate.revision(current_app.extensions["klass"].engine, part, versions, message)


@cli.group("jobs", help="Фоновые задания (очередь huey: KLASS_JOBS=redis://... в производстве).")
def jobs_group() -> None:
    pass


@jobs_group.command("worker", help="Производственный обработчик очереди и периодической работы "
                                   "(запускайте рядом с gunicorn; на нескольких серверах — KLASS_JOBS=redis://...).")
@click.option("--workers", default=2, show_default=True, help="Потоков на процесс (задания ждут в основном базу).")
def jobs_worker(workers: int) -> None:
    """huey's consumer over the configured queue; its scheduler fires the 5-minute tick, which
    ``core.periodic`` makes run once per school across every worker."""
    from huey.consumer import Consumer

    from core.jobs import _worker_app, huey, shared_queue

    _worker_app()  # a configuration error stops the worker now, not at the first job
    where = "Redis (общая для всех серверов)" if shared_queue() else "файл SQLite (только этот сервер)"
    click.echo(f"Обработчик заданий: очередь — {where}, потоков: {workers}.")
    Consumer(huey, workers=workers, worker_type="thread", periodic=True).run()


@jobs_group.command("periodic", help="Один раз выполнить периодическую работу плагинов (долю этого процесса).")
@with_appcontext
def jobs_periodic() -> None:
    from core.jobs import run_periodic

    report = run_periodic(current_app)  # type: ignore[arg-type]
    click.echo(f"Готово: школ {len(report.schools_run)} (с ошибкой {len(report.schools_failed)}), "
               f"плагинов {len(report.plugins_run)}; остальное этого такта уже взяли другие обработчики. / Done.")


@cli.group("i18n", help="Каталоги переводов интерфейса.")
def i18n_group() -> None:
    pass


@i18n_group.command("update", help="Добавить новые строки в каталог ru ядра или плагина.")
@click.option("--plugin", "part", default="core", help="core или имя плагина")
def i18n_update(part: str) -> None:
    from pathlib import Path

    from core.i18n_tools import update
    from core.plugins import discover

    directory = Path(__file__).resolve().parent if part == "core" else Path(discover()[part].__file__).parent  # type: ignore[arg-type]
    missing = update(directory)
    for msgid in missing:
        click.echo(f"без перевода / untranslated: {msgid}")
    click.echo(f"{len(missing)} строк без перевода в {directory / 'translations'}")


@cli.command("backup", help="Резервная копия базы и сохранённых файлов в один архив (школа продолжает работать).")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(file: str) -> None:
    from pathlib import Path

    from core.backup import BackupError, backup

    try:
        manifest = backup(current_app.extensions["klass"].engine, Path(file), Path(current_app.instance_path) / "files")
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Копия сохранена: {file} ({manifest['engine']}, файлов: {len(manifest['files'])}).")


@cli.command("restore", help="Восстановить архив klass backup в ПУСТУЮ базу (DATABASE_URL) и папку файлов.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(file: str) -> None:
    from pathlib import Path

    from core.backup import BackupError, restore

    try:
        manifest = restore(current_app.extensions["klass"].engine, Path(file), Path(current_app.instance_path) / "files")
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Восстановлено из копии от {manifest['created_at']}.")


@cli.command("plugins", help="Все установленные плагины: включён ли, версия, зависимости.")
@with_appcontext
def plugins_command() -> None:
    from flask_babel import force_locale

    from core.plugins import discover

    enabled = current_app.extensions["klass"].plugins
    with force_locale("ru"):
        rows = [(n, str(m.PLUGIN.title), m.PLUGIN.version, ", ".join(m.PLUGIN.requires) or "—",
                 "включён" if n in enabled else "выключен") for n, m in sorted(discover().items())]
    if not rows:
        click.echo("Плагины не установлены. / No plugins installed.")
    for name, title, version, requires, state in rows:
        click.echo(f"{name:<16} {version:<8} {state:<9} требует: {requires:<24} {title}")


@cli.command("demo", help="Создать демонстрационную школу (или полноразмерную для замеров).")
@click.option("--size", type=click.Choice(["demo", "full"]), default="demo")
@click.option("--password", default=None, help="Общий пароль демо-учётных записей (по умолчанию случайный).")
@click.option("--if-empty", is_flag=True, help="Ничего не делать, если школа уже есть.")
@click.option("--school", "number", type=int, default=None,
              help="Номер демо-школы (СОШ № N, адрес schoolN): ещё одна школа рядом с уже созданными. "
                   "Без него — № 7 в пустой базе, иначе следующий свободный номер.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Построить школу на эту дату (ГГГГ-ММ-ДД) вместо сегодняшней: для воспроизводимых замеров. "
                   "Страницы покажут ту же дату, если сервер запущен с KLASS_AS_OF.")
@with_appcontext
def demo_command(size: str, password: str | None, if_empty: bool, as_of: Any = None, number: int | None = None) -> None:
    from core import migrate
    from core.clock import pinned_day
    from core.db import session_scope
    from core.demo import build_school
    from core.models import School
    from core.plugins import call_in_order

    state = current_app.extensions["klass"]
    migrate.upgrade(state.engine, plugin_dirs(current_app))
    started = time.perf_counter()
    with session_scope(state.engine) as session:
        slugs = set(session.scalars(select(School.slug)))  # every address, offices' too: none may be reused
        # A region's education office is not a school: a deployment with only offices is still empty.
        if if_empty and session.scalar(select(School.id).where(School.kind == "school").limit(1)) is not None:
            click.echo("Демо-школа уже создана.")
            return
        if number is None:  # № 7 first, then 8, 9...: each demo school gets its own address and accounts
            number = next(n for n in range(7, 10_000) if f"school{n}" not in slugs)
        elif f"school{number}" in slugs:
            raise click.ClickException(f"Демо-школа № {number} (school{number}) уже есть: укажите другой --school.")
        password = password or secrets.token_urlsafe(6)
        with current_app.test_request_context(), pinned_day(as_of.date() if as_of else None):
            result = build_school(session, size, state.settings["school"]["term_system"], password,
                                  today=as_of.date() if as_of else None,
                                  timezone=state.settings["school"]["timezone"], number=number)
            call_in_order(state.pm, "register_demo_data", list(state.plugins), session=session,
                          school=result.school, size=size)
            school_name, slug = result.school.short_name, result.school.slug
    elapsed = time.perf_counter() - started
    words = {"classes": "классов", "students": "учеников", "guardians": "связей «родитель — ребёнок»",
             "teachers": "учителей"}
    counts = ", ".join(f"{words.get(k, k)}: {v}" for k, v in result.counts.items())
    click.echo(f"Школа «{school_name}» создана за {elapsed:.1f} с ({counts}).")
    if size == "demo":
        titles = {"admin": "администратор", "principal": "директор", "deputy": "завуч",
                  "class_teacher": "классный руководитель 5А", "teacher": "учитель математики 5А",
                  "student": "ученик 5А", "guardian": "родитель (двое детей)"}
        click.echo(f"\nПароль всех демо-учётных записей (показан один раз): {password}")
        click.echo(f"Адрес входа школы: /s/{slug}/login (или логин@{slug} на общей странице входа)\n")
        for key, login in result.accounts.items():
            click.echo(f"  {titles.get(key, key):<28} {login}")


@cli.group("school", help="Школы этой установки: создание школы и её первого администратора.")
def school_group() -> None:
    pass


def _ask(value: str | None, prompt: str, default: str | None = None) -> str:
    if value is not None:
        return value
    return click.prompt(prompt, default=default) if default is not None else click.prompt(prompt)


@school_group.command("create", help="Создать школу и её первого администратора (пароль показывается один раз). "
                                     "Без параметров спрашивает значения.")
@click.option("--name", help="Полное название школы")
@click.option("--short-name", help="Краткое название (МБОУ СОШ № 1)")
@click.option("--slug", help="Адрес школы для входа: латиница, цифры, дефис (school7): вход как "
                             "логин@school7 или на странице /s/school7/login. По умолчанию — из краткого названия.")
@click.option("--region", help="Регион (субъект РФ)")
@click.option("--timezone", "zone", help="Часовой пояс, например Europe/Moscow")
@click.option("--term-system", help="quarters (четверти), trimesters (триместры) или semesters (полугодия)")
@click.option("--admin-login", default=None, help="Логин администратора в этой школе (по умолчанию admin)")
@click.option("--no-upgrade", is_flag=True, help="Не обновлять схему базы перед созданием.")
@with_appcontext
def school_create(name: str | None, short_name: str | None, slug: str | None, region: str | None, zone: str | None,
                  term_system: str | None, admin_login: str | None, no_upgrade: bool) -> None:
    from flask_babel import force_locale

    from core import migrate
    from core.db import session_scope
    from core.school_setup import create_school
    from core.service_error import ServiceError

    state = current_app.extensions["klass"]
    if not no_upgrade:
        migrate.upgrade(state.engine, plugin_dirs(current_app))
    interactive = name is None
    name = _ask(name, "Полное название школы")
    short_name = _ask(short_name, "Краткое название")
    if slug is None:
        from core.db import session_scope as _scope
        from core.tenancy import free_slug, slug_from

        with _scope(state.engine) as session:
            suggested = free_slug(session, slug_from(short_name))
        slug = _ask(None, "Адрес школы для входа (латиница, цифры, дефис)", suggested) if interactive else suggested
    region = _ask(region, "Регион", "")
    zone = _ask(zone, "Часовой пояс", state.settings["school"]["timezone"])
    term_system = _ask(term_system, "Учебные периоды (quarters/trimesters/semesters)",
                       state.settings["school"]["term_system"])
    refusal = None
    with current_app.test_request_context(), force_locale("ru"), session_scope(state.engine) as session:
        try:  # every check runs before the first write, so a refusal leaves nothing to roll back
            created = create_school(session, name=name, short_name=short_name, slug=slug, region=region, timezone=zone,
                                    term_system=term_system, admin_login=admin_login)
            school_id, school_name, login = created.school.id, created.school.short_name, created.admin.login
            slug = created.school.slug
        except ServiceError as exc:
            refusal = exc.translated()
    if refusal is not None:
        raise click.ClickException(refusal)
    click.echo(f"Школа «{school_name}» создана (id {school_id}).")
    click.echo("Первый администратор (пароль показан один раз, при входе его нужно сменить):")
    click.echo(f"  логин:  {login}@{slug}")
    click.echo(f"  пароль: {created.password}")
    click.echo(f"Войдите на сайт под этой учётной записью (или на странице /s/{slug}/login с логином {login}): "
               "мастер настройки проведёт по шагам.")


def main() -> None:
    try:
        cli.main(prog_name="klass")
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
