"""The second factor for staff: enrol an authenticator app (QR code or the secret typed in), sign in with
its six-digit code or a one-time recovery code, switch it off. Roles named in ``[security]
totp_required_roles`` (e.g. administrators) cannot work until they have enrolled.

Codes are counted by the same limits as passwords (core.signin), and a code is accepted only once.
"""
from __future__ import annotations

import hashlib
import time
from typing import Any

import pyotp
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from core.app import state
from core.audit import audit
from core.db import db
from core.models import SecondFactor, User
from core.permissions import public, requires_permission
from core.roles import STAFF_ROLES
from core.security import one_time_password

bp = Blueprint("core_second_factor", __name__)
PENDING_SECONDS = 300
RECOVERY_CODES = 10


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace(" ", "").replace("-", "").encode()).hexdigest()


def is_staff(user: User) -> bool:
    return any(g.role in STAFF_ROLES for g in user.grants)


def required_for(user: User) -> bool:
    required = set(state().settings["security"]["totp_required_roles"])
    return any(g.role in required for g in user.grants)


def check_code(factor: SecondFactor, code: str) -> bool:
    """A current TOTP code (±30 s) not used before, or an unused recovery code (then spent)."""
    code = code.strip().replace(" ", "")
    totp = pyotp.TOTP(factor.totp_secret)
    now = time.time()
    if code.isdigit() and len(code) == 6:
        for offset in (-1, 0, 1):
            step = int(now // 30) + offset
            if step > factor.last_step and pyotp.utils.strings_equal(totp.at(step * 30), code):
                factor.last_step = step
                return True
        return False
    digest = _digest(code)
    if digest in factor.recovery_digests:
        factor.recovery_digests = [d for d in factor.recovery_digests if d != digest]
        return True
    return False


def needs_code(user: User, next_url: str | None, *, password_used: bool = True) -> bool:
    """After a right password (or a sign-in provider's word, ``password_used=False``): if the person has a
    second factor, remember them for the code page, with how they came, so that one who never typed the
    one-time password of the slip is not sent to replace it after the code."""
    if db().get(SecondFactor, user.id) is None:
        return False
    session["second_factor"] = {"user": user.id, "version": user.session_version, "at": time.time(),
                                "next": next_url or "", "password": password_used}
    return True


@bp.route("/login/code", methods=["GET", "POST"])
@public  # the second step of the way in: the password was checked, the code page knows whose
def code() -> Any:
    from core.signin import count_failure, sign_in_blocked
    from core.views.auth import complete_login

    pending = session.get("second_factor")
    user = db().get(User, pending["user"]) if pending else None
    if (user is None or pending["version"] != user.session_version or not user.is_active
            or time.time() - pending["at"] > PENDING_SECONDS):
        session.pop("second_factor", None)
        return redirect(url_for("core_auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        from core.tenancy import identity_key

        key = identity_key(db(), user)  # the same counter as the password step's ``login@school``
        if sign_in_blocked(key):
            flash(_("Too many failed attempts from this address. Try again later."), "error")
            return render_template("core/login_code.html", form=form), 429
        factor = db().get(SecondFactor, user.id)
        if factor is None or not check_code(factor, form.code.data):
            count_failure(key)
            flash(_("The code is wrong or has expired."), "error")
            return render_template("core/login_code.html", form=form), 401
        session.pop("second_factor", None)
        return complete_login(user, pending["next"] or None, password_used=pending.get("password", True))
    return render_template("core/login_code.html", form=form)


@bp.route("/account/second-factor", methods=["GET", "POST"])
@requires_permission("core.profile.edit")
def manage() -> Any:
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    factor = db().get(SecondFactor, user.id)
    form = CodeForm()
    if not is_staff(user):
        return render_template("core/second_factor.html", staff=False, factor=None, form=form)
    if factor is None:
        secret = session.get("second_factor_enrol") or pyotp.random_base32()
        session["second_factor_enrol"] = secret
        uri = pyotp.TOTP(secret).provisioning_uri(name=user.login, issuer_name=state().settings["klass"]["title"])
        if form.validate_on_submit():
            candidate = SecondFactor(user_id=user.id, school_id=user.school_id, totp_secret=secret,
                                     recovery_digests=[], last_step=0)
            if check_code(candidate, form.code.data):
                codes = [one_time_password(10) for _i in range(RECOVERY_CODES)]
                candidate.recovery_digests = [_digest(c) for c in codes]
                db().add(candidate)
                audit(db(), school_id=user.school_id, action="core.second_factor.enable",
                      object_type="core.user", object_id=user.id)
                db().commit()
                session.pop("second_factor_enrol", None)
                return render_template("core/second_factor.html", staff=True, factor=candidate, codes=codes,
                                       form=CodeForm(formdata=None))
            form.code.errors.append(_("The code is wrong or has expired."))
        import segno

        qr = segno.make(uri, error="m").svg_data_uri(scale=5)
        return render_template("core/second_factor.html", staff=True, factor=None, form=form, qr=qr,
                               secret=secret, required=required_for(user))
    if form.validate_on_submit():  # switching it off needs a code, so a borrowed session cannot do it
        if required_for(user):
            flash(_("Your role must sign in with a second factor; it cannot be switched off."), "error")
        elif check_code(factor, form.code.data):
            db().delete(factor)
            audit(db(), school_id=user.school_id, action="core.second_factor.disable", object_type="core.user",
                  object_id=user.id)
            db().commit()
            flash(_("The second factor is switched off."), "success")
        else:
            form.code.errors.append(_("The code is wrong or has expired."))
            return render_template("core/second_factor.html", staff=True, factor=factor, form=form,
                                   required=required_for(user))
        return redirect(url_for(".manage"))
    return render_template("core/second_factor.html", staff=True, factor=factor, form=form,
                           required=required_for(user))


def enrolment_required() -> bool:
    """A signed-in (cookie) user whose role must have a second factor and has none yet."""
    if request.endpoint in ("core_second_factor.manage", "core_auth.logout", "core_auth.change_password"):
        return False
    user = current_user
    return bool(state().settings["security"]["totp_required_roles"] and required_for(user)
                and db().get(SecondFactor, user.id) is None)
