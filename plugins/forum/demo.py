"""A forum in the demo school: a school section, one section per class of the current year (5А with a
topic where the class teacher and a guardian talk), and the mathematics teachers' association."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.toolkit import (
    AcademicYear,
    ClassMembership,
    GuardianLink,
    Role,
    RoleGrant,
    School,
    SchoolClass,
    Subject,
    TeachingAssignment,
    User,
    utcnow,
)
from plugins.forum.models import ForumMember, ForumPost, ForumSection, ForumSubscription, ForumTopic


def _topic(session: Session, section: ForumSection, title: str, posts: list[tuple[int, str]], days_ago: int,
           pinned: bool = False) -> ForumTopic:
    start = utcnow() - timedelta(days=days_ago)
    topic = ForumTopic(school_id=section.school_id, section_id=section.id, title=title, author_id=posts[0][0],
                       created_at=start, last_post_at=start + timedelta(hours=len(posts)), pinned=pinned)
    session.add(topic)
    session.flush()
    last = 0
    for n, (author_id, body) in enumerate(posts):
        post = ForumPost(school_id=section.school_id, topic_id=topic.id, author_id=author_id, body=body,
                         created_at=start + timedelta(hours=n))
        session.add(post)
        session.flush()
        last = post.id
    session.add(ForumSubscription(school_id=section.school_id, topic_id=topic.id, user_id=posts[0][0],
                                  seen_post_id=last, notified_post_id=last))
    return topic


def build(session: Session, school: School) -> None:
    year_id = session.scalar(select(AcademicYear.id).where(AcademicYear.school_id == school.id,
                                                           AcademicYear.is_current.is_(True)))
    classes = session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id,
                                                        SchoolClass.year_id == year_id)
                              .order_by(SchoolClass.grade_level, SchoolClass.letter)).all()
    admin = session.scalar(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                           .where(User.school_id == school.id, RoleGrant.role == Role.admin).order_by(User.id))
    if admin is None or not classes:
        return
    common = ForumSection(school_id=school.id, kind="school", title="Общешкольный раздел",
                          description="Вопросы и объявления для всей школы", weight=10)
    session.add(common)
    session.flush()
    _topic(session, common, "Правила форума",
           [(admin.id, "Пишите вежливо и по делу. Сообщения, нарушающие правила, скрываются модератором.")],
           days_ago=30, pinned=True)
    by_class: dict[int, ForumSection] = {}
    for c in classes:
        section = ForumSection(school_id=school.id, kind="class", class_id=c.id, title=f"{c.name} класс",
                               description="Для учеников, родителей и учителей класса", weight=50)
        session.add(section)
        by_class[c.id] = section
    session.flush()
    fifth = next((c for c in classes if c.grade_level == 5 and c.letter == "А"), classes[0])
    lead = session.scalar(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                          .where(RoleGrant.role == Role.class_teacher, RoleGrant.class_id == fifth.id))
    guardian = session.scalar(select(User).join(GuardianLink, GuardianLink.guardian_id == User.id)
                              .join(ClassMembership, ClassMembership.student_id == GuardianLink.student_id)
                              .where(ClassMembership.class_id == fifth.id).order_by(User.id).limit(1))
    if lead and guardian:
        _topic(session, by_class[fifth.id], "Экскурсия в краеведческий музей",
               [(lead.id, "Уважаемые родители! В пятницу классом едем в **краеведческий музей**. "
                          "Нужны двое сопровождающих."),
                (guardian.id, "Могу поехать сопровождающим.")], days_ago=3)
    maths = session.scalar(select(Subject.id).where(Subject.school_id == school.id, Subject.name == "Математика"))
    teachers = session.scalars(select(TeachingAssignment.teacher_id).where(
        TeachingAssignment.school_id == school.id, TeachingAssignment.subject_id == maths)
        .group_by(TeachingAssignment.teacher_id).order_by(func.min(TeachingAssignment.id))).all() if maths else []
    if teachers:
        mo = ForumSection(school_id=school.id, kind="association", title="МО учителей математики",
                          description="Методическое объединение", weight=80)
        session.add(mo)
        session.flush()
        for tid in teachers:
            session.add(ForumMember(school_id=school.id, section_id=mo.id, user_id=tid))
        _topic(session, mo, "Контрольные работы во 2 четверти",
               [(teachers[0], "Коллеги, предлагаю согласовать даты контрольных работ в параллели 5 классов.")],
               days_ago=5)
