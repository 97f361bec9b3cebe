"""What other plugins may use of attendance: its tables and the one summary of a student's absences.
Everything else in the plugin is private; import-linter holds other plugins to this module.
"""
from __future__ import annotations

from plugins.attendance.models import AttendanceMark, LessonRollCall
from plugins.attendance.totals import (
    AttendanceSummary,
    school_summary,
    summarize,
    summarize_by_subject,
    summarize_classes,
)

__all__ = ["AttendanceMark", "AttendanceSummary", "LessonRollCall", "school_summary", "summarize",
           "summarize_by_subject", "summarize_classes"]
