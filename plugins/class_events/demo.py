"""Events in the demo school's 5А (built for the school's date): a past excursion and class hour with
results, this week's parents' meeting, and a competition next week."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    AcademicYear,
    Role,
    RoleGrant,
    School,
    SchoolClass,
    User,
    class_students,
    school_today,
)
from plugins.class_events.models import ClassEvent, ClassEventParticipant


def build(session: Session, school: School) -> None:
    year_id = session.scalar(select(AcademicYear.id).where(AcademicYear.school_id == school.id,
                                                           AcademicYear.is_current.is_(True)))
    fifth = session.scalar(select(SchoolClass).where(SchoolClass.school_id == school.id, SchoolClass.year_id == year_id,
                                                     SchoolClass.grade_level == 5, SchoolClass.letter == "А"))
    lead = session.scalar(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                          .where(RoleGrant.role == Role.class_teacher, RoleGrant.class_id == fifth.id)) if fifth else None
    if fifth is None or lead is None:
        return
    today = school_today(school.id, session=session)
    monday = today - timedelta(days=today.weekday())
    students = class_students(session, fifth.id, today)
    rows = [("excursion", "Экскурсия в краеведческий музей", monday - timedelta(days=10), "10:00",
             "Краеведческий музей", "Экскурсия проведена, дети написали отзывы.", students[:12]),
            ("class_hour", "Классный час «Правила дорожного движения»", monday - timedelta(days=5), "13:30",
             "Кабинет 21", "Проведена викторина, победители награждены грамотами.", []),
            ("parents_meeting", "Родительское собрание: итоги первой четверти", monday + timedelta(days=3), "18:00",
             "Кабинет 21", "", []),
            ("competition", "Школьная олимпиада по математике", monday + timedelta(days=9), "09:00",
             "Актовый зал", "", students[:5])]
    for kind, title, day, at, place, result, who in rows:
        event = ClassEvent(school_id=school.id, class_id=fifth.id, kind=kind, title=title, day=day, starts_at=at,
                           place=place, result=result, author_id=lead.id)
        session.add(event)
        session.flush()
        for student in who:
            session.add(ClassEventParticipant(school_id=school.id, event_id=event.id, student_id=student.id))
