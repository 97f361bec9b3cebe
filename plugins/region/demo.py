"""The demo municipality: «Управление образования (демо)» with the demo school and a coordinator who
signs in as ``region`` with the demo password shared by every demo account (its hash is copied from the
demo school's administrator, since the hook is not given the password). A second demo school (``klass
demo`` run again) joins the same municipality, so the coordinator compares two schools."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import Role, RoleGrant, School, User, grant_role
from plugins.region import services
from plugins.region.models import MunicipalSchool

DEMO_LOGIN = "region"


def build(session: Session, school: School) -> None:
    admin = session.scalar(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                           .where(User.school_id == school.id, RoleGrant.role == Role.admin).order_by(User.id))
    if admin is None:
        return
    existing = session.scalar(select(User).where(User.login == DEMO_LOGIN))
    if existing is not None:
        municipality = services.municipality_of(session, existing)
        if municipality is not None and session.get(MunicipalSchool, school.id) is None:
            services.attach_school(session, municipality, school.id)
        return
    municipality = services.create_municipality(
        session, name="Управление образования (демо)", region=school.region, timezone=school.timezone)
    services.attach_school(session, municipality, school.id)
    coordinator = User(school_id=municipality.office_school_id, login=DEMO_LOGIN, password_hash=admin.password_hash,
                       last_name="Координаторова", first_name="Мария", middle_name="Петровна",
                       must_change_password=admin.must_change_password)
    session.add(coordinator)
    session.flush()
    grant_role(session, coordinator, Role.region_coordinator)
