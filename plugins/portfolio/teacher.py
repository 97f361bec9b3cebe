"""The teacher's own portfolio (duty T07): courses with hours and certificates, attestation category and
dates, methodical work, publications, open lessons; the deputy confirms each entry (D07). The students'
achievements she supervised are not typed in: they are the confirmed student entries naming her."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import N_, AuditEntry, ServiceError, User, audit, plugin_settings, utcnow
from plugins.portfolio.models import TEACHER_KINDS, Entry, TeacherEntry
from plugins.portfolio.services import PortfolioConflict, clean

FIELDS = ("kind", "title", "organisation", "hours", "category", "happened_on", "valid_until", "status", "comment")


def snapshot(row: TeacherEntry) -> dict[str, Any]:
    return {f: getattr(row, f) for f in FIELDS} | {"version": row.version}


def _validate(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    if out.get("kind") not in TEACHER_KINDS:
        raise ServiceError(N_("Choose what kind of entry it is."), field="kind")
    out["title"] = clean(out.get("title", ""))[:300]
    out["organisation"] = clean(out.get("organisation", ""))[:300]
    out["category"] = clean(out.get("category", ""))[:50]
    if not out["title"]:
        raise ServiceError(N_("Write the title of the entry."), field="title")
    if not isinstance(out.get("happened_on"), date):
        raise ServiceError(N_("Give the date."), field="happened_on")
    hours = out.get("hours")
    if hours in ("", None):
        out["hours"] = None
    else:
        try:
            out["hours"] = int(hours)
        except (TypeError, ValueError):
            raise ServiceError(N_("Hours are a whole number."), field="hours") from None
        if not 1 <= out["hours"] <= 5000:
            raise ServiceError(N_("Hours are a whole number."), field="hours")
    if out["kind"] == "course" and not out["hours"]:
        raise ServiceError(N_("A course needs its hours."), field="hours")
    if out["kind"] == "attestation" and not out["category"]:
        raise ServiceError(N_("Give the attestation category."), field="category")
    if not isinstance(out.get("valid_until"), date):
        out["valid_until"] = None
    return out


def create(session: Session, *, school_id: int, teacher: User, values: dict[str, Any]) -> TeacherEntry:
    values = _validate(values)
    row = TeacherEntry(school_id=school_id, teacher_id=teacher.id, status="pending", version=1,
                       **{k: values[k] for k in ("kind", "title", "organisation", "hours", "category", "happened_on",
                                                 "valid_until")})
    session.add(row)
    session.flush()
    audit(session, school_id=school_id, action="create", object_type="portfolio.teacher_entry", object_id=row.id,
          new=snapshot(row))
    return row


def _check_version(row: TeacherEntry, version: int | None) -> None:
    if version is not None and int(version) != row.version:
        raise PortfolioConflict(N_("Someone changed this entry while you were editing it. The saved title is "
                                   "“%(title)s”, status: %(state)s. Open it again and repeat your change."),
                                title=row.title, state=row.status)


def update(session: Session, row: TeacherEntry, *, values: dict[str, Any], version: int | None) -> TeacherEntry:
    _check_version(row, version)
    values = _validate({**snapshot(row), **values})
    old = snapshot(row)
    for key in ("kind", "title", "organisation", "hours", "category", "happened_on", "valid_until"):
        setattr(row, key, values[key])
    row.status = "pending"
    row.version += 1
    audit(session, school_id=row.school_id, action="update", object_type="portfolio.teacher_entry",
          object_id=row.id, old=old, new=snapshot(row))
    return row


def review(session: Session, row: TeacherEntry, *, reviewer: User, confirm: bool, comment: str = "",
           version: int | None = None) -> TeacherEntry:
    """The deputy confirms, or returns with a comment."""
    _check_version(row, version)
    comment = clean(comment)
    if not confirm and not comment:
        raise ServiceError(N_("Say what to fix: the comment is shown to the teacher."), field="comment")
    old = snapshot(row)
    row.status, row.comment = ("confirmed" if confirm else "returned"), comment
    row.reviewed_by_id, row.reviewed_at = reviewer.id, utcnow()
    row.version += 1
    audit(session, school_id=row.school_id, action="confirm" if confirm else "return",
          object_type="portfolio.teacher_entry", object_id=row.id, old=old, new=snapshot(row))
    return row


def entries_of(session: Session, school_id: int, teacher_id: int, confirmed_only: bool = False) -> list[TeacherEntry]:
    query = select(TeacherEntry).where(TeacherEntry.school_id == school_id, TeacherEntry.teacher_id == teacher_id)
    if confirmed_only:
        query = query.where(TeacherEntry.status == "confirmed")
    return list(session.scalars(query.order_by(TeacherEntry.kind, TeacherEntry.happened_on.desc())))


def supervised(session: Session, school_id: int, teacher_id: int) -> list[tuple[Entry, User]]:
    """Confirmed student achievements that name the teacher as supervisor: drawn, never retyped."""
    return list(session.execute(select(Entry, User).join(User, User.id == Entry.student_id).where(
        Entry.school_id == school_id, Entry.supervisor_id == teacher_id, Entry.status == "confirmed")
        .order_by(Entry.happened_on.desc())))


def course_cutoff(today: date) -> date:
    """Courses since this day are current (the ``course_years`` setting, three years by default)."""
    years = plugin_settings("portfolio")["course_years"]
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today - timedelta(days=365 * years)


def current_attestation(rows: list[TeacherEntry]) -> TeacherEntry | None:
    found = [r for r in rows if r.kind == "attestation" and r.status == "confirmed"]
    return max(found, key=lambda r: r.happened_on) if found else None


def revert(session: Session, entry: AuditEntry, row: TeacherEntry | None) -> dict[str, Any] | None:
    if entry.action == "create":
        if row is not None:
            session.delete(row)
        return {}
    if row is None or entry.old is None:
        return {}
    for key in FIELDS:
        if key in entry.old:
            value = entry.old[key]
            if key in ("happened_on", "valid_until") and isinstance(value, str):
                value = date.fromisoformat(value)
            setattr(row, key, value)
    row.version += 1
    return dict(entry.old)
