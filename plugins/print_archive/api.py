"""The archive's JSON API (/api/v1/print_archive): list versions, fetch a file, check it, start a print."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    AcademicYear,
    User,
    acting_user,
    api_error,
    api_view,
    can,
    current_school_id,
    db,
    submit_job,
)
from plugins.print_archive import services
from plugins.print_archive.access import chosen_year, require_class, require_document, visible_classes
from plugins.print_archive.jobs import context_from_app
from plugins.print_archive.models import Document
from plugins.print_archive.schemas import CheckSchema, DocumentQuerySchema, DocumentSchema, GenerateSchema

bp = Blueprint("print_archive_api", __name__, url_prefix="/api/v1/print_archive")


def _rows(docs: list[Document]) -> list[dict[str, Any]]:
    session = db()
    names = {u.id: u.short_name for u in session.scalars(
        select(User).where(User.id.in_({d.generated_by for d in docs if d.generated_by} or {-1})))}
    signed = services.signoffs(session, [d.id for d in docs])
    from core.toolkit import SchoolClass

    classes = {c.id: c.name for c in session.scalars(select(SchoolClass).where(
        SchoolClass.id.in_({d.class_id for d in docs} or {-1})))}
    out = []
    for d in docs:
        sg = signed.get(d.id)
        out.append({
            "id": d.id, "class_id": d.class_id, "class_name": classes.get(d.class_id, ""), "year_id": d.year_id,
            "kind": d.kind, "version": d.version, "pages": d.pages, "sheets": d.sheets, "printing": d.printing,
            "size": d.size, "sha256": d.sha256, "snapshot_at": d.snapshot_at, "generated_at": d.generated_at,
            "generated_by": names.get(d.generated_by or 0, ""), "keep_until": d.keep_until,
            "signed_by": sg[1] if sg else None, "signed_at": sg[0].signed_at if sg else None,
            "download_url": f"/api/v1/print_archive/documents/{d.id}/file",
        })
    return out


@bp.get("/documents")
@api_view("print_archive.view", query=DocumentQuerySchema, response=DocumentSchema, many=True)
def list_documents(query: dict[str, Any]) -> Any:
    """Every printed version the user may see, newest version first per class and document."""
    if query["class_id"] is not None:
        class_ids = {require_class(query["class_id"]).id}
    else:
        year = chosen_year(query["year_id"])
        class_ids = {c.id for c in visible_classes(db(), acting_user(), year.id)} if year else set()
    docs = services.documents(db(), current_school_id(), class_ids=class_ids, kind=query["kind"])
    return _rows(docs)


@bp.get("/documents/<int:document_id>")
@api_view("print_archive.view", response=DocumentSchema)
def show_document(document_id: int) -> Any:
    return _rows([require_document(document_id)])[0]


@bp.get("/documents/<int:document_id>/file")
@api_view("print_archive.view")
def document_file(document_id: int) -> Any:
    """The stored PDF, byte for byte (its SHA-256 is in the ``X-Content-SHA256`` header)."""
    document = require_document(document_id)
    return Response(services.file_bytes(db(), document), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{document.filename}"',
                             "X-Content-SHA256": document.sha256})


@bp.get("/documents/<int:document_id>/check")
@api_view("print_archive.view", response=CheckSchema)
def check_document(document_id: int) -> Any:
    """Is the stored file intact, and does the journal still hold what this version printed?"""
    document = require_document(document_id)
    return services.check(db(), context_from_app(), document)


@bp.post("/jobs")
@api_view("print_archive.generate", body=GenerateSchema)
def start(body: dict[str, Any]) -> Any:
    """Print one class or the whole school in the background; follow ``/api/v1/jobs/<id>``."""
    session = db()
    if body["all"]:
        if not can(acting_user(), "print_archive.generate_school"):
            return api_error(403, "forbidden", _("You do not have the right to print the whole school."))
        year = chosen_year(body["year_id"])
        if year is None:
            return api_error(422, "validation_error", _("There is no current academic year."),
                             {"year_id": [_("There is no current academic year.")]})
        class_ids = [c.id for c in visible_classes(session, acting_user(), year.id)]
        title = _("Printing the journals of the school, %(year)s", year=year.title)
    else:
        school_class = require_class(body["class_id"])
        year = session.get(AcademicYear, school_class.year_id)
        assert year is not None
        class_ids = [school_class.id]
        title = _("Printing %(cls)s, %(year)s", cls=school_class.name, year=year.title)
    job = submit_job(session, school_id=current_school_id(), kind="print_archive.print", title=title,
                     handler="plugins.print_archive.jobs:generate_job",
                     params={"class_ids": class_ids, "kinds": body["kinds"], "year_id": year.id}, user_id=acting_user().id)
    response = jsonify({"job_id": job.id, "status": job.status, "url": f"/api/v1/jobs/{job.id}",
                        "page": f"/jobs/{job.id}"})
    response.status_code = 202
    return response
