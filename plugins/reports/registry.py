"""The report registry: definitions collected through the ``register_reports`` hook, who may run what,
and one way to run a report (validate → fill defaults → check the scope → run).

Scope rule, the same for every report: the deputy, the principal and the administrator (whoever holds
``reports.school.run``) report on the whole school; a class teacher on their class (every subject); a
subject teacher on the classes they teach (their subjects only: a report narrows its columns with
``UserScope.subjects_in``).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from marshmallow import Schema
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    ClassMembership,
    SchoolClass,
    Subject,
    TeachingAssignment,
    Term,
    User,
    can,
    classes_led_by,
    find_owned,
    hook,
    plugin_settings,
    school_today,
)
from plugins.reports import data, params
from plugins.reports.result import ReportResult

SCHOOL, CLASS, CLASS_OR_SCHOOL, STUDENT = "school", "class", "class_or_school", "student"
SCOPES = (SCHOOL, CLASS, CLASS_OR_SCHOOL, STUDENT)
SCHOOL_PERMISSION = "reports.school.run"
CLASS_PERMISSION = "reports.class.run"

Runner = Callable[[Session, dict[str, Any], User], ReportResult]


@dataclass(frozen=True)
class ReportDefinition:
    """A report any plugin may offer through ``register_reports``.

    :param key: unique, URL-safe (``"class_progress"``); plugins other than reports prefix it with their name.
    :param title: Russian title through the catalog (``lazy_gettext``).
    :param run: ``run(session, params, user) -> ReportResult``; ``params`` are validated, defaults filled,
        and the scope already checked.
    :param params: a marshmallow schema built from ``plugins.reports.params`` helpers.
    :param scope: ``"school"`` (deputy and above), ``"class"`` (``class_id`` required), ``"class_or_school"``
        (no class: the whole school), ``"student"`` (``student_id`` required).
    :param permission: defaults to ``reports.school.run`` for school reports, else ``reports.class.run``.
    :param category: groups the list: ``progress``, ``attendance``, ``control``, ``analytics``, ``families``.
    :param weight: order within the list (smaller first).
    :param subscribable: may be e-mailed weekly.
    """

    key: str
    title: Any
    run: Runner
    params: type[Schema] = params.ReportParams
    scope: str = CLASS_OR_SCHOOL
    permission: str | None = None
    description: Any = ""
    category: str = "progress"
    weight: int = 100
    subscribable: bool = True

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"report {self.key}: unknown scope {self.scope!r}")

    @property
    def required_permission(self) -> str:
        return self.permission or (SCHOOL_PERMISSION if self.scope == SCHOOL else CLASS_PERMISSION)


class ReportDenied(Exception):
    """The user may not run this report with these parameters (403); ``message`` is Russian."""


class ReportNotFound(Exception):
    """A parameter names something outside the user's school (404: never reveal it exists)."""


class ParamsInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class UserScope:
    """What a user may report on."""

    school_id: int
    school_wide: bool
    led: frozenset[int]
    taught: Mapping[int, frozenset[int]]  # class id -> subject ids

    def class_ids(self) -> set[int] | None:
        """The classes the user may choose, None for every class of the school."""
        return None if self.school_wide else set(self.led) | set(self.taught)

    def may_class(self, class_id: int) -> bool:
        return self.school_wide or class_id in self.led or class_id in self.taught

    def subjects_in(self, class_id: int) -> frozenset[int] | None:
        """Subjects of the class the user sees, None for all of them."""
        if self.school_wide or class_id in self.led:
            return None
        return self.taught.get(class_id, frozenset())


def user_scope(session: Session, user: User) -> UserScope:
    taught: dict[int, set[int]] = {}
    for class_id, subject_id in session.execute(
        select(TeachingAssignment.class_id, TeachingAssignment.subject_id)
        .where(TeachingAssignment.teacher_id == user.id, TeachingAssignment.school_id == user.school_id)
    ):
        taught.setdefault(class_id, set()).add(subject_id)
    return UserScope(school_id=user.school_id, school_wide=can(user, SCHOOL_PERMISSION),
                     led=frozenset(classes_led_by(user)),
                     taught={c: frozenset(s) for c, s in taught.items()})


def all_reports() -> dict[str, ReportDefinition]:
    """Every report of the enabled plugins, by key, in list order (weight, then title)."""
    found: list[ReportDefinition] = [d for ds in hook().register_reports() for d in (ds or [])]
    found.sort(key=lambda d: (d.weight, str(d.title)))
    by_key: dict[str, ReportDefinition] = {}
    for definition in found:
        if definition.key in by_key:
            raise ValueError(f"report key {definition.key!r} registered twice")
        by_key[definition.key] = definition
    return by_key


def may_open(definition: ReportDefinition, user: User, scope: UserScope) -> bool:
    """Whether the report is in the user's list at all (parameters are checked when it runs)."""
    if not can(user, definition.required_permission):
        return False
    if definition.scope == SCHOOL:
        return scope.school_wide
    return scope.school_wide or bool(scope.led or scope.taught)


def available_reports(session: Session, user: User) -> list[ReportDefinition]:
    scope = user_scope(session, user)
    return [d for d in all_reports().values() if may_open(d, user, scope)]


def _owned(session: Session, model: type, object_id: int, school_id: int) -> Any:
    obj = find_owned(model, object_id, school_id, session=session)
    if obj is None:
        raise ReportNotFound()
    return obj


def check_access(session: Session, definition: ReportDefinition, values: Mapping[str, Any], user: User,
                 scope: UserScope) -> None:
    """Raise ReportDenied / ReportNotFound unless the user may run the report with these values."""
    if not may_open(definition, user, scope):
        raise ReportDenied(_("This report is not available to you."))
    schema = definition.params()
    for name, field in schema.fields.items():
        value = values.get(name)
        if value is None:
            continue
        kind = params.kind_of(field)
        if kind == "class":
            _owned(session, SchoolClass, value, scope.school_id)
        elif kind == "term":
            _owned(session, Term, value, scope.school_id)
        elif kind == "subject":
            _owned(session, Subject, value, scope.school_id)
        elif kind in ("student", "teacher"):
            _owned(session, User, value, scope.school_id)
    if definition.scope in (CLASS, CLASS_OR_SCHOOL):
        class_id = values.get("class_id")
        if class_id is None:
            if definition.scope == CLASS or not scope.school_wide:
                raise ReportDenied(_("You may run this report only for your own classes: choose a class."))
        elif not scope.may_class(class_id):
            raise ReportDenied(_("This class is not yours: you may run the report only for your own classes."))
    elif definition.scope == STUDENT:
        student_id = values.get("student_id")
        if student_id is None:
            raise ReportDenied(_("Choose a student."))
        class_ids = set(session.scalars(select(ClassMembership.class_id)
                                        .where(ClassMembership.student_id == student_id)))
        if not class_ids:
            raise ReportNotFound()
        if not scope.school_wide and not any(scope.may_class(c) for c in class_ids):
            raise ReportDenied(_("This student is not in your classes."))


def prepare(session: Session, definition: ReportDefinition, raw: Mapping[str, Any], user: User,
            scope: UserScope | None = None) -> dict[str, Any]:
    """Validated, defaulted and permitted parameters (raises ParamsInvalid, ReportDenied, ReportNotFound)."""
    loaded, errors = params.load(definition.params, raw)
    if loaded is None:
        raise ParamsInvalid(errors)
    scope = scope or user_scope(session, user)
    today = school_today(user.school_id, session=session)
    term = data.current_term(session, user.school_id, today)
    values = params.fill_defaults(definition.params, loaded, today=today, term_id=term.id if term else None,
                                  settings=plugin_settings("reports"))
    check_access(session, definition, values, user, scope)
    return values


def execute(session: Session, definition: ReportDefinition, raw: Mapping[str, Any],
            user: User) -> tuple[ReportResult, dict[str, Any]]:
    """Run a report for a user: the one path the page, the exports, the API and the e-mails share."""
    values = prepare(session, definition, raw, user)
    return definition.run(session, values, user), values
