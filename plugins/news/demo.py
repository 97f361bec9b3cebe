"""A few news items in the demo school: two school-wide ones published now, one ending soon, one scheduled
for next week, and a class item for 5А from its class teacher."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import AcademicYear, Role, RoleGrant, School, SchoolClass, User, utcnow
from plugins.news.models import NewsItem


def build(session: Session, school: School) -> None:
    principal = session.scalar(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                               .where(User.school_id == school.id, RoleGrant.role == Role.principal))
    if principal is None:
        return
    now = utcnow()
    day = timedelta(days=1)
    session.add_all([
        NewsItem(school_id=school.id, title="Зимние каникулы",
                 body="Зимние каникулы продлятся с 29 декабря по 11 января. Занятия начнутся 12 января.",
                 author_id=principal.id, publish_from=now - 2 * day, publish_to=now + 30 * day),
        NewsItem(school_id=school.id, title="Родительское собрание для всей школы",
                 body="Общешкольное родительское собрание пройдёт в актовом зале в четверг в 18:00.",
                 author_id=principal.id, publish_from=now - day, publish_to=now + 2 * day),
        NewsItem(school_id=school.id, title="Новогодний концерт",
                 body="Приглашаем на новогодний концерт.", author_id=principal.id,
                 publish_from=now + 7 * day, publish_to=now + 30 * day),
    ])
    year_id = session.scalar(select(AcademicYear.id).where(AcademicYear.school_id == school.id,
                                                           AcademicYear.is_current.is_(True)))
    fifth = session.scalar(select(SchoolClass).where(SchoolClass.school_id == school.id, SchoolClass.year_id == year_id,
                                                     SchoolClass.grade_level == 5, SchoolClass.letter == "А"))
    lead = session.scalar(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                          .where(RoleGrant.role == Role.class_teacher, RoleGrant.class_id == fifth.id)) if fifth else None
    if fifth and lead:
        session.add(NewsItem(school_id=school.id, class_id=fifth.id, title="Сменная обувь",
                             body="Напоминаю: со следующей недели без сменной обуви в класс не пускают.",
                             author_id=lead.id, publish_from=now - 3 * day, publish_to=now + 10 * day))
