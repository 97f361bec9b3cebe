"""Plain questions about the school that every plugin asks; no Flask inside."""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from core.models import (
    AcademicYear,
    ClassMembership,
    GuardianLink,
    Holiday,
    Role,
    RoleGrant,
    SchoolClass,
    Subgroup,
    SubgroupMember,
    Subject,
    TeachingAssignment,
    Term,
    User,
)


def current_year(session: Session, school_id: int) -> AcademicYear | None:
    return session.scalar(
        select(AcademicYear).where(AcademicYear.school_id == school_id, AcademicYear.is_current.is_(True))
    )


def terms_of_year(session: Session, year_id: int) -> list[Term]:
    return list(session.scalars(select(Term).where(Term.year_id == year_id).order_by(Term.number)))


def term_on(session: Session, school_id: int, day: date) -> Term | None:
    return session.scalar(
        select(Term).where(Term.school_id == school_id, Term.starts_on <= day, Term.ends_on >= day)
    )


def holidays_between(session: Session, school_id: int, start: date, end: date) -> list[Holiday]:
    return list(
        session.scalars(
            select(Holiday)
            .where(Holiday.school_id == school_id, Holiday.starts_on <= end, Holiday.ends_on >= start)
            .order_by(Holiday.starts_on)
        )
    )


def is_holiday(holidays: list[Holiday], day: date) -> bool:
    return any(h.starts_on <= day <= h.ends_on for h in holidays)


def _active_between(start: date, end: date):  # type: ignore[no-untyped-def]
    return and_(
        ClassMembership.starts_on <= end,
        or_(ClassMembership.ends_on.is_(None), ClassMembership.ends_on >= start),
    )


def class_students(session: Session, class_id: int, start: date, end: date | None = None) -> list[User]:
    """Students who were in the class at any time between ``start`` and ``end`` (one day by default),
    sorted as a journal lists them. A student who left still appears for the days they were there."""
    end = end or start
    return list(
        session.scalars(
            select(User)
            .join(ClassMembership, ClassMembership.student_id == User.id)
            .where(ClassMembership.class_id == class_id, _active_between(start, end))
            .order_by(User.last_name, User.first_name, User.middle_name, User.id)
            .distinct()
        )
    )


def class_memberships(session: Session, class_id: int, start: date, end: date) -> list[ClassMembership]:
    return list(
        session.scalars(
            select(ClassMembership).where(ClassMembership.class_id == class_id, _active_between(start, end))
        )
    )


def subgroup_students(session: Session, subgroup_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(SubgroupMember, SubgroupMember.student_id == User.id)
            .where(SubgroupMember.subgroup_id == subgroup_id)
            .order_by(User.last_name, User.first_name, User.middle_name, User.id)
        )
    )


def class_of_student(session: Session, student_id: int, day: date) -> SchoolClass | None:
    return session.scalar(
        select(SchoolClass)
        .join(ClassMembership, ClassMembership.class_id == SchoolClass.id)
        .where(ClassMembership.student_id == student_id, _active_between(day, day))
    )


def children_of(session: Session, guardian_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(GuardianLink, GuardianLink.student_id == User.id)
            .where(GuardianLink.guardian_id == guardian_id)
            .order_by(User.last_name, User.first_name)
        )
    )


def guardians_of(session: Session, student_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(GuardianLink, GuardianLink.guardian_id == User.id)
            .where(GuardianLink.student_id == student_id)
            .order_by(User.last_name, User.first_name)
        )
    )


def is_guardian_of(session: Session, guardian_id: int, student_id: int) -> bool:
    return session.get(GuardianLink, (guardian_id, student_id)) is not None


def classes_led_by(user: User) -> set[int]:
    """Ids of the classes the user is class teacher of (from the role grants, no query)."""
    return {g.class_id for g in user.grants if g.role == Role.class_teacher and g.class_id is not None}


def classes_of_user(session: Session, user: User, day: date) -> set[int]:
    """Ids of the classes a person belongs to on ``day``: led (class teacher), taught, his own class (a
    student), his children's classes (a guardian). The one rule for "members only" class sections, class
    news and class events; three small queries at most."""
    ids = set(classes_led_by(user))
    if user.has_role("student"):
        ids |= set(session.scalars(select(ClassMembership.class_id).where(
            ClassMembership.student_id == user.id, ClassMembership.active_on(day))))
    if user.has_role("guardian"):
        ids |= set(session.scalars(select(ClassMembership.class_id)
                                   .join(GuardianLink, GuardianLink.student_id == ClassMembership.student_id)
                                   .where(GuardianLink.guardian_id == user.id, ClassMembership.active_on(day))))
    if user.has_role("teacher", "class_teacher"):
        ids |= set(session.scalars(select(TeachingAssignment.class_id).where(TeachingAssignment.teacher_id == user.id)))
    return ids


def assignments_of_teacher(session: Session, teacher_id: int) -> list[TeachingAssignment]:
    return list(session.scalars(select(TeachingAssignment).where(TeachingAssignment.teacher_id == teacher_id)))


def teaches(session: Session, teacher_id: int, class_id: int, subject_id: int | None = None) -> bool:
    query = select(TeachingAssignment.id).where(
        TeachingAssignment.teacher_id == teacher_id, TeachingAssignment.class_id == class_id
    )
    if subject_id is not None:
        query = query.where(TeachingAssignment.subject_id == subject_id)
    return session.scalar(query.limit(1)) is not None


def class_teacher_of(session: Session, class_id: int) -> User | None:
    return session.scalar(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.class_teacher, RoleGrant.class_id == class_id)
    )


def classes_of_year(session: Session, year_id: int) -> list[SchoolClass]:
    return list(
        session.scalars(
            select(SchoolClass).where(SchoolClass.year_id == year_id).order_by(SchoolClass.grade_level, SchoolClass.letter)
        )
    )


def subgroups_of_class(session: Session, class_id: int) -> list[Subgroup]:
    return list(session.scalars(select(Subgroup).where(Subgroup.class_id == class_id).order_by(Subgroup.name)))


def grant_role(session: Session, user: User, role: Role | str, class_id: int | None = None) -> RoleGrant:
    role = Role(role)
    for grant in user.grants:
        if grant.role == role and grant.class_id == class_id:
            return grant
    grant = RoleGrant(school_id=user.school_id, user_id=user.id, role=role, class_id=class_id)
    user.grants.append(grant)
    if role == Role.class_teacher and class_id is not None:
        school_class = session.get(SchoolClass, class_id)
        if school_class is not None:
            school_class.class_teacher_id = user.id
    return grant


def move_student(session: Session, student: User, to_class: SchoolClass | None, on_date: date,
                 pm: object | None = None) -> None:
    """Admit (no current class), transfer, or withdraw (``to_class`` None) a student on ``on_date``.

    The old membership ends the day before, so marks and absences stay in the old class's journal with
    their dates; the ``on_student_moved`` hook runs inside the same transaction.
    """
    from datetime import timedelta

    current = session.scalar(
        select(ClassMembership).where(ClassMembership.student_id == student.id, _active_between(on_date, on_date))
    )
    from_class = session.get(SchoolClass, current.class_id) if current else None
    if current is not None:
        if to_class is not None and current.class_id == to_class.id:
            return
        current.ends_on = on_date - timedelta(days=1)
        if current.ends_on < current.starts_on:  # moved on the very day they joined: no history to keep
            session.delete(current)
    if to_class is not None:
        session.add(ClassMembership(school_id=student.school_id, class_id=to_class.id, student_id=student.id,
                                    starts_on=on_date))
    session.flush()
    if pm is not None:
        pm.hook.on_student_moved(session=session, student=student, from_class=from_class,  # type: ignore[attr-defined]
                                 to_class=to_class, on_date=on_date)


def add_assignment(session: Session, teacher: User, school_class: SchoolClass, subject: Subject,
                   hours_per_week: float, subgroup_name: str = "") -> TeachingAssignment:
    """A teaching load: the whole class, or one subgroup of it in the subject (made when new) with its own
    teacher. A subgroup's load gives it its own journal and timetable lessons. Does not commit."""
    from core.audit import audit
    from core.service_error import ServiceError

    subgroup = None
    subgroup_name = subgroup_name.strip()
    if subgroup_name:
        subgroup = session.scalar(select(Subgroup).where(Subgroup.class_id == school_class.id,
                                                         Subgroup.subject_id == subject.id,
                                                         Subgroup.name == subgroup_name))
        if subgroup is None:
            subgroup = Subgroup(school_id=school_class.school_id, class_id=school_class.id, subject_id=subject.id,
                                name=subgroup_name)
            session.add(subgroup)
            session.flush()
    duplicate = select(TeachingAssignment.id).where(
        TeachingAssignment.teacher_id == teacher.id, TeachingAssignment.subject_id == subject.id,
        TeachingAssignment.class_id == school_class.id,
        TeachingAssignment.subgroup_id == subgroup.id if subgroup else TeachingAssignment.subgroup_id.is_(None))
    if session.scalar(duplicate) is not None:
        raise ServiceError("This teacher already teaches this subject in this class.", status=409, code="conflict")
    assignment = TeachingAssignment(school_id=school_class.school_id, teacher_id=teacher.id, subject_id=subject.id,
                                    class_id=school_class.id, subgroup_id=subgroup.id if subgroup else None,
                                    hours_per_week=hours_per_week)
    session.add(assignment)
    grant_role(session, teacher, Role.teacher)
    session.flush()
    audit(session, school_id=assignment.school_id, action="core.assignment.create",
          object_type="core.teaching_assignment", object_id=assignment.id,
          new={"teacher_id": teacher.id, "subject_id": subject.id, "class_id": school_class.id,
               "subgroup_id": assignment.subgroup_id, "subgroup": subgroup_name or None,
               "hours_per_week": hours_per_week})
    return assignment
