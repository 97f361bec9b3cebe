"""Start page widgets: the family's diary at a glance, the deputy's notices, the class teacher's families."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import and_, func, select

from core.api import DashboardWidget, GuardianLink, User, can, db, plugin_settings


def widgets_for(user: Any) -> list[DashboardWidget]:
    out = []
    if user.has_role("guardian") and can(user, "diary.view"):
        out.append(_family(user))
    if can(user, "diary.notices.view"):
        out.append(_notices(user))
    return out


def _family(user: Any) -> DashboardWidget:
    """The children with a link to each one's week and how many marks they got in the last seven days."""
    from plugins.gradebook.models import Lesson, Mark

    since = (datetime.now(UTC) - timedelta(days=7)).date()
    rows = db().execute(
        select(User.id, User.last_name, User.first_name, func.count(Lesson.id))
        .join(GuardianLink, GuardianLink.student_id == User.id)
        .outerjoin(Mark, Mark.student_id == User.id)
        .outerjoin(Lesson, and_(Lesson.id == Mark.lesson_id, Lesson.date >= since))
        .where(GuardianLink.guardian_id == user.id)
        .group_by(User.id, User.last_name, User.first_name)
        .order_by(User.last_name, User.first_name)).all()
    body = render_template("diary/widget_family.html", rows=rows)
    return DashboardWidget(_l("Diary"), Markup(body), weight=5, link_endpoint="diary.week")


def _notices(user: Any) -> DashboardWidget:
    from plugins.diary.models import DeputyNotice
    from plugins.diary.services import notices_for

    unread = db().scalar(select(func.count(DeputyNotice.id)).where(
        DeputyNotice.school_id == user.school_id, DeputyNotice.read_at.is_(None))) or 0
    recent = notices_for(db(), user.school_id, limit=3) if unread else []
    body = render_template("diary/widget_notices.html", unread=unread, recent=recent,
                           days=plugin_settings("diary")["inactive_days"])
    return DashboardWidget(_l("Families who do not open the diary"), Markup(body), weight=40,
                           link_endpoint="diary.notices")
