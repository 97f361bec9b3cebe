"""The set-up wizard of a new school: one page that lists the steps and their state, and the two steps
that have no page elsewhere (the school's description, its first academic year). The other steps are
the ordinary pages (classes, subjects, loads on the structure page; staff; the plugins' bells, class
lists and credentials): a strip above every page leads the administrator to the next open step, so the
wizard can be left at any moment and resumed from the start page's checklist.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from core.app import current_school_id, state
from core.clock import school_today
from core.db import db
from core.models import Holiday, School, Term
from core.permissions import can, requires_permission
from core.school_settings import school_settings
from core.school_setup import checklist, create_year, default_year_dates, first_open, update_school
from core.services import current_year
from core.views.auth import password_change_due

bp = Blueprint("core_setup", __name__, url_prefix="/setup")

TERM_SYSTEM_CHOICES = [("quarters", _l("Quarters")), ("trimesters", _l("Trimesters")), ("halves", _l("Semesters"))]


class SchoolForm(FlaskForm):
    name = StringField(_l("Full name of the school"), validators=[DataRequired(), Length(max=300)])
    short_name = StringField(_l("Short name"), validators=[DataRequired(), Length(max=100)])
    region = StringField(_l("Region"), validators=[DataRequired(), Length(max=200)])
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=64)])
    term_system = SelectField(_l("Term system"), choices=TERM_SYSTEM_CHOICES)
    address = StringField(_l("Address"), validators=[Optional(), Length(max=500)])
    principal_name = StringField(_l("Principal"), validators=[Optional(), Length(max=200)])


class SetupYearForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Regexp(r"^\d{4}/\d{4}$",
                                                                        message=_l("Write it as 2026/2027."))])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])


def _states() -> list[Any]:
    return checklist(db(), current_school_id(), state().pm, current_user)


def _next_url() -> str:
    step = first_open(_states())
    if step is None:
        return url_for(".index")
    return url_for(step.step.endpoint, **step.step.url_values)


@bp.get("/")
@requires_permission("core.structure.manage")
def index() -> Any:
    states = _states()
    return render_template("core/setup.html", states=states, current=first_open(states))


@bp.get("/next")
@requires_permission("core.structure.manage")
def next_step() -> Any:
    """Continue the wizard: the first step not done yet."""
    return redirect(_next_url())


@bp.route("/school", methods=["GET", "POST"])
@requires_permission("core.structure.manage")
def school() -> Any:
    session = db()
    the_school = session.get(School, current_school_id())
    form = SchoolForm(obj=the_school)
    if request.method == "GET" and not the_school.term_system:
        form.term_system.data = school_settings().term_system
    if form.validate_on_submit():
        update_school(session, the_school, name=form.name.data, short_name=form.short_name.data,
                      region=form.region.data, timezone=form.timezone.data.strip(),
                      term_system=form.term_system.data, address=form.address.data or "",
                      principal_name=form.principal_name.data or "")
        session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".next_step"))
    return render_template("core/setup_step.html", form=form, title=_("School"), states=_states(), key="school")


@bp.route("/year", methods=["GET", "POST"])
@requires_permission("core.structure.manage")
def year() -> Any:
    session = db()
    school_id = current_school_id()
    the_school = session.get(School, school_id)
    existing = current_year(session, school_id)
    form = SetupYearForm()
    if request.method == "GET" and existing is None:
        form.title.data, form.starts_on.data, form.ends_on.data = default_year_dates(school_today(school_id))
    if existing is None and form.validate_on_submit():
        create_year(session, the_school, title=form.title.data, starts_on=form.starts_on.data,
                    ends_on=form.ends_on.data, profile_term_system=school_settings().term_system)
        session.commit()
        flash(_("Year %(title)s created with its terms and holidays; check their dates.", title=form.title.data),
              "success")
        return redirect(url_for(".year"))
    terms: list[Any] = []
    holidays: list[Any] = []
    if existing is not None:
        terms = list(session.scalars(select(Term).where(Term.year_id == existing.id).order_by(Term.number)))
        holidays = list(session.scalars(select(Holiday).where(Holiday.year_id == existing.id)
                                        .order_by(Holiday.starts_on)))
    return render_template("core/setup_year.html", form=form, year=existing, terms=terms, holidays=holidays,
                           school=the_school, states=_states(), key="year")


def init_wizard_strip(app: Flask) -> None:
    """Every page of an administrator whose school is not set up shows the wizard's strip."""

    @app.context_processor
    def _setup_strip() -> dict[str, Any]:
        user = current_user
        if (not getattr(user, "is_authenticated", False) or password_change_due(user)
                or not can(user, "core.structure.manage") or not user.has_role("admin")):
            return {}
        if request.endpoint and (request.endpoint.startswith("core_setup.") or request.endpoint.endswith("static")):
            return {}
        states = _states()
        current = first_open(states)
        if current is None:
            return {}
        number = states.index(current) + 1
        return {"setup_strip": {"current": current, "number": number, "total": len(states),
                                "here": request.endpoint == current.step.endpoint}}
