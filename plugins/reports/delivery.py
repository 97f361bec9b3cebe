"""Sending reports by e-mail: the weekly subscriptions (from the core's ``on_periodic_tick``) and the notice
to a colleague a run was shared with. Runs inside an app context (settings, catalogs), with or without
a request."""
from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import g
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from core.toolkit import (
    School,
    User,
    build_message,
    core_settings,
    may_email,
    plugin_settings,
    schools_with_plugin,
    send_mail,
    working_for,
)
from plugins.reports import export, params, registry, services
from plugins.reports.models import StoredRun
from plugins.reports.result import ReportResult

log = logging.getLogger("klass.reports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_meta(session: Session, school_id: int, author: str, when: datetime | None = None) -> dict[str, Any]:
    """What a file says about itself: the school, who made it and when; the footer of PDF pages."""
    school = session.get(School, school_id)
    made = format_datetime(when, "dd.MM.yyyy HH:mm") if when else format_datetime(format="dd.MM.yyyy HH:mm")
    name = school.short_name if school else ""
    return {"school": name, "author": author, "summary_sheet": _("Summary"),
            "lines": {_("School"): school.name if school else "", _("Made on"): made, _("Made by"): author},
            "footer": f"{name} · {made}", "page_of": _("page %(page)s of %(pages)s")}


def filename(result: ReportResult, extension: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in " -_" else " " for ch in f"{result.title} {result.subtitle}")
    return "_".join(safe.split())[:120] + f".{extension}"


def summary_text(result: ReportResult) -> str:
    lines = [result.title, result.subtitle, ""]
    lines += [f"{f.label}: {export.display(f.value, f.type, f.decimals)}" for f in result.summary]
    return "\n".join(lines)


def send_due(session: Session, now: datetime) -> int:
    """Send every subscription due now, school by school (each with its own settings; none of a school that
    switched reports off); return how many went out. Idempotent through the Delivery rows."""
    from sqlalchemy import inspect

    if not inspect(session.connection()).has_table("reports_subscription"):
        return 0  # a fresh start runs periodic work while `klass db upgrade` is still creating tables
    g.setdefault("_reports_periodic", True)  # flask-babel translates only when ``g`` holds something
    sent = 0
    for school_id in schools_with_plugin(session, "reports"):
        with working_for(school_id, session=session):
            sent += _send_school(session, now, school_id)
    return sent


def _send_school(session: Session, now: datetime, school_id: int) -> int:
    settings = plugin_settings("reports")
    mail = core_settings()["mail"]
    sent = 0
    reports = registry.all_reports()
    for sub, period, _today in services.due(session, now, settings["delivery_hour"], school_id=school_id):
        definition = reports.get(sub.report_key)
        user = session.get(User, sub.user_id)
        if definition is None or user is None or not user.is_active_account:
            sub.active = False
            services.record_delivery(session, sub, period, ok=False, error="report or user no longer available",
                                     now=now)
            continue
        if not may_email(session, user.id, "report_subscription"):
            services.record_delivery(session, sub, period, ok=False, error="no consent to electronic information",
                                     now=now)
            continue
        try:
            result, values = registry.execute(session, definition, sub.params, user)
        except (registry.ReportDenied, registry.ReportNotFound, registry.ParamsInvalid) as exc:
            sub.active = False  # the subscriber lost the right: stop, and say why on their page
            services.record_delivery(session, sub, period, ok=False, error=f"{type(exc).__name__}: {exc}",
                                     now=now)
            continue
        meta = file_meta(session, sub.school_id, user.short_name)
        link = f"{settings['site_url'].rstrip('/')}/reports/{definition.key}"
        query = params.dump(definition.params, sub.params)
        body = summary_text(result) + "\n\n" + _("The full report is attached.")
        if settings["site_url"]:
            body += "\n" + _("Open it in the journal: %(url)s", url=f"{link}?{urlencode(query)}" if query else link)
        body += "\n\n" + _("You receive this because you subscribed to the report. Cancel: Reports → Subscriptions.")
        message = build_message(mail, [sub.email], _("Report «%(title)s», %(subtitle)s", title=result.title,
                                                      subtitle=result.subtitle), body,
                                attachments=[(filename(result, "xlsx"), XLSX, export.to_xlsx(result, meta))])
        # Send first, write after: no write transaction stays open while the mail server answers.
        try:
            send_mail(mail, message)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("report subscription %s: mail failed: %s", sub.id, exc)
            services.record_delivery(session, sub, period, ok=False, error=str(exc), now=now)
            continue
        run = services.store_run(session, school_id=sub.school_id, report_key=definition.key,
                                 params=params.dump(definition.params, values), result=result, user_id=user.id)
        services.record_delivery(session, sub, period, ok=True, run_id=run.id, now=now)
        sent += 1
    return sent


def notify_share(run: StoredRun, recipient: User, sender: User, message: str, url: str) -> bool:
    """E-mail a colleague that a report was sent to them (a link, no personal data in the mail itself).
    False when they have no address or the mail server refused."""
    if not recipient.email:
        return False
    mail = core_settings()["mail"]
    body = _("%(sender)s sent you the report «%(title)s».", sender=sender.full_name, title=run.title)
    if message:
        body += "\n\n" + message
    body += "\n\n" + _("Open it: %(url)s", url=url)
    try:
        send_mail(mail, build_message(mail, [recipient.email], _("Report from %(sender)s: %(title)s",
                                                                 sender=sender.short_name, title=run.title), body))
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("report share %s: mail failed: %s", run.id, exc)
        return False
    return True
