"""The reports pages: the list, a report's form → table → charts, its exports, sending a run to a
colleague, received reports, weekly subscriptions. Thin: the registry checks, the reports count."""
from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from core.toolkit import (
    N_,
    Role,
    RoleGrant,
    User,
    can,
    current_school_id,
    db,
    plugin_settings,
    reads_from_replica,
    requires_permission,
    school_today,
)
from plugins.reports import charts, data, delivery, export, links, params, registry, services
from plugins.reports.forms import WEEKDAYS, ShareForm, SubscribeForm
from plugins.reports.models import Share, Subscription
from plugins.reports.result import FLOAT, INT, MARK, PERCENT, ReportResult

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")

CATEGORY_TITLES = {"progress": N_("Progress"), "attendance": N_("Attendance"),
                   "control": N_("Control of the journal"), "analytics": N_("Analytics"),
                   "families": N_("Families")}
MIMETYPES = {"xlsx": delivery.XLSX, "pdf": "application/pdf"}


def _user() -> User:
    return current_user  # type: ignore[return-value]


def _definition(key: str) -> registry.ReportDefinition:
    definition = registry.all_reports().get(key)
    if definition is None:
        abort(404)
    return definition


# --- what the templates draw ----------------------------------------------------------------------------

def view_model(result: ReportResult) -> dict[str, Any]:
    """The result as the page draws it: formatted cells with their links and styles, charts as SVG."""
    tables = []
    for table in result.tables:
        def cells(row: Any, table: Any = table) -> list[dict[str, Any]]:
            out = []
            for column in table.columns:
                classes = []
                kind, _decimals = row.format_of(column)
                if kind in (INT, FLOAT, PERCENT):
                    classes.append("num")
                if kind == MARK:
                    classes.append("mark")
                if row.styles.get(column.key):
                    classes.append(row.styles[column.key])
                forecast = "forecast" in export.style_parts(row.styles.get(column.key))
                out.append({"text": export.display(row.values.get(column.key), *row.format_of(column)),
                            "url": links.url(row.links.get(column.key)), "cls": " ".join(classes),
                            "title": _("Forecast, not a mark") if forecast else ""})
            return out

        tables.append({"key": table.key, "title": table.title, "columns": table.columns,
                       "rows": [{"cells": cells(r), "cls": r.style} for r in table.rows],
                       "totals": [{"cells": cells(r), "cls": r.style or "total"} for r in table.totals],
                       "empty_text": table.empty_text})
    return {"title": result.title, "subtitle": result.subtitle, "tables": tables, "notes": result.notes,
            "summary": [{"key": f.key, "label": f.label, "text": export.display(f.value, f.type, f.decimals)}
                        for f in result.summary],
            "charts": [Markup(charts.to_svg(c)) for c in result.charts]}


def param_fields(definition: registry.ReportDefinition, values: Mapping[str, Any], errors: Mapping[str, str],
                 scope: registry.UserScope) -> list[dict[str, Any]]:
    """The parameter form: each field with its choices limited to what the user may report on."""
    session, school_id = db(), current_school_id()
    out = []
    for name, field in definition.params().fields.items():
        kind = params.kind_of(field)
        value = values.get(name)
        item: dict[str, Any] = {"name": name, "kind": kind, "label": field.metadata.get("label", name),
                                "value": "" if value is None else (value.isoformat() if hasattr(value, "isoformat")
                                                                   else str(value)),
                                "error": errors.get(name), "required": field.required, "choices": [],
                                "min": field.metadata.get("min"), "max": field.metadata.get("max")}
        if kind == "class":
            allowed = scope.class_ids()
            item["choices"] = [(str(c.id), c.name) for c in data.classes(session, school_id)
                               if allowed is None or c.id in allowed]
            if definition.scope == registry.CLASS_OR_SCHOOL and scope.school_wide:
                item["choices"].insert(0, ("", _("Whole school")))
        elif kind == "term":
            item["choices"] = [(str(t.id), t.title) for t in data.terms_of_current_year(session, school_id)]
        elif kind == "subject":
            subjects = data.subjects(session, school_id)
            taught = None if scope.school_wide or scope.led else {s for ss in scope.taught.values() for s in ss}
            item["choices"] = [("", _("All subjects"))] + [(str(s.id), s.name) for s in subjects.values()
                                                            if taught is None or s.id in taught]
        elif kind == "teacher":
            teachers = session.execute(
                select(User.id, User.last_name, User.first_name, User.middle_name)
                .join(RoleGrant, RoleGrant.user_id == User.id)
                .where(User.school_id == school_id, RoleGrant.role == Role.teacher).distinct()
                .order_by(User.last_name, User.first_name)).all()
            item["choices"] = [("", _("All teachers"))] + [
                (str(t.id), " ".join(p for p in (t.last_name, t.first_name, t.middle_name) if p)) for t in teachers]
        elif kind == "student":
            today = school_today(school_id, session=session)
            allowed = scope.class_ids()
            infos = [c for c in data.classes(session, school_id) if allowed is None or c.id in allowed]
            pupils = data.students(session, school_id, [c.id for c in infos], today, today)
            item["groups"] = [(c.name, [(str(s.id), s.short_name) for s in pupils.get(c.id, [])]) for c in infos]
        elif kind == "choice":
            item["choices"] = [(c, str(t)) for c, t in field.metadata.get("choices", [])]
        out.append(item)
    return out


def _form_defaults(definition: registry.ReportDefinition, scope: registry.UserScope) -> dict[str, Any]:
    session, school_id = db(), current_school_id()
    loaded, _errors = params.load(definition.params, {})
    today = school_today(school_id, session=session)
    term = data.current_term(session, school_id, today)
    values = params.fill_defaults(definition.params, loaded or {}, today=today, term_id=term.id if term else None,
                                  settings=plugin_settings("reports"))
    needs_class = definition.scope == registry.CLASS or (definition.scope == registry.CLASS_OR_SCHOOL
                                                         and not scope.school_wide)
    if needs_class and values.get("class_id") is None and "class_id" in definition.params().fields:
        mine = sorted(scope.led) or sorted(scope.class_ids() or [])
        values["class_id"] = mine[0] if mine else None
    return values


def _meta() -> dict[str, Any]:
    return delivery.file_meta(db(), current_school_id(), _user().short_name)


def _file(result: ReportResult, fmt: str) -> Any:
    content = export.to_xlsx(result, _meta()) if fmt == "xlsx" else export.to_pdf(result, _meta())
    return send_file(io.BytesIO(content), mimetype=MIMETYPES[fmt], as_attachment=True,
                     download_name=delivery.filename(result, fmt))


# --- pages ----------------------------------------------------------------------------------------------------

@bp.get("/")
@requires_permission("reports.view")
def index() -> Any:
    session, user = db(), _user()
    available = registry.available_reports(session, user)
    groups: dict[str, list[registry.ReportDefinition]] = {}
    for definition in available:
        groups.setdefault(definition.category, []).append(definition)
    school_id = current_school_id()
    order = list(CATEGORY_TITLES)
    ordered = sorted(groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    return render_template(
        "reports/index.html", groups=[(_(CATEGORY_TITLES.get(k, k)), v) for k, v in ordered],
        received=services.received(session, school_id, user.id, limit=10),
        unread=services.unread_count(session, school_id, user.id),
        subscriptions=len(services.subscriptions_of(session, school_id, user.id)))


def _run(definition: registry.ReportDefinition, raw: Mapping[str, Any],
         scope: registry.UserScope) -> tuple[ReportResult | None, dict[str, Any], dict[str, str], str | None]:
    """(result, values, errors, denied message): the page shows whichever applies."""
    session, user = db(), _user()
    try:
        values = registry.prepare(session, definition, raw, user, scope)
    except registry.ParamsInvalid as exc:
        return None, dict(raw), exc.errors, None
    except registry.ReportDenied as exc:
        return None, dict(raw), {}, str(exc)
    except registry.ReportNotFound:
        abort(404)
    return definition.run(session, values, user), values, {}, None


@bp.get("/<key>")
@requires_permission("reports.view")
@reads_from_replica
def show(key: str) -> Any:
    definition = _definition(key)
    session, user = db(), _user()
    scope = registry.user_scope(session, user)
    if not registry.may_open(definition, user, scope):
        abort(403)
    result, errors, denied = None, {}, None
    if "run" in request.args:
        result, values, errors, denied = _run(definition, request.args.to_dict(), scope)
    else:
        values = _form_defaults(definition, scope)
    query = params.dump(definition.params, values) if result else {}
    share_form = subscribe_form = None
    if result is not None and can(user, "reports.share"):
        share_form = ShareForm()
        share_form.recipients.choices = [(u.id, u.full_name) for u in services.staff(session, user.school_id, user.id)]
    if result is not None and definition.subscribable and can(user, "reports.subscribe"):
        subscribe_form = SubscribeForm(email=user.email)
    status = 422 if errors else 403 if denied else 200
    return render_template(
        "reports/show.html", definition=definition, fields=param_fields(definition, values, errors, scope),
        errors=errors, denied=denied, report=view_model(result) if result else None, query=query,
        share_form=share_form, subscribe_form=subscribe_form), status


@bp.get("/<key>/export.<fmt>")
@requires_permission("reports.view")
@reads_from_replica
def export_file(key: str, fmt: str) -> Any:
    if fmt not in MIMETYPES:
        abort(404)
    definition = _definition(key)
    scope = registry.user_scope(db(), _user())
    result, _values, errors, denied = _run(definition, request.args.to_dict(), scope)
    if denied:
        abort(403)
    if result is None:
        flash(" ".join(errors.values()), "error")
        return redirect(url_for(".show", key=key, **request.args))
    return _file(result, fmt)


def _back(key: str, query: Mapping[str, str]) -> Any:
    return redirect(url_for(".show", key=key, run=1, **query))


@bp.post("/<key>/share")
@requires_permission("reports.share")
def share(key: str) -> Any:
    definition = _definition(key)
    session, user = db(), _user()
    form = ShareForm()
    form.recipients.choices = [(u.id, u.full_name) for u in services.staff(session, user.school_id, user.id)]
    raw = request.args.to_dict()
    if not form.validate():
        for messages in form.errors.values():
            for message in messages:
                flash(str(message), "error")
        return _back(key, params.dump(definition.params, raw))
    try:
        result, values = registry.execute(session, definition, raw, user)
    except registry.ParamsInvalid as exc:
        flash(" ".join(exc.errors.values()), "error")
        return _back(key, {})
    except registry.ReportDenied:
        abort(403)
    except registry.ReportNotFound:
        abort(404)
    query = params.dump(definition.params, values)
    run = services.store_run(session, school_id=user.school_id, report_key=key, params=query, result=result,
                             user_id=user.id)
    shares = services.share_run(session, run, sender_id=user.id, recipient_ids=form.recipients.data,
                                message=form.message.data or "")
    url = url_for(".run_view", run_id=run.id, _external=True)
    names, unmailed = [], []
    for item in shares:
        recipient = session.get(User, item.recipient_id)
        assert recipient is not None
        names.append(recipient.short_name)
        item.emailed = delivery.notify_share(run, recipient, user, item.message, url)
        if not item.emailed:
            unmailed.append(recipient.short_name)
    session.commit()
    flash(_("The report was sent to: %(names)s. It is in their \"Received reports\".", names=", ".join(names)),
          "success")
    if unmailed:
        flash(_("No e-mail went to %(names)s (no address, or the mail server did not answer).",
                names=", ".join(unmailed)), "warning")
    return _back(key, query)


@bp.post("/<key>/subscribe")
@requires_permission("reports.subscribe")
def subscribe(key: str) -> Any:
    definition = _definition(key)
    session, user = db(), _user()
    raw = request.args.to_dict()
    form = SubscribeForm()
    if not definition.subscribable:
        abort(404)
    try:
        values = registry.prepare(session, definition, raw, user)
    except registry.ParamsInvalid as exc:
        flash(" ".join(exc.errors.values()), "error")
        return _back(key, {})
    except registry.ReportDenied:
        abort(403)
    except registry.ReportNotFound:
        abort(404)
    query = params.dump(definition.params, values)
    if not form.validate():
        for messages in form.errors.values():
            for message in messages:
                flash(str(message), "error")
        return _back(key, query)
    fields = definition.params().fields
    # Dates are counted anew at each sending: "the last 14 days" moves with the week.
    stored = {k: v for k, v in query.items() if params.kind_of(fields[k]) not in ("date", "term")}
    services.subscribe(session, school_id=user.school_id, user_id=user.id, report_key=key, params=stored,
                       weekday=form.weekday.data, email=form.email.data)
    session.commit()
    flash(_("Subscribed: the report will come by e-mail every %(day)s.",
            day=str(dict(WEEKDAYS)[form.weekday.data]).lower()), "success")
    return redirect(url_for(".subscriptions"))


@bp.get("/subscriptions")
@requires_permission("reports.subscribe")
def subscriptions() -> Any:
    session, user = db(), _user()
    subs = services.subscriptions_of(session, user.school_id, user.id)
    reports = registry.all_reports()
    return render_template("reports/subscriptions.html", subscriptions=subs, reports=reports,
                           last=services.last_deliveries(session, [s.id for s in subs]), weekdays=dict(WEEKDAYS))


@bp.post("/subscriptions/<int:subscription_id>/delete")
@requires_permission("reports.subscribe")
def unsubscribe(subscription_id: int) -> Any:
    session, user = db(), _user()
    sub = session.get(Subscription, subscription_id)
    if sub is None or sub.user_id != user.id or sub.school_id != user.school_id:
        abort(404)
    session.delete(sub)
    session.commit()
    flash(_("The subscription is cancelled."), "success")
    return redirect(url_for(".subscriptions"))


@bp.get("/received")
@requires_permission("reports.view")
def received() -> Any:
    session, user = db(), _user()
    return render_template("reports/received.html",
                           received=services.received(session, user.school_id, user.id),
                           sent=services.sent_runs(session, user.school_id, user.id))


def _stored(run_id: int) -> Any:
    session, user = db(), _user()
    run = services.visible_run(session, run_id, user.school_id, user.id)
    if run is None:
        abort(404)
    session.commit()  # the read mark
    return run


@bp.get("/runs/<int:run_id>")
@requires_permission("reports.view")
@reads_from_replica
def run_view(run_id: int) -> Any:
    run = _stored(run_id)
    session = db()
    user = _user()
    shares = session.execute(
        select(Share, User).join(User, User.id == Share.recipient_id).where(Share.run_id == run.id)
        .order_by(Share.created_at, Share.id)).all()
    if run.created_by != user.id:  # a recipient sees the note addressed to them, not the whole list
        shares = [(s, u) for s, u in shares if s.recipient_id == user.id]
    author = session.get(User, run.created_by) if run.created_by else None
    return render_template("reports/run.html", run=run, report=view_model(ReportResult.from_dict(run.result)),
                           author=author, shares=shares, definition=registry.all_reports().get(run.report_key))


@bp.get("/runs/<int:run_id>/export.<fmt>")
@requires_permission("reports.view")
@reads_from_replica
def run_export(run_id: int, fmt: str) -> Any:
    if fmt not in MIMETYPES:
        abort(404)
    return _file(ReportResult.from_dict(_stored(run_id).result), fmt)
