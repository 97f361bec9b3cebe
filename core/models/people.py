"""People and their roles. One account per person: roles are grants, never shared logins."""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Date, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow


class Role(enum.StrEnum):
    """The glossary's roles; the Russian names live in the message catalog (see core.roles)."""

    admin = "admin"
    principal = "principal"
    deputy = "deputy"
    class_teacher = "class_teacher"
    teacher = "teacher"
    student = "student"
    guardian = "guardian"
    support = "support"
    # A municipality's coordinator (the region plugin): signs in at the municipality office, a School row
    # of kind "office", and holds no role in any school, so no school page opens to them.
    region_coordinator = "region_coordinator"


class User(UserMixin, Base):
    __tablename__ = "core_user"
    # Unique within a school, not across the deployment: a region's two schools may each have «ivanova».
    # Sign-in finds the school from ``login@school`` or the school's own address (core.tenancy).
    __table_args__ = (UniqueConstraint("school_id", "login", name="uq_core_user_school_login"),
                      Index("ix_core_user_login", "login"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    login: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    is_active_account: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # First successful sign-in with own password: the class teacher's "activated" column.
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Bumped on password change or leak report: signs every other session of this person out.
    session_version: Mapped[int] = mapped_column(default=1)

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        """«Иванова А. С.»: how journals and lists name people."""
        initials = "".join(f" {p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name}{initials}"

    @property
    def roles(self) -> set[str]:
        return {g.role for g in self.grants}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


class RoleGrant(Base):
    """A role held in a school, optionally scoped to one class (class teacher of 5А)."""

    __tablename__ = "core_role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role", "class_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("core_school_class.id"))

    user: Mapped[User] = relationship(back_populates="grants")


class GuardianLink(Base):
    """A guardian may have several children and a child several guardians."""

    __tablename__ = "core_guardian_link"
    __table_args__ = (Index("ix_core_guardian_link_student", "student_id"),)

    guardian_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    relation: Mapped[str] = mapped_column(String(50), default="")  # мать, отец, опекун


class ApiToken(Base):
    """A personal API token; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "core_api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The user's session_version when issued: a password change, reset, new slip or leak report bumps the
    # user's and so ends every older token, even where the code that bumped it never heard of tokens.
    session_version: Mapped[int] = mapped_column(default=1)
