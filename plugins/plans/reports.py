"""«Execution of the work plans» for the reports plugin (its ``register_reports`` hook): per plan of the
school year, items due in the period, done, done on time, overdue, cancelled and the share done; the deputy's
analysis of the plan's execution. Imported only when the reports plugin calls the hook."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugins.plans.labels import SCOPE_TITLES
from plugins.plans.models import Plan, PlanItem
from plugins.reports.public import (
    INT,
    PERCENT,
    TEXT,
    Column,
    Figure,
    ReportDefinition,
    ReportParams,
    ReportResult,
    Row,
    date_field,
)


class ExecutionParams(ReportParams):
    start = date_field(_l("Period from"), days_ago=90)
    end = date_field(_l("Period to"), days_ago=0)


def definitions() -> list[Any]:
    return [ReportDefinition(
        key="plans_execution", title=_l("Execution of the work plans"), run=run, params=ExecutionParams,
        scope="school", category="control", weight=60,
        description=_l("Per plan: items due in the period, done, on time, overdue, and the share done."))]


def run(session: Session, values: dict[str, Any], user: Any) -> ReportResult:
    start, end = values["start"], values["end"]
    rows_by_plan: dict[int, dict[str, Any]] = {}
    query = (select(Plan, PlanItem).join(PlanItem, PlanItem.plan_id == Plan.id)
             .where(Plan.school_id == user.school_id, PlanItem.due_on >= start, PlanItem.due_on <= end)
             .order_by(Plan.scope, Plan.title, Plan.id))
    for plan, item in session.execute(query):
        row = rows_by_plan.setdefault(plan.id, {
            "plan": plan.title, "scope": str(SCOPE_TITLES[plan.scope]), "due": 0, "done": 0, "on_time": 0,
            "overdue": 0, "cancelled": 0})
        row["due"] += 1
        if item.status == "done":
            row["done"] += 1
            row["on_time"] += int(item.done_on is not None and item.done_on <= item.due_on)
        elif item.status == "cancelled":
            row["cancelled"] += 1
        elif item.due_on < end:
            row["overdue"] += 1
    rows = []
    for data in rows_by_plan.values():
        counted = data["due"] - data["cancelled"]
        data["done_percent"] = round(100.0 * data["done"] / counted, 1) if counted else 0.0
        rows.append(Row(data, styles={"overdue": "bad"} if data["overdue"] else {}))
    total_due = sum(r.values["due"] - r.values["cancelled"] for r in rows)
    total_done = sum(r.values["done"] for r in rows)
    summary = [Figure("due", _("Items due"), total_due, INT), Figure("done", _("Done"), total_done, INT),
               Figure("overdue", _("Overdue"), sum(r.values["overdue"] for r in rows), INT),
               Figure("done_percent", _("Done, %"), round(100.0 * total_done / total_due, 1) if total_due else 0.0,
                      PERCENT)]
    columns = [Column("plan", _("Plan"), TEXT), Column("scope", _("Whose"), TEXT), Column("due", _("Items due"), INT),
               Column("done", _("Done"), INT), Column("on_time", _("Done on time"), INT),
               Column("overdue", _("Overdue"), INT), Column("cancelled", _("Cancelled"), INT),
               Column("done_percent", _("Done, %"), PERCENT, 1)]
    period = _("%(start)s – %(end)s", start=start.strftime("%d.%m.%Y"), end=end.strftime("%d.%m.%Y"))
    return ReportResult.single(_("Execution of the work plans"), columns, rows, subtitle=period, summary=summary,
                               notes=[_("Cancelled items are not counted in the share done.")])
