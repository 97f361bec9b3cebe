"""For other plugins: file a document into a folder (a teacher's analytical material to her association's
folder, a report's export), find folders, and the folder on using Klass (A06). Acquaintance is in
``plugins.documents.acquaintance``."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import N_, AuditEntry, CheckedUpload, ServiceError, User, audit
from plugins.documents import access, workflow
from plugins.documents.models import Document, Folder, FolderMember

GUIDE_FOLDER = "Документы о работе с электронным журналом"
GUIDE_TEMPLATES = [
    ("local_act", "Положение об электронном журнале и электронном дневнике (шаблон)",
     "Заполните: цели ведения ЭЖ, ответственные, сроки выставления отметок, порядок исправлений, "
     "ознакомление родителей, хранение и печать журнала."),
    ("instruction", "Инструкция учителя по работе с электронным журналом (шаблон)",
     "Заполните: вход, заполнение тем и домашних заданий, выставление отметок и пропусков, сроки."),
    ("instruction", "Инструкция классного руководителя (шаблон)",
     "Заполните: списки класса, реквизиты доступа семей, причины пропусков, отчёты."),
    ("instruction", "Инструкция администратора (шаблон)",
     "Заполните: учётные записи, роли, резервные копии, печать и архив журнала."),
    ("instruction", "Памятка для родителей и учащихся (шаблон)",
     "Заполните: вход в дневник, уведомления, согласия, к кому обращаться."),
    ("order", "Приказ о назначении ответственных за ведение электронного журнала (шаблон)",
     "Заполните: ответственный за ЭЖ, администратор системы, сроки контроля заполнения."),
]


def folders_for(session: Session, user: User) -> list[Folder]:
    """Folders the user reads."""
    return access.readable_folders(session, user)


def association_folder(session: Session, school_id: int, name: str) -> Folder | None:
    return session.scalar(select(Folder).where(Folder.school_id == school_id, Folder.audience == "association",
                                               Folder.name == name))


def create_folder(session: Session, school_id: int, *, name: str, audience: str, member_ids: list[int] = (),  # type: ignore[assignment]
                  system: bool = False) -> Folder:
    name = workflow.clean(name)[:200]
    if not name:
        raise ServiceError(N_("Give the folder a name."), field="name")
    if audience not in ("staff", "administration", "association", "families"):
        raise ServiceError(N_("Choose who reads the folder."), field="audience")
    folder = Folder(school_id=school_id, name=name, audience=audience, system=system, version=1)
    session.add(folder)
    session.flush()
    for uid in dict.fromkeys(member_ids):
        session.add(FolderMember(school_id=school_id, folder_id=folder.id, user_id=int(uid)))
    audit(session, school_id=school_id, action="documents.folder.create", object_type="documents.folder",
          object_id=folder.id, new={"name": name, "audience": audience, "member_ids": list(member_ids)})
    return folder


def file_document(session: Session, *, folder: Folder, author: User, kind: str, title: str, body: str = "",
                  upload: CheckedUpload | None = None, publish: bool = False) -> Document:
    """File a document as ``author`` (who must be allowed to file in the folder). With ``publish`` a kind
    without approval (``material``) is published at once; other kinds stay drafts for the workflow."""
    if not access.may_file(session, author, folder):
        raise ServiceError(N_("You cannot file documents in this folder."), status=403, code="forbidden")
    doc = workflow.create(session, folder=folder, kind=kind, title=title, author=author, body=body, upload=upload)
    if publish and workflow.kind_of(kind)["approval"] == "none":
        workflow.submit(session, doc, actor=author, approver_ids=[], version=doc.version)
    return doc


def ensure_guide_folder(session: Session, school_id: int, author: User | None) -> Folder:
    """The folder on using the system (A06), with the templates the administrator fills in; made once."""
    folder = session.scalar(select(Folder).where(Folder.school_id == school_id, Folder.system.is_(True)))
    if folder is not None:
        return folder
    folder = create_folder(session, school_id, name=GUIDE_FOLDER, audience="staff", system=True)
    for kind, title, body in GUIDE_TEMPLATES:
        doc = Document(school_id=school_id, folder_id=folder.id, kind=kind, title=title, status="draft",
                       author_id=author.id if author else None, round=0, version=1)
        session.add(doc)
        session.flush()
        from plugins.documents.models import DocumentVersion

        session.add(DocumentVersion(school_id=school_id, document_id=doc.id, number=1,
                                    author_id=author.id if author else None, summary="Шаблон", body=body))
    return folder


def revert_folder(session: Session, entry: AuditEntry) -> dict[str, Any] | None:
    folder = session.get(Folder, int(entry.object_id))
    if folder is None or folder.school_id != entry.school_id:
        return None
    if entry.action == "documents.folder.create":
        has_docs = session.scalar(select(Document.id).where(Document.folder_id == folder.id).limit(1))
        if has_docs is None:
            for m in session.scalars(select(FolderMember).where(FolderMember.folder_id == folder.id)):
                session.delete(m)
            session.delete(folder)
        return {"deleted": has_docs is None}
    return None
