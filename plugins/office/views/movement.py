"""Student movement: the list, a new request, carrying it out or rejecting it."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    SchoolClass,
    User,
    acting_user,
    can,
    current_school_id,
    db,
    get_owned_or_404,
    hook,
    requires_permission,
    school_today,
)
from plugins.office import refusals, rosters, transfers
from plugins.office.access import class_scope, require_student, scoped_classes
from plugins.office.forms import MovementForm, PerformForm, RejectForm
from plugins.office.models import MovementRequest
from plugins.office.views.common import bp, commit, flash_errors


def _movement_form() -> MovementForm:
    session = db()
    form = MovementForm()
    day = school_today()
    own = scoped_classes("office.movement.request")
    all_classes = rosters.classes_of_current_year(session, current_school_id())
    members = rosters.student_ids_of_classes(session, [c.id for c in own], day)
    names = {c.id: c.name for c in all_classes}
    students = session.scalars(select(User).where(User.id.in_(list(members)))
                               .order_by(User.last_name, User.first_name)).all() if members else []
    form.student_id.choices = [(0, "—")] + [(s.id, f"{s.full_name} ({names[members[s.id]]})") for s in students]
    form.to_class_id.choices = [(0, "—")] + [(c.id, c.name) for c in all_classes]
    if request.method == "GET":
        form.on_date.data = day
    return form


@bp.get("/movement")
@requires_permission("office.movement.view")
def movement() -> Any:
    session = db()
    scope = class_scope(acting_user(), "office.movement.view")
    query = select(MovementRequest).where(MovementRequest.school_id == current_school_id())
    if scope is not None:
        ids = list(scope)
        query = query.where((MovementRequest.from_class_id.in_(ids)) | (MovementRequest.to_class_id.in_(ids)))
    status = request.args.get("status", "pending")
    if status in transfers.MOVEMENT_STATUSES:
        query = query.where(MovementRequest.status == status)
    reqs = session.scalars(query.order_by(MovementRequest.requested_at.desc()).limit(200)).all()
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(
        {r.student_id for r in reqs if r.student_id} | {r.requested_by_id for r in reqs if r.requested_by_id})))}
    classes = {c.id: c for c in rosters.classes_of_current_year(session, current_school_id())}
    for r in reqs:  # a request may name a class of an earlier year
        for cid in (r.from_class_id, r.to_class_id):
            if cid and cid not in classes:
                found = session.get(SchoolClass, cid)
                if found is not None:
                    classes[cid] = found
    may_request = can(acting_user(), "office.movement.request") and bool(scoped_classes("office.movement.request"))
    return render_template("office/movement.html", reqs=reqs, people=people, classes=classes, status=status,
                           form=_movement_form() if may_request else None, perform_form=PerformForm(),
                           reject_form=RejectForm(), kinds=transfers.MOVEMENT_KINDS,
                           statuses=transfers.MOVEMENT_STATUSES)


@bp.post("/movement")
@requires_permission("office.movement.request")
def movement_request() -> Any:
    session = db()
    form = _movement_form()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for(".movement"))
    day = school_today()
    scope = class_scope(acting_user(), "office.movement.request")
    req = MovementRequest(school_id=current_school_id(), kind=form.kind.data, on_date=form.on_date.data,
                          reason=(form.reason.data or "").strip(), order_number=(form.order_number.data or "").strip(),
                          order_date=form.order_date.data, requested_by_id=acting_user().id, status="pending")
    if form.kind.data in ("transfer", "withdraw"):
        if not form.student_id.data:
            flash(_("Choose the student."), "error")
            return redirect(url_for(".movement"))
        student, school_class = require_student("office.movement.request", form.student_id.data)
        if school_class is None:
            flash(_("The student is not in any class now."), "error")
            return redirect(url_for(".movement"))
        req.student_id, req.from_class_id = student.id, school_class.id
    if form.kind.data in ("transfer", "admit"):
        if not form.to_class_id.data:
            flash(_("Choose the class."), "error")
            return redirect(url_for(".movement"))
        to_class = get_owned_or_404(SchoolClass, form.to_class_id.data)
        if form.kind.data == "admit" and scope is not None and to_class.id not in scope:
            abort(404)
        req.to_class_id = to_class.id
    if form.kind.data == "admit":
        req.last_name = (form.last_name.data or "").strip()
        req.first_name = (form.first_name.data or "").strip()
        req.middle_name = (form.middle_name.data or "").strip()
        req.birth_date = form.birth_date.data
    transfers.submit_movement(session, req)
    if request.form.get("perform_now") == "1" and can(acting_user(), "office.movement.perform"):
        if not req.order_number or req.order_date is None:
            raise refusals.OfficeError(_("Give the order number and date to carry it out now."))
        transfers.perform_movement(session, req, order_number=req.order_number, order_date=req.order_date,
                                  decided_by_id=acting_user().id, today=day, on_moved=hook().on_student_moved)
    commit()
    flash(_("Done.") if req.status == "done" else _("The request was sent to the system administrator."), "success")
    return redirect(url_for(".movement", status=req.status))


@bp.post("/movement/<int:request_id>/perform")
@requires_permission("office.movement.perform")
def movement_perform(request_id: int) -> Any:
    session = db()
    req = get_owned_or_404(MovementRequest, request_id)
    form = PerformForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for(".movement"))
    transfers.perform_movement(session, req, order_number=form.order_number.data, order_date=form.order_date.data,
                              decided_by_id=acting_user().id, today=school_today(), on_moved=hook().on_student_moved)
    commit()
    flash(_("Done."), "success")
    return redirect(url_for(".movement", status="done"))


@bp.post("/movement/<int:request_id>/reject")
@requires_permission("office.movement.perform")
def movement_reject(request_id: int) -> Any:
    session = db()
    req = get_owned_or_404(MovementRequest, request_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for(".movement"))
    transfers.reject_movement(session, req, note=form.note.data, decided_by_id=acting_user().id)
    commit()
    flash(_("The request was rejected."), "success")
    return redirect(url_for(".movement"))

