"""What other plugins use to add a report to the registry: the definition, its parameters and the
result's shape. Everything else in the plugin is private; import-linter holds other plugins to this module.
"""
from __future__ import annotations

from plugins.reports.params import ReportParams, class_field, date_field
from plugins.reports.registry import ReportDefinition
from plugins.reports.result import DATE, INT, PERCENT, TEXT, Column, Figure, ReportResult, Row

__all__ = [
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
