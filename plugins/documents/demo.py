"""Demo folders and documents, built for the school's date: the administration's orders (one published,
numbered, with an acquaintance sheet half confirmed; one waiting for approval), an association's folder, the
families' folder, and the folder on using Klass with its templates."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import RoleGrant, School, User, school_now
from plugins.documents import acquaintance, public, register
from plugins.documents.models import ApprovalStep, Document, DocumentVersion


def _by_role(session: Session, school_id: int, role: str) -> list[User]:
    ids = select(RoleGrant.user_id).where(RoleGrant.role == role)
    return list(session.scalars(select(User).where(User.school_id == school_id, User.id.in_(ids)).order_by(User.id)))


def build(session: Session, school: School, size: str) -> None:
    now = school_now(school.id, session=session)
    deputy = (_by_role(session, school.id, "deputy") or [None])[0]
    principal = (_by_role(session, school.id, "principal") or [None])[0]
    admin = (_by_role(session, school.id, "admin") or [None])[0]
    teachers = _by_role(session, school.id, "teacher")[:6]
    public.ensure_guide_folder(session, school.id, admin)
    orders = public.create_folder(session, school.id, name="Приказы и локальные акты", audience="administration")
    public.create_folder(session, school.id, name="Общие документы школы", audience="staff")
    public.create_folder(session, school.id, name="МО учителей математики", audience="association",
                         member_ids=[t.id for t in teachers[:3]])
    public.create_folder(session, school.id, name="Для родителей", audience="families")
    if deputy is None or principal is None:
        return
    order = Document(school_id=school.id, folder_id=orders.id, kind="order", status="published",
                     title="О проведении промежуточной аттестации в 2026/2027 учебном году", author_id=deputy.id,
                     round=1, number_year=now.year, registered_on=(now - timedelta(days=7)).date(),
                     approved_by_id=principal.id, published_at=now - timedelta(days=7), version=4)
    order.number = register.next_number(session, school.id, "order", now.year)
    session.add(order)
    session.flush()
    session.add(DocumentVersion(school_id=school.id, document_id=order.id, number=1, author_id=deputy.id,
                                created_at=now - timedelta(days=10), summary="Первая редакция",
                                body="Провести промежуточную аттестацию в сроки, утверждённые календарным графиком."))
    session.add(ApprovalStep(school_id=school.id, document_id=order.id, round=1, position=1, approver_id=admin.id
                             if admin else principal.id, decision="approved", decided_at=now - timedelta(days=8)))
    subject = acquaintance.subject_of("documents.document", order.id)
    acquaintance.request(session, school.id, subject, [t.id for t in teachers], by_id=deputy.id)
    for t in teachers[:2]:
        acquaintance.confirm(session, school.id, subject, t.id)
    draft = Document(school_id=school.id, folder_id=orders.id, kind="order", status="approval", round=1,
                     title="О назначении ответственных за ведение электронного журнала", author_id=deputy.id,
                     version=2)
    session.add(draft)
    session.flush()
    session.add(DocumentVersion(school_id=school.id, document_id=draft.id, number=1, author_id=deputy.id,
                                created_at=now - timedelta(days=1), summary="Первая редакция",
                                body="Назначить ответственным за ведение электронного журнала заместителя директора."))
    session.add(ApprovalStep(school_id=school.id, document_id=draft.id, round=1, position=1,
                             approver_id=admin.id if admin else principal.id, decision="pending"))
