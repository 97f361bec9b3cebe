"""The diary's sender reads the audit log (PostgreSQL, committed, two connections): a save that took its
audit id first but commits after a later save (ids are handed out at insert, transactions commit in their
own order) is still announced to the family once it commits, and the later one is not announced twice."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from core.models import ClassMembership, GuardianLink, SchoolClass, Subject, User
from core.toolkit import plugin_settings
from plugins.attendance.models import AttendanceMark
from plugins.diary.models import Notification, NotificationPreference
from plugins.gradebook.models import Lesson, Mark
from tests.conftest import FIXED_TODAY
from tests.races.conftest import RaceSchool


def _family(school: RaceSchool) -> tuple[int, int, list[int]]:
    """A 5А pupil with a guardian who has an e-mail address, the guardian, and the demo teacher's two newest
    5А math lessons of the last two days (both within the diary's absence window)."""
    with school.session() as s:
        five_a = s.scalar(select(SchoolClass).where(SchoolClass.grade_level == 5, SchoolClass.letter == "А"))
        pupils = sorted(s.scalars(select(ClassMembership.student_id).where(ClassMembership.class_id == five_a.id)))
        kid, guardian = s.execute(
            select(GuardianLink.student_id, User.id).join(User, User.id == GuardianLink.guardian_id)
            .where(GuardianLink.student_id.in_(pupils[3:-3]), User.email != "").order_by(GuardianLink.student_id)
        ).first()
        teacher = s.scalar(select(User).where(User.login == school.accounts["teacher"]))
        lessons = list(s.scalars(select(Lesson.id).join(Subject, Subject.id == Lesson.subject_id).where(
            Lesson.teacher_id == teacher.id, Lesson.class_id == five_a.id, Subject.name == "Математика",
            Lesson.subgroup_id.is_(None), Lesson.date <= FIXED_TODAY, Lesson.date >= FIXED_TODAY - timedelta(days=2))
            .order_by(Lesson.date.desc(), Lesson.number.desc())))
        assert len(lessons) >= 2, "the demo teacher has two 5А math lessons in the last two days"
        return kid, guardian, lessons[:2]


def _keys(school: RaceSchool, student_id: int) -> list[str]:
    with school.session() as s:
        return sorted(s.scalars(select(Notification.key).where(Notification.student_id == student_id)))


def _send(school: RaceSchool) -> None:
    """What the woken sender task does first: the school's audit entries become notifications."""
    from plugins.diary.jobs import expand_events

    with school.app.app_context(), school.session() as s:
        expand_events(s, school.school_id)


def test_an_audit_entry_committed_after_a_later_numbered_one_is_still_delivered(race_school: RaceSchool) -> None:
    from plugins.gradebook.editing import Editor
    from plugins.gradebook.mark_saving import create_mark

    kid, guardian, (roll_lesson, mark_lesson) = _family(race_school)
    with race_school.session() as s:
        s.execute(delete(AttendanceMark).where(AttendanceMark.lesson_id == roll_lesson))
        s.execute(delete(Mark).where(Mark.lesson_id == mark_lesson, Mark.student_id == kid))
        s.execute(delete(Notification).where(Notification.student_id == kid))
        s.merge(NotificationPreference(guardian_id=guardian, school_id=race_school.school_id, mode="instant"))
        s.commit()
    _send(race_school)  # whatever other tests saved before is expanded: this test starts level
    start = race_school.max_id("core_audit_entry")

    # A: a mark is saved in a transaction that stays open (its audit entry has taken its id).
    slow = race_school.session()
    with race_school.app.app_context():
        lesson = slow.get(Lesson, mark_lesson)
        editor = Editor(user_id=lesson.teacher_id, school_id=lesson.school_id, today=FIXED_TODAY, may_edit=True)
        mark = create_mark(slow, plugin_settings("gradebook"), editor, lesson_id=mark_lesson, student_id=kid,
                           value="2")
        slow.flush()
    # B: meanwhile the roll call of another lesson is saved and committed (a request of its own).
    client = race_school.client("teacher")
    assert client.post(f"/api/v1/attendance/lessons/{roll_lesson}/roll-call",
                       json={"marks": [{"student_id": kid, "code": "н"}]}).status_code == 200
    audits = race_school.audits("", start)
    roll_ids = [a.id for a in audits if a.action == "attendance.mark.update"]
    assert roll_ids, "the roll call was audited"

    try:
        _send(race_school)  # B is visible, A is not
        absence = f"absence:{roll_lesson}:{kid}:н:{guardian}"
        assert _keys(race_school, kid) == [absence]
        slow.commit()  # A commits after B although its entry is numbered before B's
        assert min(a.id for a in race_school.audits("gradebook.mark", start)) < min(roll_ids)
        _send(race_school)
        assert _keys(race_school, kid) == sorted([absence, f"mark:{mark.id}:v1:{guardian}"])  # A delivered, B once
        with race_school.session() as s:
            assert s.scalar(select(func.count()).select_from(Notification).where(
                Notification.student_id == kid)) == 2
    finally:
        slow.close()
        with race_school.session() as s:
            s.execute(delete(Notification).where(Notification.student_id == kid))
            s.execute(delete(NotificationPreference).where(NotificationPreference.guardian_id == guardian))
            s.commit()
