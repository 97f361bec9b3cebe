"""Background work of the diary: the periodic tick, the instant sender, information letters by e-mail."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.toolkit import (
    GuardianLink,
    Job,
    User,
    core_settings,
    plugin_settings,
    school_today,
    school_zone,
    schools_with_plugin,
    send_mail,
    working_for,
)
from plugins.diary import events, notify, sending

log = logging.getLogger("klass.diary")


def _own_session(session: Session) -> Session:
    """A session of the sender's own on the same connection source: it commits around every message
    without committing anything of the caller's."""
    return Session(bind=session.get_bind(), expire_on_commit=False, join_transaction_mode="create_savepoint")


def periodic(session: Session, now: datetime) -> sending.DrainResult:
    """The ``on_periodic_tick`` tick: send instant messages left over and the digests that are due, school
    by school, each with its own diary settings; a school that switched the diary off is left alone."""
    own = _own_session(session)
    total = sending.DrainResult()
    try:
        forget_old_sender_jobs(own, now)
        schools = schools_with_plugin(own, "diary")
        events.forget_cursors(own, schools)
        own.commit()
        for school_id in schools:
            own.commit()
            with working_for(school_id, session=own):
                expand_events(own, school_id)
                done = sending.drain(own, now, mail=core_settings()["mail"], settings=plugin_settings("diary"),
                                     send=send_mail, school_id=school_id)
            total.sent += done.sent
            total.digests += done.digests
            total.failed += done.failed
            total.given_up += done.given_up
            total.errors += done.errors
        return total
    finally:
        own.close()


def send_school(session: Session, school_id: int) -> None:
    """Task handler (``wake_sender``): turn the saves' audit entries into notifications and send this school's
    instant messages, with the school's own settings; again while requests commit more meanwhile (bounded:
    the tick takes the rest)."""
    with working_for(school_id, session=session):
        expand_events(session, school_id)
        for _round in range(10):
            sending.drain(session, datetime.now(UTC), mail=core_settings()["mail"],
                          settings=plugin_settings("diary"), send=send_mail, digests=False, school_id=school_id)
            if expand_events(session, school_id) == 0:
                return


def send_instant(session: Session, job: Job, progress: Any) -> dict[str, Any]:
    """Job handler of the sender before it ran without a job row: jobs queued before an upgrade still run."""
    with working_for(job.school_id, session=session):
        expand_events(session, job.school_id)
        result = sending.drain(session, datetime.now(UTC), mail=core_settings()["mail"],
                              settings=plugin_settings("diary"), send=send_mail, digests=False,
                              school_id=job.school_id)
    return {"sent": result.sent, "failed": result.failed}


def words() -> events.Words:
    """The school's settings the sender words its messages with (inside ``working_for`` that school)."""
    from plugins.gradebook.averages import work_type_titles

    codes = {c["code"]: (c["title"], c["kind"]) for c in plugin_settings("attendance")["codes"]}
    return events.Words(plugin_settings("diary"), codes, work_type_titles(plugin_settings("gradebook")))


def expand_events(session: Session, school_id: int | None = None) -> int:
    """Turn what the saves wrote to the audit log (marks, roll calls) into notifications, and commit: the
    recipients, their choices and the words are looked up here, not in the teacher's request. Returns how
    many audit entries were expanded. ``school_id``: only that school's, with its settings (None: every
    school that runs the diary, each with its own)."""
    if school_id is None:
        return sum(expand_events(session, one) for one in schools_with_plugin(session, "diary"))
    total = 0
    with working_for(school_id, session=session):
        wording, zone = words(), school_zone(school_id, session=session)
        while True:
            done = events.expand(session, school_id, wording, zone)
            session.commit()
            total += done
            if done == 0:
                return total


def wake_sender(school_id: int) -> bool:
    """Queue the instant sender of ``school_id`` after a request queued messages: a task in the job queue
    (Redis or the instance's file), not a ``core_job`` row, so the saving request runs no statement for it.

    Deduplicated per school by the queue: while one waits no other is queued (it has not started, so it
    will see these messages; a teacher typing a column of marks makes a handful of runs, not thirty), and
    one that already runs loops while events keep arriving. Per school, so another school's waiting sender
    never holds this school's messages back. Returns whether a sender was queued."""
    from core.toolkit import enqueue_task

    return enqueue_task("plugins.diary.jobs:send_school", school_id=school_id, key=f"diary.send:{school_id}")


def forget_old_sender_jobs(session: Session, now: datetime) -> None:
    """The instant sender's finished jobs are of no interest after a day: keep the jobs list readable."""
    session.execute(delete(Job).where(Job.kind == "diary.notify", Job.status == "done",
                                      Job.created_at < now - timedelta(days=1)))


def send_letters(session: Session, job: Job, progress: Any) -> dict[str, Any]:
    """Job handler: e-mail the information letter (PDF attached) to the guardians of the chosen students."""
    p = job.params
    student_ids: list[int] = p["student_ids"]
    names = {i: f"{last} {first}" for i, last, first in session.execute(
        select(User.id, User.last_name, User.first_name).where(User.id.in_(student_ids)))}
    links = session.execute(select(GuardianLink.student_id, User.id, User.email)
                            .join(User, User.id == GuardianLink.guardian_id)
                            .where(GuardianLink.student_id.in_(student_ids))).all()
    without_email = sorted({names.get(s, "") for s in student_ids} -
                           {names.get(s, "") for s, _g, email in links if email})
    total = len(student_ids)
    queued = 0
    for n, student_id in enumerate(student_ids, 1):
        for s, guardian_id, email in links:
            if s != student_id or not email:
                continue
            notify.queue_direct(session, job.school_id, guardian_id, "letter",
                                f"letter:{job.id}:{student_id}:{guardian_id}",
                                {"student": names.get(student_id, ""), "student_id": student_id,
                                 "term_id": p["term_id"], "term": p["term"], "class_id": p["class_id"],
                                 "note": p.get("note", ""), "today": p.get("today") or school_today(job.school_id, session=session).isoformat(),
                                 "filename": f"letter-{student_id}.pdf"},
                                student_id=student_id)
            queued += 1
        session.commit()
        progress(n, total * 2, names.get(student_id, ""))
    with working_for(job.school_id, session=session):
        expand_events(session, job.school_id)
        result = sending.drain(session, datetime.now(UTC), mail=core_settings()["mail"],
                              settings=plugin_settings("diary"), send=send_mail, digests=False,
                              school_id=job.school_id)
    progress(total * 2, total * 2, "")
    return {"queued": queued, "sent": result.sent, "failed": result.failed, "without_email": without_email}
