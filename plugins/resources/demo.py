"""The demo school's catalogue: a maths test for 5А (a PDF, attached to tomorrow's lesson and its homework),
a written exercise shared with the school's teachers, a link, and a deputy's analytical note for the maths
association. Built for the school's date (the fixed test clock's Wednesday)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    AcademicYear,
    School,
    SchoolClass,
    Subject,
    TeachingAssignment,
    User,
    check_upload,
    school_today,
)
from plugins.gradebook.public import Lesson
from plugins.resources import services

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def build(session: Session, school: School) -> None:
    today = school_today(school.id, session=session)
    year_id = session.scalar(select(AcademicYear.id).where(AcademicYear.school_id == school.id,
                                                           AcademicYear.is_current.is_(True)))
    fifth = session.scalar(select(SchoolClass).where(SchoolClass.school_id == school.id, SchoolClass.year_id == year_id,
                                                     SchoolClass.grade_level == 5, SchoolClass.letter == "А"))
    maths = session.scalar(select(Subject).where(Subject.school_id == school.id, Subject.name == "Математика"))
    if fifth is None or maths is None:
        return
    teacher = session.scalar(select(User).join(TeachingAssignment, TeachingAssignment.teacher_id == User.id)
                             .where(TeachingAssignment.class_id == fifth.id, TeachingAssignment.subject_id == maths.id))
    if teacher is None:
        return
    test = services.create(session, school_id=school.id, author=teacher, data={
        "title": "Проверочная работа: обыкновенные дроби", "kind": "test", "form": "file", "subject_id": maths.id,
        "grades": "5", "topic": "Обыкновенные дроби", "licence": "собственная разработка",
        "visibility": "classes"}, upload=check_upload(PDF, "дроби-проверочная.pdf", allowed={"application/pdf"},
                                                       max_bytes=1 << 20), class_ids=[fifth.id])
    services.create(session, school_id=school.id, author=teacher, data={
        "title": "Устный счёт: 10 примеров", "kind": "exercise", "form": "text", "subject_id": maths.id,
        "grades": "5, 6", "topic": "Действия с натуральными числами", "visibility": "teachers",
        "body": "1. 125 + 375\n2. 1000 − 648\n3. 25 · 4\n\n*Время: 5 минут.*", "licence": "CC BY 4.0"})
    services.create(session, school_id=school.id, author=teacher, data={
        "title": "Интерактивный тренажёр по дробям", "kind": "task", "form": "link", "subject_id": maths.id,
        "grades": "5", "topic": "Обыкновенные дроби", "url": "https://example.org/drobi", "visibility": "teachers",
        "licence": "открытый ресурс"})
    services.create(session, school_id=school.id, author=teacher, data={
        "title": "Анализ контрольной работы по математике за I четверть", "kind": "analysis", "form": "text",
        "subject_id": maths.id, "grades": "5", "visibility": "association",
        "body": "Справились 21 из 25. Типичные ошибки: сложение дробей с разными знаменателями.\n\n"
                "**Вывод:** повторить приведение к общему знаменателю."})
    tomorrow = session.scalar(select(Lesson).where(Lesson.class_id == fifth.id, Lesson.subject_id == maths.id,
                                                   Lesson.date > today, Lesson.date <= today + timedelta(days=7))
                              .order_by(Lesson.date, Lesson.number).limit(1))
    if tomorrow is not None:
        services.attach(session, test, tomorrow, use="homework", actor_id=teacher.id, today=today)
