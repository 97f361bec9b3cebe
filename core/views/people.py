"""Staff accounts: the admin issues credentials to teachers and the administration (duty A01)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.app import current_school_id
from core.audit import audit
from core.db import db
from core.forms import StaffForm
from core.logins import unique_login
from core.lookup import get_owned_or_404
from core.models import Role, RoleGrant, User
from core.permissions import requires_permission
from core.roles import STAFF_ROLES
from core.security import hash_password, one_time_password
from core.services import grant_role
from core.sessions import end_everything

bp = Blueprint("core_people", __name__, url_prefix="/staff")


def _staff_member(user_id: int) -> User:
    user = get_owned_or_404(User, user_id)
    if not user.has_role(*STAFF_ROLES):
        abort(404)
    return user


@bp.get("/")
@requires_permission("core.users.manage")
def staff() -> Any:
    users = db().scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(User.school_id == current_school_id(), RoleGrant.role.in_([Role(r) for r in STAFF_ROLES]))
        .distinct()
        .order_by(User.last_name, User.first_name)
    ).all()
    return render_template("core/staff.html", users=users, form=StaffForm())


@bp.post("/")
@requires_permission("core.users.manage")
def create_staff() -> Any:
    form = StaffForm()
    if not form.validate_on_submit():
        for field, errors in form.errors.items():
            for error in errors:
                flash(f"{getattr(form, field).label.text}: {error}", "error")
        return redirect(url_for(".staff"))
    session = db()
    password = one_time_password()
    user = User(
        school_id=current_school_id(),
        login=unique_login(session, form.last_name.data, form.first_name.data, school_id=current_school_id()),
        password_hash=hash_password(password),
        last_name=form.last_name.data.strip(),
        first_name=form.first_name.data.strip(),
        middle_name=(form.middle_name.data or "").strip(),
        email=(form.email.data or "").strip(),
        must_change_password=True,
    )
    session.add(user)
    session.flush()
    for role in form.roles.data:
        if role != "class_teacher":  # a class teacher's grant names a class: set it on the class page
            grant_role(session, user, Role(role))
    audit(session, school_id=user.school_id, action="core.user.create", object_type="core.user", object_id=user.id,
          new={"login": user.login, "name": user.full_name, "roles": sorted(form.roles.data)})
    session.commit()
    return render_template("core/credentials_once.html", user=user, password=password)


@bp.post("/<int:user_id>/password")
@requires_permission("core.users.manage")
def reset_password(user_id: int) -> Any:
    user = _staff_member(user_id)
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    end_everything(db(), user, "reset")  # the old password's sessions and tokens end with it
    user.locked_until = None
    user.failed_logins = 0
    audit(db(), school_id=user.school_id, action="core.user.password_reset", object_type="core.user",
          object_id=user.id)
    db().commit()
    return render_template("core/credentials_once.html", user=user, password=password)


@bp.post("/<int:user_id>/active")
@requires_permission("core.users.manage")
def toggle_active(user_id: int) -> Any:
    user = _staff_member(user_id)
    user.is_active_account = not user.is_active_account
    end_everything(db(), user, "disabled")
    audit(db(), school_id=user.school_id, action="core.user.active", object_type="core.user", object_id=user.id,
          old={"active": not user.is_active_account}, new={"active": user.is_active_account})
    db().commit()
    flash(_("Account enabled.") if user.is_active_account else _("Account disabled."), "success")
    return redirect(url_for(".staff"))
