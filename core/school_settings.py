"""Each school's own settings, with the deployment's config as the default (duty A10).

Why in the database: a region runs one deployment for hundreds of schools, and one school's term system,
final-mark rounding or plugin list must not need a server restart or a file edit by the region's staff.
What a school may set:

* ``profile`` — whose plugin settings are the school's defaults (one of the profiles in core/settings);
* ``term_system`` and ``timezone`` — columns of ``core_school`` (the set-up wizard edits them too);
* ``plugins.<name>`` — the school's overrides of a plugin's settings, checked by the plugin's own schema
  (the gradebook's ``rounding`` is what the averages read);
* ``disabled_plugins`` — plugins this school switched off. The deployment loads every plugin of its
  profile; a school may switch off any that no plugin it keeps requires. A switched-off plugin's menu
  items, dashboard widgets and other hook contributions disappear for that school and its routes answer
  404 (core.plugin_gate).

**Cost per request.** The session row's statement already reads the school's ``settings_version``
(core.sessions); the effective settings are kept in this process's memory per (school, version), so a
request normally reads nothing more. After an edit the version changes and each process re-reads the
school's few rows once. An API token's request reads the version with one small statement.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import ConfigError, deep_merge, load_settings

PROFILE = "profile"
DISABLED = "disabled_plugins"
PLUGIN_PREFIX = "plugins."


@dataclass(frozen=True)
class SchoolSettings:
    """The effective settings of one school: the deployment's, overridden by what the school stored."""

    school_id: int
    version: int
    profile: str
    term_system: str
    timezone: str
    enabled: frozenset[str]
    plugins: dict[str, dict[str, Any]] = field(repr=False)
    stored: dict[str, Any] = field(repr=False)  # the school's own rows, key → value (for the edit page)

    def plugin(self, name: str) -> dict[str, Any]:
        """A plugin's settings for this school (the deployment's when the school changed nothing)."""
        return self.plugins[name]

    def plugin_enabled(self, name: str) -> bool:
        return name in self.enabled


_lock = threading.Lock()
_profiles: dict[str, dict[str, Any]] = {}


def _profile_settings(name: str) -> dict[str, Any]:
    """Another profile's merged settings (with the deployment's own file on top), read once per process."""
    if name not in _profiles:
        _profiles[name] = load_settings(name)
    return _profiles[name]


def remember_version(school_id: int, version: int) -> None:
    """The school's settings version, read along with the session row: no statement of its own."""
    if has_app_context():
        g.setdefault("klass_settings_versions", {})[school_id] = version


def _current_version(session: Session, school_id: int) -> int:
    from core.models import School

    known = g.get("klass_settings_versions", {}) if has_app_context() else {}
    if school_id in known:
        return int(known[school_id])
    version = session.scalar(select(School.settings_version).where(School.id == school_id))
    if version is None:
        raise LookupError(f"no school {school_id}")
    remember_version(school_id, int(version))
    return int(version)


def requirements_of(state: Any) -> dict[str, set[str]]:
    """Plugin → the loaded plugins that require it (those must be switched off first)."""
    needed: dict[str, set[str]] = {name: set() for name in state.plugins}
    for name, loaded in state.plugins.items():
        for req in loaded.info.requires:
            needed.setdefault(req, set()).add(name)
    return needed


def _enabled(state: Any, profile: str, disabled: set[str]) -> frozenset[str]:
    """The loaded plugins this school runs: its profile's list (all loaded ones for the deployment's own
    profile) with what they require, minus what the school switched off and whatever requires that."""
    loaded = set(state.plugins)
    if profile == state.settings["profile"]:
        wanted = set(loaded)
    else:
        wanted = set(_profile_settings(profile)["klass"]["plugins"]) & loaded
        grow = list(wanted)
        while grow:
            for req in state.plugins[grow.pop()].info.requires:
                if req not in wanted and req in loaded:
                    wanted.add(req)
                    grow.append(req)
    wanted -= disabled
    changed = True
    while changed:  # a plugin whose requirement is off is off too
        changed = False
        for name in list(wanted):
            if any(req not in wanted for req in state.plugins[name].info.requires):
                wanted.discard(name)
                changed = True
    return frozenset(wanted)


def plugin_settings_for(state: Any, name: str, profile: str, overrides: dict[str, Any] | None) -> dict[str, Any]:
    """A plugin's settings for a school: the profile's section, the school's overrides, the plugin's schema."""
    loaded = state.plugins[name]
    if profile == state.settings["profile"] and not overrides:
        return loaded.settings
    schema = loaded.info.settings_schema
    if schema is None:
        return loaded.settings
    raw = dict(state.settings["plugins"].get(name, {}) if profile == state.settings["profile"]
               else _profile_settings(profile)["plugins"].get(name, {}))
    if overrides:
        raw = deep_merge(raw, overrides)
    return schema().load(raw)


def build(session: Session, state: Any, school_id: int) -> SchoolSettings:
    """Read one school's rows and compute its effective settings (no cache)."""
    from core.models import School, SchoolSetting

    school = session.get(School, school_id)
    if school is None:
        raise LookupError(f"no school {school_id}")
    stored = {row.key: row.value for row in session.scalars(
        select(SchoolSetting).where(SchoolSetting.school_id == school_id))}
    profile = stored.get(PROFILE) or state.settings["profile"]
    try:
        _profile_settings(profile)
    except ConfigError:  # a profile removed from the deployment since: the deployment's own
        profile = state.settings["profile"]
    enabled = _enabled(state, profile, set(stored.get(DISABLED) or ()))
    plugins = {name: plugin_settings_for(state, name, profile, stored.get(PLUGIN_PREFIX + name))
               for name in state.plugins}
    term_system = school.term_system or (_profile_settings(profile)["school"]["term_system"]
                                         if profile != state.settings["profile"]
                                         else state.settings["school"]["term_system"])
    return SchoolSettings(school_id=school_id, version=school.settings_version, profile=profile,
                          term_system=term_system, timezone=school.timezone, enabled=enabled, plugins=plugins,
                          stored=stored)


def school_settings(school_id: int | None = None, *, session: Session | None = None) -> SchoolSettings:
    """The effective settings of a school (the signed-in user's by default), cached per request and per
    process by the school's settings version."""
    if school_id is None:
        from core.app import acting_user

        school_id = getattr(acting_user(), "school_id", None) if has_request_context() else None
        if school_id is None:
            raise LookupError("no signed-in user here: pass school_id (jobs, periodic work, CLI)")
    per_request = g.setdefault("klass_school_settings", {}) if has_app_context() else {}
    if school_id in per_request:
        return per_request[school_id]
    if session is None:
        from core.db import db

        session = db()
    state = current_app.extensions["klass"]
    version = _current_version(session, school_id)
    cache = _app_cache()
    cached = cache.get(school_id)
    if cached is None or cached.version != version:
        cached = build(session, state, school_id)
        with _lock:
            cache[school_id] = cached
    per_request[school_id] = cached
    return cached


def request_school_settings() -> SchoolSettings | None:
    """The settings ``plugin_settings()``/``plugin_enabled()``/``hook()`` answer with: the school background
    work is being done for (``working_for``), else the signed-in user's school in a request, else None
    (anonymous requests, CLI, work outside ``working_for``: the deployment's)."""
    background = _WORKING_FOR.get()
    if background is not None:
        return school_settings(background[0], session=background[1])
    if not has_request_context():
        return None
    from core.app import acting_user

    school_id = getattr(acting_user(), "school_id", None)
    return None if school_id is None else school_settings(school_id)


# --- background work, school by school ------------------------------------------------------------------

_WORKING_FOR: ContextVar[tuple[int, Session | None] | None] = ContextVar("klass_working_for", default=None)


@contextmanager
def working_for(school_id: int, *, session: Session | None = None) -> Iterator[SchoolSettings]:
    """Do background work for one school: inside, ``plugin_settings(name)``, ``plugin_enabled(name)`` and
    ``hook()`` answer for ``school_id`` as they do in a request of that school's user.

    Why: jobs and periodic work run with no signed-in user, so without this every setting a plugin reads
    there would be the deployment's, not the school's. A job runner wraps each job's handler in it
    (``working_for(job.school_id)``), a per-school periodic runner each school's work; a plugin whose tick
    loops over schools wraps each school's part. Nested calls restore the outer school on exit."""
    token = _WORKING_FOR.set((school_id, session))
    try:
        yield school_settings(school_id, session=session)
    finally:
        _WORKING_FOR.reset(token)


def school_ids(session: Session) -> list[int]:
    """Every school (``kind == "school"``) in id order: what work done for schools loops over. A region's
    education office (``kind == "office"``) has no classes and is never in it."""
    from core.models import School

    return list(session.scalars(select(School.id).where(School.kind == "school").order_by(School.id)))


def schools_with_plugin(session: Session, name: str) -> list[int]:
    """The schools (offices excluded) that run plugin ``name``: the ones a periodic tick of that plugin
    works for. One statement for the list and the settings versions; each school's settings come from this
    process's cache unless the school changed them since."""
    from core.models import School

    if name not in current_app.extensions["klass"].plugins:
        return []
    rows = session.execute(select(School.id, School.settings_version).where(School.kind == "school")
                           .order_by(School.id)).all()
    found = []
    for school_id, version in rows:
        remember_version(school_id, int(version))
        if school_settings(school_id, session=session).plugin_enabled(name):
            found.append(school_id)
    return found


def _app_cache() -> dict[int, SchoolSettings]:
    """Per app (not per module): tests build many apps over databases whose school ids coincide."""
    return current_app.extensions.setdefault("klass_school_settings", {})  # type: ignore[no-any-return]


def forget(school_id: int) -> None:
    """Drop a school from this process's cache and the request's (after an edit in this process)."""
    with _lock:
        _app_cache().pop(school_id, None)
    if has_app_context():
        g.get("klass_school_settings", {}).pop(school_id, None)
        g.get("klass_settings_versions", {}).pop(school_id, None)


# --- editing (the administrator's settings page) ---------------------------------------------------------

class StaleSettings(Exception):
    """Someone saved the school's settings after this form was opened: nothing was written."""


def _store(session: Session, school_id: int, key: str, value: Any) -> None:
    from core.models import SchoolSetting

    row = session.scalar(select(SchoolSetting).where(SchoolSetting.school_id == school_id, SchoolSetting.key == key))
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(SchoolSetting(school_id=school_id, key=key, value=value))
    else:
        row.value = value


def save(session: Session, school_id: int, *, version: int, profile: str, term_system: str, timezone: str,
         rounding: str | None, disabled: list[str]) -> dict[str, tuple[Any, Any]]:
    """Write what changed, audited with old and new values; refuse (``StaleSettings``) when the school's
    settings version moved since ``version`` was read, and (``SetupError``) an invalid value. Does not
    commit. Returns the changes as key → (old, new)."""
    from sqlalchemy import update

    from core.audit import audit
    from core.clock import valid_zone
    from core.config import available_profiles
    from core.models import School
    from core.school_setup import SetupError, normalise_term_system
    from core.service_error import N_

    state = current_app.extensions["klass"]
    current = build(session, state, school_id)
    if profile not in available_profiles():
        raise SetupError(N_("Unknown profile %(value)s."), value=profile)
    term_system = normalise_term_system(term_system)
    if not valid_zone(timezone):
        raise SetupError(N_("Unknown time zone %(zone)s: write it as Europe/Moscow or Asia/Yekaterinburg."),
                         zone=timezone)
    needed_by = requirements_of(state)
    off = sorted(set(disabled))
    for name in off:
        if name not in state.plugins:
            raise SetupError(N_("Unknown module %(value)s."), value=name)
        keeps = sorted(n for n in needed_by.get(name, ()) if n not in off)
        if keeps:
            raise SetupError(N_("The module %(value)s cannot be switched off: %(others)s needs it. Switch that "
                                "off too."), value=name, others=", ".join(keeps))
    old = {"profile": current.profile, "term_system": current.term_system, "timezone": current.timezone,
           "disabled_plugins": sorted(current.stored.get(DISABLED) or [])}
    new = {"profile": profile, "term_system": term_system, "timezone": timezone, "disabled_plugins": off}
    gradebook_own = dict(current.stored.get(PLUGIN_PREFIX + "gradebook") or {})
    if rounding is not None and "gradebook" in state.plugins:
        old["rounding"] = current.plugin("gradebook").get("rounding")
        new["rounding"] = rounding
        if rounding not in ("thresholds", "standard"):
            raise SetupError(N_("Unknown rounding rule %(value)s."), value=rounding)
    changes = {k: (old[k], new[k]) for k in new if old.get(k) != new[k]}
    if not changes:
        return {}
    bumped = session.execute(update(School).where(School.id == school_id, School.settings_version == version)
                             .values(settings_version=version + 1).execution_options(synchronize_session=False))
    if not bumped.rowcount:  # type: ignore[attr-defined]
        raise StaleSettings()
    school = session.get(School, school_id)
    school.term_system, school.timezone = term_system, timezone  # type: ignore[union-attr]
    _store(session, school_id, PROFILE, None if profile == state.settings["profile"] else profile)
    _store(session, school_id, DISABLED, off or None)
    if "rounding" in changes:
        gradebook_own["rounding"] = rounding
        _store(session, school_id, PLUGIN_PREFIX + "gradebook", gradebook_own)
    audit(session, school_id=school_id, action="core.school.settings", object_type="core.school",
          object_id=school_id, old={k: v[0] for k, v in changes.items()}, new={k: v[1] for k, v in changes.items()})
    session.flush()
    session.expire(school)  # type: ignore[arg-type]
    forget(school_id)
    return changes
