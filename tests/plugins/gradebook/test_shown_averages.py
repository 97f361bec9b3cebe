"""Issue 12's numbers: 20 fives and 11 fours show «4,65» (forecast 5), 5 fives and 3 fours «4,63»,
the same from the save endpoint, on the journal page after a reload and on the explanation page."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, select

from core.config import load_settings
from plugins.gradebook.explanations import explain_average
from plugins.gradebook.models import Lesson, Mark
from tests.conftest import csrf_token

API = "/api/v1/gradebook"


def _fresh_row(demo):
    """The first student's mathematics of the first term, with the demo's marks removed."""
    term, student = demo.terms[0], demo.students[0]
    lessons = [lesson for lesson in demo.lessons() if term.starts_on <= lesson.date <= term.ends_on]
    demo.session.execute(delete(Mark).where(Mark.student_id == student.id,
                                            Mark.lesson_id.in_([lesson.id for lesson in lessons])))
    demo.session.commit()
    return term, student, lessons


def _type_marks(client, lessons, student, marks):
    """Save the marks through the grid's endpoint, three to a cell; returns the last answer's JSON."""
    answer = None
    for n, start in enumerate(range(0, len(marks), 3)):
        response = client.put(f"{API}/cells", json={"lesson_id": lessons[n].id, "student_id": student.id,
                                                    "values": marks[start:start + 3], "known": [],
                                                    "work_type": "answer"})
        assert response.status_code == 200, response.json
        answer = response.json
    return answer


@pytest.mark.parametrize("marks,text,forecast", [(["5"] * 20 + ["4"] * 11, "4,65", 5),
                                                 (["5"] * 5 + ["4"] * 3, "4,63", 4)])
def test_save_endpoint_journal_and_explanation_show_the_same_average(demo, login_as, marks, text, forecast):
    term, student, lessons = _fresh_row(demo)
    client = login_as("deputy")
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client.get("/account/tokens").text)
    answer = _type_marks(client, lessons, student, marks)
    assert (answer["average_text"], answer["forecast"]) == (text, forecast)
    assert answer["average"] == float(text.replace(",", "."))

    journal = client.get(f"/gradebook/journal?class_id={demo.class_5a.id}&subject_id={demo.math.id}"
                         f"&term_id={term.id}").text
    row = re.search(rf'<tr data-s="{student.id}">(.*?)</tr>', journal, re.S).group(1)
    assert f">{text}</a></td><td class=\"fc num forecast\" title=\"Прогноз, а не отметка\">{forecast}</td>" in row

    explanation = client.get(f"/gradebook/explain?student_id={student.id}&subject_id={demo.math.id}"
                             f"&term_id={term.id}&class_id={demo.class_5a.id}").text
    assert f"{text} → {forecast}" in explanation


@pytest.mark.parametrize("marks,text,forecast", [(["5"] * 20 + ["4"] * 11, "4,65", 5),
                                                 (["5"] * 5 + ["4"] * 3, "4,63", 5)])
def test_netschool_thresholds(demo, marks, text, forecast, today):
    """«Сетевой Город» profile: a 5 from 4,60; the explanation (the diary's and reports' source) agrees."""
    from plugins.gradebook.mark_saving import set_cell

    settings = {**demo.settings, **load_settings("netschool")["plugins"]["gradebook"]}
    assert settings["thresholds"]["5"] == 4.6
    term, student, lessons = _fresh_row(demo)
    editor = demo.editor(user=demo.deputy, today=today)
    for n, start in enumerate(range(0, len(marks), 3)):
        set_cell(demo.session, settings, editor, lesson_id=lessons[n].id, student_id=student.id,
                 values=marks[start:start + 3], known=[], work_type="answer")
    e = explain_average(demo.session, settings, class_id=demo.class_5a.id, subject_id=demo.math.id,
                        student_id=student.id, start=term.starts_on, end=term.ends_on)
    assert (e.average.text, e.forecast) == (text, forecast)
    assert demo.session.scalar(select(Lesson.id).where(Lesson.id == lessons[0].id)) is not None
