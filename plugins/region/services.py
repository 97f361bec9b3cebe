"""Municipalities, their coordinators and schools: plain functions over a Session (no Flask), shared by the
pages and ``klass region``. Nothing here commits; every write is audited in the office's (or the new
school's) log.

A coordinator is a user of the municipality's office (a ``core_school`` row of kind "office") holding the
core role ``region_coordinator`` and nothing else: no school's staff list names them, and no school page
(journal, diary, people) grants that role anything. Schools are created through the core's one
``create_school`` service, exactly as ``klass school create`` does.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.toolkit import (
    N_,
    CreatedSchool,
    Role,
    School,
    ServiceError,
    User,
    audit,
    create_school,
    grant_role,
    hash_password,
    one_time_password,
    unique_login,
    valid_zone,
)
from plugins.region.models import Municipality, MunicipalSchool


class RegionError(ServiceError):
    """A refused municipal action; the message is Russian through the catalog."""


def create_municipality(session: Session, *, name: str, region: str = "", timezone: str = "Europe/Moscow",
                        actor_id: int | None = None) -> Municipality:
    """A municipality with its office (the coordinators' tenant row, kind "office")."""
    name = name.strip()
    if not name or len(name) > 300:
        raise RegionError(N_("The municipality needs a name of at most 300 characters."), field="name")
    if not valid_zone(timezone):
        raise RegionError(N_("Unknown time zone %(zone)s: write it as Europe/Moscow or Asia/Yekaterinburg."),
                          zone=timezone, field="timezone")
    office = School(name=name, short_name=name[:100], region=region.strip(), timezone=timezone, kind="office")
    session.add(office)
    session.flush()
    municipality = Municipality(name=name, office_school_id=office.id)
    session.add(municipality)
    session.flush()
    audit(session, school_id=office.id, action="region.municipality.create", object_type="region.municipality",
          object_id=municipality.id, new={"name": name, "region": office.region, "timezone": timezone},
          actor_id=actor_id)
    return municipality


def add_coordinator(session: Session, municipality: Municipality, *, last_name: str, first_name: str,
                    middle_name: str = "", login: str | None = None,
                    actor_id: int | None = None) -> tuple[User, str]:
    """A coordinator account in the municipality's office with a one-time password (returned, never stored)."""
    if not last_name.strip() or not first_name.strip():
        raise RegionError(N_("The coordinator needs a last name and a first name."))
    if login:
        if session.scalar(select(User.id).where(func.lower(User.login) == login.lower())):
            raise RegionError(N_("The login %(login)s is already taken."), login=login, field="login")
    else:
        login = unique_login(session, last_name, first_name)
    password = one_time_password()
    user = User(school_id=municipality.office_school_id, login=login, password_hash=hash_password(password),
                last_name=last_name.strip(), first_name=first_name.strip(), middle_name=middle_name.strip(),
                must_change_password=True)
    session.add(user)
    session.flush()
    grant_role(session, user, Role.region_coordinator)
    audit(session, school_id=municipality.office_school_id, action="region.coordinator.create",
          object_type="region.coordinator", object_id=user.id, new={"login": login, "municipality": municipality.id},
          actor_id=actor_id)
    return user, password


def municipality_of(session: Session, user: User) -> Municipality | None:
    """The municipality a coordinator works for: the one whose office the user belongs to."""
    if not user.has_role(Role.region_coordinator):
        return None
    return session.scalar(select(Municipality).where(Municipality.office_school_id == user.school_id))


def schools_of(session: Session, municipality: Municipality) -> list[School]:
    return list(session.scalars(
        select(School).join(MunicipalSchool, MunicipalSchool.school_id == School.id)
        .where(MunicipalSchool.municipality_id == municipality.id, School.kind == "school")
        .order_by(School.short_name, School.id)))


def attach_school(session: Session, municipality: Municipality, school_id: int, *,
                  actor_id: int | None = None) -> MunicipalSchool:
    """Put an existing school into the municipality (a school belongs to at most one)."""
    school = session.get(School, school_id)
    if school is None or school.kind != "school":
        raise RegionError(N_("There is no school %(id)s."), id=school_id, status=404)
    if session.get(MunicipalSchool, school_id) is not None:
        raise RegionError(N_("This school already belongs to a municipality."), status=409)
    link = MunicipalSchool(school_id=school_id, municipality_id=municipality.id)
    session.add(link)
    session.flush()
    audit(session, school_id=municipality.office_school_id, action="region.school.attach",
          object_type="region.school", object_id=school_id, new={"municipality": municipality.id,
                                                                   "school": school.short_name}, actor_id=actor_id)
    return link


def create_school_in(session: Session, municipality: Municipality, *, name: str, short_name: str,
                     region: str = "", timezone: str | None = None, term_system: str = "quarters",
                     admin_login: str | None = None, actor_id: int | None = None) -> CreatedSchool:
    """A new school of the municipality and its first administrator, through the core's ``create_school``
    (the administrator's one-time password is in the result, shown once)."""
    office = session.get(School, municipality.office_school_id)
    created = create_school(session, name=name, short_name=short_name, region=region or (office.region if office else ""),
                            timezone=timezone or (office.timezone if office else "Europe/Moscow"),
                            term_system=term_system, admin_login=admin_login or None)
    attach_school(session, municipality, created.school.id, actor_id=actor_id)
    return created
