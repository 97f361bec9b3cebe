"""The marks page: every mark of the term, the weighted average explained with its numbers, final marks,
the class's teachers, terms, holidays and the tests ahead."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from core.toolkit import hookimpl
from tests.plugins.diary.conftest import school_today


def _term_and_lessons(session, class_id):
    from core.toolkit import SchoolClass
    from plugins.diary.services import current_term
    from plugins.gradebook.models import Lesson

    term = current_term(session, session.get(SchoolClass, class_id).school_id, school_today())
    lessons = session.scalars(select(Lesson).where(Lesson.class_id == class_id, Lesson.subgroup_id.is_(None),
                                                   Lesson.date >= term.starts_on, Lesson.date <= term.ends_on)
                              .order_by(Lesson.date)).all()
    return term, lessons


def test_marks_page_explains_the_weighted_average(login_as, session, people):
    from core.toolkit import Subject
    from plugins.gradebook.models import FinalMark, Lesson, Mark

    kid = next(k for k in people.kids if k.id in {s.id for s in people.in_5a})
    math = session.scalar(select(Subject).where(Subject.name == "Математика"))
    term, lessons = _term_and_lessons(session, people.classes["5А"].id)
    math_lessons = [x for x in lessons if x.subject_id == math.id][:3]
    assert len(math_lessons) == 3
    # Exactly three marks in mathematics this term: 5 (answer, weight 1), 4 (test, weight 2), н/а (not counted).
    session.execute(delete(Mark).where(Mark.student_id == kid.id, Mark.lesson_id.in_(
        select(Lesson.id).where(Lesson.subject_id == math.id, Lesson.date >= term.starts_on,
                                Lesson.date <= term.ends_on))))
    for lesson, value, numeric, work_type in zip(math_lessons, ["5", "4", "н/а"], [5.0, 4.0, None],
                                                 ["answer", "test", "answer"], strict=True):
        session.add(Mark(school_id=kid.school_id, lesson_id=lesson.id, student_id=kid.id, value=value,
                         numeric=numeric, work_type=work_type))
    session.add(FinalMark(school_id=kid.school_id, class_id=people.classes["5А"].id, subject_id=math.id,
                          student_id=kid.id, term_id=term.id, value="4", numeric=4.0))
    session.commit()
    page = login_as("guardian").get(f"/diary/{kid.id}/marks?term={term.id}").text
    card = page[page.index("<h3>Математика</h3>"):]
    card = card[:card.index("</section>")]
    assert "Средний балл: <b>4,33</b>" in card  # (5×1 + 4×2) / 3
    assert "(5×1 + 4×2) / (1 + 2) = 13 / 3 = 4,33" in card
    assert "не учитывается" in card  # н/а enters no average
    assert "Прогноз: <b>4</b>" in card and "За период: <b>4</b>" in card
    assert "пороги: ≥ 4,65 → 5; ≥ 3,65 → 4; ≥ 2,65 → 3" in card
    assert people.teacher.short_name in card  # the class's mathematics teacher
    assert "Учителя класса" in page and "Классный руководитель" in page
    assert "Осенние каникулы" in page and "1 четверть" in page
    api = login_as("guardian").get(f"/api/v1/diary/{kid.id}/marks?term_id={term.id}").json
    subject = next(s for s in api["subjects"] if s["subject"] == "Математика")
    assert (subject["average"], subject["forecast"], subject["final"]) == (4.33, 4, "4")
    assert [m["value"] for m in subject["marks"]] == ["5", "4", "н/а"]


def test_tests_ahead_come_from_the_journal(login_as, session, people):
    kid = next(k for k in people.kids if k.id in {s.id for s in people.in_5a})
    term, lessons = _term_and_lessons(session, people.classes["5А"].id)
    future = [x for x in lessons if x.date > school_today()]
    if not future:
        return  # the term ends today: nothing ahead to show
    future[0].control_work_type = "dictation"
    session.commit()
    page = login_as("guardian").get(f"/diary/{kid.id}/marks?term={term.id}").text
    block = page[page.index("График контрольных работ"):]
    assert "Диктант" in block


class FakePlanner:
    @hookimpl
    def extra_diary_test_schedule(self, session, school_id, class_id, start, end):
        return [{"date": school_today() + timedelta(days=1), "subject": "Физика", "title": "Всероссийская проверочная работа"}]


def test_hook_extra_diary_test_schedule(app, login_as, people):
    app.extensions["klass"].pm.register(FakePlanner(), name="fake_planner")
    kid = people.kids[0]
    page = login_as("guardian").get(f"/diary/{kid.id}/marks").text
    assert "Всероссийская проверочная работа" in page


def test_unknown_term_is_404_and_422_in_the_api(login_as, people):
    client = login_as("guardian")
    kid = people.kids[0]
    assert client.get(f"/diary/{kid.id}/marks?term=999999").status_code == 404
    response = client.get(f"/api/v1/diary/{kid.id}/marks?term_id=999999")
    assert response.status_code == 422
    assert response.json["error"]["message"] == "Нет такого учебного периода."
    bad = client.get(f"/api/v1/diary/{kid.id}/marks?term_id=abc")
    assert bad.status_code == 422 and "term_id" in bad.json["error"]["fields"]


def test_the_gradebooks_explanation_is_linked(login_as, people):
    kid = people.kids[0]
    page = login_as("guardian").get(f"/diary/{kid.id}/marks").text
    link = page.index("Подробнее в электронном журнале")
    href = page[page.rindex('href="', 0, link) + 6:link].split('"')[0].replace("&amp;", "&")
    assert href.startswith("/gradebook/explain?") and f"student_id={kid.id}" in href and "subject_id=" in href
    explained = login_as("guardian").get(href)
    assert explained.status_code == 200
