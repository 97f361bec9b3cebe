"""Liaison tickets: a family or teacher asks, the class teacher answers or forwards to the administrator."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from core.toolkit import User, audit, utcnow
from plugins.office.models import Ticket
from plugins.office.refusals import OfficeError

TICKET_TOPICS = {
    "lost_password": _l("Lost password or login"),
    "access": _l("Cannot open the diary"),
    "wrong_data": _l("Wrong personal data"),
    "other": _l("Other question"),
}
TICKET_STATUSES = {"new": _l("With the class teacher"), "forwarded": _l("With the system administrator"),
                   "closed": _l("Closed")}


def create_ticket(session: Session, author: User, *, class_id: int | None, topic: str, text: str) -> Ticket:
    if topic not in TICKET_TOPICS:
        raise OfficeError(_l("Choose the topic."))
    if not text.strip():
        raise OfficeError(_l("Describe the problem."))
    ticket = Ticket(school_id=author.school_id, author_id=author.id, class_id=class_id, topic=topic,
                    text=text.strip()[:5000], status="new", class_teacher_note="", reply="")
    session.add(ticket)
    session.flush()
    audit(session, school_id=author.school_id, action="office.ticket.create", object_type="office.ticket",
          object_id=ticket.id, new={"topic": topic, "class_id": class_id})
    return ticket


def forward_ticket(session: Session, ticket: Ticket, note: str) -> None:
    if ticket.status != "new":
        raise OfficeError(_l("The request has already been passed on or closed."))
    ticket.status, ticket.class_teacher_note, ticket.forwarded_at = "forwarded", note.strip()[:5000], utcnow()
    audit(session, school_id=ticket.school_id, action="office.ticket.forward", object_type="office.ticket",
          object_id=ticket.id, old={"status": "new"}, new={"status": "forwarded"})


def close_ticket(session: Session, ticket: Ticket, reply: str, closed_by_id: int | None) -> None:
    if ticket.status == "closed":
        raise OfficeError(_l("The request is already closed."))
    if not reply.strip():
        raise OfficeError(_l("Write an answer to the family."))
    old = ticket.status
    ticket.status, ticket.reply, ticket.closed_by_id, ticket.closed_at = "closed", reply.strip()[:5000], closed_by_id, utcnow()
    audit(session, school_id=ticket.school_id, action="office.ticket.close", object_type="office.ticket",
          object_id=ticket.id, old={"status": old}, new={"status": "closed"})

