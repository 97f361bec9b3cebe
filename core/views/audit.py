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
from core.audit_text import action_title, all_titles, diff
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
        if form.text.data:
            query = query.where(_text_matches(form.text.data.strip(), actor))
        if form.since.data:
            query = query.where(AuditEntry.at >= _to_utc(form.since.data))
        if form.until.data:
            query = query.where(AuditEntry.at <= _to_utc(form.until.data))
    page = max(request.args.get("page", 1, type=int), 1)
    rows = db().execute(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    titles = all_titles()
    return render_template(
        "core/audit.html", rows=rows[:PAGE_SIZE], form=form, titles=titles, action_title=action_title, diff=diff, page=page, has_next=len(rows) > PAGE_SIZE,
        revert_form=_prefilled_revert_form(), filter_args={k: v for k, v in request.args.items() if k != "page"},
    )


def _contains(column: Any, text: str) -> Any:
    """``column`` contains ``text`` as typed, lower-case or capitalised (SQLite lowers only ASCII), also as
    JSON writes it with \\u escapes (SQLite keeps JSON ASCII-only)."""
    import json

    from sqlalchemy import or_

    variants = {text, text.lower(), text.capitalize(), text.upper()}
    variants |= {json.dumps(v)[1:-1] for v in list(variants)}
    return or_(*(column.like(f"%{v}%") for v in variants))


def _text_matches(text: str, actor: Any) -> Any:
    """Search by person (the actor's or a changed person's name), object (its title or «type #id») and any
    text in the old/new values, in Russian titles as well as codes."""
    from sqlalchemy import String, cast, or_

    titles = all_titles()
    codes = [code for code, title in titles["actions"].items() if text.lower() in gettext_lower(title)]
    people = select(User.id).where(User.school_id == current_school_id(), or_(
        _contains(User.last_name + " " + User.first_name + " " + User.middle_name, text), _contains(User.login, text)))
    person_ids = [str(i) for i in db().scalars(people.limit(200))]
    conditions = [_contains(AuditEntry.action, text), _contains(AuditEntry.object_type, text),
                  AuditEntry.object_id == text.lstrip("#№ "), _contains(cast(AuditEntry.old, String), text),
                  _contains(cast(AuditEntry.new, String), text), actor.id.in_(people)]
    if codes:
        conditions += [AuditEntry.action.in_(codes), AuditEntry.object_type.in_(codes)]
    if person_ids:
        conditions.append(AuditEntry.object_id.in_(person_ids) & AuditEntry.object_type.like("%user%"))
    return or_(*conditions)


def gettext_lower(msgid: str) -> str:
    return _(msgid).lower()


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


@bp.get("/history/<object_type>/<object_id>")
@requires_permission("core.audit.history")
def history(object_type: str, object_id: str) -> Any:
    """The history of one record (a mark, a lesson, a personal file): who changed what, when, old → new.
    The audit log's readers see any record; a class teacher only her class's (the owner plugin names it)."""
    from flask import abort
    from flask_login import current_user
    from sqlalchemy import and_, or_

    from core.permissions import can
    from core.services import classes_led_by

    session = db()
    scope = state().pm.hook.audit_history_scope(session=session, object_type=object_type, object_id=object_id)
    if scope is None and not can(current_user, "core.audit.view"):
        abort(404)
    scope = scope or {"class_id": None, "related": []}
    if not can(current_user, "core.audit.view") and scope.get("class_id") not in classes_led_by(current_user):
        abort(403)
    targets = [and_(AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)]
    for kind, ids in scope.get("related", []):
        if ids:
            targets.append(and_(AuditEntry.object_type == kind, AuditEntry.object_id.in_([str(i) for i in ids])))
    actor = aliased(User)
    rows = db().execute(
        select(AuditEntry, actor).outerjoin(actor, actor.id == AuditEntry.actor_id)
        .where(AuditEntry.school_id == current_school_id(), or_(*targets))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(500)).all()
    titles = all_titles()
    return render_template("core/audit_history.html", rows=rows, titles=titles, action_title=action_title,
                           diff=diff, object_title=action_title(object_type, titles), object_type=object_type,
                           object_id=object_id)
