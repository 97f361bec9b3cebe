"""The teacher's own portfolio pages (T07) and the deputy's confirmation (D07); joins the portfolio
blueprint. A teacher sees her own; the deputy and the principal (``portfolio.teacher.review``) see anyone's."""
from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.toolkit import User, acting_user, can, db, get_owned_or_404, requires_permission, school_today
from plugins.portfolio import labels, printing, services, teacher
from plugins.portfolio.models import TEACHER_KINDS, TeacherEntry
from plugins.portfolio.views import bp, parse_date


def visible_teacher(teacher_id: int) -> User:
    person = get_owned_or_404(User, teacher_id)
    user = acting_user()
    if person.id != user.id and not can(user, "portfolio.teacher.review"):
        abort(404)
    return person


def _values() -> dict[str, Any]:
    f = request.form
    return {"kind": f.get("kind", ""), "title": f.get("title", ""), "organisation": f.get("organisation", ""),
            "hours": f.get("hours", ""), "category": f.get("category", ""),
            "happened_on": parse_date(f.get("happened_on")), "valid_until": parse_date(f.get("valid_until"))}


@bp.get("/teacher/")
@requires_permission("portfolio.teacher.own")
def teacher_own() -> Any:
    return redirect(url_for("portfolio.teacher_page", teacher_id=acting_user().id))


@bp.get("/teacher/<int:teacher_id>")
@requires_permission("portfolio.view")
def teacher_page(teacher_id: int) -> Any:
    person = visible_teacher(teacher_id)
    session, user = db(), acting_user()
    rows = teacher.entries_of(session, person.school_id, person.id)
    files = services.attachments(session, person.school_id, "teacher_entry", [r.id for r in rows])
    since = teacher.course_cutoff(school_today())
    current = any(r.kind == "course" and r.status == "confirmed" and r.happened_on >= since for r in rows)
    return render_template("portfolio/teacher.html", person=person, rows=rows, files=files, labels=labels,
                           kinds=[(k, labels.teacher_kind(k)) for k in TEACHER_KINDS],
                           attestation=teacher.current_attestation(rows), current_course=current, since=since,
                           supervised=teacher.supervised(session, person.school_id, person.id),
                           own=person.id == user.id and can(user, "portfolio.teacher.own"),
                           may_review=can(user, "portfolio.teacher.review"))


@bp.post("/teacher/entries")
@requires_permission("portfolio.teacher.own")
def teacher_add() -> Any:
    user, session = acting_user(), db()
    row = teacher.create(session, school_id=user.school_id, teacher=user, values=_values())
    upload = request.files.get("file")
    if upload and upload.filename:
        services.attach(session, school_id=user.school_id, owner="teacher_entry", owner_id=row.id,
                        data=upload.read(), filename=upload.filename, by=user)
    session.commit()
    flash(_("The entry is saved and waits for the deputy's confirmation."), "ok")
    return redirect(url_for("portfolio.teacher_page", teacher_id=user.id))


@bp.post("/teacher/entries/<int:entry_id>/edit")
@requires_permission("portfolio.teacher.own")
def teacher_edit(entry_id: int) -> Any:
    row = get_owned_or_404(TeacherEntry, entry_id)
    user, session = acting_user(), db()
    if row.teacher_id != user.id:
        abort(404)
    teacher.update(session, row, values=_values(), version=request.form.get("version", type=int))
    upload = request.files.get("file")
    if upload and upload.filename:
        services.attach(session, school_id=user.school_id, owner="teacher_entry", owner_id=row.id,
                        data=upload.read(), filename=upload.filename, by=user)
    session.commit()
    flash(_("The entry is corrected and sent for confirmation again."), "ok")
    return redirect(url_for("portfolio.teacher_page", teacher_id=user.id))


@bp.post("/teacher/entries/<int:entry_id>/review")
@requires_permission("portfolio.teacher.review")
def teacher_review(entry_id: int) -> Any:
    row = get_owned_or_404(TeacherEntry, entry_id)
    confirm = request.form.get("action") == "confirm"
    teacher.review(db(), row, reviewer=acting_user(), confirm=confirm, comment=request.form.get("comment", ""),
                   version=request.form.get("version", type=int))
    db().commit()
    flash(_("The entry is confirmed.") if confirm else _("The entry is returned to the teacher with your comment."),
          "ok")
    if request.form.get("next") == "review":
        return redirect(url_for("portfolio.review"))
    return redirect(url_for("portfolio.teacher_page", teacher_id=row.teacher_id))


@bp.get("/teacher/<int:teacher_id>/attestation.pdf")
@requires_permission("portfolio.view")
def teacher_pdf(teacher_id: int) -> Any:
    person = visible_teacher(teacher_id)
    data = printing.attestation_pdf(db(), person, school_today())
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=attestation-{person.id}.pdf", "Cache-Control": "no-store"})
