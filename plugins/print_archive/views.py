"""The archive pages (/print_archive): thin views over services.py; object checks in access.py."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.toolkit import (
    AcademicYear,
    User,
    acting_user,
    can,
    current_school_id,
    current_year,
    db,
    requires_permission,
    school_today,
    submit_job,
    utcnow,
)
from plugins.print_archive import services
from plugins.print_archive.access import (
    chosen_year,
    require_class,
    require_document,
    school_wide,
    visible_classes,
    years,
)
from plugins.print_archive.forms import GenerateForm, SignForm
from plugins.print_archive.jobs import context_from_app

bp = Blueprint("print_archive", __name__, url_prefix="/print_archive", template_folder="templates",
               static_folder="static")

KIND_TITLES = {"journal": _l("Class journal"), "summary": _l("Summary sheet of final marks")}


def kinds_of(choice: str) -> list[str]:
    return ["journal", "summary"] if choice == "both" else [choice]


def start_print(class_ids: list[int], kinds: list[str], year: AcademicYear, title: str) -> Any:
    """Queue the job and send the user to its progress page (it survives reloads)."""
    job = submit_job(db(), school_id=current_school_id(), kind="print_archive.print", title=title,
                     handler="plugins.print_archive.jobs:generate_job",
                     params={"class_ids": class_ids, "kinds": kinds, "year_id": year.id}, user_id=acting_user().id)
    return redirect(url_for("core_jobs.show", job_id=job.id))


@bp.get("/")
@requires_permission("print_archive.view")
def index() -> Any:
    year = chosen_year(request.args.get("year_id", type=int))
    session = db()
    statuses = []
    if year is not None:
        statuses = services.class_statuses(session, current_school_id(), year.id,
                                           visible_classes(session, acting_user(), year.id))
        session.commit()  # the refreshed statuses serve the dashboard
    return render_template("print_archive/index.html", year=year, years=years(), statuses=statuses,
                           form=GenerateForm(), school_wide=school_wide(acting_user()),
                           may_print=can(acting_user(), "print_archive.generate"),
                           may_print_school=can(acting_user(), "print_archive.generate_school"),
                           settings=context_from_app().settings)


@bp.post("/generate")
@requires_permission("print_archive.generate")
def generate() -> Any:
    form = GenerateForm()
    if not form.validate_on_submit():
        flash(_("Choose what to print."), "error")
        return redirect(url_for(".index"))
    kinds = kinds_of(form.kind.data)
    if form.scope.data == "school":
        if not can(acting_user(), "print_archive.generate_school"):
            abort(403)
        year = chosen_year(form.year_id.data)
        if year is None:
            flash(_("There is no current academic year."), "error")
            return redirect(url_for(".index"))
        classes = visible_classes(db(), acting_user(), year.id)
        if not classes:
            flash(_("The year has no classes to print."), "error")
            return redirect(url_for(".index", year_id=year.id))
        return start_print([c.id for c in classes], kinds, year,
                           _("Printing the journals of the school, %(year)s", year=year.title))
    if not form.class_id.data:
        flash(_("Choose a class."), "error")
        return redirect(url_for(".index"))
    school_class = require_class(form.class_id.data)
    year = db().get(AcademicYear, school_class.year_id)
    assert year is not None
    return start_print([school_class.id], kinds, year,
                       _("Printing %(cls)s, %(year)s", cls=school_class.name, year=year.title))


@bp.get("/class/<int:class_id>")
@requires_permission("print_archive.view")
def class_documents(class_id: int) -> Any:
    """Every version ever printed for the class: the archive is read-only, nothing is replaced."""
    school_class = require_class(class_id)
    session = db()
    docs = services.documents(session, current_school_id(), class_ids={class_id})
    names = _names(session, {d.generated_by for d in docs if d.generated_by})
    signed = services.signoffs(session, [d.id for d in docs])
    stale = services.refresh_statuses(session, list(services.latest(docs).values()), utcnow(), force=True)
    session.commit()
    year = session.get(AcademicYear, school_class.year_id)
    return render_template("print_archive/class.html", school_class=school_class, year=year, docs=docs,
                           names=names, signed=signed, stale=stale, form=GenerateForm(),
                           may_print=can(acting_user(), "print_archive.generate"),
                           may_sign=can(acting_user(), "print_archive.sign"), kind_titles=KIND_TITLES)


@bp.get("/document/<int:document_id>.pdf")
@requires_permission("print_archive.view")
def download(document_id: int) -> Any:
    document = require_document(document_id)
    data = services.file_bytes(db(), document)
    disposition = "inline" if request.args.get("inline") else "attachment"
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="{document.filename}"',
        "X-Content-SHA256": document.sha256, "Cache-Control": "private, max-age=0"})


@bp.get("/document/<int:document_id>/check")
@requires_permission("print_archive.view")
def check(document_id: int) -> Any:
    """Recompute what the journal would print today and compare it with what this version printed."""
    document = require_document(document_id)
    session = db()
    result = services.check(session, context_from_app(), document)
    school_class = require_class(document.class_id)
    signed = services.signoffs(session, [document.id]).get(document.id)
    return render_template("print_archive/check.html", document=document, result=result,
                           school_class=school_class, signed=signed, kind_titles=KIND_TITLES,
                           may_sign=can(acting_user(), "print_archive.sign"),
                           sign_form=SignForm(signed_on=school_today()))


@bp.post("/document/<int:document_id>/sign")
@requires_permission("print_archive.sign")
def sign(document_id: int) -> Any:
    document = require_document(document_id)
    form = SignForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for(".check", document_id=document.id))
    session = db()
    services.sign_off(session, context_from_app(), document, acting_user(), on_date=form.signed_on.data,
                      note=form.note.data or "")
    session.commit()
    flash(_("Version %(version)d is certified.", version=document.version), "success")
    return redirect(url_for(".class_documents", class_id=document.class_id))


def _names(session: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {u.id: u.short_name for u in session.scalars(select(User).where(User.id.in_(ids)))}


def widget_context(user: User) -> dict[str, Any] | None:
    """The dashboard summary: how many classes have a printed journal, and which look out of date."""
    session = db()
    year = current_year(session, user.school_id)
    if year is None:
        return None
    classes = visible_classes(session, user, year.id)
    if not classes:
        return None
    statuses = services.class_statuses(session, user.school_id, year.id, classes, live=False)
    printed = [s for s in statuses if "journal" in s.latest]
    stale = [s for s in printed if s.stale.get("journal")]
    return {"total": len(statuses), "printed": len(printed), "stale": stale, "year": year}
