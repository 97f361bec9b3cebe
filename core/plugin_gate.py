"""A plugin switched off by one school (core.school_settings) disappears for that school only.

The deployment loads every plugin of its profile once; per request the school's enabled set decides:

* routes: each plugin blueprint is mapped to its plugin when registered; a request to a blueprint of a
  plugin the signed-in user's school switched off answers 404, as if the plugin were not installed;
* hooks: ``school_hook()`` is the plugin manager's hook caller without the switched-off plugins, so their
  menu items, dashboard widgets and other contributions are simply not asked for.

* public routes (feeds, an app's sign-in, a sign-in provider's round trip): nobody is signed in, so
  the view itself names the school the request is about (the feed token's owner's, the school an app
  signs in to, the provider's) and calls ``gate_for_school(school_id)``: 404 when that school switched
  the view's plugin off.
"""
from __future__ import annotations

from typing import Any

import pluggy
from flask import Blueprint, Flask, abort, current_app, request

BLUEPRINT_PLUGINS = "klass_blueprint_plugins"


def register_plugin_blueprints(app: Flask, pm: pluggy.PluginManager) -> None:
    """Register every plugin's blueprints, remembering which plugin each came from (pluggy's call order)."""
    owners: dict[str, str] = {}
    for impl in reversed(pm.hook.register_blueprints.get_hookimpls()):
        blueprints: list[Blueprint] = impl.function(**{name: app for name in impl.argnames}) or []
        for bp in blueprints:
            app.register_blueprint(bp)
            owners[bp.name] = impl.plugin_name
    app.extensions[BLUEPRINT_PLUGINS] = owners


def _disabled_here() -> frozenset[str]:
    from core.school_settings import request_school_settings

    settings = request_school_settings()
    if settings is None:
        return frozenset()
    return frozenset(current_app.extensions["klass"].plugins) - settings.enabled


def gate_request() -> None:
    """``before_request``: 404 for a route of a plugin the signed-in user's school switched off."""
    owner = current_app.extensions.get(BLUEPRINT_PLUGINS, {}).get(request.blueprint or "")
    if owner is None:
        return
    from core.app import acting_user

    if not getattr(acting_user(), "is_authenticated", False):
        return
    if owner in _disabled_here():
        abort(404)


def plugin_on_for_school(school_id: int, plugin: str | None = None) -> bool:
    """Does ``school_id`` run ``plugin`` (by default the plugin whose blueprint serves this request)?
    A school that does not exist (any more) runs nothing."""
    from core.school_settings import school_settings

    name = plugin or current_app.extensions.get(BLUEPRINT_PLUGINS, {}).get(request.blueprint or "")
    if name is None:
        return True  # a core route: no plugin to switch off
    try:
        return school_settings(school_id).plugin_enabled(name)
    except LookupError:
        return False


def gate_for_school(school_id: int | None, plugin: str | None = None) -> None:
    """For a public view: 404, as if the plugin were not installed, when the school the request names
    switched the plugin off (the one serving this request, unless ``plugin`` is given). Call it as soon as
    the school is known and before anything is read or written for it; ``None`` (no school named, e.g. an
    installation-wide sign-in provider on the common sign-in page) passes."""
    if school_id is not None and not plugin_on_for_school(school_id, plugin):
        abort(404)


class _SchoolHooks:
    """``pm.hook`` without the plugins one set of names switched off (subset callers kept per set)."""

    def __init__(self, pm: pluggy.PluginManager, disabled: frozenset[str]) -> None:
        self._pm, self._disabled = pm, disabled

    def __getattr__(self, name: str) -> Any:
        cache: dict[tuple[frozenset[str], str], Any] = current_app.extensions.setdefault("klass_school_hooks", {})
        key = (self._disabled, name)
        if key not in cache:
            remove = [p for p in (self._pm.get_plugin(n) for n in self._disabled) if p is not None]
            cache[key] = self._pm.subset_hook_caller(name, remove_plugins=remove)
        return cache[key]


def school_hook() -> Any:
    """The hook caller for this request: every plugin's, less those the user's school switched off."""
    pm = current_app.extensions["klass"].pm
    disabled = _disabled_here()
    return pm.hook if not disabled else _SchoolHooks(pm, disabled)
