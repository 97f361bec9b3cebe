"""Guardians' consents (152-ФЗ): the class list and recording an answer."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.toolkit import acting_user, db, requires_permission, school_today
from plugins.office import consent_rules, personal_files, refusals
from plugins.office.access import require_guardian_of_scope, scoped_classes
from plugins.office.forms import ConsentForm
from plugins.office.views.common import bp, commit, flash_errors, upload_of


@bp.get("/consents")
@requires_permission("office.consent.edit")
def consents() -> Any:
    session = db()
    classes = scoped_classes("office.consent.edit")
    class_id = request.args.get("class_id", type=int)
    school_class = next((c for c in classes if c.id == class_id), None)
    if class_id is not None and school_class is None:
        abort(404)
    day = school_today()
    summary = consent_rules.missing_consents_by_class(session, classes, day)
    rows = consent_rules.class_consents(session, school_class.id, day) if school_class else []
    forms = {}
    for row in rows:
        form = ConsentForm(prefix=f"c{row.guardian.id}")
        c = row.consent
        form.processing.data = "" if c is None or c.processing is None else ("yes" if c.processing else "no")
        form.electronic.data = "" if c is None or c.electronic is None else ("yes" if c.electronic else "no")
        form.signed_on.data = c.signed_on if c else None
        form.note.data = c.note if c else ""
        forms[row.guardian.id] = form
    return render_template("office/consents.html", classes=classes, school_class=school_class, summary=summary,
                           rows=rows, forms=forms)


def _answer(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


@bp.post("/consents/<int:guardian_id>")
@requires_permission("office.consent.edit")
def save_consent(guardian_id: int) -> Any:
    session = db()
    guardian = require_guardian_of_scope("office.consent.edit", guardian_id)
    form = ConsentForm(prefix=f"c{guardian_id}")
    back = url_for(".consents", class_id=request.form.get("class_id", type=int))
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(back)
    values: dict[str, Any] = {"processing": _answer(form.processing.data), "electronic": _answer(form.electronic.data),
                              "signed_on": form.signed_on.data, "note": (form.note.data or "").strip()}
    try:
        upload = upload_of(form.scan.data)
        if upload is not None:
            filename, content = upload
            doc = personal_files.add_document(session, school_id=guardian.school_id, student_id=None, guardian_id=guardian.id,
                                        kind="consent", title=_("Personal data consent"), filename=filename,
                                        content_type=personal_files.guess_content_type(filename, content), content=content,
                                        uploaded_by_id=acting_user().id)
            values["document_id"] = doc.id
        consent_rules.set_consent(session, guardian, values)
    except refusals.OfficeError as exc:
        session.rollback()
        flash(f"{guardian.full_name}: {exc}", "error")
        return redirect(back)
    commit()
    flash(_("%(name)s: saved.", name=guardian.full_name), "success")
    return redirect(back)

