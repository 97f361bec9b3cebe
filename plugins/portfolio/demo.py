"""Demo portfolios, built for the school's date: a handful of entries per class (most confirmed, some
awaiting the class teacher, one returned), a project with a team from two classes, and teachers' courses."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    ClassMembership,
    School,
    SchoolClass,
    TeachingAssignment,
    current_year,
    insert_with_ids,
    school_today,
    utcnow,
)
from plugins.portfolio.models import Entry, Project, ProjectMember, ProjectStage, TeacherEntry

SAMPLES = [("Олимпиады и конкурсы", "Школьный этап всероссийской олимпиады по математике", "school", "winner", 1),
           ("Спорт", "Осенний кросс", "municipal", "prize", 3),
           ("Творчество", "Конкурс рисунков «Моя малая родина»", "school", "participant", None),
           ("Общественная деятельность", "Волонтёрская акция «Чистый двор»", "school", "participant", None),
           ("Олимпиады и конкурсы", "Региональный конкурс чтецов", "regional", "prize", 2)]


def build(session: Session, school: School, size: str) -> None:
    today = school_today(school.id, session=session)
    now = utcnow()
    year = current_year(session, school.id)
    if year is None:
        return
    classes = list(session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id,
                                                             SchoolClass.year_id == year.id)
                                   .order_by(SchoolClass.grade_level, SchoolClass.letter)))
    rows, first_students = [], []
    for klass in classes:
        students = list(session.scalars(select(ClassMembership.student_id).where(
            ClassMembership.school_id == school.id, ClassMembership.class_id == klass.id).order_by(
            ClassMembership.student_id)))
        supervisor = session.scalar(select(TeachingAssignment.teacher_id).where(
            TeachingAssignment.class_id == klass.id).limit(1))
        if students:
            first_students.append(students[0])
        for n, (section, title, level, result, place) in enumerate(SAMPLES):
            if n >= len(students):
                break
            status = "confirmed" if n < 3 else ("pending" if n == 3 else "returned")
            rows.append({"school_id": school.id, "student_id": students[n + 1 if len(students) > n + 1 else n],
                         "section": section, "kind": "achievement", "title": title, "description": "",
                         "level": level, "result": result, "place": place, "mark": "",
                         "happened_on": today - timedelta(days=20 + 7 * n), "subject_id": None,
                         "supervisor_id": supervisor, "author_id": students[n + 1 if len(students) > n + 1 else n],
                         "status": status,
                         "comment": "Приложите скан диплома." if status == "returned" else "",
                         "submitted_at": now - timedelta(days=2 + n), "reviewed_by_id": klass.class_teacher_id
                         if status != "pending" else None,
                         "reviewed_at": now - timedelta(days=1) if status != "pending" else None,
                         "created_at": now - timedelta(days=2 + n), "version": 1})
    insert_with_ids(session, Entry, rows)
    teachers = list(dict.fromkeys(session.scalars(select(TeachingAssignment.teacher_id).where(
        TeachingAssignment.school_id == school.id).order_by(TeachingAssignment.teacher_id))))
    courses = []
    for n, teacher_id in enumerate(teachers[: max(1, len(teachers) * 2 // 3)]):
        courses.append({"school_id": school.id, "teacher_id": teacher_id, "kind": "course",
                        "title": "Реализация требований обновлённых ФГОС", "organisation": "ИРО",
                        "hours": 36 + 36 * (n % 2), "category": "", "happened_on": today - timedelta(days=100 + 30 * n),
                        "valid_until": None, "status": "confirmed" if n % 4 else "pending", "comment": "",
                        "created_at": now, "version": 1})
        if n % 3 == 0:
            courses.append({"school_id": school.id, "teacher_id": teacher_id, "kind": "attestation",
                            "title": "Аттестация на квалификационную категорию", "organisation": "",
                            "hours": None, "category": "первая", "happened_on": today - timedelta(days=400),
                            "valid_until": today - timedelta(days=400) + timedelta(days=5 * 365),
                            "status": "confirmed", "comment": "", "created_at": now, "version": 1})
    insert_with_ids(session, TeacherEntry, courses)
    if len(first_students) >= 2 and teachers:
        project = Project(school_id=school.id, title="Экологическая тропа школьного двора",
                          description="Исследование растений пришкольного участка и путеводитель для младших классов.",
                          supervisor_id=teachers[0], version=1)
        session.add(project)
        session.flush()
        for sid in first_students[-3:]:
            session.add(ProjectMember(school_id=school.id, project_id=project.id, student_id=sid))
        for n, title in enumerate(("Выбор темы и план", "Сбор материала", "Защита")):
            session.add(ProjectStage(school_id=school.id, project_id=project.id, title=title,
                                     due_on=today + timedelta(days=-30 + 40 * n), done=n == 0))
    session.flush()
