"""E-mail through the school's SMTP server (settings ``[mail]``). Plain ``smtplib``: it needs no app
context, so background jobs send with the same code as requests."""
from __future__ import annotations

import smtplib
from collections.abc import Iterable, Mapping
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any


def build_message(settings: Mapping[str, Any], to: Iterable[str], subject: str, text: str,
                  html: str | None = None, attachments: Iterable[tuple[str, str, bytes]] = ()) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((settings["sender_name"], settings["sender"]))
    message["To"] = ", ".join(to)
    set_subject(message, subject)
    message["Message-ID"] = make_msgid(domain=settings["sender"].rpartition("@")[2] or "klass.local")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, mime, data in attachments:
        maintype, _, subtype = mime.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def set_subject(message: EmailMessage, subject: str) -> None:
    """Set the Subject so that long non-ASCII subjects keep their spaces.

    The standard library's folding of a long header splits it into RFC 2047 encoded words and may put a
    space between two of them, where decoders drop it («вся школа» arrives as «всяшкола»). So a non-ASCII
    subject is encoded here into encoded words that carry their spaces inside them (``email.header.Header``),
    each line short enough that the default policy writes it as it is instead of folding it again.
    """
    subject = " ".join(subject.split())
    if subject.isascii():
        message["Subject"] = subject
        return
    encoded = Header(subject, "utf-8", header_name="Subject").encode(linesep="\n")
    message.set_raw("Subject", encoded)


def send(settings: Mapping[str, Any], message: EmailMessage) -> str:
    """Send one message; return its Message-ID. Raises ``smtplib.SMTPException``/``OSError`` on failure."""
    smtp_class = smtplib.SMTP_SSL if settings["use_ssl"] else smtplib.SMTP
    with smtp_class(settings["host"], settings["port"], timeout=settings["timeout"]) as smtp:
        if settings["use_tls"] and not settings["use_ssl"]:
            smtp.starttls()
        if settings["username"]:
            smtp.login(settings["username"], settings["password"])
        smtp.send_message(message)
    return str(message["Message-ID"])
