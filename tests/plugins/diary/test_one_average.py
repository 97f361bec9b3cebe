"""One rule for every page (issue 12): marks given through the gradebook's real service show the same
average, rounded half-up to hundredths, and the same forecast in the diary's marks page, the paper
statement and the reports (progress, forecast, student card) as in the journal.

20 fives and 11 fours average 4,645…, shown 4,65: with the threshold 4,65 for a 5 the forecast is 5 (the
raw average would have given 4). 5 fives and 3 fours give 4,625, shown 4,63 (half-up, not 4,62), forecast 4.
The journal grid and the explanation page are the gradebook's own tests.
"""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, select

from tests.plugins.diary.conftest import school_today


@pytest.mark.parametrize(("fives", "fours", "shown", "forecast"), [(20, 11, "4,65", 5), (5, 3, "4,63", 4)])
def test_the_same_average_and_forecast_everywhere(login_as, session, people, fives, fours, shown, forecast):
    from core.toolkit import Subject, User, plugin_settings
    from plugins.diary.documents import settings_from_app, statement_pdf
    from plugins.diary.services import current_term
    from plugins.gradebook.averages import format_number
    from plugins.gradebook.editing import Editor
    from plugins.gradebook.mark_saving import create_mark
    from plugins.gradebook.models import Lesson, Mark
    from plugins.reports.library import common, student_card
    from plugins.reports.registry import user_scope

    gradebook = plugin_settings("gradebook")
    class_id = people.classes["5А"].id
    kid = next(k for k in people.kids if k.id in {s.id for s in people.in_5a})
    math = session.scalar(select(Subject).where(Subject.name == "Математика"))
    term = current_term(session, kid.school_id, school_today())
    lessons = session.scalars(select(Lesson).where(
        Lesson.class_id == class_id, Lesson.subject_id == math.id, Lesson.subgroup_id.is_(None),
        Lesson.date >= term.starts_on, Lesson.date <= min(term.ends_on, school_today())).order_by(Lesson.date)).all()
    session.execute(delete(Mark).where(Mark.student_id == kid.id, Mark.lesson_id.in_(
        select(Lesson.id).where(Lesson.subject_id == math.id, Lesson.date >= term.starts_on,
                                Lesson.date <= term.ends_on))))
    values = ["5"] * fives + ["4"] * fours
    per_lesson = gradebook["max_marks_per_lesson"]
    assert len(lessons) * per_lesson >= len(values)
    editor = Editor(user_id=None, school_id=kid.school_id, today=school_today(), may_edit_any=True)
    for i, value in enumerate(values):
        create_mark(session, gradebook, editor, lesson_id=lessons[i // per_lesson].id, student_id=kid.id,
                    value=value, work_type="answer")
    session.commit()

    # The diary's marks page and its API.
    page = login_as("guardian").get(f"/diary/{kid.id}/marks?term={term.id}").text
    card = page[page.index("<h3>Математика</h3>"):]
    card = card[:card.index("</section>")]
    assert f"Средний балл: <b>{shown}</b>" in card
    assert f"Прогноз: <b>{forecast}</b>" in card

    # The paper statement.
    pdf = statement_pdf(session, kid.school_id, class_id, [kid.id], term.starts_on, term.ends_on,
                        settings_from_app())
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert shown in text

    # The reports: the progress and forecast reports' cell, and the student card.
    deputy = session.get(User, people.deputy.id)
    scope = user_scope(session, deputy)
    for use_finals in (True, False):  # progress (final marks first), forecast (marks only)
        results = common.term_results(session, kid.school_id, term, school_today(), scope, [class_id],
                                      use_finals=use_finals)
        cell = results[0].cells[(kid.id, math.id)]
        if not use_finals:
            assert cell.forecast
        if cell.forecast:
            assert (cell.result, format_number(cell.average)) == (forecast, shown)
    result = student_card.run(session, {"student_id": kid.id, "term_id": term.id}, deputy)
    row = next(r for r in result.tables[0].rows if r.values["subject"] == "Математика")
    assert (format_number(row.values["average"]), row.values["forecast"]) == (shown, forecast)
