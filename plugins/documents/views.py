"""The document pages (/documents): folders, a folder's documents, a document with its versions, approval
steps and acquaintance sheet, the register of orders. Object checks answer 404 (see ``access``)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    DOCUMENTS_AND_IMAGES,
    CheckedUpload,
    User,
    acting_user,
    can,
    check_upload,
    current_school_id,
    db,
    file_response,
    get_owned_or_404,
    load_file,
    plugin_settings,
    requires_permission,
)
from plugins.documents import access, acquaintance, public, sheet, tasks, workflow
from plugins.documents.models import Document, DocumentVersion, Folder

bp = Blueprint("documents", __name__, url_prefix="/documents", template_folder="templates")


def upload_from(field: str = "file") -> CheckedUpload | None:
    """The form's file, checked by content and size (a clear Russian refusal otherwise)."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        return None
    return check_upload(upload.read(), upload.filename, allowed=DOCUMENTS_AND_IMAGES,
                        max_bytes=plugin_settings("documents")["max_file_mb"] * 1024 * 1024)


def visible_folder(folder_id: int, user: User) -> Folder:
    folder = get_owned_or_404(Folder, folder_id)
    if not access.may_read_folder(user, folder, access.member_folders(db(), user)):
        abort(404)
    return folder


def visible_document(document_id: int, user: User) -> tuple[Document, Folder]:
    doc = get_owned_or_404(Document, document_id)
    folder = db().get(Folder, doc.folder_id)
    if folder is None or not access.may_read_document(db(), user, doc, folder):
        abort(404)
    return doc, folder


@bp.get("/")
@requires_permission("documents.view")
def index() -> Any:
    user, session = acting_user(), db()
    if access.is_administration(user):
        public.ensure_guide_folder(session, current_school_id(), user)
        session.commit()
    return render_template("documents/index.html", folders=access.readable_folders(session, user),
                           to_approve=tasks.to_approve(session, user), to_read=tasks.to_read(session, user),
                           may_manage=can(user, "documents.manage"), staff=_staff(), labels=_audiences())


def _audiences() -> dict[str, str]:
    return {"staff": _("all staff"), "administration": _("administration"),
            "association": _("methodological association"), "families": _("families")}


def _staff() -> list[User]:
    from core.toolkit import RoleGrant

    ids = select(RoleGrant.user_id).where(RoleGrant.role.in_(access.STAFF))
    return list(db().scalars(select(User).where(User.school_id == current_school_id(), User.id.in_(ids),
                                                User.is_active_account.is_(True)).order_by(User.last_name, User.first_name)))


@bp.post("/folders")
@requires_permission("documents.manage")
def create_folder() -> Any:
    session = db()
    folder = public.create_folder(session, current_school_id(), name=request.form.get("name", ""),
                                  audience=request.form.get("audience", ""),
                                  member_ids=request.form.getlist("members", type=int))
    session.commit()
    flash(_("The folder is created."), "ok")
    return redirect(url_for("documents.folder", folder_id=folder.id))


@bp.get("/folders/<int:folder_id>")
@requires_permission("documents.view")
def folder(folder_id: int) -> Any:
    user, session = acting_user(), db()
    found = visible_folder(folder_id, user)
    docs = [d for d in session.scalars(select(Document).where(Document.school_id == found.school_id,
                                                              Document.folder_id == found.id)
                                       .order_by(Document.created_at.desc()))
            if access.may_read_document(session, user, d, found)]
    return render_template("documents/folder.html", folder=found, docs=docs, kinds=workflow.kinds(),
                           may_file=can(user, "documents.create") and access.may_file(session, user, found),
                           labels=_audiences(), status_label=workflow.status_label, number=workflow.display_number)


@bp.post("/folders/<int:folder_id>/documents")
@requires_permission("documents.create")
def create_document(folder_id: int) -> Any:
    user, session = acting_user(), db()
    found = visible_folder(folder_id, user)
    doc = public.file_document(session, folder=found, author=user, kind=request.form.get("kind", ""),
                               title=request.form.get("title", ""), body=request.form.get("body", ""),
                               upload=upload_from())
    session.commit()
    flash(_("The draft is saved."), "ok")
    return redirect(url_for("documents.show", document_id=doc.id))


@bp.get("/<int:document_id>")
@requires_permission("documents.view")
def show(document_id: int) -> Any:
    user, session = acting_user(), db()
    doc, found = visible_document(document_id, user)
    versions = list(session.scalars(select(DocumentVersion).where(DocumentVersion.document_id == doc.id)
                                    .order_by(DocumentVersion.number.desc())))
    subject = acquaintance.subject_of("documents.document", doc.id)
    rounds = [(r, workflow.steps(session, doc, r)) for r in range(doc.round, 0, -1)]
    people = {u.id: u for u in session.scalars(select(User).where(User.school_id == doc.school_id))}
    return render_template(
        "documents/show.html", doc=doc, folder=found, versions=versions, rounds=rounds, people=people,
        kind=workflow.kinds().get(doc.kind, {"title": doc.kind}), status_label=workflow.status_label,
        number=workflow.display_number(doc), my_step=workflow.current_step_of(session, doc, user),
        is_author=doc.author_id == user.id, may_direct=doc.status == "director" and can(user, "documents.director"),
        may_manage=can(user, "documents.manage"), sheet=acquaintance.sheet(session, doc.school_id, subject),
        must_read=doc.status == "published" and subject in acquaintance.pending_subjects(
            session, doc.school_id, user.id, subject), staff=_staff())


@bp.post("/<int:document_id>/versions")
@requires_permission("documents.create")
def add_version(document_id: int) -> Any:
    user, session = acting_user(), db()
    doc, _f = visible_document(document_id, user)
    if doc.author_id != user.id and not access.is_administration(user):
        abort(404)
    workflow.add_version(session, doc, author=user, body=request.form.get("body", ""), upload=upload_from(),
                         summary=request.form.get("summary", ""), version=request.form.get("version", type=int))
    session.commit()
    flash(_("The new version is saved."), "ok")
    return redirect(url_for("documents.show", document_id=doc.id))


@bp.post("/<int:document_id>/submit")
@requires_permission("documents.create")
def submit(document_id: int) -> Any:
    user, session = acting_user(), db()
    doc, _f = visible_document(document_id, user)
    if doc.author_id != user.id and not access.is_administration(user):
        abort(404)
    workflow.submit(session, doc, actor=user, approver_ids=request.form.getlist("approvers", type=int),
                    version=request.form.get("version", type=int))
    session.commit()
    flash(_("The document is sent on."), "ok")
    return redirect(url_for("documents.show", document_id=doc.id))


@bp.post("/<int:document_id>/decide")
@requires_permission("documents.approve")
def decide(document_id: int) -> Any:
    user, session = acting_user(), db()
    doc, _f = visible_document(document_id, user)
    approve = request.form.get("decision") == "approve"
    workflow.decide(session, doc, actor=user, approve=approve, comment=request.form.get("comment", ""),
                    version=request.form.get("version", type=int))
    session.commit()
    flash(_("Approved.") if approve else _("Returned to the author."), "ok")
    return redirect(url_for("documents.show", document_id=doc.id))


@bp.post("/<int:document_id>/director")
@requires_permission("documents.director")
def director(document_id: int) -> Any:
    user, session = acting_user(), db()
    doc, _f = visible_document(document_id, user)
    approve = request.form.get("decision") == "approve"
    workflow.director_decide(session, doc, actor=user, approve=approve, comment=request.form.get("comment", ""),
                             version=request.form.get("version", type=int))
    session.commit()
    flash(_("The document is approved and published.") if approve else _("Returned to the author."), "ok")
    return redirect(url_for("documents.show", document_id=doc.id))


@bp.post("/<int:document_id>/acquaintance")
@requires_permission("documents.manage")
def request_acquaintance(document_id: int) -> Any:
    user, session = acting_user(), db()
    doc, _f = visible_document(document_id, user)
    if doc.status != "published":
        abort(404)
    added = acquaintance.request(session, doc.school_id, acquaintance.subject_of("documents.document", doc.id),
                                 request.form.getlist("people", type=int), by_id=user.id)
    session.commit()
    flash(_("Asked to read: %(n)s.", n=added), "ok")
    return redirect(url_for("documents.show", document_id=doc.id))


@bp.post("/<int:document_id>/acknowledge")
@requires_permission("documents.acknowledge")
def acknowledge(document_id: int) -> Any:
    user, session = acting_user(), db()
    doc, _f = visible_document(document_id, user)
    if doc.status != "published":
        abort(404)
    acquaintance.confirm(session, doc.school_id, acquaintance.subject_of("documents.document", doc.id), user.id)
    session.commit()
    flash(_("Thank you: your acquaintance is recorded."), "ok")
    return redirect(url_for("documents.show", document_id=doc.id))


@bp.get("/<int:document_id>/sheet.pdf")
@requires_permission("documents.manage")
def acquaintance_sheet(document_id: int) -> Any:
    doc, _f = visible_document(document_id, acting_user())
    pdf = sheet.acquaintance_pdf(db(), doc)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=acquaintance-{doc.id}.pdf",
                             "Cache-Control": "no-store"})


@bp.get("/versions/<int:version_id>/file")
@requires_permission("documents.view")
def version_file(version_id: int) -> Any:
    row = get_owned_or_404(DocumentVersion, version_id)
    visible_document(row.document_id, acting_user())
    stored = load_file(db(), row.school_id, row.file_id) if row.file_id else None
    if stored is None:
        abort(404)
    return file_response(stored, row.filename, inline=True)


@bp.get("/register")
@requires_permission("documents.manage")
def register_page() -> Any:
    rows = list(db().scalars(select(Document).where(Document.school_id == current_school_id(),
                                                    Document.number.is_not(None))
                             .order_by(Document.number_year.desc(), Document.kind, Document.number.desc())))
    return render_template("documents/register.html", rows=rows, kinds=workflow.kinds(),
                           number=workflow.display_number)
