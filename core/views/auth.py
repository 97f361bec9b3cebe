"""Sign-in, sign-out, forced password change. Rate limits and the password policy: core.signin."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from core.app import state
from core.audit import audit
from core.db import db, utcnow
from core.forms import ChangePasswordForm, LoginForm
from core.models import School, User
from core.permissions import public, requires_permission
from core.security import hash_password, verify_password
from core.sessions import current_session_id, end_everything

bp = Blueprint("core_auth", __name__)

# The signed cookie's note "this sign-in session was opened by an identity provider": the id of that
# session row, so it means nothing for any other session (a later password sign-in in the same browser,
# another person's) and cannot be forged (Flask signs the cookie).
PROVIDER_SESSION = "klass_provider_session"


def password_change_due(user: Any) -> bool:
    """Must this request's person replace a one-time password (``must_change_password``, the slip's)
    before anything else? Not in a session opened through an identity provider (ЕСИА, a region's
    OpenID Connect): the provider proved who they are, and they never typed the slip's password, so
    forcing its change there would lock them out of everything (after a leak report, with no password
    at all, for good). Still due when they sign in with the password, and for an API token."""
    if not getattr(user, "is_authenticated", False) or not user.must_change_password:
        return False
    if g.get("api_user") is not None:
        return True
    session_id = current_session_id()
    return session_id is None or cookie.get(PROVIDER_SESSION) != session_id


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("core_main.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public  # the way in
def login() -> Any:
    return _sign_in(None)


@bp.route("/s/<slug>/login", methods=["GET", "POST"])
@public  # the way in, with the school fixed by its address (core.tenancy)
def school_login(slug: str) -> Any:
    from core.tenancy import school_by_slug

    school = school_by_slug(db(), slug)
    if school is None:
        abort(404)
    return _sign_in(school)


def _sign_in(school: School | None) -> Any:
    """The one sign-in path for ``/login`` and ``/s/<slug>/login``: ``school`` fixes the school."""
    if current_user.is_authenticated:
        return redirect(url_for("core_main.dashboard"))
    form = LoginForm()
    page = {"form": form, "school": school}
    if form.validate_on_submit():
        from core.signin import count_failure, sign_in_blocked
        from core.tenancy import resolve

        session = db()
        who = resolve(session, form.login.data, school)
        # Known and unknown logins take the same path and the same time (core.signin explains the limits);
        # the limits count the full identity, so ``ivanova`` and ``ivanova@school7`` share one counter.
        if sign_in_blocked(who.key):
            flash(_("Too many failed attempts from this address. Try again later."), "error")
            return render_template("core/login.html", **page), 429
        found = state().pm.hook.authenticate(login=who.login, secret=form.password.data, school_id=who.school_id)
        if found is None or not found.is_active:
            count_failure(who.key)
            user = None if who.school_id is None else session.scalar(
                select(User).where(User.school_id == who.school_id, User.login == who.login))
            if user is not None:
                user.failed_logins += 1
                audit(session, school_id=user.school_id, action="core.login.failed", object_type="core.user",
                      object_id=user.id, actor_id=user.id)
                session.commit()
            if who.ambiguous:
                flash(_("Several schools have the login %(login)s. Add «@школа» to it as written on your slip "
                        "(for example %(login)s@school7), or sign in on your school's own address.",
                        login=who.login), "error")
            else:
                flash(_("Wrong login or password."), "error")
            return render_template("core/login.html", **page), 401
        from core.views.second_factor import needs_code

        if needs_code(found, request.args.get("next")):
            return redirect(url_for("core_second_factor.code"))
        return complete_login(found, request.args.get("next"))
    return render_template("core/login.html", **page)


def complete_login(found: User, next_url: str | None, *, password_used: bool = True) -> Any:
    """The password (and the second factor, if any) checked: start the session. A sign-in through another
    provider (``password_used=False``) is not sent to replace a one-time password it never typed."""
    session = db()
    found.failed_logins = 0
    found.locked_until = None
    found.last_login_at = utcnow()
    audit(session, school_id=found.school_id, action="core.login", object_type="core.user",
          object_id=found.id, actor_id=found.id)
    session.commit()
    login_user(found)
    if password_used:
        cookie.pop(PROVIDER_SESSION, None)
    else:
        cookie[PROVIDER_SESSION] = current_session_id()
    state().pm.hook.on_user_login(user=found, ip=request.remote_addr or "")
    if found.must_change_password and password_used:
        flash(_("Set your own password: the one you were given works only once."), "info")
        return redirect(url_for("core_auth.change_password"))
    return redirect(_safe_next(next_url))


@bp.app_template_global()
def login_options(school: School | None = None) -> list[Any]:
    """The plugins' other ways in (``extra_login_options``) for core/login.html, sorted by weight: on a
    school's own page (``school``) only that school's."""
    found = state().pm.hook.extra_login_options(next_url=request.args.get("next"),
                                               school_id=getattr(school, "id", None))
    return sorted((o for options in found for o in options or ()), key=lambda o: o.weight)


@bp.post("/logout")
@requires_permission("core.dashboard.view")
def logout() -> Any:
    logout_user()
    return redirect(url_for("core_auth.login"))


def _password_problem(user: User, password: str, min_length: int) -> str | None:
    """The policy (core.signin): long enough, not common, not built from what is known about the person."""
    from core.signin import password_problem

    school = db().get(School, user.school_id)
    context = [user.login, user.last_name, user.first_name, user.middle_name, user.email.partition("@")[0],
               getattr(school, "name", "") or "", getattr(school, "short_name", "") or ""]
    return password_problem(password, context=context, min_length=min_length)


@bp.route("/account/password", methods=["GET", "POST"])
@requires_permission("core.profile.edit")
def change_password() -> Any:
    form = ChangePasswordForm()
    min_length = state().settings["security"]["password_min_length"]
    if form.validate_on_submit():
        user: User = current_user._get_current_object()  # type: ignore[attr-defined]
        if not verify_password(user.password_hash, form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        elif form.new.data == form.current.data:
            form.new.errors.append(_("The new password must differ from the current one."))
        elif problem := _password_problem(user, form.new.data, min_length):
            form.new.errors.append(problem)
        else:
            session = db()
            user.password_hash = hash_password(form.new.data)
            user.must_change_password = False
            user.activated_at = user.activated_at or utcnow()
            end_everything(session, user, "password_change")  # other sessions and every token end here
            audit(session, school_id=user.school_id, action="core.password.change", object_type="core.user",
                  object_id=user.id)
            session.commit()
            login_user(user)
            flash(_("Password changed."), "success")
            return redirect(url_for("core_main.dashboard"))
    return render_template("core/change_password.html", form=form, min_length=min_length)
