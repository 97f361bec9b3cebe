"""Links to other plugins' pages, charts, the message catalog, and the number of queries of the biggest report."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask
from sqlalchemy import event, select

from core.models import User
from plugins.reports import charts, links, registry
from plugins.reports.result import Chart, Link, ReportResult, Series

PLUGIN_DIR = Path(__file__).resolve().parents[3] / "plugins" / "reports"


def test_links_use_the_page_when_it_exists_and_the_agreed_path_otherwise():
    bare = Flask("bare")
    with bare.test_request_context():
        assert links.url(Link("roll_call", {"lesson_id": 7})) == "/attendance/lessons/7/roll-call"
        assert links.url(Link("journal", {"class_id": 1, "subject_id": 2, "term_id": 3})) == \
            "/gradebook/journal?class_id=1&subject_id=2&term_id=3"
    full = Flask("full")
    gradebook = Blueprint("gradebook", __name__, url_prefix="/gradebook")
    gradebook.add_url_rule("/journal", "journal", lambda: "")
    attendance = Blueprint("attendance", __name__, url_prefix="/attendance")
    attendance.add_url_rule("/lessons/<int:lesson_id>", "roll_call", lambda lesson_id: "")
    full.register_blueprint(gradebook)
    full.register_blueprint(attendance)
    with full.test_request_context():
        assert links.url(Link("roll_call", {"lesson_id": 7})) == "/attendance/lessons/7"
        assert links.url(Link("journal", {"class_id": 1, "subject_id": 2, "term_id": 3})) == \
            "/gradebook/journal?class_id=1&subject_id=2&term_id=3"


def test_charts_are_plain_svg_and_pdf_drawings():
    chart = Chart("c", "stacked", "Пропуски", ["01.09", "08.09"], [Series("ув.", [2, 1]), Series("неув.", [1, None])])
    svg = charts.to_svg(chart)
    assert svg.startswith("<svg") and "<script" not in svg and "http://www.w3.org/2000/svg" in svg
    assert svg.count("<rect") >= 3 and "Пропуски" in svg
    line = charts.to_svg(Chart("l", "line", "Средний балл", ["a", "b", "c"], [Series("5А", [3.5, None, 4.0])],
                               y_min=2, y_max=5))
    assert "<polyline" not in line and line.count("<circle") == 2  # a gap breaks the line
    assert charts.nice_max(87) == 100 and charts.nice_max(4.2) == 5 and charts.nice_max(0) == 1
    from core.pdf import register_fonts

    font, bold = register_fonts()
    drawing = charts.to_drawing(chart, 400, font, bold)
    assert drawing.width == 400


def test_snapshot_round_trip():
    from datetime import date

    from plugins.reports.result import DATE, Column, Row

    result = ReportResult.single("T", [Column("d", "Дата", DATE)], [Row({"d": date(2026, 11, 23)},
                                                                       links={"d": Link("roll_call", {"lesson_id": 1})})])
    again = ReportResult.from_dict(result.to_dict())
    assert again.table.rows[0].values["d"] == date(2026, 11, 23)
    assert again.table.rows[0].links["d"] == Link("roll_call", {"lesson_id": 1})


def test_every_msgid_has_a_russian_translation():
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None}
    method_map = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
    wanted = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(PLUGIN_DIR), method_map,
                                                                       keywords=keywords):
        wanted.add(message[0] if isinstance(message, tuple) else message)
    with (PLUGIN_DIR / "translations/ru/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh)
    translated = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog
                  if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)}
    assert sorted(wanted - translated) == []


def test_school_progress_queries_do_not_grow_with_students(app, session, connection, demo_school, demo, crafted):
    deputy = session.scalar(select(User).where(User.login == demo_school["accounts"]["deputy"]))
    definition = registry.all_reports()["class_progress"]
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.startswith(("SAVEPOINT", "RELEASE")):
            statements.append(statement[:120])

    def run() -> int:
        session.expire_all()
        values = registry.prepare(session, definition, {}, deputy)
        statements.clear()
        event.listen(connection, "before_cursor_execute", count)
        try:
            definition.run(session, values, deputy)
        finally:
            event.remove(connection, "before_cursor_execute", count)
        return len(statements)

    before = run()
    day = demo.term_start
    lesson = crafted.lesson("math", day)
    for n in range(30):
        crafted.student(f"n{n}", f"Ученик{n}")
        crafted.mark(lesson, f"n{n}", str(2 + n % 4))
    session.commit()
    after = run()
    assert after == before, statements
    assert after <= 20


def test_sums_in_sql_give_the_gradebooks_weighted_average(app, session, demo):
    """The database sums Σ(mark·weight) and Σ(weight); the result must be the gradebook's own average."""
    from collections import defaultdict

    from core.toolkit import plugin_settings
    from plugins.gradebook.averages import average_of
    from plugins.gradebook.models import Lesson, Mark
    from plugins.reports import data

    gradebook = plugin_settings("gradebook")
    class_id = demo.classes["5А"]
    start, end = demo.term_start.replace(month=9, day=1), demo.today
    sums = data.term_mark_sums(session, demo.school_id, start, end, gradebook, [class_id])
    marks = defaultdict(list)
    for student_id, subject_id, value, numeric, work_type in session.execute(
            select(Mark.student_id, Lesson.subject_id, Mark.value, Mark.numeric, Mark.work_type)
            .join(Lesson, Lesson.id == Mark.lesson_id)
            .where(Lesson.class_id == class_id, Lesson.date >= start, Lesson.date <= end)):
        marks[(class_id, student_id, subject_id)].append((value, numeric, work_type))
    assert len(sums) > 50
    for key, items in marks.items():
        expected = average_of(items, gradebook)
        if expected.value is None:
            assert key not in sums
            continue
        assert (sums[key].average.text, sums[key].average.forecast) == (expected.text, expected.forecast), key
        assert sums[key].count == len(expected.terms)
