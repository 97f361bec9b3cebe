"""The office's tables: personal files, documents, consents, movement requests, imports, credentials,
the regulation and its acknowledgements, and liaison tickets. Every table belongs to a school."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow


class PersonalFile(Base):
    """A student's personal file (личное дело): what the core's ``User`` does not hold."""

    __tablename__ = "office_personal_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), unique=True)
    file_number: Mapped[str] = mapped_column(String(50), default="")  # номер личного дела
    registration_address: Mapped[str] = mapped_column(String(500), default="")
    actual_address: Mapped[str] = mapped_column(String(500), default="")
    phones: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    snils: Mapped[str] = mapped_column(String(14), default="")  # «123-456-789 64», checksum verified on import
    gender: Mapped[str] = mapped_column(String(1), default="")  # «м» | «ж» | ""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Bumped on every change of the file or the student's name and birth date: a form or API call made from an
    # older version is refused with the newer values (a stale form never erases the administrator's new phone).
    version: Mapped[int] = mapped_column(default=1, server_default="1")


FILE_FIELDS = ["file_number", "registration_address", "actual_address", "phones", "notes"]
STUDENT_FIELDS = ["last_name", "first_name", "middle_name", "birth_date"]
GUARDIAN_USER_FIELDS = ["last_name", "first_name", "middle_name", "phone", "email"]
GUARDIAN_INFO_FIELDS = ["workplace", "position", "work_phone"]


class GuardianInfo(Base):
    """A guardian's workplace and work phone (анкетные данные родителя)."""

    __tablename__ = "office_guardian_info"

    guardian_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    workplace: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    work_phone: Mapped[str] = mapped_column(String(50), default="")


class FileVerification(Base):
    """The class teacher checked a personal file against the documents on this day."""

    __tablename__ = "office_file_verification"
    __table_args__ = (Index("ix_office_file_verification_student_at", "student_id", "verified_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str] = mapped_column(String(300), default="")


class Document(Base):
    """An uploaded document (scan of a birth certificate, a consent...). Kept in the database so that
    every app process sees it; deleting only marks it, so an undo can bring it back."""

    __tablename__ = "office_document"
    __table_args__ = (Index("ix_office_document_student", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # see personal_files.DOCUMENT_KINDS
    title: Mapped[str] = mapped_column(String(200), default="")
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(default=0)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Consent(Base):
    """A guardian's answers under 152-ФЗ: process personal data? receive information electronically?

    ``None`` means not asked yet; refusing electronic information means paper statements.
    """

    __tablename__ = "office_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), unique=True)
    processing: Mapped[bool | None] = mapped_column()
    electronic: Mapped[bool | None] = mapped_column()
    signed_on: Mapped[date | None] = mapped_column(Date)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("office_document.id"))
    note: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


CONSENT_FIELDS = ["processing", "electronic", "signed_on", "document_id", "note"]


class MovementRequest(Base):
    """Admission, transfer or withdrawal: requested by the class teacher, performed by the admin.

    ``on_date`` is the first day of the new state: the first day in the new class, the first day
    away from school. The student stays in the old class until the day before.
    """

    __tablename__ = "office_movement_request"
    __table_args__ = (Index("ix_office_movement_request_school_status", "school_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    kind: Mapped[str] = mapped_column(String(10))  # admit | transfer | withdraw
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | done | rejected
    student_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), index=True)
    # A new student to admit (no account yet): the account is made when the admin performs it.
    last_name: Mapped[str] = mapped_column(String(100), default="")
    first_name: Mapped[str] = mapped_column(String(100), default="")
    middle_name: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    from_class_id: Mapped[int | None] = mapped_column(ForeignKey("core_school_class.id"), index=True)
    to_class_id: Mapped[int | None] = mapped_column(ForeignKey("core_school_class.id"), index=True)
    on_date: Mapped[date] = mapped_column(Date)
    order_number: Mapped[str] = mapped_column(String(50), default="")
    order_date: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500), default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(String(500), default="")


class ImportBatch(Base):
    """An uploaded class list waiting between preview and confirmation.

    The file itself is kept here (never sent back by the browser): the confirmation re-reads it, so
    what is saved is exactly what was previewed. The content is emptied once the batch is done.
    """

    __tablename__ = "office_import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("core_school_class.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | done | cancelled
    kind: Mapped[str] = mapped_column(String(10), default="students")  # students | staff | loads
    mapping: Mapped[str] = mapped_column(Text, default="")  # JSON list: the field of each column ("" ignored)
    created_students: Mapped[int] = mapped_column(default=0)
    created_guardians: Mapped[int] = mapped_column(default=0)
    created_other: Mapped[int] = mapped_column(default=0)  # staff or teaching loads


class CredentialIssue(Base):
    """When a person's one-time password was issued and by whom (never the password itself)."""

    __tablename__ = "office_credential_issue"
    __table_args__ = (Index("ix_office_credential_issue_user_at", "user_id", "issued_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("core_school_class.id"))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Regulation(Base):
    """The school's regulation on the electronic journal (положение об ЭЖ), a PDF guardians read."""

    __tablename__ = "office_regulation"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    approved_on: Mapped[date | None] = mapped_column(Date)
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(default=0)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    is_current: Mapped[bool] = mapped_column(default=True)


class Ticket(Base):
    """A request from a family to the school's system administrator, passed on by the class teacher.

    new → forwarded (the class teacher passed it on) → closed; the class teacher may close it
    directly when they solved it themselves (a re-issued password).
    """

    __tablename__ = "office_ticket"
    __table_args__ = (Index("ix_office_ticket_school_status", "school_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("core_school_class.id"), index=True)
    topic: Mapped[str] = mapped_column(String(20))  # see liaison.TICKET_TOPICS
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="new")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    class_teacher_note: Mapped[str] = mapped_column(Text, default="")
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reply: Mapped[str] = mapped_column(Text, default="")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
