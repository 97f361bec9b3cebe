"""The class page of the events log (/class_events/class/<id>): upcoming and past events; the class
teacher records and edits them there. Families and the class's teachers read it; anyone else gets 404."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    SchoolClass,
    User,
    acting_user,
    can,
    class_students,
    classes_of_user,
    current_school_id,
    current_year,
    db,
    get_owned_or_404,
    requires_permission,
    school_today,
)
from plugins.class_events import services
from plugins.class_events.models import KINDS, ClassEvent

bp = Blueprint("class_events", __name__, url_prefix="/class_events", template_folder="templates")


def kind_names() -> dict[str, str]:
    return {"excursion": _("Excursion"), "parents_meeting": _("Parents' meeting"), "class_hour": _("Class hour"),
            "competition": _("Competition"), "other": _("Other event")}


def visible_class_ids(user: User, today: date) -> set[int] | None:
    """Classes whose log the user reads; None means every class of the school."""
    if can(user, "class_events.view_any"):
        return None
    session = db()
    return classes_of_user(session, user, today)


def load_class(class_id: int) -> SchoolClass:
    school_class = get_owned_or_404(SchoolClass, class_id)
    ids = visible_class_ids(acting_user(), school_today())
    if ids is not None and school_class.id not in ids:
        abort(404)
    return school_class


def load_event(event_id: int) -> ClassEvent:
    event = get_owned_or_404(ClassEvent, event_id)
    if not services.may_keep(acting_user(), event.class_id):
        abort(404)
    return event


def form_values() -> dict[str, Any]:
    raw_day = request.form.get("day", "").strip()
    try:
        day: Any = date.fromisoformat(raw_day)
    except ValueError:
        day = None
    return {"kind": request.form.get("kind", ""), "title": request.form.get("title", ""), "day": day,
            "starts_at": request.form.get("starts_at", "").strip(), "place": request.form.get("place", ""),
            "result": request.form.get("result", ""),
            "participants": [int(v) for v in request.form.getlist("participants") if v.isdigit()]}


@bp.get("/")
@requires_permission("class_events.view")
def index() -> Any:
    user = acting_user()
    ids = visible_class_ids(user, school_today())
    year = current_year(db(), current_school_id())
    query = select(SchoolClass).where(SchoolClass.school_id == current_school_id(),
                                      SchoolClass.year_id == (year.id if year else -1))
    if ids is not None:
        query = query.where(SchoolClass.id.in_(ids or {-1}))
    classes = list(db().scalars(query.order_by(SchoolClass.grade_level, SchoolClass.letter)))
    if len(classes) == 1:
        return redirect(url_for("class_events.class_page", class_id=classes[0].id))
    return render_template("class_events/index.html", classes=classes)


@bp.get("/class/<int:class_id>")
@requires_permission("class_events.view")
def class_page(class_id: int) -> Any:
    school_class = load_class(class_id)
    today = school_today()
    session = db()
    upcoming = services.between(session, current_school_id(), school_class.id, today, today + timedelta(days=366))
    past = list(reversed(services.between(session, current_school_id(), school_class.id,
                                          today - timedelta(days=366), today - timedelta(days=1))))
    keeper = services.may_keep(acting_user(), school_class.id)
    students = class_students(session, school_class.id, today) if keeper else []
    people = participant_names(session, [e.id for e in upcoming + past])
    return render_template("class_events/class.html", school_class=school_class, upcoming=upcoming, past=past,
                           keeper=keeper, students=students, kinds=kind_names(), people=people, event=None,
                           today=today)


def participant_names(session: Any, event_ids: list[int]) -> dict[int, list[str]]:
    by_event = services.participant_map(session, event_ids)
    ids = {s for v in by_event.values() for s in v}
    names = {u.id: u.short_name for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return {e: sorted(names.get(s, "") for s in v) for e, v in by_event.items()}


@bp.post("/class/<int:class_id>/events")
@requires_permission("class_events.edit")
def create(class_id: int) -> Any:
    school_class = load_class(class_id)
    if not services.may_keep(acting_user(), school_class.id):
        abort(404)
    session = db()
    services.create(session, school_id=current_school_id(), class_id=school_class.id, author=acting_user(),
                    values=form_values())
    session.commit()
    flash(_("The event is recorded."), "ok")
    return redirect(url_for("class_events.class_page", class_id=school_class.id))


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@requires_permission("class_events.edit")
def edit(event_id: int) -> Any:
    event = load_event(event_id)
    session = db()
    if request.method == "POST":
        services.update(session, event, version=request.form.get("version", type=int), values=form_values())
        session.commit()
        flash(_("The event is saved."), "ok")
        return redirect(url_for("class_events.class_page", class_id=event.class_id))
    school_class = session.get(SchoolClass, event.class_id)
    students = class_students(session, event.class_id, event.day)
    chosen = set(services.participants_of(session, event.id))
    return render_template("class_events/edit.html", event=event, school_class=school_class, students=students,
                           chosen=chosen, kinds=kind_names())


@bp.post("/<int:event_id>/delete")
@requires_permission("class_events.edit")
def delete(event_id: int) -> Any:
    event = load_event(event_id)
    class_id = event.class_id
    session = db()
    services.delete(session, event)
    session.commit()
    flash(_("The event is deleted."), "ok")
    return redirect(url_for("class_events.class_page", class_id=class_id))


__all__ = ["bp", "KINDS"]
