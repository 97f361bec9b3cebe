"""What other plugins may use of internal mail (declared in ``PLUGIN.public_modules``).

``send_system_message`` puts a letter from the school (no author, or a named staff member) into the
inboxes of the given people, with the same copies, receipts and e-mail notices as a letter written by
hand; ``unread_count`` is the number a start page may show."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import User, audit, plugin_settings, school_today, utcnow
from plugins.mail import services
from plugins.mail.models import MailMessage


def send_system_message(session: Session, school_id: int, user_ids: Iterable[int], subject: str, body: str, *,
                        author_id: int | None = None, requires_ack: bool = False, notify: bool = True) -> MailMessage:
    """Deliver a message to people of the school (ids of other schools are skipped). Does not commit
    unless ``notify`` queues the e-mail notices (a background job, which commits the caller's work)."""
    ids = list(session.scalars(select(User.id).where(User.id.in_(list(user_ids)), User.school_id == school_id)))
    message = MailMessage(school_id=school_id, author_id=author_id, subject=subject[:200], body=body, status="sent",
                          requires_ack=requires_ack, author_folder="sent", sent_at=utcnow(),
                          addressed=[{"key": f"u:{i}", "label": ""} for i in ids])
    session.add(message)
    session.flush()
    message.thread_id = message.id
    today = school_today(school_id, session=session)
    notices = plugin_settings("mail")["email_notices"]
    services.deliver(session, message, [(f"u:{i}", "") for i in ids], today, notices)
    audit(session, school_id=school_id, action="send", object_type="mail.message", object_id=message.id,
          new={**services.snapshot(message), "system": True})
    if notify and notices:
        from plugins.mail.notices import wake

        wake(session, message, author_id)
    return message


def unread_count(session: Session, user: User) -> int:
    return services.unread_count(session, user)
