"""Start page widgets: the family's diary at a glance, the deputy's notices, the class teacher's families."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import and_, case, func, select

from core.toolkit import (
    ClassMembership,
    DashboardWidget,
    GuardianLink,
    SchoolClass,
    User,
    can,
    classes_led_by,
    db,
    plugin_settings,
)


def widgets_for(user: Any) -> list[DashboardWidget]:
    out = []
    if user.has_role("guardian") and can(user, "diary.view"):
        out.append(_family(user))
    if can(user, "diary.notices.view"):
        out.append(_notices(user))
    led = classes_led_by(user)
    if led and can(user, "diary.class.monitor"):
        out.append(_class_families(user, led))
    return out


def _class_families(user: Any, led: set[int]) -> DashboardWidget:
    """How many of the class's guardians opened the diary in the last N days (one query)."""
    from plugins.diary.models import Visit

    days = plugin_settings("diary")["inactive_days"]
    since = datetime.now(UTC) - timedelta(days=days)
    recent = (select(Visit.id).where(Visit.viewer_id == GuardianLink.guardian_id, Visit.visited_at >= since)
              .correlate(GuardianLink).exists())
    rows = db().execute(
        select(SchoolClass.id, SchoolClass.grade_level, SchoolClass.letter,
               func.count(func.distinct(GuardianLink.guardian_id)),
               func.count(func.distinct(case((recent, GuardianLink.guardian_id)))))
        .join(ClassMembership, ClassMembership.class_id == SchoolClass.id)
        .join(GuardianLink, GuardianLink.student_id == ClassMembership.student_id)
        .where(SchoolClass.id.in_(led), ClassMembership.ends_on.is_(None))
        .group_by(SchoolClass.id, SchoolClass.grade_level, SchoolClass.letter)).all()
    body = render_template("diary/widget_class.html", rows=rows, days=days)
    return DashboardWidget(_l("Families and the diary"), Markup(body), weight=30, link_endpoint="diary.classes")


def _family(user: Any) -> DashboardWidget:
    """The children with a link to each one's week and how many marks they got in the last seven days."""
    from plugins.gradebook.public import Lesson, Mark

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
    from plugins.diary.monitoring import notices_for

    unread = db().scalar(select(func.count(DeputyNotice.id)).where(
        DeputyNotice.school_id == user.school_id, DeputyNotice.read_at.is_(None))) or 0
    recent = notices_for(db(), user.school_id, limit=3) if unread else []
    body = render_template("diary/widget_notices.html", unread=unread, recent=recent,
                           days=plugin_settings("diary")["inactive_days"])
    return DashboardWidget(_l("Families who do not open the diary"), Markup(body), weight=40,
                           link_endpoint="diary.notices")
