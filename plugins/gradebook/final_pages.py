"""The final marks page of a class and subject: per term and the year, average, forecast, mark."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.toolkit import (
    SchoolClass,
    Subgroup,
    Subject,
    db,
    get_owned_or_404,
    requires_permission,
    school_today,
)
from plugins.gradebook import access
from plugins.gradebook.errors import GradebookError
from plugins.gradebook.finals import final_sheet, period_closes_on, set_final_mark, window_refusal
from plugins.gradebook.web import (
    bp,
    default_term,
    journal_args,
    year_terms,
)


def _final_context() -> dict[str, Any]:
    session = db()
    class_id, subject_id, _term, subgroup_id = journal_args()
    school_class = get_owned_or_404(SchoolClass, class_id)
    subject = get_owned_or_404(Subject, subject_id)
    subgroup = get_owned_or_404(Subgroup, subgroup_id) if subgroup_id else None
    if subgroup is not None and subgroup.class_id != class_id:
        abort(404)
    if not access.may_view_class(session, class_id, subject_id):
        abort(403)
    terms = year_terms(session, school_class.year_id)
    period = request.values.get("period", "")
    term = next((t for t in terms if str(t.id) == period), None)
    if period != "year" and term is None:
        term = default_term(session, school_class.year_id, school_today())
    ed = access.editor()
    closes = period_closes_on(term, terms)
    locked = closes is not None and ed.today > closes
    teaches = access.teaches_class(session, class_id, subject_id)
    early = window_refusal(term, terms, access.settings(), ed.today)
    may_set = early is None and (ed.may_final_override or (ed.may_final and teaches and not locked))
    rows = final_sheet(session, access.settings(), class_id=class_id, subject_id=subject_id,
                                subgroup_id=subgroup_id, terms=terms)
    return {"school_class": school_class, "subject": subject, "subgroup": subgroup, "terms": terms, "term": term,
            "period_key": term.id if term else None, "closes": closes, "locked": locked, "may_set": may_set,
            "rows": rows, "typed": {}, "reasons": {}, "errors": {}, "override": ed.may_final_override,
            "settings_year": access.settings()["year_forecast"],
            "early": access.message(early) if early is not None else "", "teaches": teaches}


@bp.get("/final")
@requires_permission("gradebook.journal.view")
def final_page() -> Any:
    """Final marks of a class and subject: per term and the year, average, forecast, the mark set."""
    return render_template("gradebook/final.html", **_final_context())


@bp.post("/final")
@requires_permission("gradebook.final.edit")
def final_save() -> Any:
    session = db()
    context = _final_context()
    if not context["may_set"]:
        abort(403)
    settings = access.settings()
    ed = access.editor()
    key = context["period_key"]
    typed: dict[int, str] = {}
    reasons: dict[int, str] = {}
    errors: dict[int, str] = {}
    saved = 0
    # "Take the forecast" is an explicit action: one row's button (its student id) or the whole class
    # ("all": every row left empty); the form itself is never pre-filled with forecasts.
    take = request.form.get("take", "")
    for row in context["rows"]:
        raw = request.form.get(f"f{row.student_id}")
        if raw is None:
            continue
        raw = raw.strip()
        forecast = row.forecasts.get(key)
        if forecast is not None and (take == str(row.student_id) or (take == "all" and not raw)):
            raw = str(forecast)
        typed[row.student_id] = raw
        reason = (request.form.get(f"r{row.student_id}") or "").strip()
        reasons[row.student_id] = reason
        existing = row.finals.get(key)
        if raw == (existing.value if existing else "") and (not reason or reason == (existing.reason if existing else "")):
            continue
        version = request.form.get(f"v{row.student_id}", type=int)
        try:
            with session.begin_nested():
                set_final_mark(session, settings, ed, class_id=context["school_class"].id,
                                        subject_id=context["subject"].id, student_id=row.student_id, term_id=key,
                                        value=raw, reason=reason, version=version)
            saved += 1
        except GradebookError as exc:
            errors[row.student_id] = access.message(exc)
    session.commit()
    if not errors:
        flash(_("Final marks saved: %(n)d.", n=saved) if saved else _("Nothing has changed."), "success")
        return redirect(url_for(".final_page", class_id=context["school_class"].id, subject_id=context["subject"].id,
                                period=key or "year",
                                **({"subgroup_id": context["subgroup"].id} if context["subgroup"] else {})))
    flash(_("Some final marks were not saved: see the reasons next to them. The others are saved."), "error")
    context = _final_context()
    context.update(typed=typed, reasons=reasons, errors=errors)
    return render_template("gradebook/final.html", **context), 422
