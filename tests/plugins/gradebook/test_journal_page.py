"""The journal page: what each role sees, read-only without JavaScript, a fixed number of queries."""
from __future__ import annotations

import json
import re

import pytest


def _url(demo, term, **extra):
    args = {"class_id": demo.class_5a.id, "subject_id": demo.math.id, "term_id": term.id, **extra}
    return "/gradebook/journal?" + "&".join(f"{k}={v}" for k, v in args.items())


def _data(html):
    match = re.search(r'<script type="application/json" id="journal-data">(.*?)</script>', html, re.S)
    assert match, "no grid data on the page"
    return json.loads(match.group(1))


def _rows(html):
    """student id -> the HTML of their row in the table."""
    return dict((int(sid), row) for sid, row in re.findall(r'<tr data-s="(\d+)">(.*?)</tr>', html, re.S))


def test_teacher_sees_students_lessons_marks_and_averages(demo, login_as):
    term = demo.term_of(demo.past_lesson().date)
    client = login_as("teacher")
    page = client.get(_url(demo, term))
    assert page.status_code == 200
    html = page.text
    assert "Журнал: 5А · Математика" in html
    for student in demo.students:
        assert student.last_name in html
    data = _data(html)
    rows = _rows(html)
    assert sorted(rows) == sorted(s.id for s in demo.students)
    # Exactly the term's lessons of the journal, in journal order.
    expected = [lesson.id for lesson in demo.lessons() if term.starts_on <= lesson.date <= term.ends_on]
    assert [row[0] for row in data["lessons"]] == expected
    # The grid travels once: the table (read-only, no JavaScript) carries every mark with its id and
    # version, the same the API's journal answer gives; the page's JSON carries none.
    assert "marks" not in data and "averages" not in data and "students" not in data
    api = client.get("/api/v1/gradebook/journal?" + _url(demo, term).split("?", 1)[1]).json
    assert api["marks"]
    for cell, marks in api["marks"].items():
        lesson_id, student_id = map(int, cell.split(":"))
        column = [row[0] for row in data["lessons"]].index(lesson_id)
        td = re.search(rf'<td class="c" data-l="{column}">(.*?)</td>', rows[student_id]).group(1)
        assert re.findall(r'data-m="(\d+)\.(\d+)"[^>]*>([^<]*)</span>', td) == \
            [(str(m[0]), str(m[4]), m[1]) for m in marks], cell
    assert re.search(r'class="avg num"><a href="/gradebook/explain\?', html)
    # Each row shows the average and forecast the server computed, the same ones the API gives.
    for sid, totals in api["averages"].items():
        row = rows[int(sid)]
        assert f'title="Как это посчитано">{totals["average_text"]}</a>' in row
        forecast = totals["forecast"] if totals["forecast"] is not None else "—"
        # A forecast never looks like a mark: its own style and a title saying what it is.
        assert f'<td class="fc num forecast" title="Прогноз, а не отметка">{forecast}</td>' in row


def test_a_mark_of_another_work_type_or_with_a_comment_says_so_in_the_table(demo, login_as):
    """Marks of the lesson's own work type carry only their id and version (journal.js titles them);
    another work type and a comment are in the table itself, for the reader without JavaScript too."""
    from sqlalchemy import delete

    from plugins.gradebook.models import Mark

    lesson = demo.past_lesson()
    lesson.control_work_type = None  # the lesson's work type is the default one, "answer"
    first, second = demo.students[0], demo.students[1]
    demo.session.execute(delete(Mark).where(Mark.lesson_id == lesson.id,
                                            Mark.student_id.in_([first.id, second.id])))
    other = Mark(school_id=demo.school_id, lesson_id=lesson.id, student_id=first.id, value="4", numeric=4.0,
                 work_type="test", comment="у доски")
    plain = Mark(school_id=demo.school_id, lesson_id=lesson.id, student_id=second.id, value="5", numeric=5.0,
                 work_type="answer", comment="")
    demo.session.add_all([other, plain])
    demo.session.flush()
    rows = _rows(login_as("teacher").get(_url(demo, demo.term_of(lesson.date))).text)
    assert (f'<span class="m h" data-m="{other.id}.{other.version}" data-w="test" data-c="у доски" '
            f'title="Контрольная работа, вес 2: у доски">4</span>') in rows[first.id]
    assert f'<span class="m" data-m="{plain.id}.{plain.version}">5</span>' in rows[second.id]


def test_a_student_who_joined_mid_term_has_no_cells_before_and_a_cell_shows_its_marks_in_order(demo, login_as, today):
    """The table is written from the marks as the query returns them (in no order): a student who
    joined the class during the term has closed cells before that day, a mark left there is not shown
    in them, and a cell with two marks shows them in the order they were given."""
    from sqlalchemy import delete, select

    from core.models import ClassMembership
    from plugins.gradebook.models import Mark

    term = demo.term_of(demo.past_lesson().date)
    lessons = [x for x in demo.lessons() if term.starts_on <= x.date <= term.ends_on and x.date <= today]
    joined = next(x.date for x in lessons if x.date > lessons[0].date)
    student = demo.students[2]
    membership = demo.session.scalar(select(ClassMembership).where(
        ClassMembership.student_id == student.id, ClassMembership.class_id == demo.class_5a.id))
    membership.starts_on = joined
    before, after = lessons[0], next(x for x in lessons if x.date >= joined)
    after.control_work_type = None
    demo.session.execute(delete(Mark).where(Mark.student_id == student.id, Mark.lesson_id.in_([before.id, after.id])))
    early = Mark(school_id=demo.school_id, lesson_id=before.id, student_id=student.id, value="2", numeric=2.0,
                 work_type="answer", comment="")
    first = Mark(school_id=demo.school_id, lesson_id=after.id, student_id=student.id, value="5", numeric=5.0,
                 work_type="answer", comment="")
    demo.session.add_all([early, first])
    demo.session.flush()
    second = Mark(school_id=demo.school_id, lesson_id=after.id, student_id=student.id, value="3", numeric=3.0,
                  work_type="answer", comment="")
    demo.session.add(second)
    demo.session.flush()
    row = _rows(login_as("teacher").get(_url(demo, term)).text)[student.id]
    closed = sum(1 for x in demo.lessons() if term.starts_on <= x.date < joined)
    assert closed >= 1 and row.count('<td class="c off" aria-disabled="true"></td>') == closed
    assert f'data-m="{early.id}.' not in row
    assert (f'<span class="m" data-m="{first.id}.{first.version}">5</span>'
            f'<span class="m" data-m="{second.id}.{second.version}">3</span></td>') in row


def test_page_has_no_inline_script_and_a_csrf_meta(demo, login_as):
    html = login_as("teacher").get(_url(demo, demo.term_of(demo.past_lesson().date))).text
    assert '<meta name="csrf-token" content="' in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "/gradebook/static/gradebook/journal.js" in html


def test_journal_script_and_style_are_served(login_as):
    client = login_as("teacher")
    script = client.get("/gradebook/static/gradebook/journal.js")
    assert script.status_code == 200 and b"function drawTotals" in script.data
    # The page shows the server's averages; it computes none itself (issue 12).
    assert b"averageOf" not in script.data and b"toFixed" not in script.data
    style = client.get("/gradebook/static/gradebook/gradebook.css")
    assert style.status_code == 200 and b"table.journal" in style.data


def test_journal_page_takes_at_most_six_queries(demo, login_as, count_queries):
    term = demo.term_of(demo.past_lesson().date)
    client = login_as("teacher")
    client.get(_url(demo, term))  # warm up: templates compiled, catalogs loaded
    with count_queries() as q:
        response = client.get(_url(demo, term))
    assert response.status_code == 200
    assert q.count <= 6, "\n\n".join(q.statements)


def test_query_count_does_not_grow_with_the_journal(demo, login_as, count_queries, today):
    term = demo.term_of(demo.past_lesson().date)
    client = login_as("teacher")
    client.get(_url(demo, term))
    with count_queries() as before:
        client.get(_url(demo, term))
    for n in range(5):  # five more lessons with marks in the same term
        lesson = demo.new_lesson(day=term.starts_on, number=9 + n)
        for student in demo.students:
            demo.session.add(__import__("plugins.gradebook.models", fromlist=["Mark"]).Mark(
                school_id=demo.school_id, lesson_id=lesson.id, student_id=student.id, value="4", numeric=4.0,
                work_type="answer"))
    demo.session.flush()
    with count_queries() as after:
        client.get(_url(demo, term))
    assert after.count == before.count


def test_teacher_may_fill_only_lessons_inside_the_edit_window(demo, login_as, today):
    lesson = demo.new_lesson(day=today)
    term = next((t for t in demo.terms if t.starts_on <= today <= t.ends_on), None)
    if term is None:  # summer: no term holds today; move the lesson into the last term's last day
        term = demo.terms[-1]
        lesson.date = term.ends_on
    demo.session.flush()
    data = _data(login_as("teacher").get(_url(demo, term)).text)
    flags = {row[0]: row[2] for row in data["lessons"]}
    reasons = {row[0]: row[4] for row in data["lessons"]}
    if lesson.date == today:
        assert flags[lesson.id] == 1
    old = [row for row in data["lessons"] if (today - __import__("datetime").date(today.year, int(row[1][3:]),
                                                                                      int(row[1][:2]))).days > 40]
    for row in old:
        assert row[2] == 0 and "Отметки можно изменять в течение" in reasons[row[0]]


def test_class_teacher_sees_the_journal_read_only(demo, login_as, today):
    term = demo.term_of(demo.past_lesson().date)
    client = login_as("class_teacher")
    page = client.get(_url(demo, term))
    assert page.status_code == 200
    data = _data(page.text)
    assert data["lessons"] and all(row[2] == 0 for row in data["lessons"])
    assert 'id="new-work-type"' not in page.text


@pytest.mark.parametrize("role", ["student", "guardian"])
@pytest.mark.parametrize("path", ["/gradebook/", "/gradebook/journal?class_id={c}&subject_id={s}&term_id={t}",
                                  "/gradebook/lessons?class_id={c}&subject_id={s}&term_id={t}",
                                  "/gradebook/final?class_id={c}&subject_id={s}", "/gradebook/class/{c}",
                                  "/gradebook/lessons/{l}"])
def test_students_and_guardians_get_403_on_journal_pages(demo, login_as, role, path):
    lesson = demo.past_lesson()
    url = path.format(c=demo.class_5a.id, s=demo.math.id, t=demo.term_of(lesson.date).id, l=lesson.id)
    assert login_as(role).get(url).status_code == 403


def test_a_teacher_of_other_classes_gets_403(demo, other_teacher, login_as):
    term = demo.term_of(demo.past_lesson().date)
    assert login_as(other_teacher.login).get(_url(demo, term)).status_code == 403


def test_deputy_sees_every_journal_and_may_correct(demo, login_as):
    term = demo.term_of(demo.past_lesson().date)
    page = login_as("deputy").get(_url(demo, term))
    assert page.status_code == 200
    assert any(row[2] == 1 for row in _data(page.text)["lessons"])


def test_term_is_chosen_when_missing_and_subgroups_are_opened_directly(demo, login_as):
    from sqlalchemy import select

    from core.models import Subject, TeachingAssignment

    client = login_as("deputy")
    response = client.get(f"/gradebook/journal?class_id={demo.class_5a.id}&subject_id={demo.math.id}")
    assert response.status_code == 302 and "term_id=" in response.location
    english = demo.session.scalar(select(Subject).where(Subject.name == "Английский язык"))
    group = demo.session.scalar(select(TeachingAssignment.subgroup_id).where(
        TeachingAssignment.class_id == demo.class_5a.id, TeachingAssignment.subject_id == english.id)
        .order_by(TeachingAssignment.subgroup_id).limit(1))
    term = demo.terms[0]
    response = client.get(f"/gradebook/journal?class_id={demo.class_5a.id}&subject_id={english.id}&term_id={term.id}")
    assert response.status_code == 302 and f"subgroup_id={group}" in response.location
    page = client.get(response.location)
    assert page.status_code == 200 and "группа" in page.text
    assert len(_rows(page.text)) < len(demo.students)


def test_unknown_or_foreign_objects_answer_404(demo, login_as):
    client = login_as("deputy")
    term = demo.terms[0]
    assert client.get(_url(demo, term).replace(f"class_id={demo.class_5a.id}", "class_id=999999")).status_code == 404
    assert client.get(_url(demo, term, subgroup_id=999999)).status_code == 404
    assert client.get("/gradebook/journal?class_id=abc").status_code == 404


def test_lesson_header_shows_topic_and_links_the_lesson(demo, login_as):
    lesson = demo.past_lesson()
    html = login_as("teacher").get(_url(demo, demo.term_of(lesson.date))).text
    header = re.search(rf'<th scope="col" class="[^"]*" title="([^"]*)"><a href="/gradebook/lessons/{lesson.id}">', html)
    assert header and lesson.topic.split(" (")[0] in header.group(1)

