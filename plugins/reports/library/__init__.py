"""The built-in reports, one module each; the plugin registers them through its own hook."""
from __future__ import annotations

from plugins.reports.registry import ReportDefinition


def definitions() -> list[ReportDefinition]:
    from plugins.reports.library import (
        accumulation,
        attendance,
        class_teacher,
        forecast,
        objectivity,
        progress,
        student_card,
        timeliness,
    )

    return [progress.DEFINITION, class_teacher.DEFINITION, student_card.DEFINITION, attendance.DEFINITION,
            accumulation.DEFINITION, timeliness.DEFINITION, forecast.DEFINITION, objectivity.DEFINITION]
