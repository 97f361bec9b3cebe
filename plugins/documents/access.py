"""Who reads which folder and document. A folder's audience decides: all staff, the administration, an
association's members, or families (guardians and students). Drafts and documents in approval are seen only
by their author, their approvers and the administration. Anything else is 404, never a hint it exists."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import User
from plugins.documents.models import Acquaintance, ApprovalStep, Document, Folder, FolderMember

ADMINISTRATION = ("admin", "principal", "deputy")
STAFF = ("admin", "principal", "deputy", "class_teacher", "teacher", "support")
FAMILY = ("guardian", "student")


def is_administration(user: User) -> bool:
    return any(user.has_role(r) for r in ADMINISTRATION)


def is_staff(user: User) -> bool:
    return any(user.has_role(r) for r in STAFF)


def readable_folders(session: Session, user: User) -> list[Folder]:
    folders = list(session.scalars(select(Folder).where(Folder.school_id == user.school_id).order_by(Folder.name)))
    member_of = set(session.scalars(select(FolderMember.folder_id).where(FolderMember.school_id == user.school_id,
                                                                         FolderMember.user_id == user.id)))
    return [f for f in folders if may_read_folder(user, f, member_of)]


def may_read_folder(user: User, folder: Folder, member_of: set[int]) -> bool:
    if folder.school_id != user.school_id:
        return False
    if is_administration(user):
        return True
    if folder.audience == "families":
        return True
    if folder.audience == "staff":
        return is_staff(user)
    if folder.audience == "association":
        return folder.id in member_of
    return False


def member_folders(session: Session, user: User) -> set[int]:
    return set(session.scalars(select(FolderMember.folder_id).where(FolderMember.school_id == user.school_id,
                                                                    FolderMember.user_id == user.id)))


def may_file(session: Session, user: User, folder: Folder) -> bool:
    """Staff file drafts where they read; the families' and the administration's folders only the administration."""
    if not may_read_folder(user, folder, member_folders(session, user)) or not is_staff(user):
        return False
    return is_administration(user) or folder.audience in ("staff", "association")


def may_read_document(session: Session, user: User, doc: Document, folder: Folder) -> bool:
    if doc.school_id != user.school_id:
        return False
    if not may_read_folder(user, folder, member_folders(session, user)):
        # an approver reads what she is asked to approve, a person asked to read what she must read
        return is_approver(session, user, doc) or (doc.status == "published" and is_asked(session, user, doc))
    if doc.status == "published":
        return True
    return is_administration(user) or doc.author_id == user.id or is_approver(session, user, doc)


def is_approver(session: Session, user: User, doc: Document) -> bool:
    return session.scalar(select(ApprovalStep.id).where(ApprovalStep.school_id == doc.school_id,
                                                        ApprovalStep.document_id == doc.id,
                                                        ApprovalStep.approver_id == user.id).limit(1)) is not None


def is_asked(session: Session, user: User, doc: Document) -> bool:
    return session.scalar(select(Acquaintance.id).where(
        Acquaintance.school_id == doc.school_id, Acquaintance.user_id == user.id,
        Acquaintance.subject == f"documents.document:{doc.id}")) is not None
