"""The portfolio's JSON API under /api/v1/portfolio: a student's entries, adding one, the class teacher's
confirm/return, the confirmation queue, a teacher's portfolio and the fill rate; the same rules as the pages."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from core.toolkit import acting_user, api_view, can, db, school_now, school_today
from plugins.portfolio import access, control, services, teacher
from plugins.portfolio.models import LEVELS, RESULTS, TEACHER_KINDS, Entry
from plugins.portfolio.views import visible_entry, visible_student
from plugins.portfolio.views_teacher import visible_teacher

bp = Blueprint("portfolio_api", __name__, url_prefix="/api/v1/portfolio")


class EntrySchema(Schema):
    id = fields.Integer()
    student_id = fields.Integer()
    section = fields.String()
    kind = fields.String()
    title = fields.String()
    description = fields.String()
    level = fields.String()
    result = fields.String()
    place = fields.Integer(allow_none=True)
    mark = fields.String()
    happened_on = fields.Date()
    subject_id = fields.Integer(allow_none=True)
    supervisor_id = fields.Integer(allow_none=True)
    status = fields.String()
    comment = fields.String()
    version = fields.Integer()


class EntryCreateSchema(Schema):
    section = fields.String(required=True, validate=validate.Length(min=1, max=100))
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(load_default="")
    level = fields.String(load_default="school", validate=validate.OneOf(LEVELS))
    result = fields.String(load_default="participant", validate=validate.OneOf(RESULTS))
    place = fields.Integer(load_default=None, allow_none=True)
    mark = fields.String(load_default="")
    happened_on = fields.Date(required=True)
    subject_id = fields.Integer(load_default=None, allow_none=True)
    supervisor_id = fields.Integer(load_default=None, allow_none=True)


class ReviewSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(["confirm", "return"]))
    comment = fields.String(load_default="")
    version = fields.Integer(load_default=None, allow_none=True)


class TeacherEntrySchema(Schema):
    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(TEACHER_KINDS))
    title = fields.String()
    organisation = fields.String()
    hours = fields.Integer(allow_none=True)
    category = fields.String()
    happened_on = fields.Date()
    valid_until = fields.Date(allow_none=True)
    status = fields.String()
    comment = fields.String()
    version = fields.Integer()


class FillSchema(Schema):
    class_id = fields.Integer()
    name = fields.String()
    students = fields.Integer()
    with_entry = fields.Integer()
    percent = fields.Float()
    confirmed = fields.Integer()
    pending = fields.Integer()
    oldest_wait_days = fields.Integer(allow_none=True)


@bp.get("/students/<int:student_id>/entries")
@api_view("portfolio.view", response=EntrySchema, many=True)
def student_entries(student_id: int) -> Any:
    """Every entry of a student's portfolio the caller may see, with its status and comment."""
    person = visible_student(student_id)
    return db().scalars(select(Entry).where(Entry.school_id == person.school_id, Entry.student_id == person.id)
                        .order_by(Entry.happened_on.desc())).all()


@bp.post("/students/<int:student_id>/entries")
@api_view("portfolio.entry.add", body=EntryCreateSchema, response=EntrySchema)
def add_entry(student_id: int, body: dict[str, Any]) -> Any:
    """Add an entry (files are attached through the page); it waits for the class teacher."""
    person = visible_student(student_id)
    user, session, today = acting_user(), db(), school_today()
    if not access.may_add(session, user, person, today):
        abort(404)
    entry = services.create_entry(session, school_id=person.school_id, student=person, author=user, values=body,
                                  confirmed=access.may_review(session, user, person, today) and user.id != person.id)
    session.commit()
    return entry


@bp.post("/entries/<int:entry_id>/review")
@api_view("portfolio.entry.review", body=ReviewSchema, response=EntrySchema)
def review_entry(entry_id: int, body: dict[str, Any]) -> Any:
    """Confirm an entry, or return it with a comment (409 when it changed since ``version``)."""
    entry, person = visible_entry(entry_id)
    user, session = acting_user(), db()
    if not access.may_review(session, user, person, school_today()):
        abort(404)
    services.review_entry(session, entry, reviewer=user, confirm=body["action"] == "confirm",
                          comment=body["comment"], version=body["version"])
    session.commit()
    return entry


@bp.get("/teachers/<int:teacher_id>/entries")
@api_view("portfolio.view", response=TeacherEntrySchema, many=True)
def teacher_entries(teacher_id: int) -> Any:
    """A teacher's own portfolio (hers, or anyone's for the deputy)."""
    person = visible_teacher(teacher_id)
    return teacher.entries_of(db(), person.school_id, person.id)


@bp.get("/fill-rate")
@api_view("portfolio.all.view", response=FillSchema, many=True)
def fill_rate() -> Any:
    """Fill rate of every class of the current year (confirmed entries only)."""
    user = acting_user()
    if not can(user, "portfolio.all.view"):
        abort(404)
    return control.fill_rate(db(), user.school_id, school_today(), school_now())
