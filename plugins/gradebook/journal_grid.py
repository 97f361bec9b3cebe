"""The journal grid's data: the context of a journal, its students, lessons, marks, averages and
who may fill which lesson, in a fixed handful of queries whatever the size of the class."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from operator import itemgetter
from typing import Any

from sqlalchemy import Date, and_, bindparam, case, exists, func, null, or_, select, true
from sqlalchemy.orm import Session, aliased

from core.toolkit import (
    N_,
    ClassMembership,
    SchoolClass,
    Subgroup,
    SubgroupMember,
    Subject,
    TeachingAssignment,
    Term,
    User,
)
from plugins.gradebook.averages import Average, averages_of_counts
from plugins.gradebook.editing import Editor
from plugins.gradebook.errors import EditRefused, GradebookError
from plugins.gradebook.journal import Journal, JournalExtra, JournalLesson, JournalStudent
from plugins.gradebook.models import FinalMark, Homework, Lesson, Mark


@dataclass(frozen=True)
class JournalContext:
    """The names and dates around one grid, and how the viewer relates to it (one query)."""

    school_id: int
    class_id: int
    class_name: str
    year_id: int
    subject_id: int
    subject_name: str
    term_id: int
    term_title: str
    term_starts_on: date
    term_ends_on: date
    term_closes_on: date
    subgroup_id: int | None
    subgroup_name: str | None
    assigned: bool  # the viewer has a teaching assignment for this class and subject (and subgroup)
    teaches_lessons: bool  # the viewer gives at least one lesson of this grid (a substitute, say)
    split_subgroup_id: int | None  # the subject is taught in subgroups: the viewer's own, else the first
    prev_term_id: int | None = None
    next_term_id: int | None = None


_STATEMENTS: dict[tuple[str, bool], Any] = {}


def _statement(name: str, with_subgroup: bool) -> Any:
    """The grid's statements are built once with bind parameters: building a SELECT with its joins and
    subqueries costs more Python time than SQLite spends running it."""
    key = (name, with_subgroup)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = _BUILDERS[name](with_subgroup)
    return _STATEMENTS[key]


def _context_columns(with_subgroup: bool) -> list[Any]:
    """The journal's names, dates and the viewer's relation to it, as columns of one SELECT."""
    ta = TeachingAssignment
    viewer, class_id, subject_id = bindparam("viewer_id"), bindparam("class_id"), bindparam("subject_id")
    subgroup_id = bindparam("subgroup_id")
    assigned = exists().where(
        ta.teacher_id == viewer, ta.class_id == class_id, ta.subject_id == subject_id,
        (ta.subgroup_id == subgroup_id) if with_subgroup else true())
    teaches = exists().where(
        Lesson.teacher_id == viewer, Lesson.class_id == class_id, Lesson.subject_id == subject_id,
        Lesson.date >= Term.starts_on, Lesson.date <= Term.ends_on,
        (Lesson.subgroup_id == subgroup_id) if with_subgroup else true())
    own_split = select(func.min(ta.subgroup_id)).where(
        ta.class_id == class_id, ta.subject_id == subject_id, ta.subgroup_id.is_not(None),
        ta.teacher_id == viewer).scalar_subquery()
    any_split = select(func.min(ta.subgroup_id)).where(
        ta.class_id == class_id, ta.subject_id == subject_id, ta.subgroup_id.is_not(None)).scalar_subquery()
    other = aliased(Term)
    prev_term = select(other.id).where(other.year_id == Term.year_id, other.number == Term.number - 1) \
        .scalar_subquery()
    next_term = select(other.id).where(other.year_id == Term.year_id, other.number == Term.number + 1) \
        .scalar_subquery()
    return [SchoolClass.grade_level, SchoolClass.letter, SchoolClass.year_id, Subject.name, Term.title,
            Term.starts_on, Term.ends_on, Term.closes_on,
            Subgroup.id if with_subgroup else null(), Subgroup.name if with_subgroup else null(),
            case((assigned, 1), else_=0), case((teaches, 1), else_=0), func.coalesce(own_split, any_split),
            prev_term, next_term]


CONTEXT_WIDTH = 15


def _context_from(query: Any, with_subgroup: bool) -> Any:
    query = (
        query.select_from(SchoolClass)
        .join(Subject, and_(Subject.id == bindparam("subject_id"), Subject.school_id == bindparam("school_id")))
        .join(Term, and_(Term.id == bindparam("term_id"), Term.year_id == SchoolClass.year_id))
        .where(SchoolClass.id == bindparam("class_id"), SchoolClass.school_id == bindparam("school_id"))
    )
    if with_subgroup:
        query = query.join(Subgroup, and_(Subgroup.id == bindparam("subgroup_id"),
                                          Subgroup.class_id == SchoolClass.id))
    return query


def _context_statement(with_subgroup: bool) -> Any:
    return _context_from(select(*_context_columns(with_subgroup)), with_subgroup)


def _opening_statement(with_subgroup: bool) -> Any:
    """The context and, joined to it, the students with their final marks of the term: one row per
    student (one row of NULL students for an empty class), so the journal opens in one query.

    The context is a one-row derived table with LIMIT 1, so SQLite computes its subqueries once rather
    than once per student (a LIMIT keeps it from flattening the derived table into the join).
    """
    labels = [f"c{i}" for i in range(CONTEXT_WIDTH)]
    context = _context_from(
        select(*(c.label(n) for c, n in zip(_context_columns(with_subgroup), labels, strict=True)),
               SchoolClass.id.label("class_id"), Subject.id.label("subject_id"), Term.id.label("term_id")),
        with_subgroup).limit(1).subquery("journal")
    cm, user = ClassMembership.__table__, User.__table__
    membership = [cm.c.class_id == context.c.class_id, cm.c.starts_on <= context.c.c6,
                  or_(cm.c.ends_on.is_(None), cm.c.ends_on >= context.c.c5)]
    if with_subgroup:
        membership.append(cm.c.student_id.in_(select(SubgroupMember.student_id).where(
            SubgroupMember.subgroup_id == bindparam("subgroup_id"))))
    # Flat outer joins (not "LEFT JOIN (a JOIN b)"): SQLite would materialise the nested join of every
    # membership of the school instead of using the class's index.
    return (
        select(*(context.c[n] for n in labels), user.c.id, user.c.last_name, user.c.first_name,
               user.c.middle_name, cm.c.starts_on, cm.c.ends_on, FinalMark.id, FinalMark.value,
               FinalMark.version, FinalMark.forecast, FinalMark.reason)
        .select_from(context)
        .outerjoin(cm, and_(*membership))
        .outerjoin(user, user.c.id == cm.c.student_id)
        .outerjoin(FinalMark, and_(FinalMark.student_id == user.c.id, FinalMark.class_id == context.c.class_id,
                                   FinalMark.subject_id == context.c.subject_id,
                                   FinalMark.term_id == context.c.term_id))
        .order_by(user.c.last_name, user.c.first_name, user.c.middle_name, user.c.id)
    )


def _context_of(row: Any, school_id: int, class_id: int, subject_id: int, term_id: int) -> JournalContext:
    return JournalContext(
        school_id=school_id, class_id=class_id, class_name=f"{row[0]}{row[1]}", year_id=row[2],
        subject_id=subject_id, subject_name=row[3], term_id=term_id, term_title=row[4], term_starts_on=row[5],
        term_ends_on=row[6], term_closes_on=row[7], subgroup_id=row[8], subgroup_name=row[9],
        assigned=bool(row[10]), teaches_lessons=bool(row[11]), split_subgroup_id=row[12], prev_term_id=row[13],
        next_term_id=row[14])


def _params(school_id: int, viewer_id: int | None, class_id: int, subject_id: int, term_id: int,
            subgroup_id: int | None) -> dict[str, Any]:
    params = {"school_id": school_id, "viewer_id": viewer_id or 0, "class_id": class_id, "subject_id": subject_id,
              "term_id": term_id}
    if subgroup_id:
        params["subgroup_id"] = subgroup_id
    return params


def journal_context(session: Session, school_id: int, viewer_id: int | None, class_id: int, subject_id: int,
                    term_id: int, subgroup_id: int | None = None) -> JournalContext | None:
    """Everything a journal page needs to know before loading the grid, in one query; None if any of
    class, subject, term (of the class's year) or subgroup (of the class) is not this school's."""
    row = session.connection().execute(
        _statement("context", bool(subgroup_id)),
        _params(school_id, viewer_id, class_id, subject_id, term_id, subgroup_id)).one_or_none()
    return None if row is None else _context_of(row, school_id, class_id, subject_id, term_id)


def open_journal(session: Session, school_id: int, viewer_id: int | None, class_id: int, subject_id: int,
                 term_id: int, subgroup_id: int | None = None) -> JournalOpening | None:
    """The context of a journal with its students and their term final marks, in one query (None: not
    found). Check the viewer's access on ``opening.context`` before showing anything of it."""
    rows = session.connection().execute(
        _statement("opening", bool(subgroup_id)),
        _params(school_id, viewer_id, class_id, subject_id, term_id, subgroup_id)).fetchall()
    if not rows:
        return None
    ctx = _context_of(rows[0], school_id, class_id, subject_id, term_id)
    students, finals = _students_of(((r[CONTEXT_WIDTH:]) for r in rows if r[CONTEXT_WIDTH] is not None), ctx)
    return JournalOpening(ctx, students, finals)


@dataclass(frozen=True)
class JournalOpening:
    context: JournalContext
    students: list[JournalStudent]
    finals: dict[int, JournalFinal]


# A mark in the grid: (id, value, numeric, work_type, version, comment); tuples keep 1,200 of them cheap.
GridMark = tuple[int, str, float | None, str, int, str]
# A mark as the grid's query returns it: (lesson_id, id, student_id, value, numeric, work_type, version, comment).
MarkRow = tuple[int, int, int, str, float | None, str, int, str]


@dataclass
class JournalFinal:
    id: int
    value: str
    version: int
    forecast: float | None
    reason: str


@dataclass
class JournalGrid:
    """The journal page's data: the hook contract (``journal``) plus what the gradebook shows itself.

    The marks are kept as the query returned them (``mark_rows``, in no order): the page writes its
    cells straight from them in one pass; ``marks`` groups them by cell for the API, on demand.
    """

    context: JournalContext
    journal: Journal
    homework: dict[int, str]
    lesson_subgroup: dict[int, int | None]
    mark_rows: list[MarkRow]
    averages: dict[int, Average]  # student_id -> the row's average; its ``forecast`` is the row's forecast
    finals: dict[int, JournalFinal]
    refusals: dict[int, GradebookError | None]  # lesson_id -> why the viewer may not enter marks
    extras: list[JournalExtra] = field(default_factory=list)

    @cached_property
    def marks(self) -> dict[tuple[int, int], list[GridMark]]:
        """(student_id, lesson_id) -> the cell's marks in the order they were given (by id)."""
        marks: dict[tuple[int, int], list[GridMark]] = {}
        for lid, mid, sid, value, numeric, wt, version, comment in self.mark_rows:
            cell = marks.get((sid, lid))
            if cell is None:
                marks[(sid, lid)] = [(mid, value, numeric, wt, version, comment)]
            else:
                cell.append((mid, value, numeric, wt, version, comment))
                cell.sort()
        return marks

    def attends(self, student: JournalStudent, lesson: JournalLesson) -> bool:
        """Was the student in the class on the lesson's day? (Transfers keep the old class's history.)"""
        return (student.active_from is None or lesson.date >= student.active_from) and (
            student.active_until is None or lesson.date <= student.active_until)


def _students_statement(with_subgroup: bool) -> Any:
    start, end = bindparam("start", type_=Date), bindparam("end", type_=Date)
    query = (
        select(User.id, User.last_name, User.first_name, User.middle_name, ClassMembership.starts_on,
               ClassMembership.ends_on, FinalMark.id, FinalMark.value, FinalMark.version, FinalMark.forecast,
               FinalMark.reason)
        .join(ClassMembership, ClassMembership.student_id == User.id)
        .outerjoin(FinalMark, and_(FinalMark.student_id == User.id, FinalMark.class_id == bindparam("class_id"),
                                   FinalMark.subject_id == bindparam("subject_id"),
                                   FinalMark.term_id == bindparam("term_id")))
        .where(ClassMembership.class_id == bindparam("class_id"), ClassMembership.active_between(start, end))
        .order_by(User.last_name, User.first_name, User.middle_name, User.id)
    )
    if with_subgroup:
        query = query.join(SubgroupMember, and_(SubgroupMember.student_id == User.id,
                                                SubgroupMember.subgroup_id == bindparam("subgroup_id")))
    return query


def _lesson_filter(with_subgroup: bool) -> list[Any]:
    where = [Lesson.class_id == bindparam("class_id"), Lesson.subject_id == bindparam("subject_id"),
             Lesson.date >= bindparam("start", type_=Date), Lesson.date <= bindparam("end", type_=Date)]
    if with_subgroup:
        where.append(or_(Lesson.subgroup_id == bindparam("subgroup_id"), Lesson.subgroup_id.is_(None)))
    return where


def _lessons_statement(with_subgroup: bool) -> Any:
    return (
        select(Lesson.id, Lesson.date, Lesson.number, Lesson.topic, Lesson.teacher_id, Lesson.control_work_type,
               Lesson.subgroup_id, Homework.text)
        .outerjoin(Homework, Homework.lesson_id == Lesson.id)
        .where(*_lesson_filter(with_subgroup))
        .order_by(Lesson.date, Lesson.number, Lesson.id)
    )


def _marks_statement(with_subgroup: bool) -> Any:
    """The grid's marks: the same rows as the benchmark's raw query, no lesson text repeated per mark, no
    sort (a cell's one or two marks are put in order in Python). Ints, floats and strings only: read
    as plain tuples (``_tuples``)."""
    return (
        select(Mark.lesson_id, Mark.id, Mark.student_id, Mark.value, Mark.numeric, Mark.work_type, Mark.version,
               Mark.comment)
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .where(*_lesson_filter(with_subgroup))
    )


_BUILDERS = {"context": _context_statement, "opening": _opening_statement, "students": _students_statement,
             "lessons": _lessons_statement, "marks": _marks_statement}


def _grid_params(ctx: JournalContext) -> dict[str, Any]:
    params = {"class_id": ctx.class_id, "subject_id": ctx.subject_id, "term_id": ctx.term_id,
              "start": ctx.term_starts_on, "end": ctx.term_ends_on}
    if ctx.subgroup_id:
        params["subgroup_id"] = ctx.subgroup_id
    return params


def _students_of(rows: Iterable[Any], ctx: JournalContext) -> tuple[list[JournalStudent], dict[int, JournalFinal]]:
    start, end = ctx.term_starts_on, ctx.term_ends_on
    spans: dict[int, list[Any]] = {}
    names: dict[int, str] = {}
    finals: dict[int, JournalFinal] = {}
    for sid, last, first, middle, starts, ends, fid, fvalue, fversion, fforecast, freason in rows:
        if sid not in spans:
            names[sid] = last + "".join(f" {p[0]}." for p in (first, middle) if p)
            spans[sid] = [starts, ends]
        else:  # left and came back: one row, the widest span
            span = spans[sid]
            span[0] = min(span[0], starts)
            span[1] = None if span[1] is None or ends is None else max(span[1], ends)
        if fid is not None:
            finals[sid] = JournalFinal(fid, fvalue, fversion, fforecast, freason)
    students = [
        JournalStudent(sid, names[sid], span[0] if span[0] > start else None,
                       span[1] if span[1] is not None and span[1] < end else None)
        for sid, span in spans.items()
    ]
    return students, finals


def _students_with_finals(session: Session, ctx: JournalContext) -> tuple[list[JournalStudent], dict[int, JournalFinal]]:
    rows = session.connection().execute(_statement("students", bool(ctx.subgroup_id)), _grid_params(ctx)).fetchall()
    return _students_of(rows, ctx)


def load_journal(session: Session, settings: Mapping[str, Any], viewer: Editor, ctx: JournalContext | JournalOpening
                 ) -> JournalGrid:
    """Students, lessons, marks, averages, forecasts, final marks and other plugins' cells of one grid.

    Given a ``JournalOpening`` (``open_journal``: context and students in one query), two more queries
    (lessons with homework; marks); given a bare ``JournalContext``, three. Plus what
    ``extra_journal_columns`` implementations spend (one each, by contract), whatever the size. Each
    row's average and forecast come from ``averages.averages_of_counts`` (decimal, half-up), the arithmetic
    of ``average_of`` that the explanation page, the diary and the reports call, so no page can show
    another number.
    """
    if isinstance(ctx, JournalOpening):
        ctx, students, finals = ctx.context, ctx.students, ctx.finals
    else:
        students, finals = _students_with_finals(session, ctx)
    connection = session.connection()
    params = _grid_params(ctx)
    with_subgroup = bool(ctx.subgroup_id)
    lessons: list[JournalLesson] = []
    homework: dict[int, str] = {}
    lesson_subgroup: dict[int, int | None] = {}
    for lid, day, number, topic, teacher_id, control, sg, hw in connection.execute(
            _statement("lessons", with_subgroup), params).fetchall():
        lessons.append(JournalLesson(lid, day, number, topic, teacher_id, control))
        lesson_subgroup[lid] = sg
        if hw:
            homework[lid] = hw
    mark_rows = _tuples(connection, _statement("marks", with_subgroup), params)
    averages = averages_of_counts(_counts(mark_rows, students), settings)
    refusals = _lesson_refusals(session, settings, viewer, lessons)
    journal = Journal(school_id=ctx.school_id, class_id=ctx.class_id, subject_id=ctx.subject_id,
                      term_id=ctx.term_id, subgroup_id=ctx.subgroup_id, students=students, lessons=lessons,
                      editable=any(r is None for r in refusals.values()))
    extras: list[JournalExtra] = []
    if viewer.hooks is not None:
        for contributed in viewer.hooks.extra_journal_columns(session=session, journal=journal):
            extras.extend(contributed or ())
    extras.sort(key=lambda e: (e.weight, e.key))
    return JournalGrid(ctx, journal, homework, lesson_subgroup, mark_rows, averages, finals, refusals, extras)


def _tuples(connection: Any, statement: Any, params: dict[str, Any]) -> list[Any]:
    """Run a statement through Core (its compiled cache, the engine's events and statement counts) and
    read its rows as the driver's plain tuples: SQLAlchemy's ``Row`` objects cost about 0.2 ms per 1,200
    marks. Only for statements none of whose columns needs a result type processor (ints, floats and
    strings on every engine; not dates, which SQLite returns as text)."""
    result = connection.execute(statement, params)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


_STUDENT_NUMERIC_TYPE = itemgetter(2, 4, 5)  # of a MarkRow


def _counts(rows: list[MarkRow], students: list[JournalStudent]) -> dict[int, dict[tuple[float, str], int]]:
    """Per student of the grid, how many marks of each (numeric value, work type) the row holds: what
    ``averages.average_of_counts`` (the arithmetic of ``average_of``) needs. Counted at C speed (a
    ``Counter`` over each row's (student, numeric, work type)): a per-mark Python loop costs more.
    Special codes (no numeric value) and marks of students not in the grid are not counted."""
    counted: dict[int, dict[tuple[float, str], int]] = {s.id: {} for s in students}
    for (sid, numeric, wt), count in Counter(map(_STUDENT_NUMERIC_TYPE, rows)).items():
        row = counted.get(sid)
        if row is not None and numeric is not None:
            row[(numeric, wt)] = count
    return counted


def _lesson_refusals(session: Session, settings: Mapping[str, Any], viewer: Editor,
                     lessons: list[JournalLesson]) -> dict[int, GradebookError | None]:
    """Per lesson, why the viewer may not enter marks (None: they may). The ``register_lesson_editors`` hook is
    asked only about other teachers' lessons inside the edit window, so a teacher's own journal costs
    no query and a substitute's at most one per recent lesson."""
    out: dict[int, GradebookError | None] = {}
    window = settings["edit_window_days"]
    future = EditRefused(N_("The lesson has not taken place yet: marks are given on the day of the lesson "
                            "or later."))
    readonly = EditRefused(N_("You may view this journal but not change it."))
    other = EditRefused(N_("Only the teacher of this lesson (or the substitute) may change it."))
    asks = viewer.hooks is not None and bool(viewer.hooks.register_lesson_editors.get_hookimpls())
    lesson_rows: dict[int, Lesson] | None = None
    for lesson in lessons:
        if lesson.date > viewer.today:
            out[lesson.id] = future
        elif viewer.may_edit_any:
            out[lesson.id] = None
        elif not viewer.may_edit:
            out[lesson.id] = readonly
        elif (viewer.today - lesson.date).days > window:
            out[lesson.id] = EditRefused(
                N_("Marks may be changed within %(days)d days after the lesson; this lesson was on %(date)s. "
                   "Ask the deputy principal to correct it."),
                days=window, date=lesson.date.strftime("%d.%m.%Y")) if lesson.teacher_id == viewer.user_id \
                else other
        elif lesson.teacher_id == viewer.user_id:
            out[lesson.id] = None
        elif asks:
            if lesson_rows is None:
                recent = [x.id for x in lessons if x.teacher_id != viewer.user_id
                          and 0 <= (viewer.today - x.date).days <= window]
                lesson_rows = {x.id: x for x in session.scalars(select(Lesson).where(Lesson.id.in_(recent)))}
            out[lesson.id] = None if viewer.substitutes(session, lesson_rows[lesson.id]) else other
        else:
            out[lesson.id] = other
    return out
