"""The diary's rules: remarks, acknowledgements, the visit log and its weekly monitoring, notification
preferences, the marks overview of a term. Plain functions over a Session; no Flask."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, insert, or_, select
from sqlalchemy.orm import Session

from core.api import (
    AcademicYear,
    ClassMembership,
    GuardianLink,
    Holiday,
    Role,
    RoleGrant,
    SchoolClass,
    SubgroupMember,
    Subject,
    TeachingAssignment,
    Term,
    User,
    audit,
)
from plugins.diary.models import (
    MODES,
    REMARK_KINDS,
    Acknowledgement,
    DeputyNotice,
    NotificationPreference,
    Remark,
    Visit,
)
from plugins.gradebook.models import FinalMark, Lesson, Mark
from plugins.gradebook.services import (
    Average,
    forecast_mark,
    rounding_rule_text,
    weighted_average,
    work_type_titles,
    work_type_weights,
)


class DiaryError(ValueError):
    """A refused action; ``message`` is a lazy translated text, ``field`` the form field it is about."""

    def __init__(self, message: Any, field_name: str | None = None) -> None:
        super().__init__(str(message))
        self.message, self.field = message, field_name


def ru_number(value: float | None, digits: int = 2) -> str:
    """4.333 -> "4,33": numbers as Russian print them."""
    if value is None:
        return "—"
    return f"{value:.{digits}f}".replace(".", ",")


# --- the visit log -----------------------------------------------------------------------------------

def record_visit(session: Session, school_id: int, viewer_id: int, student_id: int, role: str, page: str,
                 now: datetime | None = None) -> None:
    """One INSERT, no reading: the week page's query budget counts it."""
    session.execute(insert(Visit).values(school_id=school_id, viewer_id=viewer_id, student_id=student_id,
                                         viewer_role=role, page=page, visited_at=now or datetime.now(UTC)))


# --- remarks -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RemarkTarget:
    class_id: int
    class_name: str
    students: list[tuple[int, str]]
    subjects: list[tuple[int, str]]  # what the author teaches in this class (empty for a class teacher only)


def remark_targets(session: Session, user: Any, today: date) -> list[RemarkTarget]:
    """The classes (with students) a user may write remarks for: the ones they teach or lead (3 queries)."""
    led = {g.class_id for g in user.grants if g.role == Role.class_teacher and g.class_id}
    taught: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for class_id, subject_id, subject in session.execute(
            select(TeachingAssignment.class_id, Subject.id, Subject.name)
            .join(Subject, Subject.id == TeachingAssignment.subject_id)
            .where(TeachingAssignment.teacher_id == user.id).distinct().order_by(Subject.name)):
        taught[class_id].append((subject_id, subject))
    class_ids = led | set(taught)
    if not class_ids:
        return []
    classes = session.execute(select(SchoolClass.id, SchoolClass.grade_level, SchoolClass.letter)
                              .where(SchoolClass.id.in_(class_ids), SchoolClass.school_id == user.school_id)
                              .order_by(SchoolClass.grade_level, SchoolClass.letter)).all()
    students: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for class_id, sid, last, first in session.execute(
            select(ClassMembership.class_id, User.id, User.last_name, User.first_name)
            .join(User, User.id == ClassMembership.student_id)
            .where(ClassMembership.class_id.in_(class_ids), ClassMembership.starts_on <= today,
                   or_(ClassMembership.ends_on.is_(None), ClassMembership.ends_on >= today))
            .order_by(User.last_name, User.first_name, User.id)):
        students[class_id].append((sid, f"{last} {first}"))
    return [RemarkTarget(cid, f"{grade}{letter}", students[cid], taught.get(cid, [])) for cid, grade, letter in classes]


def create_remark(session: Session, author: Any, student_id: int, kind: str, text: str, subject_id: int | None,
                  today: date) -> Remark:
    """Write a remark to a family; the author must teach or lead the student's class."""
    text = (text or "").strip()
    if kind not in REMARK_KINDS:
        raise DiaryError(_l("Choose what kind of note this is."), "kind")
    if not text:
        raise DiaryError(_l("Write the text of the note."), "text")
    if len(text) > 2000:
        raise DiaryError(_l("The note is too long: at most 2000 characters."), "text")
    allowed = {s for t in remark_targets(session, author, today) for s, _name in t.students}
    if student_id not in allowed:
        raise DiaryError(_l("You can write notes only to students of the classes you teach or lead."), "student_id")
    class_id = session.scalar(select(ClassMembership.class_id).where(
        ClassMembership.student_id == student_id, ClassMembership.starts_on <= today,
        or_(ClassMembership.ends_on.is_(None), ClassMembership.ends_on >= today)))
    if subject_id is not None and not session.scalar(
            select(TeachingAssignment.id).where(TeachingAssignment.teacher_id == author.id,
                                                TeachingAssignment.class_id == class_id,
                                                TeachingAssignment.subject_id == subject_id).limit(1)):
        subject_id = None  # only a subject the author teaches in that class is named
    remark = Remark(school_id=author.school_id, student_id=student_id, class_id=class_id, author_id=author.id,
                    subject_id=subject_id, kind=kind, text=text, day=today, created_at=datetime.now(UTC))
    session.add(remark)
    session.flush()
    audit(session, school_id=author.school_id, action="diary.remark.create", object_type="diary.remark",
          object_id=remark.id, new={"student_id": student_id, "kind": kind, "text": text, "day": today,
                                    "subject_id": subject_id, "class_id": class_id})
    return remark


def delete_remark(session: Session, user: Any, remark_id: int) -> bool:
    """The author takes a remark back (the audit log keeps it)."""
    remark = session.get(Remark, remark_id)
    if remark is None or remark.author_id != user.id or remark.school_id != user.school_id:
        return False
    audit(session, school_id=remark.school_id, action="diary.remark.delete", object_type="diary.remark",
          object_id=remark.id, old=remark_values(remark))
    session.delete(remark)
    return True


def remark_values(remark: Remark) -> dict[str, Any]:
    return {"student_id": remark.student_id, "kind": remark.kind, "text": remark.text, "day": remark.day,
            "subject_id": remark.subject_id, "class_id": remark.class_id, "author_id": remark.author_id}


@dataclass
class RemarkRow:
    id: int
    day: date
    kind: str
    text: str
    author: str
    subject: str | None
    student_id: int
    student: str
    class_name: str
    acknowledged_by: list[str] = field(default_factory=list)
    acknowledged_by_me: bool = False


def remarks_query(session: Session, *conditions: Any, viewer_id: int | None = None, limit: int = 200
                  ) -> list[RemarkRow]:
    """Remarks matching ``conditions`` with who acknowledged them (two queries)."""
    from sqlalchemy.orm import aliased

    author, student = aliased(User), aliased(User)
    rows = session.execute(
        select(Remark.id, Remark.day, Remark.kind, Remark.text, author.last_name, author.first_name,
               author.middle_name, Subject.name, Remark.student_id, student.last_name, student.first_name,
               SchoolClass.grade_level, SchoolClass.letter)
        .join(author, author.id == Remark.author_id)
        .join(student, student.id == Remark.student_id)
        .join(SchoolClass, SchoolClass.id == Remark.class_id)
        .outerjoin(Subject, Subject.id == Remark.subject_id)
        .where(*conditions)
        .order_by(Remark.day.desc(), Remark.id.desc()).limit(limit)).all()
    out = {r[0]: RemarkRow(r[0], r[1], r[2], r[3], short_name(r[4], r[5], r[6]), r[7], r[8], f"{r[9]} {r[10]}",
                           f"{r[11]}{r[12]}") for r in rows}
    if out:
        for remark_id, guardian_id, last, first, middle in session.execute(
                select(Acknowledgement.remark_id, User.id, User.last_name, User.first_name, User.middle_name)
                .join(User, User.id == Acknowledgement.guardian_id)
                .where(Acknowledgement.remark_id.in_(list(out)))):
            out[remark_id].acknowledged_by.append(short_name(last, first, middle))
            if guardian_id == viewer_id:
                out[remark_id].acknowledged_by_me = True
    return list(out.values())


def short_name(last: str | None, first: str | None, middle: str | None) -> str:
    initials = "".join(f" {p[0]}." for p in (first, middle) if p)
    return f"{last or ''}{initials}"


# --- acknowledgements --------------------------------------------------------------------------------

def acknowledge_week(session: Session, school_id: int, guardian_id: int, student_id: int, week_start: date
                     ) -> Acknowledgement:
    """The guardian confirms having seen the week; confirming again keeps the first moment."""
    existing = session.scalar(select(Acknowledgement).where(
        Acknowledgement.guardian_id == guardian_id, Acknowledgement.student_id == student_id,
        Acknowledgement.week_start == week_start))
    if existing is not None:
        return existing
    ack = Acknowledgement(school_id=school_id, guardian_id=guardian_id, student_id=student_id,
                          week_start=week_start, created_at=datetime.now(UTC))
    session.add(ack)
    session.flush()
    audit(session, school_id=school_id, action="diary.acknowledgement.create", object_type="diary.acknowledgement",
          object_id=ack.id, new={"student_id": student_id, "week_start": week_start})
    return ack


def acknowledge_remark(session: Session, school_id: int, guardian_id: int, remark_id: int) -> Acknowledgement | None:
    """None when the remark is not about one of the guardian's children (the view answers 404)."""
    remark = session.get(Remark, remark_id)
    if remark is None or remark.school_id != school_id or session.get(
            GuardianLink, (guardian_id, remark.student_id)) is None:
        return None
    existing = session.scalar(select(Acknowledgement).where(Acknowledgement.guardian_id == guardian_id,
                                                            Acknowledgement.remark_id == remark_id))
    if existing is not None:
        return existing
    ack = Acknowledgement(school_id=school_id, guardian_id=guardian_id, student_id=remark.student_id,
                          remark_id=remark_id, created_at=datetime.now(UTC))
    session.add(ack)
    session.flush()
    audit(session, school_id=school_id, action="diary.acknowledgement.create", object_type="diary.acknowledgement",
          object_id=ack.id, new={"student_id": remark.student_id, "remark_id": remark_id})
    return ack


# --- notification preferences ------------------------------------------------------------------------

PREFERENCE_FIELDS = ["mode", "marks", "absences", "remarks", "homework"]


def preference_of(session: Session, guardian_id: int, settings: Mapping[str, Any]) -> NotificationPreference:
    """The stored choice, or the school's default (not stored) for a guardian who has not chosen."""
    found = session.get(NotificationPreference, guardian_id)
    if found is not None:
        return found
    return NotificationPreference(guardian_id=guardian_id, mode=settings["default_mode"], marks=True,
                                  absences=True, remarks=True, homework=False)


def save_preferences(session: Session, guardian: Any, values: Mapping[str, Any], email: str | None) -> None:
    if values.get("mode") not in MODES:
        raise DiaryError(_l("Choose how to receive notifications."), "mode")
    email = (email or "").strip()
    if email and ("@" not in email or len(email) > 200 or " " in email):
        raise DiaryError(_l("This does not look like an e-mail address."), "email")
    if values["mode"] != "none" and not email:
        raise DiaryError(_l("Enter an e-mail address to receive notifications."), "email")
    pref = session.get(NotificationPreference, guardian.id)
    if pref is None:
        pref = NotificationPreference(guardian_id=guardian.id, school_id=guardian.school_id, mode="none",
                                      marks=True, absences=True, remarks=True, homework=False)
        session.add(pref)
        old_all = {}
    else:
        old_all = {f: getattr(pref, f) for f in PREFERENCE_FIELDS}
    new_values = {f: values[f] for f in PREFERENCE_FIELDS if f in values}
    for name, value in new_values.items():
        setattr(pref, name, value)
    pref.updated_at = datetime.now(UTC)
    old = {k: v for k, v in old_all.items() if new_values.get(k) != v} if old_all else {}
    new = {k: v for k, v in new_values.items() if old_all.get(k) != v}
    if email != (guardian.email or ""):
        old["email"], new["email"] = guardian.email or "", email
        guardian.email = email
    if not old_all:
        new["created"] = True
    if new:
        audit(session, school_id=guardian.school_id, action="diary.preferences.update",
              object_type="diary.preferences", object_id=guardian.id, old=old or None, new=new)


# --- the class teacher's weekly page -----------------------------------------------------------------

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
        .where(ClassMembership.class_id == class_id, ClassMembership.starts_on <= week_end,
               or_(ClassMembership.ends_on.is_(None), ClassMembership.ends_on >= week_start))
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


# --- the marks page ----------------------------------------------------------------------------------

@dataclass
class MarkItem:
    id: int
    date: date
    value: str
    work_type: str
    work_type_title: str
    weight: float
    comment: str


@dataclass
class SubjectMarks:
    subject_id: int
    subject: str
    teachers: list[str] = field(default_factory=list)
    marks: list[MarkItem] = field(default_factory=list)
    average: Average | None = None
    forecast: int | None = None
    final: str | None = None
    year_final: str | None = None

    @property
    def formula(self) -> str:
        """The weighted average with the numbers: (5×1 + 4×2) / (1 + 2) = 13 / 3 = 4,33."""
        if self.average is None or self.average.value is None:
            return ""
        terms = self.average.terms
        top = " + ".join(f"{_num(t.numeric)}×{_num(t.weight)}" for t in terms)
        bottom = " + ".join(_num(t.weight) for t in terms)
        return (f"({top}) / ({bottom}) = {_num(self.average.weighted_sum)} / {_num(self.average.total_weight)}"
                f" = {ru_number(self.average.value)}")


def _num(value: float) -> str:
    return f"{value:g}".replace(".", ",")


@dataclass
class MarksOverview:
    term: Term
    terms: list[Term]
    subjects: list[SubjectMarks]
    holidays: list[Holiday]
    tests: list[dict[str, Any]]
    weights: list[tuple[str, float]]
    rounding_rule: str
    class_teacher: str | None


def student_subgroups(session: Session, student_id: int) -> list[int]:
    return list(session.scalars(select(SubgroupMember.subgroup_id).where(SubgroupMember.student_id == student_id)))


def marks_overview(session: Session, school_id: int, student_id: int, class_id: int | None, term: Term,
                   gradebook: Mapping[str, Any], today: date, extra_tests: Iterable[dict[str, Any]] = ()
                   ) -> MarksOverview:
    """Every mark of the term by subject with its weighted average, forecast and final marks; the class's
    teachers, the year's terms and holidays, the tests ahead."""
    weights = work_type_weights(gradebook)
    titles = work_type_titles(gradebook)
    subgroups = student_subgroups(session, student_id)
    subjects: dict[int, SubjectMarks] = {}
    raw: dict[int, list[tuple[str, float | None, str]]] = defaultdict(list)
    if class_id is not None:
        for subject_id, subject, last, first, middle in session.execute(
                select(Subject.id, Subject.name, User.last_name, User.first_name, User.middle_name)
                .join(TeachingAssignment, TeachingAssignment.subject_id == Subject.id)
                .join(User, User.id == TeachingAssignment.teacher_id)
                .where(TeachingAssignment.class_id == class_id,
                       or_(TeachingAssignment.subgroup_id.is_(None), TeachingAssignment.subgroup_id.in_(subgroups)))
                .order_by(Subject.name)):
            item = subjects.setdefault(subject_id, SubjectMarks(subject_id, subject))
            name = short_name(last, first, middle)
            if name not in item.teachers:
                item.teachers.append(name)
    for mark_id, day, value, numeric, work_type, comment, subject_id, subject in session.execute(
            select(Mark.id, Lesson.date, Mark.value, Mark.numeric, Mark.work_type, Mark.comment, Subject.id,
                   Subject.name)
            .join(Lesson, Lesson.id == Mark.lesson_id).join(Subject, Subject.id == Lesson.subject_id)
            .where(Mark.student_id == student_id, Lesson.date >= term.starts_on, Lesson.date <= term.ends_on)
            .order_by(Lesson.date, Lesson.number, Mark.id)):
        item = subjects.setdefault(subject_id, SubjectMarks(subject_id, subject))
        item.marks.append(MarkItem(mark_id, day, value, work_type, titles.get(work_type, work_type),
                                   weights.get(work_type, 1.0) if numeric is not None else 0.0, comment or ""))
        raw[subject_id].append((value, numeric, work_type))
    year_classes = select(SchoolClass.id).where(SchoolClass.year_id == term.year_id)
    for subject_id, term_id, value in session.execute(
            select(FinalMark.subject_id, FinalMark.term_id, FinalMark.value)
            .where(FinalMark.student_id == student_id, FinalMark.class_id.in_(year_classes),
                   or_(FinalMark.term_id == term.id, FinalMark.term_id.is_(None)))):
        item = subjects.get(subject_id)
        if item is None:
            continue
        if term_id is None:
            item.year_final = value
        else:
            item.final = value
    for item in subjects.values():
        item.average = weighted_average(raw[item.subject_id], weights)
        item.forecast = forecast_mark(item.average.value, gradebook)
    terms = list(session.scalars(select(Term).where(Term.year_id == term.year_id).order_by(Term.number)))
    holidays = list(session.scalars(select(Holiday).where(Holiday.year_id == term.year_id).order_by(Holiday.starts_on)))
    tests: list[dict[str, Any]] = []
    if class_id is not None:
        for day, number, subject, work_type in session.execute(
                select(Lesson.date, Lesson.number, Subject.name, Lesson.control_work_type)
                .join(Subject, Subject.id == Lesson.subject_id)
                .where(Lesson.class_id == class_id, Lesson.control_work_type.is_not(None),
                       Lesson.date >= max(today, term.starts_on), Lesson.date <= term.ends_on,
                       or_(Lesson.subgroup_id.is_(None), Lesson.subgroup_id.in_(subgroups)))
                .order_by(Lesson.date, Lesson.number).limit(60)):
            tests.append({"date": day, "subject": subject, "title": titles.get(work_type, work_type),
                          "number": number})
    tests += [t for t in extra_tests if t.get("date") and t["date"] >= today]
    tests.sort(key=lambda t: (t["date"], t.get("number") or 0, t.get("subject", "")))
    teacher = None
    if class_id is not None:
        row = session.execute(select(User.last_name, User.first_name, User.middle_name)
                              .join(SchoolClass, SchoolClass.class_teacher_id == User.id)
                              .where(SchoolClass.id == class_id)).first()
        teacher = " ".join(p for p in row if p) if row else None
    return MarksOverview(term=term, terms=terms, subjects=sorted(subjects.values(), key=lambda s: s.subject),
                         holidays=holidays, tests=tests,
                         weights=[(w["title"], w["weight"]) for w in gradebook["work_types"]],
                         rounding_rule=rounding_rule_text(gradebook), class_teacher=teacher)


def current_term(session: Session, school_id: int, today: date, term_id: int | None = None) -> Term | None:
    """The chosen term of the current year, or the one today falls in (the nearest one in holidays)."""
    year_id = select(AcademicYear.id).where(AcademicYear.school_id == school_id, AcademicYear.is_current.is_(True))
    terms = list(session.scalars(select(Term).where(Term.year_id.in_(year_id)).order_by(Term.number)))
    if not terms:
        return None
    if term_id is not None:
        return next((t for t in terms if t.id == term_id), None)
    for t in terms:
        if t.starts_on <= today <= t.ends_on:
            return t
    past = [t for t in terms if t.ends_on < today]
    return past[-1] if past else terms[0]
