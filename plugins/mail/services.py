"""Internal mail's rules over a Session: sending (groups resolved at that moment), drafts, reading,
acknowledging, withdrawing before anyone read, folders of one's own side, receipts and the paper list.
Every change is audited in its own transaction."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.toolkit import (
    DOCUMENTS_AND_IMAGES,
    N_,
    ServiceError,
    User,
    audit,
    check_upload,
    may_email,
    store_file,
    utcnow,
)
from plugins.mail import addressing
from plugins.mail.models import MailAttachment, MailMessage, MailRecipient


class MailError(ServiceError):
    """A refusal of internal mail (Russian through the catalog)."""


class MailConflict(MailError):
    status = 409
    code = "conflict"


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def snapshot(m: MailMessage) -> dict[str, Any]:
    return {"status": m.status, "subject": m.subject, "addressed": [a["key"] for a in m.addressed or []],
            "requires_ack": m.requires_ack, "author_folder": m.author_folder}


def _attach(session: Session, message: MailMessage, uploads: Iterable[Upload], settings: Mapping[str, Any]) -> None:
    uploads = [u for u in uploads if u.data or u.filename]
    existing = session.scalar(select(func.count(MailAttachment.id)).where(MailAttachment.message_id == message.id)) or 0
    if existing + len(uploads) > settings["max_attachments"]:
        raise MailError(N_("At most %(count)s files may be attached to a message."), field="file",
                        count=settings["max_attachments"])
    for upload in uploads:
        checked = check_upload(upload.data, upload.filename, allowed=DOCUMENTS_AND_IMAGES,
                               max_bytes=settings["max_attachment_kb"] * 1024)
        stored = store_file(session, message.school_id, checked)
        session.add(MailAttachment(school_id=message.school_id, message_id=message.id, file_id=stored.id,
                                   filename=checked.filename, content_type=checked.content_type, size=checked.size))


def reply_addresses(session: Session, parent: MailMessage, user: User) -> dict[str, str]:
    """Whom a reply goes to: the author of the message answered; the author answering his own message
    writes again to everyone who received it. Always allowed, whatever the rules (one answers a letter)."""
    if parent.author_id is not None and parent.author_id != user.id:
        author = session.get(User, parent.author_id)
        return {f"u:{author.id}": author.short_name} if author else {}
    people = session.execute(select(User.id, User.last_name, User.first_name).join(
        MailRecipient, MailRecipient.user_id == User.id).where(MailRecipient.message_id == parent.id)).all()
    return {f"u:{i}": f"{last} {first}" for i, last, first in people}


def _check_addresses(keys: Sequence[str], allowed: Mapping[str, str]) -> list[dict[str, str]]:
    if not keys:
        raise MailError(N_("Choose at least one addressee."), field="to")
    out = []
    for key in dict.fromkeys(keys):
        if key not in allowed:
            raise MailError(N_("You may not write to this addressee."), field="to", status=403)
        out.append({"key": key, "label": allowed[key]})
    return out


def allowed_addresses(session: Session, user: User, settings: Mapping[str, Any], today: date,
                      parent: MailMessage | None) -> dict[str, str]:
    book = addressing.address_book(session, user, settings, today)
    allowed = {**book.groups, **book.people}
    if parent is not None:
        allowed.update(reply_addresses(session, parent, user))
    return allowed


def save_draft(session: Session, author: User, *, subject: str, body: str, to: Sequence[str], requires_ack: bool,
               uploads: Iterable[Upload], settings: Mapping[str, Any], today: date,
               draft: MailMessage | None = None, version: int | None = None,
               parent: MailMessage | None = None) -> MailMessage:
    """Keep an unfinished letter (addressees checked later, when it is sent)."""
    allowed = allowed_addresses(session, author, settings, today, parent)
    addressed = [{"key": k, "label": allowed.get(k, k)} for k in dict.fromkeys(to) if k in allowed]
    if draft is None:
        draft = MailMessage(school_id=author.school_id, author_id=author.id, status="draft", author_folder="drafts",
                            parent_id=parent.id if parent else None,
                            thread_id=(parent.thread_id or parent.id) if parent else None)
        session.add(draft)
        old = None
    else:
        if version is not None and version != draft.version:
            raise MailConflict(N_("This draft was changed in another window (now: «%(subject)s»); reload it."),
                               subject=draft.subject)
        old = snapshot(draft)
        draft.version += 1
    draft.subject, draft.body, draft.addressed, draft.requires_ack = subject[:200], body, addressed, requires_ack
    session.flush()
    _attach(session, draft, uploads, settings)
    audit(session, school_id=author.school_id, action="draft", object_type="mail.message", object_id=draft.id,
          old=old, new=snapshot(draft))
    return draft


def send(session: Session, author: User, *, subject: str, body: str, to: Sequence[str], requires_ack: bool,
         uploads: Iterable[Upload], settings: Mapping[str, Any], today: date, parent: MailMessage | None = None,
         draft: MailMessage | None = None, version: int | None = None) -> MailMessage:
    """Send a letter: every address must be in the author's book (or be the one answered); groups become
    people now. Raises MailError when nobody is left or an address is not allowed."""
    subject = subject.strip()
    if not subject:
        raise MailError(N_("Write the subject."), field="subject")
    if not body.strip():
        raise MailError(N_("Write the text of the message."), field="body")
    allowed = allowed_addresses(session, author, settings, today, parent)
    addressed = _check_addresses(to, allowed)
    if draft is not None and version is not None and version != draft.version:
        raise MailConflict(N_("This draft was changed in another window (now: «%(subject)s»); reload it."),
                           subject=draft.subject)
    message = draft or MailMessage(school_id=author.school_id, author_id=author.id)
    old = snapshot(message) if draft is not None else None
    message.subject, message.body, message.addressed = subject[:200], body, addressed
    message.requires_ack, message.status, message.author_folder = requires_ack, "sent", "sent"
    message.sent_at, message.version = utcnow(), (message.version or 0) + 1
    if parent is not None:
        message.parent_id, message.thread_id = parent.id, parent.thread_id or parent.id
    session.add(message)
    session.flush()
    if message.thread_id is None:
        message.thread_id = message.id
    _attach(session, message, uploads, settings)
    deliver(session, message, [(a["key"], a["label"]) for a in addressed], today, settings["email_notices"])
    audit(session, school_id=author.school_id, action="send", object_type="mail.message", object_id=message.id,
          old=old, new={**snapshot(message), "recipients": len(recipients_of(session, message))})
    return message


def deliver(session: Session, message: MailMessage, addresses: Iterable[tuple[str, str]], today: date,
            notices: bool) -> int:
    """One copy per person (the first group that names a person is the one shown as «via»)."""
    seen: dict[int, str] = {}
    for key, label in addresses:
        for uid in addressing.resolve(session, message.school_id, key, today):
            if uid != message.author_id:
                seen.setdefault(uid, "" if key.startswith("u:") else label)
    if not seen:
        raise MailError(N_("Nobody is in the chosen groups today."), field="to")
    for uid, via in seen.items():
        session.add(MailRecipient(school_id=message.school_id, message_id=message.id, user_id=uid, via=via[:200],
                                  folder="inbox", notice="pending" if notices else "none"))
    session.flush()
    return len(seen)


def recipients_of(session: Session, message: MailMessage) -> list[MailRecipient]:
    return list(session.scalars(select(MailRecipient).where(MailRecipient.message_id == message.id)))


def copy_of(session: Session, message: MailMessage, user: User) -> MailRecipient | None:
    return session.scalar(select(MailRecipient).where(MailRecipient.message_id == message.id,
                                                      MailRecipient.user_id == user.id))


def can_see(session: Session, message: MailMessage, user: User) -> bool:
    if message.school_id != user.school_id:
        return False
    if message.author_id == user.id:
        return True
    return message.status == "sent" and copy_of(session, message, user) is not None


def mark_read(session: Session, message: MailMessage, user: User) -> bool:
    copy = copy_of(session, message, user)
    if copy is None or copy.read_at is not None or message.status != "sent":
        return False
    copy.read_at = utcnow()
    return True


def acknowledge(session: Session, message: MailMessage, user: User) -> MailRecipient:
    copy = copy_of(session, message, user)
    if copy is None or not message.requires_ack or message.status != "sent":
        raise MailError(N_("This message does not ask for acknowledgement."))
    if copy.acknowledged_at is None:
        copy.acknowledged_at = utcnow()
        copy.read_at = copy.read_at or copy.acknowledged_at
        audit(session, school_id=message.school_id, action="acknowledge", object_type="mail.recipient",
              object_id=copy.id, old={"acknowledged_at": None}, new={"acknowledged_at": copy.acknowledged_at.isoformat()})
    return copy


def withdraw(session: Session, message: MailMessage, user: User) -> MailMessage:
    """The author takes a letter back while nobody has opened it; after that it belongs to its readers."""
    if message.author_id != user.id or message.status != "sent":
        raise MailError(N_("Only a sent message of your own can be withdrawn."), status=403)
    if any(r.read_at for r in recipients_of(session, message)):
        raise MailError(N_("The message has already been read and can no longer be withdrawn."))
    old = snapshot(message)
    message.status, message.withdrawn_at, message.author_folder = "withdrawn", utcnow(), "drafts"
    for r in recipients_of(session, message):
        if r.notice == "pending":
            r.notice = "none"
    audit(session, school_id=message.school_id, action="withdraw", object_type="mail.message", object_id=message.id,
          old=old, new=snapshot(message))
    return message


def move(session: Session, message: MailMessage, user: User, folder: str) -> None:
    """Archive, delete (to one's own trash) or restore — one's own side only, never the other's."""
    if folder not in ("inbox", "archive", "trash", "sent"):
        raise MailError(N_("Unknown folder."))
    if message.author_id == user.id:
        old = {"author_folder": message.author_folder}
        message.author_folder = "sent" if folder == "inbox" else folder
        audit(session, school_id=message.school_id, action="move", object_type="mail.message",
              object_id=message.id, old=old, new={"author_folder": message.author_folder})
        return
    copy = copy_of(session, message, user)
    if copy is None:
        raise MailError(N_("Unknown folder."))
    old = {"folder": copy.folder}
    copy.folder = "inbox" if folder == "sent" else folder
    audit(session, school_id=message.school_id, action="move", object_type="mail.recipient", object_id=copy.id,
          old=old, new={"folder": copy.folder})


@dataclass
class Receipt:
    user: User
    via: str
    read_at: datetime | None
    acknowledged_at: datetime | None
    electronic: bool


def receipts(session: Session, message: MailMessage) -> list[Receipt]:
    """Who received the letter, who opened it, who acknowledged it, and who refused electronic information
    (they are told on paper)."""
    rows = session.execute(select(MailRecipient, User).join(User, User.id == MailRecipient.user_id)
                           .where(MailRecipient.message_id == message.id)
                           .order_by(User.last_name, User.first_name))
    return [Receipt(u, r.via, r.read_at, r.acknowledged_at, may_email(session, u.id, "mail_notice")) for r, u in rows]


def folder_query(user: User, folder: str, text: str = "") -> Any:
    """The messages of one folder of ``user``'s side, newest first; ``text`` searches subject, text and
    the sender's name."""
    author = select(User.id).where(or_(User.last_name.ilike(f"%{text}%"), User.first_name.ilike(f"%{text}%")))
    if folder == "inbox" or (folder in ("archive", "trash") and True):
        received = (select(MailMessage).join(MailRecipient, MailRecipient.message_id == MailMessage.id)
                    .where(MailRecipient.user_id == user.id, MailRecipient.folder == folder,
                           MailMessage.status == "sent"))
    else:
        received = None
    if folder == "sent":
        own = select(MailMessage).where(MailMessage.status.in_(["sent", "withdrawn"]), MailMessage.author_folder == "sent")
    elif folder == "drafts":
        own = select(MailMessage).where(MailMessage.status.in_(["draft", "withdrawn"]))
    elif folder in ("archive", "trash"):
        own = select(MailMessage).where(MailMessage.status == "sent", MailMessage.author_folder == folder)
    else:
        own = None
    parts = []
    if received is not None:
        parts.append(received.where(MailMessage.school_id == user.school_id))
    if own is not None:
        parts.append(own.where(MailMessage.school_id == user.school_id, MailMessage.author_id == user.id))
    ids = None
    for part in parts:
        if text:
            part = part.where(or_(MailMessage.subject.ilike(f"%{text}%"), MailMessage.body.ilike(f"%{text}%"),
                                  MailMessage.author_id.in_(author)))
        sub = part.with_only_columns(MailMessage.id)
        ids = sub if ids is None else ids.union(sub)
    return select(MailMessage).where(MailMessage.id.in_(ids)).order_by(
        func.coalesce(MailMessage.sent_at, MailMessage.created_at).desc())


def unread_count(session: Session, user: User) -> int:
    return session.scalar(select(func.count(MailRecipient.id)).join(MailMessage, MailMessage.id == MailRecipient.message_id)
                          .where(MailRecipient.school_id == user.school_id, MailRecipient.user_id == user.id,
                                 MailRecipient.folder == "inbox", MailRecipient.read_at.is_(None),
                                 MailMessage.status == "sent")) or 0


def thread(session: Session, message: MailMessage, user: User) -> list[MailMessage]:
    """The conversation as ``user`` may see it."""
    rows = session.scalars(select(MailMessage).where(MailMessage.school_id == message.school_id,
                                                     MailMessage.thread_id == (message.thread_id or message.id))
                           .order_by(MailMessage.sent_at, MailMessage.id))
    return [m for m in rows if m.status != "draft" and can_see(session, m, user)]
