"""E-mail notices of new internal mail, sent by a background job after the request (never inside it),
each recipient asked through the toolkit's ``may_email``: a guardian who refused electronic information
gets no e-mail and stays on the class teacher's paper list. A copy is claimed (``sending``, committed)
before the SMTP conversation, so a restart never sends twice."""
from __future__ import annotations

import logging
import smtplib
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.toolkit import (
    Job,
    User,
    build_message,
    core_settings,
    may_email,
    plain_text,
    plugin_settings,
    send_mail,
    utcnow,
)
from plugins.mail.models import MailMessage, MailRecipient

log = logging.getLogger("klass.mail")


def wake(session: Session, message: MailMessage, user_id: int | None) -> None:
    """Queue the notices of a message just sent (commits the caller's transaction)."""
    from core.toolkit import submit_job

    if not plugin_settings("mail")["email_notices"]:
        return
    submit_job(session, school_id=message.school_id, kind="mail.notify", title=_("New mail notices"),
               handler="plugins.mail.notices:send_notices", params={"message_id": message.id}, user_id=user_id)


def send_notices(session: Session, job: Job, progress: Any) -> dict[str, Any]:
    """Job handler: one e-mail per recipient of the message who may receive it."""
    settings, mail = plugin_settings("mail"), core_settings()["mail"]
    message = session.get(MailMessage, job.params["message_id"])
    counts = {"sent": 0, "refused": 0, "none": 0, "failed": 0}
    if message is None or message.status != "sent":
        return counts
    author = session.get(User, message.author_id) if message.author_id else None
    ids = list(session.scalars(select(MailRecipient.id).where(MailRecipient.message_id == message.id,
                                                              MailRecipient.notice == "pending")))
    for n, copy_id in enumerate(ids, 1):
        copy = session.get(MailRecipient, copy_id)
        user = session.get(User, copy.user_id)
        if not may_email(session, user.id, "mail_notice"):
            copy.notice = "refused"
        elif not user.email or copy.read_at is not None:
            copy.notice = "none"
        if copy.notice != "pending":
            counts[copy.notice] += 1
            session.commit()
            continue
        claimed = session.execute(update(MailRecipient).where(MailRecipient.id == copy_id,
                                                              MailRecipient.notice == "pending")
                                  .values(notice="sending")).rowcount
        session.commit()
        if claimed != 1:
            continue
        sender = author.full_name if author else _("The school")
        body = _("%(sender)s wrote to you in the school's internal mail: «%(subject)s».", sender=sender,
                 subject=message.subject)
        snippet = plain_text(message.body)[:300]
        if snippet:
            body += "\n\n" + snippet
        if settings["site_url"]:
            body += "\n\n" + _("Read and answer: %(url)s", url=f"{settings['site_url'].rstrip('/')}/mail/message/{message.id}")
        try:
            send_mail(mail, build_message(mail, [user.email], _("New message: %(subject)s", subject=message.subject), body))
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("mail notice %s: %s", copy_id, exc)
            copy.notice = "failed"
            counts["failed"] += 1
        else:
            copy.notice = "sent"
            counts["sent"] += 1
        copy.notice_at = utcnow()
        session.commit()
        progress(n, len(ids), "")
    return counts
