"""What other plugins may use of the gradebook besides ``averages``: its tables and the journal grid's
extension types. Everything else in the plugin is private and may change without notice; import-linter
holds other plugins to this module and ``plugins.gradebook.averages``.
"""
from __future__ import annotations

from plugins.gradebook.absence_rule import Clash, absence_clash
from plugins.gradebook.journal import Journal, JournalExtra, JournalLesson, JournalStudent
from plugins.gradebook.models import FinalMark, Homework, HomeworkFile, Lesson, LessonPlanItem, Mark

__all__ = [
    "Clash",
    "FinalMark",
    "Homework",
    "HomeworkFile",
    "Journal",
    "JournalExtra",
    "JournalLesson",
    "JournalStudent",
    "Lesson",
    "LessonPlanItem",
    "Mark",
    "absence_clash",
]
