"""The office page and a class's page."""
from __future__ import annotations

from typing import Any

from flask import render_template
from sqlalchemy import select

from core.toolkit import current_school_id, db, plugin_settings, requires_permission, school_today
from plugins.office import overviews, passwords, personal_files, regulation_acks, rosters
from plugins.office.access import require_class, scoped_classes
from plugins.office.models import MovementRequest
from plugins.office.views.common import bp


@bp.get("/")
@requires_permission("office.class.view")
def index() -> Any:
    session = db()
    classes = scoped_classes("office.class.view")
    regulation = regulation_acks.current_regulation(session, current_school_id())
    overview = overviews.class_overview(session, classes, school_today(), regulation.id if regulation else None,
                                       every_days=plugin_settings("office")["verify_every_days"])
    pending = session.scalar(select(MovementRequest.id).where(
        MovementRequest.school_id == current_school_id(), MovementRequest.status == "pending").limit(1))
    return render_template("office/index.html", classes=classes, overview=overview, regulation=regulation,
                           has_pending=pending is not None)


@bp.get("/classes/<int:class_id>")
@requires_permission("office.class.view")
def class_page(class_id: int) -> Any:
    school_class = require_class("office.class.view", class_id)
    session = db()
    day = school_today()
    students = rosters.current_students(session, class_id, day)
    last = personal_files.last_verifications(session, [s.id for s in students])
    accounts = {r.user_id: r for r in passwords.class_accounts(session, class_id, day)}
    return render_template("office/class.html", school_class=school_class, students=students, last=last,
                           accounts=accounts, day=day)

