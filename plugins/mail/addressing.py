"""Who may write to whom: the address book of a person and the resolution of an address to people.

An address is a key: ``g:class_guardians:<class>``, ``g:class_students:<class>``, ``g:subgroup:<id>``,
``g:class_teachers:<class>``, ``g:administration``, ``g:all_staff`` or ``u:<user>``. The school's rules
(settings ``rules``: role → scopes) decide which keys a person is offered; the same book is computed again
when a message is sent, so nobody can post a key they were not offered, and a group is turned into people
at that moment (a student who joined the class yesterday receives today's letter).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    ClassMembership,
    GuardianLink,
    Role,
    RoleGrant,
    SchoolClass,
    Subgroup,
    SubgroupMember,
    TeachingAssignment,
    User,
    current_year,
)

STAFF_ROLES = ("admin", "principal", "deputy", "class_teacher", "teacher", "support")
ADMINISTRATION = ("admin", "principal", "deputy")
GROUP_SCOPES = ("class_guardians", "class_students", "subgroups", "class_teachers", "administration", "all_staff")
PERSON_SCOPES = ("class_people", "staff", "my_teachers", "my_class_teacher")
SCOPES = GROUP_SCOPES + PERSON_SCOPES

DEFAULT_RULES: dict[str, list[str]] = {
    "admin": list(SCOPES[:8]), "principal": list(SCOPES[:8]), "deputy": list(SCOPES[:8]),
    "class_teacher": list(SCOPES[:8]), "teacher": list(SCOPES[:8]),
    "support": ["administration", "staff"],
    "student": ["my_teachers", "my_class_teacher"],
    "guardian": ["my_teachers", "my_class_teacher", "administration"],
}


@dataclass
class AddressBook:
    """What one person may write to: groups (key → label) and people (key → label)."""

    groups: dict[str, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)

    def label(self, key: str) -> str | None:
        return self.groups.get(key) or self.people.get(key)

    def search(self, text: str, limit: int = 50) -> dict[str, str]:
        """People whose name contains ``text`` (case-insensitive); nobody outside the book is ever listed."""
        needle = text.strip().casefold()
        if not needle:
            return {}
        found = {k: v for k, v in self.people.items() if needle in v.casefold()}
        return dict(sorted(found.items(), key=lambda kv: kv[1])[:limit])


def _classes(session: Session, school_id: int, ids: Iterable[int] | None) -> list[SchoolClass]:
    year = current_year(session, school_id)
    if year is None:
        return []
    query = select(SchoolClass).where(SchoolClass.school_id == school_id, SchoolClass.year_id == year.id)
    if ids is not None:
        query = query.where(SchoolClass.id.in_(list(ids)))
    return sorted(session.scalars(query), key=lambda c: (c.grade_level, c.letter))


def staff_classes(session: Session, user: User, all_classes_roles: Iterable[str]) -> list[SchoolClass]:
    """The classes a staff member writes to: every class for the administration, else the classes she
    leads and teaches."""
    if user.has_role(*all_classes_roles):
        return _classes(session, user.school_id, None)
    led = {g.class_id for g in user.grants if g.role == Role.class_teacher and g.class_id is not None}
    taught = set(session.scalars(select(TeachingAssignment.class_id).where(TeachingAssignment.teacher_id == user.id)))
    return _classes(session, user.school_id, led | taught)


def _family_classes(session: Session, user: User, today: date) -> list[int]:
    """The classes of a student, or of a guardian's children, today."""
    students = [user.id] if user.has_role("student") else []
    if user.has_role("guardian"):
        students += list(session.scalars(select(GuardianLink.student_id).where(GuardianLink.guardian_id == user.id)))
    if not students:
        return []
    return sorted(set(session.scalars(select(ClassMembership.class_id).where(
        ClassMembership.student_id.in_(students), ClassMembership.active_on(today)))))


def _role_names() -> dict[str, str]:
    return {"admin": _("administrator"), "principal": _("principal"), "deputy": _("deputy principal"),
            "class_teacher": _("class teacher"), "teacher": _("teacher"), "support": _("support")}


def _staff(session: Session, school_id: int, roles: Iterable[str]) -> dict[int, tuple[User, set[str]]]:
    out: dict[int, tuple[User, set[str]]] = {}
    for user, role in session.execute(select(User, RoleGrant.role).join(RoleGrant, RoleGrant.user_id == User.id)
                                      .where(User.school_id == school_id, User.is_active_account.is_(True),
                                             RoleGrant.role.in_([Role(r) for r in roles]))):
        out.setdefault(user.id, (user, set()))[1].add(str(role))
    return out


def _staff_label(user: User, roles: set[str]) -> str:
    names = _role_names()
    order = [r for r in STAFF_ROLES if r in roles]
    return f"{user.short_name} — {names[order[0]]}" if order else user.short_name


def _students_of(session: Session, class_ids: list[int], today: date) -> list[tuple[User, int]]:
    return list(session.execute(select(User, ClassMembership.class_id)
                                .join(ClassMembership, ClassMembership.student_id == User.id)
                                .where(ClassMembership.class_id.in_(class_ids), ClassMembership.active_on(today),
                                       User.is_active_account.is_(True))))


def _teachers_of(session: Session, class_ids: list[int]) -> set[int]:
    return set(session.scalars(select(TeachingAssignment.teacher_id).where(TeachingAssignment.class_id.in_(class_ids))))


def _class_teachers_of(session: Session, class_ids: list[int]) -> set[int]:
    return set(session.scalars(select(RoleGrant.user_id).where(RoleGrant.role == Role.class_teacher,
                                                               RoleGrant.class_id.in_(class_ids))))


def address_book(session: Session, user: User, settings: Mapping[str, Any], today: date) -> AddressBook:
    """Everything ``user`` may write to under the school's rules (settings ``rules``)."""
    rules: Mapping[str, list[str]] = settings["rules"]
    scopes = {s for role in user.roles for s in rules.get(str(role), [])}
    book = AddressBook()
    school_id = user.school_id
    classes = staff_classes(session, user, settings["all_classes_roles"]) if user.has_role(*STAFF_ROLES) else []
    for c in classes:
        if "class_guardians" in scopes:
            book.groups[f"g:class_guardians:{c.id}"] = _("Guardians of %(cls)s", cls=c.name)
        if "class_students" in scopes:
            book.groups[f"g:class_students:{c.id}"] = _("Students of %(cls)s", cls=c.name)
        if "class_teachers" in scopes:
            book.groups[f"g:class_teachers:{c.id}"] = _("Teachers of %(cls)s", cls=c.name)
    if "subgroups" in scopes and classes:
        names = {c.id: c.name for c in classes}
        for sub in session.scalars(select(Subgroup).where(Subgroup.class_id.in_(list(names))).order_by(Subgroup.name)):
            book.groups[f"g:subgroup:{sub.id}"] = _("Subgroup %(name)s, %(cls)s", name=sub.name,
                                                   cls=names[sub.class_id])
    if "administration" in scopes:
        book.groups["g:administration"] = _("School administration")
    if "all_staff" in scopes:
        book.groups["g:all_staff"] = _("All staff")
    if "staff" in scopes:
        for uid, (person, roles) in _staff(session, school_id, STAFF_ROLES).items():
            book.people[f"u:{uid}"] = _staff_label(person, roles)
    if "class_people" in scopes and classes:
        names = {c.id: c.name for c in classes}
        students = _students_of(session, list(names), today)
        kid = {s.id: (s, cid) for s, cid in students}
        for s, cid in students:
            book.people[f"u:{s.id}"] = _("%(name)s, student of %(cls)s", name=f"{s.last_name} {s.first_name}",
                                         cls=names[cid])
        if kid:
            for link, guardian in session.execute(select(GuardianLink, User)
                                                  .join(User, User.id == GuardianLink.guardian_id)
                                                  .where(GuardianLink.student_id.in_(list(kid)),
                                                         User.is_active_account.is_(True))):
                s, cid = kid[link.student_id]
                book.people.setdefault(f"u:{guardian.id}", _(
                    "%(name)s, guardian of %(child)s (%(cls)s)", name=guardian.short_name,
                    child=f"{s.last_name} {s.first_name}", cls=names[cid]))
    if scopes & {"my_teachers", "my_class_teacher"}:
        family = _family_classes(session, user, today)
        wanted: set[int] = set()
        if "my_teachers" in scopes:
            wanted |= _teachers_of(session, family)
        if "my_class_teacher" in scopes:
            wanted |= _class_teachers_of(session, family)
        staff = _staff(session, school_id, STAFF_ROLES)
        for uid in sorted(wanted):
            if uid in staff:
                book.people[f"u:{uid}"] = _staff_label(*staff[uid])
    if "administration" in scopes and not user.has_role(*STAFF_ROLES):
        for uid, (person, roles) in _staff(session, school_id, ADMINISTRATION).items():
            book.people.setdefault(f"u:{uid}", _staff_label(person, roles))
    book.people.pop(f"u:{user.id}", None)
    return book


def resolve(session: Session, school_id: int, key: str, today: date) -> list[int]:
    """The people an address means today (active accounts of the school only)."""
    kind, _sep, rest = key.partition(":")
    if kind == "u":
        ids = [int(rest)] if rest.isdigit() else []
    else:
        group, _sep, ref = rest.partition(":")
        ref_id = int(ref) if ref.isdigit() else 0
        if group == "class_students":
            ids = [u.id for u, _c in _students_of(session, [ref_id], today)]
        elif group == "class_guardians":
            kids = [u.id for u, _c in _students_of(session, [ref_id], today)]
            ids = list(session.scalars(select(GuardianLink.guardian_id).where(GuardianLink.student_id.in_(kids))))
        elif group == "subgroup":
            ids = list(session.scalars(select(SubgroupMember.student_id).where(SubgroupMember.subgroup_id == ref_id)))
        elif group == "class_teachers":
            ids = sorted(_teachers_of(session, [ref_id]) | _class_teachers_of(session, [ref_id]))
        elif group == "administration":
            ids = list(_staff(session, school_id, ADMINISTRATION))
        elif group == "all_staff":
            ids = list(_staff(session, school_id, STAFF_ROLES))
        else:
            ids = []
    if not ids:
        return []
    return list(session.scalars(select(User.id).where(User.id.in_(ids), User.school_id == school_id,
                                                      User.is_active_account.is_(True)).order_by(User.id)))
