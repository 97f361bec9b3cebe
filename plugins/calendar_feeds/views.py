"""The page where a family member makes (or regenerates) a feed's private address, and the feed itself."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user

from core.toolkit import (
    can,
    check_app_password,
    db,
    find_user_by_login,
    gate_for_school,
    public,
    requires_permission,
    school_settings,
    working_for,
)
from plugins.calendar_feeds import ical, services
from plugins.diary.public import students_of

bp = Blueprint("calendar_feeds", __name__, url_prefix="/calendar", template_folder="templates")


def _page(new_url: str | None = None, new_for: int | None = None) -> Any:
    session = db()
    me = current_user._get_current_object()
    return render_template("calendar_feeds/index.html", students=students_of(session, me),
                           feeds=services.feeds_of(session, me), new_url=new_url, new_for=new_for)


@bp.get("/")
@requires_permission("calendar_feeds.use")
def index() -> Any:
    return _page()


@bp.post("/<int:student_id>/regenerate")
@requires_permission("calendar_feeds.use")
def regenerate(student_id: int) -> Any:
    """A new private address (shown once); the previous one stops working at once."""
    session = db()
    me = current_user._get_current_object()
    if student_id not in {s.id for s in students_of(session, me)}:
        abort(404)
    token = services.regenerate(session, me, student_id)
    session.commit()
    return _page(url_for(".feed", token=token, _external=True), student_id)


def _calendar(owner: Any, student_id: int) -> Any:
    """The feed of ``owner``'s student, built with the owner's school's settings (nobody is signed in)."""
    session = db()
    with working_for(owner.school_id, session=session):
        body = ical.build(session, owner, student_id)
    if body is None:
        abort(404)
    session.commit()  # last use
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = 'inline; filename="klass.ics"'
    if request.method == "HEAD":
        response.set_data(b"")
    return response


@bp.get("/feed/<token>.ics")
@public  # the private address is the credential: calendar apps cannot sign in
def feed(token: str) -> Any:
    found = services.resolve(db(), token[:100])
    if found is None:
        abort(404)
    gate_for_school(found[0].school_id)  # the owner's school switched the feeds off: no such address
    return _calendar(*found)


@bp.get("/app/<int:student_id>.ics")
@public  # HTTP Basic with login and an app password, for calendar apps that sign in (never the main password)
def feed_with_app_password(student_id: int) -> Any:
    auth = request.authorization
    session = db()
    # ``login`` or ``login@school``: logins are unique per school (the sign-in form's rule).
    user = find_user_by_login(session, auth.username or "") if auth and auth.type == "basic" else None
    # A school that switched the feeds off has no such sign-in: the same answer as an unknown login (a
    # 404 here would tell a stranger the login exists).
    if user is not None and not school_settings(user.school_id, session=session).plugin_enabled("calendar_feeds"):
        user = None
    if (user is None or not can(user, "calendar_feeds.use")
            or check_app_password(session, user, auth.password or "", used_by="calendar") is None):
        session.rollback()
        return Response("", 401, {"WWW-Authenticate": 'Basic realm="Klass calendar", charset="UTF-8"'})
    return _calendar(user, student_id)
