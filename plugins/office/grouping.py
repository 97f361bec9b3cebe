"""A class's subgroups per subject: creating, deleting and filling them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from core.toolkit import SchoolClass, Subgroup, SubgroupMember, Subject, TeachingAssignment, User, audit
from plugins.office.refusals import OfficeError
from plugins.office.rosters import current_students


def class_subjects(session: Session, class_id: int) -> list[Subject]:
    """Subjects taught in the class or already split into subgroups there."""
    taught = select(TeachingAssignment.subject_id).where(TeachingAssignment.class_id == class_id)
    split = select(Subgroup.subject_id).where(Subgroup.class_id == class_id)
    return list(session.scalars(select(Subject).where(or_(Subject.id.in_(taught), Subject.id.in_(split)))
                                .order_by(Subject.name)))


@dataclass
class SplitSubject:
    """A subject the class is taught in subgroups: each subgroup with its teachers and size."""

    subject: Subject
    groups: list[tuple[Subgroup, list[User], int]]  # subgroup, its teachers, members


def split_subjects(session: Session, class_id: int) -> list[SplitSubject]:
    """The class's subjects that have a subgroup with its own teaching load (so its own journal)."""
    rows = session.execute(
        select(Subject, Subgroup, User)
        .join(TeachingAssignment, TeachingAssignment.subject_id == Subject.id)
        .join(Subgroup, Subgroup.id == TeachingAssignment.subgroup_id)
        .join(User, User.id == TeachingAssignment.teacher_id)
        .where(TeachingAssignment.class_id == class_id)
        .order_by(Subject.name, Subgroup.name, User.last_name)).all()
    sizes = dict(session.execute(
        select(SubgroupMember.subgroup_id, func.count())
        .where(SubgroupMember.subgroup_id.in_({g.id for _, g, _ in rows} or {-1}))
        .group_by(SubgroupMember.subgroup_id)).all())
    out: dict[int, SplitSubject] = {}
    for subject, group, teacher in rows:
        entry = out.setdefault(subject.id, SplitSubject(subject, []))
        if entry.groups and entry.groups[-1][0].id == group.id:
            entry.groups[-1][1].append(teacher)
        else:
            entry.groups.append((group, [teacher], sizes.get(group.id, 0)))
    return list(out.values())


def subject_subgroups(session: Session, class_id: int, subject_id: int) -> list[Subgroup]:
    return list(session.scalars(select(Subgroup).where(Subgroup.class_id == class_id,
                                                       Subgroup.subject_id == subject_id).order_by(Subgroup.name)))


def subgroup_membership(session: Session, subgroup_ids: list[int]) -> dict[int, set[int]]:
    """student id -> ids of the given subgroups they are in."""
    out: dict[int, set[int]] = {}
    if subgroup_ids:
        for sid, student in session.execute(select(SubgroupMember.subgroup_id, SubgroupMember.student_id)
                                            .where(SubgroupMember.subgroup_id.in_(subgroup_ids))):
            out.setdefault(student, set()).add(sid)
    return out


def create_subgroup(session: Session, school_class: SchoolClass, subject_id: int, name: str) -> Subgroup:
    name = name.strip()
    if not name:
        raise OfficeError(_l("Give the subgroup a name."))
    if session.scalar(select(Subgroup.id).where(Subgroup.class_id == school_class.id,
                                                Subgroup.subject_id == subject_id, Subgroup.name == name)):
        raise OfficeError(_l("The class already has a subgroup with this name in this subject."))
    subgroup = Subgroup(school_id=school_class.school_id, class_id=school_class.id, subject_id=subject_id, name=name)
    session.add(subgroup)
    session.flush()
    audit(session, school_id=school_class.school_id, action="office.subgroup.create", object_type="office.subgroup",
          object_id=subgroup.id, new={"class_id": school_class.id, "subject_id": subject_id, "name": name})
    return subgroup


def delete_subgroup(session: Session, subgroup: Subgroup) -> None:
    if session.scalar(select(TeachingAssignment.id).where(TeachingAssignment.subgroup_id == subgroup.id).limit(1)):
        raise OfficeError(_l("A teacher is assigned to this subgroup: change the teaching assignment first."))
    members = sorted(session.scalars(select(SubgroupMember.student_id).where(SubgroupMember.subgroup_id == subgroup.id)))
    session.execute(delete(SubgroupMember).where(SubgroupMember.subgroup_id == subgroup.id))
    audit(session, school_id=subgroup.school_id, action="office.subgroup.delete", object_type="office.subgroup",
          object_id=subgroup.id, old={"class_id": subgroup.class_id, "subject_id": subgroup.subject_id,
                                      "name": subgroup.name, "members": members})
    session.delete(subgroup)


def set_subgroup_members(session: Session, school_class: SchoolClass, subject_id: int,
                         choice: dict[int, int | None], day: date) -> int:
    """Put each student named in ``choice`` into one subgroup of the subject (or none).

    Only current students of the class may be named; students who have left keep their old
    membership, so the subgroup's past lessons still list them. Returns how many students changed.
    """
    groups = {g.id for g in subject_subgroups(session, school_class.id, subject_id)}
    current = {s.id for s in current_students(session, school_class.id, day)}
    if set(choice) - current:
        raise OfficeError(_l("Only students of the class can be put into its subgroups."))
    before = subgroup_membership(session, list(groups))
    changed = 0
    for student_id in sorted(choice):
        wanted = choice.get(student_id)
        if wanted is not None and wanted not in groups:
            raise OfficeError(_l("Unknown subgroup."))
        had = before.get(student_id, set())
        new = {wanted} if wanted is not None else set()
        if had == new:
            continue
        changed += 1
        if had:
            session.execute(delete(SubgroupMember).where(SubgroupMember.student_id == student_id,
                                                         SubgroupMember.subgroup_id.in_(had)))
        if wanted is not None:
            session.add(SubgroupMember(subgroup_id=wanted, student_id=student_id))
        audit(session, school_id=school_class.school_id, action="office.subgroup.members",
              object_type="office.subgroup_member", object_id=student_id,
              old={"subject_id": subject_id, "subgroups": sorted(had)},
              new={"subject_id": subject_id, "subgroups": sorted(new)})
    return changed

