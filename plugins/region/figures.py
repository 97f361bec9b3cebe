"""The municipality's table: per school, figures without a single name.

Each figure comes from the owning plugin's public module, which counts it the way the school's own reports
do (progress and quality: the whole-school progress report; timeliness: the timeliness report; attendance:
the attendance totals), in a constant number of aggregate queries per school, never a loop over students.
``None`` is "no data" (no current term, no lessons, no guardians...) and is shown as «нет данных», not 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from core.toolkit import N_, Role, RoleGrant, School, SchoolSettings, Term, User, school_now, working_for
from plugins.attendance.public import AttendanceSummary, school_summary
from plugins.diary.public import DiaryUsage, diary_usage
from plugins.office.public import ConsentCounts, consent_counts
from plugins.reports.public import (
    ProgressStats,
    Timeliness,
    combine_progress,
    school_progress,
    school_timeliness,
)


def percent(part: float, whole: float) -> float | None:
    """part/whole in %, one decimal; None when there is nothing to divide by."""
    return round(100.0 * part / whole, 1) if whole else None


@dataclass
class Accounts:
    """Students and guardians with an account, and how many of them signed in at least once."""

    students: int = 0
    students_activated: int = 0
    guardians: int = 0
    guardians_activated: int = 0

    def add(self, other: Accounts) -> None:
        for name in ("students", "students_activated", "guardians", "guardians_activated"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class SchoolFigures:
    school_id: int | None  # None for the municipality's total
    name: str
    term: str | None
    progress: ProgressStats | None
    attendance: AttendanceSummary | None
    timeliness: Timeliness | None
    diary: DiaryUsage
    accounts: Accounts
    consents: ConsentCounts
    columns: dict[str, float | None] = field(default_factory=dict)


def current_term(session: Session, school_id: int, today: date) -> Term | None:
    """The term running today, or (in the holidays) the last one begun: what "this term" means on the page."""
    return session.scalar(select(Term).where(Term.school_id == school_id, Term.starts_on <= today)
                          .order_by(Term.starts_on.desc()).limit(1))


def accounts_of(session: Session, school_id: int) -> Accounts:
    """One aggregate query: students and guardians of the school with active accounts, and the activated."""
    rows = session.execute(
        select(RoleGrant.role, func.count(distinct(User.id)),
               func.count(distinct(User.id)).filter(User.activated_at.is_not(None)))
        .join(User, User.id == RoleGrant.user_id)
        .where(RoleGrant.school_id == school_id, RoleGrant.role.in_([Role.student, Role.guardian]),
               User.is_active_account.is_(True))
        .group_by(RoleGrant.role))
    out = Accounts()
    for role, total, activated in rows:
        if role == Role.student:
            out.students, out.students_activated = int(total), int(activated)
        else:
            out.guardians, out.guardians_activated = int(total), int(activated)
    return out


def school_figures(session: Session, school: School, now: datetime | None = None) -> SchoolFigures:
    """Every figure of one school (about twenty statements, whatever the school's size), counted by that
    school's own settings (its rounding of averages, its attendance rules), not the coordinator's office's
    or the deployment's: everything inside runs ``working_for`` the school. A school that switched
    attendance off has no attendance figures."""
    with working_for(school.id, session=session) as own:
        return _school_figures(session, school, own, now)


def _school_figures(session: Session, school: School, own: SchoolSettings, now: datetime | None) -> SchoolFigures:
    now = now or school_now(school.id, session=session)
    today = now.date()
    term = current_term(session, school.id, today)
    progress = attendance = timeliness = None
    if term is not None:
        end = min(today, term.ends_on)
        progress = school_progress(session, school.id, term, today)
        if own.plugin_enabled("attendance"):
            attendance = school_summary(session, own.plugin("attendance"), school.id, term.starts_on, end)
        timeliness = school_timeliness(session, school.id, term.starts_on, end, now)
    figures = SchoolFigures(school.id, school.short_name, term.title if term else None, progress, attendance,
                            timeliness, diary_usage(session, school.id, now), accounts_of(session, school.id),
                            consent_counts(session, school.id))
    figures.columns = columns(figures)
    return figures


def total(rows: list[SchoolFigures], title: str) -> SchoolFigures:
    """The municipality's line: counts added up and the shares recomputed (never an average of shares)."""
    progress_parts = [r.progress for r in rows if r.progress is not None]
    attendance = AttendanceSummary(0)
    due = on_time = late = missing = 0
    accounts = Accounts()
    diary = [0, 0, 0, 0]
    guardians = recorded = electronic = 0
    for r in rows:
        if r.attendance is not None:
            attendance.add(r.attendance)
        if r.timeliness is not None:
            due, on_time = due + r.timeliness.due, on_time + r.timeliness.on_time
            late, missing = late + r.timeliness.late, missing + r.timeliness.missing
        accounts.add(r.accounts)
        diary = [a + b for a, b in zip(diary, (r.diary.guardians_7, r.diary.guardians_30, r.diary.students_7,
                                               r.diary.students_30), strict=True)]
        guardians += r.consents.guardians
        recorded += r.consents.recorded
        electronic += r.consents.electronic
    figures = SchoolFigures(None, title, None, combine_progress(progress_parts) if progress_parts else None,
                            attendance if any(r.attendance for r in rows) else None,
                            Timeliness(due, on_time, late, missing) if any(r.timeliness for r in rows) else None,
                            DiaryUsage(*diary), accounts, ConsentCounts(guardians, recorded, electronic))
    figures.columns = columns(figures)
    return figures


# key, English msgid of the heading (translated by the page and the export)
COLUMNS = [
    ("success", N_("Progress rate, %")),
    ("quality", N_("Quality of knowledge, %")),
    ("missed", N_("Lessons missed, %")),
    ("excused", N_("of them for a valid reason, %")),
    ("unexcused", N_("without a valid reason, %")),
    ("timely", N_("Journal filled in time, %")),
    ("diary_7", N_("Families in the diary, 7 days, %")),
    ("diary_30", N_("Families in the diary, 30 days, %")),
    ("students_activated", N_("Students signed in, %")),
    ("guardians_activated", N_("Guardians signed in, %")),
    ("consents", N_("Consents collected, %")),
    ("electronic", N_("Consent to the electronic form, %")),
]


def columns(f: SchoolFigures) -> dict[str, float | None]:
    a, p, t = f.attendance, f.progress, f.timeliness
    guardians = f.accounts.guardians
    return {
        "success": p.success_percent if p else None,
        "quality": p.quality_percent if p else None,
        "missed": percent(a.missed, a.lessons) if a else None,
        "excused": percent(a.excused, a.missed) if a else None,
        "unexcused": percent(a.unexcused, a.missed) if a else None,
        "timely": t.percent if t else None,
        "diary_7": percent(f.diary.guardians_7, guardians),
        "diary_30": percent(f.diary.guardians_30, guardians),
        "students_activated": percent(f.accounts.students_activated, f.accounts.students),
        "guardians_activated": percent(f.accounts.guardians_activated, guardians),
        "consents": percent(f.consents.recorded, f.consents.guardians),
        "electronic": percent(f.consents.electronic, f.consents.guardians),
    }
