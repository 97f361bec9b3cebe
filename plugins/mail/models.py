"""Internal mail's tables. A message is written once; each recipient has a row of their own (folder,
read and acknowledgement times, the state of the e-mail notice), so one side's archiving or deleting never
touches the other side's copy. Attachments point at the core's file store."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow

STATUSES = ("draft", "sent", "withdrawn")
FOLDERS = ("inbox", "sent", "drafts", "archive", "trash")


class MailMessage(Base):
    """``thread_id`` is the first message of the conversation (its own id for a first message).
    ``addressed`` keeps what the author chose (``[{"key", "label"}]``): a group is resolved to people when
    the message is sent, and the labels say later whom it was for. ``author_folder`` is the author's side."""

    __tablename__ = "mail_message"
    __table_args__ = (Index("ix_mail_message_school_author", "school_id", "author_id", "status"),
                      Index("ix_mail_message_school_thread", "school_id", "thread_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    thread_id: Mapped[int | None] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("mail_message.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))  # None: a system message
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    addressed: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    requires_ack: Mapped[bool] = mapped_column(Boolean, default=False)
    author_folder: Mapped[str] = mapped_column(String(10), default="sent")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MailRecipient(Base):
    """One person's copy of a message. ``via`` is the label of the group that brought it (or "").
    ``notice`` is the e-mail notice: pending → sending → sent | refused (no consent) | none (no address,
    or switched off) | failed."""

    __tablename__ = "mail_recipient"
    __table_args__ = (UniqueConstraint("message_id", "user_id"),
                      Index("ix_mail_recipient_school_user_folder", "school_id", "user_id", "folder"),
                      Index("ix_mail_recipient_school_notice", "school_id", "notice"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    message_id: Mapped[int] = mapped_column(ForeignKey("mail_message.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    via: Mapped[str] = mapped_column(String(200), default="")
    folder: Mapped[str] = mapped_column(String(10), default="inbox")
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notice: Mapped[str] = mapped_column(String(10), default="pending")
    notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MailAttachment(Base):
    __tablename__ = "mail_attachment"
    __table_args__ = (Index("ix_mail_attachment_school_message", "school_id", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    message_id: Mapped[int] = mapped_column(ForeignKey("mail_message.id", ondelete="CASCADE"))
    file_id: Mapped[int] = mapped_column(ForeignKey("core_stored_file.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
