"""Personal files: a student's file, guardians, documents, and the monthly verification."""
from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    GuardianLink,
    Role,
    SchoolClass,
    User,
    acting_user,
    can,
    current_school_id,
    db,
    get_owned_or_404,
    plugin_settings,
    requires_permission,
    school_today,
)
from plugins.office import personal_files, rosters
from plugins.office.access import (
    class_scope,
    require_guardian_of_scope,
    require_student,
    scoped_classes,
)
from plugins.office.forms import DocumentForm, GuardianForm, StudentForm
from plugins.office.models import Consent, Document, GuardianInfo, PersonalFile
from plugins.office.refusals import OfficeError
from plugins.office.views.common import bp, commit, flash_errors, upload_of


def _file_context(student: User, school_class: SchoolClass | None) -> dict[str, Any]:
    session = db()
    record = session.scalar(select(PersonalFile).where(PersonalFile.student_id == student.id))
    links = rosters.guardian_links(session, [student.id])
    infos = {i.guardian_id: i for i in session.scalars(
        select(GuardianInfo).where(GuardianInfo.guardian_id.in_([u.id for _l, u in links])))} if links else {}
    consents = {c.guardian_id: c for c in session.scalars(
        select(Consent).where(Consent.guardian_id.in_([u.id for _l, u in links])))} if links else {}
    doc_query = select(Document).where(Document.school_id == student.school_id, Document.deleted_at.is_(None),
                                       (Document.student_id == student.id) |
                                       Document.guardian_id.in_([u.id for _l, u in links] or [-1]))
    user = acting_user()
    editable = can(user, "office.personal_file.edit") and (
        class_scope(user, "office.personal_file.edit") is None
        or (school_class is not None and school_class.id in (class_scope(user, "office.personal_file.edit") or set())))
    if not editable and user.has_role(Role.guardian):
        doc_query = doc_query.where((Document.guardian_id.is_(None)) | (Document.guardian_id == user.id))
    documents = session.scalars(doc_query.order_by(Document.uploaded_at.desc())).all()
    last = personal_files.last_verifications(session, [student.id]).get(student.id)
    form = StudentForm(obj=student) if editable else None
    if form is not None and record is not None and request.method == "GET":
        for name in ("file_number", "registration_address", "actual_address", "phones", "notes"):
            getattr(form, name).data = getattr(record, name)
    if form is not None and request.method == "GET":
        form.version.data = str(personal_files.file_version(session, student))
    doc_form = DocumentForm() if editable else None
    if doc_form is not None:
        doc_form.kind.choices = list(personal_files.DOCUMENT_KINDS.items())
    guardian_forms = {}
    if editable:
        for link, guardian in links:
            info = infos.get(guardian.id)
            gform = GuardianForm(prefix=f"g{guardian.id}", obj=guardian)
            if request.method == "GET":
                gform.relation.data = link.relation
                for name in ("workplace", "position", "work_phone"):
                    getattr(gform, name).data = getattr(info, name) if info else ""
            guardian_forms[guardian.id] = gform
    return {"student": student, "school_class": school_class, "record": record, "links": links, "infos": infos,
            "consents": consents, "documents": documents, "last_verified": last, "editable": editable,
            "form": form, "doc_form": doc_form, "guardian_forms": guardian_forms,
            "new_guardian_form": GuardianForm(prefix="new") if editable else None,
            "kinds": personal_files.DOCUMENT_KINDS}


@bp.get("/files/<int:student_id>")
@requires_permission("office.personal_file.view")
def personal_file(student_id: int) -> Any:
    student, school_class = require_student("office.personal_file.view", student_id, allow_guardian=True)
    return render_template("office/personal_file.html", **_file_context(student, school_class))


def _seen_version() -> int | None:
    """The file's version the form was rendered with; every rendered form carries it (a post without the
    field is a script's, saved as before; a garbled one never matches, so it is refused)."""
    if "version" not in request.form:
        return None
    raw = request.form["version"].strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else -1


@bp.post("/files/<int:student_id>")
@requires_permission("office.personal_file.edit")
def save_personal_file(student_id: int) -> Any:
    student, school_class = require_student("office.personal_file.edit", student_id)
    form = StudentForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return render_template("office/personal_file.html", **_file_context(student, school_class)), 422
    session = db()
    text_fields = ("last_name", "first_name", "middle_name", "file_number", "registration_address",
                   "actual_address", "phones", "notes")
    values: dict[str, Any] = {name: (getattr(form, name).data or "").strip() for name in text_fields}
    values["birth_date"] = form.birth_date.data
    try:
        changed = personal_files.save_file(session, student, values, _seen_version())
    except OfficeError as exc:  # a stale form: shown again as typed, beside the newer values it would erase
        session.rollback()
        flash(exc.translated(), "error")
        context = _file_context(student, school_class)
        context["form"].version.data = str(personal_files.file_version(session, student))
        return render_template("office/personal_file.html", **context), 409
    commit()
    flash(_("Saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for(".personal_file", student_id=student.id))


@bp.post("/files/<int:student_id>/guardians/<int:guardian_id>")
@requires_permission("office.personal_file.edit")
def save_guardian(student_id: int, guardian_id: int) -> Any:
    student, _class = require_student("office.personal_file.edit", student_id)
    session = db()
    link = session.get(GuardianLink, (guardian_id, student.id))
    if link is None:
        abort(404)
    guardian = get_owned_or_404(User, guardian_id)
    form = GuardianForm(prefix=f"g{guardian_id}")
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for(".personal_file", student_id=student.id))
    values = {k: (v or "").strip() for k, v in form.data.items() if k != "csrf_token"}
    changed = personal_files.update_guardian(session, guardian, link, values)
    commit()
    flash(_("Saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for(".personal_file", student_id=student.id))


@bp.post("/files/<int:student_id>/guardians")
@requires_permission("office.personal_file.edit")
def add_guardian(student_id: int) -> Any:
    student, _class = require_student("office.personal_file.edit", student_id)
    form = GuardianForm(prefix="new")
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for(".personal_file", student_id=student.id))
    values = {k: (v or "").strip() for k, v in form.data.items() if k != "csrf_token"}
    personal_files.add_guardian(db(), student, values)
    commit()
    flash(_("Guardian added. Issue their credentials on the class's credentials page."), "success")
    return redirect(url_for(".personal_file", student_id=student.id))


@bp.post("/files/<int:student_id>/documents")
@requires_permission("office.personal_file.edit")
def upload_document(student_id: int) -> Any:
    student, _class = require_student("office.personal_file.edit", student_id)
    form = DocumentForm()
    form.kind.choices = list(personal_files.DOCUMENT_KINDS.items())
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for(".personal_file", student_id=student.id))
    upload = upload_of(form.file.data)
    assert upload is not None
    filename, content = upload
    session = db()
    personal_files.add_document(session, school_id=student.school_id, student_id=student.id, guardian_id=None,
                          kind=form.kind.data, title=form.title.data or "", filename=filename,
                          content_type=personal_files.guess_content_type(filename, content), content=content,
                          uploaded_by_id=acting_user().id)
    commit()
    flash(_("Document uploaded."), "success")
    return redirect(url_for(".personal_file", student_id=student.id))


def _document(document_id: int, permission: str) -> Document:
    """A document the user may see (``office.personal_file.view``) or change (``...edit``)."""
    doc = get_owned_or_404(Document, document_id)
    if doc.deleted_at is not None:
        abort(404)
    user = acting_user()
    viewing = permission == "office.personal_file.view"
    if viewing and doc.guardian_id == user.id:
        return doc
    if doc.student_id is not None:
        _student, school_class = require_student(permission, doc.student_id, allow_guardian=viewing)
        scope = class_scope(user, permission)
        staff = scope is None or (school_class is not None and school_class.id in scope)
        if not staff and doc.guardian_id is not None:  # the other guardian's own papers
            abort(404)
        return doc
    if doc.guardian_id is not None:
        require_guardian_of_scope(permission, doc.guardian_id)
        return doc
    abort(404)


@bp.get("/documents/<int:document_id>")
@requires_permission("office.personal_file.view")
def download_document(document_id: int) -> Any:
    doc = _document(document_id, "office.personal_file.view")
    response = send_file(io.BytesIO(doc.content), mimetype=doc.content_type, as_attachment=True,
                         download_name=doc.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/documents/<int:document_id>/delete")
@requires_permission("office.personal_file.edit")
def delete_document(document_id: int) -> Any:
    doc = _document(document_id, "office.personal_file.edit")
    personal_files.delete_document(db(), doc)
    commit()
    flash(_("Document deleted."), "success")
    if doc.student_id:
        return redirect(url_for(".personal_file", student_id=doc.student_id))
    return redirect(url_for(".consents"))


@bp.post("/files/<int:student_id>/verify")
@requires_permission("office.personal_file.edit")
def verify_file(student_id: int) -> Any:
    student, _class = require_student("office.personal_file.edit", student_id)
    personal_files.verify_files(db(), student.school_id, [student.id], verified_by_id=acting_user().id,
                          note=request.form.get("note", ""))
    commit()
    flash(_("The file is marked as verified today."), "success")
    return redirect(request.form.get("back") if (request.form.get("back") or "").startswith("/office/")
                    else url_for(".personal_file", student_id=student.id))


@bp.get("/verification")
@requires_permission("office.personal_file.edit")
def verification() -> Any:
    classes = scoped_classes("office.personal_file.edit")
    due = personal_files.unverified_students(db(), [c.id for c in classes], school_today(),
                                       every_days=plugin_settings("office")["verify_every_days"])
    names = {c.id: c.name for c in classes}
    return render_template("office/verification.html", due=due, names=names)


@bp.post("/verification")
@requires_permission("office.personal_file.edit")
def verify_selected() -> Any:
    session = db()
    ids = [int(v) for v in request.form.getlist("student_id") if v.isdigit()]
    if not ids:
        flash(_("Tick the files you have checked."), "error")
        return redirect(url_for(".verification"))
    classes = scoped_classes("office.personal_file.edit")
    members = rosters.student_ids_of_classes(session, [c.id for c in classes], school_today())
    if any(i not in members for i in ids):
        abort(404)
    n = personal_files.verify_files(session, current_school_id(), ids, verified_by_id=acting_user().id)
    commit()
    flash(_("Files marked as verified: %(n)d.", n=n), "success")
    return redirect(url_for(".verification"))

