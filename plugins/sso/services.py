"""The school's side: which providers it offers, whose СНИЛС it knows, which roles may still use a
password, and the requests of people who could not be matched. Every change is audited."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import N_, ServiceError, User, audit, plugin_settings, school_settings, utcnow
from plugins.sso.matching import normalise_snils
from plugins.sso.models import DEFAULT_CLAIMS, SsoPersonSnils, SsoProvider, SsoRequest, SsoSchoolPolicy
from plugins.sso.oidc import ProviderConfig

PROVIDER_FIELDS = ("title", "issuer", "discovery_url", "client_id", "scopes", "enabled")


def _from_row(row: SsoProvider) -> ProviderConfig:
    return ProviderConfig(key=f"s{row.id}", title=row.title, issuer=row.issuer, client_id=row.client_id,
                          client_secret=row.client_secret, discovery_url=row.discovery_url, scopes=row.scopes,
                          claims={**DEFAULT_CLAIMS, **(row.claims or {})}, school_id=row.school_id)


def deployment_providers() -> list[ProviderConfig]:
    """Providers of the whole installation, from ``[plugins.sso] providers`` (a region's IdP)."""
    return [ProviderConfig(key=p["key"], title=p["title"], issuer=p["issuer"], client_id=p["client_id"],
                           client_secret=p["client_secret"], discovery_url=p["discovery_url"], scopes=p["scopes"],
                           claims={**DEFAULT_CLAIMS, **p["claims"]}, school_id=None)
            for p in plugin_settings("sso")["providers"]]


def _school_runs_sso(session: Session, school_id: int) -> bool:
    try:
        return school_settings(school_id, session=session).plugin_enabled("sso")
    except LookupError:
        return False


def providers(session: Session, school_id: int | None = None) -> list[ProviderConfig]:
    """The enabled providers: the installation's, then the school's own (every school's when None, less
    those of schools that switched sso off)."""
    query = select(SsoProvider).where(SsoProvider.enabled.is_(True)).order_by(SsoProvider.id)
    if school_id is not None:
        query = query.where(SsoProvider.school_id == school_id)
    rows = [r for r in session.scalars(query) if school_id is not None or _school_runs_sso(session, r.school_id)]
    return deployment_providers() + [_from_row(r) for r in rows]


def provider(session: Session, key: str) -> ProviderConfig | None:
    """A provider by its key; a school's provider only while it is enabled and its school runs sso."""
    if key.startswith("s") and key[1:].isdigit() and len(key) < 19:
        row = session.get(SsoProvider, int(key[1:]))
        if row is None or not row.enabled or not _school_runs_sso(session, row.school_id):
            return None
        return _from_row(row)
    return next((p for p in deployment_providers() if p.key == key), None)


def school_to_record(session: Session, raw: object) -> int | None:
    """The school a sign-in through an installation-wide provider started from (the ``school`` of the
    start address, written by that school's own sign-in page): kept when it is a school that runs sso."""
    from core.toolkit import School

    text = str(raw or "")
    if not text.isdigit() or len(text) > 18:
        return None
    school = session.get(School, int(text))
    if school is None or school.kind != "school" or not _school_runs_sso(session, school.id):
        return None
    return school.id


def save_provider(session: Session, actor: User, row: SsoProvider | None, data: dict[str, Any],
                  version: int | None) -> SsoProvider:
    """Create or edit a school's provider; an edit made from a stale form is refused (409)."""
    if row is not None and version != row.version:
        raise ServiceError(N_("Someone has changed this provider since you opened the form. Open it again."),
                           status=409, code="conflict")
    old = None if row is None else {f: getattr(row, f) for f in PROVIDER_FIELDS}
    if row is None:
        row = SsoProvider(school_id=actor.school_id, claims=dict(DEFAULT_CLAIMS), version=0)
        session.add(row)
    for name in PROVIDER_FIELDS:
        setattr(row, name, data[name])
    if data.get("client_secret"):  # left empty: the stored secret stays (it is never shown again)
        row.client_secret = data["client_secret"]
    row.claims = {k: data.get(f"claim_{k}") or v for k, v in DEFAULT_CLAIMS.items()}
    row.version += 1
    session.flush()
    audit(session, school_id=actor.school_id, action="sso.provider.create" if old is None else "sso.provider.edit",
          object_type="sso.provider", object_id=row.id, actor_id=actor.id, old=old,
          new={f: getattr(row, f) for f in PROVIDER_FIELDS})
    return row


def set_snils(session: Session, actor_id: int | None, user: User, snils: str, birth_date: date | None) -> SsoPersonSnils:
    """Record what the school's papers say; the checksum and a birth date agreeing with the account's are required."""
    digits = normalise_snils(snils)
    if digits is None:
        raise ServiceError(N_("SNILS «%(value)s» is wrong: eleven digits with a checksum."), field="snils",
                           value=snils)
    birth = birth_date or user.birth_date
    if birth is None:
        raise ServiceError(N_("Enter the birth date."), field="birth_date")
    if user.birth_date and user.birth_date != birth:
        raise ServiceError(N_("The birth date differs from the one in the person's account (%(day)s)."),
                           field="birth_date", day=user.birth_date.strftime("%d.%m.%Y"))
    taken = session.scalar(select(User).join(SsoPersonSnils, SsoPersonSnils.user_id == User.id).where(
        SsoPersonSnils.snils == digits, SsoPersonSnils.school_id == user.school_id, User.id != user.id))
    if taken is not None:
        raise ServiceError(N_("This SNILS is already recorded for %(name)s."), field="snils", name=taken.full_name)
    row = session.get(SsoPersonSnils, user.id)
    old = None if row is None else {"snils": row.snils, "birth_date": row.birth_date}
    if row is None:
        row = SsoPersonSnils(user_id=user.id, school_id=user.school_id)
        session.add(row)
    row.snils, row.birth_date, row.updated_at = digits, birth, utcnow()
    audit(session, school_id=user.school_id, action="sso.snils.set", object_type="core.user", object_id=user.id,
          actor_id=actor_id, old=old, new={"snils": digits, "birth_date": birth})
    return row


def disabled_password_roles(session: Session, school_id: int) -> set[str]:
    """The school's own list if it chose one, else ``[plugins.sso] password_roles_disabled``."""
    policy = session.get(SsoSchoolPolicy, school_id)
    if policy is not None:
        return set(policy.password_roles_disabled)
    return set(plugin_settings("sso")["password_roles_disabled"])


def set_password_policy(session: Session, actor: User, roles: list[str], version: int | None) -> SsoSchoolPolicy:
    policy = session.get(SsoSchoolPolicy, actor.school_id)
    if policy is not None and version != policy.version:
        raise ServiceError(N_("Someone has changed this setting since you opened the form. Open it again."),
                           status=409, code="conflict")
    old = None if policy is None else {"password_roles_disabled": policy.password_roles_disabled}
    if policy is None:
        policy = SsoSchoolPolicy(school_id=actor.school_id, version=0)
        session.add(policy)
    policy.password_roles_disabled = sorted(roles)
    policy.version += 1
    audit(session, school_id=actor.school_id, action="sso.policy.edit", object_type="sso.policy",
          object_id=actor.school_id, actor_id=actor.id, old=old,
          new={"password_roles_disabled": policy.password_roles_disabled})
    return policy


def open_requests(session: Session, school_id: int) -> list[SsoRequest]:
    return list(session.scalars(select(SsoRequest).where(SsoRequest.school_id == school_id,
                                                         SsoRequest.status == "new")
                                .order_by(SsoRequest.created_at.desc())))


def close_request(session: Session, actor: User, row: SsoRequest, note: str) -> None:
    row.status, row.closed_at, row.note = "closed", utcnow(), note[:2000]
    audit(session, school_id=actor.school_id, action="sso.request.close", object_type="sso.request",
          object_id=row.id, actor_id=actor.id, old={"status": "new"}, new={"status": "closed", "note": row.note})
