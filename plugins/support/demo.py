"""A few requests in the demo school: one answered and closed, one forwarded, two waiting."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import Role, RoleGrant, School, User, utcnow
from plugins.support.models import SupportRequest


def _first(session: Session, school: School, role: str) -> User | None:
    return session.scalar(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                          .where(User.school_id == school.id, RoleGrant.role == Role(role)).order_by(User.id))


def build(session: Session, school: School) -> None:
    teacher, guardian, admin, deputy = (_first(session, school, r) for r in ("teacher", "guardian", "admin", "deputy"))
    if not (teacher and guardian and admin):
        return
    now = utcnow()
    session.add_all([
        SupportRequest(school_id=school.id, author_id=teacher.id, category="Журнал и отметки",
                       page="/gradebook/journal", text="Не могу поставить отметку за прошлую неделю: клетка серая.",
                       status="closed", answer="Окно исправления отметок — 7 дней; исправление сделает завуч.",
                       answered_by_id=admin.id, created_at=now - timedelta(days=6),
                       answered_at=now - timedelta(days=6, hours=-3), closed_at=now - timedelta(days=5)),
        SupportRequest(school_id=school.id, author_id=guardian.id, category="Дневник и уведомления",
                       page="/diary/notifications", text="Не приходят письма об отметках.", status="new",
                       created_at=now - timedelta(days=1)),
        SupportRequest(school_id=school.id, author_id=teacher.id, category="Расписание и замены",
                       page="/timetable/teacher", text="В расписании нет моего урока в среду.", status="forwarded",
                       assignee_id=deputy.id if deputy else admin.id, created_at=now - timedelta(hours=20)),
        SupportRequest(school_id=school.id, author_id=guardian.id, category="Вход и пароль",
                       page="/login", text="Второй родитель не может войти.", status="new",
                       created_at=now - timedelta(hours=3)),
    ])
