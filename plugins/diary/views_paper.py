"""The diary's paper: statements and information letters for a class or one student, as PDF or by e-mail.
Routes of the ``diary`` blueprint (``views.bp``)."""
from __future__ import annotations

import io
import logging
from datetime import date, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.toolkit import (
    ClassMembership,
    current_school_id,
    db,
    hook,
    requires_permission,
    school_today,
)
from plugins.diary import services
from plugins.diary.access import class_in_scope
from plugins.diary.views import _date_arg, _student_or_404, _viewer, bp
from plugins.diary.views_classes import _class_or_404

log = logging.getLogger("klass.diary")


def _class_students(class_id: int, day: date) -> list[tuple[int, str]]:
    from core.toolkit import User

    return [(i, " ".join(p for p in (last, first, middle) if p)) for i, last, first, middle in db().execute(
        select(User.id, User.last_name, User.first_name, User.middle_name)
        .join(ClassMembership, ClassMembership.student_id == User.id)
        .where(ClassMembership.class_id == class_id, ClassMembership.active_on(day))
        .order_by(User.last_name, User.first_name, User.id))]


def _chosen_students(class_id: int, day: date) -> list[int]:
    """The students ticked on the form, kept to the class (anything else is ignored, never printed)."""
    in_class = {i for i, _name in _class_students(class_id, day)}
    chosen = [int(x) for x in request.values.getlist("student") if x.isdigit()]
    return [i for i in chosen if i in in_class] if chosen else sorted(in_class)


def _pdf(data: bytes, filename: str) -> Any:
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/classes/<int:class_id>/statements")
@requires_permission("diary.statement.print")
def statements(class_id: int) -> Any:
    session = db()
    school_class = _class_or_404(class_id)
    today = school_today()
    term = services.current_term(session, current_school_id(), today)
    students = _class_students(class_id, today)
    paper_guardians = {g for group in hook().extra_paper_statement_guardians(
        session=session, school_id=current_school_id(), class_id=class_id) for g in group or []}
    from core.toolkit import GuardianLink

    paper = set(session.scalars(select(GuardianLink.student_id).where(
        GuardianLink.guardian_id.in_(paper_guardians), GuardianLink.student_id.in_([s for s, _n in students])))
    ) if paper_guardians else set()
    return render_template("diary/statements.html", school_class=school_class, students=students, paper=paper,
                           has_paper_source=bool(hook().extra_paper_statement_guardians.get_hookimpls()),
                           start=term.starts_on if term else today - timedelta(days=30), end=today)


def _period() -> tuple[date, date]:
    today = school_today()
    start, end = _date_arg("start"), _date_arg("end")
    if start is None or end is None or start > end or (end - start).days > 400:
        abort(400, _("Choose a period: the first day must not be after the last one."))
    return start, min(end, today + timedelta(days=366))


@bp.route("/classes/<int:class_id>/statements.pdf", methods=["GET", "POST"])
@requires_permission("diary.statement.print")
def statements_pdf(class_id: int) -> Any:
    from plugins.diary.documents import settings_from_app, statement_pdf

    school_class = _class_or_404(class_id)
    start, end = _period()
    ids = _chosen_students(class_id, end if end <= school_today() else school_today())
    data = statement_pdf(db(), current_school_id(), class_id, ids, start, end, settings_from_app())
    return _pdf(data, f"statements-{school_class.name}-{start}-{end}.pdf")


@bp.get("/<int:student_id>/statement.pdf")
@requires_permission("diary.statement.print")
def student_statement_pdf(student_id: int) -> Any:
    from plugins.diary.documents import settings_from_app, statement_pdf

    student = _student_or_404(student_id)
    if student.class_id is None or not class_in_scope(_viewer(), student.class_id):
        abort(404)
    start, end = _period()
    data = statement_pdf(db(), current_school_id(), student.class_id, [student.id], start, end, settings_from_app())
    return _pdf(data, f"statement-{student.id}-{start}-{end}.pdf")


@bp.get("/classes/<int:class_id>/letters")
@requires_permission("diary.letter.send")
def letters(class_id: int) -> Any:
    session = db()
    school_class = _class_or_404(class_id)
    today = school_today()
    term = services.current_term(session, current_school_id(), today)
    terms = term.year.terms if term else []
    return render_template("diary/letters.html", school_class=school_class, students=_class_students(class_id, today),
                           terms=terms, term=term)


def _letter_term() -> Any:
    term = services.current_term(db(), current_school_id(), school_today(), request.values.get("term", type=int))
    if term is None:
        abort(400, _("Choose a term."))
    return term


@bp.route("/classes/<int:class_id>/letters.pdf", methods=["GET", "POST"])
@requires_permission("diary.letter.send")
def letters_pdf(class_id: int) -> Any:
    from plugins.diary.documents import letter_pdf, settings_from_app

    school_class = _class_or_404(class_id)
    term = _letter_term()
    today = school_today()
    ids = _chosen_students(class_id, today)
    data = letter_pdf(db(), current_school_id(), ids, term.id, request.values.get("note", "")[:2000],
                      settings_from_app(), class_id=class_id, today=today)
    return _pdf(data, f"letters-{school_class.name}-{term.number}.pdf")


@bp.post("/classes/<int:class_id>/letters/send")
@requires_permission("diary.letter.send")
def letters_send(class_id: int) -> Any:
    from core.toolkit import submit_job

    school_class = _class_or_404(class_id)
    term = _letter_term()
    today = school_today()
    ids = _chosen_students(class_id, today)
    if not ids:
        flash(_("Choose at least one student."), "error")
        return redirect(url_for(".letters", class_id=class_id))
    job = submit_job(db(), school_id=current_school_id(), kind="diary.letters",
                     title=_("Information letters, class %(class_name)s, %(term)s", class_name=school_class.name,
                             term=term.title),
                     handler="plugins.diary.jobs:send_letters", user_id=current_user.id,
                     params={"class_id": class_id, "term_id": term.id, "term": term.title, "student_ids": ids,
                             "note": request.form.get("note", "")[:2000], "today": today.isoformat()})
    return redirect(url_for("core_jobs.show", job_id=job.id))
