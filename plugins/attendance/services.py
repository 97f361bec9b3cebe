"""Transitional only: diary, reports and print_archive still import these two names from here on this
branch. They move to ``plugins.attendance.public`` (issue 12); delete this module once they have.
"""
from __future__ import annotations

from plugins.attendance.public import AttendanceSummary, summarize

__all__ = ["AttendanceSummary", "summarize"]
