"""The demo school's plans for the current year: the school's plan (the deputy's), the maths association's
plan headed by 5А's maths teacher with one item already overdue, and that teacher's personal plan. Built for
the school's date (the fixed test clock's Wednesday, 25 November)."""
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
    Subject,
    TeachingAssignment,
    User,
    school_today,
)
from plugins.plans import services


def build(session: Session, school: School) -> None:
    today = school_today(school.id, session=session)
    year = session.scalar(select(AcademicYear).where(AcademicYear.school_id == school.id,
                                                     AcademicYear.is_current.is_(True)))
    deputy = session.scalar(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                            .where(User.school_id == school.id, RoleGrant.role == Role.deputy))
    maths = session.scalar(select(Subject).where(Subject.school_id == school.id, Subject.name == "Математика"))
    fifth = session.scalar(select(SchoolClass).where(SchoolClass.school_id == school.id, SchoolClass.grade_level == 5,
                                                     SchoolClass.letter == "А",
                                                     SchoolClass.year_id == (year.id if year else -1)))
    if year is None or deputy is None or maths is None or fifth is None:
        return
    teacher = session.scalar(select(User).join(TeachingAssignment, TeachingAssignment.teacher_id == User.id)
                             .where(TeachingAssignment.class_id == fifth.id, TeachingAssignment.subject_id == maths.id))
    if teacher is None:
        return
    day = timedelta(days=1)
    school_plan = services.create_plan(session, user=deputy, year=year, scope="school",
                                       title=f"План работы школы на {year.title} учебный год")
    for section, title, due, status, who in (
            ("Контроль", "Проверка ведения электронных журналов", today - 20 * day, "done", deputy),
            ("Методическая работа", "Педагогический совет «Качество образования по итогам I четверти»",
             today + 14 * day, "planned", deputy),
            ("Работа с родителями", "Общешкольное родительское собрание", today + 30 * day, "planned", deputy)):
        services.add_item(session, school_plan, data={"section": section, "title": title, "due_on": due,
                                                      "status": status}, responsible=[who.id], today=today)
    association = services.create_plan(session, user=deputy, year=year, scope="association",
                                       title="План работы МО учителей математики", association="МО учителей математики",
                                       subject_id=maths.id, owner_id=teacher.id)
    services.add_item(session, association, data={
        "section": "Анализ", "title": "Анализ результатов контрольных работ за I четверть", "due_on": today - 5 * day,
        "status": "in_progress"}, responsible=[teacher.id], today=today)
    services.add_item(session, association, data={
        "section": "Открытые уроки", "title": "Открытый урок в 5А «Сложение дробей»", "due_on": today + 10 * day},
        responsible=[teacher.id], today=today)
    personal = services.create_plan(session, user=teacher, year=year, scope="person",
                                    title="План самообразования")
    services.add_item(session, personal, data={"title": "Курсы повышения квалификации по ФГОС ООО",
                                               "due_on": today + 60 * day}, responsible=[teacher.id], today=today)
