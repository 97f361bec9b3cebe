"""The regulation on the electronic journal: the file, publishing it, acknowledging, the report."""
from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from core.toolkit import acting_user, can, current_school_id, db, requires_permission, school_today
from plugins.office import regulation_acks
from plugins.office.access import scoped_classes
from plugins.office.forms import RegulationForm
from plugins.office.views.common import bp, commit, flash_errors, upload_of


@bp.get("/regulation")
@requires_permission("office.regulation.view")
def regulation() -> Any:
    session = db()
    current = regulation_acks.current_regulation(session, current_school_id())
    acknowledged = current is not None and regulation_acks.has_acknowledged(session, current.id, acting_user().id)
    return render_template("office/regulation.html", regulation=current, acknowledged=acknowledged,
                           form=RegulationForm() if can(acting_user(), "office.regulation.manage") else None,
                           classes=scoped_classes("office.regulation.report")
                           if can(acting_user(), "office.regulation.report") else [])


@bp.get("/regulation/file")
@requires_permission("office.regulation.view")
def regulation_file() -> Any:
    current = regulation_acks.current_regulation(db(), current_school_id())
    if current is None:
        abort(404)
    return send_file(io.BytesIO(current.content), mimetype="application/pdf", download_name=current.filename)


@bp.post("/regulation")
@requires_permission("office.regulation.manage")
def upload_regulation() -> Any:
    session = db()
    form = RegulationForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for(".regulation"))
    upload = upload_of(form.file.data)
    assert upload is not None
    regulation_acks.upload_regulation(session, current_school_id(), title=form.title.data,
                               approved_on=form.approved_on.data, filename=upload[0], content=upload[1],
                               uploaded_by_id=acting_user().id)
    commit()
    flash(_("The regulation is published; guardians are asked to read it."), "success")
    return redirect(url_for(".regulation"))


@bp.post("/regulation/acknowledge")
@requires_permission("office.regulation.acknowledge")
def acknowledge_regulation() -> Any:
    session = db()
    current = regulation_acks.current_regulation(session, current_school_id())
    if current is None:
        abort(404)
    regulation_acks.acknowledge(session, current, acting_user())
    commit()
    flash(_("Thank you: your acquaintance with the regulation is recorded."), "success")
    return redirect(url_for(".regulation"))


@bp.get("/regulation/report")
@requires_permission("office.regulation.report")
def regulation_report() -> Any:
    session = db()
    classes = scoped_classes("office.regulation.report")
    class_id = request.args.get("class_id", type=int) or (classes[0].id if classes else None)
    school_class = next((c for c in classes if c.id == class_id), None)
    if school_class is None:
        abort(404)
    current = regulation_acks.current_regulation(session, current_school_id())
    rows = regulation_acks.regulation_status(session, current, school_class.id, school_today())
    return render_template("office/regulation_report.html", classes=classes, school_class=school_class,
                           regulation=current, rows=rows)

