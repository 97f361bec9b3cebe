"""The diary with the timetable and the office switched on: bell times, substitutions and cancellations
in the family's week, the test calendar on the marks page, paper statements pre-selected from consents."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.plugins.diary.conftest import monday, school_today


@pytest.fixture
def week_lessons(session, people):
    """The first 5А child and the whole-class lessons of a school week that has some."""
    from plugins.gradebook.models import Lesson

    kid = next(k for k in people.kids if k.id in {s.id for s in people.in_5a})
    last = session.scalar(select(Lesson.date).where(Lesson.class_id == people.classes["5А"].id,
                                                    Lesson.date <= school_today() + timedelta(days=14))
                          .order_by(Lesson.date.desc()))
    week = monday(last)
    lessons = session.scalars(select(Lesson).where(
        Lesson.class_id == people.classes["5А"].id, Lesson.subgroup_id.is_(None), Lesson.date >= week,
        Lesson.date < week + timedelta(days=7)).order_by(Lesson.date, Lesson.number)).all()
    return kid, week, lessons


def test_bell_times_and_a_substitution_in_the_week(login_as, session, people, week_lessons):
    from plugins.timetable import lesson_changes as timetable

    kid, week, lessons = week_lessons
    lesson = next(x for x in lessons if x.teacher_id != people.class_teacher.id)
    timetable.substitute(session, kid.school_id, lesson, people.class_teacher.id, "Больничный")
    session.commit()
    page = login_as("guardian").get(f"/diary/{kid.id}?week={week}").text
    assert "<small>08:30–" in page or "<small>08:00–" in page  # the school's default bells
    assert f"Замена: {people.class_teacher.short_name}" in page and "(Больничный)" in page


def test_cancelled_lesson_is_told_under_its_day(login_as, session, people, week_lessons):
    from core.toolkit import Subject
    from plugins.timetable import lesson_changes as timetable

    kid, week, lessons = week_lessons
    future = [x for x in lessons if x.date > school_today()]
    assert future, "the fixed clock (a Wednesday) leaves lessons ahead in the week"
    lesson = future[-1]
    subject = session.get(Subject, lesson.subject_id).name
    timetable.cancel(session, kid.school_id, lesson, "Экскурсия")
    session.commit()
    page = login_as("guardian").get(f"/diary/{kid.id}?week={week}").text
    assert f"{lesson.number}. {subject}: " in page and "(Экскурсия)" in page


def test_the_test_calendar_on_the_marks_page(login_as, session, people):
    from core.toolkit import Subject
    from plugins.timetable.models import Assessment

    kid = next(k for k in people.kids if k.id in {s.id for s in people.in_5a})
    math = session.scalar(select(Subject).where(Subject.name == "Математика"))
    session.add(Assessment(school_id=kid.school_id, class_id=people.classes["5А"].id, subject_id=math.id,
                           date=school_today() + timedelta(days=1), kind="test", title="Итоговая по дробям"))
    session.commit()
    page = login_as("guardian").get(f"/diary/{kid.id}/marks").text
    block = page[page.index("График контрольных работ"):]
    assert "Итоговая по дробям" in block


def test_paper_consents_preselect_statements(login_as, session, people):
    from core.toolkit import GuardianLink
    from plugins.office.models import Consent

    paper_kid = people.in_5a[4]
    guardian_id = session.scalar(select(GuardianLink.guardian_id).where(GuardianLink.student_id == paper_kid.id))
    in_class = [s.id for s in people.in_5a]
    session.execute(Consent.__table__.delete().where(Consent.guardian_id.in_(
        select(GuardianLink.guardian_id).where(GuardianLink.student_id.in_(in_class)))))
    session.add(Consent(school_id=paper_kid.school_id, guardian_id=guardian_id, processing=True, electronic=False))
    session.commit()
    page = login_as("class_teacher").get(f"/diary/classes/{people.classes['5А'].id}/statements").text
    assert f'value="{paper_kid.id}" checked' in page and page.count(" checked>") == 1
