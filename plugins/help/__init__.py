"""Help for every role (duties C09, A03, A07): a Russian guide per role, a «?» on every page that opens
the guide's section for that page, a printable memo for guardians, and who of a class's families has
opened the guide.

The «?» needs no core hook: the plugin's blueprint adds ``help_url`` to every template's context and
the base template shows the link when the value is there (so it disappears with the plugin).
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.toolkit import MenuItem, Permission, PluginInfo, User, hookimpl
from plugins.help import models  # noqa: F401  (the tables must be known to migrations)

PLUGIN = PluginInfo(
    name="help",
    title=_l("Help"),
    version="1.0.0",
    description=_l("Guides for every role, a «?» on every page, the guardians' memo and who read the guide."),
)

EVERYONE = ("admin", "principal", "deputy", "class_teacher", "teacher", "student", "guardian", "support")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("help.guide.read", _l("Read the help guides"), EVERYONE),
        Permission("help.memo.download", _l("Download the memo for guardians"), EVERYONE),
        Permission("help.opens.view", _l("See which guardians of a class opened the guide"),
                   ("admin", "principal", "deputy", "class_teacher")),
    ]


@hookimpl
def register_blueprints(app: Any) -> list[Any]:
    from plugins.help.views import bp

    return [bp]


@hookimpl
def register_menu_items(user: User) -> list[MenuItem]:
    return [MenuItem(_l("Help"), "help.index", "help.guide.read", icon="?", weight=900)]
