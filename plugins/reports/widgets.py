"""Start-page widgets: a class teacher's students at risk this term, the deputy's journal gaps of the
week, and reports colleagues sent that are not read yet."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from core.toolkit import DashboardWidget, User, can, db, school_today
from plugins.reports import data, figures, registry, services


def widgets_for(user: User) -> list[DashboardWidget]:
    if not can(user, "reports.view"):
        return []
    session = db()
    out = []
    unread = services.unread_count(session, user.school_id, user.id)
    if unread:
        received = [r for r in services.received(session, user.school_id, user.id, limit=20) if not r.share.read_at]
        out.append(DashboardWidget(_l("New reports from colleagues"),
                                   Markup(render_template("reports/_widget_received.html", received=received[:5])),
                                   weight=40, link_endpoint="reports.received"))
    scope = registry.user_scope(session, user)
    if scope.led and can(user, "reports.class.run"):
        out.append(_risk_widget(session, user, scope))
    if scope.school_wide:
        out.append(_timeliness_widget(session, user))
    return out


def _risk_widget(session: Any, user: User, scope: registry.UserScope) -> DashboardWidget:
    from plugins.reports.library import common
    from plugins.reports.library.forecast import forecasts

    today = school_today(user.school_id, session=session)
    term = data.current_term(session, user.school_id, today)
    body: Any = ""
    if term is not None:
        led = sorted(scope.led)
        results, risky, _expected = forecasts(session, user.school_id, term, today, scope, led)
        serious = [r for r in risky if r.risk != figures.RISK_BORDERLINE] or risky
        body = render_template("reports/_widget_risk.html", risky=serious, students=len({r.student_id for r in serious}),
                               term=term, subjects=data.subjects(session, user.school_id),
                               titles=common.RISK_TITLES, classes=[cr.info for cr in results])
    return DashboardWidget(_l("Students at risk this term"), Markup(body), weight=50)


def _timeliness_widget(session: Any, user: User) -> DashboardWidget:
    from plugins.reports.library.common import reports_settings
    from plugins.reports.library.timeliness import lesson_statuses

    settings = reports_settings()
    today = school_today(user.school_id, session=session)
    judged = lesson_statuses(session, user.school_id, today - timedelta(days=6), today, settings["timeliness_days"],
                             list(settings["timeliness_items"]))
    problems = sum(1 for _lesson, statuses in judged
                   if any(s in (figures.LATE, figures.MISSING) for s in statuses.values()))
    body = render_template("reports/_widget_timeliness.html", problems=problems, lessons=len(judged))
    return DashboardWidget(_l("Journal timeliness"), Markup(body), weight=60)
