"""A person's own account: personal API tokens (shown once, stored as a hash)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.audit import audit
from core.db import db, utcnow
from core.forms import TokenForm
from core.models import ApiToken
from core.permissions import requires_permission
from core.security import new_api_token

bp = Blueprint("core_account", __name__, url_prefix="/account")


@bp.get("/tokens")
@requires_permission("core.profile.edit")
def tokens() -> Any:
    rows = db().scalars(select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())).all()
    return render_template("core/tokens.html", tokens=rows, form=TokenForm(), new_token=None)


@bp.post("/tokens")
@requires_permission("core.profile.edit")
def create_token() -> Any:
    form = TokenForm()
    if not form.validate_on_submit():
        flash(_("Give the token a name."), "error")
        return redirect(url_for(".tokens"))
    token, digest = new_api_token()
    session = db()
    row = ApiToken(school_id=current_user.school_id, user_id=current_user.id, name=form.name.data, token_hash=digest)
    session.add(row)
    session.flush()
    audit(session, school_id=row.school_id, action="core.token.create", object_type="core.api_token", object_id=row.id,
          new={"name": row.name})
    session.commit()
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())).all()
    return render_template("core/tokens.html", tokens=rows, form=TokenForm(), new_token=token)


@bp.post("/tokens/<int:token_id>/revoke")
@requires_permission("core.profile.edit")
def revoke_token(token_id: int) -> Any:
    session = db()
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    row.revoked_at = utcnow()
    audit(session, school_id=row.school_id, action="core.token.revoke", object_type="core.api_token", object_id=row.id)
    session.commit()
    flash(_("Token revoked."), "success")
    return redirect(url_for(".tokens"))
