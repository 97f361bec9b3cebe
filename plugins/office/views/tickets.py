"""Liaison tickets: the list, a new one, forwarding and closing."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    GuardianLink,
    Role,
    User,
    acting_user,
    can,
    current_school_id,
    db,
    get_owned_or_404,
    requires_permission,
    school_today,
)
from plugins.office import liaison, rosters
from plugins.office.access import led_class_ids
from plugins.office.forms import TicketCloseForm, TicketForm, TicketForwardForm
from plugins.office.models import Ticket
from plugins.office.views.common import bp, commit, flash_errors


def _ticket_form() -> TicketForm:
    session = db()
    user = acting_user()
    day = school_today()
    kids = [user] if user.has_role(Role.student) else []
    kids += list(session.scalars(select(User).join(GuardianLink, GuardianLink.student_id == User.id)
                                 .where(GuardianLink.guardian_id == user.id)))
    choices = []
    for kid in kids:
        school_class = rosters.current_class_of(session, kid.id, day)
        if school_class is not None and (school_class.id, school_class.name) not in choices:
            choices.append((school_class.id, school_class.name))
    form = TicketForm()
    form.class_id.choices = choices
    form.topic.choices = list(liaison.TICKET_TOPICS.items())
    return form


@bp.get("/tickets")
@requires_permission("office.ticket.view")
def tickets() -> Any:
    session = db()
    user = acting_user()
    query = select(Ticket).where(Ticket.school_id == current_school_id())
    handling = can(user, "office.ticket.handle")
    if handling:
        scope = led_class_ids()
        if scope is not None:
            query = query.where(Ticket.class_id.in_(list(scope)) | (Ticket.author_id == user.id))
    else:
        query = query.where(Ticket.author_id == user.id)
    show = request.args.get("status", "open")
    if show == "open":
        query = query.where(Ticket.status != "closed")
    rows = session.scalars(query.order_by(Ticket.created_at.desc()).limit(200)).all()
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_({t.author_id for t in rows})))}
    classes = {c.id: c for c in rosters.classes_of_current_year(session, current_school_id())}
    is_admin = handling and led_class_ids() is None
    return render_template("office/tickets.html", rows=rows, people=people, classes=classes, show=show,
                           form=_ticket_form() if can(user, "office.ticket.create") else None,
                           handling=handling, is_admin=is_admin, topics=liaison.TICKET_TOPICS,
                           statuses=liaison.TICKET_STATUSES, forward_form=TicketForwardForm(),
                           close_form=TicketCloseForm())


@bp.post("/tickets")
@requires_permission("office.ticket.create")
def create_ticket() -> Any:
    form = _ticket_form()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for(".tickets"))
    session = db()
    liaison.create_ticket(session, acting_user(), class_id=form.class_id.data, topic=form.topic.data, text=form.text.data)
    commit()
    flash(_("The request was sent to the class teacher."), "success")
    return redirect(url_for(".tickets"))


def _handled_ticket(ticket_id: int) -> Ticket:
    ticket = get_owned_or_404(Ticket, ticket_id)
    scope = led_class_ids()
    if scope is not None and ticket.class_id not in scope:
        abort(404)
    return ticket


@bp.post("/tickets/<int:ticket_id>/forward")
@requires_permission("office.ticket.handle")
def forward_ticket(ticket_id: int) -> Any:
    ticket = _handled_ticket(ticket_id)
    form = TicketForwardForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for(".tickets"))
    liaison.forward_ticket(db(), ticket, form.note.data or "")
    commit()
    flash(_("The request was passed on to the system administrator."), "success")
    return redirect(url_for(".tickets"))


@bp.post("/tickets/<int:ticket_id>/close")
@requires_permission("office.ticket.handle")
def close_ticket(ticket_id: int) -> Any:
    ticket = _handled_ticket(ticket_id)
    form = TicketCloseForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for(".tickets"))
    liaison.close_ticket(db(), ticket, form.reply.data, acting_user().id)
    commit()
    flash(_("The request is closed."), "success")
    return redirect(url_for(".tickets"))

