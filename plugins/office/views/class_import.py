"""Imports from spreadsheets: upload, preview (mapping the user may change, every row's problems), save or cancel.

The uploaded file stays on the server (``ImportBatch``) with the mapping the user chose, so the confirmation
re-reads exactly what was previewed. Nothing is saved while a row has a problem unless the user ticks the
box that names the rows to skip.
"""
from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    SchoolClass,
    acting_user,
    audit,
    can,
    current_school_id,
    current_year,
    db,
    get_owned_or_404,
    hook,
    requires_permission,
)
from plugins.office import import_headers, importer
from plugins.office.access import class_scope, require_class, school_today, scoped_classes
from plugins.office.forms import ImportForm
from plugins.office.models import ImportBatch
from plugins.office.views.common import bp, commit, flash_errors, upload_of

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _kinds() -> list[str]:
    """Class lists for whoever may import them; staff and loads for the administrator only."""
    return list(import_headers.KINDS) if can(acting_user(), "office.import.staff") else ["students"]


def _import_form() -> ImportForm:
    form = ImportForm()
    form.kind.choices = [c for c in form.kind.choices if c[0] in _kinds()]
    classes = scoped_classes("office.import.run")
    scope = class_scope(acting_user(), "office.import.run")
    form.class_id.choices = ([(0, _("As in the file's «класс» column"))] if scope is None else []) + \
        [(c.id, c.name) for c in classes]
    if request.method == "GET":
        year = current_year(db(), current_school_id())
        form.starts_on.data = year.starts_on if year else school_today()
        if request.args.get("kind") in _kinds():
            form.kind.data = request.args["kind"]
    return form


@bp.get("/import")
@requires_permission("office.import.run")
def import_form() -> Any:
    form = _import_form()
    if not form.class_id.choices:
        abort(404)
    return render_template("office/import.html", form=form, kinds=_kinds(),
                           headers=import_headers.TEMPLATE_HEADERS)


@bp.get("/import/template/<kind>.xlsx")
@requires_permission("office.import.run")
def import_template(kind: str) -> Any:
    if kind not in _kinds():
        abort(404)
    names = {"students": "ученики", "staff": "сотрудники", "loads": "нагрузка"}
    response = Response(importer.template_xlsx(kind), mimetype=_XLSX)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(names[kind])}.xlsx"
    return response


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


@bp.post("/import")
@requires_permission("office.import.run")
def import_upload() -> Any:
    session = db()
    form = _import_form()
    if not form.validate_on_submit():
        flash_errors(form)
        return render_template("office/import.html", form=form, kinds=_kinds(),
                               headers=import_headers.TEMPLATE_HEADERS), 422
    class_id = (form.class_id.data or None) if form.kind.data == "students" else None
    if class_id is not None:
        require_class("office.import.run", class_id)
    upload = upload_of(form.file.data)
    if upload is None or not upload[1]:
        flash(_("The file is empty."), "error")
        return redirect(url_for(".import_form", kind=form.kind.data))
    filename, content = upload
    if len(content) > 5 * 1024 * 1024:
        flash(_("The file is larger than 5 MB."), "error")
        return redirect(url_for(".import_form", kind=form.kind.data))
    # Forget abandoned uploads of this person: the file holds personal data.
    for old in session.scalars(select(ImportBatch).where(ImportBatch.uploaded_by_id == acting_user().id,
                                                         ImportBatch.status == "pending")):
        old.status, old.content = "cancelled", b""
    batch = ImportBatch(school_id=current_school_id(), uploaded_by_id=acting_user().id, filename=filename[:200],
                        content=content, class_id=class_id, starts_on=form.starts_on.data, status="pending",
                        kind=form.kind.data, mapping="")
    session.add(batch)
    commit()
    return redirect(url_for(".import_preview", batch_id=batch.id))


def _batch(batch_id: int) -> ImportBatch:
    batch = get_owned_or_404(ImportBatch, batch_id)
    if batch.uploaded_by_id != acting_user().id or batch.kind not in _kinds():
        abort(404)
    return batch


def _preview(batch: ImportBatch) -> importer.Preview:
    session = db()
    default = session.get(SchoolClass, batch.class_id) if batch.class_id else None
    return importer.preview(session, current_school_id(), batch.kind, batch.filename, batch.content,
                            mapping=batch.mapping, default_class=default,
                            allowed_class_ids=class_scope(acting_user(), "office.import.run"))


@bp.get("/import/<int:batch_id>")
@requires_permission("office.import.run")
def import_preview(batch_id: int) -> Any:
    batch = _batch(batch_id)
    result, file_error = None, None
    if batch.status == "pending":
        try:
            result = _preview(batch)
        except importer.ImportFileError as exc:
            file_error = str(exc)
    return render_template("office/import_preview.html", batch=batch, result=result, file_error=file_error)


@bp.post("/import/<int:batch_id>/mapping")
@requires_permission("office.import.run")
def import_mapping(batch_id: int) -> Any:
    """The user's choice of a field for each column; kept with the upload for the preview and the save."""
    batch = _batch(batch_id)
    if batch.status == "pending":
        try:
            width = len(_preview(batch).headers)
        except importer.ImportFileError as exc:
            flash(str(exc), "error")
            return redirect(url_for(".import_preview", batch_id=batch.id))
        fields = import_headers.fields_of(batch.kind)
        chosen = [request.form.get(f"col{i}", "") for i in range(width)]
        batch.mapping = json.dumps([c if c in fields else "" for c in chosen], ensure_ascii=False)
        commit()
    return redirect(url_for(".import_preview", batch_id=batch.id))


@bp.post("/import/<int:batch_id>/confirm")
@requires_permission("office.import.run")
def import_confirm(batch_id: int) -> Any:
    session = db()
    batch = _batch(batch_id)
    if batch.status != "pending":
        flash(_("This upload is already finished. Upload the file again."), "error")
        return redirect(url_for(".import_form"))
    try:
        result = _preview(batch)
    except importer.ImportFileError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".import_preview", batch_id=batch.id))
    skip: set[int] = set()
    if request.form.get("skip_rows_confirmed") == "1":
        skip = {int(n) for n in request.form.get("skip_rows", "").split(",") if n.strip().isdigit()}
    try:
        saved = importer.save(session, current_school_id(), result, skip_lines=skip, starts_on=batch.starts_on,
                              on_moved=hook().on_student_moved)
    except importer.RowsHaveProblems as exc:
        session.rollback()
        if exc.lines:
            flash(_("Nothing was saved: rows %(rows)s have problems. Fix the file, or tick the box to skip "
                    "exactly those rows.", rows=", ".join(map(str, exc.lines))), "error")
        else:
            flash(_("Nothing was saved: fix the mapping of the columns first."), "error")
        return redirect(url_for(".import_preview", batch_id=batch.id))
    batch.status, batch.content = "done", b""
    batch.created_students, batch.created_guardians = saved.students, saved.guardians
    batch.created_other = saved.staff + saved.loads
    audit(session, school_id=current_school_id(), action="office.import.batch", object_type="office.import",
          object_id=batch.id, new={"kind": batch.kind, "filename": batch.filename, "students": saved.students,
                                   "guardians": saved.guardians, "staff": saved.staff, "loads": saved.loads,
                                   "skipped_rows": sorted(skip)})
    commit()
    if batch.kind == "students":
        flash(_("Saved: %(s)d students and %(g)d guardians; rows skipped: %(b)d. Now issue their credentials.",
                s=saved.students, g=saved.guardians, b=len(skip & set(result.bad_lines))), "success")
        if batch.class_id:
            return redirect(url_for(".credentials", class_id=batch.class_id))
    else:
        flash(_("Saved: %(n)d rows; rows skipped: %(b)d.", n=saved.staff + saved.loads,
                b=len(skip & set(result.bad_lines))), "success")
    return redirect(url_for(".index"))


@bp.post("/import/<int:batch_id>/cancel")
@requires_permission("office.import.run")
def import_cancel(batch_id: int) -> Any:
    batch = _batch(batch_id)
    if batch.status == "pending":
        batch.status, batch.content = "cancelled", b""
        commit()
    flash(_("The upload was cancelled; nothing was saved."), "info")
    return redirect(url_for(".import_form"))
