"""Many schools in one deployment: which school a typed login belongs to.

**The choice.** Logins are unique within a school (``core_user`` has a unique (school_id, login)), so a
region's two schools may both have ``ivanova``. Sign-in finds the school in one of two ways, both with
the same form:

* ``login@school`` typed in the login field, where ``school`` is the school's slug (``ivanova@school7``);
* the school's own address ``/s/<slug>/login``, which fixes the school (its name is shown on the form),
  so people of that school type their plain login. Schools print this address on the slips.

A plain login on the common ``/login`` keeps working when exactly one school has it (every existing
demo login, a one-school deployment); when several have it the form asks for «@школа». Why not a
chooser of schools: a region has hundreds, and the slug on the slip is what a parent already holds.

``@`` is split off only when what follows is a known slug, so a login that itself contains ``@`` (an
e-mail given as login by an identity provider) is never cut in two.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import School, User

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")


def valid_slug(slug: str) -> bool:
    """Latin letters, digits and inner hyphens, up to 40: safe in a URL and after ``@`` alike."""
    return bool(SLUG_RE.match(slug or ""))


def school_by_slug(session: Session, slug: str) -> School | None:
    slug = (slug or "").strip().lower()
    return session.scalar(select(School).where(School.slug == slug)) if valid_slug(slug) else None


@dataclass(frozen=True)
class Identity:
    """What the sign-in form's login field names.

    ``school_id`` is None when no school was found (unknown login or school) or when the plain login is
    ``ambiguous`` (several schools have it). ``key`` is the full identity the rate limits count under:
    the same for ``ivanova`` and ``ivanova@school7`` when they name the same account.
    """

    login: str
    school_id: int | None
    ambiguous: bool = False
    key: str = ""


def resolve(session: Session, typed: str, fixed_school: School | None = None) -> Identity:
    """The login and school a sign-in form names (``fixed_school`` from the ``/s/<slug>/login`` address).

    At most two small indexed reads, whichever branch: unknown and known logins cost about the same.
    """
    text = (typed or "").strip().lower()
    if fixed_school is not None:
        login, _, suffix = text.rpartition("@")
        if not (login and suffix == fixed_school.slug):
            login = text
        return Identity(login, fixed_school.id, key=f"{login}@{fixed_school.slug}")
    login, at, suffix = text.rpartition("@")
    if at and login:
        school = school_by_slug(session, suffix)
        if school is not None:
            return Identity(login, school.id, key=f"{login}@{school.slug}")
    login = text
    rows = session.execute(select(User.school_id, School.slug).join(School, School.id == User.school_id)
                           .where(User.login == login).limit(2)).all()
    if len(rows) == 1:
        return Identity(login, rows[0][0], key=f"{login}@{rows[0][1]}")
    return Identity(login, None, ambiguous=len(rows) > 1, key=login)


def find_user(session: Session, typed: str) -> User | None:
    """The account a typed ``login`` or ``login@school`` names, or None (unknown or ambiguous).

    For protocols without a sign-in page (calendar apps' HTTP Basic): the same rule as the form.
    """
    who = resolve(session, typed)
    if who.school_id is None:
        return None
    return session.scalar(select(User).where(User.school_id == who.school_id, User.login == who.login))


def identity_key(session: Session, user: User) -> str:
    """The rate-limit key of an account already found (the second-factor step): ``login@slug``."""
    slug = session.scalar(select(School.slug).where(School.id == user.school_id))
    return f"{user.login}@{slug}"


def slug_from(name: str) -> str:
    """A slug suggested from a school's short name: «Школа № 7» → ``shkola7``."""
    from core.logins import transliterate

    words = [transliterate(w) for w in (name or "").replace("-", " ").split()]
    return "-".join(w for w in words if w)[:40].strip("-") or "school"


def free_slug(session: Session, base: str) -> str:
    """``base``, or ``base-2``, ``base-3``...: the first slug no school has."""
    taken = set(session.scalars(select(School.slug).where(func.lower(School.slug).like(f"{base}%"))))
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate
