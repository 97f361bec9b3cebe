"""E-mail notices of new posts to a topic's subscribers, sent by a background job (a busy class section
must not make the poster wait for the mail server). A retried job sends nothing twice: each subscription
remembers the last post it was told about."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    User,
    build_message,
    core_settings,
    find_owned,
    may_email,
    school_today,
    send_mail,
    submit_job,
)
from plugins.forum.access import Reader
from plugins.forum.models import ForumPost, ForumSection, ForumSubscription, ForumTopic


def _may_email(session: Session, user: User) -> bool:
    """Whether this person may receive forum notices by e-mail: an address, an active account, and no
    refusal of electronic information in the consent register (the core's one check)."""
    return bool(user.email) and user.is_active_account and may_email(session, user.id, "forum_notice")


def queue(session: Session, post: ForumPost, actor_id: int | None) -> None:
    """Queue the notices of ``post`` (commits the caller's transaction, as every job submission does)."""
    submit_job(session, school_id=post.school_id, kind="forum.notices", title="forum notices",
               handler="plugins.forum.notices:run", params={"post_id": post.id}, user_id=actor_id)


def run(session: Session, job: Any, progress: Any) -> dict[str, Any]:
    post = find_owned(ForumPost, int(job.params["post_id"]), job.school_id, session=session)
    if post is None or post.hidden:
        return {"sent": 0}
    topic = session.get(ForumTopic, post.topic_id)
    section = session.get(ForumSection, topic.section_id) if topic else None
    if topic is None or section is None:
        return {"sent": 0}
    subs = session.scalars(select(ForumSubscription).where(
        ForumSubscription.topic_id == topic.id, ForumSubscription.user_id != post.author_id,
        ForumSubscription.notified_post_id < post.id)).all()
    mail = core_settings()["mail"]
    today = school_today(post.school_id, session=session)
    author = session.get(User, post.author_id)
    sent = 0
    for sub in subs:
        user = session.get(User, sub.user_id)
        if user is None or not Reader(session, user, today).may_read(section) or not _may_email(session, user):
            continue
        body = _("%(author)s wrote in the topic «%(topic)s» of the school forum:\n\n%(text)s",
                 author=author.full_name if author else "", topic=topic.title, text=post.body[:2000])
        try:
            send_mail(mail, build_message(mail, [user.email], _("New message on the forum: %(topic)s",
                                                                topic=topic.title), body))
        except OSError:  # the mail server refused: the post is on the page, the next post will try again
            continue
        sub.notified_post_id = post.id
        sent += 1
    session.commit()
    return {"sent": sent}
