"""A municipality (управление образования) and the schools it groups.

The municipality's coordinators are ordinary core users whose ``school_id`` is the municipality's *office*:
a ``core_school`` row of kind "office" made with the municipality. So a coordinator belongs to no school,
every school page scoped to "the signed-in user's school" finds nothing of a real school, and whatever sign-in
the core offers for schools works for the office too. A school belongs to at most one municipality.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow


class Municipality(Base):
    __tablename__ = "region_municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    # The office's tenant row: the coordinators' school_id.
    office_school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MunicipalSchool(Base):
    """A school of the municipality (added when the coordinator creates it, or attached by the CLI)."""

    __tablename__ = "region_school"

    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("region_municipality.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
