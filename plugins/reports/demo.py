"""Demo data of the reports: entry times that tell a story, the deputy's weekly subscription, and the
deputy's analytical report on 5А sent to its class teacher (the seeds' duty C31)."""
from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.toolkit import Role, RoleGrant, School, SchoolClass, TeachingAssignment, User
from plugins.reports.models import Subscription


def realistic_entry_times(session: Session, school: School, slow_teachers: list[int]) -> None:
    """Give the journal's demo entries the times a teacher would have made them.

    The gradebook and attendance demos insert a year in bulk, so every topic, homework, roll call and
    mark carries the moment of the insert, and the timeliness report would call every old lesson late.
    Here entries made after the day following their lesson (in a fresh demo only bulk-insert artefacts are
    so late; realistic times written by those demos stay) get the lesson's own afternoon, and those of a
    few "slow" teachers three days later (never in the future), so the deputy's report has something true
    to show.
    """
    dialect = session.get_bind().dialect.name
    slow = ",".join(str(int(t)) for t in slow_teachers) or "0"
    delay = f"CASE WHEN l.teacher_id IN ({slow}) THEN 3 ELSE 0 END"
    if dialect == "postgresql":
        when = f"LEAST((l.date + interval '11 hours' + ({delay}) * interval '1 day') AT TIME ZONE 'UTC', now())"
        stale = "(l.date + interval '1 day') AT TIME ZONE 'UTC'"
    else:
        when = f"min(datetime(l.date, '+' || ({delay}) || ' days', '+11 hours'), datetime('now'))"
        stale = "date(l.date, '+1 days')"
    statements = [
        (f"UPDATE gradebook_lesson AS t SET topic_entered_at = {when} FROM gradebook_lesson AS l "
         f"WHERE l.id = t.id AND t.topic <> '' AND l.school_id = :school AND t.topic_entered_at IS NULL"),
        (f"UPDATE gradebook_homework AS t SET created_at = {when}, updated_at = {when} FROM gradebook_lesson AS l "
         f"WHERE l.id = t.lesson_id AND l.school_id = :school AND t.created_at > {stale}"),
        (f"UPDATE attendance_roll_call AS t SET taken_at = {when} FROM gradebook_lesson AS l "
         f"WHERE l.id = t.lesson_id AND l.school_id = :school AND t.taken_at > {stale}"),
        (f"UPDATE gradebook_mark AS t SET created_at = {when}, updated_at = {when} FROM gradebook_lesson AS l "
         f"WHERE l.id = t.lesson_id AND l.school_id = :school AND t.created_at > {stale}"),
    ]
    for sql in statements:
        session.execute(text(sql), {"school": school.id})


def build(session: Session, school: School, size: str) -> dict[str, int]:
    rng = random.Random(31)
    teachers = sorted(set(session.scalars(select(TeachingAssignment.teacher_id)
                                          .where(TeachingAssignment.school_id == school.id))))
    if size != "full":  # the full size is for benchmarks: rewriting 10⁵ marks would cost the time budget
        realistic_entry_times(session, school, rng.sample(teachers, min(len(teachers), 2)))
    deputy = session.scalar(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                            .where(User.school_id == school.id, RoleGrant.role == Role.deputy).limit(1))
    if deputy is None:
        return {"subscriptions": 0, "shared": 0}
    session.add(Subscription(school_id=school.id, user_id=deputy.id, report_key="journal_timeliness", params={},
                             weekday=0, email=deputy.email or "zavuch@school7.example"))
    shared = 0
    if size != "full":
        shared = _share_analysis(session, school, deputy)
    session.flush()
    return {"subscriptions": 1, "shared": shared}


def _share_analysis(session: Session, school: School, deputy: User) -> int:
    """The deputy's report on 5А, as the class teacher finds it in "Received reports"."""
    from flask import g

    from plugins.reports import params, registry, services

    g.setdefault("_reports_demo", True)  # flask-babel translates only when ``g`` holds something

    school_class = session.scalar(select(SchoolClass).where(SchoolClass.school_id == school.id,
                                                            SchoolClass.grade_level == 5, SchoolClass.letter == "А"))
    if school_class is None or school_class.class_teacher_id is None:
        return 0
    definition = registry.all_reports()["class_progress"]
    result, values = registry.execute(session, definition, {"class_id": school_class.id}, deputy)
    run = services.store_run(session, school_id=school.id, report_key=definition.key,
                             params=params.dump(definition.params, values), result=result, user_id=deputy.id)
    message: Any = ("Добрый день! Направляю анализ успеваемости класса за текущую четверть: обратите внимание "
                    "на учащихся с «2» и с одной «3», обсудим на совещании в четверг.")
    services.share_run(session, run, sender_id=deputy.id, recipient_ids=[school_class.class_teacher_id],
                       message=message)
    return 1
