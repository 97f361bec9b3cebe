"""A school from nothing: creating it with its first administrator, its years, and the set-up checklist.

One code path serves ``klass school create`` and the web wizard, so the CLI and the pages agree on what
a valid school is. The checklist is computed from the school's own data (``SetupStep.is_done``), never
from a stored "wizard position": leaving the wizard and coming back resumes at the first step not done.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from core.audit import audit
from core.calendar import TERM_NAMES, default_holidays, default_terms
from core.clock import valid_zone
from core.models import (
    AcademicYear,
    Holiday,
    Role,
    RoleGrant,
    School,
    SchoolClass,
    Subject,
    TeachingAssignment,
    Term,
    User,
)
from core.security import hash_password, one_time_password
from core.service_error import N_, ServiceError
from core.services import current_year, grant_role
from core.ui import SetupStep

TERM_SYSTEMS = tuple(TERM_NAMES)  # quarters, trimesters, halves
# What people call them; "semesters" is accepted as the halves of the year.
TERM_SYSTEM_ALIASES = {"semesters": "halves", "четверти": "quarters", "триместры": "trimesters",
                       "полугодия": "halves"}


class SetupError(ServiceError):
    """A refused set-up value; the message is Russian through the catalog."""


def normalise_term_system(value: str) -> str:
    value = (value or "").strip().lower()
    value = TERM_SYSTEM_ALIASES.get(value, value)
    if value not in TERM_SYSTEMS:
        raise SetupError(N_("Unknown term system %(value)s: choose quarters, trimesters or semesters."), value=value)
    return value


def check_school_fields(name: str, short_name: str, region: str, timezone: str) -> None:
    if not name.strip() or not short_name.strip():
        raise SetupError(N_("The school needs a full name and a short name."))
    if len(name) > 300 or len(short_name) > 100 or len(region) > 200:
        raise SetupError(N_("The name is too long."))
    if not valid_zone(timezone):
        raise SetupError(N_("Unknown time zone %(zone)s: write it as Europe/Moscow or Asia/Yekaterinburg."),
                         zone=timezone)


@dataclass
class CreatedSchool:
    school: School
    admin: User
    password: str  # shown once, never stored in clear text


def check_slug(session: Session, slug: str, school_id: int | None = None) -> str:
    """The school's address in logins and URLs (core.tenancy): valid and no other school's."""
    from core.tenancy import valid_slug

    slug = (slug or "").strip().lower()
    if not valid_slug(slug):
        raise SetupError(N_("The school's address %(slug)s may hold only Latin letters, digits and hyphens "
                            "(up to 40), for example school7."), slug=slug)
    other = session.scalar(select(School.id).where(School.slug == slug))
    if other is not None and other != school_id:
        raise SetupError(N_("Another school already has the address %(slug)s: choose another."), slug=slug)
    return slug


def create_school(session: Session, *, name: str, short_name: str, slug: str | None = None, region: str = "",
                  timezone: str = "Europe/Moscow", term_system: str = "quarters",
                  admin_last_name: str = "Администратор", admin_first_name: str = "Школы",
                  admin_login: str | None = None) -> CreatedSchool:
    """Create a school and its first administrator (with a one-time password); does not commit.

    Running it again creates another school with its own administrator. Logins are unique within a
    school (core.tenancy), so every school's first administrator may be ``admin``: they sign in as
    ``admin@<slug>`` or on ``/s/<slug>/login``. Without a ``slug`` the first free one made from the
    short name is taken (the municipality creating schools from a form). Every check runs before the
    first write.
    """
    from core.tenancy import free_slug, slug_from

    term_system = normalise_term_system(term_system)
    check_school_fields(name, short_name, region, timezone)
    slug = check_slug(session, slug if slug is not None else free_slug(session, slug_from(short_name)))
    login = (admin_login or "admin").strip().lower()
    if not login or "@" in login or len(login) > 100:
        raise SetupError(N_("The administrator's login %(login)s cannot be used: no «@», up to 100 characters."),
                         login=login)
    school = School(name=name.strip(), short_name=short_name.strip(), slug=slug, region=region.strip(),
                    timezone=timezone, term_system=term_system)
    session.add(school)
    session.flush()
    password = one_time_password()
    admin = User(school_id=school.id, login=login, password_hash=hash_password(password),
                 last_name=admin_last_name, first_name=admin_first_name, must_change_password=True)
    session.add(admin)
    session.flush()
    grant_role(session, admin, Role.admin)
    audit(session, school_id=school.id, action="core.school.create", object_type="core.school", object_id=school.id,
          new={"name": school.name, "short_name": school.short_name, "slug": slug, "region": school.region,
               "timezone": timezone, "term_system": term_system, "admin_login": login})
    return CreatedSchool(school, admin, password)


def update_school(session: Session, school: School, *, name: str, short_name: str, region: str, timezone: str,
                  term_system: str, address: str = "", principal_name: str = "") -> None:
    term_system = normalise_term_system(term_system)
    check_school_fields(name, short_name, region, timezone)
    fields = {"name": name.strip(), "short_name": short_name.strip(), "region": region.strip(),
              "timezone": timezone, "term_system": term_system, "address": address.strip(),
              "principal_name": principal_name.strip()}
    old = {k: getattr(school, k) for k in fields if getattr(school, k) != fields[k]}
    for key, value in fields.items():
        setattr(school, key, value)
    if old:
        audit(session, school_id=school.id, action="core.school.update", object_type="core.school",
              object_id=school.id, old=old, new={k: fields[k] for k in old})


def year_title(start_year: int) -> str:
    return f"{start_year}/{start_year + 1}"


def default_year_dates(today: date) -> tuple[str, date, date]:
    """The academic year a school sets up now: the one running, or the next one from June on."""
    start_year = today.year if today.month >= 6 else today.year - 1
    return year_title(start_year), date(start_year, 9, 1), date(start_year + 1, 5, 31)


def create_year(session: Session, school: School, *, title: str, starts_on: date, ends_on: date,
                profile_term_system: str, is_current: bool = True) -> AcademicYear:
    """A year with the usual Russian terms and holidays, editable after. The terms follow the school's own
    term system, or the profile's (``profile_term_system``) for a school that never chose one."""
    if starts_on >= ends_on:
        raise SetupError(N_("The year must end after it starts."))
    if session.scalar(select(AcademicYear.id).where(AcademicYear.school_id == school.id,
                                                    AcademicYear.title == title)):
        raise SetupError(N_("A year with this title already exists."))
    if is_current:
        session.execute(update(AcademicYear).where(AcademicYear.school_id == school.id).values(is_current=False))
    year = AcademicYear(school_id=school.id, title=title, starts_on=starts_on, ends_on=ends_on, is_current=is_current)
    session.add(year)
    session.flush()
    term_system = school.term_system or profile_term_system
    for number, period in enumerate(default_terms(term_system, starts_on.year), 1):
        session.add(Term(school_id=school.id, year_id=year.id, number=number, title=period.title,
                         starts_on=period.starts_on, ends_on=period.ends_on,
                         closes_on=period.ends_on + timedelta(days=7)))
    for period in default_holidays(starts_on.year):
        session.add(Holiday(school_id=school.id, year_id=year.id, title=period.title,
                            starts_on=period.starts_on, ends_on=period.ends_on))
    audit(session, school_id=school.id, action="core.year.create", object_type="core.academic_year",
          object_id=year.id, new={"title": year.title, "term_system": term_system})
    return year


# --- the checklist ------------------------------------------------------------------------------------

def _has_year(session: Session, school_id: int) -> bool:
    year = current_year(session, school_id)
    return year is not None and session.scalar(select(exists().where(Term.year_id == year.id))) is True


def _has_classes(session: Session, school_id: int) -> bool:
    year = current_year(session, school_id)
    return year is not None and session.scalar(
        select(exists().where(SchoolClass.school_id == school_id, SchoolClass.year_id == year.id))) is True


def _has_subjects(session: Session, school_id: int) -> bool:
    return session.scalar(select(exists().where(Subject.school_id == school_id))) is True


def _has_teachers(session: Session, school_id: int) -> bool:
    return session.scalar(select(exists().where(
        RoleGrant.school_id == school_id, RoleGrant.role.in_([Role.teacher, Role.class_teacher])))) is True


def _has_loads(session: Session, school_id: int) -> bool:
    """Every class of the current year has at least one teaching load."""
    year = current_year(session, school_id)
    if year is None:
        return False
    without = select(SchoolClass.id).where(
        SchoolClass.school_id == school_id, SchoolClass.year_id == year.id,
        ~exists().where(TeachingAssignment.class_id == SchoolClass.id))
    return _has_classes(session, school_id) and session.scalar(select(exists(without))) is False


def _school_described(session: Session, school_id: int) -> bool:
    school = session.get(School, school_id)
    return school is not None and bool(school.name and school.short_name and school.region)


CORE_STEPS = [
    SetupStep("school", _l("School"), "core_setup.school", "core.structure.manage", _school_described, 10,
              _l("Name, region, time zone and term system.")),
    SetupStep("year", _l("Academic year, terms and holidays"), "core_setup.year", "core.structure.manage",
              _has_year, 20, _l("Dates come from the usual Russian calendar; check and correct them.")),
    SetupStep("classes", _l("Classes"), "core_structure.index", "core.structure.manage", _has_classes, 40,
              _l("Add every class of the year, e.g. 5 «А»."), {"_anchor": "classes"}),
    SetupStep("subjects", _l("Subjects"), "core_structure.index", "core.structure.manage", _has_subjects, 50,
              _l("Add the subjects of the curriculum."), {"_anchor": "subjects"}),
    SetupStep("staff", _l("Staff"), "core_people.staff", "core.users.manage", _has_teachers, 60,
              _l("Type in teachers or import a staff list.")),
    SetupStep("loads", _l("Teaching loads"), "core_structure.index", "core.structure.manage", _has_loads, 70,
              _l("Who teaches what in each class or subgroup, hours a week."), {"_anchor": "assignments"}),
]


@dataclass
class StepState:
    step: SetupStep
    done: bool
    alternatives: list[SetupStep] = field(default_factory=list)  # other ways to do it (``extends``)


def checklist(session: Session, school_id: int, pm: Any, user: Any | None = None) -> list[StepState]:
    """The core's steps and the enabled plugins' (``register_setup_steps``), in order, with their state.

    With ``user``, steps whose permission the user lacks are left out.
    """
    from core.permissions import can

    steps = list(CORE_STEPS)
    for contributed in pm.hook.register_setup_steps():
        steps.extend(contributed or [])
    steps.sort(key=lambda s: (s.weight, s.key))
    if user is not None:
        steps = [s for s in steps if can(user, s.permission)]
    states = [StepState(s, bool(s.is_done(session, school_id))) for s in steps if not s.extends]
    by_key = {s.step.key: s for s in states}
    for step in steps:
        if step.extends in by_key:
            by_key[step.extends].alternatives.append(step)
    return states


def first_open(states: list[StepState]) -> StepState | None:
    return next((s for s in states if not s.done), None)
