"""Object-level checks: which classes, students and guardians the signed-in person may touch.

Route-level permissions say *what* a role may do; these say *where*: a class teacher only in the class
they lead, a guardian only for their own children, the administration in the whole school. Anything
outside answers 404, so nobody learns that another class's student exists.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import abort
from sqlalchemy import select

from core.toolkit import (
    GuardianLink,
    Role,
    SchoolClass,
    User,
    acting_user,
    can,
    current_school_id,
    db,
    get_owned_or_404,
    is_guardian_of,
    school_today,
    teaches,
)
from plugins.office import rosters

SCHOOL_WIDE_ROLES = frozenset({"admin", "principal", "deputy"})



def _grant_can(grant: Any, permission: str, class_id: int | None = None) -> bool:
    probe = SimpleNamespace(is_authenticated=True, grants=[grant])
    return can(probe, permission, class_id=class_id)


def class_scope(user: User, permission: str) -> set[int] | None:
    """Class ids where ``user`` holds ``permission``; None means every class of the school."""
    ids: set[int] = set()
    for grant in user.grants:
        if grant.class_id is None:
            if str(grant.role) in SCHOOL_WIDE_ROLES and _grant_can(grant, permission):
                return None
        elif _grant_can(grant, permission, grant.class_id):
            ids.add(grant.class_id)
    return ids


def scoped_classes(permission: str) -> list[SchoolClass]:
    """The current year's classes the user may act on with ``permission``."""
    classes = rosters.classes_of_current_year(db(), current_school_id())
    scope = class_scope(acting_user(), permission)
    return classes if scope is None else [c for c in classes if c.id in scope]



def require_class(permission: str, class_id: int) -> SchoolClass:
    school_class = get_owned_or_404(SchoolClass, class_id)
    scope = class_scope(acting_user(), permission)
    if scope is not None and class_id not in scope:
        abort(404)
    return school_class


def may_edit_subgroups(class_id: int, subject_id: int | None) -> bool:
    """The class teacher and the administration; a subject teacher for the subject they teach there."""
    scope = class_scope(acting_user(), "office.subgroups.edit")
    if scope is None or class_id in scope:
        return True
    user = acting_user()
    return (subject_id is not None and user.has_role(Role.teacher) and can(user, "office.subgroups.edit")
            and teaches(db(), user.id, class_id, subject_id))


def require_student(permission: str, student_id: int, *, allow_guardian: bool = False) -> tuple[User, SchoolClass | None]:
    """The student and their current class, if the user may act on them with ``permission``."""
    student = get_owned_or_404(User, student_id)
    if not student.has_role(Role.student):
        abort(404)
    school_class = rosters.current_class_of(db(), student.id, school_today())
    user = acting_user()
    scope = class_scope(user, permission)
    if scope is None:
        return student, school_class
    if school_class is not None and school_class.id in scope:
        return student, school_class
    if allow_guardian and user.has_role(Role.guardian) and is_guardian_of(db(), user.id, student.id):
        return student, school_class
    abort(404)


def require_guardian_of_scope(permission: str, guardian_id: int) -> User:
    """A guardian with at least one child in a class the user may act on."""
    guardian = get_owned_or_404(User, guardian_id)
    if not guardian.has_role(Role.guardian):
        abort(404)
    scope = class_scope(acting_user(), permission)
    if scope is None:
        return guardian
    children = list(db().scalars(select(GuardianLink.student_id).where(GuardianLink.guardian_id == guardian.id)))
    members = rosters.student_ids_of_classes(db(), scope, school_today())
    if not any(c in members for c in children):
        abort(404)
    return guardian


def led_class_ids() -> set[int] | None:
    """Classes where the user handles family matters (tickets); None for the whole school."""
    return class_scope(acting_user(), "office.ticket.handle")


def reissue_class_id(user: User) -> int | None:
    """May the signed-in person give ``user`` a new one-time password? Returns the class it is issued
    through (None for the administration), or answers 404. A class teacher reaches only students of
    their class and those students' guardians, and never an account that also has a staff role."""
    scope = class_scope(acting_user(), "office.credentials.issue")
    if scope is None:
        if user.id == acting_user().id:
            abort(404)  # one's own password is changed on the account page
        return None
    if not rosters.is_family_only(user):
        abort(404)
    session = db()
    members = rosters.student_ids_of_classes(session, scope, school_today())
    own = [user.id] if user.has_role(Role.student) else []
    own += list(session.scalars(select(GuardianLink.student_id).where(GuardianLink.guardian_id == user.id)))
    classes = {members[s] for s in own if s in members}
    if not classes:
        abort(404)
    return min(classes)
