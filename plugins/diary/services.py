"""The diary's rules about people: remarks, acknowledgements, the visit log and notification preferences.
Plain functions over a Session; no Flask. The class teacher's weekly page is ``monitoring``, the marks
page ``marks``."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    AcademicYear,
    ClassMembership,
    GuardianLink,
    Role,
    SchoolClass,
    ServiceError,
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
    NotificationPreference,
    Remark,
)


class DiaryError(ServiceError, ValueError):
    """A refused action; ``message`` is a lazy translated text, ``field`` the form field it is about.
    The toolkit's ``ServiceError``: one no view catches gets the core's one answer."""

    def __init__(self, message: Any, field_name: str | None = None) -> None:
        super().__init__(message, field=field_name)

    def translated(self) -> str:
        return str(self.message)


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
            .where(ClassMembership.class_id.in_(class_ids), ClassMembership.active_on(today))
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
        ClassMembership.student_id == student_id, ClassMembership.active_on(today)))
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


# --- the term a page shows ---------------------------------------------------------------------------

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
