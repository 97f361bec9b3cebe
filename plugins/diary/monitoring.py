"""The class teacher's weekly page: who of a class's families opened the diary and acknowledged the week,
and the notice to the deputy about the ones who did not. Plain functions over a Session; no Flask."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from core.toolkit import ClassMembership, GuardianLink, Role, RoleGrant, SchoolClass, User, audit
from plugins.diary.models import Acknowledgement, DeputyNotice, Remark, Visit
from plugins.diary.services import RemarkRow, remarks_query, short_name


@dataclass
class GuardianUsage:
    id: int
    name: str
    relation: str
    email: str
    last_visit: datetime | None = None
    visits_in_week: int = 0
    acknowledged_at: datetime | None = None
    inactive: bool = False


@dataclass
class StudentUsage:
    id: int
    name: str
    last_visit: datetime | None = None
    visits_in_week: int = 0
    guardians: list[GuardianUsage] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return any(g.acknowledged_at for g in self.guardians)


@dataclass
class ClassWeek:
    class_id: int
    class_name: str
    week_start: date
    week_end: date
    inactive_days: int
    students: list[StudentUsage]
    remarks: list[RemarkRow]

    @property
    def inactive_guardians(self) -> list[tuple[GuardianUsage, StudentUsage]]:
        return [(g, s) for s in self.students for g in s.guardians if g.inactive]

    @property
    def acknowledged_count(self) -> int:
        return sum(1 for s in self.students if s.acknowledged)

    @property
    def visited_count(self) -> int:
        return sum(1 for s in self.students if any(g.visits_in_week for g in s.guardians))


def class_week(session: Session, class_id: int, week_start: date, now: datetime, inactive_days: int
               ) -> ClassWeek | None:
    """Visits and acknowledgements of a class's families for one week (five queries, any class size)."""
    school_class = session.get(SchoolClass, class_id)
    if school_class is None:
        return None
    week_end = week_start + timedelta(days=6)
    rows = session.execute(
        select(User.id, User.last_name, User.first_name, User.middle_name)
        .join(ClassMembership, ClassMembership.student_id == User.id)
        .where(ClassMembership.class_id == class_id, ClassMembership.active_between(week_start, week_end))
        .order_by(User.last_name, User.first_name, User.id).distinct()).all()
    students = {r[0]: StudentUsage(r[0], " ".join(p for p in r[1:] if p)) for r in rows}
    ids = list(students)
    if ids:
        guardians: dict[tuple[int, int], GuardianUsage] = {}
        for student_id, gid, last, first, middle, relation, email in session.execute(
                select(GuardianLink.student_id, User.id, User.last_name, User.first_name, User.middle_name,
                       GuardianLink.relation, User.email)
                .join(User, User.id == GuardianLink.guardian_id)
                .where(GuardianLink.student_id.in_(ids)).order_by(User.last_name, User.first_name)):
            usage = GuardianUsage(gid, " ".join(p for p in (last, first, middle) if p), relation or "", email or "")
            guardians[(student_id, gid)] = usage
            students[student_id].guardians.append(usage)
        start = datetime.combine(week_start, datetime.min.time(), UTC)
        end = start + timedelta(days=7)
        in_week = func.sum(case((and_(Visit.visited_at >= start, Visit.visited_at < end), 1), else_=0))
        for viewer_id, student_id, last, count in session.execute(
                select(Visit.viewer_id, Visit.student_id, func.max(Visit.visited_at), in_week)
                .where(Visit.student_id.in_(ids), Visit.visited_at < end)
                .group_by(Visit.viewer_id, Visit.student_id)):
            last = _aware(last)
            if viewer_id == student_id:
                students[student_id].last_visit, students[student_id].visits_in_week = last, int(count or 0)
            elif (student_id, viewer_id) in guardians:
                g = guardians[(student_id, viewer_id)]
                g.last_visit, g.visits_in_week = last, int(count or 0)
        # A guardian with two children in the class counts a visit to either as a visit.
        last_by_guardian: dict[int, datetime] = {}
        for g in guardians.values():
            if g.last_visit and (g.id not in last_by_guardian or g.last_visit > last_by_guardian[g.id]):
                last_by_guardian[g.id] = g.last_visit
        # "Has not opened for N days" as of the end of the week shown (or now, for the current week).
        threshold = min(now, end) - timedelta(days=inactive_days)
        for g in guardians.values():
            last = last_by_guardian.get(g.id)
            g.inactive = last is None or last < threshold
        for guardian_id, student_id, at in session.execute(
                select(Acknowledgement.guardian_id, Acknowledgement.student_id, Acknowledgement.created_at)
                .where(Acknowledgement.student_id.in_(ids), Acknowledgement.week_start == week_start)):
            if (student_id, guardian_id) in guardians:
                guardians[(student_id, guardian_id)].acknowledged_at = at
    remarks = remarks_query(session, Remark.class_id == class_id, Remark.day >= week_start, Remark.day <= week_end)
    return ClassWeek(class_id, school_class.name, week_start, week_end, inactive_days, list(students.values()),
                     remarks)


def _aware(value: datetime | None) -> datetime | None:
    """``max()`` over a timestamp comes back as text or naive on SQLite: make it an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def notify_deputy(session: Session, class_week_: ClassWeek, author: Any, note: str) -> DeputyNotice | None:
    """Record the class teacher's notice for the deputy and queue an e-mail to each deputy with an address."""
    from plugins.diary import notify

    inactive = class_week_.inactive_guardians
    if not inactive:
        return None
    guardians = [{"id": g.id, "name": g.name, "student": s.name,
                  "last": g.last_visit.isoformat() if g.last_visit else None} for g, s in inactive]
    notice = DeputyNotice(school_id=author.school_id, class_id=class_week_.class_id, author_id=author.id,
                          inactive_days=class_week_.inactive_days, guardians=guardians, note=(note or "").strip(),
                          created_at=datetime.now(UTC))
    session.add(notice)
    session.flush()
    deputies = session.scalars(
        select(User.id).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.school_id == author.school_id, RoleGrant.role == Role.deputy, User.email != "")
        .distinct()).all()
    lines = [f"— {g['name']} ({g['student']})" for g in guardians]
    text = "\n".join([notice_text(class_week_.class_name, author, class_week_.inactive_days), *lines,
                      "", notice.note]).strip()
    for deputy_id in deputies:
        notify.queue_direct(session, author.school_id, deputy_id, "notice", f"notice:{notice.id}:{deputy_id}",
                            {"class_name": class_week_.class_name, "text": text})
    audit(session, school_id=author.school_id, action="diary.notice.create", object_type="diary.notice",
          object_id=notice.id, new={"class_id": notice.class_id, "guardians": [g["id"] for g in guardians]})
    return notice


def notice_text(class_name: str, author: Any, days: int) -> str:
    from flask_babel import ngettext

    return ngettext("The class teacher of %(class_name)s, %(author)s, reports guardians who have not opened "
                    "the diary for %(num)d day:",
                    "The class teacher of %(class_name)s, %(author)s, reports guardians who have not opened "
                    "the diary for %(num)d days:", days, class_name=class_name, author=author.full_name)


def notices_for(session: Session, school_id: int, limit: int = 50) -> list[tuple[DeputyNotice, str, str]]:
    """The notices of a school with the class name and the author's name, newest first."""
    return [(n, f"{grade}{letter}", short_name(last, first, middle)) for n, grade, letter, last, first, middle in
            session.execute(select(DeputyNotice, SchoolClass.grade_level, SchoolClass.letter, User.last_name,
                                   User.first_name, User.middle_name)
                            .join(SchoolClass, SchoolClass.id == DeputyNotice.class_id)
                            .join(User, User.id == DeputyNotice.author_id)
                            .where(DeputyNotice.school_id == school_id)
                            .order_by(DeputyNotice.created_at.desc()).limit(limit))]
