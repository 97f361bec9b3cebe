"""The plans' rules over a Session: who sees and keeps which plan, adding plans and items, version-checked
edits, status changes, overdue items. Every write is audited here."""
from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from core.toolkit import N_, AcademicYear, ServiceError, Subject, User, audit, can, utcnow
from plugins.plans.labels import STATUS_TITLES
from plugins.plans.models import OPEN_STATUSES, SCOPES, STATUSES, Plan, PlanItem, PlanItemPerson

STAFF_ROLES = ("admin", "principal", "deputy", "class_teacher", "teacher")
ITEM_FIELDS = ("section", "title", "description", "starts_on", "due_on", "status", "done_on", "result", "links")


class PlanError(ServiceError):
    """A refused change of a plan (422 unless said otherwise)."""


class Conflict(PlanError):
    status = 409


def is_manager(user: User) -> bool:
    return can(user, "plans.manage")


def visible_plans(user: User) -> Any:
    """SQL condition: the school's and associations' plans for every staff member; a personal plan for its
    owner and the administration."""
    cond = Plan.school_id == user.school_id
    if is_manager(user):
        return cond
    return cond & or_(Plan.scope.in_(("school", "association")), Plan.owner_id == user.id)


def may_keep(user: User, plan: Plan) -> bool:
    """Add and edit items: the administration; the owner of a personal plan; the head of an association."""
    return plan.school_id == user.school_id and (is_manager(user) or (plan.scope != "school"
                                                                      and plan.owner_id == user.id))


def responsible_ids(session: Session, item: PlanItem) -> list[int]:
    return sorted(session.scalars(select(PlanItemPerson.user_id).where(PlanItemPerson.item_id == item.id)))


def may_report(session: Session, user: User, plan: Plan, item: PlanItem) -> bool:
    """Change the status and the result: whoever keeps the plan, or a person responsible for the item."""
    return may_keep(user, plan) or user.id in responsible_ids(session, item)


def item_state(item: PlanItem, people: list[int] | None = None) -> dict[str, Any]:
    out = {name: getattr(item, name) for name in ITEM_FIELDS}
    out["version"] = item.version
    if people is not None:
        out["responsible_ids"] = sorted(people)
    return out


def _staff(session: Session, school_id: int, ids: list[int]) -> list[int]:
    from core.toolkit import Role, RoleGrant

    wanted = {int(i) for i in ids}
    if not wanted:
        return []
    found = set(session.scalars(select(User.id).where(User.school_id == school_id, User.id.in_(wanted), exists().where(
        RoleGrant.user_id == User.id, RoleGrant.role.in_([Role(r) for r in STAFF_ROLES])))))
    if found != wanted:
        raise PlanError(N_("Responsible people are the school's staff."), field="responsible_ids")
    return sorted(found)


def _links(raw: str) -> str:
    lines = [line.strip() for line in (raw or "").splitlines() if line.strip()]
    for line in lines:
        parsed = urlparse(line)
        if not (line.startswith("/") and not line.startswith("//")) and parsed.scheme not in ("http", "https"):
            raise PlanError(N_("A link is an address of this site (/resources/12) or begins with https://."),
                            field="links")
    return "\n".join(lines[:20])


def create_plan(session: Session, *, user: User, year: AcademicYear, scope: str, title: str, association: str = "",
                subject_id: int | None = None, owner_id: int | None = None) -> Plan:
    if scope not in SCOPES:
        raise PlanError(N_("Choose whose plan it is."), field="scope")
    if scope != "person" and not is_manager(user):
        raise PlanError(N_("The school's and the associations' plans are made by the administration."), status=403,
                        code="forbidden")
    title = " ".join((title or "").split())[:300]
    if not title:
        raise PlanError(N_("Give the plan a title."), field="title")
    if scope == "person":
        owner_id = owner_id if (owner_id and is_manager(user)) else user.id
    if scope == "association" and not association.strip():
        raise PlanError(N_("Name the methodological association."), field="association")
    if subject_id and session.scalar(select(Subject.id).where(Subject.id == subject_id,
                                                              Subject.school_id == user.school_id)) is None:
        raise PlanError(N_("Choose a subject of the school."), field="subject_id")
    if owner_id:
        _staff(session, user.school_id, [owner_id])
    plan = Plan(school_id=user.school_id, year_id=year.id, scope=scope, title=title,
                association=" ".join(association.split())[:200] if scope == "association" else "",
                subject_id=subject_id or None, owner_id=owner_id if scope != "school" else None, created_by=user.id)
    session.add(plan)
    session.flush()
    audit(session, school_id=plan.school_id, action="plans.plan.create", object_type="plans.plan", object_id=plan.id,
          new={"scope": scope, "title": title, "association": plan.association, "owner_id": plan.owner_id})
    return plan


def _item_values(data: dict[str, Any], year: AcademicYear | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    values["title"] = " ".join((data.get("title") or "").split())[:500]
    if not values["title"]:
        raise PlanError(N_("Say what is to be done."), field="title")
    values["section"] = " ".join((data.get("section") or "").split())[:200]
    values["description"] = (data.get("description") or "").strip()[:5000]
    values["due_on"] = data.get("due_on")
    if not isinstance(values["due_on"], date):
        raise PlanError(N_("Give the due date."), field="due_on")
    values["starts_on"] = data.get("starts_on") or None
    if values["starts_on"] and values["starts_on"] > values["due_on"]:
        raise PlanError(N_("The start comes before the due date."), field="starts_on")
    if year is not None and not (year.starts_on <= values["due_on"] <= year.ends_on):
        raise PlanError(N_("The due date lies within the plan's school year."), field="due_on")
    values["status"] = data.get("status") or "planned"
    if values["status"] not in STATUSES:
        raise PlanError(N_("Choose the status."), field="status")
    values["result"] = (data.get("result") or "").strip()[:10000]
    values["links"] = _links(data.get("links") or "")
    return values


def add_item(session: Session, plan: Plan, *, data: dict[str, Any], responsible: list[int], today: date) -> PlanItem:
    values = _item_values(data, session.get(AcademicYear, plan.year_id))
    values["done_on"] = today if values["status"] == "done" else None
    people = _staff(session, plan.school_id, responsible or ([plan.owner_id] if plan.owner_id else []))
    if not people:
        raise PlanError(N_("Choose who is responsible."), field="responsible_ids")
    item = PlanItem(school_id=plan.school_id, plan_id=plan.id, **values)
    session.add(item)
    session.flush()
    for user_id in people:
        session.add(PlanItemPerson(school_id=plan.school_id, item_id=item.id, user_id=user_id))
    audit(session, school_id=plan.school_id, action="plans.item.create", object_type="plans.item", object_id=item.id,
          new=item_state(item, people))
    return item


def _check_version(item: PlanItem, version: int | None) -> None:
    if version is not None and version != item.version:
        raise Conflict(N_("Someone saved this item meanwhile (now: «%(title)s», %(state)s). Open the plan again "
                          "and repeat your change."), title=item.title, state=str(STATUS_TITLES[item.status]), code="conflict")


def _set_people(session: Session, item: PlanItem, people: list[int]) -> None:
    have = set(responsible_ids(session, item))
    for user_id in set(people) - have:
        session.add(PlanItemPerson(school_id=item.school_id, item_id=item.id, user_id=user_id))
    for row in session.scalars(select(PlanItemPerson).where(PlanItemPerson.item_id == item.id,
                                                            PlanItemPerson.user_id.in_(have - set(people)))):
        session.delete(row)


def edit_item(session: Session, plan: Plan, item: PlanItem, *, version: int | None, data: dict[str, Any],
              responsible: list[int], today: date) -> PlanItem:
    _check_version(item, version)
    values = _item_values(data, session.get(AcademicYear, plan.year_id))
    people = _staff(session, plan.school_id, responsible)
    if not people:
        raise PlanError(N_("Choose who is responsible."), field="responsible_ids")
    values["done_on"] = (item.done_on or today) if values["status"] == "done" else None
    old = item_state(item, responsible_ids(session, item))
    for name, value in values.items():
        setattr(item, name, value)
    _set_people(session, item, people)
    item.version += 1
    item.updated_at = utcnow()
    audit(session, school_id=item.school_id, action="plans.item.edit", object_type="plans.item", object_id=item.id,
          old=old, new=item_state(item, people))
    return item


def report_item(session: Session, item: PlanItem, *, version: int | None, status: str, result: str, links: str | None,
                today: date) -> PlanItem:
    """A responsible person's report: the status, what came of it and links to the evidence."""
    _check_version(item, version)
    if status not in STATUSES:
        raise PlanError(N_("Choose the status."), field="status")
    old = item_state(item)
    item.status = status
    item.result = (result or "").strip()[:10000]
    if links is not None:
        item.links = _links(links)
    item.done_on = (item.done_on or today) if status == "done" else None
    item.version += 1
    item.updated_at = utcnow()
    audit(session, school_id=item.school_id, action="plans.item.report", object_type="plans.item", object_id=item.id,
          old=old, new=item_state(item))
    return item


def overdue_for(session: Session, user: User, today: date, limit: int = 5) -> list[tuple[PlanItem, str]]:
    """Open items past their due date that ``user`` answers for, oldest first, with their plan's title (one
    query: it runs on the start page)."""
    return [tuple(r) for r in session.execute(
        select(PlanItem, Plan.title).join(Plan, Plan.id == PlanItem.plan_id)
        .join(PlanItemPerson, PlanItemPerson.item_id == PlanItem.id)
        .where(PlanItemPerson.school_id == user.school_id, PlanItemPerson.user_id == user.id,
               PlanItem.status.in_(OPEN_STATUSES), PlanItem.due_on < today)
        .order_by(PlanItem.due_on, PlanItem.id).limit(limit))]


def is_overdue(item: PlanItem, today: date) -> bool:
    return item.status in OPEN_STATUSES and item.due_on < today
