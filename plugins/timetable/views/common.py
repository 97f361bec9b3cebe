"""The timetable blueprint (one object: endpoint names stay ``timetable.*``), its template helpers,
and what its pages share.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, request
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import Role, RoleGrant, User, current_school_id, current_year, db, plugin_settings
from plugins.timetable import refusals
from plugins.timetable.refusals import TimetableError
from plugins.timetable.ui import change_note, problems_text, weekday_name

bp = Blueprint("timetable", "plugins.timetable", url_prefix="/timetable", template_folder="templates", static_folder="static")


def settings() -> dict[str, Any]:
    return plugin_settings("timetable")


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"tt_weekday": weekday_name, "tt_weekday_short": lambda d: _(refusals.WEEKDAYS_SHORT[d]),
            "tt_change_note": change_note, "tt_timedelta": timedelta}


def date_arg(name: str, default: date) -> date:
    raw = request.args.get(name, "")
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() else None


def flash_problems(error: TimetableError) -> None:
    for text in problems_text(error.problems):
        flash(text, "error")


def flash_form(form: Any) -> None:
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        for error in errors:
            flash(f"{label}: {error}", "error")


def timetable_year() -> Any:
    year = current_year(db(), current_school_id())
    if year is None:
        abort(404)
    return year


def teacher_choices() -> list[tuple[int, str]]:
    rows = db().execute(select(User.id, User.last_name, User.first_name, User.middle_name)
                        .join(RoleGrant, RoleGrant.user_id == User.id)
                        .where(User.school_id == current_school_id(), RoleGrant.role == Role.teacher,
                               User.is_active_account.is_(True))
                        .distinct().order_by(User.last_name, User.first_name)).all()
    return [(r.id, " ".join(p for p in (r.last_name, r.first_name, r.middle_name) if p)) for r in rows]

