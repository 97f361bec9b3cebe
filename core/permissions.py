"""Permissions are data: named strings, granted to roles, optionally scoped to a class.

Views state theirs with ``requires_permission``; a request without it gets 403 (or the login page when
anonymous). Object-level checks (this class, this child) use ``can(user, name, class_id=...)``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.models import User

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Permission:
    name: str
    description: Any  # a lazy translated string
    roles: tuple[str, ...] = field(default_factory=tuple)


CORE_PERMISSIONS = [
    Permission("core.dashboard.view", _l("Open the start page"),
               ("admin", "principal", "deputy", "class_teacher", "teacher", "student", "guardian", "support",
                "region_coordinator")),
    Permission("core.profile.edit", _l("Change own password and API tokens"),
               ("admin", "principal", "deputy", "class_teacher", "teacher", "student", "guardian", "support",
                "region_coordinator")),
    Permission("core.leak.report", _l("Report a leaked password: own, or of the led class's students and guardians"),
               ("admin", "principal", "deputy", "class_teacher", "teacher", "student", "guardian", "support",
                "region_coordinator")),
    Permission("core.leak.report_any", _l("Report a leaked password of anyone in the school"), ("admin",)),
    Permission("core.structure.view", _l("View the school structure"),
               ("admin", "principal", "deputy", "class_teacher", "teacher")),
    Permission("core.structure.manage", _l("Edit years, terms, classes, subjects and assignments"),
               ("admin", "deputy")),
    Permission("core.users.manage", _l("Manage staff accounts and roles"), ("admin",)),
    Permission("core.school.settings", _l("Change the school's own settings: profile, terms, time zone, "
                                          "rounding, modules"), ("admin",)),
    Permission("core.audit.view", _l("Read the audit log"), ("admin", "principal", "deputy")),
    Permission("core.audit.history", _l("See the change history of a record (a class teacher: of her class)"),
               ("admin", "principal", "deputy", "class_teacher")),
    Permission("core.audit.revert", _l("Declare a user's operations invalid after a leak"), ("admin",)),
    Permission("core.jobs.view", _l("Follow own background jobs"),
               ("admin", "principal", "deputy", "class_teacher", "teacher")),
    Permission("core.plugins.view", _l("See which modules are enabled"), ("admin", "principal", "deputy")),
]


class PermissionRegistry:
    """All permissions of the running app and which roles hold each (defaults + profile overrides)."""

    def __init__(self, permissions: Iterable[Permission], overrides: dict[str, list[str]]) -> None:
        self.permissions: dict[str, Permission] = {}
        for perm in permissions:
            if perm.name in self.permissions:
                raise ValueError(f"permission {perm.name} declared twice")
            self.permissions[perm.name] = perm
        self.roles_of: dict[str, frozenset[str]] = {n: frozenset(p.roles) for n, p in self.permissions.items()}
        for name, roles in overrides.items():
            if name not in self.permissions:
                from core.config import ConfigError

                raise ConfigError(
                    f"В настройках [permissions] указано неизвестное право «{name}».",
                    f"Unknown permission '{name}' in the [permissions] settings.",
                )
            self.roles_of[name] = frozenset(roles)

    def roles_with(self, name: str) -> frozenset[str]:
        try:
            return self.roles_of[name]
        except KeyError:
            raise LookupError(f"permission {name!r} was never declared") from None


def registry() -> PermissionRegistry:
    return current_app.extensions["klass"].permissions


def can(user: User | Any, name: str, class_id: int | None = None) -> bool:
    """Does ``user`` hold permission ``name`` (for class ``class_id`` when given)?

    A grant scoped to a class counts only for that class; without ``class_id`` any grant counts, which
    is what a route-level check needs (the view then narrows to the objects the user may see).
    """
    if not getattr(user, "is_authenticated", False):
        return False
    roles = registry().roles_with(name)
    for grant in user.grants:
        if grant.role in roles and (class_id is None or grant.class_id is None or grant.class_id == class_id):
            return True
    return False


def _deny() -> Any:
    user = getattr(g, "api_user", None) or current_user  # a Bearer token signs in without a session
    if not user.is_authenticated:
        if request.blueprint and request.path.startswith("/api/"):
            abort(401)
        return redirect(url_for("core_auth.login", next=request.full_path))
    abort(403)


def requires_permission(name: str) -> Callable[[F], F]:
    """State and enforce the permission a view needs. The permission matrix test reads ``klass_permission``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = getattr(g, "api_user", None) or current_user
            if not can(user, name):
                return _deny()
            return view(*args, **kwargs)

        wrapped.klass_permission = name  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def public(view: F) -> F:
    """Mark a view that anyone may open (sign-in page, health check). Say why where it is used."""
    view.klass_permission = None  # type: ignore[attr-defined]
    return view
