"""The document store's tables: folders with an audience, documents with versions, approval steps, the
school's order register, and acquaintance (ознакомление) requests. Every row carries ``school_id`` and every
index leads with it; rows people edit carry a ``version`` checked on save."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow

AUDIENCES = ("staff", "administration", "association", "families")
STATUSES = ("draft", "approval", "director", "published")


class Folder(Base):
    """A folder; ``audience`` says who reads it, ``association`` names a methodological association whose
    members (``FolderMember``) read it. ``system`` marks the folder on using Klass (A06)."""

    __tablename__ = "documents_folder"
    __table_args__ = (Index("ix_documents_folder_school", "school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    name: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(20), default="staff")
    system: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)


class FolderMember(Base):
    """A member of an association's folder (reads and files documents there)."""

    __tablename__ = "documents_folder_member"
    __table_args__ = (UniqueConstraint("folder_id", "user_id"),
                      Index("ix_documents_folder_member_school_user", "school_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    folder_id: Mapped[int] = mapped_column(ForeignKey("documents_folder.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))


class Document(Base):
    """A document of a kind (settings ``kinds``) moving draft → approval → director → published.
    ``number``/``number_year`` come from the register when a numbered kind (an order) is approved."""

    __tablename__ = "documents_document"
    __table_args__ = (Index("ix_documents_document_school_folder", "school_id", "folder_id", "status"),
                      Index("ix_documents_document_school_status", "school_id", "status"),
                      UniqueConstraint("school_id", "kind", "number_year", "number",
                                       name="uq_documents_document_number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    folder_id: Mapped[int] = mapped_column(ForeignKey("documents_folder.id"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    round: Mapped[int] = mapped_column(Integer, default=0)
    number: Mapped[int | None] = mapped_column(Integer)
    number_year: Mapped[int | None] = mapped_column(Integer)
    registered_on: Mapped[date | None] = mapped_column(Date)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class DocumentVersion(Base):
    """One version of a document's text and/or file: who, when, what changed."""

    __tablename__ = "documents_version"
    __table_args__ = (UniqueConstraint("document_id", "number"),
                      Index("ix_documents_version_school_document", "school_id", "document_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents_document.id"))
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    file_id: Mapped[int | None] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200), default="")


class ApprovalStep(Base):
    """One approver's turn in a round of approval: pending, approved, or returned with a comment."""

    __tablename__ = "documents_approval"
    __table_args__ = (Index("ix_documents_approval_school_approver", "school_id", "approver_id", "decision"),
                      Index("ix_documents_approval_school_document", "school_id", "document_id", "round"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents_document.id"))
    round: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    approver_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    decision: Mapped[str] = mapped_column(String(10), default="pending")
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RegisterCounter(Base):
    """The school's register of a numbered kind for a year: the last number given. Numbers are taken by an
    atomic ``UPDATE ... SET last_number = last_number + 1`` so two approvals at once never share one."""

    __tablename__ = "documents_register"
    __table_args__ = (UniqueConstraint("school_id", "kind", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    kind: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Acquaintance(Base):
    """A person asked to read something (``subject``: ``documents.document:12``, ``office.regulation:3``)
    and the moment they confirmed. The one acquaintance mechanism of Klass (see README)."""

    __tablename__ = "documents_acquaintance"
    __table_args__ = (UniqueConstraint("subject", "user_id"),
                      Index("ix_documents_acquaintance_school_user", "school_id", "user_id", "confirmed_at"),
                      Index("ix_documents_acquaintance_school_subject", "school_id", "subject"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    subject: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
