"""Issue 6, "done when": a substitution shows in the substitute's journal and in the families' diary for
that day; moves and cancellations are recorded (who, when, why) and survive regenerating lessons."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.models import AuditEntry, User
from plugins.gradebook.public import Lesson, Mark
from plugins.timetable.agenda import day_schedule
from plugins.timetable.generation import generate_lessons
from plugins.timetable.lesson_changes import changes_for, substitute
from plugins.timetable.models import LessonChange
from tests.conftest import post_form
from tests.plugins.timetable.tt_helpers import bearer, class_id, future_week


def _lesson(session, class_name, day, number=2):
    """The whole-class lesson at ``number`` that day, or the nearest one after it (the demo week has gaps)."""
    return session.scalar(select(Lesson).where(Lesson.class_id == class_id(session, class_name), Lesson.date == day,
                                               Lesson.number >= number, Lesson.subgroup_id.is_(None))
                          .order_by(Lesson.number).limit(1))


def _free_teacher(session, lesson):
    busy = set(session.scalars(select(Lesson.teacher_id).where(Lesson.date == lesson.date,
                                                               Lesson.number == lesson.number)))
    from core.models import RoleGrant

    return session.scalar(select(User).join(RoleGrant, RoleGrant.user_id == User.id).where(
        RoleGrant.role == "teacher", User.id.not_in(busy | {lesson.teacher_id})).order_by(User.id).limit(1))


def test_hook_register_lesson_editors(app, session, login_as, demo_school):
    """The substitute may fill the lesson's journal; the regular teacher keeps the right to correct it."""
    monday, _term = future_week(session, demo_school["school_id"])
    lesson = _lesson(session, "5А", monday + timedelta(days=1))
    regular = lesson.teacher_id
    sub = _free_teacher(session, lesson)
    hook = app.extensions["klass"].pm.hook
    assert [i for ids in hook.register_lesson_editors(session=session, lesson=lesson) for i in ids] == []

    response = post_form(login_as("deputy"), f"/timetable/lessons/{lesson.id}/substitute",
                         {"teacher_id": sub.id, "reason": "Больничный"},
                         page=f"/timetable/changes?date={lesson.date.isoformat()}&class_id={lesson.class_id}")
    assert response.status_code == 302
    lesson = session.get(Lesson, lesson.id)
    assert lesson.teacher_id == sub.id  # the substitute gives it: it is in their journal
    editors = [i for ids in hook.register_lesson_editors(session=session, lesson=lesson) for i in ids]
    assert sub.id in editors and regular in editors

    # The families' diary for that day shows the change.
    changes = changes_for(session, lesson.class_id, lesson.date, lesson.date)
    assert [(c.kind, c.new_teacher_id, c.teacher_id, c.reason) for c in changes] == [
        ("substitution", sub.id, regular, "Больничный")]
    assert changes[0].created_by == "Лебедева И. П."
    slots = [s for s in day_schedule(session, lesson.class_id, lesson.date) if s.lesson_id == lesson.id]
    assert slots[0].change == "substitution" and slots[0].starts_at is not None
    # The substitute sees it in their own week.
    teacher_page = login_as(sub.login).get(f"/timetable/teacher?date={lesson.date.isoformat()}").text
    assert "вместо: " in teacher_page
    # Audit: who and when.
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "timetable.change.create")
                           .order_by(AuditEntry.id.desc()).limit(1))
    assert entry.new["kind"] == "substitution"


def test_families_see_the_change_and_only_their_own_classes(app, session, login_as, demo_school):
    monday, _term = future_week(session, demo_school["school_id"])
    lesson = _lesson(session, "5А", monday)
    sub = _free_teacher(session, lesson)
    substitute(session, demo_school["school_id"], lesson, sub.id, "Курсы")
    session.commit()
    guardian = login_as("guardian")  # has a child in 5А and one in 9А
    query = {"class_id": lesson.class_id, "start": monday.isoformat(), "end": (monday + timedelta(days=6)).isoformat()}
    answer = guardian.get("/api/v1/timetable/changes", query_string=query)
    assert answer.status_code == 200
    assert [c["kind"] for c in answer.json] == ["substitution"]
    assert answer.json[0]["new_teacher"] == sub.short_name
    week = guardian.get(f"/api/v1/timetable/classes/{lesson.class_id}/week", query_string={"date": monday.isoformat()})
    notes = [s["change_note"] for d in week.json for s in d["slots"] if s["change"]]
    assert len(notes) == 1
    assert notes[0].startswith(f"Замена: {sub.short_name} вместо ") and notes[0].endswith("(Курсы)")
    page = guardian.get(f"/timetable/?class_id={lesson.class_id}&date={monday.isoformat()}")
    assert page.status_code == 200 and "замена" in page.text
    other = class_id(session, "5Б")
    assert guardian.get("/api/v1/timetable/changes", query_string={**query, "class_id": other}).status_code == 404
    assert guardian.get(f"/timetable/?class_id={other}").status_code == 404


def test_substitute_busy_at_that_time_is_refused(app, session, login_as, demo_school):
    monday, _term = future_week(session, demo_school["school_id"])
    lesson = _lesson(session, "5А", monday, 1)
    busy = session.scalar(select(Lesson.teacher_id).where(Lesson.date == lesson.date, Lesson.number == lesson.number,
                                                          Lesson.teacher_id != lesson.teacher_id).limit(1))
    answer = app.test_client().post("/api/v1/timetable/substitutions", json={"lesson_id": lesson.id, "teacher_id": busy},
                                    headers=bearer(session, demo_school["accounts"]["deputy"]))
    assert answer.status_code == 409
    assert "в это время уже ведёт урок" in answer.json["error"]["message"]
    assert session.get(Lesson, lesson.id).teacher_id == lesson.teacher_id


def test_move_and_cancel_are_kept_when_lessons_are_generated_again(app, session, demo_school):
    from plugins.timetable.lesson_changes import cancel, move
    from plugins.timetable.refusals import TimetableError

    school_id = demo_school["school_id"]
    monday, _term = future_week(session, school_id)
    moving = _lesson(session, "5Б", monday, 2)
    target_day = monday + timedelta(days=4)
    change = move(session, school_id, moving, target_day, 8, room="210", reason="Экскурсия")
    assert (moving.date, moving.number) == (target_day, 8)
    cancelled = _lesson(session, "5Б", monday + timedelta(days=1), 3)
    slot = (cancelled.class_id, cancelled.subject_id, cancelled.date, cancelled.number)
    cancel(session, school_id, cancelled, "Учитель на курсах")
    # A lesson with marks cannot be cancelled.
    held = _lesson(session, "5Б", monday + timedelta(days=2), 1)
    session.add(Mark(school_id=school_id, lesson_id=held.id, student_id=session.scalar(select(Mark.student_id).limit(1)),
                     value="4", numeric=4.0, work_type="answer"))
    session.flush()
    try:
        cancel(session, school_id, held, "Ошибка")
    except TimetableError as exc:
        assert exc.status == 409
    else:
        raise AssertionError("a lesson with marks was cancelled")

    report = generate_lessons(session, school_id, monday, monday + timedelta(days=6),
                              class_ids=[moving.class_id])
    assert report.created == 0
    assert session.get(Lesson, moving.id).date == target_day  # the move stays
    assert session.scalar(select(Lesson.id).where(Lesson.class_id == slot[0], Lesson.subject_id == slot[1],
                                                  Lesson.date == slot[2], Lesson.number == slot[3])) is None
    kinds = sorted(c.kind for c in changes_for(session, moving.class_id, monday, monday + timedelta(days=6)))
    assert kinds == ["cancel", "move"]
    day = day_schedule(session, moving.class_id, monday + timedelta(days=1))
    assert [s.change for s in day if s.number == 3 and s.subject_id == slot[1]] == ["cancel"]
    assert change.reason == "Экскурсия"


def test_hook_revert_change(app, session, demo_school):
    """A substitution made from a leaked account is undone: the regular teacher comes back."""
    school_id = demo_school["school_id"]
    monday, _term = future_week(session, school_id)
    lesson = _lesson(session, "9А", monday, 2)
    regular = lesson.teacher_id
    substitute(session, school_id, lesson, _free_teacher(session, lesson).id, "")
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "timetable.change.create")
                           .order_by(AuditEntry.id.desc()).limit(1))
    result = app.extensions["klass"].pm.hook.revert_change(session=session, entry=entry)
    assert result == {"revoked": True, "kind": "substitution"}
    assert session.get(Lesson, lesson.id).teacher_id == regular
    assert session.scalar(select(LessonChange.revoked_at).where(LessonChange.id == int(entry.object_id))) is not None
    assert changes_for(session, lesson.class_id, monday, monday) == []


def test_cancel_through_the_page_needs_a_reason(app, session, login_as, demo_school):
    monday, _term = future_week(session, demo_school["school_id"])
    lesson = _lesson(session, "1А", monday, 1)
    deputy = login_as("deputy")
    page = f"/timetable/changes?date={monday.isoformat()}&class_id={lesson.class_id}"
    response = post_form(deputy, f"/timetable/lessons/{lesson.id}/cancel", {"reason": ""}, page=page)
    assert session.get(Lesson, lesson.id) is not None
    response = post_form(deputy, f"/timetable/lessons/{lesson.id}/cancel", {"reason": "Карантин"}, page=page)
    assert response.status_code == 302
    assert session.get(Lesson, lesson.id) is None
    text = deputy.get(page).text
    assert "Урок отменён (Карантин)" in text


def _student_of(session, class_name, subgroup_id=None, member=True):
    """A student of the class (in, or not in, the subgroup) with a login of their own."""
    from core.models import ClassMembership, SubgroupMember

    query = select(User).join(ClassMembership, ClassMembership.student_id == User.id).where(
        ClassMembership.class_id == class_id(session, class_name), ClassMembership.ends_on.is_(None))
    if subgroup_id is not None:
        members = select(SubgroupMember.student_id).where(SubgroupMember.subgroup_id == subgroup_id)
        query = query.where(User.id.in_(members) if member else User.id.not_in(members))
    return session.scalar(query.order_by(User.id).limit(1))


def test_a_family_that_saw_the_week_sees_a_substitution_made_after(session, login_as, demo_school):
    """The diary keeps a class's bells and change notes per week until the school's timetable changes
    (core.content_cache): a substitution recorded after the student opened the week shows on the next view."""
    monday, _term = future_week(session, demo_school["school_id"])
    lesson = _lesson(session, "5А", monday + timedelta(days=2))
    sub = _free_teacher(session, lesson)
    student = login_as(_student_of(session, "5А").login)
    week = f"/diary/?week={monday.isoformat()}"
    assert "Замена:" not in student.get(week).text
    assert "Замена:" not in student.get(week).text  # now from this process's cache
    post_form(login_as("deputy"), f"/timetable/lessons/{lesson.id}/substitute",
              {"teacher_id": sub.id, "reason": "Больничный"},
              page=f"/timetable/changes?date={lesson.date.isoformat()}&class_id={lesson.class_id}")
    assert f"Замена: {sub.short_name} вместо " in student.get(week).text


def test_a_subgroups_change_shows_only_to_its_members(session, login_as, demo_school):
    from core.models import Subgroup

    monday, _term = future_week(session, demo_school["school_id"])
    grouped = session.scalar(select(Lesson).join(Subgroup, Subgroup.id == Lesson.subgroup_id).where(
        Lesson.class_id == class_id(session, "5А"), Lesson.date >= monday, Lesson.date <= monday + timedelta(days=4))
        .order_by(Lesson.date, Lesson.number).limit(1))
    assert grouped is not None, "the demo's 5А has lessons in subgroups"
    member = login_as(_student_of(session, "5А", grouped.subgroup_id).login)
    other = login_as(_student_of(session, "5А", grouped.subgroup_id, member=False).login)
    week = f"/diary/?week={monday.isoformat()}"
    assert "Замена:" not in member.get(week).text and "Замена:" not in other.get(week).text
    sub = _free_teacher(session, grouped)
    substitute(session, demo_school["school_id"], grouped, sub.id, "Курсы")
    session.commit()
    assert f"Замена: {sub.short_name} вместо " in member.get(week).text
    assert "Замена:" not in other.get(week).text
