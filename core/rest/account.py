"""The account API: one's live sessions and tokens, and the leak report (C33) for API clients."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from core import leaks
from core.app import acting_user, current_school_id
from core.clock import local_to_utc, school_now, school_zone
from core.db import db, utcnow
from core.models import ApiToken, User
from core.rest import api_view
from core.sessions import active_sessions, current_session_id, token_is_live

bp = Blueprint("core_account_api", __name__, url_prefix="/api/v1/account")


class SessionSchema(Schema):
    id = fields.Integer()
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime()
    expires_at = fields.DateTime()
    ip = fields.String()
    user_agent = fields.String()
    current = fields.Boolean()


class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    live = fields.Boolean()


class CredentialsSchema(Schema):
    sessions = fields.List(fields.Nested(SessionSchema))
    tokens = fields.List(fields.Nested(TokenSchema))


class LeakReportInSchema(Schema):
    user_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    login = fields.String(validate=validate.Length(min=1, max=100))
    # Without a zone: the school's local time. Default: now. Seconds count.
    leaked_at = fields.DateTime()

    @validates_schema
    def _one_account(self, data: dict[str, Any], **_kw: Any) -> None:
        if "user_id" in data and "login" in data:
            raise ValidationError("Give user_id or login, not both.", "login")


class LeakReportSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    reported_by_id = fields.Integer()
    leaked_at = fields.DateTime()
    created_at = fields.DateTime()
    sessions_revoked = fields.Integer()
    tokens_revoked = fields.Integer()
    notified = fields.Integer()


@bp.get("/credentials")
@api_view("core.profile.edit", response=CredentialsSchema)
def credentials() -> Any:
    """My live sessions and my API tokens with their last use."""
    me: User = acting_user()
    session = db()
    tokens = session.scalars(select(ApiToken).where(ApiToken.school_id == me.school_id, ApiToken.user_id == me.id)
                             .order_by(ApiToken.created_at.desc())).all()
    return {
        "sessions": [{**{c: getattr(s, c) for c in ("id", "created_at", "last_seen_at", "expires_at", "ip",
                                                     "user_agent")}, "current": s.id == current_session_id()}
                     for s in active_sessions(session, me)],
        "tokens": [{"id": t.id, "name": t.name, "created_at": t.created_at, "last_used_at": t.last_used_at,
                    "live": token_is_live(t, me)} for t in tokens],
    }


@bp.post("/leak-reports")
@api_view("core.leak.report", body=LeakReportInSchema)
def report_leak(body: dict[str, Any]) -> Any:
    """Report a leaked password: own account by default; a class teacher for the class; admin for anyone.
    Answers 201 with what was revoked; an account the caller may not report for is 404."""
    from core.views.account import file_report

    me: User = acting_user()
    session = db()
    if "user_id" in body:
        target = session.get(User, body["user_id"])
    elif "login" in body:
        target = session.scalar(select(User).where(User.school_id == current_school_id(),
                                                   User.login == body["login"].strip().lower()))
    else:
        target = me
    if target is None or not leaks.may_report_for(session, me, target, school_now().date()):
        abort(404)
    leaked_at = body.get("leaked_at")
    if leaked_at is None:
        leaked_at = utcnow()
    elif leaked_at.tzinfo is None:
        leaked_at = local_to_utc(leaked_at, school_zone())
    report = file_report(me, target, leaked_at)
    response = jsonify(LeakReportSchema().dump(report))
    response.status_code = 201
    return response
