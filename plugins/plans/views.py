"""The plans' pages (/plans): the plans one may see, a plan's year view (items by month) and month view, adding
and editing items, a responsible person's report on an item, and one's own items."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import exists, select

from core.toolkit import (
    AcademicYear,
    Role,
    RoleGrant,
    Subject,
    User,
    acting_user,
    current_school_id,
    current_year,
    db,
    get_owned_or_404,
    plugin_enabled,
    requires_permission,
    school_today,
)
from plugins.plans import services
from plugins.plans.labels import SCOPE_TITLES, STATUS_TITLES
from plugins.plans.models import STATUSES, Plan, PlanItem, PlanItemPerson

bp = Blueprint("plans", __name__, url_prefix="/plans", template_folder="templates")


def load_plan(plan_id: int) -> Plan:
    plan = get_owned_or_404(Plan, plan_id)
    if db().scalar(select(Plan.id).where(Plan.id == plan.id, services.visible_plans(acting_user()))) is None:
        abort(404)
    return plan


def load_item(item_id: int) -> tuple[PlanItem, Plan]:
    item = get_owned_or_404(PlanItem, item_id)
    return item, load_plan(item.plan_id)


def staff(session: Any) -> list[User]:
    return list(session.scalars(select(User).where(User.school_id == current_school_id(), User.is_active_account.is_(True),
                                                   exists().where(RoleGrant.user_id == User.id, RoleGrant.role.in_(
                                                       [Role(r) for r in services.STAFF_ROLES])))
                                .order_by(User.last_name, User.first_name)))


def _date(name: str) -> date | None:
    raw = request.form.get(name, "").strip()
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise services.PlanError(services.N_("Enter the date as DD.MM.YYYY."), field=name) from None


def _item_form() -> tuple[dict[str, Any], list[int]]:
    data = {name: request.form.get(name, "") for name in ("section", "title", "description", "status", "result",
                                                          "links")}
    data["due_on"], data["starts_on"] = _date("due_on"), _date("starts_on")
    return data, [int(i) for i in request.form.getlist("responsible_ids") if i.isdigit()]


@bp.get("/")
@requires_permission("plans.view")
def index() -> Any:
    """The plans of the current year one may see, by scope, and the form for a new plan."""
    session, user = db(), acting_user()
    year = current_year(session, current_school_id())
    plans = list(session.scalars(select(Plan).where(services.visible_plans(user), Plan.year_id == (
        year.id if year else -1)).order_by(Plan.scope, Plan.title)))
    owners = {u.id: u.full_name for u in session.scalars(select(User).where(
        User.id.in_({p.owner_id for p in plans if p.owner_id} or {-1})))}
    subjects = list(session.scalars(select(Subject).where(Subject.school_id == current_school_id())
                                    .order_by(Subject.name)))
    return render_template("plans/index.html", plans=plans, owners=owners, scope_titles=SCOPE_TITLES,
                           manager=services.is_manager(user), subjects=subjects, staff=staff(session), year=year,
                           overdue=services.overdue_for(session, user, school_today(), limit=50))


@bp.post("/")
@requires_permission("plans.own")
def create() -> Any:
    session, user = db(), acting_user()
    year = current_year(session, current_school_id())
    if year is None:
        abort(404)
    plan = services.create_plan(session, user=user, year=year, scope=request.form.get("scope", "person"),
                                title=request.form.get("title", ""), association=request.form.get("association", ""),
                                subject_id=request.form.get("subject_id", type=int),
                                owner_id=request.form.get("owner_id", type=int))
    session.commit()
    flash(_("The plan is created."), "ok")
    return redirect(url_for("plans.show", plan_id=plan.id))


@bp.get("/<int:plan_id>")
@requires_permission("plans.view")
def show(plan_id: int) -> Any:
    """A plan: the year (items grouped by month) or one month (``?month=2026-11``)."""
    plan = load_plan(plan_id)
    session, user, today = db(), acting_user(), school_today()
    year = session.get(AcademicYear, plan.year_id)
    month = request.args.get("month", "")
    query = select(PlanItem).where(PlanItem.plan_id == plan.id, PlanItem.school_id == plan.school_id)
    chosen: date | None = None
    if month:
        try:
            chosen = date.fromisoformat(month + "-01")
        except ValueError:
            abort(404)
        following = date(chosen.year + chosen.month // 12, chosen.month % 12 + 1, 1)
        query = query.where(PlanItem.due_on >= chosen, PlanItem.due_on < following)
    items = list(session.scalars(query.order_by(PlanItem.due_on, PlanItem.id)))
    people: dict[int, list[int]] = {}
    for item_id, user_id in session.execute(select(PlanItemPerson.item_id, PlanItemPerson.user_id).where(
            PlanItemPerson.item_id.in_([i.id for i in items] or [-1]))):
        people.setdefault(item_id, []).append(user_id)
    all_staff = staff(session)
    names = {u.id: u.full_name for u in all_staff}
    months: dict[date, list[PlanItem]] = {}
    for item in items:
        months.setdefault(item.due_on.replace(day=1), []).append(item)
    year_months = []
    if year is not None:
        cursor = year.starts_on.replace(day=1)
        while cursor <= year.ends_on:
            year_months.append(cursor)
            cursor = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
    return render_template("plans/show.html", plan=plan, year=year, months=months, chosen=chosen,
                           year_months=year_months, people=people, names=names, staff=all_staff, today=today,
                           keeper=services.may_keep(user, plan), me=user.id, statuses=STATUSES,
                           status_titles=STATUS_TITLES, scope_titles=SCOPE_TITLES, is_overdue=services.is_overdue,
                           resources=plugin_enabled("resources"), owner=session.get(User, plan.owner_id)
                           if plan.owner_id else None)


@bp.post("/<int:plan_id>/items")
@requires_permission("plans.own")
def add_item(plan_id: int) -> Any:
    plan = load_plan(plan_id)
    if not services.may_keep(acting_user(), plan):
        abort(404)
    session = db()
    data, people = _item_form()
    item = services.add_item(session, plan, data=data, responsible=people, today=school_today())
    session.commit()
    flash(_("The item is added."), "ok")
    return redirect(url_for("plans.show", plan_id=plan.id, month=item.due_on.strftime("%Y-%m")))


@bp.post("/items/<int:item_id>")
@requires_permission("plans.own")
def edit_item(item_id: int) -> Any:
    item, plan = load_item(item_id)
    if not services.may_keep(acting_user(), plan):
        abort(404)
    session = db()
    data, people = _item_form()
    services.edit_item(session, plan, item, version=request.form.get("version", type=int), data=data,
                       responsible=people, today=school_today())
    session.commit()
    flash(_("The item is saved."), "ok")
    return redirect(url_for("plans.show", plan_id=plan.id, month=item.due_on.strftime("%Y-%m")))


@bp.post("/items/<int:item_id>/report")
@requires_permission("plans.view")
def report_item(item_id: int) -> Any:
    """The responsible person's report on an item: its status, the result, links to the evidence."""
    item, plan = load_item(item_id)
    session, user = db(), acting_user()
    if not services.may_report(session, user, plan, item):
        abort(404)
    services.report_item(session, item, version=request.form.get("version", type=int),
                         status=request.form.get("status", ""), result=request.form.get("result", ""),
                         links=request.form.get("links"), today=school_today())
    session.commit()
    flash(_("The item is saved."), "ok")
    return redirect(request.form.get("back") == "mine" and url_for("plans.mine")
                    or url_for("plans.show", plan_id=plan.id, month=item.due_on.strftime("%Y-%m")))


@bp.get("/mine")
@requires_permission("plans.view")
def mine() -> Any:
    """The items one answers for, of every plan: overdue first, then by due date."""
    session, user, today = db(), acting_user(), school_today()
    rows = session.execute(select(PlanItem, Plan).join(Plan, Plan.id == PlanItem.plan_id)
                           .join(PlanItemPerson, PlanItemPerson.item_id == PlanItem.id)
                           .where(PlanItemPerson.school_id == user.school_id, PlanItemPerson.user_id == user.id)
                           .order_by(PlanItem.due_on, PlanItem.id)).all()
    return render_template("plans/mine.html", rows=rows, today=today, statuses=STATUSES, status_titles=STATUS_TITLES,
                           is_overdue=services.is_overdue)
