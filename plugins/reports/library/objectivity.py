"""Объективность оценивания: each teacher's distribution of marks in a subject against the school's, and
test marks (контрольные) against current marks: where they part, marks may be inflated or too harsh."""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.toolkit import User, school_today
from plugins.gradebook.public import Lesson, Mark
from plugins.reports import data, figures
from plugins.reports.library import common
from plugins.reports.params import ReportParams, subject_field, term_field
from plugins.reports.registry import SCHOOL, ReportDefinition
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


class ObjectivityParams(ReportParams):
    term_id = term_field()
    subject_id = subject_field()


def run(session: Session, values: dict[str, Any], user: User) -> ReportResult:
    school_id = user.school_id
    term = common.resolve_term(session, values, school_id)
    today = school_today(school_id, session=session)
    end = data.period_end(term, today)
    settings = common.reports_settings()
    sc = common.scale()
    tests = set(settings["test_work_types"])
    gap_limit = settings["objectivity_gap"]
    query = (
        select(Lesson.teacher_id, Lesson.subject_id, Mark.work_type, Mark.numeric, func.count())
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .where(Lesson.school_id == school_id, Lesson.date >= term.starts_on, Lesson.date <= end,
               Mark.numeric.is_not(None))
        .group_by(Lesson.teacher_id, Lesson.subject_id, Mark.work_type, Mark.numeric)
    )
    if values.get("subject_id"):
        query = query.where(Lesson.subject_id == values["subject_id"])
    buckets: dict[tuple[int, int], Counter[int]] = defaultdict(Counter)  # (teacher, subject) -> mark -> n
    school: dict[int, Counter[int]] = defaultdict(Counter)  # subject -> mark -> n
    raw: dict[tuple[int, int], dict[bool, list[tuple[float, int]]]] = defaultdict(lambda: {True: [], False: []})
    school_raw: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for teacher_id, subject_id, work_type, numeric, n in session.execute(query):
        bucket = figures.mark_bucket(numeric, sc)
        buckets[(teacher_id, subject_id)][bucket] += n
        school[subject_id][bucket] += n
        raw[(teacher_id, subject_id)][work_type in tests].append((numeric, n))
        school_raw[subject_id].append((numeric, n))
    subjects = data.subjects(session, school_id)
    people = data.user_names(session, {t for t, _s in buckets})
    marks = list(range(sc.high, sc.low - 1, -1))
    shown = [m for m in marks if m >= sc.pass_mark - 1]  # 5, 4, 3, 2 (a 1 counts with the 2s)
    school_avg = {s: figures.weighted_mean(pairs) for s, pairs in school_raw.items()}

    def shares(counter: Counter[int]) -> dict[int, float | None]:
        folded = Counter({m: n for m, n in counter.items() if m in shown})
        folded[shown[-1]] += sum(n for m, n in counter.items() if m not in shown)
        return figures.distribution(folded, shown)

    columns = [Column("teacher", _("Teacher"), TEXT, width=22), Column("subject", _("Subject"), TEXT, width=20),
               Column("marks", _("Marks"), INT, width=8)]
    columns += [Column(f"p{m}", _("«%(mark)s», %%", mark=m), PERCENT, 1, width=7) for m in shown]
    columns += [Column("average", _("Average"), FLOAT, 2, width=8),
                Column("school_average", _("School's average"), FLOAT, 2, width=9),
                Column("deviation", _("Deviation"), FLOAT, 2, width=9)]
    order = sorted(buckets, key=lambda k: (subjects[k[1]].name, people.get(k[0], "")))
    rows = []
    for teacher_id, subject_id in order:
        counter = buckets[(teacher_id, subject_id)]
        pairs = raw[(teacher_id, subject_id)][True] + raw[(teacher_id, subject_id)][False]
        average = figures.weighted_mean(pairs)
        row = Row({"teacher": people.get(teacher_id, ""), "subject": subjects[subject_id].name,
                   "marks": sum(counter.values()), "average": average, "school_average": school_avg[subject_id],
                   "deviation": figures.gap(average, school_avg[subject_id])})
        row.values.update({f"p{m}": v for m, v in shares(counter).items()})
        if row.values["deviation"] is not None and abs(row.values["deviation"]) >= gap_limit:
            row.styles["deviation"] = "warn"
        rows.append(row)
    for subject_id in sorted(school, key=lambda s: subjects[s].name):
        total = Row({"teacher": _("School"), "subject": subjects[subject_id].name,
                     "marks": sum(school[subject_id].values()), "average": school_avg[subject_id],
                     "school_average": school_avg[subject_id], "deviation": 0.0}, style="total")
        total.values.update({f"p{m}": v for m, v in shares(school[subject_id]).items()})
        rows.append(total)

    test_columns = [Column("teacher", _("Teacher"), TEXT, width=22), Column("subject", _("Subject"), TEXT, width=20),
                    Column("tests", _("Test marks"), INT, width=9),
                    Column("test_average", _("Average of tests"), FLOAT, 2, width=9),
                    Column("current", _("Current marks"), INT, width=9),
                    Column("current_average", _("Average of current marks"), FLOAT, 2, width=10),
                    Column("difference", _("Current − tests"), FLOAT, 2, width=10)]
    test_rows = []
    for key in order:
        test_pairs, current_pairs = raw[key][True], raw[key][False]
        if not test_pairs:
            continue
        test_avg, current_avg = figures.weighted_mean(test_pairs), figures.weighted_mean(current_pairs)
        row = Row({"teacher": people.get(key[0], ""), "subject": subjects[key[1]].name,
                   "tests": sum(n for _v, n in test_pairs), "test_average": test_avg,
                   "current": sum(n for _v, n in current_pairs), "current_average": current_avg,
                   "difference": figures.gap(current_avg, test_avg)})
        if row.values["difference"] is not None and abs(row.values["difference"]) >= gap_limit:
            row.styles["difference"] = "warn"
        test_rows.append(row)

    everything: Counter[int] = Counter()
    for counter in school.values():
        everything.update(counter)
    school_shares = shares(everything)
    all_pairs = [p for pairs in school_raw.values() for p in pairs]
    summary = [Figure("marks", _("Marks in the period"), sum(everything.values()), INT),
               Figure("average", _("School's average mark"), figures.weighted_mean(all_pairs), FLOAT, 2)]
    summary += [Figure(f"p{m}", _("Share of «%(mark)s», %%", mark=m), v, PERCENT) for m, v in school_shares.items()]
    summary.append(Figure("flagged", _("Teachers and subjects with a deviation"),
                          sum(1 for r in rows if r.styles.get("deviation")), INT))
    chart = Chart("distribution", "bar", _("Distribution of marks in the school"), [f"«{m}»" for m in shown],
                  [Series(_("School"), [school_shares[m] for m in shown])], unit="%")
    test_chart = None
    if test_rows:
        top = test_rows[:12]
        test_chart = Chart("tests", "bar", _("Tests against current marks"),
                           [f"{r.values['teacher']}, {r.values['subject'][:10]}" for r in top],
                           [Series(_("Average of tests"), [r.values["test_average"] for r in top]),
                            Series(_("Average of current marks"), [r.values["current_average"] for r in top])])
    return ReportResult(
        title=_("Objectivity of marking"), subtitle=_("Whole school, %(term)s", term=term.title),
        tables=[Table("distribution", _("Distribution of marks by teacher and subject"), columns, rows),
                Table("tests", _("Tests against current marks"), test_columns, test_rows,
                      empty_text=_("No test marks in this period."))],
        summary=summary, charts=[c for c in (chart, test_chart) if c],
        notes=[_("Averages here are plain means of the marks; a mark with + or − counts with its value in the "
                 "mean and as the whole mark in the distribution. A deviation of %(gap)s or more is highlighted.",
                 gap=str(gap_limit).replace(".", ","))])


DEFINITION = ReportDefinition(
    key="objectivity", title=_l("Objectivity of marking"), run=run, params=ObjectivityParams, scope=SCHOOL,
    category="analytics", weight=70,
    description=_l("Each teacher's distribution of marks against the school's, and test marks against current "
                   "marks."))
