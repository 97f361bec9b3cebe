"""The demo 5А mathematics teacher fills a week of the journal from the keyboard alone in Chromium."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.e2e.conftest import sign_in

# A generous edit window keeps "the last week of lessons" editable whatever day the suite runs on
# (holidays included); the window itself is tested without a browser.
SETTINGS = {"plugins": {"gradebook": {"edit_window_days": 366}}}

GRID_CELL = "document.querySelector('#journal tbody').rows[{r}].cells[2 + {c}]"


def _marks_in(page, r, c):
    return page.evaluate(f"Array.from({GRID_CELL.format(r=r, c=c)}.querySelectorAll('span.m'))"
                         ".map(s => s.textContent)")


def _average(page, r):
    return page.evaluate(f"document.querySelector('#journal tbody').rows[{r}].querySelector('td.avg').textContent")


def _settled(page, timeout=10.0):
    """Wait until every cell has been saved (polled from here: the page's CSP forbids eval)."""
    import time

    deadline = time.monotonic() + timeout
    while page.evaluate("!!document.querySelector('#journal td.c.saving, #journal td.c.editing')"):
        assert time.monotonic() < deadline, "cells still saving"
        page.wait_for_timeout(50)
    page.wait_for_load_state("networkidle")


@pytest.mark.e2e
def test_teacher_enters_a_week_of_marks_from_the_keyboard(make_live_server, page):
    live = make_live_server(SETTINGS)
    from core.models import ClassMembership, SchoolClass, Subject, Term, User
    from plugins.gradebook.models import Lesson

    with live.session() as db:
        klass = db.scalar(select(SchoolClass).where(SchoolClass.grade_level == 5, SchoolClass.letter == "А"))
        math = db.scalar(select(Subject).where(Subject.name == "Математика"))
        today = date.today()
        last = db.scalar(select(Lesson.date).where(Lesson.class_id == klass.id, Lesson.subject_id == math.id,
                                                   Lesson.date <= today).order_by(Lesson.date.desc()).limit(1))
        term = db.scalar(select(Term).where(Term.starts_on <= last, Term.ends_on >= last))
        lessons = list(db.scalars(select(Lesson).where(
            Lesson.class_id == klass.id, Lesson.subject_id == math.id, Lesson.date >= term.starts_on,
            Lesson.date <= term.ends_on).order_by(Lesson.date, Lesson.number, Lesson.id)))
        students = list(db.scalars(select(User).join(ClassMembership, ClassMembership.student_id == User.id)
                                   .where(ClassMembership.class_id == klass.id)
                                   .order_by(User.last_name, User.first_name, User.middle_name, User.id)))
    past = [i for i, lesson in enumerate(lessons) if lesson.date <= today]
    week = past[-5:]  # the last five lessons: a week of mathematics (5 hours a week in 5th grade)
    assert len(week) == 5 and week == list(range(week[0], week[0] + 5))

    sign_in(page, live, "teacher")
    page.goto(f"{live.url}/gradebook/journal?class_id={klass.id}&subject_id={math.id}&term_id={term.id}")
    page.wait_for_selector("#journal td.c.cur")
    assert page.evaluate("document.activeElement.classList.contains('cur')"), "the grid should have the keyboard"
    first_editable = page.evaluate("Array.from(document.querySelectorAll('#journal tbody tr:first-child td.c'))"
                                   ".findIndex(td => td === document.activeElement)")
    averages_before = [_average(page, r) for r in range(len(students))]

    # To the week's first lesson, first student: arrows only.
    for _ in range(week[0] - first_editable):
        page.keyboard.press("ArrowRight")
    typed: dict[tuple[int, int], list[str]] = {}
    pattern = ["5", "4", "3", "5 4", "2", "4", "5", "3", "4 4", "5", "2", "4"]
    # The second student, the third lesson of the week: «3,5» is refused (one mark 3.5 or two marks?), the
    # grid sends the text as typed and the server's one grammar of marks says why.
    invalid = (1, week[2])
    for c in week:
        for r in range(len(students)):
            value = "3,5" if (r, c) == invalid else pattern[(r + c) % len(pattern)]
            page.keyboard.type(value)
            # Enter and Tab both go to the next student (and on to the next lesson after the last one).
            page.keyboard.press("Tab" if r % 2 else "Enter")
            if (r, c) != invalid:
                typed[(r, c)] = value.split()
    _settled(page)

    # The refused value stays in its cell, in red, with the reason; the other cells are saved.
    r, c = invalid
    cell_class = page.evaluate(f"{GRID_CELL.format(r=r, c=c)}.className")
    reason = page.evaluate(f"{GRID_CELL.format(r=r, c=c)}.title")
    assert "invalid" in cell_class and "наберите «3 5» или «3/5»" in reason
    assert page.evaluate(f"{GRID_CELL.format(r=r, c=c)}.textContent") == "3,5"
    assert "наберите «3 5» или «3/5»" in page.inner_text("#grid-errors")
    for (row, col), values in typed.items():
        assert _marks_in(page, row, col) == values, (row, col)
    averages_after = [_average(page, row) for row in range(len(students))]
    assert averages_after != averages_before, "the averages follow the new marks without a reload"

    # Back to the refused cell with the arrows and fix it: the error goes away.
    here = page.evaluate("[Array.from(document.querySelectorAll('#journal tbody tr')).findIndex("
                         "tr => tr.contains(document.activeElement)), document.activeElement.cellIndex - 2]")
    for _ in range(here[1] - c):
        page.keyboard.press("ArrowLeft")
    for _ in range(r - here[0]):
        page.keyboard.press("ArrowDown")
    assert page.evaluate(f"document.activeElement === {GRID_CELL.format(r=r, c=c)}")
    page.keyboard.type("4")
    page.keyboard.press("Enter")
    _settled(page)
    typed[invalid] = ["4"]
    assert page.is_hidden("#grid-errors")
    averages_after = [_average(page, row) for row in range(len(students))]

    page.reload()
    page.wait_for_selector("#journal td.c.cur")
    for (row, col), values in typed.items():
        assert _marks_in(page, row, col) == values, (row, col)
    assert [_average(page, row) for row in range(len(students))] == averages_after, \
        "the server computes the same averages the page showed"
    assert not page.js_errors


@pytest.mark.e2e
def test_journal_reads_without_javascript(make_live_server, browser):
    live_server = make_live_server(SETTINGS)  # the same server as above: one demo school built, not two
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    try:
        sign_in(tab, live_server, "class_teacher")
        tab.goto(f"{live_server.url}/gradebook/")
        tab.click("text=Все предметы класса")
        assert "все предметы" in tab.inner_text("h1")
        tab.click("table.summary tbody tr th a >> nth=0")
        assert tab.is_visible("table#journal")
        assert tab.locator("#journal td.avg").count() > 0
        assert not tab.is_visible("#new-work-type")  # read only for the class teacher
    finally:
        context.close()


@pytest.mark.e2e
def test_a_cell_changed_by_someone_else_is_shown_not_overwritten(make_live_server, page):
    live = make_live_server(SETTINGS)
    from core.models import SchoolClass, Subject, Term
    from plugins.gradebook.models import Lesson, Mark

    with live.session() as db:
        klass = db.scalar(select(SchoolClass).where(SchoolClass.grade_level == 5, SchoolClass.letter == "А"))
        math = db.scalar(select(Subject).where(Subject.name == "Математика"))
        last = db.scalar(select(Lesson.date).where(Lesson.class_id == klass.id, Lesson.subject_id == math.id,
                                                   Lesson.date <= date.today()).order_by(Lesson.date.desc()).limit(1))
        term = db.scalar(select(Term).where(Term.starts_on <= last, Term.ends_on >= last))
    sign_in(page, live, "teacher")
    page.goto(f"{live.url}/gradebook/journal?class_id={klass.id}&subject_id={math.id}&term_id={term.id}")
    page.wait_for_selector("#journal td.c.cur")
    grid = page.evaluate("JSON.parse(document.getElementById('journal-data').textContent)")
    col = next(i for i, row in enumerate(grid["lessons"]) if row[2])
    lesson_id = grid["lessons"][col][0]
    student_id = int(page.evaluate("document.querySelector('#journal tbody').rows[2].getAttribute('data-s')"))
    seen = _marks_in(page, 2, col)

    with live.session() as db:  # meanwhile the deputy gives this student a mark in the same cell
        lesson = db.get(Lesson, lesson_id)
        db.add(Mark(school_id=lesson.school_id, lesson_id=lesson_id, student_id=student_id, value="2", numeric=2.0,
                    work_type="test", comment="", created_by=None, updated_by=None))
        db.commit()

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.type("5")
    page.keyboard.press("Enter")
    _settled(page)
    assert "conflict" in page.evaluate(f"{GRID_CELL.format(r=2, c=col)}.className")
    assert _marks_in(page, 2, col) == [*seen, "2"]  # the other person's mark is shown, ours is not forced in
    assert "другой пользователь" in page.inner_text("#grid-errors")
    with live.session() as db:
        values = list(db.scalars(select(Mark.value).where(Mark.lesson_id == lesson_id, Mark.student_id == student_id)
                                 .order_by(Mark.id)))
    assert values == [*seen, "2"]


# The «Сетевой Город» thresholds (a 5 from 4,60), with the same generous edit window as above.
NETSCHOOL = {"plugins": {"gradebook": {"edit_window_days": 366, "thresholds": {"5": 4.6, "4": 3.6, "3": 2.6}}}}


def _row_totals(page, r):
    return page.evaluate(f"[document.querySelector('#journal tbody').rows[{r}].querySelector('td.avg').textContent,"
                         f" document.querySelector('#journal tbody').rows[{r}].querySelector('td.fc').textContent]")


@pytest.mark.e2e
@pytest.mark.parametrize("marks,text,forecast", [(["5"] * 20 + ["4"] * 11, "4,65", "5"),
                                                 (["5"] * 5 + ["4"] * 3, "4,63", "5")])
def test_typed_marks_show_the_servers_average_before_and_after_reload(make_live_server, page, marks, text,
                                                                     forecast):
    """Issue 12: the grid shows what the server computed (half-up), while typing and after a reload."""
    live = make_live_server(NETSCHOOL)
    from sqlalchemy import delete

    from core.models import ClassMembership, SchoolClass, Subject, Term, User
    from plugins.gradebook.models import Lesson, Mark

    today = date.today()
    with live.session() as db:
        klass = db.scalar(select(SchoolClass).where(SchoolClass.grade_level == 5, SchoolClass.letter == "А"))
        math = db.scalar(select(Subject).where(Subject.name == "Математика"))
        # The year's first term: at the fixed clock it is over and has enough lessons for 11 cells.
        first_day = db.scalar(select(Lesson.date).where(Lesson.class_id == klass.id, Lesson.subject_id == math.id,
                                                        Lesson.date <= today).order_by(Lesson.date).limit(1))
        term = db.scalar(select(Term).where(Term.starts_on <= first_day, Term.ends_on >= first_day))
        student = db.scalar(select(User).join(ClassMembership, ClassMembership.student_id == User.id)
                            .where(ClassMembership.class_id == klass.id)
                            .order_by(User.last_name, User.first_name, User.middle_name, User.id).limit(1))
        term_lessons = select(Lesson.id).where(Lesson.class_id == klass.id, Lesson.subject_id == math.id,
                                               Lesson.date >= term.starts_on, Lesson.date <= term.ends_on)
        db.execute(delete(Mark).where(Mark.student_id == student.id, Mark.lesson_id.in_(term_lessons)))
        db.commit()

    sign_in(page, live, "teacher")
    url = f"{live.url}/gradebook/journal?class_id={klass.id}&subject_id={math.id}&term_id={term.id}"
    page.goto(url)
    page.wait_for_selector("#journal td.c.cur")
    assert _row_totals(page, 0) == ["—", "—"]
    page.select_option("#new-work-type", "answer")  # weight 1 whatever the lesson's control work type
    grid = page.evaluate("JSON.parse(document.getElementById('journal-data').textContent)")
    first = next(i for i, row in enumerate(grid["lessons"]) if row[2])
    page.click(f"#journal tbody tr:first-child td.c[data-l='{first}']")
    cells = [marks[i:i + 3] for i in range(0, len(marks), 3)]
    for values in cells:  # one lesson after another on the first student's row, from the keyboard
        page.keyboard.type(" ".join(values))
        page.keyboard.press("Enter")  # saves and goes to the next student
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowRight")
    _settled(page)
    assert _row_totals(page, 0) == [text, forecast]

    page.reload()
    page.wait_for_selector("#journal td.c.cur")
    assert _row_totals(page, 0) == [text, forecast]
    page.goto(f"{live.url}/gradebook/explain?student_id={student.id}&subject_id={math.id}&term_id={term.id}"
              f"&class_id={klass.id}")
    assert f"{text} → {forecast}" in page.inner_text("body")
    assert not page.js_errors
