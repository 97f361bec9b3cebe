"""The timetable's widgets on the start page."""
from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup

from core.toolkit import can, current_school_id, db, school_today, term_on
from plugins.timetable import clashes, lesson_changes, versioning
from plugins.timetable.assessments import assessments_between, warnings_for
from plugins.timetable.ui import problem_text
from plugins.timetable.views.common import settings
from plugins.timetable.workload import class_loads, teacher_loads


def dashboard_widgets(user: Any) -> list[Any]:
    from core.toolkit import DashboardWidget

    session, school_id, today = db(), current_school_id(), school_today()
    widgets = []
    if can(user, "timetable.manage"):
        version = versioning.version_on(session, school_id, today)
        s = settings()
        conflicts = clashes.version_conflicts(session, school_id, version.id, s["shared_rooms"]) if version else []
        loads = class_loads(session, school_id, version.id, s) if version else []
        teachers = teacher_loads(session, school_id, version.id, s["max_teacher_hours"]) if version else []
        term = term_on(session, school_id, today)
        test_warnings = warnings_for(session, school_id, assessments_between(
            session, school_id, term.starts_on, term.ends_on), s) if term else []
        body = render_template("timetable/_widget_deputy.html", version=version, conflicts=len(conflicts),
                               over_classes=[c for c in loads if c.over or c.heavy_days],
                               over_teachers=[t for t in teachers if t.over],
                               test_warnings=[problem_text(w.problem) for w in test_warnings][:5],
                               test_warning_count=len(test_warnings))
        widgets.append(DashboardWidget(_("Timetable"), Markup(body), 30, "timetable.versions"))
    if user.has_role("teacher"):
        subs = lesson_changes.substitutions_of_teacher(session, school_id, user.id, today, today)
        if subs:
            body = render_template("timetable/_widget_teacher.html", subs=subs)
            widgets.append(DashboardWidget(_("My substitutions today"), Markup(body), 20, "timetable.teacher"))
    return widgets

