"""Consents to personal data processing (152-ФЗ), who wants paper statements, and the missing ones.

:func:`paper_statement_students` answers the ``extra_paper_statement_guardians`` hook for the diary.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, or_, select
from sqlalchemy.orm import Session

from core.toolkit import (
    ClassMembership,
    GuardianLink,
    Role,
    RoleGrant,
    SchoolClass,
    User,
    audit,
    changes,
    school_today,
    utcnow,
)
from plugins.office.models import CONSENT_FIELDS, Consent
from plugins.office.refusals import OfficeError
from plugins.office.rosters import active_on, current_students, guardian_links, student_ids_of_classes


def consent_of(session: Session, guardian_id: int) -> Consent | None:
    return session.scalar(select(Consent).where(Consent.guardian_id == guardian_id))


def set_consent(session: Session, guardian: User, values: dict[str, Any]) -> Consent:
    """Record the guardian's answers (audited with the previous ones)."""
    if values.get("processing") is None and values.get("electronic") is not None:
        raise OfficeError(_l("Record the answer on processing personal data first."))
    if (values.get("processing") is not None or values.get("electronic") is not None) and not values.get("signed_on"):
        raise OfficeError(_l("Give the date the document was signed."))
    consent = consent_of(session, guardian.id)
    created = consent is None
    if consent is None:
        consent = Consent(school_id=guardian.school_id, guardian_id=guardian.id, note="")
        session.add(consent)
    old, new = changes(consent, CONSENT_FIELDS, values)
    consent.updated_at = utcnow()
    session.flush()
    if old or created:
        audit(session, school_id=guardian.school_id, action="office.consent.update", object_type="office.consent",
              object_id=consent.id, old=None if created else old,
              new={k: getattr(consent, k) for k in CONSENT_FIELDS} if created else new)
    return consent


def wants_paper(consent: Consent | None) -> bool:
    """Refusing electronic information, or refusing to let the school process personal data at all,
    means the family gets paper statements."""
    return consent is not None and (consent.electronic is False or consent.processing is False)


def guardians_wanting_paper(session: Session, school_id: int) -> set[int]:
    """Ids of the school's guardians who get paper statements instead of the electronic diary."""
    return set(session.scalars(select(Consent.guardian_id).where(
        Consent.school_id == school_id, or_(Consent.electronic.is_(False), Consent.processing.is_(False)))))


def paper_statement_students(session: Session, school_id: int, class_id: int | None = None,
                             day: date | None = None) -> dict[int, list[int]]:
    """Students whose family (at least one guardian) asked for paper statements: student id -> those
    guardians' ids. With ``class_id`` (and ``day``, default today) only that class's students.

    This is the office's public answer for the diary plugin (duty C28).
    """
    query = (select(GuardianLink.student_id, GuardianLink.guardian_id)
             .join(Consent, Consent.guardian_id == GuardianLink.guardian_id)
             .where(Consent.school_id == school_id,
                    or_(Consent.electronic.is_(False), Consent.processing.is_(False))))
    if class_id is not None:
        members = select(ClassMembership.student_id).where(ClassMembership.class_id == class_id,
                                                           active_on(day or school_today(school_id, session=session)))
        query = query.where(GuardianLink.student_id.in_(members))
    out: dict[int, list[int]] = {}
    for student_id, guardian_id in session.execute(query.order_by(GuardianLink.student_id, GuardianLink.guardian_id)):
        out.setdefault(student_id, []).append(guardian_id)
    return out


@dataclass
class ConsentRow:
    guardian: User
    children: list[str]
    consent: Consent | None

    @property
    def missing(self) -> bool:
        return self.consent is None or self.consent.processing is None


def class_consents(session: Session, class_id: int, day: date) -> list[ConsentRow]:
    kids = {k.id: k.short_name for k in current_students(session, class_id, day)}
    rows: dict[int, ConsentRow] = {}
    for link, user in guardian_links(session, kids):
        rows.setdefault(user.id, ConsentRow(user, [], None)).children.append(kids[link.student_id])
    if rows:
        for consent in session.scalars(select(Consent).where(Consent.guardian_id.in_(list(rows)))):
            rows[consent.guardian_id].consent = consent
    return sorted(rows.values(), key=lambda r: r.guardian.full_name)


def missing_consents_by_class(session: Session, classes: list[SchoolClass], day: date) -> list[dict[str, Any]]:
    """Per class: guardians of current students, how many have no recorded answer, how many want paper."""
    members = student_ids_of_classes(session, [c.id for c in classes], day)
    per_class: dict[int, set[int]] = {c.id: set() for c in classes}
    if members:
        for student_id, guardian_id in session.execute(select(GuardianLink.student_id, GuardianLink.guardian_id)
                                                       .where(GuardianLink.student_id.in_(list(members)))):
            per_class[members[student_id]].add(guardian_id)
    all_guardians = set().union(*per_class.values()) if per_class else set()
    consents = {c.guardian_id: c for c in session.scalars(
        select(Consent).where(Consent.guardian_id.in_(list(all_guardians))))} if all_guardians else {}
    out = []
    for c in classes:
        gids = per_class[c.id]
        missing = sum(1 for g in gids if consents.get(g) is None or consents[g].processing is None)
        paper = sum(1 for g in gids if wants_paper(consents.get(g)))
        out.append({"class": c, "guardians": len(gids), "missing": missing, "paper": paper})
    return out



@dataclass(frozen=True)
class ConsentCounts:
    """A school's consent register in numbers, without a name: for the municipality's figures."""

    guardians: int  # guardians of the school (with the guardian role)
    recorded: int  # of them, with the answer on processing personal data recorded
    electronic: int  # of them, who agreed to information in electronic form


def consent_counts(session: Session, school_id: int) -> ConsentCounts:
    """Guardians, consents recorded, electronic form agreed: two aggregate queries, whatever the size."""
    guardians = session.scalar(select(func.count(distinct(RoleGrant.user_id))).where(
        RoleGrant.school_id == school_id, RoleGrant.role == Role.guardian)) or 0
    recorded, electronic = session.execute(
        select(func.count(Consent.id).filter(Consent.processing.is_not(None)),
               func.count(Consent.id).filter(Consent.electronic.is_(True)))
        .where(Consent.school_id == school_id)).one()
    return ConsentCounts(int(guardians), int(recorded or 0), int(electronic or 0))
