"""«Class events log» for the reports plugin (its ``register_reports`` hook): the class's past events in a
period, for the class teacher's report; the reports plugin gives the table, XLSX and PDF.

Imported only when the reports plugin calls the hook, so the log runs without it."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from core.toolkit import SchoolClass, school_today
from plugins.class_events import services
from plugins.reports.public import (
    DATE,
    INT,
    TEXT,
    Column,
    ReportDefinition,
    ReportParams,
    ReportResult,
    Row,
    class_field,
    date_field,
)


class LogParams(ReportParams):
    class_id = class_field(required=True)
    start = date_field(_l("Period from"), days_ago=90)
    end = date_field(_l("Period to"), days_ago=1)


def definitions() -> list[Any]:
    return [ReportDefinition(
        key="class_events_log", title=_l("Class events log"), run=run, params=LogParams, scope="class",
        category="families", weight=40,
        description=_l("The class's past events: excursions, parents' meetings, class hours, competitions."))]


def run(session: Session, values: dict[str, Any], user: Any) -> ReportResult:
    from plugins.class_events.views import kind_names, participant_names

    school_class = session.get(SchoolClass, values["class_id"])
    today = school_today(user.school_id, session=session)
    end = min(values["end"], today - timedelta(days=1))
    events = services.between(session, user.school_id, values["class_id"], values["start"], end)
    people = participant_names(session, [e.id for e in events])
    kinds = kind_names()
    rows = [Row({"day": e.day, "time": e.starts_at, "kind": kinds.get(e.kind, e.kind), "title": e.title,
                 "place": e.place, "count": len(people.get(e.id, [])),
                 "participants": ", ".join(people.get(e.id, [])) or _("the whole class"), "result": e.result})
            for e in events]
    columns = [Column("day", _("Date"), DATE), Column("time", _("Time"), TEXT, width=6),
               Column("kind", _("Kind of event"), TEXT), Column("title", _("Event"), TEXT), Column("place", _("Place"), TEXT),
               Column("count", _("Participants, number"), INT), Column("participants", _("Participants"), TEXT),
               Column("result", _("Result"), TEXT)]
    period = _("%(start)s – %(end)s", start=values["start"].strftime("%d.%m.%Y"), end=end.strftime("%d.%m.%Y"))
    name = school_class.name if school_class else ""
    return ReportResult.single(_("Class events log, class %(class_name)s", class_name=name), columns, rows,
                               subtitle=period)
