"""A few conversations in the demo school: the class teacher of 5А writes to the class's guardians
(acknowledgement asked, one guardian answered), a guardian asks the mathematics teacher about homework."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    GuardianLink,
    Role,
    RoleGrant,
    School,
    SchoolClass,
    TeachingAssignment,
    User,
    current_year,
    school_today,
    utcnow,
)
from plugins.mail.models import MailMessage, MailRecipient


def build(session: Session, school: School) -> None:
    year = current_year(session, school.id)
    if year is None:
        return
    cls = session.scalar(select(SchoolClass).where(SchoolClass.year_id == year.id, SchoolClass.grade_level == 5,
                                                   SchoolClass.letter == "А"))
    if cls is None:
        return
    teacher_id = session.scalar(select(RoleGrant.user_id).where(RoleGrant.role == Role.class_teacher,
                                                                RoleGrant.class_id == cls.id))
    from plugins.mail.addressing import resolve

    today = school_today(school.id, session=session)
    guardians = resolve(session, school.id, f"g:class_guardians:{cls.id}", today)
    math = session.scalar(select(TeachingAssignment.teacher_id).where(TeachingAssignment.class_id == cls.id)
                          .order_by(TeachingAssignment.id))
    if not teacher_id or not guardians:
        return
    now = utcnow()
    first = MailMessage(school_id=school.id, author_id=teacher_id, subject="Родительское собрание 3 декабря",
                        body="Уважаемые родители!\n\nРодительское собрание **3 декабря в 18:00**, кабинет 21.\n"
                             "- итоги первой четверти\n- подготовка к новогоднему празднику",
                        addressed=[{"key": f"g:class_guardians:{cls.id}", "label": f"Родители {cls.name}"}],
                        status="sent", requires_ack=True, sent_at=now - timedelta(days=2), created_at=now - timedelta(days=2))
    session.add(first)
    session.flush()
    first.thread_id = first.id
    for n, gid in enumerate(guardians):
        read = now - timedelta(days=1) if n % 3 == 0 else None
        session.add(MailRecipient(school_id=school.id, message_id=first.id, user_id=gid, via=f"Родители {cls.name}",
                                  read_at=read, acknowledged_at=read, notice="sent"))
    answer = MailMessage(school_id=school.id, author_id=guardians[0], thread_id=first.id, parent_id=first.id,
                         subject="Re: Родительское собрание 3 декабря", body="Спасибо, буду.",
                         addressed=[{"key": f"u:{teacher_id}", "label": ""}], status="sent",
                         sent_at=now - timedelta(days=1), created_at=now - timedelta(days=1))
    session.add(answer)
    session.flush()
    session.add(MailRecipient(school_id=school.id, message_id=answer.id, user_id=teacher_id, notice="sent"))
    if math and math != teacher_id:
        parent = session.scalar(select(User.id).join(GuardianLink, GuardianLink.guardian_id == User.id)
                                .where(User.id.in_(guardians)).order_by(User.id.desc()))
        ask = MailMessage(school_id=school.id, author_id=parent, subject="Домашнее задание по математике",
                          body="Здравствуйте! Сын болел в понедельник: какие номера нужно решить?",
                          addressed=[{"key": f"u:{math}", "label": ""}], status="sent",
                          sent_at=now - timedelta(hours=5), created_at=now - timedelta(hours=5))
        session.add(ask)
        session.flush()
        ask.thread_id = ask.id
        session.add(MailRecipient(school_id=school.id, message_id=ask.id, user_id=math, notice="sent"))
