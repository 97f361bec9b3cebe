"""Sign-in providers: OpenID Connect (a region's or school's IdP; ЕСИА's specifics in README.md).

A person the provider vouches for gets into his existing Klass account, found by СНИЛС + birth date + name
and linked at the first sign-in; nobody is ever created, and a stranger's attempt becomes a request to the
school's administrator. The school may also switch passwords off for some roles (parents, students)."""
from __future__ import annotations

from collections.abc import Generator
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.toolkit import (
    N_,
    LoginOption,
    MenuItem,
    Permission,
    PluginInfo,
    Role,
    ServiceError,
    db,
    hookimpl,
)
from plugins.sso import models  # noqa: F401  (the tables must be known to migrations)

ROLE_NAMES = [r.value for r in Role]


class ProviderSettings(Schema):
    """An installation-wide provider (a region's): ``[[plugins.sso.providers]]`` in the school's TOML."""

    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_-]{0,39}$"))
    title = fields.String(required=True, validate=validate.Length(min=1, max=100))
    issuer = fields.Url(required=True, require_tld=False)
    discovery_url = fields.String(load_default="")
    client_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    client_secret = fields.String(load_default="")
    scopes = fields.String(load_default="openid profile")
    claims = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)


class SsoSettings(Schema):
    providers = fields.List(fields.Nested(ProviderSettings), load_default=list)
    password_roles_disabled = fields.List(fields.String(validate=validate.OneOf(ROLE_NAMES)), load_default=list)


PLUGIN = PluginInfo(
    name="sso",
    title=_l("Sign-in providers"),
    version="1.0.0",
    settings_schema=SsoSettings,
    description=_l("Sign-in through an OpenID Connect provider (Госуслуги, a region's service), matched by SNILS"),
)


@hookimpl
def register_permissions() -> list[Permission]:
    return [Permission("sso.manage", _l("Set up sign-in providers, record SNILS, handle sign-in requests"),
                       ("admin",))]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.sso.views import bp

    return [bp]


@hookimpl
def register_menu_items(user: Any) -> list[MenuItem]:
    return [MenuItem(_l("Sign-in providers"), "sso.index", "sso.manage", icon="🔑", weight=190)]


@hookimpl
def register_cli_commands() -> list[Any]:
    from plugins.sso.cli import import_snils

    return [import_snils]


@hookimpl
def extra_login_options(next_url: str | None, school_id: int | None = None) -> list[LoginOption]:
    """On a school's own page: the installation's providers and that school's (none if the school switched
    sso off), each carrying the school so a refused attempt lands in that school's requests."""
    from core.toolkit import school_settings
    from plugins.sso.services import providers

    session = db()
    if school_id is not None and not school_settings(school_id, session=session).plugin_enabled("sso"):
        return []
    return [LoginOption(p.title, url_for("sso.start", key=p.key, next=next_url or None,
                                         school=school_id if p.school_id is None else None), weight=10 + i)
            for i, p in enumerate(providers(session, school_id))]


@hookimpl(wrapper=True)
def authenticate(login: str, secret: str) -> Generator[None, Any, Any]:
    """A right password of someone whose every role the school switched to the provider is refused,
    with a message naming the way in. Wrong passwords are not looked at here: the core counts them as
    usual, so this answer never tells a stranger whether a login exists."""
    user = yield
    if user is None or not user.is_active:
        return user
    from plugins.sso.services import disabled_password_roles, providers

    session = db()
    disabled = disabled_password_roles(session, user.school_id)
    if disabled and user.roles and user.roles <= disabled:
        titles = ", ".join(f"«{p.title}»" for p in providers(session, user.school_id)) or "«Госуслуги»"
        raise ServiceError(N_("Your school has switched off sign-in with a password for you. "
                              "Press «Sign in with» %(providers)s below the form."), status=403,
                           code="password_disabled", providers=titles)
    return user


@hookimpl
def register_audit_titles() -> dict[str, dict[str, str]]:
    return {"actions": {"sso.identity.link": N_("Sign-in provider's identity linked"),
                        "sso.snils.set": N_("SNILS recorded"),
                        "sso.provider.create": N_("Sign-in provider added"),
                        "sso.provider.edit": N_("Sign-in provider changed"),
                        "sso.provider": N_("Sign-in provider"),
                        "sso.policy.edit": N_("Password sign-in per role changed"),
                        "sso.policy": N_("Password sign-in per role"),
                        "sso.request.close": N_("Sign-in request closed"),
                        "sso.request": N_("Sign-in request")},
            "fields": {"snils": N_("SNILS"), "provider": N_("Provider"), "issuer": N_("Issuer"),
                       "client_id": N_("Client ID"), "scopes": N_("Scopes"), "discovery_url": N_("Discovery URL"),
                       "password_roles_disabled": N_("Roles without password sign-in"), "note": N_("Note")}}
