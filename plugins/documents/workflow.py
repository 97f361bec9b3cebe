"""The document workflow: черновик (draft) → согласование (approval: approvers in order or in parallel, each
approves or returns with a comment) → утверждение (the director; a numbered kind gets its register number) →
опубликован (published). How a kind moves is the school's setting (``kinds``). Every transition is audited
in the same transaction and checks the document's ``version`` so a stale page never acts twice."""
from __future__ import annotations

from typing import Any

import nh3
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    N_,
    AuditEntry,
    CheckedUpload,
    ServiceError,
    User,
    audit,
    plugin_settings,
    school_today,
    store_file,
    utcnow,
)
from plugins.documents import register
from plugins.documents.models import ApprovalStep, Document, DocumentVersion, Folder


class DocumentConflict(ServiceError):
    status = 409
    code = "conflict"


def kinds() -> dict[str, dict[str, Any]]:
    return {k["key"]: k for k in plugin_settings("documents")["kinds"]}


def kind_of(key: str) -> dict[str, Any]:
    found = kinds().get(key)
    if found is None:
        raise ServiceError(N_("Unknown document kind."), field="kind")
    return found


def clean(text: str) -> str:
    return nh3.clean(text or "", tags=set()).strip()


def snapshot(doc: Document) -> dict[str, Any]:
    return {"title": doc.title, "status": doc.status, "round": doc.round, "number": doc.number,
            "number_year": doc.number_year, "folder_id": doc.folder_id, "version": doc.version}


def _check(doc: Document, version: int | None, *, status: str | None = None) -> None:
    if version is not None and int(version) != doc.version:
        raise DocumentConflict(N_("Someone changed this document while you were looking at it: it is now "
                                  "“%(title)s”, status “%(state)s”. Open it again."), title=doc.title,
                               state=status_label(doc.status))
    if status is not None and doc.status != status:
        raise DocumentConflict(N_("This step is not possible now: the document's status is “%(state)s”."),
                               state=status_label(doc.status))


def status_label(status: str) -> str:
    from flask_babel import gettext as _

    return {"draft": _("draft"), "approval": _("in approval"), "director": _("awaiting the director"),
            "published": _("published")}.get(status, status)


def _audit(session: Session, doc: Document, action: str, old: dict[str, Any] | None, **extra: Any) -> None:
    audit(session, school_id=doc.school_id, action=f"documents.{action}", object_type="documents.document",
          object_id=doc.id, old=old, new=snapshot(doc) | extra)


def create(session: Session, *, folder: Folder, kind: str, title: str, author: User, body: str = "",
           upload: CheckedUpload | None = None, summary: str = "") -> Document:
    kind_of(kind)
    title = clean(title)
    if not title:
        raise ServiceError(N_("Give the document a title."), field="title")
    doc = Document(school_id=folder.school_id, folder_id=folder.id, kind=kind, title=title[:300], status="draft",
                   author_id=author.id, round=0, version=1, created_at=utcnow())
    session.add(doc)
    session.flush()
    _add_version(session, doc, author, body, upload, summary or "First version")
    _audit(session, doc, "create", None)
    return doc


def _add_version(session: Session, doc: Document, author: User, body: str, upload: CheckedUpload | None,
                 summary: str) -> DocumentVersion:
    number = (session.scalar(select(DocumentVersion.number).where(DocumentVersion.document_id == doc.id)
                             .order_by(DocumentVersion.number.desc()).limit(1)) or 0) + 1
    stored = store_file(session, doc.school_id, upload) if upload is not None else None
    row = DocumentVersion(school_id=doc.school_id, document_id=doc.id, number=number, author_id=author.id,
                          created_at=utcnow(), summary=clean(summary)[:500], body=clean(body),
                          file_id=stored.id if stored else None, filename=upload.filename[:200] if upload else "")
    session.add(row)
    session.flush()
    return row


def add_version(session: Session, doc: Document, *, author: User, body: str, upload: CheckedUpload | None,
                summary: str, version: int | None) -> DocumentVersion:
    """A new version of a draft: who, when, what changed."""
    _check(doc, version, status="draft")
    if not clean(summary):
        raise ServiceError(N_("Say what changed in this version."), field="summary")
    old = snapshot(doc)
    row = _add_version(session, doc, author, body, upload, summary)
    doc.version += 1
    _audit(session, doc, "version", old, version_number=row.number, summary=row.summary)
    return row


def submit(session: Session, doc: Document, *, actor: User, approver_ids: list[int], version: int | None) -> None:
    """The author sends the draft for approval to the people named (in the order given)."""
    _check(doc, version, status="draft")
    kind = kind_of(doc.kind)
    old = snapshot(doc)
    ids = list(dict.fromkeys(int(i) for i in approver_ids))
    if kind["approval"] == "none":
        doc.status = "director" if kind["director"] else "published"
        if doc.status == "published":
            doc.published_at = utcnow()
    else:
        valid = set(session.scalars(select(User.id).where(User.school_id == doc.school_id, User.id.in_(ids or [0]))))
        ids = [i for i in ids if i in valid]
        if not ids:
            raise ServiceError(N_("Choose at least one approver."), field="approvers")
        doc.round += 1
        for position, uid in enumerate(ids, start=1):
            session.add(ApprovalStep(school_id=doc.school_id, document_id=doc.id, round=doc.round,
                                     position=position if kind["approval"] == "sequential" else 1,
                                     approver_id=uid, decision="pending"))
        doc.status = "approval"
    doc.version += 1
    _audit(session, doc, "submit", old, approver_ids=ids)


def steps(session: Session, doc: Document, round_: int | None = None) -> list[ApprovalStep]:
    return list(session.scalars(select(ApprovalStep).where(
        ApprovalStep.school_id == doc.school_id, ApprovalStep.document_id == doc.id,
        ApprovalStep.round == (doc.round if round_ is None else round_)).order_by(ApprovalStep.position,
                                                                                  ApprovalStep.id)))


def current_step_of(session: Session, doc: Document, user: User) -> ApprovalStep | None:
    """The user's pending step if it is her turn (in order: every earlier approver has approved)."""
    if doc.status != "approval":
        return None
    pending = [s for s in steps(session, doc) if s.decision == "pending"]
    if not pending:
        return None
    first = min(s.position for s in pending)
    return next((s for s in pending if s.approver_id == user.id and s.position == first), None)


def decide(session: Session, doc: Document, *, actor: User, approve: bool, comment: str, version: int | None) -> None:
    _check(doc, version, status="approval")
    step = current_step_of(session, doc, actor)
    if step is None:
        raise ServiceError(N_("It is not your turn to approve this document."), status=403, code="forbidden")
    comment = clean(comment)
    if not approve and not comment:
        raise ServiceError(N_("Say what to fix: the comment goes to the author."), field="comment")
    old = snapshot(doc)
    step.decision, step.comment, step.decided_at = ("approved" if approve else "returned"), comment, utcnow()
    if not approve:
        for other in steps(session, doc):
            if other.decision == "pending":
                other.decision = "skipped"
        doc.status = "draft"
    elif all(s.decision == "approved" for s in steps(session, doc)):
        if kind_of(doc.kind)["director"]:
            doc.status = "director"
        else:
            _publish(session, doc, actor)
    doc.version += 1
    _audit(session, doc, "approve" if approve else "return", old, comment=comment, step_id=step.id)


def director_decide(session: Session, doc: Document, *, actor: User, approve: bool, comment: str,
                    version: int | None) -> None:
    """The director approves (утверждает: a numbered kind gets its number) and the document is published, or
    returns it to the author with a comment."""
    _check(doc, version, status="director")
    comment = clean(comment)
    old = snapshot(doc)
    if not approve:
        if not comment:
            raise ServiceError(N_("Say what to fix: the comment goes to the author."), field="comment")
        doc.status = "draft"
    else:
        doc.approved_by_id = actor.id
        _publish(session, doc, actor)
    doc.version += 1
    _audit(session, doc, "director_approve" if approve else "director_return", old, comment=comment)


def _publish(session: Session, doc: Document, actor: User) -> None:
    kind = kind_of(doc.kind)
    if kind["numbered"] and doc.number is None:
        today = school_today(doc.school_id, session=session)
        doc.number_year = today.year
        doc.number = register.next_number(session, doc.school_id, doc.kind, today.year)
        doc.registered_on = today
    doc.status, doc.published_at = "published", utcnow()


def display_number(doc: Document) -> str:
    if doc.number is None:
        return ""
    prefix = kinds().get(doc.kind, {}).get("prefix", "")
    return f"{prefix}{doc.number}"


def revert(session: Session, entry: AuditEntry) -> dict[str, Any] | None:
    """Undo a transition from a leaked account: the document goes back to its previous status (a number once
    given stays in the register: orders are never renumbered)."""
    doc = session.get(Document, int(entry.object_id))
    if doc is None or doc.school_id != entry.school_id or not entry.old:
        return None
    doc.status, doc.round, doc.title = entry.old["status"], entry.old["round"], entry.old["title"]
    if doc.status != "published":
        doc.published_at = None
    for step in steps(session, doc):
        if step.decided_at is not None and step.decided_at >= entry.at and step.decision in ("approved", "returned"):
            step.decision, step.comment, step.decided_at = "pending", "", None
    doc.version += 1
    return dict(entry.old)
