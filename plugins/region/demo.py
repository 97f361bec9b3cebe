"""The demo municipality: «Управление образования (демо)» with the demo school and a coordinator who
signs in as ``region`` with the demo password shared by every demo account (its hash is copied from the
demo school's administrator, since the hook is not given the password)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import Role, RoleGrant, School, User, grant_role
from plugins.region import services

DEMO_LOGIN = "region"


def build(session: Session, school: School) -> None:
    admin = session.scalar(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                           .where(User.school_id == school.id, RoleGrant.role == Role.admin).order_by(User.id))
    if admin is None or session.scalar(select(User.id).where(User.login == DEMO_LOGIN)):
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
