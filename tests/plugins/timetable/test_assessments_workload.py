"""Issue 6, "done when": workload over the limit and too many tests in a week are flagged."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from plugins.gradebook.public import Lesson
from plugins.timetable.assessments import assessments_between, warnings_for
from plugins.timetable.models import Assessment, TimetableVersion
from plugins.timetable.workload import class_loads, teacher_loads
from tests.conftest import post_form, sign_in
from tests.plugins.timetable.tt_helpers import bearer, class_id, future_week, subject_id


def _plan(client, data):
    return post_form(client, "/timetable/assessments", data, page="/timetable/assessments")


def test_too_many_tests_in_a_week_and_a_day_are_flagged(app, session, login_as, demo_school):
    school_id = demo_school["school_id"]
    monday, term = future_week(session, school_id)
    c9a = class_id(session, "9А")
    session.execute(Assessment.__table__.delete().where(Assessment.class_id == c9a))
    session.commit()
    deputy = login_as("deputy")
    subjects = ["Алгебра", "Русский язык", "Физика", "История"]
    for offset, name in enumerate(subjects):
        response = _plan(deputy, {"class_id": c9a, "subject_id": subject_id(session, name),
                                  "date": (monday + timedelta(days=offset)).isoformat(), "number": "",
                                  "kind": "test", "title": f"Контрольная по предмету {name}"})
        assert response.status_code == 302
    page = deputy.get(f"/timetable/assessments?class_id={c9a}&term_id={term.id}").text
    week = f"9А: 4 контрольных на неделе с {monday.strftime('%d.%m.%Y')}, допускается не более 3 в неделю."
    assert week in page
    assert "Контрольная по предмету Физика" in page
    # The fourth test was saved (the deputy decides), with the warning flashed right away.
    assert len(assessments_between(session, school_id, monday, monday + timedelta(days=6), [c9a])) == 4
    # Two tests the same day: over the daily limit of one.
    answer = app.test_client().post("/api/v1/timetable/assessments", json={
        "class_id": c9a, "subject_id": subject_id(session, "Химия"), "date": monday.isoformat(), "kind": "test"},
        headers=bearer(session, demo_school["accounts"]["deputy"]))
    assert answer.status_code == 201
    kinds = {w["kind"]: w["message"] for w in answer.json["warnings"]}
    assert kinds["day"] == f"9А: 2 контрольных {monday.strftime('%d.%m.%Y')}, допускается не более 1 в день."
    assert kinds["week"].startswith("9А: 5 контрольных на неделе")


def test_a_teacher_plans_tests_only_in_own_subjects(app, session, login_as, demo_school):
    monday, _term = future_week(session, demo_school["school_id"])
    teacher = login_as("teacher")  # maths in 5А
    c5a = class_id(session, "5А")
    ok = _plan(teacher, {"class_id": c5a, "subject_id": subject_id(session, "Математика"),
                         "date": monday.isoformat(), "kind": "test", "title": "Дроби"})
    assert ok.status_code == 302
    refused = _plan(teacher, {"class_id": c5a, "subject_id": subject_id(session, "История"),
                              "date": monday.isoformat(), "kind": "test", "title": "Древний Египет"})
    assert refused.status_code == 403
    titles = set(session.scalars(select(Assessment.title).where(Assessment.class_id == c5a)))
    assert "Дроби" in titles and "Древний Египет" not in titles
    # Families see the calendar of their child's class.
    student = login_as("student")
    assert "Дроби" in student.get("/timetable/assessments").text
    assert student.get(f"/timetable/assessments?class_id={class_id(session, '9А')}").status_code == 404


def test_the_demo_term_has_one_overloaded_week(app, session, demo_school):
    from core.models import Term

    school_id = demo_school["school_id"]
    items = list(session.scalars(select(Assessment).where(Assessment.school_id == school_id)))
    assert items
    term = session.get(Term, items[0].term_id)
    warnings = warnings_for(session, school_id, assessments_between(session, school_id, term.starts_on, term.ends_on),
                            app.extensions["klass"].plugins["timetable"].settings)
    assert [(w.kind, w.count) for w in warnings] == [("week", 4)]


def test_workload_over_the_limits_is_flagged(make_app, session, demo_school):
    limited = make_app(plugins=["gradebook", "attendance", "timetable"],
                       settings={"plugins": {"timetable": {"max_weekly_hours": {"5": 20}, "max_teacher_hours": 10}}})
    settings = limited.extensions["klass"].plugins["timetable"].settings
    assert settings["max_weekly_hours"][5] == 20 and settings["max_weekly_hours"][9] == 33
    with limited.app_context():
        s = limited.extensions["klass"].session()
        version = s.scalar(select(TimetableVersion))
        loads = {c.name: c for c in class_loads(s, demo_school["school_id"], version.id, settings)}
        assert loads["5А"].over and loads["5А"].hours == 26 and loads["5А"].limit == 20
        assert not loads["9А"].over and loads["9А"].limit == 33
        teachers = teacher_loads(s, demo_school["school_id"], version.id, settings["max_teacher_hours"])
        assert any(t.over for t in teachers)
        client = sign_in(limited.test_client(), demo_school["accounts"]["deputy"])
        page = client.get("/timetable/workload").text
        assert "выше нормы" in page and "Нормы: максимальная недельная нагрузка по СанПиН 1.2.3685-21" in page
        dashboard = client.get("/").text
        assert "Превышения нагрузки" in dashboard and "5А (26/20)" in dashboard


def test_default_limits_are_the_sanitary_rules(app):
    settings = app.extensions["klass"].plugins["timetable"].settings
    assert settings["max_weekly_hours"] == {1: 21, 2: 23, 3: 23, 4: 23, 5: 29, 6: 30, 7: 32, 8: 33, 9: 33, 10: 34,
                                            11: 34}
    assert (settings["max_tests_per_day"], settings["max_tests_per_week"], settings["max_teacher_hours"]) == (1, 3, 36)


def test_daily_lessons_over_the_limit_are_flagged(app, session, demo_school):
    from plugins.timetable.models import TimetableEntry

    version = session.scalar(select(TimetableVersion))
    c1a = class_id(session, "1А")
    first = session.scalar(select(TimetableEntry).where(TimetableEntry.version_id == version.id,
                                                         TimetableEntry.class_id == c1a, TimetableEntry.weekday == 0))
    for number in (6, 7):
        session.add(TimetableEntry(school_id=first.school_id, version_id=version.id, class_id=c1a,
                                   subject_id=first.subject_id, teacher_id=first.teacher_id, weekday=0, number=number))
    session.flush()
    load = next(c for c in class_loads(session, demo_school["school_id"], version.id,
                                       app.extensions["klass"].plugins["timetable"].settings) if c.class_id == c1a)
    assert load.heavy_days == [0] and load.daily_limit == 5
    assert session.scalar(select(Lesson.id).limit(1)) is not None
