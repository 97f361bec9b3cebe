"""The words of the diary's e-mails: one line per event, the subject, greeting and footer, the text of an
instant message and of a digest. Pure functions of the queued payloads."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from typing import Any

from core.toolkit import User
from plugins.diary.models import Notification


def _date(iso: str | None) -> str:
    from flask_babel import format_date

    return format_date(date.fromisoformat(iso), "d MMMM") if iso else ""


def line(payload: Mapping[str, Any], event: str) -> str:
    """One line about one event, as a digest lists it."""
    from flask_babel import gettext as _

    p = payload
    if event == "mark":
        text = (_("%(date)s, %(subject)s: the mark %(old)s was changed to %(value)s (%(work_type)s)",
                  date=_date(p["date"]), subject=p["subject"], old=p["old_value"], value=p["value"],
                  work_type=p["work_type"]) if p.get("old_value") else
                _("%(date)s, %(subject)s: mark %(value)s (%(work_type)s)", date=_date(p["date"]),
                  subject=p["subject"], value=p["value"], work_type=p["work_type"]))
        if p.get("comment"):
            text += " — " + _("teacher's comment: %(comment)s", comment=p["comment"])
        return text
    if event == "absence":
        if p.get("kind") == "late" and p.get("minutes"):
            return _("%(date)s, lesson %(number)s (%(subject)s): late by %(minutes)s min",
                     date=_date(p["date"]), number=p["number"], subject=p["subject"], minutes=p["minutes"])
        return _("%(date)s, lesson %(number)s (%(subject)s): %(title)s", date=_date(p["date"]),
                 number=p["number"], subject=p["subject"], title=p["title"])
    if event == "remark":
        return _("%(date)s, %(kind)s from %(author)s: %(text)s", date=_date(p["date"]),
                 kind=remark_kind_title(p["kind"]).lower(), author=p["author"], text=p["text"])
    if event == "homework":
        return _("%(date)s, %(subject)s: homework — %(text)s", date=_date(p["date"]), subject=p["subject"],
                 text=p["text"])
    return str(p.get("text", ""))


def remark_kind_title(kind: str) -> str:
    from flask_babel import gettext as _

    return {"praise": _("Praise"), "concern": _("Remark"), "recommendation": _("Recommendation")}.get(kind, kind)


def _subject(event: str, p: Mapping[str, Any]) -> str:
    from flask_babel import gettext as _

    if event == "mark":
        return _("New mark: %(student)s — %(subject)s, %(value)s", student=p["student"], subject=p["subject"],
                 value=p["value"])
    if event == "absence":
        return _("Attendance: %(student)s — %(subject)s, %(date)s", student=p["student"], subject=p["subject"],
                 date=_date(p["date"]))
    if event == "remark":
        return _("%(kind)s: %(student)s", kind=remark_kind_title(p["kind"]), student=p["student"])
    if event == "homework":
        return _("Homework: %(student)s — %(subject)s", student=p["student"], subject=p["subject"])
    if event == "notice":
        return _("Guardians do not open the diary: class %(class_name)s", class_name=p["class_name"])
    if event == "letter":
        return _("Information letter: %(student)s, %(term)s", student=p["student"], term=p["term"])
    return str(p.get("subject", ""))


def _greeting(user: User) -> str:
    from flask_babel import gettext as _

    name = " ".join(x for x in (user.first_name, user.middle_name) if x)
    return _("Hello, %(name)s!", name=name)


def _footer(site_url: str, student_id: int | None) -> str:
    from flask_babel import gettext as _

    base = site_url.rstrip("/")
    lines = []
    if student_id:
        lines.append(_("The diary: %(url)s", url=f"{base}/diary/{student_id}"))
    lines.append(_("Notification settings: %(url)s", url=f"{base}/diary/notifications"))
    lines.append(_("This message was sent by the school's electronic journal; do not reply to it."))
    return "\n".join(lines)


def instant_text(row: Notification, user: User, site_url: str) -> tuple[str, str]:
    """(subject, body) of one instant message."""
    from flask_babel import gettext as _

    p = row.payload
    if row.event == "notice":
        body = "\n".join([_greeting(user), "", p["text"], "", _footer(site_url, None)])
    elif row.event == "letter":
        body = "\n".join([_greeting(user), "",
                          _("The class teacher sends you the information letter on %(student)s for %(term)s "
                            "(attached as PDF).", student=p["student"], term=p["term"]),
                          "", p.get("note") or "", _footer(site_url, row.student_id)])
    else:
        body = "\n".join([_greeting(user), "", f"{p.get('student', '')}: {line(p, row.event)}", "",
                          _footer(site_url, row.student_id)])
    return _subject(row.event, p), body


def digest_text(rows: list[Notification], user: User, period: str, start: date, end: date,
                site_url: str) -> tuple[str, str]:
    from flask_babel import format_date
    from flask_babel import gettext as _

    if period == "daily":
        subject = _("The diary: events of %(date)s", date=format_date(end, "d MMMM yyyy"))
    else:
        subject = _("The diary: events of the week %(start)s – %(end)s", start=format_date(start, "d MMMM"),
                    end=format_date(end, "d MMMM yyyy"))
    by_student: dict[str, list[Notification]] = defaultdict(list)
    for row in rows:
        by_student[row.payload.get("student", "")].append(row)
    parts = [_greeting(user), ""]
    for student, items in sorted(by_student.items()):
        parts.append(student)
        parts += [f"  • {line(r.payload, r.event)}" for r in sorted(items, key=lambda r: (r.created_at, r.id))]
        parts.append("")
    parts.append(_footer(site_url, None))
    return subject, "\n".join(parts)
