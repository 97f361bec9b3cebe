"""What waits for a person: documents whose approval is her turn (or the director's), and documents to read."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.toolkit import User, can
from plugins.documents import acquaintance, workflow
from plugins.documents.models import ApprovalStep, Document


def to_approve(session: Session, user: User) -> list[Document]:
    candidates = list(session.scalars(select(Document).join(ApprovalStep, (ApprovalStep.document_id == Document.id)
                                                            & (ApprovalStep.round == Document.round)).where(
        Document.school_id == user.school_id, Document.status == "approval", ApprovalStep.approver_id == user.id,
        ApprovalStep.decision == "pending").distinct()))
    mine = [d for d in candidates if workflow.current_step_of(session, d, user) is not None]
    if can(user, "documents.director"):
        mine += list(session.scalars(select(Document).where(Document.school_id == user.school_id,
                                                            Document.status == "director")))
    return mine


def to_read(session: Session, user: User) -> list[Document]:
    ids = [int(s.split(":")[1]) for s in acquaintance.pending_subjects(session, user.school_id, user.id,
                                                                       "documents.document:")]
    if not ids:
        return []
    return list(session.scalars(select(Document).where(Document.school_id == user.school_id, Document.id.in_(ids))))


def counts(session: Session, user: User) -> tuple[int, int]:
    """Two numbers for the start page: on approval with you, to read."""
    approve = session.scalar(select(func.count(ApprovalStep.id)).join(Document, Document.id == ApprovalStep.document_id)
                             .where(ApprovalStep.school_id == user.school_id, ApprovalStep.approver_id == user.id,
                                    ApprovalStep.decision == "pending", ApprovalStep.round == Document.round,
                                    Document.status == "approval")) or 0
    if approve:
        approve = len([d for d in to_approve(session, user) if d.status == "approval"])
    if can(user, "documents.director"):
        approve += session.scalar(select(func.count(Document.id)).where(Document.school_id == user.school_id,
                                                                        Document.status == "director")) or 0
    return approve, acquaintance.pending_count(session, user.school_id, user.id)
