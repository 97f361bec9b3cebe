"""Посещаемость: lessons missed (excused and not) and late arrivals of a class for a range, by student, by
subject and week by week; without a class, every class of the school. All figures come from the
attendance plugin's ``summarize``, so they agree with the journal and the class teacher's week."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from core.toolkit import User, school_today
from plugins.attendance.public import AttendanceSummary, summarize, summarize_by_subject, summarize_classes
from plugins.reports import data, figures
from plugins.reports.library import common
from plugins.reports.library.class_teacher import weekly_attendance_chart
from plugins.reports.params import ReportParams, class_field, date_field
from plugins.reports.registry import ReportDefinition, user_scope
from plugins.reports.result import INT, PERCENT, TEXT, Chart, Column, Figure, ReportResult, Row, Series, Table


class AttendanceParams(ReportParams):
    class_id = class_field()
    start = date_field(_l("Period from"), days_ago=27)
    end = date_field(_l("Period to"), days_ago=0)


def _columns(first: Column) -> list[Column]:
    return [first, Column("lessons", _("Lessons"), INT, width=8), Column("missed", _("Missed"), INT, width=8),
            Column("excused", _("Of them excused"), INT, width=9), Column("unexcused", _("Unexcused"), INT, width=9),
            Column("late", _("Late"), INT, width=7), Column("missed_percent", _("Missed, %"), PERCENT, 1, width=9)]


def _values(items: list[AttendanceSummary]) -> dict[str, Any]:
    lessons = sum(s.lessons for s in items)
    missed = sum(s.missed for s in items)
    return {"lessons": lessons, "missed": missed, "excused": sum(s.excused for s in items),
            "unexcused": sum(s.unexcused for s in items), "late": sum(s.late for s in items),
            "missed_percent": figures.percent(missed, lessons)}


def _summary(values: dict[str, Any], students: int) -> list[Figure]:
    return [Figure("students", _("Students"), students, INT),
            Figure("missed", _("Lessons missed"), values["missed"], INT),
            Figure("excused", _("Of them excused"), values["excused"], INT),
            Figure("unexcused", _("Unexcused"), values["unexcused"], INT),
            Figure("late", _("Late arrivals"), values["late"], INT),
            Figure("missed_percent", _("Share of lessons missed, %"), values["missed_percent"], PERCENT)]


def run(session: Session, values: dict[str, Any], user: User) -> ReportResult:
    scope = user_scope(session, user)
    school_id = user.school_id
    today = school_today(school_id, session=session)
    start, end = values["start"], min(values["end"], today)  # lessons still to come are not missed yet
    class_id = values.get("class_id")
    settings = common.attendance_settings()
    period = common.period_text(start, end)
    if class_id is None:
        return _school(session, school_id, start, end, settings, period)

    info = data.classes(session, school_id, [class_id])[0]
    pupils = data.students(session, school_id, [class_id], start, end).get(class_id, [])
    ids = [s.id for s in pupils]
    allowed = scope.subjects_in(class_id)
    subjects = data.subjects(session, school_id)
    subject_ids = sorted({s for (_c, s) in data.teachers_by_class_subject(session, school_id, [class_id])})
    subject_ids = [s for s in subject_ids if allowed is None or s in allowed]
    by_subject = summarize_by_subject(session, settings, class_id, ids, start, end)  # three queries in all
    per_subject = {s: by_subject.get(s, {}) for s in subject_ids}
    if allowed is None:
        per_student = summarize(session, settings, class_id, ids, start, end)
    else:  # a subject teacher sees the lessons of their own subjects only
        per_student = {i: AttendanceSummary(i) for i in ids}
        for by_student in per_subject.values():
            for i, s in by_student.items():
                t = per_student[i]
                t.lessons += s.lessons
                t.missed += s.missed
                t.excused += s.excused
                t.late += s.late
                t.late_minutes += s.late_minutes

    rows = []
    for n, student in enumerate(pupils, 1):
        row = Row({"n": n, "student": student.short_name, **_values([per_student[student.id]])})
        if row.values["unexcused"]:
            row.styles["unexcused"] = "warn"
        rows.append(row)
    totals_values = _values(list(per_student.values()))
    total = Row({"n": None, "student": _("Total"), **totals_values}, style="total")
    subject_rows = []
    for subject_id, by_student in per_subject.items():
        row = Row({"subject": subjects[subject_id].name, **_values(list(by_student.values()))})
        subject_rows.append(row)
    charts = []
    weekly = weekly_attendance_chart(session, class_id, ids, start, end, _("Missed lessons by week"))
    if weekly and allowed is None:
        charts.append(weekly)
    notes = [_("Lessons are counted up to today; a student is counted only while in the class.")]
    if allowed is not None:
        notes.insert(0, _("Only the subjects you teach in this class are shown and counted."))
    student_columns = [Column("n", "№", INT, width=4), *_columns(Column("student", _("Student"), TEXT, width=24))]
    return ReportResult(
        title=_("Attendance"), subtitle=_("Class %(cls)s, %(period)s", cls=info.name, period=period),
        tables=[Table("students", _("By student"), student_columns, rows, [total]),
                Table("subjects", _("By subject"), _columns(Column("subject", _("Subject"), TEXT, width=24)),
                      subject_rows)],
        summary=_summary(totals_values, len(ids)), charts=charts, notes=notes)


def _school(session: Session, school_id: int, start: Any, end: Any, settings: Any, period: str) -> ReportResult:
    infos = data.classes(session, school_id)
    pupils = data.students(session, school_id, [c.id for c in infos], start, end)
    figures = summarize_classes(session, settings, {c.id: [s.id for s in pupils.get(c.id, [])] for c in infos},
                                start, end)  # three queries for the whole school
    rows, everyone = [], []
    for info in infos:
        ids = [s.id for s in pupils.get(info.id, [])]
        items = list(figures.get(info.id, {}).values())
        everyone += items
        row = Row({"class": info.name, "students": len(ids), **_values(items)})
        row.links["class"] = common.Link("report", {"key": "class_attendance", "class_id": info.id,
                                                    "start": start.isoformat(), "end": end.isoformat()})
        rows.append(row)
    totals_values = _values(everyone)
    total = Row({"class": _("School"), "students": len(everyone), **totals_values}, style="total")
    columns = _columns(Column("class", _("Class"), TEXT, width=8))
    columns.insert(1, Column("students", _("Students"), INT, width=8))
    chart = Chart("missed_by_class", "bar", _("Share of lessons missed by class"), [r.values["class"] for r in rows],
                  [Series(_("Missed, %"), [r.values["missed_percent"] for r in rows])], unit="%")
    return ReportResult(
        title=_("Attendance"), subtitle=_("Whole school, %(period)s", period=period),
        tables=[Table("classes", _("Classes"), columns, rows, [total])],
        summary=_summary(totals_values, len(everyone)), charts=[chart],
        notes=[_("Lessons are counted up to today; a student is counted only while in the class.")])


DEFINITION = ReportDefinition(
    key="class_attendance", title=_l("Attendance"), run=run, params=AttendanceParams, category="attendance",
    weight=40,
    description=_l("Lessons missed, excused and not, and late arrivals for a period: by student, by subject "
                   "and by week; without a class, every class of the school."))
