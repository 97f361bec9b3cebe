"""A person's own account: signed-in sessions and API tokens (each can be ended), and the leak report
(duty C33) for oneself or, for a class teacher, the class's students and guardians."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import select

from core import app_passwords, leaks
from core.app import current_school_id, state
from core.audit import audit
from core.clock import local_to_utc, school_now, school_zone
from core.db import db, utcnow
from core.forms import AppPasswordForm, LeakReportForm, TokenForm
from core.models import ApiToken, AppPassword, LeakReport, User, UserSession
from core.permissions import can, requires_permission
from core.security import new_api_token
from core.sessions import active_sessions, current_session_id, revoke_session, token_is_live

bp = Blueprint("core_account", __name__, url_prefix="/account")


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined,no-any-return]


def _page(new_token: str | None = None, new_app_password: str | None = None) -> Any:
    session = db()
    me = _me()
    tokens = session.scalars(select(ApiToken).where(ApiToken.school_id == me.school_id, ApiToken.user_id == me.id)
                             .order_by(ApiToken.created_at.desc())).all()
    return render_template("core/tokens.html", tokens=tokens, live=lambda t: token_is_live(t, me),
                           sessions=active_sessions(session, me), this_session=current_session_id(),
                           form=TokenForm(), new_token=new_token,
                           app_passwords=app_passwords.of_user(session, me),
                           app_live=lambda p: app_passwords.is_live(p, me),
                           app_form=AppPasswordForm(), new_app_password=new_app_password)


@bp.get("/")
@requires_permission("core.profile.edit")
def index() -> Any:
    """The account page: who is signed in where, and the API tokens with their last use."""
    return _page()


@bp.get("/tokens")
@requires_permission("core.profile.edit")
def tokens() -> Any:
    return _page()


@bp.post("/tokens")
@requires_permission("core.profile.edit")
def create_token() -> Any:
    form = TokenForm()
    if not form.validate_on_submit():
        flash(_("Give the token a name."), "error")
        return redirect(url_for(".index"))
    token, digest = new_api_token()
    session = db()
    me = _me()
    row = ApiToken(school_id=me.school_id, user_id=me.id, name=form.name.data, token_hash=digest,
                   session_version=me.session_version)
    session.add(row)
    session.flush()
    audit(session, school_id=row.school_id, action="core.token.create", object_type="core.api_token", object_id=row.id,
          new={"name": row.name})
    session.commit()
    return _page(new_token=token)


@bp.post("/tokens/<int:token_id>/revoke")
@requires_permission("core.profile.edit")
def revoke_token(token_id: int) -> Any:
    session = db()
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    row.revoked_at = row.revoked_at or utcnow()
    audit(session, school_id=row.school_id, action="core.token.revoke", object_type="core.api_token", object_id=row.id)
    session.commit()
    flash(_("Token revoked."), "success")
    return redirect(url_for(".index"))


@bp.post("/app-passwords")
@requires_permission("core.profile.edit")
def create_app_password() -> Any:
    """A read-only password for a Сетевой Город app or a calendar, shown once on the page that answers."""
    form = AppPasswordForm()
    if not form.validate_on_submit():
        flash(_("Give the app password a name."), "error")
        return redirect(url_for(".index"))
    session = db()
    row, secret = app_passwords.create(session, _me(), form.name.data or "")
    audit(session, school_id=row.school_id, action="core.app_password.create", object_type="core.app_password",
          object_id=row.id, new={"name": row.name})
    session.commit()
    return _page(new_app_password=secret)


@bp.post("/app-passwords/<int:password_id>/revoke")
@requires_permission("core.profile.edit")
def revoke_app_password(password_id: int) -> Any:
    session = db()
    row = session.get(AppPassword, password_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    app_passwords.revoke(row)
    audit(session, school_id=row.school_id, action="core.app_password.revoke", object_type="core.app_password",
          object_id=row.id)
    session.commit()
    flash(_("App password revoked."), "success")
    return redirect(url_for(".index"))


@bp.post("/sessions/<int:session_id>/end")
@requires_permission("core.profile.edit")
def end_session(session_id: int) -> Any:
    """End one of one's own sessions (a forgotten computer at school); ending this one signs out."""
    session = db()
    row = session.get(UserSession, session_id)
    if row is None or row.user_id != current_user.id or row.revoked_at is not None:
        abort(404)
    revoke_session(session, row, "ended")
    audit(session, school_id=row.school_id, action="core.session.end", object_type="core.user_session",
          object_id=row.id, new={"ip": row.ip, "user_agent": row.user_agent})
    session.commit()
    if row.id == current_session_id():
        logout_user()
        return redirect(url_for("core_auth.login"))
    flash(_("Session ended."), "success")
    return redirect(url_for(".index"))


@bp.post("/sessions/end-others")
@requires_permission("core.profile.edit")
def end_other_sessions() -> Any:
    session = db()
    me = _me()
    ended = 0
    for row in active_sessions(session, me):
        if row.id != current_session_id():
            revoke_session(session, row, "ended")
            ended += 1
    audit(session, school_id=me.school_id, action="core.session.end_others", object_type="core.user",
          object_id=me.id, new={"ended": ended})
    session.commit()
    flash(_("Other sessions ended: %(n)d.", n=ended), "success")
    return redirect(url_for(".index"))


def revert_link(report: LeakReport, target: User, external: bool = False) -> str:
    """The administrator's revert form, pre-filled with the account and the leak's exact moment."""
    local = report.leaked_at.astimezone(school_zone(report.school_id)).strftime("%Y-%m-%dT%H:%M:%S")
    return url_for("core_audit.index", actor=target.login, revert_login=target.login, revert_since=local,
                   _anchor="revert", _external=external)


def file_report(reporter: User, target: User, leaked_at: datetime) -> LeakReport:
    """Lock the account, commit, then tell the holder and the administrators (page and API share this)."""
    session = db()
    report = leaks.report_leak(session, reporter, target, leaked_at, utcnow())
    session.commit()
    zone = school_zone(target.school_id)
    moment = report.leaked_at.astimezone(zone).strftime("%d.%m.%Y %H:%M:%S")
    mail = state().settings["mail"]
    admins = [a for a in leaks.administrators(session, target.school_id,
                                              state().permissions.roles_with("core.audit.revert"))
              if a.id != target.id]
    sent = leaks.notify(mail, [target], _("Your account has been locked after a password leak"),
                        _("A leak of the password of your account %(login)s was reported (leak at %(moment)s). "
                          "The password no longer works and every session and API token has ended. "
                          "Ask the school's administrator or the office for a new password.",
                          login=target.login, moment=moment))
    sent += leaks.notify(mail, admins, _("Password leak reported: %(name)s", name=target.full_name),
                         _("%(reporter)s reported a leak of the password of %(name)s (%(login)s) at %(moment)s. "
                           "The account is locked. Review and undo its changes after that moment: %(link)s",
                           reporter=reporter.full_name, name=target.full_name, login=target.login, moment=moment,
                           link=revert_link(report, target, external=True)))
    report.notified = sent
    session.commit()
    return report


@bp.route("/leak", methods=["GET", "POST"])
@requires_permission("core.leak.report")
def leak() -> Any:
    """Report a leaked password (C33): one's own, a led class's student or guardian, or (admin) anyone."""
    session = db()
    me = _me()
    today = school_now().date()
    form = LeakReportForm()
    if request.method == "GET":
        form.login.data = request.args.get("login", me.login)[:100]
        form.leaked_at.data = school_now().replace(tzinfo=None, microsecond=0)
    if form.validate_on_submit():
        target = session.scalar(select(User).where(User.school_id == current_school_id(),
                                                   User.login == form.login.data.strip().lower()))
        if target is None or not leaks.may_report_for(session, me, target, today):
            abort(404)
        report = file_report(me, target, local_to_utc(form.leaked_at.data, school_zone()))
        if target.id == me.id:
            logout_user()
            flash(_("Your account is locked: the password no longer works and every session has ended. "
                    "Ask the school's administrator or the office for a new password."), "info")
            return redirect(url_for("core_auth.login"))
        flash(_("The account %(login)s is locked: sessions ended %(s)d, tokens revoked %(t)d, e-mails sent %(m)d.",
                login=target.login, s=report.sessions_revoked, t=report.tokens_revoked, m=report.notified), "success")
        if can(me, "core.audit.revert"):
            return redirect(revert_link(report, target))
        return redirect(url_for(".leak"))
    people = [] if can(me, leaks.REPORT_ANY) else leaks.reportable_people(session, me, today)
    return render_template("core/leak.html", form=form, people=people)
