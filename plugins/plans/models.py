"""Staff work plans: the school's plan, each methodological association's and each person's plan for a school
year, and their items with responsible people, dates, status, the result and links to documents, materials
and reports."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow

SCOPES = ("school", "association", "person")
STATUSES = ("planned", "in_progress", "done", "cancelled")
OPEN_STATUSES = ("planned", "in_progress")


class Plan(Base):
    """A plan of a school year. ``owner_id``: the person (a personal plan) or the association's head, who
    keeps the association's plan besides the administration; ``association``: its name (МО учителей
    математики), ``subject_id`` its main subject when it has one."""

    __tablename__ = "plans_plan"
    __table_args__ = (Index("ix_plans_plan_school_year_scope", "school_id", "year_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    year_id: Mapped[int] = mapped_column(ForeignKey("core_academic_year.id"))
    scope: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(300))
    association: Mapped[str] = mapped_column(String(200), default="")
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("core_subject.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)


class PlanItem(Base):
    """One line of a plan: what, who answers for it, by when, how it stands and what came of it."""

    __tablename__ = "plans_item"
    __table_args__ = (Index("ix_plans_item_school_plan_due", "school_id", "plan_id", "due_on"),
                      Index("ix_plans_item_school_status_due", "school_id", "status", "due_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans_plan.id", ondelete="CASCADE"))
    section: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="planned")
    done_on: Mapped[date | None] = mapped_column(Date)
    result: Mapped[str] = mapped_column(Text, default="")
    # Links to documents, materials and reports, one per line ("/resources/12", "https://…").
    links: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)


class PlanItemPerson(Base):
    """A person responsible for an item (several may share one)."""

    __tablename__ = "plans_item_person"
    __table_args__ = (UniqueConstraint("item_id", "user_id"),
                      Index("ix_plans_item_person_school_user", "school_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("plans_item.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
