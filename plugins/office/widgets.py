"""What the office shows on the start page: a few counters, a handful of queries."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.toolkit import User, can, children_of, db, plugin_settings, school_today
from plugins.office import overviews, regulation_acks, rosters
from plugins.office.access import class_scope
from plugins.office.models import MovementRequest, Ticket


def staff_summary(user: User) -> dict[str, Any]:
    """Totals over the classes the user answers for (all classes for the administration)."""
    session = db()
    classes = rosters.classes_of_current_year(session, user.school_id)
    scope = class_scope(user, "office.class.view")
    if scope is not None:
        classes = [c for c in classes if c.id in scope]
    settings = plugin_settings("office")
    regulation = regulation_acks.current_regulation(session, user.school_id) if settings["regulation_acknowledgement"] else None
    overview = overviews.class_overview(session, classes, school_today(), regulation.id if regulation else None,
                                       every_days=settings["verify_every_days"])
    totals = {k: sum(v[k] for v in overview.values())
              for k in ("students", "not_activated", "unverified", "no_consent", "not_read")}
    tickets = select(func.count(Ticket.id)).where(Ticket.school_id == user.school_id)
    ticket_scope = class_scope(user, "office.ticket.handle") if can(user, "office.ticket.handle") else set()
    if ticket_scope is None:
        tickets = tickets.where(Ticket.status == "forwarded")
    else:
        tickets = tickets.where(Ticket.status == "new", Ticket.class_id.in_(list(ticket_scope)))
    movement = select(func.count(MovementRequest.id)).where(MovementRequest.school_id == user.school_id,
                                                            MovementRequest.status == "pending")
    if scope is not None:
        ids = list(scope)
        movement = movement.where(MovementRequest.from_class_id.in_(ids) | MovementRequest.to_class_id.in_(ids))
    return {"totals": totals, "classes": classes, "single": classes[0] if len(classes) == 1 else None,
            "tickets": session.scalar(tickets) or 0, "movement": session.scalar(movement) or 0,
            "regulation": regulation, "can_verify": can(user, "office.personal_file.edit"),
            "can_issue": can(user, "office.credentials.issue"),
            # the deputy and the director see the count; only who records consents gets the link
            "can_consent": can(user, "office.consent.edit")}


def family_summary(user: User) -> dict[str, Any]:
    session = db()
    regulation = None
    if plugin_settings("office")["regulation_acknowledgement"]:
        regulation = regulation_acks.current_regulation(session, user.school_id)
    unread = regulation is not None and not regulation_acks.has_acknowledged(session, regulation.id, user.id)
    answered = session.scalar(select(func.count(Ticket.id)).where(
        Ticket.author_id == user.id, Ticket.status == "closed", Ticket.closed_at.is_not(None))) or 0
    open_count = session.scalar(select(func.count(Ticket.id)).where(
        Ticket.author_id == user.id, Ticket.status != "closed")) or 0
    children = children_of(session, user.id)
    return {"show": bool(unread or open_count or children), "unread": unread, "regulation": regulation,
            "open": open_count, "answered": answered, "children": children}
