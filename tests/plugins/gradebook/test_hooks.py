"""The hooks the gradebook offers (extra_journal_columns, register_lesson_editors, on_mark_saved, on_homework_saved)
and the core hooks it implements (revert_change, menu, dashboard, CLI, demo data)."""
from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import func, select

from core.toolkit import hookimpl
from plugins.gradebook.journal import JournalExtra
from plugins.gradebook.models import Lesson, Mark
from tests.conftest import csrf_token, post_form

API = "/api/v1/gradebook"


def _client(login_as, role):
    client = login_as(role)
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client.get("/account/tokens").text)
    return client


def _data(html):
    return json.loads(re.search(r'id="journal-data">(.*?)</script>', html, re.S).group(1))


def test_hook_extra_journal_columns(demo, app, login_as, count_queries):
    term = demo.term_of(demo.past_lesson().date)
    seen = {}

    class Attendance:
        @hookimpl
        def extra_journal_columns(self, session, journal):
            seen["journal"] = journal
            first = journal.students[0].id
            lesson = journal.lessons[0].id
            return [JournalExtra(key="att", title="Пропуски", weight=5, cells={(first, lesson): "н"},
                                 codes=("н", "б"), save_url="/attendance/api/mark", totals={first: "1 (0 ув.)"})]

    app.extensions["klass"].pm.register(Attendance(), name="test_attendance")
    url = (f"/gradebook/journal?class_id={demo.class_5a.id}&subject_id={demo.math.id}&term_id={term.id}")
    page = login_as("teacher").get(url)
    assert page.status_code == 200
    journal = seen["journal"]
    assert (journal.class_id, journal.subject_id, journal.term_id) == (demo.class_5a.id, demo.math.id, term.id)
    assert [s.id for s in journal.students] == [s.id for s in demo.students]
    assert all(term.starts_on <= lesson.date <= term.ends_on for lesson in journal.lessons)
    first_row = re.search(rf'<tr data-s="{demo.students[0].id}">(.*?)</tr>', page.text, re.S).group(1)
    assert '<span class="x x-att">н</span>' in first_row and "1 (0 ув.)" in first_row
    assert '<th class="tot" scope="col">Пропуски</th>' in page.text
    # The page's JSON says how to type and save the codes; the cells are in the table only.
    assert {"key": "att", "title": "Пропуски", "codes": ["н", "б"], "url": "/attendance/api/mark"} \
        in _data(page.text)["extras"]
    assert page.text.count('<span class="x x-att">') == 1


def test_hook_register_lesson_editors(demo, app, login_as, other_teacher, today):
    lesson = demo.new_lesson(day=today)
    calls = []

    class Timetable:
        @hookimpl
        def register_lesson_editors(self, session, lesson):
            calls.append(lesson.id)
            return [other_teacher.id] if lesson.id == substituted else []

    substituted = lesson.id
    app.extensions["klass"].pm.register(Timetable(), name="test_timetable")
    client = _client(login_as, other_teacher.login)
    response = client.put(f"{API}/cells", json={"lesson_id": lesson.id, "student_id": demo.student.id,
                                                "values": ["5"], "known": []})
    assert response.status_code == 200 and substituted in calls
    page = client.get(f"/gradebook/lessons/{lesson.id}")
    assert page.status_code == 200 and f'name="m{demo.student.id}"' in page.text
    other_lesson = demo.new_lesson(day=today, number=10)
    refused = client.put(f"{API}/cells", json={"lesson_id": other_lesson.id, "student_id": demo.student.id,
                                               "values": ["5"], "known": []})
    assert refused.status_code == 403
    term = next((t for t in demo.terms if t.starts_on <= today <= t.ends_on), None)
    if term is not None:  # the substitute's journal: read only, except the substituted lesson
        grid = client.get(f"/gradebook/journal?class_id={demo.class_5a.id}&subject_id={demo.math.id}"
                          f"&term_id={term.id}")
        assert grid.status_code == 200
        flags = {row[0]: row[2] for row in _data(grid.text)["lessons"]}
        assert flags[lesson.id] == 1 and flags[other_lesson.id] == 0


def test_hook_on_mark_saved(demo, app, login_as, today):
    lesson = demo.new_lesson(day=today)
    events = []

    class Diary:
        @hookimpl
        def on_mark_saved(self, session, mark, action, old, new, actor_id):
            events.append((action, mark.value, old, new, actor_id))

    app.extensions["klass"].pm.register(Diary(), name="test_diary")
    client = _client(login_as, "teacher")
    created = client.post(f"{API}/marks", json={"lesson_id": lesson.id, "student_id": demo.student.id,
                                                "value": "3"}).json
    client.patch(f"{API}/marks/{created['id']}", json={"version": 1, "value": "4"})
    client.patch(f"{API}/marks/{created['id']}", json={"version": 2, "comment": "устный ответ у доски"})
    client.delete(f"{API}/marks/{created['id']}?version=3")
    full = {"id": created["id"], "lesson_id": lesson.id, "student_id": demo.student.id, "work_type": "answer"}
    assert [e[0] for e in events] == ["created", "changed", "changed", "deleted"]
    assert all(e[4] == demo.teacher.id for e in events)
    action, value, old, new, _actor = events[0]
    assert old is None and new == {**full, "value": "3", "numeric": 3.0, "comment": "", "version": 1}
    _action, _value, old, new, _actor = events[1]
    assert old == {**full, "value": "3", "numeric": 3.0, "comment": "", "version": 1}
    assert new == {**full, "value": "4", "numeric": 4.0, "comment": "", "version": 2}
    # A comment-only edit: the full states differ only in the comment (and the row version).
    _action, _value, old, new, _actor = events[2]
    assert {k for k in old if old[k] != new[k]} == {"comment", "version"}
    assert (old["value"], new["value"], new["comment"]) == ("4", "4", "устный ответ у доски")
    _action, _value, old, new, _actor = events[3]
    assert new is None and old == {**full, "value": "4", "numeric": 4.0, "comment": "устный ответ у доски",
                                   "version": 3}


def test_hook_on_mark_saved_for_a_grid_cell_and_a_revert(demo, app, today):
    """The grid's cell save sends each mark's full state; undoing a change from the audit log says "reverted"."""
    from plugins.gradebook.mark_saving import revert_mark, set_cell

    lesson = demo.new_lesson(day=today)
    events = []

    class Diary:
        @hookimpl
        def on_mark_saved(self, session, mark, action, old, new, actor_id):
            events.append((action, old, new))

    pm = app.extensions["klass"].pm
    pm.register(Diary(), name="test_diary")
    editor = demo.editor(today=today)
    editor = type(editor)(**{**editor.__dict__, "hooks": pm.hook})
    [mark] = set_cell(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=demo.student.id,
                      values=["5"], known=[])
    set_cell(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=demo.student.id, values=["4"],
             known=[(mark.id, mark.version)])
    assert [(a, o and o["value"], n and n["value"]) for a, o, n in events] == [("created", None, "5"),
                                                                              ("changed", "5", "4")]
    assert events[1][1]["comment"] == "" and events[1][2]["work_type"] == events[1][1]["work_type"]
    from sqlalchemy import select as select_

    from core.models import AuditEntry

    entry = demo.session.scalar(select_(AuditEntry).where(AuditEntry.object_id == str(mark.id),
                                                          AuditEntry.action == "gradebook.mark.update"))
    revert_mark(demo.session, entry, pm.hook)
    action, old, new = events[-1]
    assert action == "reverted" and (old["value"], new["value"]) == ("4", "5")


def test_hook_on_homework_saved(demo, app, login_as):
    saved = []

    class Diary:
        @hookimpl
        def on_homework_saved(self, session, lesson, homework):
            saved.append((lesson.id, homework.text))

    app.extensions["klass"].pm.register(Diary(), name="test_diary")
    client = _client(login_as, "teacher")
    created = client.post(f"{API}/lessons", json={"class_id": demo.class_5a.id, "subject_id": demo.math.id,
                                                  "date": demo.terms[0].starts_on.isoformat(), "number": 7,
                                                  "homework": "§ 3"}).json
    changed = client.patch(f"{API}/lessons/{created['id']}", json={"homework": "§ 4", "version": created["version"]})
    assert changed.status_code == 200, changed.json
    client.patch(f"{API}/lessons/{created['id']}", json={"topic": "Без изменения ДЗ", "version": changed.json["version"]})
    assert saved == [(created["id"], "§ 3"), (created["id"], "§ 4")]


def test_hook_revert_change(demo, login_as, today):
    """A leaked teacher's marks after the report are undone from the audit log page (duty C33)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    lesson = demo.new_lesson(day=today)
    keep = demo.new_lesson(day=today, number=10)
    teacher = _client(login_as, "teacher")
    before = teacher.post(f"{API}/marks", json={"lesson_id": keep.id, "student_id": demo.student.id, "value": "5"})
    assert before.status_code == 201
    since = datetime.now(ZoneInfo("Europe/Moscow")).replace(second=0, microsecond=0)
    import time

    time.sleep(0.01)
    demo.session.execute(Mark.__table__.update().where(Mark.id == before.json["id"]).values(version=1))
    from core.models import AuditEntry

    demo.session.execute(AuditEntry.__table__.update().where(AuditEntry.object_id == str(before.json["id"]))
                         .values(at=since.astimezone(ZoneInfo("UTC")) - timedelta(minutes=5)))
    created = teacher.post(f"{API}/marks", json={"lesson_id": lesson.id, "student_id": demo.student.id,
                                                 "value": "2"}).json
    teacher.patch(f"{API}/marks/{before.json['id']}", json={"version": 1, "value": "2"})
    admin = login_as("admin")
    response = post_form(admin, "/audit/revert", {"login": demo.teacher.login,
                                                  "since": since.strftime("%Y-%m-%dT%H:%M")}, page="/audit/")
    assert response.status_code == 200 and "Отменено: 2" in response.text  # the new mark and the change
    assert demo.session.get(Mark, created["id"]) is None
    restored = demo.session.get(Mark, before.json["id"])
    demo.session.refresh(restored)
    assert restored.value == "5"


def test_hook_register_menu_items_and_dashboard_widgets(demo, app, login_as):
    import plugins.gradebook as gradebook

    items = gradebook.register_menu_items(demo.class_teacher)
    assert [i.endpoint for i in items] == ["gradebook.index", "gradebook.class_view"]
    assert items[1].url_values == {"class_id": demo.class_5a.id}
    with app.test_request_context():
        from flask_login import login_user

        login_user(demo.teacher)
        widgets = gradebook.register_dashboard_widgets(demo.teacher)
    assert widgets and widgets[0].link_endpoint == "gradebook.index"
    assert gradebook.register_dashboard_widgets(demo.user_of("student")) == []


def test_hook_register_cli_commands_fill_topics(demo, app):
    import plugins.gradebook as gradebook

    [command] = gradebook.register_cli_commands()
    lessons = demo.lessons()
    lessons[0].topic = ""
    demo.session.flush()
    result = app.test_cli_runner().invoke(command, [])
    assert result.exit_code == 0 and "Темы заполнены" in result.output
    demo.session.refresh(lessons[0])
    assert lessons[0].topic


def test_hook_register_demo_data_filled_a_year(demo):
    first, last = demo.terms[0], demo.terms[-1]
    count = demo.session.scalar(select(func.count(Lesson.id)).where(Lesson.class_id == demo.class_5a.id))
    span = demo.session.execute(select(func.min(Lesson.date), func.max(Lesson.date))
                                .where(Lesson.class_id == demo.class_5a.id)).one()
    assert count > 500 and span[0] >= first.starts_on and span[1] <= last.ends_on
    assert demo.session.scalar(select(func.count(Mark.id)).where(Mark.lesson_id.in_(
        select(Lesson.id).where(Lesson.class_id == demo.class_5a.id)))) > 100
