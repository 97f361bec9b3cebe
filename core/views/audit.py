"""The audit log page, and declaring a leaked account's operations invalid (duty C33)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased

from core.app import current_school_id, state
from core.audit import audit
from core.clock import local_to_utc, school_zone
from core.db import db
from core.forms import AuditFilterForm, RevertForm
from core.models import AuditEntry, User
from core.permissions import requires_permission
from core.revert import CONFLICT, NOT_UNDOABLE, UNDONE, revert_account, summary
from core.sessions import end_everything

bp = Blueprint("core_audit", __name__, url_prefix="/audit")
PAGE_SIZE = 100


def _to_utc(naive_local: Any) -> Any:
    """The moment typed on the form is the school's wall-clock time (the school's own zone)."""
    return local_to_utc(naive_local, school_zone())


@bp.get("/")
@requires_permission("core.audit.view")
def index() -> Any:
    form = AuditFilterForm(request.args)
    actor = aliased(User)
    query = (
        select(AuditEntry, actor)
        .outerjoin(actor, actor.id == AuditEntry.actor_id)
        .where(AuditEntry.school_id == current_school_id())
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    if form.validate():
        if form.actor.data:
            query = query.where(actor.login == form.actor.data.strip().lower())
        if form.action.data:
            query = query.where(AuditEntry.action.like(f"{form.action.data.strip()}%"))
        if form.since.data:
            query = query.where(AuditEntry.at >= _to_utc(form.since.data))
        if form.until.data:
            query = query.where(AuditEntry.at <= _to_utc(form.until.data))
    page = max(request.args.get("page", 1, type=int), 1)
    rows = db().execute(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "core/audit.html", rows=rows[:PAGE_SIZE], form=form, page=page, has_next=len(rows) > PAGE_SIZE,
        revert_form=_prefilled_revert_form(), filter_args={k: v for k, v in request.args.items() if k != "page"},
    )


def _prefilled_revert_form() -> RevertForm:
    """A leak report links here with the account and the leak's exact moment (``revert_login``,
    ``revert_since`` in the school's time, to the second), so the administrator starts from the report."""
    since = None
    try:
        since = datetime.fromisoformat(request.args.get("revert_since", ""))
    except ValueError:
        since = None
    if since is not None and since.tzinfo is not None:
        since = None
    return RevertForm(data={"login": request.args.get("revert_login", "")[:100], "since": since})


@bp.post("/revert")
@requires_permission("core.audit.revert")
def revert() -> Any:
    """Undo every change a leaked account made after the leak was reported, newest first."""
    form = RevertForm()
    if not form.validate_on_submit():
        flash(_("Give the login and the moment of the report."), "error")
        return redirect(url_for(".index"))
    session = db()
    school_id = current_school_id()
    user = session.scalar(select(User).where(User.login == form.login.data.strip().lower(), User.school_id == school_id))
    if user is None:
        flash(_("No such user in this school."), "error")
        return redirect(url_for(".index"))
    since = _to_utc(form.since.data)
    outcomes = revert_account(session, state().pm.hook.revert_change, school_id=school_id, user_id=user.id,
                              since=since)
    end_everything(session, user, "leak")  # the leaked sessions and tokens end now
    user.must_change_password = True
    by_status = summary(outcomes)
    audit(session, school_id=school_id, action="core.user.leak_reported", object_type="core.user",
          object_id=user.id, new={"since": since.isoformat(), "reverted": len(by_status[UNDONE]),
                                  "conflicts": len(by_status[CONFLICT]),
                                  "not_revertible": len(by_status[NOT_UNDOABLE]), **by_status})
    session.commit()
    return render_template("core/audit_revert.html", account=user, since=form.since.data, outcomes=outcomes,
                           undone=[o for o in outcomes if o.status == UNDONE],
                           conflicts=[o for o in outcomes if o.status == CONFLICT],
                           not_undoable=[o for o in outcomes if o.status == NOT_UNDOABLE])
