"""The deputy's control of the portfolios (D07) as plain figures: per class and section how many students
have a confirmed entry, entries per student, what waits for confirmation and for how long, and which
teachers lack a current qualification course. The report, the widget and the API read these."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.toolkit import ClassMembership, RoleGrant, SchoolClass, User, current_year
from plugins.portfolio.models import Entry, TeacherEntry


@dataclass
class ClassFill:
    class_id: int
    name: str
    students: int = 0
    with_entry: int = 0
    confirmed: int = 0
    pending: int = 0
    oldest_wait_days: int | None = None
    by_section: dict[str, int] = field(default_factory=dict)  # students with a confirmed entry in it

    @property
    def percent(self) -> float:
        return round(100.0 * self.with_entry / self.students, 1) if self.students else 0.0

    @property
    def per_student(self) -> float:
        return round(self.confirmed / self.students, 2) if self.students else 0.0


def fill_rate(session: Session, school_id: int, today: date, now: datetime,
              class_ids: list[int] | None = None) -> list[ClassFill]:
    """One line per class of the current year (or of ``class_ids``): three grouped queries in all."""
    year = current_year(session, school_id)
    query = select(SchoolClass).where(SchoolClass.school_id == school_id)
    if class_ids:
        query = query.where(SchoolClass.id.in_(class_ids))
    elif year is not None:
        query = query.where(SchoolClass.year_id == year.id)
    classes = {c.id: ClassFill(c.id, f"{c.grade_level}{c.letter}")
               for c in session.scalars(query.order_by(SchoolClass.grade_level, SchoolClass.letter))}
    if not classes:
        return []
    members = session.execute(select(ClassMembership.class_id, ClassMembership.student_id).where(
        ClassMembership.school_id == school_id, ClassMembership.class_id.in_(classes),
        ClassMembership.active_on(today))).all()
    class_of = {sid: cid for cid, sid in members}
    for cid, _sid in members:
        classes[cid].students += 1
    if not class_of:
        return list(classes.values())
    seen: set[tuple[int, str]] = set()
    with_any: set[int] = set()
    rows = session.execute(select(Entry.student_id, Entry.section, Entry.status, Entry.submitted_at).where(
        Entry.school_id == school_id, Entry.student_id.in_(class_of),
        Entry.status.in_(("confirmed", "pending")))).all()
    for sid, section, status, submitted in rows:
        line = classes[class_of[sid]]
        if status == "confirmed":
            line.confirmed += 1
            with_any.add(sid)
            if (sid, section) not in seen:
                seen.add((sid, section))
                line.by_section[section] = line.by_section.get(section, 0) + 1
        else:
            line.pending += 1
            if submitted is not None:
                days = max(0, (now - submitted).days)
                line.oldest_wait_days = max(days, line.oldest_wait_days or 0)
    for sid in with_any:
        classes[class_of[sid]].with_entry += 1
    return list(classes.values())


def pending_count(session: Session, school_id: int, class_ids: list[int] | None, today: date) -> int:
    """Entries waiting for confirmation: the whole school's (student and teacher entries), or a class's."""
    query = select(func.count(Entry.id)).where(Entry.school_id == school_id, Entry.status == "pending")
    if class_ids is not None:
        if not class_ids:
            return 0
        students = select(ClassMembership.student_id).where(
            ClassMembership.school_id == school_id, ClassMembership.class_id.in_(class_ids),
            ClassMembership.active_on(today))
        return session.scalar(query.where(Entry.student_id.in_(students))) or 0
    teachers = session.scalar(select(func.count(TeacherEntry.id)).where(
        TeacherEntry.school_id == school_id, TeacherEntry.status == "pending")) or 0
    return (session.scalar(query) or 0) + teachers


def teachers_without_course(session: Session, school_id: int, since: date) -> list[tuple[User, date | None]]:
    """Teachers with no confirmed course since ``since``, and the date of their last confirmed course."""
    teachers = list(session.scalars(select(User).join(RoleGrant, RoleGrant.user_id == User.id).where(
        RoleGrant.school_id == school_id, RoleGrant.role.in_(("teacher", "class_teacher")))
        .distinct().order_by(User.last_name, User.first_name)))
    last = dict(session.execute(select(TeacherEntry.teacher_id, func.max(TeacherEntry.happened_on)).where(
        TeacherEntry.school_id == school_id, TeacherEntry.kind == "course", TeacherEntry.status == "confirmed")
        .group_by(TeacherEntry.teacher_id)).all())
    return [(t, last.get(t.id)) for t in teachers if last.get(t.id) is None or last[t.id] < since]
