"""Сводная ведомость успеваемости: a class's students × subjects for a term, or every class of the school,
with the categories of students, успеваемость, качество знаний, the average mark and СОУ."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from core.toolkit import User, school_today
from plugins.gradebook.averages import average_of
from plugins.reports import data, figures
from plugins.reports.library import common
from plugins.reports.params import ReportParams, class_field, term_field
from plugins.reports.registry import ReportDefinition, user_scope
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


class ProgressParams(ReportParams):
    term_id = term_field()
    class_id = class_field()


def stats_figures(stats: figures.ProgressStats) -> list[Figure]:
    """The key figures of a group, in the order a Russian school report lists them."""
    return [
        Figure("students", _("Students assessed"), stats.students, INT),
        Figure("excellent", _("Excellent (only 5)"), stats.count(figures.EXCELLENT), INT),
        Figure("good", _("Good (4 and 5)"), stats.count(figures.GOOD), INT),
        Figure("one_three", _("With one 3"), stats.count(figures.ONE_THREE), INT),
        Figure("failing", _("Failing"), stats.count(figures.FAILING), INT),
        Figure("not_certified", _("Not certified"), stats.count(figures.NOT_CERTIFIED_STUDENT), INT),
        Figure("success", _("Progress rate (успеваемость), %"), stats.success_percent, PERCENT),
        Figure("quality", _("Quality of knowledge, %"), stats.quality_percent, PERCENT),
        Figure("average", _("Average mark"), stats.average, FLOAT, 2),
        Figure("sou", _("Degree of learning (СОУ), %"), stats.sou_percent, PERCENT),
    ]


def distribution_chart(marks: Counter[Any], scale: figures.Scale, title: str) -> Chart:
    labels = [str(m) for m in range(scale.high, scale.low - 1, -1)] + ["н/а"]
    values = [float(marks.get(m, 0)) for m in range(scale.high, scale.low - 1, -1)]
    values.append(float(marks.get(figures.NOT_CERTIFIED, 0)))
    values[scale.high - scale.pass_mark + 1] += marks.get(figures.FAIL, 0)  # незач shows with the 2s
    return Chart("distribution", "bar", title, labels, [Series(_("Results"), values)], unit=_("number of marks"))


def weekly_average_chart(marks: list[data.DatedMark], gradebook: Mapping[str, Any], title: str,
                         series: list[tuple[str, list[data.DatedMark]]] | None = None) -> Chart | None:
    """The weighted average of all marks week by week (one line per series)."""
    groups = series or [(_("Class"), marks)]
    weeks = sorted({figures.week_start(m.date) for _name, ms in groups for m in ms})
    if not weeks:
        return None
    lines = []
    for name, ms in groups:
        by_week: dict[Any, list[data.MarkTuple]] = defaultdict(list)
        for m in ms:
            if m.numeric is not None:
                by_week[figures.week_start(m.date)].append((m.value, m.numeric, m.work_type))
        values = []
        for w in weeks:
            values.append(average_of(by_week[w], gradebook).value if by_week.get(w) else None)
        lines.append(Series(name, values))
    low = min((v for s in lines for v in s.values if v is not None), default=2.0)
    high = common.scale().high
    return Chart("weekly_average", "line", title, [common.day(w)[:5] for w in weeks], lines,
                 y_min=float(max(0, int(low) - 1)), y_max=float(high))


def run(session: Session, values: dict[str, Any], user: User) -> ReportResult:
    scope = user_scope(session, user)
    school_id = user.school_id
    term = common.resolve_term(session, values, school_id)
    today = school_today(school_id, session=session)
    class_id = values.get("class_id")
    sc = common.scale()
    results = common.term_results(session, school_id, term, today, scope, [class_id] if class_id else None)
    if class_id:
        return _class_report(session, school_id, results[0], term, today, sc,
                             scope.subjects_in(class_id) is not None)
    return _school_report(results, term, today, sc)


def _class_report(session: Session, school_id: int, cr: common.ClassResults, term: Any, today: Any,
                  sc: figures.Scale, narrowed: bool) -> ReportResult:
    subjects = data.subjects(session, school_id)
    columns = [Column("n", "№", INT, width=4), Column("student", _("Student"), TEXT, width=24)]
    columns += [Column(f"s{s}", subjects[s].short_name, MARK, width=6) for s in cr.subject_ids]
    columns += [Column("average", _("Average"), FLOAT, 2, width=8), Column("category", _("Category"), TEXT, width=18)]
    rows = []
    for n, student in enumerate(cr.students, 1):
        row = Row({"n": n, "student": student.short_name})
        row.links["student"] = common.card_link(student.id, term.id)
        for subject_id in cr.subject_ids:
            cell = cr.cells.get((student.id, subject_id))
            key = f"s{subject_id}"
            row.values[key] = cell.text if cell else None
            row.links[key] = common.journal_link(cr.info.id, subject_id, term.id)
            if cell and cell.result is not None:
                failing = cell.result == figures.NOT_CERTIFIED or sc.is_failing(cell.result)
                # A forecast stays a forecast when it is failing too: "bad forecast" is red AND italic.
                row.styles[key] = " ".join(k for k, on in (("bad", failing), ("forecast", cell.forecast)) if on)
                if not row.styles[key]:
                    del row.styles[key]
        results = cr.results_of(student.id)
        row.values["average"] = figures.mean(r for r in results if isinstance(r, int))
        category = figures.student_category(results, sc)
        row.values["category"] = str(common.CATEGORY_TITLES[category]) if category else _("no marks")
        if category in common.CATEGORY_STYLES:
            row.styles["category"] = common.CATEGORY_STYLES[category]
        rows.append(row)

    totals = []
    per_subject = {s: figures.progress_stats(cr.column(s), sc) for s in cr.subject_ids}
    for label, attr, kind, decimals in ((_("Average mark"), "average", FLOAT, 2),
                                        (_("Progress rate, %"), "success_percent", PERCENT, 1),
                                        (_("Quality, %"), "quality_percent", PERCENT, 1),
                                        (_("СОУ, %"), "sou_percent", PERCENT, 1)):
        total = Row({"n": None, "student": label}, style="total", type=kind, decimals=decimals)
        for s, st in per_subject.items():
            total.values[f"s{s}"] = getattr(st, attr)
        totals.append(total)
    stats = figures.progress_stats(cr.by_student(), sc)
    totals[0].values["average"] = stats.average
    for total in totals[1:]:  # the average column of a percentage line: the class's figure
        total.values["average"] = None

    gb = common.gradebook_settings()
    marks = data.dated_marks(session, school_id, term.starts_on, data.period_end(term, today), cr.info.id)
    if narrowed:
        marks = [m for m in marks if m.subject_id in cr.subject_ids]
    charts = [distribution_chart(stats.marks, sc, _("Distribution of results"))]
    weekly = weekly_average_chart(marks, gb, _("Average mark by week"))
    if weekly:
        charts.append(weekly)
    notes = [_("A final mark is shown where it is set; otherwise the forecast from the current marks "
               "(in italics)."),
             _("СОУ = (100·n5 + 64·n4 + 36·n3 + 16·n2 + 7·n(1 and н/а)) / N, where n are the numbers of such "
               "results and N all results.")]
    if narrowed:
        notes.insert(0, _("Only the subjects you teach in this class are shown and counted."))
    title = _("Class progress for a term")
    return ReportResult(
        title=title, subtitle=_("Class %(cls)s, %(term)s", cls=cr.info.name, term=term.title),
        tables=[Table("students", _("Students and subjects"), columns, rows, totals)],
        summary=stats_figures(stats), charts=charts, notes=notes)


def _school_report(results: list[common.ClassResults], term: Any, today: Any, sc: figures.Scale) -> ReportResult:
    columns = [
        Column("class", _("Class"), TEXT, width=8),
        Column("students", _("Students"), INT, width=9),
        Column("excellent", _("On 5"), INT, width=7),
        Column("good", _("On 4 and 5"), INT, width=9),
        Column("one_three", _("With one 3"), INT, width=9),
        Column("failing", _("Failing"), INT, width=9),
        Column("not_certified", _("Not certified"), INT, width=9),
        Column("success", _("Progress rate, %"), PERCENT, 1, width=11),
        Column("quality", _("Quality, %"), PERCENT, 1, width=10),
        Column("average", _("Average mark"), FLOAT, 2, width=9),
        Column("sou", _("СОУ, %"), PERCENT, 1, width=8),
    ]
    rows = []
    parts = []
    for cr in results:
        stats = figures.progress_stats(cr.by_student(), sc)
        parts.append(stats)
        row = _stats_row(cr.info.name, stats)
        row.links["class"] = _class_link(cr.info.id, term.id)
        for key in ("failing", "not_certified"):
            if row.values[key]:
                row.styles[key] = "bad"
        rows.append(row)
    school = figures.combine(parts, sc)
    total = _stats_row(_("School"), school)
    total.style = "total"
    charts = [
        distribution_chart(school.marks, sc, _("Distribution of results")),
        Chart("quality_by_class", "bar", _("Progress rate and quality by class"), [r.values["class"] for r in rows],
              [Series(_("Progress rate, %"), [r.values["success"] for r in rows]),
               Series(_("Quality, %"), [r.values["quality"] for r in rows])], unit="%"),
    ]
    return ReportResult(
        title=_("Class progress for a term"), subtitle=_("Whole school, %(term)s", term=term.title),
        tables=[Table("classes", _("Classes"), columns, rows, [total])],
        summary=stats_figures(school), charts=charts,
        notes=[_("A final mark is counted where it is set; otherwise the forecast from the current marks."),
               _("СОУ = (100·n5 + 64·n4 + 36·n3 + 16·n2 + 7·n(1 and н/а)) / N, where n are the numbers of such "
                 "results and N all results.")])


def _class_link(class_id: int, term_id: int) -> Any:
    from plugins.reports.result import Link

    return Link("report", {"key": "class_progress", "class_id": class_id, "term_id": term_id})


def _stats_row(label: str, stats: figures.ProgressStats) -> Row:
    return Row({
        "class": label, "students": stats.students, "excellent": stats.count(figures.EXCELLENT),
        "good": stats.count(figures.GOOD), "one_three": stats.count(figures.ONE_THREE),
        "failing": stats.count(figures.FAILING), "not_certified": stats.count(figures.NOT_CERTIFIED_STUDENT),
        "success": stats.success_percent, "quality": stats.quality_percent, "average": stats.average,
        "sou": stats.sou_percent,
    })


DEFINITION = ReportDefinition(
    key="class_progress", title=_l("Class progress for a term"), run=run, params=ProgressParams,
    description=_l("Students × subjects with final marks or forecasts; excellent, good, failing students; "
                   "progress rate, quality, average mark and СОУ. Without a class: every class of the school."),
    category="progress", weight=10)
