"""Credentials pages: a class's accounts, printed slips of one-time passwords, staff credentials."""
from __future__ import annotations

import io
from typing import Any

from flask import Response, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    Role,
    School,
    User,
    acting_user,
    current_school_id,
    db,
    get_owned_or_404,
    requires_permission,
    school_today,
)
from plugins.office import passwords
from plugins.office.access import reissue_class_id, require_class
from plugins.office.forms import IssueCredentialsForm, StaffCredentialsForm
from plugins.office.slips import slips_pdf
from plugins.office.views.common import bp, commit, flash_errors


def _slip_texts() -> dict[str, str]:
    return {"title": _("Access to the electronic journal and diary"), "student": _("Student"),
            "guardian": _("Guardian"), "guardian_label": _("Guardian (on a slip)"),
            "child": _("Student (a boy, on a slip)"), "child_f": _("Student (a girl, on a slip)"),
            "children": _("Children"), "staff": _("Staff member"), "login": _("Login:"),
            "password": _("Password:"), "site": _("Site"),
            "hint": _("At the first sign-in you will set your own password; this one then stops working. "
                      "Keep it secret: every account is personal."),
            "empty": _("Nobody needed new credentials.")}


def _pdf_response(pdf: bytes, name: str) -> Response:
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"  # the passwords must not stay in any cache
    return response


def _school_name() -> str:
    school = db().get(School, current_school_id())
    return school.name if school else ""


@bp.get("/classes/<int:class_id>/credentials")
@requires_permission("office.credentials.issue")
def credentials(class_id: int) -> Any:
    school_class = require_class("office.credentials.issue", class_id)
    rows = passwords.class_accounts(db(), class_id, school_today())
    counts = {s: sum(1 for r in rows if r.status == s) for s in ("none", "issued", "active")}
    return render_template("office/credentials.html", school_class=school_class, rows=rows, counts=counts,
                           form=IssueCredentialsForm())


@bp.post("/classes/<int:class_id>/credentials")
@requires_permission("office.credentials.issue")
def issue_credentials(class_id: int) -> Any:
    school_class = require_class("office.credentials.issue", class_id)
    form = IssueCredentialsForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for(".credentials", class_id=class_id))
    session = db()
    slips, skipped = passwords.issue_class_credentials(
        session, school_class, school_today(), students=form.who.data in ("both", "students"),
        guardians=form.who.data in ("both", "guardians"), only_not_activated=form.scope.data == "not_activated",
        issued_by_id=acting_user().id)
    commit()
    for user in skipped:
        flash(_("%(name)s: this account is a staff or disabled account; only the system administrator can "
                "give it a password.", name=user.full_name), "error")
    if not slips:
        flash(_("Nobody needed new credentials."), "info")
        return redirect(url_for(".credentials", class_id=class_id))
    pdf = slips_pdf(slips, school_name=_school_name(), site_url=request.host_url.rstrip("/"), texts=_slip_texts())
    return _pdf_response(pdf, f"credentials-{school_class.name}.pdf")


@bp.post("/users/<int:user_id>/password")
@requires_permission("office.credentials.issue")
def reissue_password(user_id: int) -> Any:
    """A new one-time password for one student or guardian (lost password), shown once."""
    session = db()
    user = get_owned_or_404(User, user_id)
    class_id = reissue_class_id(user)
    password = passwords.set_one_time_password(session, user, issued_by_id=acting_user().id, class_id=class_id)
    commit()
    back = request.form.get("back") or ""
    if not back.startswith("/") or back.startswith("//"):
        back = url_for(".index")
    return render_template("office/credentials_once.html", user=user, password=password, back=back)


@bp.get("/staff-credentials")
@requires_permission("office.credentials.staff")
def staff_credentials() -> Any:
    session = db()
    staff_roles = [Role.admin, Role.principal, Role.deputy, Role.class_teacher, Role.teacher, Role.support]
    from core.toolkit import RoleGrant

    users = session.scalars(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                            .where(User.school_id == current_school_id(), RoleGrant.role.in_(staff_roles))
                            .distinct().order_by(User.last_name, User.first_name)).all()
    return render_template("office/staff_credentials.html", users=users, form=StaffCredentialsForm())


@bp.post("/staff-credentials")
@requires_permission("office.credentials.staff")
def issue_staff_credentials() -> Any:
    form = StaffCredentialsForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for(".staff_credentials"))
    session = db()
    slips = passwords.issue_staff_credentials(session, current_school_id(),
                                             only_not_activated=form.scope.data == "not_activated",
                                             issued_by_id=acting_user().id)
    commit()
    if not slips:
        flash(_("Nobody needed new credentials."), "info")
        return redirect(url_for(".staff_credentials"))
    pdf = slips_pdf(slips, school_name=_school_name(), site_url=request.host_url.rstrip("/"), texts=_slip_texts())
    return _pdf_response(pdf, "credentials-staff.pdf")

