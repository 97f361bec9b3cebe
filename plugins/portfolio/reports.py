"""«Portfolio filling» for the reports plugin (its ``register_reports`` hook): fill rate per class and per
section, entries per student, entries awaiting confirmation and for how long, and teachers without a current
qualification course. XLSX, PDF, the API and weekly e-mails come from the reports plugin.

Imported only when the reports plugin calls the hook, so the portfolio runs without it.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from core.toolkit import plugin_settings, school_now, school_today
from plugins.portfolio import control
from plugins.portfolio.teacher import course_cutoff
from plugins.reports.public import (
    DATE,
    INT,
    PERCENT,
    TEXT,
    Column,
    Figure,
    ReportDefinition,
    ReportParams,
    ReportResult,
    Row,
    class_field,
)

FLOAT = "float"  # a column type of the reports plugin that its public module does not name


class FillParams(ReportParams):
    class_id = class_field()


def definitions() -> list[Any]:
    return [ReportDefinition(
        key="portfolio_fill", title=_l("Portfolio filling"), run=run, params=FillParams, scope="class_or_school",
        category="control", weight=60,
        description=_l("Students with a confirmed portfolio entry by class and section, entries waiting for "
                       "confirmation, teachers without a current qualification course."))]


def run(session: Session, values: dict[str, Any], user: Any) -> ReportResult:
    school_id = user.school_id
    today = school_today(school_id, session=session)
    now = school_now(school_id, session=session)
    class_id = values.get("class_id")
    lines = control.fill_rate(session, school_id, today, now, [class_id] if class_id else None)
    sections = plugin_settings("portfolio")["sections"]
    main_cols = [Column("class", _("Class"), TEXT, width=8), Column("students", _("Students"), INT),
                 Column("with_entry", _("With a confirmed entry"), INT),
                 Column("percent", _("Filled, %"), PERCENT, 1),
                 Column("confirmed", _("Confirmed entries"), INT),
                 Column("per_student", _("Entries per student"), FLOAT, 2),
                 Column("pending", _("Awaiting confirmation"), INT),
                 Column("oldest", _("Longest wait, days"), INT)]
    rows = [Row({"class": ln.name, "students": ln.students, "with_entry": ln.with_entry, "percent": ln.percent,
                 "confirmed": ln.confirmed, "per_student": ln.per_student, "pending": ln.pending,
                 "oldest": ln.oldest_wait_days},
                styles={"oldest": "bad"} if (ln.oldest_wait_days or 0) > 7 else {}) for ln in lines]
    section_cols = [Column("class", _("Class"), TEXT, width=8)] + [
        Column(f"s{n}", name, INT) for n, name in enumerate(sections)]
    section_rows = [Row({"class": ln.name, **{f"s{n}": ln.by_section.get(name, 0) for n, name in enumerate(sections)}})
                    for ln in lines]
    result = ReportResult.single(_("Portfolio filling"), main_cols, rows, subtitle=today.strftime("%d.%m.%Y"))
    table = type(result.table)  # the reports plugin's Table, reached through its public result
    result.tables[0].title = _("Fill rate by class")
    result.tables += [table("sections", _("Students with a confirmed entry by section"), section_cols, section_rows)]
    if not class_id:
        since = course_cutoff(today)
        missing = control.teachers_without_course(session, school_id, since)
        result.tables.append(table("teachers", _("Teachers without a qualification course since %(day)s",
                                          day=since.strftime("%d.%m.%Y")),
                            [Column("teacher", _("Teacher"), TEXT), Column("last", _("Last course"), DATE)],
                            [Row({"teacher": t.full_name, "last": last}) for t, last in missing],
                            empty_text=_("Every teacher has a current course.")))
    students = sum(ln.students for ln in lines)
    filled = sum(ln.with_entry for ln in lines)
    summary = [Figure("students", _("Students"), students, INT),
               Figure("with_entry", _("With a confirmed entry"), filled, INT),
               Figure("percent", _("Filled, %"), round(100.0 * filled / students, 1) if students else 0.0, PERCENT),
               Figure("pending", _("Awaiting confirmation"), sum(ln.pending for ln in lines), INT)]
    notes = [_("Only entries confirmed by the class teacher count; a student counts once per section.")]
    result.summary, result.notes = summary, notes
    return result
