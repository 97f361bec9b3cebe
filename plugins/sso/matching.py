"""Who is this person? An identity the provider vouches for becomes a Klass account only by matching what
the school already knows: СНИЛС and birth date (kept in ``sso_person_snils``) and the name. Nobody is
ever created here: a stranger gets a refusal and the school's administrator a request to look into.

The first successful match links (issuer, subject) to the account, so later sign-ins do not depend on
the claims (a changed surname, a provider that stops sending СНИЛС) and one query finds the person.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import N_, School, User, audit, school_settings, utcnow
from plugins.sso.models import SsoIdentity, SsoPersonSnils, SsoRequest
from plugins.sso.oidc import ProviderConfig, SignInRefused

STANDARD = {"snils": "snils", "birthdate": "birthdate", "family_name": "family_name",
            "given_name": "given_name", "middle_name": "middle_name"}


def normalise_snils(value: Any) -> str | None:
    """Eleven digits when the checksum is right (the Pension Fund's rule), else None."""
    digits = re.sub(r"\D", "", str(value or ""))
    if len(digits) != 11:
        return None
    total = sum(int(d) * (9 - i) for i, d in enumerate(digits[:9]))
    return digits if int(digits[9:]) == total % 101 % 100 else None


def format_snils(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}" if len(digits) == 11 else digits


def parse_birth_date(value: Any) -> date | None:
    """OIDC's ``YYYY-MM-DD`` or ЕСИА's ``DD.MM.YYYY``."""
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _name(value: Any) -> str:
    return re.sub(r"[\s\-‐]+", " ", str(value or "").strip().casefold().replace("ё", "е"))


@dataclass(frozen=True)
class Person:
    """The claims that matter, read through the provider's claim mapping."""

    issuer: str
    subject: str
    snils: str | None
    birth_date: date | None
    family_name: str
    given_name: str
    middle_name: str

    @classmethod
    def from_claims(cls, cfg: ProviderConfig, claims: dict[str, Any]) -> Person:
        names = {**STANDARD, **(cfg.claims or {})}
        return cls(issuer=str(claims["iss"]), subject=str(claims["sub"]),
                   snils=normalise_snils(claims.get(names["snils"])),
                   birth_date=parse_birth_date(claims.get(names["birthdate"])),
                   family_name=str(claims.get(names["family_name"]) or ""),
                   given_name=str(claims.get(names["given_name"]) or ""),
                   middle_name=str(claims.get(names["middle_name"]) or ""))

    def names_match(self, user: User) -> bool:
        """Surname and first name must agree (ё = е, case ignored); the patronymic too when both have one."""
        if _name(self.family_name) != _name(user.last_name) or _name(self.given_name) != _name(user.first_name):
            return False
        return not (self.middle_name and user.middle_name) or _name(self.middle_name) == _name(user.middle_name)


MESSAGES = {
    "no_snils": N_("The sign-in service did not give us your SNILS and birth date, so we cannot find you. "
                   "Allow access to them in the service and try again, or sign in with your login and password."),
    "no_match": N_("We did not find you among the school's students and parents by SNILS and birth date. "
                   "Your request has been passed to the school's administrator, who will check your details. "
                   "Until then, sign in with the login and password from your slip."),
    "several": N_("Several accounts match your SNILS. Your request has been passed to the school's "
                  "administrator. Until then, sign in with the login and password from your slip."),
    "inactive": N_("Your account is switched off. Ask the school's administrator."),
}


def _record_request(session: Session, cfg: ProviderConfig, person: Person, reason: str,
                    from_school: int | None = None) -> SsoRequest:
    """One open request per identity: a second attempt refreshes it instead of filling the queue. It goes
    to the provider's school, else the school whose page the attempt started from, else the only school."""
    school_id = cfg.school_id if cfg.school_id is not None else from_school
    if school_id is None:
        ids = session.scalars(select(School.id).where(School.kind == "school").limit(2)).all()  # offices aside
        school_id = ids[0] if len(ids) == 1 else None
    row = session.scalar(select(SsoRequest).where(SsoRequest.issuer == person.issuer,
                                                  SsoRequest.subject == person.subject,
                                                  SsoRequest.status == "new"))
    if row is None:
        row = SsoRequest(issuer=person.issuer, subject=person.subject, provider=cfg.key)
        session.add(row)
    row.school_id, row.reason, row.created_at = school_id, reason, utcnow()
    row.family_name, row.given_name, row.middle_name = (person.family_name[:100], person.given_name[:100],
                                                        person.middle_name[:100])
    row.birth_date, row.snils = person.birth_date, person.snils or ""
    return row


def _refuse(session: Session, cfg: ProviderConfig, person: Person, reason: str,
            from_school: int | None = None) -> SignInRefused:
    _record_request(session, cfg, person, reason, from_school)
    session.commit()  # the request must survive the refusal (the error handler rolls back)
    return SignInRefused(MESSAGES["several" if reason == "several" else "no_match"])


def find_account(session: Session, cfg: ProviderConfig, claims: dict[str, Any],
                 from_school: int | None = None) -> User:
    """The Klass account of this identity: by its link, else by СНИЛС + birth date + name (then linked).
    Raises ``SignInRefused`` with the person's message (and records a request) when there is none.

    A school's provider looks in its school; an installation-wide one started from a school's own page
    (``from_school``) in that school, else in every school that runs sso (a school that switched it off
    has nobody to find)."""
    person = Person.from_claims(cfg, claims)
    scope = cfg.school_id if cfg.school_id is not None else from_school

    def running(users: list[User]) -> list[User]:
        if scope is not None:
            return users
        return [u for u in users if school_settings(u.school_id, session=session).plugin_enabled("sso")]

    links = select(SsoIdentity, User).join(User, User.id == SsoIdentity.user_id).where(
        SsoIdentity.issuer == person.issuer, SsoIdentity.subject == person.subject)
    if scope is not None:
        links = links.where(User.school_id == scope)
    linked = [(i, u) for i, u in session.execute(links).all() if running([u])]
    if len(linked) == 1:
        identity, user = linked[0]
        if not user.is_active:
            raise SignInRefused(MESSAGES["inactive"])
        identity.last_used_at = utcnow()
        return user
    if len(linked) > 1:
        raise _refuse(session, cfg, person, "several", from_school)
    if not person.snils or not person.birth_date:
        _record_request(session, cfg, person, "no_snils", from_school)
        session.commit()
        raise SignInRefused(MESSAGES["no_snils"])
    query = select(User).join(SsoPersonSnils, SsoPersonSnils.user_id == User.id).where(
        SsoPersonSnils.snils == person.snils, SsoPersonSnils.birth_date == person.birth_date,
        User.is_active_account.is_(True))
    if scope is not None:
        query = query.where(SsoPersonSnils.school_id == scope)
    candidates = running(list(session.scalars(query)))
    named = [u for u in candidates if person.names_match(u)]
    if not named:
        raise _refuse(session, cfg, person, "name_mismatch" if candidates else "no_match", from_school)
    if len(named) > 1:
        raise _refuse(session, cfg, person, "several", from_school)
    user = named[0]
    session.add(SsoIdentity(provider=cfg.key, issuer=person.issuer, subject=person.subject, user_id=user.id,
                            linked_at=utcnow(), last_used_at=utcnow()))
    audit(session, school_id=user.school_id, action="sso.identity.link", object_type="core.user",
          object_id=user.id, actor_id=user.id, new={"provider": cfg.title, "issuer": person.issuer})
    return user
