"""Finding, checking and registering plugins.

A plugin is a module exposing ``PLUGIN = PluginInfo(...)`` plus ``@hookimpl`` functions: either a package
under ``plugins/`` or any installed distribution exposing the entry point group ``klass.plugins``.
"Installed" is not "enabled": the profile names the plugins a school runs.
"""
from __future__ import annotations

import importlib
import logging
import os
import pkgutil
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from marshmallow import Schema, ValidationError

from core import hookspecs
from core.config import ConfigError

hookimpl = pluggy.HookimplMarker("klass")
ENTRY_POINT_GROUP = "klass.plugins"
log = logging.getLogger("klass.plugins")


@dataclass(frozen=True)
class PluginInfo:
    """What a plugin declares about itself."""

    name: str
    title: Any  # Russian title through the catalog: lazy_gettext("Class journal")
    version: str
    requires: tuple[str, ...] = ()
    settings_schema: type[Schema] | None = None
    hookspecs: ModuleType | None = None  # hooks this plugin offers to others
    description: Any = ""
    # Modules other plugins may import, relative to the plugin's package ("averages", "public"); the
    # hookspecs module above is public too. Everything else is private: tools/import_contracts.py
    # refuses any other cross-plugin import, and any import of a plugin not named in ``requires``
    # unless it is made lazily inside a function.
    public_modules: tuple[str, ...] = ()


@dataclass
class LoadedPlugin:
    info: PluginInfo
    module: ModuleType
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return Path(self.module.__file__ or "").parent

    @property
    def migrations_dir(self) -> Path:
        return self.path / "migrations"


def _import_models(module: ModuleType) -> None:
    """Import ``<plugin>.models`` so its tables are in the metadata (migrations, relationships)."""
    import importlib.util

    name = f"{module.__name__}.models"
    if getattr(module, "__path__", None) and importlib.util.find_spec(name) is not None:
        importlib.import_module(name)


def _origin(module: ModuleType, ep: Any = None) -> str:
    """Where a plugin came from, for messages: the distribution and module, or the built-in package."""
    dist = getattr(getattr(ep, "dist", None), "name", None)
    return f"{dist} ({module.__name__})" if dist else module.__name__


def discover() -> dict[str, ModuleType]:
    """Every installed plugin, enabled or not, by name.

    Two plugins with one name are refused, not one silently dropped: a third-party package that reuses a
    built-in name would otherwise run with whichever happened to be found first.
    """
    import plugins as builtin

    found: dict[str, ModuleType] = {}
    origins: dict[str, str] = {}
    for mod_info in pkgutil.iter_modules(builtin.__path__):
        if mod_info.ispkg:
            module = importlib.import_module(f"plugins.{mod_info.name}")
            if hasattr(module, "PLUGIN"):
                _import_models(module)
                found[module.PLUGIN.name] = module
                origins[module.PLUGIN.name] = f"{module.__name__} (встроенный / built-in)"
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        module = ep.load()
        info = getattr(module, "PLUGIN", None)
        if info is None:
            raise ConfigError(
                f"Точка входа {ep.value} группы {ENTRY_POINT_GROUP} не объявляет PLUGIN.",
                f"Entry point {ep.value} in group {ENTRY_POINT_GROUP} declares no PLUGIN.",
            )
        if found.get(info.name) is module:  # the same module reached twice (e.g. also an entry point)
            continue
        if info.name in found:
            raise ConfigError(
                f"Плагин «{info.name}» из {_origin(module, ep)} носит то же имя, что и плагин из "
                f"{origins[info.name]}. Переименуйте плагин (PLUGIN.name) или удалите лишний пакет.",
                f"Plugin '{info.name}' from {_origin(module, ep)} has the same name as the plugin from "
                f"{origins[info.name]}. Rename the plugin (PLUGIN.name) or uninstall the extra package.",
            )
        _import_models(module)
        found[info.name] = module
        origins[info.name] = _origin(module, ep)
    return found


def _order(enabled: dict[str, ModuleType]) -> list[str]:
    """Requirements first; ties by name so the order never depends on discovery."""
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered:
            return
        if name in visiting:
            raise ConfigError(
                f"Плагины требуют друг друга по кругу: {name}.", f"Plugins require each other in a cycle: {name}."
            )
        visiting.add(name)
        for req in sorted(enabled[name].PLUGIN.requires):
            visit(req)
        visiting.discard(name)
        ordered.append(name)

    for name in sorted(enabled):
        visit(name)
    return ordered


def load_plugins(pm: pluggy.PluginManager, settings: dict[str, Any]) -> dict[str, LoadedPlugin]:
    """Check the profile's plugin list against what is installed and register the enabled ones."""
    known = discover()
    wanted = list(dict.fromkeys(settings["klass"]["plugins"]))
    for name in wanted:
        if name not in known:
            raise ConfigError(
                f"Включён неизвестный плагин «{name}». Установлены: {', '.join(sorted(known)) or 'нет'}.",
                f"Unknown plugin '{name}' is enabled. Installed: {', '.join(sorted(known)) or 'none'}.",
            )
    enabled = {name: known[name] for name in wanted}
    for name, module in enabled.items():
        for req in module.PLUGIN.requires:
            if req not in enabled:
                raise ConfigError(
                    f"Плагин «{name}» требует плагин «{req}», но он не включён в профиле.",
                    f"Plugin '{name}' requires plugin '{req}', which is not enabled in the profile.",
                )
    for section in settings["plugins"]:
        if section not in known:
            raise ConfigError(
                f"Настройки [plugins.{section}] относятся к неизвестному плагину.",
                f"Settings [plugins.{section}] name an unknown plugin.",
            )
    loaded: dict[str, LoadedPlugin] = {}
    for name in _order(enabled):
        module = enabled[name]
        info: PluginInfo = module.PLUGIN
        raw = settings["plugins"].get(name, {})
        plugin_settings: dict[str, Any] = {}
        if info.settings_schema is not None:
            try:
                plugin_settings = info.settings_schema().load(raw)
            except ValidationError as exc:
                raise ConfigError(
                    f"Неверные настройки плагина «{name}»: {exc.messages}",
                    f"Invalid settings for plugin '{name}': {exc.messages}",
                ) from exc
        elif raw:
            raise ConfigError(
                f"Плагин «{name}» не принимает настроек, а в профиле они есть.",
                f"Plugin '{name}' takes no settings, but the profile gives some.",
            )
        if info.hookspecs is not None:
            pm.add_hookspecs(info.hookspecs)
        loaded[name] = LoadedPlugin(info=info, module=module, settings=plugin_settings)
    for name, plugin in loaded.items():
        pm.register(plugin.module, name=name)
    pm.check_pending()
    return loaded


def make_plugin_manager() -> pluggy.PluginManager:
    """One manager per app (never global: tests build apps with different plugin lists side by side)."""
    pm = pluggy.PluginManager("klass")
    pm.add_hookspecs(hookspecs)
    if os.environ.get("KLASS_TRACE_HOOKS"):
        pm.trace.root.setwriter(log.info)
        pm.enable_tracing()
    return pm


def call_in_order(pm: pluggy.PluginManager, hook_name: str, order: list[str], **kwargs: Any) -> list[Any]:
    """Call a hook plugin by plugin with requirements first (pluggy itself calls newest-registered first).

    Used where order is data flow, not presentation: demo data of attendance needs gradebook's lessons.
    Only the plugins named in ``order`` are called.
    """
    rank = {name: i for i, name in enumerate(order)}
    impls = sorted((i for i in getattr(pm.hook, hook_name).get_hookimpls() if i.plugin_name in rank),
                   key=lambda i: rank[i.plugin_name])
    results = []
    for impl in impls:
        args = {k: v for k, v in kwargs.items() if k in impl.argnames}
        results.append(impl.function(**args))
    return results
