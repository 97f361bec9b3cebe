"""Weekly workload of classes and teachers."""
from __future__ import annotations

from typing import Any

from flask import render_template
from sqlalchemy import select

from core.toolkit import current_school_id, db, requires_permission, school_today
from plugins.timetable import versioning
from plugins.timetable.models import TimetableVersion
from plugins.timetable.views.common import bp, int_arg, settings, timetable_year
from plugins.timetable.workload import class_loads, teacher_loads


@bp.get("/workload")
@requires_permission("timetable.workload.view")
def workload() -> Any:
    session, school_id, today = db(), current_school_id(), school_today()
    year = timetable_year()
    all_versions = list(session.scalars(select(TimetableVersion).where(TimetableVersion.year_id == year.id)
                                        .order_by(TimetableVersion.valid_from)))
    version = next((v for v in all_versions if v.id == int_arg("version_id")), None) \
        or versioning.version_on(session, school_id, today) or (all_versions[-1] if all_versions else None)
    s = settings()
    classes = class_loads(session, school_id, version.id, s) if version else []
    teachers = teacher_loads(session, school_id, version.id, s["max_teacher_hours"]) if version else []
    return render_template("timetable/workload.html", versions=all_versions, version=version, classes=classes,
                           teachers=teachers, settings=s)

