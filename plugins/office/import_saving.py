"""Checked records → the school's people and loads, all in the caller's one transaction, every row audited.

Only records without problems reach this module (the caller refuses otherwise, or drops the rows the user
explicitly chose to skip). Nobody gets a password here: credentials are issued afterwards in one step.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    AcademicYear,
    ClassMembership,
    GuardianLink,
    Role,
    RoleGrant,
    SchoolClass,
    Subgroup,
    TeachingAssignment,
    User,
    audit,
    unique_login,
)
from plugins.office.import_checks import Person, Record, parse_phone
from plugins.office.models import GuardianInfo, PersonalFile
from plugins.office.transfers import OnMoved


@dataclass
class Saved:
    students: int = 0
    guardians: int = 0
    staff: int = 0
    loads: int = 0


def _user(session: Session, school_id: int, person: Person, taken: set[str], **extra: object) -> User:
    user = User(school_id=school_id, login=unique_login(session, person.last_name, person.first_name, taken, school_id=school_id),
                password_hash=None, last_name=person.last_name, first_name=person.first_name,
                middle_name=person.middle_name, must_change_password=True, **extra)
    session.add(user)
    session.flush()
    return user


def _existing_guardians(session: Session, school_id: int) -> dict[tuple[str, str], int]:
    """(full name, phone) → guardian id: a parent already known to the school is linked, not duplicated."""
    rows = session.execute(select(User.id, User.last_name, User.first_name, User.middle_name, User.phone)
                           .join(RoleGrant, RoleGrant.user_id == User.id)
                           .where(User.school_id == school_id, RoleGrant.role == Role.guardian, User.phone != ""))
    return {(Person(r.last_name, r.first_name, r.middle_name).key(), parse_phone(r.phone) or r.phone): r.id
            for r in rows}


def _year_start(session: Session, school_class: SchoolClass) -> date:
    year = session.get(AcademicYear, school_class.year_id)
    return year.starts_on if year else date.min


def save_students(session: Session, school_id: int, records: list[Record], *, starts_on: date,
                  on_moved: OnMoved | None = None) -> Saved:
    """Students, their guardians (siblings' parents become one account), links, memberships, personal files."""
    taken: set[str] = set()
    known = _existing_guardians(session, school_id)
    saved = Saved()
    for record in records:
        v = record.values
        school_class: SchoolClass = v["class"]
        student = _user(session, school_id, v["person"], taken, birth_date=v["birth_date"], email=v["email"],
                        phone=v["phone"])
        session.add(RoleGrant(school_id=school_id, user_id=student.id, role=Role.student, class_id=None))
        first_day = max(starts_on, _year_start(session, school_class))
        session.add(ClassMembership(school_id=school_id, class_id=school_class.id, student_id=student.id,
                                    starts_on=first_day, ends_on=None))
        session.add(PersonalFile(school_id=school_id, student_id=student.id, file_number="",
                                 registration_address=v["address"], actual_address="", phones=v["phone"],
                                 notes="", snils=v["snils"], gender=v["gender"]))
        saved.students += 1
        linked: list[int] = []
        for guardian in record.guardians:
            person: Person = guardian["person"]
            key = (person.key(), guardian["phone"])
            guardian_id = known.get(key) or next(
                (gid for (name, phone), gid in known.items() if name == key[0] and not (phone and key[1])), None)
            if guardian_id is None:
                user = _user(session, school_id, person, taken, phone=guardian["phone"], email=guardian["email"])
                session.add(RoleGrant(school_id=school_id, user_id=user.id, role=Role.guardian, class_id=None))
                session.add(GuardianInfo(guardian_id=user.id, school_id=school_id, workplace="", position="",
                                         work_phone=""))
                guardian_id = known[key] = user.id
                saved.guardians += 1
            if guardian_id not in linked:
                linked.append(guardian_id)
                session.add(GuardianLink(guardian_id=guardian_id, student_id=student.id, school_id=school_id,
                                         relation=guardian["relation"]))
        session.flush()
        audit(session, school_id=school_id, action="office.import.student", object_type="office.student",
              object_id=student.id, new={"name": student.full_name, "birth_date": student.birth_date,
                                         "class_id": school_class.id, "guardians": sorted(linked),
                                         "row": record.line})
        if on_moved is not None:
            on_moved(session=session, student=student, from_class=None, to_class=school_class, on_date=first_day)
    return saved


def save_staff(session: Session, school_id: int, records: list[Record]) -> Saved:
    taken: set[str] = set()
    saved = Saved()
    for record in records:
        v = record.values
        user = _user(session, school_id, v["person"], taken, birth_date=v["birth_date"], email=v["email"],
                     phone=v["phone"])
        led = v["class"] if Role.class_teacher in v["roles"] else None
        previous = None
        if led is not None:
            # The file names who leads the class: the class's page says so too, and whoever led it before
            # (as the class page's own edit does) no longer does.
            previous = led.class_teacher_id
            for grant in session.scalars(select(RoleGrant).where(RoleGrant.school_id == school_id,
                                                                 RoleGrant.role == Role.class_teacher,
                                                                 RoleGrant.class_id == led.id)):
                session.delete(grant)
            led.class_teacher_id = user.id
        for role in sorted(v["roles"]):
            class_id = led.id if role == Role.class_teacher and led is not None else None
            session.add(RoleGrant(school_id=school_id, user_id=user.id, role=role, class_id=class_id))
        session.flush()
        new = {"name": user.full_name, "roles": sorted(str(r) for r in v["roles"]), "row": record.line}
        if led is not None:
            new |= {"class_id": led.id, "previous_class_teacher_id": previous}
        audit(session, school_id=school_id, action="office.import.staff", object_type="office.staff",
              object_id=user.id, new=new)
        saved.staff += 1
    return saved


def save_loads(session: Session, school_id: int, records: list[Record]) -> Saved:
    """Teaching loads; a named subgroup of the class in that subject is created when it does not exist."""
    saved = Saved()
    for record in records:
        v = record.values
        subgroup_id = None
        if v["subgroup"]:
            subgroup = session.scalar(select(Subgroup).where(
                Subgroup.school_id == school_id, Subgroup.class_id == v["class"].id,
                Subgroup.subject_id == v["subject"].id, Subgroup.name == v["subgroup"]))
            if subgroup is None:
                subgroup = Subgroup(school_id=school_id, class_id=v["class"].id, subject_id=v["subject"].id,
                                    name=v["subgroup"])
                session.add(subgroup)
                session.flush()
            subgroup_id = subgroup.id
        load = TeachingAssignment(school_id=school_id, teacher_id=v["teacher"].id, subject_id=v["subject"].id,
                                  class_id=v["class"].id, subgroup_id=subgroup_id, hours_per_week=v["hours"])
        session.add(load)
        session.flush()
        audit(session, school_id=school_id, action="office.import.load", object_type="office.load",
              object_id=load.id, new={"teacher_id": load.teacher_id, "subject_id": load.subject_id,
                                      "class_id": load.class_id, "subgroup_id": subgroup_id,
                                      "hours_per_week": load.hours_per_week, "row": record.line})
        saved.loads += 1
    return saved
