"""Attendance in the gradebook's journal grid: the ``extra_journal_columns`` contribution."""
from __future__ import annotations

from flask import has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import plugin_settings
from plugins.attendance.code_rules import cell_text, code_kinds
from plugins.attendance.models import AttendanceMark
from plugins.attendance.totals import AttendanceSummary
from plugins.gradebook.public import Journal, JournalExtra

API_SAVE_PATH = "/api/v1/attendance/marks"


def totals_text(summary: AttendanceSummary) -> str:
    """The right-hand figure of a row: "3 (1 ув.), опозд. 2"; empty for a student never away."""
    parts = []
    if summary.missed:
        parts.append(_("%(missed)d (%(excused)d exc.)", missed=summary.missed, excused=summary.excused)
                     if summary.excused else str(summary.missed))
    if summary.late:
        parts.append(_("late %(n)d", n=summary.late))
    return ", ".join(parts)


def journal_extra(session: Session, journal: Journal) -> JournalExtra:
    """Cells with н/б/у/п/о, the codes a keystroke enters, where the grid
    saves them, and per-student totals over the grid's lessons. Exactly one query (none without lessons)."""
    settings = plugin_settings("attendance")
    kinds = code_kinds(settings)
    extra = JournalExtra(
        key="attendance",
        title=_l("Attendance"),
        weight=10,
        codes=tuple(kinds),
        save_url=url_for("attendance_api.save_mark") if has_request_context() else API_SAVE_PATH,
    )
    lesson_ids = journal.lesson_ids
    if not lesson_ids:
        return extra
    totals: dict[int, AttendanceSummary] = {}
    for student_id, lesson_id, code, minutes in session.execute(
        select(AttendanceMark.student_id, AttendanceMark.lesson_id, AttendanceMark.code, AttendanceMark.minutes_late)
        .where(AttendanceMark.school_id == journal.school_id, AttendanceMark.lesson_id.in_(lesson_ids))
    ):
        extra.cells[(student_id, lesson_id)] = cell_text(code, minutes)
        summary = totals.setdefault(student_id, AttendanceSummary(student_id))
        kind = kinds.get(code, "absent")
        if kind == "late":
            summary.late += 1
        else:
            summary.missed += 1
            summary.excused += kind == "excused"
    extra.totals = {sid: text for sid, summary in totals.items() if (text := totals_text(summary))}
    return extra
