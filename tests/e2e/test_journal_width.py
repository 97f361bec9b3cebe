"""The journal at 1366×768 (the most common school laptop): the average, forecast and final columns stay
on screen, however many lessons the term has (issue 15: «the right-hand columns are cut at 1366 px»)."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from tests.e2e.conftest import sign_in


@pytest.mark.e2e
def test_right_hand_columns_are_visible_at_1366(make_live_server, page):
    live = make_live_server({})
    from core.models import SchoolClass, Subject, Term

    with live.session() as db:
        klass = db.scalar(select(SchoolClass).where(SchoolClass.grade_level == 5, SchoolClass.letter == "А"))
        math = db.scalar(select(Subject).where(Subject.name == "Математика"))
        term = db.scalar(select(Term).order_by(Term.starts_on))
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live, "teacher")
    page.goto(f"{live.url}/gradebook/journal?class_id={klass.id}&subject_id={math.id}&term_id={term.id}")
    page.wait_for_selector("#journal")
    page.screenshot(path=os.environ.get("JOURNAL_SCREENSHOT", "/tmp/journal-1366.png"))
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page itself scrolls sideways"
    for column in ("avg", "fc", "fin"):
        box = page.evaluate(f"(() => {{ const r = document.querySelector('#journal thead th.{column}')"
                            ".getBoundingClientRect(); return [r.left, r.right]; })()")
        assert 0 <= box[0] and box[1] <= width, f"{column} is cut: {box} beyond {width}"
        # Its title fits its cell: «Прогн.» does not run under «Итог».
        fits = page.evaluate(f"(() => {{ const th = document.querySelector('#journal thead th.{column}');"
                             "return th.scrollWidth <= th.clientWidth; })()")
        assert fits, f"the title of {column} overflows its cell"
    # The last column ends inside the scroll container, not under its edge.
    inside = page.evaluate("(() => { const box = document.querySelector('.table-scroll').getBoundingClientRect();"
                           "const fin = document.querySelector('#journal thead th.fin').getBoundingClientRect();"
                           "return fin.right <= box.right + 0.5; })()")
    assert inside
    # The three sticky columns sit side by side, none under another.
    edges = page.evaluate("['avg', 'fc', 'fin'].map(c => { const r = document.querySelector("
                          "'#journal thead th.' + c).getBoundingClientRect(); return [r.left, r.right]; })")
    assert edges[0][1] <= edges[1][0] + 0.5 and edges[1][1] <= edges[2][0] + 0.5, edges
