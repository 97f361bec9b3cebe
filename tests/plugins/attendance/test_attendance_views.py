"""The pages: the phone roll call, a teacher's day, the class teacher's week, reasons, families' notes,
summaries, the deputy's list, the start-page widgets, and who may open what."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from core.models import AuditEntry
from plugins.attendance.marking import lesson_pupils
from plugins.attendance.models import AbsenceNote, AttendanceMark, LessonRollCall, WeekVerification
from plugins.attendance.weekly import monday
from plugins.gradebook.public import Lesson, Mark

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _token(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _post(client, url, data, page=None, **kwargs):
    return client.post(url, data={**data, "csrf_token": _token(client.get(page or url).text)}, **kwargs)


def test_roll_call_page_on_a_phone(login_as, demo, session, today):
    lesson = demo.teacher_lesson(today)
    pupils = lesson_pupils(session, lesson)
    client = login_as("teacher")
    page = client.get(f"/attendance/lessons/{lesson.id}")
    assert page.status_code == 200
    assert "Сохранить посещаемость" in page.text and pupils[0].last_name in page.text
    assert 'name="viewport"' in page.text and "roll_call.js" in page.text
    assert client.get("/attendance/static/attendance/roll_call.js").status_code == 200

    absent, late = pupils[0], pupils[1]
    reply = _post(client, f"/attendance/lessons/{lesson.id}",
                  {f"code_{absent.id}": "н", f"code_{late.id}": "о", f"late_{late.id}": "5"}, follow_redirects=True)
    assert "Посещаемость сохранена" in reply.text
    assert "отсутствуют 1, опоздали 1" in reply.text
    marks = {m.student_id: m for m in session.scalars(select(AttendanceMark).where(AttendanceMark.lesson_id == lesson.id))}
    assert marks[absent.id].code == "н" and marks[late.id].code == "о" and marks[late.id].minutes_late == 5
    assert set(marks) == {absent.id, late.id}  # everyone else present: earlier marks of this lesson cleared
    assert session.get(LessonRollCall, lesson.id).taken_by == demo.user("teacher").id


def test_a_roll_call_with_everyone_present_is_recorded(login_as, demo, session, today):
    lesson = demo.teacher_lesson(today)
    session.query(AttendanceMark).filter(AttendanceMark.lesson_id == lesson.id).delete()
    session.query(LessonRollCall).filter(LessonRollCall.lesson_id == lesson.id).delete()
    session.flush()
    client = login_as("teacher")
    assert "Посещаемость ещё не отмечена" in client.get(f"/attendance/lessons/{lesson.id}").text
    reply = _post(client, f"/attendance/lessons/{lesson.id}", {}, follow_redirects=True)
    assert "отсутствуют 0" in reply.text
    assert session.get(LessonRollCall, lesson.id) is not None


def test_a_bad_code_on_the_roll_call_saves_nothing(login_as, demo, session, today):
    lesson = demo.teacher_lesson(today)
    pupil = lesson_pupils(session, lesson)[0]
    before = {m.student_id: m.code for m in session.scalars(select(AttendanceMark).where(AttendanceMark.lesson_id == lesson.id))}
    reply = _post(login_as("teacher"), f"/attendance/lessons/{lesson.id}", {f"code_{pupil.id}": "Z"},
                  follow_redirects=True)
    assert "не обозначение посещаемости" in reply.text
    after = {m.student_id: m.code for m in session.scalars(select(AttendanceMark).where(AttendanceMark.lesson_id == lesson.id))}
    assert before == after


def test_today_page_lists_lessons_with_their_status(login_as, demo, session, today):
    lesson = demo.teacher_lesson(today)
    page = login_as("teacher").get(f"/attendance/today?day={lesson.date.isoformat()}")
    assert page.status_code == 200
    assert f"/attendance/lessons/{lesson.id}" in page.text
    assert "5А" in page.text and ("посещаемость отмечена" in page.text or "отметить посещаемость" in page.text)


def _seeded_week(session, demo):
    """The week of the demo's "absent and yet given a mark" case in 5А."""
    row = session.execute(
        select(Lesson.date, Mark.student_id).join(Mark, Mark.lesson_id == Lesson.id)
        .join(AttendanceMark, (AttendanceMark.lesson_id == Mark.lesson_id) & (AttendanceMark.student_id == Mark.student_id))
        .where(Lesson.class_id == demo.five_a.id, AttendanceMark.code == "н")
        .order_by(Lesson.date.desc()).limit(1)).first()
    return monday(row.date)


def test_class_teacher_verifies_the_week_and_sees_the_demo_discrepancies(login_as, demo, session, today):
    week = _seeded_week(session, demo)
    client = login_as("class_teacher")
    url = f"/attendance/classes/{demo.five_a.id}/week?start={week.isoformat()}"
    page = client.get(url)
    assert page.status_code == 200
    assert "Не проверена" in page.text
    assert "Отмечен отсутствующим (н) и получил отметку" in page.text
    assert "Отсутствовал весь день без уважительной причины" in page.text
    assert "отмечена" in page.text  # lessons with their status

    reply = _post(client, f"/attendance/classes/{demo.five_a.id}/week/verify?start={week.isoformat()}",
                  {"comment": "сверено с учителями"}, page=url, follow_redirects=True)
    assert "Неделя отмечена как проверенная" in reply.text
    assert "Проверена" in reply.text and "сверено с учителями" in reply.text
    row = session.scalar(select(WeekVerification).where(WeekVerification.class_id == demo.five_a.id,
                                                        WeekVerification.week_start == week))
    assert row.verified_by == demo.user("class_teacher").id and row.open_issues >= 2
    assert session.scalar(select(AuditEntry.id).where(AuditEntry.action == "attendance.week.verify")) is not None

    # Another class's week stays closed to this class teacher; a subject teacher cannot confirm.
    assert client.get(f"/attendance/classes/{demo.five_b.id}/week").status_code == 404
    assert login_as("teacher").post(f"/attendance/classes/{demo.five_a.id}/week/verify").status_code in (400, 403)


def test_guardian_note_for_three_days_accepted_turns_absences_excused(login_as, demo, session, today):
    """Done when: a guardian's note for three days, accepted by the class teacher, turns those absences
    into excused ones, and the audit log shows each change."""
    child = demo.family_child
    days = sorted(set(session.scalars(
        select(Lesson.date).join(AttendanceMark, AttendanceMark.lesson_id == Lesson.id)
        .where(AttendanceMark.student_id == child, AttendanceMark.code == "н", Lesson.date < today))))[-3:]
    assert len(days) == 3
    absences = list(session.scalars(
        select(AttendanceMark).join(Lesson, Lesson.id == AttendanceMark.lesson_id)
        .where(AttendanceMark.student_id == child, Lesson.date >= days[0], Lesson.date <= days[-1],
               AttendanceMark.code == "н")))
    assert len(absences) >= 3

    guardian = login_as("guardian")
    page = guardian.get("/attendance/notes")
    assert page.status_code == 200 and "Объяснить пропуск" in page.text
    from io import BytesIO

    reply = _post(guardian, "/attendance/notes",
                  {"student_id": str(child), "starts_on": days[0].isoformat(), "ends_on": days[-1].isoformat(),
                   "kind": "illness", "text": "Болел, справка от педиатра", "scan": (BytesIO(PNG), "spravka.png")},
                  follow_redirects=True, content_type="multipart/form-data")
    assert "Записка отправлена классному руководителю" in reply.text
    note = session.scalar(select(AbsenceNote).where(AbsenceNote.student_id == child).order_by(AbsenceNote.id.desc()))
    assert note.status == "pending" and note.file_size == len(PNG) and note.content_type == "image/png"
    assert "ждёт решения классного руководителя" in reply.text

    teacher = login_as("class_teacher")
    listing = teacher.get(f"/attendance/classes/{demo.five_a.id}/notes")
    assert "Болел, справка от педиатра" in listing.text and "spravka.png" in listing.text
    scan = teacher.get(f"/attendance/classes/{demo.five_a.id}/notes/{note.id}/scan")
    assert scan.status_code == 200 and scan.data == PNG
    reply = _post(teacher, f"/attendance/classes/{demo.five_a.id}/notes/{note.id}/decide", {"decision": "accept"},
                  page=f"/attendance/classes/{demo.five_a.id}/notes", follow_redirects=True)
    assert f"Записка принята; пропусков стало уважительными: {len(absences)}" in reply.text

    for mark in absences:
        session.refresh(mark)
        assert mark.code == "б" and mark.reason_id is not None and "болезнь" in mark.reason
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "attendance.mark.excuse")
                              .where(AuditEntry.object_id.in_([f"{m.lesson_id}:{child}" for m in absences]))).all()
    assert len(entries) == len(absences)
    assert all(e.old["code"] == "н" and e.new["code"] == "б" and e.actor_id == demo.user("class_teacher").id
               for e in entries)
    audit_page = login_as("deputy").get("/audit/?action=attendance.mark.excuse")
    assert audit_page.text.count("attendance.mark.excuse") >= len(absences)
    assert "принята" in guardian.get("/attendance/notes").text


def test_guardians_see_and_send_notes_for_their_own_children_only(login_as, demo, session, today):
    guardian = login_as("guardian")
    stranger = demo.pupils(demo.five_b.id)[0]
    page = guardian.get("/attendance/notes").text
    assert f'value="{stranger}"' not in page
    reply = _post(guardian, "/attendance/notes", {"student_id": str(stranger), "starts_on": today.isoformat(),
                                                  "ends_on": today.isoformat(), "kind": "illness"})
    assert reply.status_code == 200  # refused by the form: not one of the choices
    assert session.scalar(select(AbsenceNote.id).where(AbsenceNote.student_id == stranger)) is None
    other_note = session.scalar(select(AbsenceNote.id).where(AbsenceNote.student_id != demo.family_child))
    assert guardian.get(f"/attendance/notes/{other_note}/scan").status_code == 404
    assert login_as("teacher").get("/attendance/notes").status_code == 403


def test_a_note_with_a_wrong_file_is_refused_in_russian(login_as, demo, session, today):
    from io import BytesIO

    reply = _post(login_as("guardian"), "/attendance/notes",
                  {"student_id": str(demo.family_child), "starts_on": today.isoformat(), "ends_on": today.isoformat(),
                   "kind": "family", "scan": (BytesIO(b"MZ\x90\x00 not a document"), "virus.exe")},
                  content_type="multipart/form-data")
    assert "Приложите файл PDF, JPEG или PNG" in reply.text
    assert session.scalar(select(AbsenceNote.id).where(AbsenceNote.student_id == demo.family_child)) is None


def test_rejecting_a_note_needs_a_comment(login_as, demo, session):
    note = session.scalar(select(AbsenceNote).where(AbsenceNote.status == "pending",
                                                    AbsenceNote.class_id == demo.five_a.id))
    teacher = login_as("class_teacher")
    notes_url = f"/attendance/classes/{demo.five_a.id}/notes"
    reply = _post(teacher, f"{notes_url}/{note.id}/decide", {"decision": "reject"}, page=notes_url, follow_redirects=True)
    assert "Укажите, почему записка отклонена" in reply.text
    session.refresh(note)
    assert note.status == "pending"
    reply = _post(teacher, f"{notes_url}/{note.id}/decide", {"decision": "reject", "comment": "Нужна справка"},
                  page=notes_url, follow_redirects=True)
    assert "Записка отклонена" in reply.text
    session.refresh(note)
    assert note.status == "rejected" and note.decision_comment == "Нужна справка"


def test_class_teacher_sets_a_reason_for_a_range(login_as, demo, session, today):
    from plugins.attendance.context import settings
    from plugins.attendance.weekly import week_overview

    week = _seeded_week(session, demo)
    overview = week_overview(session, settings(), demo.school_id, demo.five_a.id, week)
    away = next(d.student_id for d in overview.discrepancies if d.kind == "day_without_reason")
    client = login_as("class_teacher")
    url = f"/attendance/classes/{demo.five_a.id}/reasons"
    assert "Указать причину" in client.get(url).text
    reply = _post(client, url, {"student_id": str(away), "starts_on": week.isoformat(),
                                "ends_on": (week + timedelta(days=6)).isoformat(), "kind": "order",
                                "document": "приказ № 112"}, follow_redirects=True)
    assert "Причина сохранена; пропусков стало уважительными:" in reply.text
    codes = set(session.scalars(select(AttendanceMark.code).join(Lesson, Lesson.id == AttendanceMark.lesson_id)
                                .where(AttendanceMark.student_id == away, Lesson.date >= week,
                                       Lesson.date <= week + timedelta(days=6))))
    assert "н" not in codes and "п" in codes
    assert "приказ № 112" in client.get(url).text
    overview = week_overview(session, settings(), demo.school_id, demo.five_a.id, week)
    assert not [d for d in overview.discrepancies if d.kind == "day_without_reason" and d.student_id == away]

    reply = _post(client, url, {"student_id": str(away), "starts_on": today.isoformat(),
                                "ends_on": (today - timedelta(days=3)).isoformat(), "kind": "order"})
    assert "Первый день не может быть позже последнего" in reply.text
    assert login_as("teacher").get(url).status_code == 403


def test_deputy_sees_lessons_left_without_attendance(login_as, demo, session, today):
    client = login_as("deputy")
    page = client.get("/attendance/monitor")
    assert page.status_code == 200
    flagged = session.scalars(
        select(Lesson).outerjoin(LessonRollCall, LessonRollCall.lesson_id == Lesson.id)
        .where(Lesson.class_id == demo.five_b.id, LessonRollCall.lesson_id.is_(None),
               Lesson.date <= today - timedelta(days=4))).all()
    assert flagged
    for lesson in flagged[:3]:
        assert f"/attendance/lessons/{lesson.id}" in page.text
    roll = client.get(f"/attendance/lessons/{flagged[0].id}")
    assert roll.status_code == 200 and "Сохранить посещаемость" in roll.text  # the deputy may fill it in
    assert login_as("teacher").get("/attendance/monitor").status_code == 403


def test_summary_page(login_as, demo, today):
    page = login_as("class_teacher").get(f"/attendance/classes/{demo.five_a.id}/summary")
    assert page.status_code == 200
    assert "Доля пропусков" in page.text and "из них по уважительной" in page.text
    assert login_as("deputy").get(f"/attendance/classes/{demo.five_b.id}/summary").status_code == 200
    assert login_as("class_teacher").get(f"/attendance/classes/{demo.five_b.id}/summary").status_code == 404


def test_dashboard_widgets(login_as, demo):
    class_page = login_as("class_teacher").get("/").text
    assert "Посещаемость моего класса" in class_page
    assert "непроверенных недель" in class_page
    assert "Записок от родителей ждут вашего решения: 1" in class_page
    deputy_page = login_as("deputy").get("/").text
    assert "Уроки без посещаемости" in deputy_page
    assert "Посещаемость моего класса" not in login_as("guardian").get("/").text


def test_menu_items_per_role(login_as):
    assert "Отметка посещаемости" in login_as("teacher").get("/").text
    assert "Объяснительные записки" in login_as("guardian").get("/").text
    assert "Контроль посещаемости" in login_as("deputy").get("/").text
    assert "Отметка посещаемости" not in login_as("guardian").get("/").text
