"""The plans' JSON API under /api/v1/plans: the plans one may see, a plan's items (optionally one month),
adding and version-checked editing of items, a responsible person's report, and one's overdue items."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from core.toolkit import (
    acting_user,
    api_view,
    current_school_id,
    current_year,
    db,
    get_owned_or_404,
    school_today,
)
from plugins.plans import services
from plugins.plans.models import STATUSES, Plan, PlanItem

bp = Blueprint("plans_api", __name__, url_prefix="/api/v1/plans")


class PlanSchema(Schema):
    id = fields.Integer()
    scope = fields.String()
    title = fields.String()
    association = fields.String()
    subject_id = fields.Integer(allow_none=True)
    owner_id = fields.Integer(allow_none=True)
    year_id = fields.Integer()
    version = fields.Integer()


class ItemSchema(Schema):
    id = fields.Integer()
    plan_id = fields.Integer()
    section = fields.String()
    title = fields.String()
    description = fields.String()
    starts_on = fields.Date(allow_none=True)
    due_on = fields.Date()
    status = fields.String()
    done_on = fields.Date(allow_none=True)
    result = fields.String()
    links = fields.Function(lambda i: [line for line in i.links.splitlines() if line])
    responsible_ids = fields.Function(lambda i: services.responsible_ids(db(), i))
    overdue = fields.Function(lambda i: services.is_overdue(i, school_today()))
    version = fields.Integer()


class MonthSchema(Schema):
    month = fields.String(load_default="", validate=validate.Regexp(r"^(\d{4}-\d{2})?$"))


class ItemInSchema(Schema):
    section = fields.String(load_default="")
    title = fields.String(required=True, validate=validate.Length(min=1, max=500))
    description = fields.String(load_default="")
    starts_on = fields.Date(load_default=None, allow_none=True)
    due_on = fields.Date(required=True)
    status = fields.String(load_default="planned", validate=validate.OneOf(STATUSES))
    result = fields.String(load_default="")
    links = fields.List(fields.String(), load_default=list)
    responsible_ids = fields.List(fields.Integer(), load_default=list)


class ItemEditSchema(ItemInSchema):
    version = fields.Integer(required=True)


class ReportSchema(Schema):
    version = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    result = fields.String(load_default="")
    links = fields.List(fields.String(), load_default=None, allow_none=True)


def _plan(plan_id: int) -> Plan:
    plan = get_owned_or_404(Plan, plan_id)
    if db().scalar(select(Plan.id).where(Plan.id == plan.id, services.visible_plans(acting_user()))) is None:
        abort(404)
    return plan


@bp.get("/plans")
@api_view("plans.view", response=PlanSchema, many=True)
def plans() -> Any:
    """The current year's plans the caller may see."""
    year = current_year(db(), current_school_id())
    return db().scalars(select(Plan).where(services.visible_plans(acting_user()), Plan.year_id == (
        year.id if year else -1)).order_by(Plan.scope, Plan.title)).all()


@bp.get("/plans/<int:plan_id>/items")
@api_view("plans.view", query=MonthSchema, response=ItemSchema, many=True)
def items(plan_id: int, query: dict[str, Any]) -> Any:
    """A plan's items: the year, or one month (``month=2026-11``)."""
    plan = _plan(plan_id)
    stmt = select(PlanItem).where(PlanItem.plan_id == plan.id, PlanItem.school_id == plan.school_id)
    if query["month"]:
        first = date.fromisoformat(query["month"] + "-01")
        stmt = stmt.where(PlanItem.due_on >= first,
                          PlanItem.due_on < date(first.year + first.month // 12, first.month % 12 + 1, 1))
    return db().scalars(stmt.order_by(PlanItem.due_on, PlanItem.id)).all()


@bp.post("/plans/<int:plan_id>/items")
@api_view("plans.own", body=ItemInSchema, response=ItemSchema)
def add_item(plan_id: int, body: dict[str, Any]) -> Any:
    plan = _plan(plan_id)
    if not services.may_keep(acting_user(), plan):
        abort(404)
    session = db()
    people = body.pop("responsible_ids")
    body["links"] = "\n".join(body["links"])
    item = services.add_item(session, plan, data=body, responsible=people, today=school_today())
    session.commit()
    return item


@bp.patch("/items/<int:item_id>")
@api_view("plans.own", body=ItemEditSchema, response=ItemSchema)
def edit_item(item_id: int, body: dict[str, Any]) -> Any:
    """Edit an item made on ``version``; a newer save meanwhile answers 409."""
    item = get_owned_or_404(PlanItem, item_id)
    plan = _plan(item.plan_id)
    if not services.may_keep(acting_user(), plan):
        abort(404)
    session = db()
    people = body.pop("responsible_ids")
    body["links"] = "\n".join(body["links"])
    services.edit_item(session, plan, item, version=body.pop("version"), data=body, responsible=people,
                       today=school_today())
    session.commit()
    return item


@bp.post("/items/<int:item_id>/report")
@api_view("plans.view", body=ReportSchema, response=ItemSchema)
def report_item(item_id: int, body: dict[str, Any]) -> Any:
    """A responsible person's report: status, result, links."""
    item = get_owned_or_404(PlanItem, item_id)
    plan = _plan(item.plan_id)
    session = db()
    if not services.may_report(session, acting_user(), plan, item):
        abort(404)
    links = "\n".join(body["links"]) if body.get("links") is not None else None
    services.report_item(session, item, version=body["version"], status=body["status"], result=body["result"],
                         links=links, today=school_today())
    session.commit()
    return item


@bp.get("/overdue")
@api_view("plans.view", response=ItemSchema, many=True)
def overdue() -> Any:
    """The caller's open items past their due date."""
    return [item for item, _title in services.overdue_for(db(), acting_user(), school_today(), limit=200)]
