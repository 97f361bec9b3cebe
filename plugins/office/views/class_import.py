"""Importing class lists: upload, preview with every row's problems, confirm or cancel."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    SchoolClass,
    current_school_id,
    current_year,
    db,
    hook,
    requires_permission,
    school_today,
)
from plugins.office import importer
from plugins.office.access import class_scope, me, owned, require_class, scoped_classes
from plugins.office.forms import ImportForm
from plugins.office.models import ImportBatch
from plugins.office.views.common import bp, commit, flash_errors, upload_of


def _import_form() -> ImportForm:
    form = ImportForm()
    classes = scoped_classes("office.import.run")
    scope = class_scope(me(), "office.import.run")
    form.class_id.choices = ([(0, _("As in the file's «класс» column"))] if scope is None else []) + \
        [(c.id, c.name) for c in classes]
    if request.method == "GET":
        year = current_year(db(), current_school_id())
        form.starts_on.data = year.starts_on if year else school_today()
    return form


def _import_scope(batch: ImportBatch) -> importer.Scope:
    session = db()
    year = current_year(session, current_school_id())
    default = session.get(SchoolClass, batch.class_id) if batch.class_id else None
    return importer.Scope(classes=importer.school_classes(session, current_school_id()),
                          allowed_class_ids=class_scope(me(), "office.import.run"), default_class=default,
                          year_start=year.starts_on if year else school_today())


@bp.get("/import")
@requires_permission("office.import.run")
def import_form() -> Any:
    form = _import_form()
    if not form.class_id.choices:
        abort(404)
    return render_template("office/import.html", form=form)


@bp.post("/import")
@requires_permission("office.import.run")
def import_upload() -> Any:
    session = db()
    form = _import_form()
    if not form.validate_on_submit():
        flash_errors(form)
        return render_template("office/import.html", form=form), 422
    class_id = form.class_id.data or None
    if class_id is not None:
        require_class("office.import.run", class_id)
    upload = upload_of(form.file.data)
    if upload is None or not upload[1]:
        flash(_("The file is empty."), "error")
        return render_template("office/import.html", form=form), 422
    filename, content = upload
    if len(content) > 5 * 1024 * 1024:
        flash(_("The file is larger than 5 MB."), "error")
        return render_template("office/import.html", form=form), 422
    year = current_year(session, current_school_id())
    if year is None:
        flash(_("Create the academic year first."), "error")
        return render_template("office/import.html", form=form), 422
    # Forget abandoned uploads of this person: the file holds personal data.
    for old in session.scalars(select(ImportBatch).where(ImportBatch.uploaded_by_id == me().id,
                                                         ImportBatch.status == "pending")):
        old.status, old.content = "cancelled", b""
    batch = ImportBatch(school_id=current_school_id(), uploaded_by_id=me().id, filename=filename[:200],
                        content=content, class_id=class_id, starts_on=form.starts_on.data, status="pending")
    session.add(batch)
    commit()
    return redirect(url_for(".import_preview", batch_id=batch.id))


def _batch(batch_id: int) -> ImportBatch:
    batch = owned(ImportBatch, batch_id)
    if batch.uploaded_by_id != me().id:
        abort(404)
    return batch


@bp.get("/import/<int:batch_id>")
@requires_permission("office.import.run")
def import_preview(batch_id: int) -> Any:
    batch = _batch(batch_id)
    rows: list[importer.Row] = []
    file_error = None
    if batch.status == "pending":
        try:
            rows = importer.check(db(), current_school_id(), batch.filename, batch.content, _import_scope(batch))
        except importer.ImportFileError as exc:
            file_error = str(exc)
    bad = [r for r in rows if not r.ok]
    return render_template("office/import_preview.html", batch=batch, rows=rows, bad=bad, file_error=file_error)


@bp.post("/import/<int:batch_id>/confirm")
@requires_permission("office.import.run")
def import_confirm(batch_id: int) -> Any:
    session = db()
    batch = _batch(batch_id)
    if batch.status != "pending":
        flash(_("This upload is already finished. Upload the file again."), "error")
        return redirect(url_for(".import_form"))
    try:
        rows = importer.check(session, current_school_id(), batch.filename, batch.content, _import_scope(batch))
    except importer.ImportFileError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".import_preview", batch_id=batch.id))
    bad = [r for r in rows if not r.ok]
    if bad and request.form.get("skip_invalid") != "1":
        flash(_("Nothing was saved: %(n)d rows have problems. Fix the file, or choose to skip those rows.",
                n=len(bad)), "error")
        return redirect(url_for(".import_preview", batch_id=batch.id))
    students, guardians = importer.apply(session, current_school_id(), rows, starts_on=batch.starts_on,
                                         on_moved=hook().on_student_moved)
    batch.status, batch.content = "done", b""
    batch.created_students, batch.created_guardians = students, guardians
    commit()
    flash(_("Saved: %(s)d students and %(g)d guardians; rows skipped: %(b)d. Now issue their credentials.",
            s=students, g=guardians, b=len(bad)), "success")
    if batch.class_id:
        return redirect(url_for(".credentials", class_id=batch.class_id))
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

