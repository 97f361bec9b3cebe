"""Letters that ask for acknowledgement: what still waits for a person, and a class's register of who
acknowledged (shown to the author on the message page and offered to the diary's week)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import User
from plugins.mail.models import MailMessage, MailRecipient


def pending_for(session: Session, user: User) -> list[MailMessage]:
    return list(session.scalars(select(MailMessage).join(MailRecipient, MailRecipient.message_id == MailMessage.id)
                                .where(MailRecipient.school_id == user.school_id, MailRecipient.user_id == user.id,
                                       MailRecipient.acknowledged_at.is_(None), MailMessage.requires_ack.is_(True),
                                       MailMessage.status == "sent")
                                .order_by(MailMessage.sent_at.desc()).limit(20)))
