"""The family's week: what is on it, what it costs, and the hooks that fill it in."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from core.toolkit import hookimpl
from tests.conftest import csrf_token
from tests.plugins.diary.conftest import monday, school_today


@pytest.fixture
def lesson_week(session, people):
    """The latest whole-class lesson of the first child's class held by today, and its Monday."""
    from plugins.gradebook.models import Lesson

    kid = next(k for k in people.kids if k.id in {s.id for s in people.in_5a})
    lesson = session.scalar(select(Lesson).where(Lesson.class_id == people.classes["5А"].id,
                                                 Lesson.subgroup_id.is_(None), Lesson.date <= school_today())
                            .order_by(Lesson.date.desc(), Lesson.number.desc()))
    return kid, lesson, monday(lesson.date)


def test_week_shows_lessons_marks_homework_attendance_and_remarks(login_as, session, people, lesson_week):
    from plugins.attendance.models import AttendanceMark
    from plugins.diary.models import Remark
    from plugins.gradebook.models import Homework, HomeworkFile, Mark

    kid, lesson, week = lesson_week
    session.add(Mark(school_id=lesson.school_id, lesson_id=lesson.id, student_id=kid.id, value="4+", numeric=4.25,
                     work_type="test", comment="Аккуратное оформление"))
    session.merge(AttendanceMark(school_id=lesson.school_id, lesson_id=lesson.id, student_id=kid.id, code="о",
                                 minutes_late=7, reason=""))
    homework = session.scalar(select(Homework).where(Homework.lesson_id == lesson.id)) or Homework(
        school_id=lesson.school_id, lesson_id=lesson.id)
    homework.text = "Выучить правило на с. 42"
    session.add(homework)
    session.flush()
    session.add(HomeworkFile(school_id=lesson.school_id, homework_id=homework.id, filename="карточка.docx",
                             content_type="application/octet-stream", size=3, data=b"abc"))
    session.add(Remark(school_id=lesson.school_id, student_id=kid.id, class_id=lesson.class_id,
                       author_id=people.teacher.id, kind="praise", text="Лучшая работа в классе", day=lesson.date))
    session.commit()

    page = login_as("guardian").get(f"/diary/{kid.id}?week={week}").text
    assert "Выучить правило на с. 42" in page and "карточка.docx" in page
    assert "<b>4+</b><small>Контрольная работа</small>" in page
    assert "«Аккуратное оформление»" in page
    assert 'title="опоздал">о<small>7′</small>' in page
    assert "Лучшая работа в классе" in page and "Похвала" in page
    assert lesson.topic in page


def test_today_comes_first_on_a_phone(login_as, people):
    page = login_as("guardian").get(f"/diary/{people.kids[0].id}").text
    today = school_today()
    if today.weekday() < 5:
        assert 'class="d-day today' in page and f'id="d-{today.isoformat()}"' in page
    from pathlib import Path

    css = (Path(__file__).parents[3] / "plugins/diary/static/diary/diary.css").read_text()
    assert ".d-day.today { order: -1; }" in css  # inside the narrow-screen media query


def test_previous_and_next_week(login_as, people, lesson_week):
    kid, _lesson, week = lesson_week
    page = login_as("guardian").get(f"/diary/{kid.id}?week={week + timedelta(days=3)}").text  # any day of it
    assert f"?week={week - timedelta(days=7)}" in page and f"?week={week + timedelta(days=7)}" in page


def _count_statements(app, client, url):
    """Statements a request sends to the database, with the signed-in user loaded afresh as in production
    (transaction control such as SAVEPOINT is not a query)."""
    statements: list[str] = []
    bind = app.extensions["klass"].engine

    def listener(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")):
            statements.append(statement)

    app.extensions["klass"].session.remove()
    event.listen(bind, "before_cursor_execute", listener)
    try:
        response = client.get(url)
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    assert response.status_code == 200
    return statements


def test_week_page_costs_a_fixed_number_of_statements_whatever_the_data(app, login_as, session, people, lesson_week):
    from plugins.gradebook.models import Lesson, Mark

    kid, _lesson, week = lesson_week
    guardian = login_as("guardian")
    assert guardian.get("/").status_code == 200  # the school's settings cached by a page that logs no visit
    first = _count_statements(app, guardian, f"/diary/{kid.id}?week={week}")
    # The first view of the day records the visit (one INSERT that ignores a row already there); the
    # views after it send no statement for the visit log.
    assert sum("INSERT INTO diary_visit" in s for s in first) == 1, first
    before = _count_statements(app, guardian, f"/diary/{kid.id}?week={week}")
    # What every family of the class shares (the week's news, the class's events, the lessons' materials,
    # the bells and timetable changes) comes from this process's cache until such data is written
    # (core.content_cache): no statement for it either.
    shared = [s for s in first if any(f"FROM {table}" in s for table in
                                      ("news_item", "class_events_event", "resources_material_use", "timetable_bell"))]
    assert len(shared) == 3 + ("timetable" in app.extensions["klass"].plugins), first
    assert not any("diary_visit" in s or s in shared for s in before), before
    assert len(before) == len(first) - 1 - len(shared), before
    # Ten times the marks in that week: the count does not move.
    lessons = session.scalars(select(Lesson.id).where(Lesson.class_id == people.classes["5А"].id,
                                                      Lesson.date >= week, Lesson.date < week + timedelta(days=7)))
    for lesson_id in lessons:
        for _ in range(3):
            session.add(Mark(school_id=kid.school_id, lesson_id=lesson_id, student_id=kid.id, value="5", numeric=5.0,
                             work_type="answer"))
    session.commit()
    after = _count_statements(app, guardian, f"/diary/{kid.id}?week={week}")
    assert len(before) == len(after), after
    # Blocks other plugins add under the week (news, class events, materials) cost at most two statements
    # each when not cached (the items, and e.g. the participants of class events when there are any).
    pm = app.extensions["klass"].pm
    enabled = [i.plugin_name for i in pm.hook.extra_diary_sections.get_hookimpls()]
    added = [s for s in first if any(f"FROM {p}_" in s or f"JOIN {p}_" in s for p in enabled)]
    assert len(added) <= 2 * len(enabled), added
    # A cached view: the session with its user, role grants, the school's time zone, settings version and
    # content token (the core's sign-in, one statement) and the week's one SELECT.
    assert len(after) == 2, after
    student = login_as("student")
    assert len(_count_statements(app, student, "/diary/")) <= len(first)


def test_family_views_go_to_the_visit_log_once_a_day_staff_views_do_not(login_as, session, people):
    from sqlalchemy import delete

    from plugins.diary.models import Visit

    kid = people.kids[0]
    today = school_today()
    session.execute(delete(Visit).where(Visit.student_id == kid.id, Visit.day == today))
    session.commit()

    def todays():
        return session.execute(select(Visit.viewer_id, Visit.viewer_role, Visit.page)
                               .where(Visit.student_id == kid.id, Visit.day == today)).all()

    login_as("guardian").get(f"/diary/{kid.id}")
    login_as("guardian").get(f"/diary/{kid.id}/marks")
    login_as("guardian").get(f"/diary/{kid.id}/remarks")
    # One row for the day, with the first page opened; the class teacher's page counts days, not clicks.
    assert todays() == [(people.guardian.id, "guardian", "week")]
    login_as("class_teacher").get(f"/diary/{kid.id}")
    login_as("deputy").get(f"/diary/{kid.id}")
    assert todays() == [(people.guardian.id, "guardian", "week")]


def test_a_restarted_process_records_the_day_again_without_a_second_row(app, login_as, session, people):
    from plugins.diary.models import Visit

    kid = people.kids[0]
    guardian = login_as("guardian")
    guardian.get(f"/diary/{kid.id}")
    app.extensions.pop("diary.visits")  # what a new worker process starts with
    statements = _count_statements(app, guardian, f"/diary/{kid.id}")
    assert any("INSERT INTO diary_visit" in s for s in statements)
    assert session.scalar(select(func.count(Visit.id)).where(
        Visit.student_id == kid.id, Visit.viewer_id == people.guardian.id, Visit.day == school_today())) == 1


def test_the_periodic_tick_forgets_visits_older_than_the_retention(make_app, session, people):
    from datetime import UTC, datetime

    from core.jobs import run_periodic
    from plugins.diary.models import Visit
    from tests.conftest import all_plugins

    app = make_app(plugins=all_plugins(), settings={"plugins": {"diary": {"visit_retention_days": 30}}})
    kid, guardian = people.kids[0], people.guardian
    today = school_today()
    session.execute(Visit.__table__.delete().where(Visit.student_id == kid.id))
    for age in (10, 31, 200):
        day = today - timedelta(days=age)
        session.add(Visit(school_id=kid.school_id, viewer_id=guardian.id, student_id=kid.id, viewer_role="guardian",
                          page="week", day=day, visited_at=datetime.combine(day, datetime.min.time(), UTC)))
    session.commit()
    run_periodic(app, datetime.now(UTC))
    session.expire_all()
    days = set(session.scalars(select(Visit.day).where(Visit.student_id == kid.id)))
    assert today - timedelta(days=10) in days
    assert not {d for d in days if d < today - timedelta(days=30)}


def test_guardian_confirms_the_week_and_the_class_teacher_sees_it(login_as, session, people):
    kid = next(k for k in people.kids if k.id in {s.id for s in people.in_5a})
    guardian = login_as("guardian")
    week = monday()
    page = guardian.get(f"/diary/{kid.id}?week={week}").text
    from plugins.diary.models import Acknowledgement

    session.execute(Acknowledgement.__table__.delete().where(
        Acknowledgement.guardian_id == people.guardian.id, Acknowledgement.week_start == week))
    session.commit()
    page = guardian.get(f"/diary/{kid.id}?week={week}").text
    assert "Ознакомлен(а) с неделей" in page
    response = guardian.post(f"/diary/{kid.id}/acknowledge?week={week}", data={"csrf_token": csrf_token(page)},
                             follow_redirects=True)
    assert "классный руководитель увидит, что вы ознакомились" in response.text
    assert "Вы подтвердили ознакомление с неделей" in response.text
    # Twice is still once.
    guardian.post(f"/diary/{kid.id}/acknowledge?week={week}", data={"csrf_token": csrf_token(page)})
    assert session.scalar(select(func.count(Acknowledgement.id)).where(
        Acknowledgement.guardian_id == people.guardian.id, Acknowledgement.student_id == kid.id,
        Acknowledgement.week_start == week)) == 1
    class_page = login_as("class_teacher").get(f"/diary/classes/{people.classes['5А'].id}?week={week}").text
    row = class_page[class_page.index(people.guardian.full_name):][:600]
    assert "✓" in row


class FakeTimetable:
    """Stands in for the timetable plugin."""

    @hookimpl
    def extra_diary_timetable(self, session, school_id, class_id, student_id, week_start, week_end, subgroup_ids):
        return {"bells": {1: ("08:30", "09:15"), 2: ("09:25", "10:10")},
                "changes": [{"date": week_start, "number": 2, "kind": "substitution",
                             "text": "Замена: ведёт Иванова И. И."}]}

    @hookimpl
    def extra_diary_sections(self, session, school_id, student_id, class_id, week_start):
        return [{"title": "Классный час", "html": "<b>Пятница, 14:00</b>", "weight": 1}]


def test_hook_extra_diary_timetable(app, login_as, people, lesson_week):
    app.extensions["klass"].pm.register(FakeTimetable(), name="fake_timetable")
    kid, _lesson, week = lesson_week
    page = login_as("guardian").get(f"/diary/{kid.id}?week={week}").text
    assert "<small>08:30–09:15</small>" in page
    assert "Замена: ведёт Иванова И. И." in page
    api = login_as("guardian").get(f"/api/v1/diary/{kid.id}/week?week={week}").json
    first = next(lesson for day in api["days"] for lesson in day["lessons"] if lesson["number"] == 1)
    assert first["time"] == "08:30–09:15"


def test_hook_extra_diary_sections(app, login_as, people):
    app.extensions["klass"].pm.register(FakeTimetable(), name="fake_timetable")
    page = login_as("guardian").get(f"/diary/{people.kids[0].id}").text
    assert "Классный час" in page
    assert "&lt;b&gt;Пятница, 14:00&lt;/b&gt;" in page  # a plain string is escaped; Markup would not be


def test_guardian_without_children_gets_a_clear_page(login_as, session, people):
    from core.toolkit import GuardianLink

    session.execute(GuardianLink.__table__.delete().where(GuardianLink.guardian_id == people.guardian.id))
    session.commit()
    page = login_as("guardian").get("/diary/")
    assert page.status_code == 200
    assert "пока не привязаны дети" in page.text


def test_an_absence_links_to_the_attendance_note_form(login_as, session, people, lesson_week):
    from plugins.attendance.models import AttendanceMark

    kid, lesson, week = lesson_week
    session.merge(AttendanceMark(school_id=lesson.school_id, lesson_id=lesson.id, student_id=kid.id, code="н",
                                 reason=""))
    session.commit()
    guardian = login_as("guardian")
    page = guardian.get(f"/diary/{kid.id}?week={week}").text
    link = f"/attendance/notes?student_id={kid.id}&amp;day={lesson.date.isoformat()}"
    assert f'title="отсутствовал">н</span><a class="d-note" href="{link}">Сообщить причину пропуска</a>' in page
    # The form opens with the child and the day of the «н» filled in.
    form = guardian.get(link.replace("&amp;", "&")).text
    assert f'<option selected value="{kid.id}">' in form or f'value="{kid.id}" selected' in form
    assert form.count(f'value="{lesson.date.isoformat()}"') == 2  # from and to
    assert "/attendance/notes" not in login_as("class_teacher").get(f"/diary/{kid.id}?week={week}").text
