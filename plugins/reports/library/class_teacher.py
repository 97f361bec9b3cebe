"""Отчёт классного руководителя за период: the class's movement, progress and attendance for a term,
student by student and subject by subject: what the class teacher hands to the administration."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from core.toolkit import User, school_today
from plugins.attendance.public import summarize
from plugins.reports import data, figures
from plugins.reports.library import common
from plugins.reports.library.progress import distribution_chart, stats_figures
from plugins.reports.params import ReportParams, class_field, term_field
from plugins.reports.registry import CLASS, ReportDefinition, user_scope
from plugins.reports.result import (
    FLOAT,
    INT,
    PERCENT,
    TEXT,
    Chart,
    Column,
    Figure,
    ReportResult,
    Row,
    Series,
    Table,
)


class ClassTeacherParams(ReportParams):
    class_id = class_field(required=True)
    term_id = term_field()


def weekly_attendance_chart(session: Session, class_id: int, student_ids: list[int], start: Any, end: Any,
                            title: str) -> Chart | None:
    """Missed lessons week by week, excused and not (counted by the attendance plugin's ``summarize``)."""
    settings = common.attendance_settings()
    labels, excused, unexcused = [], [], []
    week = figures.week_start(start)
    while week <= end:
        first, last = max(week, start), min(week + timedelta(days=6), end)
        totals = summarize(session, settings, class_id, student_ids, first, last).values()
        labels.append(common.day(first)[:5])
        excused.append(float(sum(t.excused for t in totals)))
        unexcused.append(float(sum(t.unexcused for t in totals)))
        week += timedelta(days=7)
    if not labels:
        return None
    return Chart("attendance_by_week", "stacked", title, labels,
                 [Series(_("Excused"), excused), Series(_("Unexcused"), unexcused)], unit=_("lessons"))


def run(session: Session, values: dict[str, Any], user: User) -> ReportResult:
    scope = user_scope(session, user)
    school_id = user.school_id
    class_id = values["class_id"]
    term = common.resolve_term(session, values, school_id)
    today = school_today(school_id, session=session)
    end = data.period_end(term, today)
    sc = common.scale()
    cr = common.term_results(session, school_id, term, today, scope, [class_id])[0]
    subjects = data.subjects(session, school_id)
    everyone = data.students(session, school_id, [class_id], term.starts_on, end).get(class_id, [])
    at_start = [s for s in everyone if data.active_on(s, term.starts_on)]
    joined = [s for s in everyone if s.starts_on > term.starts_on]
    left = [s for s in everyone if s.ends_on is not None and s.ends_on < end]
    ids = [s.id for s in cr.students]
    att = summarize(session, common.attendance_settings(), class_id, ids, term.starts_on, end)

    columns = [
        Column("n", "№", INT, width=4), Column("student", _("Student"), TEXT, width=24),
        Column("category", _("Category"), TEXT, width=16), Column("average", _("Average"), FLOAT, 2, width=8),
        Column("threes", _("Subjects with 3"), TEXT, width=20),
        Column("failing", _("Failing subjects"), TEXT, width=20),
        Column("missed", _("Missed lessons"), INT, width=9), Column("excused", _("Of them excused"), INT, width=9),
        Column("unexcused", _("Unexcused"), INT, width=9), Column("late", _("Late"), INT, width=7),
    ]
    rows = []
    for n, student in enumerate(cr.students, 1):
        results = cr.results_of(student.id)
        category = figures.student_category(results, sc)
        threes, failing = [], []
        for subject_id in cr.subject_ids:
            cell = cr.cells.get((student.id, subject_id))
            if cell is None or cell.result is None:
                continue
            if cell.result == figures.NOT_CERTIFIED or sc.is_failing(cell.result):
                failing.append(f"{subjects[subject_id].short_name} ({cell.text})")
            elif isinstance(cell.result, int) and cell.result < sc.good_mark:
                threes.append(subjects[subject_id].short_name)
        a = att.get(student.id)
        row = Row({"n": n, "student": student.short_name,
                   "category": str(common.CATEGORY_TITLES[category]) if category else _("no marks"),
                   "average": figures.mean(r for r in results if isinstance(r, int)),
                   "threes": ", ".join(threes), "failing": ", ".join(failing),
                   "missed": a.missed if a else 0, "excused": a.excused if a else 0,
                   "unexcused": a.unexcused if a else 0, "late": a.late if a else 0})
        row.links["student"] = common.card_link(student.id, term.id)
        if category in common.CATEGORY_STYLES:
            row.styles["category"] = common.CATEGORY_STYLES[category]
        if failing:
            row.styles["failing"] = "bad"
        if a and a.unexcused:
            row.styles["unexcused"] = "warn"
        rows.append(row)
    total = Row({"n": None, "student": _("Total"),
                 "missed": sum(r.values["missed"] for r in rows), "excused": sum(r.values["excused"] for r in rows),
                 "unexcused": sum(r.values["unexcused"] for r in rows), "late": sum(r.values["late"] for r in rows)},
                style="total")

    teachers = data.user_names(session, [t for ts in cr.teachers.values() for t in ts])
    subject_columns = [
        Column("subject", _("Subject"), TEXT, width=24), Column("teacher", _("Teacher"), TEXT, width=22),
        Column("average", _("Average mark"), FLOAT, 2, width=9),
        Column("success", _("Progress rate, %"), PERCENT, 1, width=10),
        Column("quality", _("Quality, %"), PERCENT, 1, width=9), Column("sou", _("СОУ, %"), PERCENT, 1, width=8),
        Column("failing", _("Failing"), INT, width=8), Column("missed", _("Missed lessons"), INT, width=9),
    ]
    settings = common.attendance_settings()
    subject_rows = []
    for subject_id in cr.subject_ids:
        st = figures.progress_stats(cr.column(subject_id), sc)
        missed = sum(s.missed for s in summarize(session, settings, class_id, ids, term.starts_on, end,
                                                 subject_id=subject_id).values())
        row = Row({"subject": subjects[subject_id].name, "teacher": common.names(cr.teachers[subject_id], teachers),
                   "average": st.average, "success": st.success_percent, "quality": st.quality_percent,
                   "sou": st.sou_percent,
                   "failing": st.count(figures.FAILING) + st.count(figures.NOT_CERTIFIED_STUDENT),
                   "missed": missed})
        row.links["subject"] = common.journal_link(class_id, subject_id, term.id)
        if row.values["failing"]:
            row.styles["failing"] = "bad"
        subject_rows.append(row)

    stats = figures.progress_stats(cr.by_student(), sc)
    missed_total = total.values["missed"]
    summary = [
        Figure("at_start", _("Students at the start of the term"), len(at_start), INT),
        Figure("at_end", _("Students at the end of the period"), len(cr.students), INT),
        Figure("joined", _("Joined during the term"), len(joined), INT),
        Figure("left", _("Left during the term"), len(left), INT),
        *stats_figures(stats),
        Figure("missed", _("Lessons missed"), missed_total, INT),
        Figure("excused", _("Of them excused"), total.values["excused"], INT),
        Figure("unexcused", _("Unexcused"), total.values["unexcused"], INT),
        Figure("late", _("Late arrivals"), total.values["late"], INT),
        Figure("missed_per_student", _("Lessons missed per student"),
               round(missed_total / len(ids), 1) if ids else None, FLOAT, 1),
    ]
    charts = [distribution_chart(stats.marks, sc, _("Distribution of results"))]
    weekly = weekly_attendance_chart(session, class_id, ids, term.starts_on, end, _("Missed lessons by week"))
    if weekly:
        charts.append(weekly)
    notes = [_("Results: the final mark where it is set, otherwise the forecast from the current marks.")]
    if scope.subjects_in(class_id) is not None:
        notes.insert(0, _("Only the subjects you teach in this class are shown and counted."))
    return ReportResult(
        title=_("Class teacher's report"),
        subtitle=_("Class %(cls)s, %(term)s (%(period)s)", cls=cr.info.name, term=term.title,
                   period=common.period_text(term.starts_on, end)),
        tables=[Table("students", _("Students"), columns, rows, [total]),
                Table("subjects", _("Subjects"), subject_columns, subject_rows)],
        summary=summary, charts=charts, notes=notes)


DEFINITION = ReportDefinition(
    key="class_teacher_report", title=_l("Class teacher's report"), run=run, params=ClassTeacherParams,
    scope=CLASS, category="progress", weight=20,
    description=_l("The class for a term: movement of students, progress by student and by subject, "
                   "missed lessons; for the administration."))
