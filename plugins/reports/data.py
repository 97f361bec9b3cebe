"""Loading what reports count, for a class or the whole school, in a few queries each.

Every loader selects columns (never entities) and takes whole sets of classes at once, so a report's
number of queries does not grow with the number of students. No Flask here: the benchmark and the
weekly e-mails call these with a bare session.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from core.toolkit import (
    AcademicYear,
    ClassMembership,
    SchoolClass,
    SubgroupMember,
    Subject,
    TeachingAssignment,
    Term,
    User,
)
from plugins.gradebook.averages import Average, average_from_sums, work_type_weights
from plugins.gradebook.public import FinalMark, Lesson, Mark

MarkTuple = tuple[str, float | None, str]  # (value, numeric, work_type): what gradebook's average takes


# --- time ------------------------------------------------------------------------------------------------

def current_year_id(session: Session, school_id: int) -> int | None:
    return session.scalar(select(AcademicYear.id).where(AcademicYear.school_id == school_id,
                                                        AcademicYear.is_current.is_(True)))


def current_term(session: Session, school_id: int, today: date) -> Term | None:
    """The term running today; between terms the last one that started; before the first, the first."""
    year_id = current_year_id(session, school_id)
    if year_id is None:
        return None
    terms = list(session.scalars(select(Term).where(Term.year_id == year_id).order_by(Term.number)))
    started = [t for t in terms if t.starts_on <= today]
    return started[-1] if started else (terms[0] if terms else None)


def terms_of_current_year(session: Session, school_id: int) -> list[Term]:
    year_id = current_year_id(session, school_id)
    if year_id is None:
        return []
    return list(session.scalars(select(Term).where(Term.year_id == year_id).order_by(Term.number)))


def period_end(term: Term, today: date) -> date:
    """The last day that counts: the term's end, or today while the term runs."""
    return min(term.ends_on, today)


# --- structure ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClassInfo:
    id: int
    grade_level: int
    letter: str
    class_teacher_id: int | None

    @property
    def name(self) -> str:
        return f"{self.grade_level}{self.letter}"


@dataclass(frozen=True)
class StudentInfo:
    id: int
    class_id: int
    last_name: str
    first_name: str
    middle_name: str
    starts_on: date
    ends_on: date | None

    @property
    def short_name(self) -> str:
        initials = "".join(f" {p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name}{initials}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


def classes(session: Session, school_id: int, class_ids: Iterable[int] | None = None) -> list[ClassInfo]:
    """Classes of the current year (or the given ones), in journal order: 1А, 1Б, ..., 11Г."""
    query = select(SchoolClass.id, SchoolClass.grade_level, SchoolClass.letter, SchoolClass.class_teacher_id) \
        .where(SchoolClass.school_id == school_id)
    if class_ids is not None:
        query = query.where(SchoolClass.id.in_(list(class_ids)))
    else:
        query = query.where(SchoolClass.year_id == current_year_id(session, school_id))
    rows = session.execute(query.order_by(SchoolClass.grade_level, SchoolClass.letter)).all()
    return [ClassInfo(r.id, r.grade_level, r.letter, r.class_teacher_id) for r in rows]


def students(session: Session, school_id: int, class_ids: Iterable[int] | None, start: date,
             end: date) -> dict[int, list[StudentInfo]]:
    """Students who were in each class at any time between two dates (one query), sorted by name."""
    query = (
        select(ClassMembership.class_id, ClassMembership.starts_on, ClassMembership.ends_on, User.id,
               User.last_name, User.first_name, User.middle_name)
        .join(User, User.id == ClassMembership.student_id)
        .where(ClassMembership.school_id == school_id, ClassMembership.active_between(start, end))
        .order_by(User.last_name, User.first_name, User.middle_name, User.id)
    )
    if class_ids is not None:
        query = query.where(ClassMembership.class_id.in_(list(class_ids)))
    out: dict[int, list[StudentInfo]] = defaultdict(list)
    for r in session.connection().execute(query):
        out[r.class_id].append(StudentInfo(r.id, r.class_id, r.last_name, r.first_name, r.middle_name or "",
                                           r.starts_on, r.ends_on))
    return out


@dataclass(frozen=True)
class SubjectInfo:
    id: int
    name: str
    short_name: str


def subjects(session: Session, school_id: int) -> dict[int, SubjectInfo]:
    """The school's subjects in curriculum order (the order they were created)."""
    rows = session.execute(select(Subject.id, Subject.name, Subject.short_name)
                           .where(Subject.school_id == school_id).order_by(Subject.id))
    return {r.id: SubjectInfo(r.id, r.name, r.short_name or r.name) for r in rows}


def teachers_by_class_subject(session: Session, school_id: int,
                              class_ids: Iterable[int] | None = None) -> dict[tuple[int, int], list[int]]:
    """(class, subject) -> the teachers assigned (two for a subject split into subgroups)."""
    query = select(TeachingAssignment.class_id, TeachingAssignment.subject_id, TeachingAssignment.teacher_id) \
        .where(TeachingAssignment.school_id == school_id).order_by(TeachingAssignment.id)
    if class_ids is not None:
        query = query.where(TeachingAssignment.class_id.in_(list(class_ids)))
    out: dict[tuple[int, int], list[int]] = defaultdict(list)
    for class_id, subject_id, teacher_id in session.execute(query):
        if teacher_id not in out[(class_id, subject_id)]:
            out[(class_id, subject_id)].append(teacher_id)
    return out


def user_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Short names («Иванова А. С.») of users, one query."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.last_name, User.first_name, User.middle_name)
                           .where(User.id.in_(wanted)))
    out = {}
    for r in rows:
        initials = "".join(f" {p[0]}." for p in (r.first_name, r.middle_name) if p)
        out[r.id] = f"{r.last_name}{initials}"
    return out


# --- marks ------------------------------------------------------------------------------------------------

def final_marks(session: Session, school_id: int, term_id: int | None,
                class_ids: Iterable[int] | None = None) -> dict[tuple[int, int, int], tuple[str, float | None]]:
    """(class, student, subject) -> (value, numeric) of the final marks of a term (None: of the year)."""
    query = select(FinalMark.class_id, FinalMark.student_id, FinalMark.subject_id, FinalMark.value,
                   FinalMark.numeric).where(FinalMark.school_id == school_id)
    query = query.where(FinalMark.term_id.is_(None) if term_id is None else FinalMark.term_id == term_id)
    if class_ids is not None:
        query = query.where(FinalMark.class_id.in_(list(class_ids)))
    return {(c, st, su): (v, n) for c, st, su, v, n in session.connection().execute(query)}


def final_marks_of_student(session: Session, student_id: int) -> dict[tuple[int | None, int], str]:
    """(term id or None for the year, subject) -> value, for one student."""
    rows = session.execute(select(FinalMark.term_id, FinalMark.subject_id, FinalMark.value)
                           .where(FinalMark.student_id == student_id))
    return {(r.term_id, r.subject_id): r.value for r in rows}


@dataclass(frozen=True)
class MarkSums:
    """A student's marks in a subject: the gradebook's ``Average`` of them (shown number and forecast,
    built by ``average_from_sums`` from Σ(mark·weight) and Σ(weight)) and how many there are."""

    average: Average
    count: int


def term_mark_sums(session: Session, school_id: int, start: date, end: date, gradebook: Mapping[str, Any],
                   class_ids: Iterable[int] | None = None) -> dict[tuple[int, int, int], MarkSums]:
    """(class, student, subject) -> the sums of the numeric marks between two dates, in one query.

    The gradebook's weighted average Σ(mark·weight)/Σ(weight) is summed by the database with the weights
    of the gradebook's settings (``work_type_weights``; an unknown work type weighs 1, as in
    ``gradebook.averages.average_of``), so the whole school's term comes back as one row per student
    and subject; ``average_from_sums`` turns the sums into the number and forecast every page shows.
    ``tests/plugins/reports`` checks the result equals ``average_of`` mark by mark.
    """
    weights = work_type_weights(gradebook)
    weight = case({code: float(w) for code, w in weights.items()}, value=Mark.work_type, else_=1.0) \
        if weights else literal(1.0)
    query = (
        select(Lesson.class_id, Mark.student_id, Lesson.subject_id, func.sum(Mark.numeric * weight),
               func.sum(weight), func.count())
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .where(Lesson.school_id == school_id, Lesson.date >= start, Lesson.date <= end,
               Mark.school_id == school_id, Mark.numeric.is_not(None))
        .group_by(Lesson.class_id, Mark.student_id, Lesson.subject_id)
    )
    if class_ids is not None:
        query = query.where(Lesson.class_id.in_(list(class_ids)))
    return {(c, st, su): MarkSums(average_from_sums(ws, w, gradebook), n)
            for c, st, su, ws, w, n in session.connection().execute(query)}


@dataclass(frozen=True)
class DatedMark:
    date: date
    subject_id: int
    value: str
    numeric: float | None
    work_type: str
    student_id: int


def dated_marks(session: Session, school_id: int, start: date, end: date, class_id: int,
                student_id: int | None = None) -> list[DatedMark]:
    """Marks of a class (or one of its students) with their lesson dates, oldest first: weekly charts, cards."""
    query = (
        select(Lesson.date, Lesson.subject_id, Mark.value, Mark.numeric, Mark.work_type, Mark.student_id)
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .where(Lesson.school_id == school_id, Lesson.class_id == class_id, Lesson.date >= start,
               Lesson.date <= end)
        .order_by(Lesson.date, Lesson.number, Mark.id)
    )
    if student_id is not None:
        query = query.where(Mark.student_id == student_id)
    return [DatedMark(*r) for r in session.execute(query)]


# --- lessons -------------------------------------------------------------------------------------------------

def lessons(session: Session, school_id: int, start: date, end: date, class_ids: Iterable[int] | None = None,
            extra: Iterable[Any] = ()) -> list[Any]:
    """Lessons between two dates in date order (plus any ``extra`` columns of ``Lesson``)."""
    query = (
        select(Lesson.id, Lesson.class_id, Lesson.subgroup_id, Lesson.subject_id, Lesson.teacher_id, Lesson.date,
               Lesson.number, *extra)
        .where(Lesson.school_id == school_id, Lesson.date >= start, Lesson.date <= end)
        .order_by(Lesson.date, Lesson.number, Lesson.id)
    )
    if class_ids is not None:
        query = query.where(Lesson.class_id.in_(list(class_ids)))
    return list(session.connection().execute(query))


def subgroup_members(session: Session, school_id: int, class_ids: Iterable[int] | None = None) -> dict[int, set[int]]:
    """subgroup -> its students (one query)."""
    from core.toolkit import Subgroup

    query = select(SubgroupMember.subgroup_id, SubgroupMember.student_id) \
        .join(Subgroup, Subgroup.id == SubgroupMember.subgroup_id).where(Subgroup.school_id == school_id)
    if class_ids is not None:
        query = query.where(Subgroup.class_id.in_(list(class_ids)))
    out: dict[int, set[int]] = defaultdict(set)
    for subgroup_id, student_id in session.execute(query):
        out[subgroup_id].add(student_id)
    return out


def marks_per_lesson_and_student(session: Session, lesson_ids: list[int]) -> dict[tuple[int, int], int]:
    """(lesson, student) -> number of marks (special codes included: a mark is a mark)."""
    out: dict[tuple[int, int], int] = {}
    for offset in range(0, len(lesson_ids), 5000):  # keep IN lists within every engine's limits
        chunk = lesson_ids[offset:offset + 5000]
        for lesson_id, student_id, n in session.connection().execute(
            select(Mark.lesson_id, Mark.student_id, func.count()).where(Mark.lesson_id.in_(chunk))
            .group_by(Mark.lesson_id, Mark.student_id)
        ):
            out[(lesson_id, student_id)] = n
    return out


def student_in_lesson(student: StudentInfo, lesson: Any, members: dict[int, set[int]]) -> bool:
    """Should the student have been at this lesson: a member of the class that day and, for a subgroup
    lesson, of the subgroup."""
    if lesson.date < student.starts_on or (student.ends_on is not None and lesson.date > student.ends_on):
        return False
    return lesson.subgroup_id is None or student.id in members.get(lesson.subgroup_id, ())


def active_on(student: StudentInfo, day: date) -> bool:
    return student.starts_on <= day and (student.ends_on is None or student.ends_on >= day)
