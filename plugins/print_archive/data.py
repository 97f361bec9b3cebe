"""Everything a class's year journal prints, read once, in a fixed number of queries per class.

The renderer, the fingerprint and the faithfulness check all work from this one structure, so what
is checked is exactly what was printed. Columns are selected (never whole entities) because a
full-size school reads half a million marks for its year-end print.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    AcademicYear,
    ClassMembership,
    School,
    SchoolClass,
    Subgroup,
    SubgroupMember,
    Subject,
    TeachingAssignment,
    Term,
    User,
    school_zone,
)
from plugins.gradebook.public import FinalMark, Homework, Lesson, Mark


@dataclass(frozen=True)
class StudentRow:
    id: int
    last_name: str
    first_name: str
    middle_name: str
    birth_date: date | None
    joined: date | None  # set when the student came after the year started
    left: date | None  # set when the student left before the year ended

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        return f"{self.last_name} {self.first_name}"


@dataclass(frozen=True)
class LessonRow:
    id: int
    date: date
    number: int
    topic: str
    homework: str
    teacher_id: int


@dataclass
class Unit:
    """One subject of the class, or one subgroup of it: a section of the paper journal."""

    subject_id: int
    subject_name: str
    subgroup_id: int | None
    subgroup_name: str
    teacher_ids: list[int]
    students: list[StudentRow]
    lessons: list[LessonRow] = field(default_factory=list)
    # (student_id, lesson_id) -> marks as written, in the order given; attendance code per cell.
    marks: dict[tuple[int, int], list[tuple[str, str]]] = field(default_factory=dict)
    attendance: dict[tuple[int, int], str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.subject_id}:{self.subgroup_id or 0}"

    @property
    def title(self) -> str:
        return f"{self.subject_name} ({self.subgroup_name})" if self.subgroup_id else self.subject_name


@dataclass(frozen=True)
class TermRow:
    id: int
    number: int
    title: str
    starts_on: date
    ends_on: date


@dataclass
class ClassYearData:
    school_id: int
    school_name: str
    school_short_name: str
    school_address: str
    principal_name: str
    timezone: str
    class_id: int
    class_name: str
    grade_level: int
    letter: str
    year_id: int
    year_title: str
    year_starts_on: date
    year_ends_on: date
    class_teacher_name: str
    through: date
    snapshot_at: datetime
    students: list[StudentRow]
    terms: list[TermRow]
    subjects: list[tuple[int, str]]  # of the summary sheet, in curriculum order
    units: list[Unit]
    teachers: dict[int, str]  # id -> «Иванова А. С.»
    final_marks: dict[tuple[int, int, int | None], str]  # (student, subject, term or None for the year)
    # student_id -> term_id (None: the year) -> (missed, excused, late); filled by services (attendance).
    attendance_summary: dict[int, dict[int | None, tuple[int, int, int]]] = field(default_factory=dict)


def short_name(last: str, first: str, middle: str) -> str:
    initials = "".join(f" {p[0]}." for p in (first, middle) if p)
    return f"{last}{initials}"


def load_class_year(session: Session, class_id: int, now: datetime, through: date | None = None,
                    lessons: bool = True) -> ClassYearData:
    """Read the class's year: students, subjects and subgroups, lessons up to ``through`` (by default
    the earlier of today at the school and the year's last day), marks, attendance, final marks.
    ``lessons=False`` leaves out lessons, marks and attendance (the summary sheet needs none)."""
    from plugins.attendance.public import AttendanceMark

    school_class = session.get(SchoolClass, class_id)
    if school_class is None:
        raise LookupError(f"no class {class_id}")
    year = session.get(AcademicYear, school_class.year_id)
    school = session.get(School, school_class.school_id)
    assert year is not None and school is not None
    if through is None:
        through = min(year.ends_on, now.astimezone(school_zone(school.id, session=session)).date())
    class_teacher = session.get(User, school_class.class_teacher_id) if school_class.class_teacher_id else None

    # Students of the year, with when they came and left (a transfer keeps the old class's history).
    spans: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    people: dict[int, tuple[str, str, str, date | None]] = {}
    for sid, last, first, middle, birth, starts, ends in session.execute(
        select(User.id, User.last_name, User.first_name, User.middle_name, User.birth_date,
               ClassMembership.starts_on, ClassMembership.ends_on)
        .join(ClassMembership, ClassMembership.student_id == User.id)
        .where(ClassMembership.class_id == class_id,
               ClassMembership.active_between(year.starts_on, year.ends_on))
    ):
        spans[sid].append((starts, ends))
        people[sid] = (last, first, middle, birth)
    students = []
    for sid, (last, first, middle, birth) in people.items():
        first_day = min(s for s, _e in spans[sid])
        ends = [e for _s, e in spans[sid]]
        last_day = None if any(e is None for e in ends) else max(e for e in ends if e is not None)
        students.append(StudentRow(
            sid, last, first, middle, birth,
            joined=first_day if first_day > year.starts_on else None,
            left=last_day if last_day is not None and last_day < year.ends_on else None,
        ))
    students.sort(key=lambda s: (s.last_name, s.first_name, s.middle_name, s.id))
    by_id = {s.id: s for s in students}

    terms = [TermRow(t.id, t.number, t.title, t.starts_on, t.ends_on) for t in session.scalars(
        select(Term).where(Term.year_id == year.id).order_by(Term.number))]

    # Subjects and subgroups: from the teaching assignments, plus any that only have lessons left.
    assignments = session.execute(
        select(TeachingAssignment.subject_id, TeachingAssignment.subgroup_id, TeachingAssignment.teacher_id)
        .where(TeachingAssignment.class_id == class_id)
        .order_by(TeachingAssignment.id)
    ).all()
    lesson_rows = [] if not lessons else session.execute(
        select(Lesson.id, Lesson.subject_id, Lesson.subgroup_id, Lesson.date, Lesson.number, Lesson.topic,
               Lesson.teacher_id, Homework.text.label("homework"))
        .outerjoin(Homework, Homework.lesson_id == Lesson.id)
        .where(Lesson.class_id == class_id, Lesson.date <= through, Lesson.date >= year.starts_on)
        .order_by(Lesson.date, Lesson.number, Lesson.id)
    ).all()
    unit_keys: dict[tuple[int, int | None], list[int]] = {}
    for subject_id, subgroup_id, teacher_id in assignments:
        unit_keys.setdefault((subject_id, subgroup_id), [])
        if teacher_id not in unit_keys[(subject_id, subgroup_id)]:
            unit_keys[(subject_id, subgroup_id)].append(teacher_id)
    for row in lesson_rows:
        unit_keys.setdefault((row.subject_id, row.subgroup_id), [row.teacher_id])
    subject_ids = {k[0] for k in unit_keys}
    final_rows = session.execute(
        select(FinalMark.student_id, FinalMark.subject_id, FinalMark.term_id, FinalMark.value)
        .where(FinalMark.class_id == class_id)
    ).all()
    subject_ids |= {r.subject_id for r in final_rows}
    subject_names = dict(session.execute(select(Subject.id, Subject.name).where(Subject.id.in_(subject_ids))).all())
    subgroup_names = dict(session.execute(select(Subgroup.id, Subgroup.name).where(Subgroup.class_id == class_id)).all())
    members: dict[int, set[int]] = defaultdict(set)
    for sg, sid in session.execute(
        select(SubgroupMember.subgroup_id, SubgroupMember.student_id)
        .join(Subgroup, Subgroup.id == SubgroupMember.subgroup_id).where(Subgroup.class_id == class_id)
    ):
        members[sg].add(sid)

    units: dict[tuple[int, int | None], Unit] = {}
    for (subject_id, subgroup_id), teacher_ids in sorted(
        unit_keys.items(), key=lambda kv: (kv[0][0], subgroup_names.get(kv[0][1] or 0, ""))
    ):
        pupils = [s for s in students if s.id in members[subgroup_id]] if subgroup_id else students
        units[(subject_id, subgroup_id)] = Unit(subject_id, subject_names.get(subject_id, "?"), subgroup_id,
                                                subgroup_names.get(subgroup_id or 0, ""), teacher_ids, pupils)
    lesson_unit: dict[int, Unit] = {}
    for row in lesson_rows:
        unit = units[(row.subject_id, row.subgroup_id)]
        unit.lessons.append(LessonRow(row.id, row.date, row.number, row.topic or "", row.homework or "",
                                      row.teacher_id))
        lesson_unit[row.id] = unit

    for lesson_id, student_id, value, work_type in [] if not lessons else session.execute(
        select(Mark.lesson_id, Mark.student_id, Mark.value, Mark.work_type)
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .where(Lesson.class_id == class_id, Lesson.date <= through, Lesson.date >= year.starts_on)
        .order_by(Mark.id)
    ):
        unit = lesson_unit.get(lesson_id)
        if unit is not None:
            unit.marks.setdefault((student_id, lesson_id), []).append((value, work_type))
    for lesson_id, student_id, code in [] if not lessons else session.execute(
        select(AttendanceMark.lesson_id, AttendanceMark.student_id, AttendanceMark.code)
        .join(Lesson, Lesson.id == AttendanceMark.lesson_id)
        .where(Lesson.class_id == class_id, Lesson.date <= through, Lesson.date >= year.starts_on)
    ):
        unit = lesson_unit.get(lesson_id)
        if unit is not None:
            unit.attendance[(student_id, lesson_id)] = code
    # A student who appears only through marks (moved between subgroups) is still listed in the unit.
    for unit in units.values():
        listed = {s.id for s in unit.students}
        extra = {sid for sid, _l in list(unit.marks) + list(unit.attendance)} - listed
        if extra:
            unit.students = sorted(unit.students + [by_id[s] for s in extra if s in by_id],
                                   key=lambda s: (s.last_name, s.first_name, s.middle_name, s.id))

    teacher_ids = {t for u in units.values() for t in u.teacher_ids} | {row.teacher_id for row in lesson_rows}
    teachers = {tid: short_name(last, first, middle) for tid, last, first, middle in session.execute(
        select(User.id, User.last_name, User.first_name, User.middle_name).where(User.id.in_(teacher_ids)))}

    ordered_subjects = sorted(subject_ids, key=lambda s: s)
    return ClassYearData(
        school_id=school.id, school_name=school.name, school_short_name=school.short_name,
        school_address=school.address, principal_name=school.principal_name, timezone=school.timezone,
        class_id=class_id, class_name=school_class.name, grade_level=school_class.grade_level,
        letter=school_class.letter, year_id=year.id, year_title=year.title, year_starts_on=year.starts_on,
        year_ends_on=year.ends_on,
        class_teacher_name=class_teacher.full_name if class_teacher else "",
        through=through, snapshot_at=now, students=students, terms=terms,
        subjects=[(s, subject_names.get(s, "?")) for s in ordered_subjects],
        units=list(units.values()), teachers=teachers,
        final_marks={(r.student_id, r.subject_id, r.term_id): r.value for r in final_rows},
    )


def principal_short(data: ClassYearData) -> str:
    parts = data.principal_name.split()
    return short_name(parts[0], parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else "") \
        if parts else ""


def attendance_codes_for_grid(settings: dict[str, Any] | None) -> dict[str, str]:
    """code -> kind, for the grid legend; the attendance plugin's settings when it is there."""
    if not settings:
        return {}
    return {c["code"]: c["kind"] for c in settings.get("codes", [])}
