"""Final marks: the forecast confirmed or overridden with a reason, the lock after the term, the deputy."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.models import AuditEntry
from plugins.gradebook import finals
from plugins.gradebook.errors import EditRefused, MarkError, VersionConflict
from plugins.gradebook.models import FinalMark


def _clear(demo, student, term):
    demo.session.query(FinalMark).filter_by(student_id=student.id, subject_id=demo.math.id,
                                            class_id=demo.class_5a.id, term_id=term.id if term else None).delete()
    demo.session.flush()


def _forecast(demo, student, term):
    return finals.final_forecast(demo.session, demo.settings, class_id=demo.class_5a.id, subject_id=demo.math.id,
                                   student_id=student.id, term=term, terms=demo.terms).forecast


def _set(demo, editor, student, term, value, **kw):
    return finals.set_final_mark(demo.session, demo.settings, editor, class_id=demo.class_5a.id,
                                   subject_id=demo.math.id, student_id=student.id,
                                   term_id=term.id if term else None, value=value, **kw)


def test_teacher_confirms_the_forecast_without_a_reason(demo):
    term, student = demo.terms[0], demo.students[0]
    _clear(demo, student, term)
    forecast = _forecast(demo, student, term)
    final = _set(demo, demo.editor(today=term.ends_on), student, term, str(forecast))
    assert final.value == str(forecast) and final.set_by == demo.teacher.id and final.forecast is not None
    entry = demo.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "gradebook.final_mark",
                                                         AuditEntry.object_id == str(final.id)))
    assert entry.action == "gradebook.final_mark.create" and entry.new["value"] == str(forecast)


def test_a_mark_other_than_the_forecast_needs_a_reason(demo):
    term, student = demo.terms[0], demo.students[1]
    _clear(demo, student, term)
    forecast = _forecast(demo, student, term)
    other = "5" if forecast != 5 else "4"
    with pytest.raises(MarkError) as info:
        _set(demo, demo.editor(today=term.ends_on), student, term, other)
    assert info.value.field == "reason" and f"({forecast})" in str(info.value)
    final = _set(demo, demo.editor(today=term.ends_on), student, term, other, reason="защитил проект")
    assert final.value == other and final.reason == "защитил проект"


def test_final_marks_are_whole_marks_or_codes(demo):
    term, student = demo.terms[0], demo.students[2]
    _clear(demo, student, term)
    with pytest.raises(MarkError, match=r"without \+"):
        _set(demo, demo.editor(today=term.ends_on), student, term, "4+", reason="x")
    final = _set(demo, demo.editor(today=term.ends_on), student, term, "н/а", reason="пропустил четверть")
    assert final.numeric is None


def test_locked_period_refuses_the_teacher_and_lets_the_deputy_with_a_reason(demo):
    term, student = demo.terms[0], demo.students[3]
    _clear(demo, student, term)
    after_lock = term.closes_on + timedelta(days=1)
    forecast = str(_forecast(demo, student, term))
    with pytest.raises(EditRefused) as info:
        _set(demo, demo.editor(today=after_lock), student, term, forecast)
    assert term.closes_on.strftime("%d.%m.%Y") in str(info.value)
    with pytest.raises(MarkError, match="give the reason"):
        _set(demo, demo.editor(demo.deputy, today=after_lock), student, term, forecast)
    final = _set(demo, demo.editor(demo.deputy, today=after_lock), student, term, forecast,
                 reason="решение педсовета № 3")
    updated = _set(demo, demo.editor(demo.deputy, today=after_lock), student, term, "2",
                   reason="апелляция отклонена", version=final.version)
    assert updated.value == "2"
    entry = demo.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "gradebook.final_mark",
                                                          AuditEntry.object_id == str(final.id))
                                 .order_by(AuditEntry.id)).all()[-1]
    assert entry.action == "gradebook.final_mark.update" and entry.actor_id == demo.deputy.id
    assert entry.old["value"] == forecast and entry.new["value"] == "2"
    assert entry.new["reason"] == "апелляция отклонена"


def test_teacher_of_another_subject_cannot_set_final_marks(demo, other_teacher):
    term, student = demo.terms[0], demo.students[4]
    with pytest.raises(EditRefused, match="Only the teacher of this subject"):
        _set(demo, demo.editor(other_teacher, today=term.ends_on), student, term, "5", reason="x")


def test_stale_final_mark_is_refused(demo):
    term, student = demo.terms[0], demo.students[5]
    _clear(demo, student, term)
    editor = demo.editor(today=term.ends_on)
    forecast = str(_forecast(demo, student, term))
    final = _set(demo, editor, student, term, forecast)
    _set(demo, editor, student, term, "3" if forecast != "3" else "4", reason="пересдача", version=final.version)
    with pytest.raises(VersionConflict):
        _set(demo, editor, student, term, forecast, version=1)
    with pytest.raises(VersionConflict):
        _set(demo, editor, student, term, forecast)  # a final mark exists and no version was named


def test_empty_value_removes_a_final_mark(demo):
    term, student = demo.terms[0], demo.students[6]
    _clear(demo, student, term)
    editor = demo.editor(today=term.ends_on)
    final = _set(demo, editor, student, term, str(_forecast(demo, student, term)))
    assert _set(demo, editor, student, term, "", version=final.version) is None
    assert demo.session.get(FinalMark, final.id) is None


def test_year_final_mark_locks_with_the_last_term(demo):
    student = demo.students[7]
    _clear(demo, student, None)
    last = demo.terms[-1]
    editor = demo.editor(today=last.closes_on + timedelta(days=1))
    with pytest.raises(EditRefused):
        _set(demo, editor, student, None, "4", reason="x")
    final = _set(demo, demo.editor(today=last.ends_on + timedelta(days=1)), student, None, "4",
                 reason="по итогам года")
    assert final.term_id is None


def _year_row(demo, student, value, subject=None):
    return FinalMark(school_id=demo.school_id, class_id=demo.class_5a.id, subject_id=(subject or demo.math).id,
                     student_id=student.id, term_id=None, value=value, reason="по итогам года")


def test_the_database_refuses_a_second_year_mark(demo, session):
    """Two people saving one year mark at once both read "none yet" and both insert: the database must
    refuse the second row (the unique key alone lets it in: its ``term_id`` NULLs are all distinct)."""
    from core.models import Subject

    student = demo.students[-1]
    _clear(demo, student, None)
    demo.session.add(_year_row(demo, student, "4"))
    demo.session.flush()
    with pytest.raises(IntegrityError), demo.session.begin_nested():
        demo.session.add(_year_row(demo, student, "5"))
        demo.session.flush()
    years = demo.session.scalars(select(FinalMark.value).where(
        FinalMark.student_id == student.id, FinalMark.subject_id == demo.math.id, FinalMark.term_id.is_(None))).all()
    assert years == ["4"]
    # Only the year's: the same student's term marks and another subject's year mark still go in.
    other = demo.session.scalar(select(Subject).where(Subject.school_id == demo.school_id,
                                                      Subject.id != demo.math.id))
    for term in demo.terms[:2]:
        _clear(demo, student, term)
        demo.session.add(FinalMark(school_id=demo.school_id, class_id=demo.class_5a.id, subject_id=demo.math.id,
                                   student_id=student.id, term_id=term.id, value="4"))
    demo.session.query(FinalMark).filter_by(student_id=student.id, subject_id=other.id, term_id=None).delete()
    demo.session.add(_year_row(demo, student, "5", subject=other))
    demo.session.flush()


def test_final_marks_wait_for_the_closing_window(demo):
    """A term's marks from ``final_marks_open_days_before`` days before it ends; the year's only after the
    last term has ended (not in December), for the deputy too."""
    term, student = demo.terms[1], demo.students[11]
    _clear(demo, student, term)
    _clear(demo, student, None)
    opens = term.ends_on - timedelta(days=demo.settings["final_marks_open_days_before"])
    with pytest.raises(EditRefused) as info:
        _set(demo, demo.editor(today=opens - timedelta(days=1)), student, term, "4", reason="x")
    assert opens.strftime("%d.%m.%Y") in str(info.value)
    assert _set(demo, demo.editor(today=opens), student, term, "4", reason="x").value == "4"
    december = demo.terms[1].starts_on.replace(month=12, day=20)
    with pytest.raises(EditRefused, match="after the last term ends"):
        _set(demo, demo.editor(demo.deputy, today=december), student, None, "4", reason="x")


def test_revert_of_a_final_mark(demo):
    from plugins.gradebook import revert_change

    term, student = demo.terms[0], demo.students[8]
    _clear(demo, student, term)
    editor = demo.editor(today=term.ends_on)
    final = _set(demo, editor, student, term, str(_forecast(demo, student, term)))
    updated = _set(demo, editor, student, term, "5" if final.value != "5" else "4", reason="олимпиада",
                   version=final.version)
    entries = demo.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "gradebook.final_mark",
                                                            AuditEntry.object_id == str(final.id))
                                   .order_by(AuditEntry.id)).all()
    old_value = final.value if final.value == entries[0].new["value"] else entries[0].new["value"]
    assert revert_change(demo.session, entries[-1])["value"] == old_value
    assert updated.value == old_value
    assert revert_change(demo.session, entries[0]) == {"deleted": True}


def test_final_page_saves_good_rows_and_keeps_refused_ones(demo, login_as):
    from datetime import date

    term = demo.terms[0]
    term.closes_on = date.today() + timedelta(days=30)  # still open for teachers (rolled back after the test)
    a, b = demo.students[9], demo.students[10]
    for s in (a, b):
        _clear(demo, s, term)
    client = login_as("teacher")
    url = f"/gradebook/final?class_id={demo.class_5a.id}&subject_id={demo.math.id}&period={term.id}"
    page = client.get(url)
    assert page.status_code == 200 and "Итоговые отметки" in page.text
    from tests.conftest import csrf_token

    forecast_a = str(_forecast(demo, a, term))
    forecast_b = _forecast(demo, b, term)
    wrong_b = "5" if forecast_b != 5 else "4"
    response = client.post(url, data={"csrf_token": csrf_token(page.text), f"f{a.id}": forecast_a,
                                      f"f{b.id}": wrong_b, f"r{b.id}": ""})
    assert response.status_code == 422
    assert "Отметка отличается от прогноза" in response.text
    assert f'value="{wrong_b}"' in response.text  # what was typed is still there
    assert f'name="f{a.id}" ' in response.text
    saved = demo.session.scalar(select(FinalMark).filter_by(student_id=a.id, term_id=term.id,
                                                            subject_id=demo.math.id))
    assert saved is not None and saved.value == forecast_a


def test_final_page_keeps_the_rows_saved_before_a_row_someone_else_changed_meanwhile(demo, login_as):
    """A row refused because a colleague changed its mark after the page was opened leaves the rows saved
    with it, and the colleague's mark, in place; the page names the colleague's mark."""
    from datetime import date

    from tests.conftest import csrf_token

    term = demo.terms[0]
    term.closes_on = date.today() + timedelta(days=30)  # still open for teachers (rolled back after the test)
    a, b = sorted((demo.students[7], demo.students[8]), key=lambda s: (s.last_name, s.first_name, s.id))
    for s in (a, b):
        _clear(demo, s, term)
    forecast_b = str(_forecast(demo, b, term))
    _set(demo, demo.editor(today=term.ends_on), b, term, forecast_b)
    demo.session.commit()
    client = login_as("teacher")
    url = f"/gradebook/final?class_id={demo.class_5a.id}&subject_id={demo.math.id}&period={term.id}"
    page = client.get(url).text
    colleague = "3" if forecast_b != "3" else "4"  # the deputy corrects b's mark after the page was opened
    _set(demo, demo.editor(today=term.ends_on), b, term, colleague, reason="пересдача",
         version=demo.session.scalar(select(FinalMark.version).filter_by(student_id=b.id, term_id=term.id,
                                                                          subject_id=demo.math.id)))
    demo.session.commit()
    forecast_a = str(_forecast(demo, a, term))
    response = client.post(url, data={"csrf_token": csrf_token(page), f"f{a.id}": forecast_a,
                                      f"f{b.id}": "5" if colleague != "5" else "4", f"r{b.id}": "устный ответ",
                                      f"v{b.id}": "1"})
    assert response.status_code == 422
    assert "Некоторые итоговые отметки не сохранены" in response.text
    assert f"эту итоговую отметку выставил другой пользователь: сейчас «{colleague}»" in response.text
    demo.session.expire_all()
    marks = {m.student_id: m.value for m in demo.session.scalars(select(FinalMark).filter_by(
        term_id=term.id, subject_id=demo.math.id).where(FinalMark.student_id.in_([a.id, b.id])))}
    assert marks == {a.id: forecast_a, b.id: colleague}


def test_final_page_read_only_for_the_class_teacher(demo, login_as):
    client = login_as("class_teacher")
    url = f"/gradebook/final?class_id={demo.class_5a.id}&subject_id={demo.math.id}&period=year"
    page = client.get(url)
    assert page.status_code == 200 and 'name="f' not in page.text
    assert "только для просмотра" in page.text
    from tests.conftest import csrf_token

    assert client.post(url, data={"csrf_token": csrf_token(page.text)}).status_code == 403


def _final_rows(html):
    """Student id -> the value of their final-mark field on the page."""
    import re

    return {int(sid): value for sid, value in re.findall(r'name="f(\d+)"[^>]*?\svalue="([^"]*)"', html, re.S)}


def test_final_form_is_empty_and_forecasts_are_taken_explicitly(demo, login_as):
    from datetime import date

    from tests.conftest import csrf_token

    term = demo.terms[0]
    term.closes_on = date.today() + timedelta(days=30)  # still open for teachers (rolled back after the test)
    a, b, c = demo.students[3], demo.students[4], demo.students[5]
    for s in (a, b, c):
        _clear(demo, s, term)
    client = login_as("teacher")
    url = f"/gradebook/final?class_id={demo.class_5a.id}&subject_id={demo.math.id}&period={term.id}"
    page = client.get(url)
    shown = _final_rows(page.text)
    assert shown[a.id] == shown[b.id] == shown[c.id] == ""  # never pre-filled with the forecast
    assert 'class="forecast" title="Прогноз, а не отметка"' in page.text
    # One row's button takes that row's forecast; the others stay as typed (here: empty, nothing saved).
    response = client.post(url, data={"csrf_token": csrf_token(page.text), f"f{a.id}": "", f"f{b.id}": "",
                                      f"f{c.id}": "", "take": str(a.id)})
    assert response.status_code == 302
    got = {f.student_id: f.value for f in demo.session.scalars(select(FinalMark).filter_by(
        term_id=term.id, subject_id=demo.math.id, class_id=demo.class_5a.id))}
    assert got[a.id] == str(_forecast(demo, a, term)) and b.id not in got and c.id not in got
    # After an error the form keeps exactly what was typed: a cleared field stays cleared.
    forecast_b = _forecast(demo, b, term)
    wrong_b = "5" if forecast_b != 5 else "4"
    response = client.post(url, data={"csrf_token": csrf_token(page.text), f"f{a.id}": str(_forecast(demo, a, term)),
                                      f"v{a.id}": "1", f"f{b.id}": wrong_b, f"f{c.id}": ""})
    assert response.status_code == 422
    shown = _final_rows(response.text)
    assert shown[b.id] == wrong_b and shown[c.id] == ""
    # The whole-class action fills every empty row with its forecast.
    response = client.post(url, data={"csrf_token": csrf_token(page.text), f"f{a.id}": str(_forecast(demo, a, term)),
                                      f"v{a.id}": "1", f"f{b.id}": "", f"f{c.id}": "", "take": "all"})
    assert response.status_code == 302
    got = {f.student_id: f.value for f in demo.session.scalars(select(FinalMark).filter_by(
        term_id=term.id, subject_id=demo.math.id, class_id=demo.class_5a.id))}
    assert got[b.id] == str(forecast_b) and got[c.id] == str(_forecast(demo, c, term))
