"""The catalogue's JSON API under /api/v1/resources: search, one material, adding a link or a written task
(files through the page, where they are checked), a version-checked edit, attaching to a lesson, uses."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort
from marshmallow import Schema, fields, validate

from core.toolkit import acting_user, api_view, current_school_id, db, get_owned_or_404, hook, school_today
from plugins.gradebook.public import Lesson
from plugins.resources import services
from plugins.resources.access import may_edit, may_see, reader
from plugins.resources.models import FORMS, KINDS, USES, VISIBILITIES, Material

bp = Blueprint("resources_api", __name__, url_prefix="/api/v1/resources")


class MaterialSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    kind = fields.String()
    form = fields.String()
    subject_id = fields.Integer(allow_none=True)
    grades = fields.Function(lambda m: services.grade_list(m.grades))
    topic = fields.String()
    plan_item_id = fields.Integer(allow_none=True)
    description = fields.String()
    body = fields.String()
    url = fields.String()
    filename = fields.String()
    licence = fields.String()
    visibility = fields.String()
    author_id = fields.Integer()
    archived = fields.Boolean()
    version = fields.Integer()


class SearchSchema(Schema):
    q = fields.String(load_default="")
    subject_id = fields.Integer(load_default=None)
    grade = fields.Integer(load_default=None, validate=validate.Range(min=1, max=11))
    topic = fields.String(load_default="")
    kind = fields.String(load_default="", validate=validate.OneOf(("",) + KINDS))
    author_id = fields.Integer(load_default=None)


class MaterialInSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    form = fields.String(load_default="link", validate=validate.OneOf([f for f in FORMS if f != "file"]))
    subject_id = fields.Integer(load_default=None, allow_none=True)
    grades = fields.List(fields.Integer(validate=validate.Range(min=1, max=11)), load_default=list)
    topic = fields.String(load_default="")
    description = fields.String(load_default="")
    body = fields.String(load_default="")
    url = fields.String(load_default="")
    licence = fields.String(load_default="")
    visibility = fields.String(load_default="teachers", validate=validate.OneOf(VISIBILITIES))
    class_ids = fields.List(fields.Integer(), load_default=list)


class MaterialEditSchema(MaterialInSchema):
    version = fields.Integer(required=True)
    form = fields.String(load_default=None)


class AttachSchema(Schema):
    lesson_id = fields.Integer(required=True)
    use = fields.String(load_default="lesson", validate=validate.OneOf(USES))


class UseSchema(Schema):
    id = fields.Integer()
    lesson_id = fields.Integer()
    date = fields.Date()
    class_name = fields.String()
    subject = fields.String()
    use = fields.String()


def _load(material_id: int) -> Material:
    material = get_owned_or_404(Material, material_id)
    if not may_see(db(), reader(db(), acting_user(), school_today()), material):
        abort(404)
    return material


@bp.get("/materials")
@api_view("resources.view", query=SearchSchema, response=MaterialSchema, many=True)
def materials(query: dict[str, Any]) -> Any:
    """Materials the caller may see, filtered by words, subject, grade, topic, kind and author."""
    return services.search(db(), reader(db(), acting_user(), school_today()), **query)


@bp.get("/materials/<int:material_id>")
@api_view("resources.view", response=MaterialSchema)
def material(material_id: int) -> Any:
    return _load(material_id)


@bp.post("/materials")
@api_view("resources.create", body=MaterialInSchema, response=MaterialSchema)
def create(body: dict[str, Any]) -> Any:
    """Add a link or a task written in Markdown (a file is uploaded through the catalogue's page)."""
    session = db()
    class_ids = body.pop("class_ids")
    found = services.create(session, school_id=current_school_id(), author=acting_user(), data=body,
                            class_ids=class_ids)
    session.commit()
    return found


@bp.patch("/materials/<int:material_id>")
@api_view("resources.create", body=MaterialEditSchema, response=MaterialSchema)
def edit(material_id: int, body: dict[str, Any]) -> Any:
    """Edit a material made on ``version``; a newer save meanwhile answers 409."""
    found = _load(material_id)
    if not may_edit(reader(db(), acting_user(), school_today()), found):
        abort(404)
    session = db()
    body.pop("form", None)
    class_ids = body.pop("class_ids")
    services.update(session, found, version=body.pop("version"), data=body, class_ids=class_ids)
    session.commit()
    return found


@bp.get("/materials/<int:material_id>/uses")
@api_view("resources.create", response=UseSchema, many=True)
def uses(material_id: int) -> Any:
    """Where a material was used (staff only)."""
    found = _load(material_id)
    return [{"id": u.id, "lesson_id": lesson.id, "date": lesson.date, "class_name": c, "subject": s, "use": u.use}
            for u, lesson, c, s in services.uses_of(db(), found)]


@bp.post("/materials/<int:material_id>/uses")
@api_view("resources.attach", body=AttachSchema, response=UseSchema)
def attach(material_id: int, body: dict[str, Any]) -> Any:
    """Attach to one's lesson (today or later) or its homework; the lesson's class may open it from then on."""
    found = _load(material_id)
    session = db()
    lesson = get_owned_or_404(Lesson, body["lesson_id"])
    who = reader(session, acting_user(), school_today())
    editors = [uid for ids in hook().register_lesson_editors(session=session, lesson=lesson) for uid in (ids or [])]
    if not services.may_attach(session, who, lesson, editors):
        abort(404)
    row = services.attach(session, found, lesson, use=body["use"], actor_id=who.user_id, today=school_today())
    session.commit()
    return {"id": row.id, "lesson_id": lesson.id, "date": lesson.date, "class_name": "", "subject": "",
            "use": row.use}
