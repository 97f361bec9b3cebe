"""Attendance in the gradebook's journal grid: the ``extra_journal_columns`` contribution."""
from __future__ import annotations

from typing import Any

from flask import has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Integer, bindparam, select
from sqlalchemy.orm import Session

from core.toolkit import plugin_settings
from plugins.attendance.code_rules import cell_text, code_kinds
from plugins.attendance.models import AttendanceMark
from plugins.attendance.totals import AttendanceSummary
from plugins.gradebook.public import Journal, JournalExtra, Lesson

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
    if not journal.lessons:
        return extra
    lesson_ids = set(journal.lesson_ids)
    days = [lesson.date for lesson in journal.lessons]
    totals: dict[int, AttendanceSummary] = {}
    for student_id, lesson_id, code, minutes in session.execute(_grid_statement(), {
            "school_id": journal.school_id, "class_id": journal.class_id, "subject_id": journal.subject_id,
            "first": min(days), "last": max(days)}):
        if lesson_id not in lesson_ids:  # another subgroup's lesson of the same class and subject
            continue
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


_GRID: list[Any] = []  # built once, run with parameters


def _grid_statement() -> Any:
    """The attendance of a class's lessons of one subject between two dates: the grid's lessons by their
    class, subject and dates, not by an IN of forty lesson ids (expanded and compiled anew on every page)."""
    if not _GRID:
        _GRID.append(
            select(AttendanceMark.student_id, AttendanceMark.lesson_id, AttendanceMark.code,
                   AttendanceMark.minutes_late)
            .join(Lesson, Lesson.id == AttendanceMark.lesson_id)
            .where(AttendanceMark.school_id == bindparam("school_id", type_=Integer()),
                   Lesson.class_id == bindparam("class_id", type_=Integer()),
                   Lesson.subject_id == bindparam("subject_id", type_=Integer()),
                   Lesson.date >= bindparam("first", type_=Date()), Lesson.date <= bindparam("last", type_=Date())))
    return _GRID[0]
