"""What other plugins use to add a report to the registry: the definition, its parameters and the
result's shape; and the figures' definitions (успеваемость, качество знаний, journal timeliness) for a
plugin that shows them beyond one school (the region plugin), so every page counts the same way. Everything else in the plugin is private; import-linter holds other plugins to this module.
"""
from __future__ import annotations

from plugins.reports.figures import ProgressStats
from plugins.reports.params import ReportParams, class_field, date_field
from plugins.reports.registry import ReportDefinition
from plugins.reports.result import DATE, INT, PERCENT, TEXT, Column, Figure, ReportResult, Row
from plugins.reports.school_totals import Timeliness, combine_progress, school_progress, school_timeliness

__all__ = [
    "ProgressStats",
    "Timeliness",
    "combine_progress",
    "school_progress",
    "school_timeliness",
    "DATE",
    "INT",
    "PERCENT",
    "TEXT",
    "Column",
    "Figure",
    "ReportDefinition",
    "ReportParams",
    "ReportResult",
    "Row",
    "class_field",
    "date_field",
]
