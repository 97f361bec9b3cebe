"""The documents JSON API under /api/v1/documents: the same access rules and services as the pages."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from core.toolkit import acting_user, api_view, db
from plugins.documents import access, acquaintance, public, workflow
from plugins.documents.models import Document
from plugins.documents.views import visible_document, visible_folder

bp = Blueprint("documents_api", __name__, url_prefix="/api/v1/documents")


class FolderSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    audience = fields.String()
    system = fields.Boolean()


class DocumentSchema(Schema):
    id = fields.Integer()
    folder_id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    status = fields.String()
    author_id = fields.Integer(allow_none=True)
    number = fields.Integer(allow_none=True)
    number_year = fields.Integer(allow_none=True)
    registered_on = fields.Date(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    version = fields.Integer()


class CreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.Length(min=1, max=40))
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    body = fields.String(load_default="", validate=validate.Length(max=100000))


class SubmitSchema(Schema):
    approver_ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=2**31)), load_default=list,
                               validate=validate.Length(max=20))
    version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=2**31))


class DecideSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "return"]))
    comment = fields.String(load_default="", validate=validate.Length(max=5000))
    version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=2**31))


class AcquaintanceRequestSchema(Schema):
    user_ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=2**31)), required=True,
                           validate=validate.Length(min=1, max=2000))


class SheetRowSchema(Schema):
    user_id = fields.Integer()
    full_name = fields.String()
    requested_at = fields.DateTime(allow_none=True)
    confirmed_at = fields.DateTime(allow_none=True)


@bp.get("/folders")
@api_view("documents.view", response=FolderSchema, many=True)
def folders() -> Any:
    """Folders the caller reads."""
    return access.readable_folders(db(), acting_user())


@bp.get("/folders/<int:folder_id>/documents")
@api_view("documents.view", response=DocumentSchema, many=True)
def folder_documents(folder_id: int) -> Any:
    """Documents of a folder the caller may see (drafts only to their author, approvers, administration)."""
    user, session = acting_user(), db()
    found = visible_folder(folder_id, user)
    docs = session.scalars(select(Document).where(Document.school_id == found.school_id, Document.folder_id == found.id)
                           .order_by(Document.id))
    return [d for d in docs if access.may_read_document(session, user, d, found)]


@bp.post("/folders/<int:folder_id>/documents")
@api_view("documents.create", body=CreateSchema, response=DocumentSchema)
def create(folder_id: int, body: dict[str, Any]) -> Any:
    """Draft a document in a folder (files are attached through the page)."""
    user, session = acting_user(), db()
    found = visible_folder(folder_id, user)
    doc = public.file_document(session, folder=found, author=user, kind=body["kind"], title=body["title"],
                               body=body["body"])
    session.commit()
    return doc


@bp.get("/<int:document_id>")
@api_view("documents.view", response=DocumentSchema)
def show(document_id: int) -> Any:
    """One document."""
    return visible_document(document_id, acting_user())[0]


@bp.post("/<int:document_id>/submit")
@api_view("documents.create", body=SubmitSchema, response=DocumentSchema)
def submit(document_id: int, body: dict[str, Any]) -> Any:
    """Send a draft for approval to the approvers named (409 when it changed since ``version``)."""
    user, session = acting_user(), db()
    doc = visible_document(document_id, user)[0]
    if doc.author_id != user.id and not access.is_administration(user):
        abort(404)
    workflow.submit(session, doc, actor=user, approver_ids=body["approver_ids"], version=body["version"])
    session.commit()
    return doc


@bp.post("/<int:document_id>/decide")
@api_view("documents.approve", body=DecideSchema, response=DocumentSchema)
def decide(document_id: int, body: dict[str, Any]) -> Any:
    """Approve, or return with a comment, when it is the caller's turn."""
    user, session = acting_user(), db()
    doc = visible_document(document_id, user)[0]
    workflow.decide(session, doc, actor=user, approve=body["decision"] == "approve", comment=body["comment"],
                    version=body["version"])
    session.commit()
    return doc


@bp.post("/<int:document_id>/director")
@api_view("documents.director", body=DecideSchema, response=DocumentSchema)
def director(document_id: int, body: dict[str, Any]) -> Any:
    """The director approves (a numbered kind gets its number) and publishes, or returns with a comment."""
    user, session = acting_user(), db()
    doc = visible_document(document_id, user)[0]
    workflow.director_decide(session, doc, actor=user, approve=body["decision"] == "approve",
                             comment=body["comment"], version=body["version"])
    session.commit()
    return doc


@bp.get("/<int:document_id>/acquaintance")
@api_view("documents.manage", response=SheetRowSchema, many=True)
def sheet(document_id: int) -> Any:
    """The acquaintance sheet: who was asked, who confirmed and when."""
    doc = visible_document(document_id, acting_user())[0]
    rows = acquaintance.sheet(db(), doc.school_id, acquaintance.subject_of("documents.document", doc.id))
    return [{"user_id": u.id, "full_name": u.full_name, "requested_at": a.requested_at,
             "confirmed_at": a.confirmed_at} for u, a in rows]


@bp.post("/<int:document_id>/acquaintance")
@api_view("documents.manage", body=AcquaintanceRequestSchema, response=SheetRowSchema, many=True)
def ask(document_id: int, body: dict[str, Any]) -> Any:
    """Ask people to read a published document."""
    user, session = acting_user(), db()
    doc = visible_document(document_id, user)[0]
    if doc.status != "published":
        abort(404)
    subject = acquaintance.subject_of("documents.document", doc.id)
    acquaintance.request(session, doc.school_id, subject, body["user_ids"], by_id=user.id)
    session.commit()
    return [{"user_id": u.id, "full_name": u.full_name, "requested_at": a.requested_at,
             "confirmed_at": a.confirmed_at} for u, a in acquaintance.sheet(session, doc.school_id, subject)]


@bp.post("/<int:document_id>/acknowledge")
@api_view("documents.acknowledge", response=DocumentSchema)
def acknowledge(document_id: int) -> Any:
    """Confirm reading a published document."""
    user, session = acting_user(), db()
    doc = visible_document(document_id, user)[0]
    if doc.status != "published":
        abort(404)
    acquaintance.confirm(session, doc.school_id, acquaintance.subject_of("documents.document", doc.id), user.id)
    session.commit()
    return doc
