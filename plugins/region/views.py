"""The municipality's pages (/region): the table of schools, its XLSX, and a new school with its first
administrator. A coordinator sees only their own municipality's schools; no school role holds a region
permission, and the coordinator's role holds no school permission."""
from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, abort, make_response, render_template, request
from flask_babel import gettext as _

from core.toolkit import (
    acting_user,
    can,
    db,
    requires_permission,
    safe_cell,
    school_now,
    xlsx_workbook,
)
from plugins.region import figures, services
from plugins.region.models import Municipality

bp = Blueprint("region", __name__, url_prefix="/region", template_folder="templates")


def _municipality() -> Municipality:
    municipality = services.municipality_of(db(), acting_user())
    if municipality is None:
        abort(404)
    return municipality


def _table(municipality: Municipality) -> tuple[list[figures.SchoolFigures], figures.SchoolFigures, Any]:
    session = db()
    now = school_now()
    rows = [figures.school_figures(session, school) for school in services.schools_of(session, municipality)]
    return rows, figures.total(rows, _("Municipality total")), now


@bp.get("/")
@requires_permission("region.view")
def index() -> Any:
    municipality = _municipality()
    rows, total, now = _table(municipality)
    return render_template("region/index.html", municipality=municipality, rows=rows, total=total, now=now,
                           may_manage=can(acting_user(), "region.manage_schools"),
                           columns=[(key, _(title)) for key, title in figures.COLUMNS])


def _cell(value: float | None) -> Any:
    return _("no data") if value is None else value


@bp.get("/export.xlsx")
@requires_permission("region.view")
def export() -> Any:
    municipality = _municipality()
    rows, total, now = _table(municipality)
    buffer = io.BytesIO()
    book = xlsx_workbook(buffer)
    sheet = book.add_worksheet(_("Schools")[:31])
    bold = book.add_format({"bold": True})
    sheet.write(0, 0, safe_cell(municipality.name), bold)
    sheet.write(1, 0, _("As of %(moment)s", moment=now.strftime("%d.%m.%Y %H:%M")))
    headers = [_("School"), _("Term"), *[_(title) for _key, title in figures.COLUMNS]]
    for col, text in enumerate(headers):
        sheet.write(3, col, text, bold)
    for n, row in enumerate([*rows, total], start=4):
        sheet.write(n, 0, safe_cell(row.name), bold if row.school_id is None else None)
        sheet.write(n, 1, safe_cell(row.term or ("" if row.school_id is None else _("no data"))))
        for col, (key, _title) in enumerate(figures.COLUMNS, start=2):
            sheet.write(n, col, _cell(row.columns[key]))
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, len(headers), 14)
    book.close()
    name = f"region-{now.date().isoformat()}.xlsx"
    return Response(buffer.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={name}", "Cache-Control": "no-store"})


@bp.route("/schools/new", methods=["GET", "POST"])
@requires_permission("region.manage_schools")
def new_school() -> Any:
    municipality = _municipality()
    values = {k: (request.form.get(k) or "").strip()
              for k in ("name", "short_name", "region", "timezone", "term_system", "admin_login")}
    if request.method == "POST":
        user = acting_user()
        created = services.create_school_in(
            db(), municipality, name=values["name"], short_name=values["short_name"], region=values["region"],
            timezone=values["timezone"] or None, term_system=values["term_system"] or "quarters",
            admin_login=values["admin_login"] or None, actor_id=user.id)
        db().commit()
        # The one-time password is on this page only: never stored in clear, never in a redirect.
        response = make_response(render_template("region/created.html", created=created))
        response.headers["Cache-Control"] = "no-store"
        return response
    return render_template("region/new_school.html", municipality=municipality, values=values)
