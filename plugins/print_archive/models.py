"""The archive of printed documents: every generated PDF is a new, never-changed version.

The file itself lives in the database (``print_archive_file``), so every app process, the background
worker and the backups see the same archive; the listing table stays small for the pages that scan it.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow

KINDS = ("journal", "summary")  # the class journal; the summary sheet of final marks (сводная ведомость)


class Document(Base):
    """One version of a printed document of a class for a year, with what it printed and when."""

    __tablename__ = "print_archive_document"
    __table_args__ = (
        UniqueConstraint("class_id", "kind", "version"),
        Index("ix_print_archive_document_school_year", "school_id", "year_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    year_id: Mapped[int] = mapped_column(ForeignKey("core_academic_year.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("core_school_class.id"))
    kind: Mapped[str] = mapped_column(String(20))  # "journal" | "summary"
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(200))
    pages: Mapped[int]
    sheets: Mapped[int]  # as certified on the last page: pages, or pages / 2 rounded up when two-sided
    printing: Mapped[str] = mapped_column(String(20))  # "one_sided" | "two_sided" at generation
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # The moment the journal data was read: the PDF shows the journal as it was then.
    snapshot_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Lessons up to this school-local date were printed (the year's end, or the day of printing).
    through_date: Mapped[date] = mapped_column(Date)
    # What was printed, summarised: per subject a hash and counts, the students, the extra sections,
    # the newest audit entry id; the faithfulness check compares today's data with it.
    fingerprint: Mapped[dict[str, Any]] = mapped_column(JSON)
    retention_years: Mapped[int]
    keep_until: Mapped[date] = mapped_column(Date)
    generated_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("core_job.id"))


class DocumentFile(Base):
    """The PDF bytes and the detailed snapshot (zlib-compressed JSON) the change report is computed from."""

    __tablename__ = "print_archive_file"

    document_id: Mapped[int] = mapped_column(ForeignKey("print_archive_document.id"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    snapshot: Mapped[bytes] = mapped_column(LargeBinary)


class Signoff(Base):
    """The head of the school certified a printed journal (signature and seal on paper): who and when.

    Withdrawn (``revoked_at``) only when the signing account's operations are declared invalid after a
    reported credentials leak; the row itself stays.
    """

    __tablename__ = "print_archive_signoff"
    __table_args__ = (Index("ix_print_archive_signoff_document", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("print_archive_document.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    signed_on: Mapped[date] = mapped_column(Date)  # the date written next to the signature
    note: Mapped[str] = mapped_column(String(300), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Status(Base):
    """The last quick comparison of a printed version with the journal, for the dashboard and lists.

    Refreshed by the periodic worker when the journal's audit log moved (and at least hourly) and by
    the archive page; the check page always compares exactly, live.
    """

    __tablename__ = "print_archive_status"

    document_id: Mapped[int] = mapped_column(ForeignKey("print_archive_document.id"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    stale: Mapped[bool] = mapped_column(default=False)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    audit_mark: Mapped[int] = mapped_column(default=0)  # the newest audit entry id when checked
    through_date: Mapped[date] = mapped_column(Date)


def _read_only(mapper: Any, connection: Any, target: Any) -> None:
    raise PermissionError("the print archive is read-only: generate a new version instead")


for _model in (Document, DocumentFile):
    event.listen(_model, "before_update", _read_only)
    event.listen(_model, "before_delete", _read_only)
