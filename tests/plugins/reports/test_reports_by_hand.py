"""The reports on a small class whose figures were worked out by hand: final marks before forecasts,
weighted forecasts, the accumulation rule, the risks, journal timeliness and its links to fix things."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.models import User
from plugins.attendance.models import LessonRollCall
from plugins.gradebook.models import Homework
from plugins.reports import registry
from tests.plugins.reports.reports_helpers import page_tables, school_days_before, workbook


def _deputy(session, demo_school):
    return session.scalar(select(User).where(User.login == demo_school["accounts"]["deputy"]))


def _run(session, user, key, **params):
    definition = registry.all_reports()[key]
    result, _values = registry.execute(session, definition, params, user)
    return result


def _progress_class(crafted, demo):
    """A 5 5 5 · B 5 4 4 · C 3 4 5 · D 2 3 4 · E н/а 4 5, with C's 3 and E's 5 being forecasts."""
    for key, name in (("a", "Алексеев"), ("b", "Борисов"), ("c", "Васильев"), ("d", "Григорьев"), ("e", "Дмитриев")):
        crafted.student(key, name)
    finals = {"a": ("5", "5", "5"), "b": ("5", "4", "4"), "c": (None, "4", "5"), "d": ("2", "3", "4"),
              "e": ("н/а", "4", None)}
    for student, marks in finals.items():
        for subject, value in zip(("math", "russian", "history"), marks, strict=True):
            if value:
                crafted.final(student, subject, demo.term_id, value)
    day = max(demo.term_start, demo.today - timedelta(days=3))
    first, second = crafted.lesson("math", day), crafted.lesson("history", day)
    crafted.mark(first, "c", "3")
    crafted.mark(first, "c", "3", "homework")
    # E in history: a test 5 (weight 2) and an answer 4 (weight 1): (10 + 4) / 3 = 4.67 ≥ 4.65 → 5;
    # a plain mean (4.5) would have given a 4.
    crafted.mark(second, "e", "5", "test")
    crafted.mark(second, "e", "4", "answer")
    crafted.session.commit()


def test_class_progress_by_hand(session, demo_school, demo, crafted, login_as):
    _progress_class(crafted, demo)
    result = _run(session, _deputy(session, demo_school), "class_progress", class_id=crafted.class_id,
                  term_id=demo.term_id)
    figures = {f.key: f.value for f in result.summary}
    assert figures == {"students": 5, "excellent": 1, "good": 1, "one_three": 1, "failing": 1, "not_certified": 1,
                       "success": 60.0, "quality": 40.0, "average": 4.14, "sou": 67.7}
    table = result.tables[0]
    by_name = {r.values["student"]: r for r in table.rows}
    math, history = (f"s{crafted.subjects[k]}" for k in ("math", "history"))
    assert by_name["Васильев Т."].values[math] == 3 and by_name["Васильев Т."].styles[math] == "forecast"
    assert by_name["Дмитриев Т."].values[history] == 5
    assert by_name["Дмитриев Т."].values[math] == "н/а"
    averages, success, quality, sou = table.totals
    assert averages.values[math] == 3.75 and success.values[math] == 60.0
    assert quality.values[math] == 40.0 and sou.values[math] == 51.8

    # The page and the spreadsheet show the same hand-computed figures.
    client = login_as("deputy")
    page = client.get(f"/reports/class_progress?run=1&class_id={crafted.class_id}&term_id={demo.term_id}")
    _tables, shown = page_tables(page.text)
    assert (shown["success"], shown["quality"], shown["average"], shown["sou"]) == ("60,0", "40,0", "4,14", "67,7")
    book = workbook(client.get(f"/reports/class_progress/export.xlsx?class_id={crafted.class_id}"
                               f"&term_id={demo.term_id}").data)
    values = {row[0].value: row[1].value for row in book.worksheets[0].iter_rows() if row[0].value}
    assert values["Качество знаний, %"] == 40.0 and values["Степень обученности (СОУ), %"] == 67.7


def test_whole_school_progress_counts_the_crafted_class(session, demo_school, demo, crafted):
    _progress_class(crafted, demo)
    result = _run(session, _deputy(session, demo_school), "class_progress", term_id=demo.term_id)
    row = next(r for r in result.tables[0].rows if r.values["class"] == "10Я")
    assert (row.values["students"], row.values["success"], row.values["quality"], row.values["sou"]) == \
        (5, 60.0, 40.0, 67.7)
    total = result.tables[0].totals[0]
    assert total.values["students"] == sum(r.values["students"] for r in result.tables[0].rows)


def test_accumulation_rule_on_lessons(session, demo_school, demo, crafted):
    for key, name in (("x", "Иксов"), ("y", "Игреков"), ("z", "Зетов")):
        crafted.student(key, name)
    days = school_days_before(demo.today, 6)
    lessons = [crafted.lesson("math", d) for d in days]
    crafted.mark(lessons[0], "x", "5")  # only on the first lesson: none in the last five
    crafted.mark(lessons[4], "y", "4")
    crafted.mark(lessons[3], "z", "4")
    crafted.mark(lessons[5], "z", "5")
    # W came to the class for the last three lessons only: not judged yet
    crafted.student("w", "Новенький", starts_on=days[3])
    session.commit()
    deputy = _deputy(session, demo_school)

    def flagged(k):
        result = _run(session, deputy, "mark_accumulation", class_id=crafted.class_id, lessons=5, min_marks=k,
                      on=demo.today.isoformat())
        return {r.values["student"]: r for r in result.tables[0].rows if r.values["subject"] == "Математика"}

    one = flagged(1)
    assert set(one) == {"Иксов Т."}
    assert one["Иксов Т."].values["teacher"] == "Проверкина В. И."  # the teacher to tell
    assert (one["Иксов Т."].values["lessons"], one["Иксов Т."].values["marks"]) == (5, 0)
    link = one["Иксов Т."].links["subject"]
    assert link.kind == "journal" and link.args["class_id"] == crafted.class_id
    assert set(flagged(2)) == {"Иксов Т.", "Игреков Т."}


def test_forecast_flags_the_students_at_risk(session, demo_school, demo, crafted, login_as):
    crafted.student("f", "Фёдоров")
    crafted.student("g", "Гусев")
    day = max(demo.term_start, demo.today - timedelta(days=1))
    lesson = crafted.lesson("math", day)
    for value in ("2", "3", "2", "3"):  # (2 + 3 + 2 + 3) / 4 = 2.5 < 2.65 → forecast 2
        crafted.mark(lesson, "f", value)
    for value in ("3", "3", "3", "2"):  # 2.75: a 3, but within 0.25 of the threshold
        crafted.mark(lesson, "g", value)
    session.commit()
    result = _run(session, _deputy(session, demo_school), "final_forecast", class_id=crafted.class_id,
                  term_id=demo.term_id)
    rows = {(r.values["student"], r.values["subject"]): r for r in result.table.rows}
    failing = rows[("Фёдоров Т.", "Математика")]
    assert (failing.values["average"], failing.values["forecast"], failing.values["risk"]) == \
        (2.5, 2, "Прогноз «2»")
    assert rows[("Гусев Т.", "Математика")].values["risk"] == "На грани «2»"
    page = login_as("deputy").get(f"/reports/final_forecast?run=1&class_id={crafted.class_id}")
    assert "Прогноз «2»" in page.text and "Фёдоров Т." in page.text


def test_timeliness_flags_late_and_missing_entries_with_links_to_fix_them(session, demo_school, demo, crafted,
                                                                          login_as):
    crafted.student("s", "Смирнов")
    day = school_days_before(demo.today, 4)[0]
    at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
    lesson = crafted.lesson("history", day, topic="Реформы Петра I", topic_entered_at=at)
    session.add(Homework(school_id=demo.school_id, lesson_id=lesson.id, text="§ 5",
                         created_at=at + timedelta(days=3), updated_at=at + timedelta(days=3)))
    on_time = crafted.lesson("russian", day, topic="Причастие", topic_entered_at=at)
    session.add(Homework(school_id=demo.school_id, lesson_id=on_time.id, text="упр. 1", created_at=at, updated_at=at))
    session.add(LessonRollCall(lesson_id=on_time.id, school_id=demo.school_id, taken_by=crafted.teacher.id,
                               taken_at=at))
    crafted.mark(on_time, "s", "5", created_at=at)
    session.commit()
    result = _run(session, _deputy(session, demo_school), "journal_timeliness", class_id=crafted.class_id,
                  start=day.isoformat(), end=demo.today.isoformat(), days=1)
    teachers, lessons = result.tables
    assert len(lessons.rows) == 1
    row = lessons.rows[0]
    assert (row.values["topic"], row.values["homework"], row.values["attendance"], row.values["marks"]) == \
        ("", "с опозданием", "не заполнено", "не заполнено")
    assert row.links["attendance"].kind == "roll_call" and row.links["attendance"].args == {"lesson_id": lesson.id}
    assert teachers.rows[0].values["teacher"] == "Проверкина В. И."
    assert (teachers.rows[0].values["lessons"], teachers.rows[0].values["on_time"]) == (2, 50.0)

    # From finding to fixing in one click: the page links to the roll call and to the journal.
    page = login_as("deputy").get(f"/reports/journal_timeliness?run=1&class_id={crafted.class_id}"
                                  f"&start={day.isoformat()}&days=1")
    tables, _figures = page_tables(page.text)
    cells = tables["lessons"]["body"][0]
    hrefs = [c["href"] for c in cells if c["href"]]
    assert any(h.startswith(f"/attendance/lessons/{lesson.id}") for h in hrefs)
    journal = next(h for h in hrefs if "/gradebook/journal" in h)
    assert f"class_id={crafted.class_id}" in journal and f"subject_id={crafted.subjects['history']}" in journal
    assert "term_id=" in journal
