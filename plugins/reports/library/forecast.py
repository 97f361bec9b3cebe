"""Прогноз итоговых отметок: the final mark each student's current average leads to in each subject, and
the students at risk of a failing or "not certified" mark while there is still time to help."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from core.toolkit import Term, User, school_today
from plugins.attendance.public import summarize_classes
from plugins.reports import data, figures
from plugins.reports.library import common
from plugins.reports.params import ReportParams, class_field, term_field
from plugins.reports.registry import ReportDefinition, UserScope, user_scope
from plugins.reports.result import (
    FLOAT,
    INT,
    MARK,
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


class ForecastParams(ReportParams):
    class_id = class_field()
    term_id = term_field()


@dataclass(frozen=True)
class AtRisk:
    class_id: int
    class_name: str
    student_id: int
    student: str
    subject_id: int
    risk: str
    marks: int
    average: float | None
    forecast: int | None
    teacher_ids: tuple[int, ...]


def forecasts(session: Session, school_id: int, term: Term, today: date, scope: UserScope,
              class_ids: list[int] | None) -> tuple[list[common.ClassResults], list[AtRisk], int]:
    """Forecasts from the current marks (final marks ignored) and the risky ones; also the marks expected
    by today (the term's minimum in proportion to the part of the term gone)."""
    settings = common.reports_settings()
    gb = common.gradebook_settings()
    results = common.term_results(session, school_id, term, today, scope, class_ids, use_finals=False)
    expected = figures.expected_marks(settings["risk_min_marks"], term.starts_on, term.ends_on, today)
    threshold = figures.pass_threshold(gb, settings["pass_mark"])
    risky = []
    for cr in results:
        for student in cr.students:
            for subject_id in cr.subject_ids:
                cell = cr.cells[(student.id, subject_id)]
                forecast = cell.result if isinstance(cell.result, int) else None
                risk = figures.forecast_risk(cell.average, cell.marks, forecast, min_marks=expected,
                                             pass_mark=settings["pass_mark"], threshold=threshold,
                                             margin=settings["risk_margin"])
                if risk:
                    risky.append(AtRisk(cr.info.id, cr.info.name, student.id, student.short_name, subject_id, risk,
                                        cell.marks, cell.average, forecast, tuple(cr.teachers.get(subject_id, ()))))
    order = {figures.RISK_FAILING: 0, figures.RISK_NOT_CERTIFIED: 1, figures.RISK_BORDERLINE: 2}
    grade = {cr.info.id: (cr.info.grade_level, cr.info.letter) for cr in results}
    risky.sort(key=lambda r: (grade[r.class_id], r.student, order[r.risk], r.subject_id))
    return results, risky, expected


def run(session: Session, values: dict[str, Any], user: User) -> ReportResult:
    scope = user_scope(session, user)
    school_id = user.school_id
    term = common.resolve_term(session, values, school_id)
    today = school_today(school_id, session=session)
    end = data.period_end(term, today)
    class_id = values.get("class_id")
    results, risky, expected = forecasts(session, school_id, term, today, scope, [class_id] if class_id else None)
    subjects = data.subjects(session, school_id)
    people = data.user_names(session, {t for r in risky for t in r.teacher_ids})
    settings = common.attendance_settings()
    risky_classes = {r.class_id for r in risky}
    by_class = summarize_classes(session, settings, {cr.info.id: [s.id for s in cr.students] for cr in results
                                                     if cr.info.id in risky_classes}, term.starts_on, end)
    missed: dict[int, float | None] = {sid: s.missed_percent for figures_ in by_class.values()
                                       for sid, s in figures_.items()}

    columns = [Column("class", _("Class"), TEXT, width=7), Column("student", _("Student"), TEXT, width=24),
               Column("subject", _("Subject"), TEXT, width=22), Column("teacher", _("Teacher"), TEXT, width=22),
               Column("marks", _("Marks"), INT, width=7), Column("average", _("Weighted average"), FLOAT, 2, width=9),
               Column("forecast", _("Forecast"), MARK, width=8), Column("risk", _("Risk"), TEXT, width=28),
               Column("missed", _("Missed, % of all lessons"), PERCENT, 1, width=10)]
    rows = []
    for r in risky:
        row = Row({"class": r.class_name, "student": r.student, "subject": subjects[r.subject_id].name,
                   "teacher": common.names(r.teacher_ids, people), "marks": r.marks, "average": r.average,
                   "forecast": r.forecast, "risk": str(common.RISK_TITLES[r.risk]), "missed": missed.get(r.student_id)})
        row.styles["risk"] = "warn" if r.risk == figures.RISK_BORDERLINE else "bad"
        row.links["subject"] = common.journal_link(r.class_id, r.subject_id, term.id)
        row.links["student"] = common.card_link(r.student_id, term.id)
        rows.append(row)
    counts = Counter(r.risk for r in risky)
    forecast_marks: Counter[Any] = Counter()
    for cr in results:
        for cell in cr.cells.values():
            if cell.result is not None:
                forecast_marks[cell.result] += 1
    sc = common.scale()
    labels = [str(m) for m in range(sc.high, sc.low - 1, -1)]
    chart = Chart("forecast_distribution", "bar", _("Forecast marks"), labels,
                  [Series(_("Forecasts"), [float(forecast_marks.get(m, 0)) for m in range(sc.high, sc.low - 1, -1)])],
                  unit=_("number of marks"))
    summary = [
        Figure("students", _("Students at risk"), len({r.student_id for r in risky}), INT),
        Figure("failing", str(common.RISK_TITLES[figures.RISK_FAILING]), counts[figures.RISK_FAILING], INT),
        Figure("not_certified", str(common.RISK_TITLES[figures.RISK_NOT_CERTIFIED]),
               counts[figures.RISK_NOT_CERTIFIED], INT),
        Figure("borderline", str(common.RISK_TITLES[figures.RISK_BORDERLINE]), counts[figures.RISK_BORDERLINE], INT),
        Figure("expected", _("Marks expected by now in each subject"), expected, INT),
    ]
    where = next((cr.info.name for cr in results if cr.info.id == class_id), "") if class_id else _("whole school")
    return ReportResult(
        title=_("Forecast of final marks"), subtitle=_("%(where)s, %(term)s", where=where, term=term.title),
        tables=[Table("at_risk", _("Students at risk"), columns, rows,
                      empty_text=_("Nobody is at risk in this term."))],
        summary=summary, charts=[chart],
        notes=[_("Forecast: the final mark the current weighted average leads to by the school's rounding rule."),
               _("\"Too few marks\": fewer marks than the term's minimum in proportion to the part of the term "
                 "gone; \"on the edge\": a pass forecast whose average is close to the pass threshold.")])


DEFINITION = ReportDefinition(
    key="final_forecast", title=_l("Forecast of final marks"), run=run, params=ForecastParams,
    category="progress", weight=35,
    description=_l("The final marks the current averages lead to, and the students at risk of a failing or "
                   "\"not certified\" mark."))
