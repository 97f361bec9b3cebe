"""The student portfolio's rules as plain functions over a Session: adding and editing entries (guarded by
``version``), the class teacher's confirm/return, files, public links. Every change is audited in the same
transaction; ``revert`` restores an audited state after a reported password leak."""
from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

import nh3
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    DOCUMENTS_AND_IMAGES,
    IMAGES,
    N_,
    AuditEntry,
    ServiceError,
    User,
    audit,
    check_upload,
    load_file,
    plugin_settings,
    store_file,
    utcnow,
)
from plugins.portfolio.models import LEVELS, RESULTS, Attachment, Entry, PublicLink

ENTRY_FIELDS = ("section", "kind", "title", "description", "level", "result", "place", "mark", "happened_on",
                "subject_id", "supervisor_id", "status", "comment")
ALLOWED_FILES = frozenset(k for k in DOCUMENTS_AND_IMAGES if k == "application/pdf" or k in IMAGES)


class PortfolioConflict(ServiceError):
    """Someone saved the entry after this form was opened."""

    status = 409
    code = "conflict"


def clean(text: str) -> str:
    """User text without markup (nh3 keeps the words, drops every tag)."""
    return nh3.clean(text or "", tags=set()).strip()


def snapshot(entry: Entry) -> dict[str, Any]:
    return {f: getattr(entry, f) for f in ENTRY_FIELDS} | {"version": entry.version}


def _validate(values: dict[str, Any]) -> dict[str, Any]:
    sections = plugin_settings("portfolio")["sections"]
    out = dict(values)
    out["title"] = clean(out.get("title", ""))[:300]
    out["description"] = clean(out.get("description", ""))
    if not out["title"]:
        raise ServiceError(N_("Write the title of the entry."), field="title")
    if out.get("section") not in sections:
        raise ServiceError(N_("Choose a section."), field="section")
    if out.get("level", "school") not in LEVELS:
        raise ServiceError(N_("Choose a level."), field="level")
    if out.get("result", "participant") not in RESULTS:
        raise ServiceError(N_("Choose a result."), field="result")
    place = out.get("place")
    if place in ("", None):
        out["place"] = None
    else:
        try:
            out["place"] = int(place)
        except (TypeError, ValueError):
            raise ServiceError(N_("The place is a whole number."), field="place") from None
        if not 1 <= out["place"] <= 1000:
            raise ServiceError(N_("The place is a whole number."), field="place")
    if not isinstance(out.get("happened_on"), date):
        raise ServiceError(N_("Give the date."), field="happened_on")
    out["mark"] = clean(out.get("mark", ""))[:10]
    for key in ("subject_id", "supervisor_id"):
        out[key] = int(out[key]) if out.get(key) not in (None, "", 0, "0") else None
    return out


def create_entry(session: Session, *, school_id: int, student: User, author: User, values: dict[str, Any],
                 confirmed: bool = False) -> Entry:
    """A new entry. It waits for the class teacher unless its author is the one who confirms."""
    values = _validate(values)
    now = utcnow()
    entry = Entry(school_id=school_id, student_id=student.id, author_id=author.id,
                  kind=values.get("kind") or "achievement",
                  **{k: values.get(k) for k in ("section", "title", "description", "level", "result", "place", "mark",
                                                "happened_on", "subject_id", "supervisor_id")},
                  status="confirmed" if confirmed else "pending", submitted_at=now, created_at=now, version=1)
    if confirmed:
        entry.reviewed_by_id, entry.reviewed_at = author.id, now
    entry.level = entry.level or "school"
    entry.result = entry.result or "participant"
    session.add(entry)
    session.flush()
    audit(session, school_id=school_id, action="create", object_type="portfolio.entry", object_id=entry.id,
          new=snapshot(entry))
    return entry


def _check_version(entry: Entry, version: int | None) -> None:
    if version is not None and int(version) != entry.version:
        raise PortfolioConflict(N_("Someone changed this entry while you were editing it. The saved title is "
                                   "“%(title)s”, status: %(state)s. Open it again and repeat your change."),
                                title=entry.title, state=entry.status)


def update_entry(session: Session, entry: Entry, *, values: dict[str, Any], version: int | None) -> Entry:
    """An edit by its author; a returned or confirmed entry goes back to the class teacher."""
    _check_version(entry, version)
    values = _validate({**snapshot(entry), **values})
    old = snapshot(entry)
    for key in ("section", "title", "description", "level", "result", "place", "mark", "happened_on",
                "subject_id", "supervisor_id"):
        setattr(entry, key, values[key])
    entry.status, entry.submitted_at = "pending", utcnow()
    entry.version += 1
    audit(session, school_id=entry.school_id, action="update", object_type="portfolio.entry", object_id=entry.id,
          old=old, new=snapshot(entry))
    return entry


def review_entry(session: Session, entry: Entry, *, reviewer: User, confirm: bool, comment: str = "",
                 version: int | None = None) -> Entry:
    """The class teacher confirms the entry, or returns it with a comment the student sees."""
    _check_version(entry, version)
    comment = clean(comment)
    if not confirm and not comment:
        raise ServiceError(N_("Say what to fix: the comment is shown to the student."), field="comment")
    old = snapshot(entry)
    entry.status = "confirmed" if confirm else "returned"
    entry.comment = comment
    entry.reviewed_by_id, entry.reviewed_at = reviewer.id, utcnow()
    entry.version += 1
    audit(session, school_id=entry.school_id, action="confirm" if confirm else "return",
          object_type="portfolio.entry", object_id=entry.id, old=old, new=snapshot(entry))
    return entry


def delete_entry(session: Session, entry: Entry) -> None:
    audit(session, school_id=entry.school_id, action="delete", object_type="portfolio.entry", object_id=entry.id,
          old=snapshot(entry) | {"student_id": entry.student_id, "author_id": entry.author_id})
    for att in session.scalars(select(Attachment).where(Attachment.school_id == entry.school_id,
                                                        Attachment.owner == "entry", Attachment.owner_id == entry.id)):
        session.delete(att)
    session.delete(entry)


def attach(session: Session, *, school_id: int, owner: str, owner_id: int, data: bytes, filename: str | None,
           by: User) -> Attachment:
    """A diploma, a certificate or a work: PDF or a picture, checked by content and size (Russian refusal)."""
    max_bytes = int(plugin_settings("portfolio")["max_file_mb"] * 1024 * 1024)
    upload = check_upload(data, filename, allowed=ALLOWED_FILES, max_bytes=max_bytes)
    stored = store_file(session, school_id, upload)
    att = Attachment(school_id=school_id, owner=owner, owner_id=owner_id, file_id=stored.id,
                     filename=upload.filename, content_type=upload.content_type, added_by_id=by.id)
    session.add(att)
    session.flush()
    audit(session, school_id=school_id, action="attach", object_type="portfolio.attachment", object_id=att.id,
          new={"owner": owner, "owner_id": owner_id, "filename": att.filename, "file_id": stored.id})
    return att


def attachments(session: Session, school_id: int, owner: str, owner_ids: list[int]) -> dict[int, list[Attachment]]:
    out: dict[int, list[Attachment]] = {}
    if not owner_ids:
        return out
    for att in session.scalars(select(Attachment).where(Attachment.school_id == school_id, Attachment.owner == owner,
                                                        Attachment.owner_id.in_(owner_ids)).order_by(Attachment.id)):
        out.setdefault(att.owner_id, []).append(att)
    return out


def remove_attachment(session: Session, att: Attachment) -> None:
    audit(session, school_id=att.school_id, action="detach", object_type="portfolio.attachment", object_id=att.id,
          old={"owner": att.owner, "owner_id": att.owner_id, "filename": att.filename, "file_id": att.file_id,
               "added_by_id": att.added_by_id})
    session.delete(att)


def make_link(session: Session, *, school_id: int, student: User, by: User, expires_on: date, today: date) -> PublicLink:
    """A public link to the confirmed portfolio, for admission to another school or a competition."""
    longest = plugin_settings("portfolio")["public_link_max_days"]
    if expires_on < today:
        raise ServiceError(N_("The link must expire today or later."), field="expires_on")
    if expires_on > today + timedelta(days=longest):
        raise ServiceError(N_("A link lives at most %(days)s days."), field="expires_on", days=longest)
    link = PublicLink(school_id=school_id, student_id=student.id, token=secrets.token_urlsafe(24),
                      expires_on=expires_on, created_by_id=by.id)
    session.add(link)
    session.flush()
    audit(session, school_id=school_id, action="create", object_type="portfolio.link", object_id=link.id,
          new={"student_id": student.id, "expires_on": expires_on, "revoked": False})
    return link


def revoke_link(session: Session, link: PublicLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        audit(session, school_id=link.school_id, action="revoke", object_type="portfolio.link", object_id=link.id,
              old={"revoked": False}, new={"revoked": True})


def link_by_token(session: Session, token: str, today: date) -> PublicLink | None:
    """The link if it is live: not withdrawn and not past its date."""
    if not token or len(token) > 64:
        return None
    link = session.scalar(select(PublicLink).where(PublicLink.token == token))
    if link is None or link.revoked_at is not None or link.expires_on < today:
        return None
    return link


def revert(session: Session, entry: AuditEntry) -> dict[str, Any] | None:
    """Undo one audited portfolio change (the core walks a leaked account's changes newest first)."""
    from plugins.portfolio.models import Project, TeacherEntry

    kind, oid = entry.object_type, int(entry.object_id) if str(entry.object_id).isdigit() else 0
    if kind == "portfolio.entry":
        row = session.get(Entry, oid)
        if entry.action == "create":
            if row is not None:
                delete_entry(session, row)
            return {}
        if entry.old is None:
            return {}
        if row is None and entry.action == "delete":  # bring the deleted entry back as it was
            old = dict(entry.old)
            row = Entry(id=oid, school_id=entry.school_id, student_id=old["student_id"], author_id=old["author_id"],
                        section=old["section"], title=old["title"], happened_on=date.fromisoformat(old["happened_on"])
                        if isinstance(old["happened_on"], str) else old["happened_on"], version=0)
            session.add(row)
        if row is None:
            return {}
        for key in ENTRY_FIELDS:
            if key in entry.old:
                value = entry.old[key]
                setattr(row, key, date.fromisoformat(value) if key == "happened_on" and isinstance(value, str) else value)
        row.version += 1
        return dict(entry.old)
    if kind == "portfolio.teacher_entry":
        from plugins.portfolio import teacher

        return teacher.revert(session, entry, session.get(TeacherEntry, oid))
    if kind == "portfolio.project":
        from plugins.portfolio import projects

        return projects.revert(session, entry, session.get(Project, oid))
    if kind == "portfolio.link":
        link = session.get(PublicLink, oid)
        if link is not None and entry.action == "create":
            link.revoked_at = utcnow()
        elif link is not None and entry.action == "revoke":
            link.revoked_at = None
        return {"revoked": link.revoked_at is not None} if link else {}
    if kind == "portfolio.attachment":
        att = session.get(Attachment, oid)
        if entry.action == "attach" and att is not None:
            session.delete(att)
        elif entry.action == "detach" and entry.old and att is None:
            stored = load_file(session, entry.school_id, int(entry.old["file_id"]))
            if stored is not None:
                session.add(Attachment(id=oid, school_id=entry.school_id, owner=entry.old["owner"],
                                       owner_id=entry.old["owner_id"], file_id=stored.id,
                                       filename=entry.old["filename"], content_type=stored.content_type,
                                       added_by_id=entry.old.get("added_by_id") or entry.actor_id))
        return entry.old or {}
    return None
