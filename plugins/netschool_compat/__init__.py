"""Сетевой Город-compatible web API: the public client libraries (``netschoolapi``, ``netschoolpy`` and
their ports) and the apps and bots built on them keep working against Klass, read-only, signed in with an
app password. A thin translation over the diary's, the gradebook's and the news' public modules."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.toolkit import Permission, PluginInfo, hookimpl
from plugins.netschool_compat import models  # noqa: F401  (the tables must be known to migrations)


class NetschoolSettings(Schema):
    # The original server's session lifetime (its "timeOut", 45 minutes); the clients sign in again on 401.
    session_minutes = fields.Integer(load_default=45, validate=validate.Range(min=5, max=24 * 60))


PLUGIN = PluginInfo(
    name="netschool_compat",
    title=_l("Сетевой Город-compatible API"),
    version="1.0.0",
    requires=("diary", "gradebook"),
    settings_schema=NetschoolSettings,
    description=_l("The web API of Сетевой Город for the apps and bots families already use: read-only, "
                   "signed in with an app password"),
)


@hookimpl
def register_permissions() -> list[Permission]:
    return [Permission("netschool_compat.use",
                       _l("Read own or own children's diary through Сетевой Город apps (with an app password)"),
                       ("student", "guardian"))]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.netschool_compat.views import bp

    return [bp]
