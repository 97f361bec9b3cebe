"""The class events JSON API under /api/v1/class_events: a class's log for those who read its page, and
recording an event for its class teacher."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort
from marshmallow import Schema, fields, validate

from core.toolkit import acting_user, api_view, current_school_id, db, school_today
from plugins.class_events import services
from plugins.class_events.models import KINDS
from plugins.class_events.views import load_class

bp = Blueprint("class_events_api", __name__, url_prefix="/api/v1/class_events")


class EventSchema(Schema):
    id = fields.Integer()
    class_id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    day = fields.Date()
    starts_at = fields.String()
    place = fields.String()
    result = fields.String()
    participants = fields.List(fields.Integer())
    version = fields.Integer()


class EventCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    day = fields.Date(required=True)
    starts_at = fields.String(load_default="", validate=validate.Length(max=5))
    place = fields.String(load_default="", validate=validate.Length(max=200))
    result = fields.String(load_default="")
    participants = fields.List(fields.Integer(), load_default=list)


def _out(event: Any, participants: list[int]) -> dict[str, Any]:
    return {**{k: getattr(event, k) for k in ("id", "class_id", "kind", "title", "day", "starts_at", "place",
                                              "result", "version")}, "participants": sorted(participants)}


@bp.get("/classes/<int:class_id>/events")
@api_view("class_events.view", response=EventSchema, many=True)
def events(class_id: int) -> Any:
    """The class's events of the past and the coming year, in date order."""
    school_class = load_class(class_id)
    today, session = school_today(), db()
    rows = services.between(session, current_school_id(), school_class.id, today - timedelta(days=366),
                            today + timedelta(days=366))
    people = services.participant_map(session, [e.id for e in rows])
    return [_out(e, people.get(e.id, [])) for e in rows]


@bp.post("/classes/<int:class_id>/events")
@api_view("class_events.edit", body=EventCreateSchema, response=EventSchema)
def create(class_id: int, body: dict[str, Any]) -> Any:
    """Record an event (the class teacher of the class, or the administration)."""
    school_class = load_class(class_id)
    if not services.may_keep(acting_user(), school_class.id):
        abort(404)
    session = db()
    event = services.create(session, school_id=current_school_id(), class_id=school_class.id, author=acting_user(),
                            values=body)
    session.commit()
    return _out(event, services.participants_of(session, event.id))
