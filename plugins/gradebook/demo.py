"""Demo data: a year of lessons from a weekly pattern, topics from a lesson plan, homework, marks and
the final marks of finished terms. The full-size school gets the same shape in bulk inserts."""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.toolkit import (
    ClassMembership,
    Holiday,
    School,
    SchoolClass,
    SubgroupMember,
    Subject,
    TeachingAssignment,
    Term,
    current_year,
    insert_with_ids,
    lesson_days,
)
from plugins.gradebook.averages import average_of
from plugins.gradebook.models import FinalMark, Homework, Lesson, LessonPlanItem, Mark

TOPICS = {
    "Математика": ["Натуральные числа", "Сложение и вычитание", "Умножение и деление", "Степень числа",
                   "Делимость чисел", "Обыкновенные дроби", "Сравнение дробей", "Сложение дробей",
                   "Десятичные дроби", "Проценты", "Решение задач на движение", "Координатная прямая"],
    "Русский язык": ["Звуки и буквы", "Орфограммы в корне", "Безударные гласные", "Морфемика",
                     "Имя существительное", "Склонение существительных", "Имя прилагательное", "Глагол",
                     "Спряжение глаголов", "Синтаксис", "Пунктуация", "Развитие речи: изложение"],
    "Английский язык": ["My family", "School life", "Present Simple", "Free time", "Past Simple",
                        "Travelling", "Food and drinks", "Future forms", "Sport", "Holidays"],
}
UNMARKED_GRADES = (1,)  # grades taught without marks (безотметочное обучение)
WORK_TYPES_IN_CLASS = ["answer", "answer", "answer", "homework", "independent"]


def _topic(subject: str, n: int) -> str:
    topics = TOPICS.get(subject)
    if topics:
        return f"{topics[(n - 1) // 3 % len(topics)]} ({(n - 1) % 3 + 1})"
    return f"{subject}: тема {(n - 1) // 2 + 1}"


def _weekly_patterns(by_class: dict[int, list[Any]]) -> dict[int, list[tuple[int, int, list[Any]]]]:
    """A week's slots for every class, built school-wide so no teacher is in two rooms at once.

    Returns class id -> [(weekday, lesson number, assignments taught in that slot)]; the subgroups of
    one subject share a slot. Each lesson goes to the class's least loaded day that does not yet have
    the subject and where its teachers are free, at the class's next lesson number (a gap only when
    nothing else fits), so a day stays compact as a real timetable is.
    """
    busy: set[tuple[int, int, int]] = set()  # (teacher, weekday, number)
    patterns: dict[int, list[tuple[int, int, list[Any]]]] = {}
    for class_id in sorted(by_class):
        units: dict[int, list[Any]] = defaultdict(list)
        for a in by_class[class_id]:
            units[a.subject_id].append(a)
        order = sorted(units, key=lambda s: (-units[s][0].hours_per_week, s))
        slots: list[list[Any]] = []
        remaining = {s: max(1, round(units[s][0].hours_per_week)) for s in order}
        while any(remaining.values()):  # round-robin: the same subject is spread over the week
            for subject_id in order:
                if remaining[subject_id]:
                    remaining[subject_id] -= 1
                    slots.append(units[subject_id])
        taken: dict[int, set[int]] = defaultdict(set)  # weekday -> numbers used by this class
        subjects_on: dict[int, set[int]] = defaultdict(set)
        pattern: list[tuple[int, int, list[Any]]] = []
        for unit in slots:
            teachers = {a.teacher_id for a in unit}
            candidates = []
            for day in range(5):
                n = 1
                while n in taken[day] or any((t, day, n) in busy for t in teachers):
                    n += 1
                gap = n - (len(taken[day]) + 1)
                candidates.append(((unit[0].subject_id in subjects_on[day], n, gap, day), day, n))
            _score, weekday, number = min(candidates)
            taken[weekday].add(number)
            subjects_on[weekday].add(unit[0].subject_id)
            busy.update((t, weekday, number) for t in teachers)
            pattern.append((weekday, number, unit))
        patterns[class_id] = pattern
    return patterns


def build(session: Session, school: School, size: str, today: date | None = None) -> dict[str, int]:
    from core.toolkit import plugin_settings, school_today

    settings = plugin_settings("gradebook")
    rng = random.Random(11)
    today = today or school_today(school.id, session=session)
    year = current_year(session, school.id)
    assert year is not None
    holidays = list(session.scalars(select(Holiday).where(Holiday.year_id == year.id)))
    terms = list(session.scalars(select(Term).where(Term.year_id == year.id).order_by(Term.number)))
    # Lessons only inside terms: a day between two terms (or after the last) belongs to no journal.
    days = [d for d in lesson_days(year.starts_on, year.ends_on, holidays) if any(t.contains(d) for t in terms)]
    subjects = {s.id: s.name for s in session.scalars(select(Subject).where(Subject.school_id == school.id))}
    classes = list(session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id)))
    assignments = list(session.scalars(select(TeachingAssignment).where(TeachingAssignment.school_id == school.id)))
    by_class: dict[int, list[Any]] = defaultdict(list)
    for a in assignments:
        by_class[a.class_id].append(a)
    students_of_class: dict[int, list[int]] = defaultdict(list)
    for class_id, student_id in session.execute(
        select(ClassMembership.class_id, ClassMembership.student_id).where(ClassMembership.school_id == school.id)
    ):
        students_of_class[class_id].append(student_id)
    members_of_subgroup: dict[int, list[int]] = defaultdict(list)
    for sg_id, student_id in session.execute(select(SubgroupMember.subgroup_id, SubgroupMember.student_id)):
        members_of_subgroup[sg_id].append(student_id)
    ability = {s: rng.uniform(2.9, 4.9) for ids in students_of_class.values() for s in ids}
    density = 0.55 if size == "full" else 0.3

    patterns = _weekly_patterns(by_class)
    lesson_rows: list[dict[str, Any]] = []
    plan_rows: list[dict[str, Any]] = []
    for school_class in classes:
        pattern = patterns[school_class.id]
        counters: dict[tuple[int, int | None], int] = defaultdict(int)
        for day in days:
            for weekday, number, unit in pattern:
                if day.weekday() != weekday:
                    continue
                for a in unit:
                    key = (a.subject_id, a.subgroup_id)
                    counters[key] += 1
                    n = counters[key]
                    past = day <= today
                    lesson_rows.append({
                        "school_id": school.id, "class_id": school_class.id, "subgroup_id": a.subgroup_id,
                        "subject_id": a.subject_id, "teacher_id": a.teacher_id, "date": day, "number": number,
                        "topic": _topic(subjects[a.subject_id], n) if past else "",
                        "summary": "", "control_work_type": "test" if n % 10 == 0 else None,
                    })
        for (subject_id, subgroup_id), total in counters.items():
            plan_rows += [{"school_id": school.id, "class_id": school_class.id, "subject_id": subject_id,
                           "subgroup_id": subgroup_id, "position": n, "topic": _topic(subjects[subject_id], n),
                           "hours": 1} for n in range(1, total + 1)]
    lesson_ids = insert_with_ids(session, Lesson, lesson_rows)
    session.execute(insert(LessonPlanItem.__table__), plan_rows)

    homework_rows, mark_rows = [], []
    unmarked_classes = {c.id for c in classes if c.grade_level in UNMARKED_GRADES}
    for lesson_id, row in zip(lesson_ids, lesson_rows, strict=True):
        if row["date"] > today:
            continue
        if rng.random() < 0.7:
            homework_rows.append({"school_id": school.id, "lesson_id": lesson_id,
                                  "text": f"§ {rng.randint(1, 40)}, № {rng.randint(1, 300)}–{rng.randint(301, 600)}",
                                  "due_date": row["date"] + timedelta(days=2)})
        if row["class_id"] in unmarked_classes:
            continue  # first grade is not marked: the demo obeys the school's rule
        pupils = members_of_subgroup[row["subgroup_id"]] if row["subgroup_id"] else students_of_class[row["class_id"]]
        control = row["control_work_type"]
        for student_id in pupils:
            if not control and rng.random() > density:
                continue
            value = max(2, min(5, round(rng.gauss(ability[student_id], 0.75))))
            mark_rows.append({"school_id": school.id, "lesson_id": lesson_id, "student_id": student_id,
                              "value": str(value), "numeric": float(value),
                              "work_type": control or rng.choice(WORK_TYPES_IN_CLASS), "comment": "",
                              "created_by": row["teacher_id"], "updated_by": row["teacher_id"]})
    if homework_rows:
        session.execute(insert(Homework.__table__), homework_rows)
    insert_with_ids(session, Mark, mark_rows)

    # Final marks of the terms whose lock date has passed, from the same averages the journal shows.
    final_rows = []
    closed = [t for t in terms if t.closes_on < today]
    if closed:
        marks_by: dict[tuple[int, int, int, int], list[tuple[str, float, str]]] = defaultdict(list)
        lesson_by_id = {r["id"]: r for r in lesson_rows}
        for m in mark_rows:
            lesson = lesson_by_id[m["lesson_id"]]
            for t in closed:
                if t.starts_on <= lesson["date"] <= t.ends_on:
                    marks_by[(t.id, lesson["class_id"], lesson["subject_id"], m["student_id"])].append(
                        (m["value"], m["numeric"], m["work_type"]))
        for (term_id, class_id, subject_id, student_id), marks in marks_by.items():
            average = average_of(marks, settings)
            final = average.forecast
            if final is not None:
                teacher = next((a.teacher_id for a in by_class[class_id] if a.subject_id == subject_id), None)
                final_rows.append({"school_id": school.id, "class_id": class_id, "subject_id": subject_id,
                                   "student_id": student_id, "term_id": term_id, "value": str(final),
                                   "numeric": float(final), "forecast": average.value, "set_by": teacher})
        if final_rows:
            session.execute(insert(FinalMark.__table__), final_rows)
    return {"lessons": len(lesson_rows), "marks": len(mark_rows), "final_marks": len(final_rows)}
