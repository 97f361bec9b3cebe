"""Карточка учащегося: one student's marks, averages, forecasts and final marks by subject, the year's
final marks term by term, missed lessons, and the weekly average against the class's."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import ClassMembership, User, school_today
from plugins.attendance.public import summarize
from plugins.gradebook.averages import average_of
from plugins.reports import data
from plugins.reports.library import common
from plugins.reports.library.progress import weekly_average_chart
from plugins.reports.params import ReportParams, student_field, term_field
from plugins.reports.registry import STUDENT, ReportDefinition, ReportNotFound, user_scope
from plugins.reports.result import FLOAT, INT, MARK, TEXT, Column, Figure, ReportResult, Row, Table


class StudentCardParams(ReportParams):
    student_id = student_field()
    term_id = term_field()


def _class_of(session: Session, student_id: int, day: Any, may: Any) -> int | None:
    """The student's class on the day if the user may see it, else the last class of theirs the user may."""
    rows = session.execute(select(ClassMembership.class_id, ClassMembership.starts_on, ClassMembership.ends_on)
                           .where(ClassMembership.student_id == student_id)
                           .order_by(ClassMembership.starts_on)).all()
    for r in rows:
        if r.starts_on <= day and (r.ends_on is None or r.ends_on >= day) and may(r.class_id):
            return r.class_id
    allowed = [r.class_id for r in rows if may(r.class_id)]
    return allowed[-1] if allowed else None


def run(session: Session, values: dict[str, Any], user: User) -> ReportResult:
    scope = user_scope(session, user)
    school_id = user.school_id
    student_id = values["student_id"]
    term = common.resolve_term(session, values, school_id)
    today = school_today(school_id, session=session)
    end = data.period_end(term, today)
    class_id = _class_of(session, student_id, end, scope.may_class)
    student = session.get(User, student_id)
    if class_id is None or student is None:
        raise ReportNotFound()
    info = data.classes(session, school_id, [class_id])[0]
    gb = common.gradebook_settings()
    allowed = scope.subjects_in(class_id)
    subjects = data.subjects(session, school_id)
    teachers = data.teachers_by_class_subject(session, school_id, [class_id])
    class_marks = data.dated_marks(session, school_id, term.starts_on, end, class_id)
    own = [m for m in class_marks if m.student_id == student_id]
    finals = data.final_marks_of_student(session, student_id)
    terms = data.terms_of_current_year(session, school_id)
    subject_ids = sorted({s for (_c, s) in teachers} | {m.subject_id for m in own}
                         | {s for (_t, s) in finals})
    subject_ids = [s for s in subject_ids if s in subjects and (allowed is None or s in allowed)]
    people = data.user_names(session, [t for ts in teachers.values() for t in ts])
    att_settings = common.attendance_settings()

    columns = [Column("subject", _("Subject"), TEXT, width=22), Column("teacher", _("Teacher"), TEXT, width=20),
               Column("marks", _("Marks of the term"), TEXT, width=28), Column("count", _("Marks"), INT, width=7),
               Column("average", _("Weighted average"), FLOAT, 2, width=9),
               Column("forecast", _("Forecast"), MARK, width=8)]
    columns += [Column(f"t{t.id}", t.title, MARK, width=9) for t in terms]
    columns += [Column("year", _("Year"), MARK, width=7), Column("missed", _("Missed lessons"), INT, width=9),
                Column("excused", _("Of them excused"), INT, width=9)]
    by_subject: dict[int, list[data.DatedMark]] = defaultdict(list)
    for m in own:
        by_subject[m.subject_id].append(m)
    rows = []
    all_missed = all_excused = 0
    for subject_id in subject_ids:
        marks = by_subject.get(subject_id, [])
        average = average_of([(m.value, m.numeric, m.work_type) for m in marks], gb)
        forecast = average.forecast
        att = summarize(session, att_settings, class_id, [student_id], term.starts_on, end,
                        subject_id=subject_id).get(student_id)
        row = Row({"subject": subjects[subject_id].name,
                   "teacher": common.names(teachers.get((class_id, subject_id), []), people),
                   "marks": " ".join(m.value for m in marks), "count": sum(1 for m in marks if m.numeric is not None),
                   "average": average.value, "forecast": forecast,
                   "year": finals.get((None, subject_id)),
                   "missed": att.missed if att else 0, "excused": att.excused if att else 0})
        for t in terms:
            row.values[f"t{t.id}"] = finals.get((t.id, subject_id))
        row.links["subject"] = common.journal_link(class_id, subject_id, term.id)
        if forecast is not None and forecast < common.reports_settings()["pass_mark"]:
            row.styles["forecast"] = "bad"
        all_missed += row.values["missed"]
        all_excused += row.values["excused"]
        rows.append(row)

    own_numeric = [(m.value, m.numeric, m.work_type) for m in own if m.numeric is not None]
    overall = average_of(own_numeric, gb).value
    summary = [
        Figure("class", _("Class"), info.name),
        Figure("marks", _("Marks of the term"), len(own_numeric), INT),
        Figure("average", _("Weighted average of all marks"), overall, FLOAT, 2),
        Figure("missed", _("Lessons missed"), all_missed, INT),
        Figure("excused", _("Of them excused"), all_excused, INT),
    ]
    visible = set(subject_ids)
    chart = weekly_average_chart(
        own, gb, _("Average mark by week"),
        series=[(student.short_name, [m for m in own if m.subject_id in visible]),
                (_("Class %(cls)s", cls=info.name), [m for m in class_marks if m.subject_id in visible])])
    notes = [_("Forecast: the final mark the current weighted average leads to by the school's rounding rule.")]
    if allowed is not None:
        notes.insert(0, _("Only the subjects you teach in this class are shown and counted."))
    return ReportResult(
        title=_("Student's card"),
        subtitle=_("%(name)s, class %(cls)s, %(term)s", name=student.full_name, cls=info.name, term=term.title),
        tables=[Table("subjects", _("Subjects"), columns, rows)], summary=summary,
        charts=[chart] if chart else [], notes=notes)


DEFINITION = ReportDefinition(
    key="student_card", title=_l("Student's card"), run=run, params=StudentCardParams, scope=STUDENT,
    category="progress", weight=30, subscribable=False,
    description=_l("One student: marks, averages and forecasts by subject, final marks of every term, "
                   "missed lessons, the weekly average against the class."))

