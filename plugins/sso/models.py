"""The sign-in providers' tables: a school's OpenID Connect providers, the identities linked to Klass
people, the СНИЛС the matching needs (the core keeps no СНИЛС, and the office's is private to it and only
for students), the school's password policy per role, and the requests of people no one could match."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow

DEFAULT_CLAIMS = {"snils": "snils", "birthdate": "birthdate", "family_name": "family_name",
                  "given_name": "given_name", "middle_name": "middle_name"}


class SsoProvider(Base):
    """One OpenID Connect provider a school offers on its sign-in page («Войти через …»)."""

    __tablename__ = "sso_provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    issuer: Mapped[str] = mapped_column(String(300))
    discovery_url: Mapped[str] = mapped_column(String(300), default="")
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret: Mapped[str] = mapped_column(String(300), default="")
    scopes: Mapped[str] = mapped_column(String(300), default="openid profile")
    claims: Mapped[dict[str, str]] = mapped_column(JSON, default=lambda: dict(DEFAULT_CLAIMS))
    enabled: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)  # a stale edit form is refused
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SsoIdentity(Base):
    """A provider's person (issuer + subject) linked to a Klass account at the first sign-in."""

    __tablename__ = "sso_identity"
    # One identity may open an account in each school of an installation (a parent of children in two
    # schools has two accounts), never twice the same account.
    __table_args__ = (UniqueConstraint("issuer", "subject", "user_id", name="uq_sso_identity_issuer_subject_user"),
                      Index("ix_sso_identity_issuer_subject", "issuer", "subject"))

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(100))  # the provider's key when linked (its title may change)
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SsoPersonSnils(Base):
    """A person's СНИЛС (eleven digits, checksum verified) and birth date, as the school's records say."""

    __tablename__ = "sso_person_snils"
    __table_args__ = (Index("ix_sso_person_snils_snils", "snils"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), index=True)
    snils: Mapped[str] = mapped_column(String(11))
    birth_date: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SsoSchoolPolicy(Base):
    """The school's own choice of roles that may not sign in with a password (else the settings' default)."""

    __tablename__ = "sso_school_policy"

    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"), primary_key=True)
    password_roles_disabled: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(default=1)


class SsoRequest(Base):
    """Someone the provider vouched for but no one in the school matched: the administrator's to-do.
    ``school_id`` is None only for a deployment-wide provider of an installation with several schools."""

    __tablename__ = "sso_request"
    __table_args__ = (Index("ix_sso_request_school_status", "school_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("core_school.id"))
    provider: Mapped[str] = mapped_column(String(100))
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    family_name: Mapped[str] = mapped_column(String(100), default="")
    given_name: Mapped[str] = mapped_column(String(100), default="")
    middle_name: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    snils: Mapped[str] = mapped_column(String(11), default="")
    reason: Mapped[str] = mapped_column(String(40))  # no_match, name_mismatch, several, no_snils
    status: Mapped[str] = mapped_column(String(12), default="new")  # new, closed
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
