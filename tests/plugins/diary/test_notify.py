"""Notifications: a new mark reaches an "instant" guardian once and a "daily" guardian's digest once,
and no restart of the sender ever sends anything twice."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.toolkit import GuardianLink, User
from tests.conftest import all_plugins, sign_in
from tests.plugins.diary.conftest import school_today

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def mail_app(make_app, smtp_server):
    app = make_app(plugins=all_plugins(), settings={"mail": smtp_server.settings})
    with app.app_context():
        yield app


@pytest.fixture
def family(mail_app, people):
    """A 5А child with two guardians who both have e-mail: the mother wants every event at once, the
    grandmother a daily digest."""
    from core.toolkit import Role, grant_role
    from plugins.diary.models import NotificationPreference

    session = mail_app.extensions["klass"].session()
    kid = session.get(User, next(s.id for s in people.in_5a if s.id not in {k.id for k in people.kids}))
    session.execute(NotificationPreference.__table__.delete().where(NotificationPreference.guardian_id.in_(
        select(GuardianLink.guardian_id).where(GuardianLink.student_id == kid.id))))
    mother = session.scalar(select(User).join(GuardianLink, GuardianLink.guardian_id == User.id)
                            .where(GuardianLink.student_id == kid.id, User.email != ""))
    for link in session.scalars(select(GuardianLink).where(GuardianLink.student_id == kid.id,
                                                           GuardianLink.guardian_id != mother.id)):
        session.delete(link)
    grandma = User(school_id=kid.school_id, login=f"babushka{kid.id}", last_name=kid.last_name, first_name="Зинаида",
                   middle_name="Петровна", email="babushka@example.org", must_change_password=False)
    session.add(grandma)
    session.flush()
    grant_role(session, grandma, Role.guardian)
    session.add(GuardianLink(guardian_id=grandma.id, student_id=kid.id, school_id=kid.school_id, relation="бабушка"))
    session.add(NotificationPreference(guardian_id=mother.id, school_id=kid.school_id, mode="instant"))
    session.add(NotificationPreference(guardian_id=grandma.id, school_id=kid.school_id, mode="daily"))
    session.commit()
    return kid, mother, grandma


def _teacher(app, lesson):
    """The lesson's teacher as the gradebook's saving functions see an editor (the app's hooks relay)."""
    from plugins.gradebook.editing import Editor

    return Editor(user_id=lesson.teacher_id, school_id=lesson.school_id, today=school_today(), may_edit=True,
                  may_edit_any=True, hooks=app.extensions["klass"].pm.hook)


def _give_mark(app, kid, people, value="5", work_type="test"):
    """A teacher gives a mark through the gradebook's own service, which calls ``on_mark_saved``."""
    from core.toolkit import plugin_settings
    from plugins.gradebook.mark_saving import create_mark
    from plugins.gradebook.models import Lesson

    session = app.extensions["klass"].session()
    lesson = session.scalar(select(Lesson).where(Lesson.class_id == people.classes["5А"].id,
                                                 Lesson.subgroup_id.is_(None), Lesson.date <= school_today())
                            .order_by(Lesson.date.desc()))
    mark = create_mark(session, plugin_settings("gradebook"), _teacher(app, lesson), lesson_id=lesson.id,
                       student_id=kid.id, value=value, work_type=work_type, comment="Молодец")
    session.commit()
    return mark, lesson


def _expand(app):
    """The sender's first step (the instant job or the tick): queued events become notifications."""
    from plugins.diary.jobs import expand_events

    expand_events(app.extensions["klass"].session())


def _after_digest_hour() -> datetime:
    """A moment after the next daily digest time (18:00 school time), later than anything queued now."""
    local_now = datetime.now(MSK)
    day = local_now.date() + timedelta(days=1)
    return datetime.combine(day, time(18, 30), MSK).astimezone(UTC)


def _tick(app, now):
    from core.jobs import run_periodic

    run_periodic(app, now)


def test_new_mark_one_instant_email_and_one_daily_digest_line_and_never_twice(mail_app, make_app, smtp_server,
                                                                               family, people):
    kid, mother, grandma = family
    _mark, lesson = _give_mark(mail_app, kid, people)
    now = _after_digest_hour()
    _tick(mail_app, now)

    to_mother = [m for m in smtp_server.messages if mother.email in m["To"]]
    to_grandma = [m for m in smtp_server.messages if grandma.email in m["To"]]
    assert len(to_mother) == 1 and len(to_grandma) == 1
    instant = to_mother[0]
    assert instant["Subject"] == f"Новая оценка: {kid.last_name} {kid.first_name} — {lesson_subject(lesson)}, 5"
    body = instant.get_body(("plain",)).get_content()
    assert f"Здравствуйте, {mother.first_name} {mother.middle_name}!" in body
    assert "оценка 5 (Контрольная работа) — комментарий учителя: Молодец" in body
    assert f"/diary/{kid.id}" in body
    digest = to_grandma[0]
    assert digest["Subject"].startswith("Дневник: события за ")
    lines = [line for line in digest.get_body(("plain",)).get_content().splitlines() if line.strip().startswith("•")]
    assert len(lines) == 1 and "оценка 5 (Контрольная работа)" in lines[0]

    # The sender runs again, later, and in a new app after a restart: nothing more goes out.
    _tick(mail_app, now)
    _tick(mail_app, now + timedelta(hours=2))
    restarted = make_app(plugins=all_plugins(), settings={"mail": smtp_server.settings})
    _tick(restarted, now + timedelta(hours=3))
    family_mail = [m for m in smtp_server.messages if mother.email in m["To"] or grandma.email in m["To"]]
    assert len(family_mail) == 2  # (other plugins may send their own periodic mail meanwhile)


def lesson_subject(lesson):
    from core.toolkit import Subject, db

    return db().get(Subject, lesson.subject_id).name


def test_hook_on_mark_saved(mail_app, family, people):
    """Marks saved through the gradebook's service (its on_mark_saved hook with action, full old and new):
    one message per guardian who wants marks; a changed value is a new event; a comment-only edit is not
    sent; a deleted mark's waiting messages are withdrawn."""
    from core.toolkit import plugin_settings
    from plugins.diary.models import Notification
    from plugins.gradebook.mark_saving import delete_mark, update_mark

    kid, mother, grandma = family
    mark, lesson = _give_mark(mail_app, kid, people)
    session = mail_app.extensions["klass"].session()
    settings, teacher = plugin_settings("gradebook"), _teacher(mail_app, lesson)

    def keys() -> list[str]:
        _expand(mail_app)  # what the sender does first: the saves only queued one event each
        return sorted(session.scalars(select(Notification.key).where(Notification.student_id == kid.id)))

    first = sorted([f"mark:{mark.id}:v1:{mother.id}", f"mark:{mark.id}:v1:{grandma.id}"])
    assert keys() == first
    update_mark(session, settings, teacher, mark.id, version=mark.version, comment="Хорошо, но небрежно")
    session.commit()
    assert keys() == first  # a comment-only edit tells nobody
    update_mark(session, settings, teacher, mark.id, version=mark.version, value="3")
    session.commit()
    _expand(mail_app)
    changed = session.scalar(select(Notification).where(
        Notification.key == f"mark:{mark.id}:v{mark.version}:{mother.id}"))
    assert changed.payload["old_value"] == "5" and changed.payload["value"] == "3"
    assert changed.payload["comment"] == "Хорошо, но небрежно"
    mark_id = mark.id
    delete_mark(session, settings, teacher, mark_id, version=mark.version)
    session.commit()
    _expand(mail_app)
    statuses = set(session.scalars(select(Notification.status).where(Notification.key.like(f"mark:{mark_id}:%"))))
    assert statuses == {"cancelled"}


def test_a_crash_while_sending_is_never_resent(mail_app, make_app, smtp_server, family, people):
    from plugins.diary.models import Notification

    kid, mother, _grandma = family
    _give_mark(mail_app, kid, people)
    _expand(mail_app)
    session = mail_app.extensions["klass"].session()
    row = session.scalar(select(Notification).where(Notification.recipient_id == mother.id))
    # The worker claimed it, and died before it could record the outcome.
    row.status, row.claimed_at, row.attempts = "sending", datetime.now(UTC) - timedelta(hours=1), 1
    session.commit()
    restarted = make_app(plugins=all_plugins(), settings={"mail": smtp_server.settings})
    _tick(restarted, datetime.now(UTC))
    assert [m for m in smtp_server.messages if mother.email in m["To"]] == []
    session = mail_app.extensions["klass"].session()
    session.expire_all()
    row = session.get(Notification, row.id)
    assert row.status == "failed" and "not resent" in row.error


def test_smtp_down_then_up_sends_once(make_app, smtp_server, family, people, mail_app):
    from plugins.diary.models import Notification

    kid, mother, _grandma = family
    _give_mark(mail_app, kid, people)
    down = make_app(plugins=all_plugins(), settings={"mail": {**smtp_server.settings, "port": 9, "timeout": 2}})
    _tick(down, datetime.now(UTC))
    session = mail_app.extensions["klass"].session()
    session.expire_all()
    row = session.scalar(select(Notification).where(Notification.recipient_id == mother.id))
    assert (row.status, row.attempts) == ("pending", 1) and row.error
    _tick(mail_app, datetime.now(UTC))
    _tick(mail_app, datetime.now(UTC))
    assert len([m for m in smtp_server.messages if mother.email in m["To"]]) == 1


def test_guardian_who_chose_none_or_not_marks_gets_nothing(mail_app, smtp_server, family, people):
    from plugins.diary.models import Notification, NotificationPreference

    kid, mother, grandma = family
    session = mail_app.extensions["klass"].session()
    session.get(NotificationPreference, mother.id).mode = "none"
    session.get(NotificationPreference, grandma.id).marks = False
    session.commit()
    _give_mark(mail_app, kid, people)
    _expand(mail_app)
    assert session.scalars(select(Notification).where(Notification.student_id == kid.id)).all() == []


def test_hook_on_attendance_batch_saved(mail_app, smtp_server, family, people):
    """Marked absent at today's lesson: the family hears once; a reason added later changes nothing;
    an old lesson corrected late stays quiet; "present" again withdraws what is still waiting."""
    from plugins.diary.models import Notification
    from plugins.gradebook.models import Lesson

    kid, mother, grandma = family
    state = mail_app.extensions["klass"]
    session = state.session()
    lessons = session.scalars(select(Lesson).where(
        Lesson.class_id == people.classes["5А"].id, Lesson.subgroup_id.is_(None), Lesson.date <= school_today())
        .order_by(Lesson.date.desc(), Lesson.number.desc())).all()
    lesson, old_lesson = lessons[0], next(x for x in lessons if (school_today() - x.date).days > 5)
    lesson.date = school_today()  # held today, whatever the demo calendar says
    present = {"code": "", "minutes_late": None, "reason": ""}
    absent = {"code": "н", "minutes_late": None, "reason": ""}
    from core.toolkit import plugin_settings
    from plugins.attendance.marking import save_mark
    from plugins.attendance.models import AttendanceMark
    from plugins.attendance.rights import Actor

    session.execute(AttendanceMark.__table__.delete().where(  # present at both lessons to begin with
        AttendanceMark.student_id == kid.id, AttendanceMark.lesson_id.in_([lesson.id, old_lesson.id])))

    def saved(target, old, new, actor_id):
        """The attendance service saves the change (audited; ``on_attendance_batch_saved`` called): the
        diary's sender reads the audit entry."""
        actor = Actor(user_id=actor_id or target.teacher_id, school_id=target.school_id, edit_any=True)
        save_mark(session, plugin_settings("attendance"), actor, target.id, kid.id, new["code"],
                  today=school_today(), reason=new["reason"], notify=state.pm.hook.on_attendance_batch_saved)

    for target in (lesson, old_lesson):
        saved(target, present, absent, lesson.teacher_id)
    saved(lesson, absent, {**absent, "code": "б", "reason": "справка"}, None)
    session.commit()
    _tick(mail_app, datetime.now(UTC))
    to_mother = [m for m in smtp_server.messages if mother.email in m["To"]]
    assert len(to_mother) == 1
    assert to_mother[0]["Subject"].startswith(f"Посещаемость: {kid.last_name} {kid.first_name}")
    assert f"{lesson.number}-й урок" in to_mother[0].get_body(("plain",)).get_content()
    assert "отсутствовал" in to_mother[0].get_body(("plain",)).get_content()
    # The grandmother's digest line is still waiting; the teacher corrects the mark to "present".
    saved(lesson, absent, present, lesson.teacher_id)
    session.commit()
    _expand(mail_app)
    waiting = session.scalar(select(Notification).where(Notification.recipient_id == grandma.id))
    assert waiting.status == "cancelled"
    _tick(mail_app, _after_digest_hour())
    assert [m for m in smtp_server.messages if grandma.email in m["To"]] == []


def test_hook_on_homework_saved(mail_app, smtp_server, family, people):
    from plugins.diary.models import NotificationPreference
    from plugins.gradebook.models import Homework, Lesson

    kid, mother, _grandma = family
    state = mail_app.extensions["klass"]
    session = state.session()
    session.get(NotificationPreference, mother.id).homework = True
    lesson = session.scalar(select(Lesson).where(Lesson.class_id == people.classes["5А"].id,
                                                 Lesson.subgroup_id.is_(None)).order_by(Lesson.date.desc()))
    homework = session.scalar(select(Homework).where(Homework.lesson_id == lesson.id))
    if homework is None:
        homework = Homework(school_id=lesson.school_id, lesson_id=lesson.id)
        session.add(homework)
    homework.text = "Сочинение «Моя семья»"
    session.flush()
    state.pm.hook.on_homework_saved(session=session, lesson=lesson, homework=homework)
    session.commit()
    _tick(mail_app, datetime.now(UTC))
    to_mother = [m for m in smtp_server.messages if mother.email in m["To"]]
    assert len(to_mother) == 1 and to_mother[0]["Subject"].startswith("Домашнее задание:")
    assert "Сочинение «Моя семья»" in to_mother[0].get_body(("plain",)).get_content()


def test_a_remark_written_on_the_page_is_mailed_at_once(mail_app, smtp_server, family, people):
    """No waiting for the periodic tick: the request that queued a message starts the sender."""
    from tests.conftest import post_form

    kid, mother, _grandma = family
    teacher = sign_in(mail_app.test_client(), people.class_teacher.login)
    response = post_form(teacher, "/diary/remarks", {"student_id": kid.id, "kind": "concern",
                                                     "subject_id": 0, "text": "Забыл спортивную форму"})
    assert response.status_code == 302
    to_mother = [m for m in smtp_server.messages if mother.email in m["To"]]
    assert len(to_mother) == 1
    assert to_mother[0]["Subject"] == f"Замечание: {kid.last_name} {kid.first_name}"
    assert "Забыл спортивную форму" in to_mother[0].get_body(("plain",)).get_content()


def test_weekly_digest_groups_the_week(mail_app, smtp_server, family, people):
    from plugins.diary.models import NotificationPreference

    kid, mother, grandma = family
    session = mail_app.extensions["klass"].session()
    session.get(NotificationPreference, grandma.id).mode = "weekly"
    session.get(NotificationPreference, mother.id).mode = "none"
    session.commit()
    _give_mark(mail_app, kid, people, value="4")
    _give_mark(mail_app, kid, people, value="3", work_type="answer")
    local = datetime.now(MSK)
    saturday = local.date() + timedelta(days=(5 - local.weekday()) % 7 or 7)
    now = datetime.combine(saturday, time(19), MSK).astimezone(UTC)
    _tick(mail_app, now)
    _tick(mail_app, now + timedelta(days=1))
    to_grandma = [m for m in smtp_server.messages if grandma.email in m["To"]]
    assert len(to_grandma) == 1 and "события недели" in to_grandma[0]["Subject"]
    body = to_grandma[0].get_body(("plain",)).get_content()
    assert len([line for line in body.splitlines() if line.strip().startswith("•")]) == 2


def test_notification_preferences_page(login_as, session, people):
    from plugins.diary.models import NotificationPreference
    from tests.conftest import post_form

    client = login_as("guardian")
    page = client.get("/diary/notifications").text
    assert "Раз в день, сводка вечером" in page
    response = post_form(client, "/diary/notifications", {"mode": "instant", "marks": "y", "email": ""})
    assert response.status_code == 200
    assert "Укажите адрес электронной почты" in response.text
    session.expire_all()
    stored = session.get(NotificationPreference, people.guardian.id)
    assert stored is None or stored.mode != "instant"  # nothing saved on bad input
    response = post_form(client, "/diary/notifications", {"mode": "weekly", "marks": "y", "remarks": "y",
                                                          "email": "mama@example.org"})
    assert response.status_code == 302
    session.expire_all()
    stored = session.get(NotificationPreference, people.guardian.id)
    assert (stored.mode, stored.marks, stored.absences, stored.remarks) == ("weekly", True, False, True)
    assert session.get(User, people.guardian.id).email == "mama@example.org"
