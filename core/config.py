"""Settings: core/settings/default.toml, then the profile, then the school's own file, then the environment.

A school adapts Klass to its regulation here, never in code. The result is validated at start-up so a
typo stops the server with a message instead of surfacing as a wrong mark months later.
"""
from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

# Inside the package, so an installed wheel finds the profiles wherever it is run from.
CONFIG_DIR = Path(os.environ.get("KLASS_CONFIG_DIR", Path(__file__).resolve().parent / "settings"))


def instance_dir() -> Path:
    """Where this school's database, secret key and job queue live: ``KLASS_INSTANCE`` or ``./instance``.

    Never next to the code: an installed Klass must not write into site-packages.
    """
    return Path(os.environ.get("KLASS_INSTANCE") or Path.cwd() / "instance")


class ConfigError(RuntimeError):
    """Start-up refused: the message is given in Russian and English, naming the problem."""

    def __init__(self, ru: str, en: str) -> None:
        super().__init__(f"{ru}\n{en}")
        self.ru, self.en = ru, en


class KlassSection(Schema):
    title = fields.String(load_default="Klass")
    plugins = fields.List(fields.String(), load_default=list)
    locale = fields.String(load_default="ru", validate=validate.OneOf(["ru", "en"]))


class SchoolSection(Schema):
    term_system = fields.String(
        load_default="quarters", validate=validate.OneOf(["quarters", "trimesters", "halves"])
    )
    timezone = fields.String(load_default="Europe/Moscow")
    year_start = fields.String(load_default="09-01", validate=validate.Regexp(r"^\d\d-\d\d$"))


class SecuritySection(Schema):
    password_min_length = fields.Integer(load_default=8, validate=validate.Range(min=6, max=128))
    max_failed_logins = fields.Integer(load_default=5, validate=validate.Range(min=1, max=100))
    lockout_minutes = fields.Integer(load_default=15, validate=validate.Range(min=1, max=1440))
    # Sign-in limits (see core/signin.py): the two above lock one address out of one account; these stop
    # one address guessing many accounts, and slow one account down only under a many-address campaign.
    login_failures_per_address = fields.String(load_default="30 per hour", validate=validate.Regexp(
        r"^\d+ per \d* ?(second|minute|hour|day)s?$"))
    login_failures_per_account = fields.String(load_default="200 per hour", validate=validate.Regexp(
        r"^\d+ per \d* ?(second|minute|hour|day)s?$"))
    # Where the counters live: memory:// for one process, redis://host:6379/0 when several run.
    rate_limit_storage = fields.String(load_default="memory://")
    # Roles that must sign in with a second factor (TOTP), e.g. ["admin"]; other staff may opt in.
    totp_required_roles = fields.List(fields.String(), load_default=list)
    session_cookie_secure = fields.Boolean(load_default=False)
    session_hours = fields.Integer(load_default=12, validate=validate.Range(min=1, max=24 * 30))
    # argon2id cost; lower it only for tests, never for a school.
    argon2_time_cost = fields.Integer(load_default=3, validate=validate.Range(min=1, max=20))
    argon2_memory_kib = fields.Integer(load_default=65536, validate=validate.Range(min=8, max=4 * 1024 * 1024))
    argon2_parallelism = fields.Integer(load_default=4, validate=validate.Range(min=1, max=16))


class MailSection(Schema):
    host = fields.String(load_default="127.0.0.1")
    port = fields.Integer(load_default=25, validate=validate.Range(min=1, max=65535))
    sender = fields.String(load_default="klass@school.example")
    sender_name = fields.String(load_default="Электронный журнал")
    username = fields.String(load_default="")
    password = fields.String(load_default="")
    use_tls = fields.Boolean(load_default=False)
    use_ssl = fields.Boolean(load_default=False)
    timeout = fields.Integer(load_default=20)


class JobsSection(Schema):
    # Drain the background queue from a thread of the web process (the embedded default).
    embedded_worker = fields.Boolean(load_default=True)


class CoreSettings(Schema):
    klass = fields.Nested(KlassSection, load_default=lambda: KlassSection().load({}))
    school = fields.Nested(SchoolSection, load_default=lambda: SchoolSection().load({}))
    security = fields.Nested(SecuritySection, load_default=lambda: SecuritySection().load({}))
    mail = fields.Nested(MailSection, load_default=lambda: MailSection().load({}))
    jobs = fields.Nested(JobsSection, load_default=lambda: JobsSection().load({}))
    # Profile overrides of which roles hold a permission: {"gradebook.final.override": ["deputy"]}.
    permissions = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), load_default=dict)
    # Plugin sections are validated by each plugin's own schema once plugins are loaded.
    plugins = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict)


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value (lists included) replaces the base one."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def available_profiles() -> list[str]:
    return sorted(p.stem for p in (CONFIG_DIR / "profiles").glob("*.toml"))


def profile_title(name: str) -> str:
    """The name people know a profile by («ИН-КЛАСС», «Сетевой Город. Образование»): its ``[klass] title``."""
    path = CONFIG_DIR / "profiles" / f"{name}.toml"
    title = _read_toml(path).get("klass", {}).get("title") if path.exists() else None
    return str(title or name)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"Ошибка в файле настроек {path}: {exc}", f"Cannot parse settings file {path}: {exc}"
        ) from exc


def load_settings(profile: str | None = None, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Merge the layers and validate the core part; return a plain dict (plugins validate theirs)."""
    profile = profile or os.environ.get("KLASS_PROFILE", "default")
    profile_path = CONFIG_DIR / "profiles" / f"{profile}.toml"
    if not profile_path.is_file():
        names = ", ".join(available_profiles())
        raise ConfigError(
            f"Профиль «{profile}» не найден. Доступные профили: {names}.",
            f"Profile '{profile}' not found. Available profiles: {names}.",
        )
    raw = deep_merge(_read_toml(CONFIG_DIR / "default.toml"), _read_toml(profile_path))
    school_file = os.environ.get("KLASS_CONFIG")
    if school_file:
        raw = deep_merge(raw, _read_toml(Path(school_file)))
    if overrides:
        raw = deep_merge(raw, overrides)
    try:
        settings = CoreSettings().load(raw)
    except ValidationError as exc:
        raise ConfigError(
            f"Неверные настройки профиля «{profile}»: {exc.messages}",
            f"Invalid settings in profile '{profile}': {exc.messages}",
        ) from exc
    settings["profile"] = profile
    return settings
