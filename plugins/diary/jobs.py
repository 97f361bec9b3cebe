"""Background work of the diary: the periodic tick, the instant sender, information letters by e-mail."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.toolkit import (
    GuardianLink,
    Job,
    User,
    core_settings,
    plugin_settings,
    school_today,
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
        own.commit()
        for school_id in schools_with_plugin(own, "diary"):
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


def send_instant(session: Session, job: Job, progress: Any) -> dict[str, Any]:
    """Job handler: send the instant messages queued by a request (submitted right after it)."""
    with working_for(job.school_id, session=session):
        expand_events(session, job.school_id)
        result = sending.drain(session, datetime.now(UTC), mail=core_settings()["mail"],
                              settings=plugin_settings("diary"), send=send_mail, digests=False,
                              school_id=job.school_id)
    return {"sent": result.sent, "failed": result.failed}


def expand_events(session: Session, school_id: int | None = None) -> int:
    """Turn what the requests queued (marks, roll calls) into notifications, and commit: the recipients,
    their choices and the words are looked up here, not in the teacher's request. ``school_id``: only that
    school's events, with its settings (the caller runs inside ``working_for`` it)."""
    total = 0
    while True:
        done = events.expand(session, plugin_settings("diary"), school_id=school_id)
        session.commit()
        total += done
        if done == 0:
            return total


WAKE_INTERVAL = timedelta(seconds=20)
_last_wake: dict[tuple[int, int], datetime] = {}  # per process, database and school: when this process last started the sender


def wake_sender(session: Session, school_id: int, user_id: int | None = None) -> Job | None:
    """Submit the instant sender after a request queued messages, unless one is waiting or was started a
    moment ago (a teacher typing a column of marks makes one job, not thirty; anything left is sent by the
    next request's job or the periodic tick)."""
    from core.toolkit import submit_job

    now = datetime.now(UTC)
    engine_key = (id(session.get_bind()), school_id)
    if now - _last_wake.get(engine_key, now - WAKE_INTERVAL) < WAKE_INTERVAL:
        return None  # started a moment ago by this process: no statement at all for the next saves
    _last_wake[engine_key] = now
    # Per school: another school's waiting sender must not hold this school's messages back (the sender
    # drains only its own school's messages, see ``send_instant``).
    recent = session.scalar(select(Job.id).where(
        Job.kind == "diary.notify", Job.school_id == school_id,
        (Job.status == "queued") | (Job.created_at >= datetime.now(UTC) - WAKE_INTERVAL)).limit(1))
    if recent is not None:
        return None
    return submit_job(session, school_id=school_id, kind="diary.notify", title=_("Notifications to families"),
                      handler="plugins.diary.jobs:send_instant")


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
