"""``/api/v1/reports``: the reports available to me, and one report run as JSON (links resolved to URLs)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _

from core.toolkit import acting_user, api_error, api_view, db
from plugins.reports import links, params, registry, services
from plugins.reports.schemas import ReportInfoSchema

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports")


def describe(definition: registry.ReportDefinition) -> dict[str, Any]:
    fields = []
    for name, field in definition.params().fields.items():
        fields.append({"name": name, "kind": params.kind_of(field), "label": str(field.metadata.get("label", name)),
                       "required": bool(field.required)})
    return {"key": definition.key, "title": str(definition.title), "description": str(definition.description),
            "category": definition.category, "scope": definition.scope, "params": fields,
            "url": url_for("reports_api.run", key=definition.key)}


@bp.get("/")
@api_view("reports.view", response=ReportInfoSchema, many=True)
def index() -> Any:
    """The reports the signed-in user may run."""
    return [describe(d) for d in registry.available_reports(db(), acting_user())]


@bp.get("/received")
@api_view("reports.view")
def received() -> Any:
    """Reports colleagues sent me (newest first)."""
    items = services.received(db(), acting_user().school_id, acting_user().id)
    return jsonify([{"run_id": r.run.id, "title": r.run.title, "subtitle": r.run.result.get("subtitle", ""),
                     "sender": r.sender, "message": r.share.message, "sent_at": r.share.created_at.isoformat(),
                     "read": r.share.read_at is not None,
                     "url": url_for("reports.run_view", run_id=r.run.id)} for r in items])


@bp.get("/<key>")
@api_view("reports.view")
def run(key: str) -> Any:
    """Run a report with the query-string parameters; the result as JSON (tables, key figures, chart data)."""
    session, user = db(), acting_user()
    definition = registry.all_reports().get(key)
    if definition is None:
        return api_error(404, "not_found", _("Not found."))
    try:
        result, values = registry.execute(session, definition, request.args.to_dict(), user)
    except registry.ParamsInvalid as exc:
        return api_error(422, "validation_error", _("Some fields are invalid."), exc.errors)
    except registry.ReportDenied as exc:
        return api_error(403, "forbidden", str(exc))
    except registry.ReportNotFound:
        return api_error(404, "not_found", _("Not found."))
    payload = result.to_dict()
    for table_data, table in zip(payload["tables"], result.tables, strict=True):
        for row_data, row in zip(table_data["rows"] + table_data["totals"], table.rows + table.totals, strict=True):
            row_data["links"] = links.row_links(row.links)
    return jsonify({"report": key, "params": params.dump(definition.params, values), "result": payload})
