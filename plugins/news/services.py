"""News rules over a Session: who is the audience of an item, what is published at a moment, writing with
a version check, read marks. Every write is audited."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from core.toolkit import (
    N_,
    ClassMembership,
    GuardianLink,
    ServiceError,
    User,
    audit,
    classes_of_user,
    local_to_utc,
    read_rows,
    utcnow,
)
from plugins.news.models import NewsItem, NewsRead


class NewsError(ServiceError):
    """A refused news change, shown in Russian."""


class Conflict(NewsError):
    status = 409
    code = "conflict"


def state(item: NewsItem) -> dict[str, Any]:
    return {"title": item.title, "body": item.body, "class_id": item.class_id,
            "publish_from": item.publish_from.isoformat() if item.publish_from else None,
            "publish_to": item.publish_to.isoformat() if item.publish_to else None, "version": item.version}


def reader_class_ids(session: Session, user: User, today: date) -> set[int]:
    """Classes whose news the user reads: own class, children's classes, classes taught or led."""
    return classes_of_user(session, user, today)


def published_at(moment: datetime) -> Any:
    """SQL condition: the item's window contains ``moment``."""
    return and_(NewsItem.publish_from <= moment, or_(NewsItem.publish_to.is_(None), NewsItem.publish_to > moment))


def current_for(session: Session, school_id: int, class_ids: set[int], moment: datetime,
                limit: int = 50) -> list[NewsItem]:
    """Items published at ``moment`` for the school and for any of ``class_ids``, newest first."""
    audience = NewsItem.class_id.is_(None)
    if class_ids:
        audience = or_(audience, NewsItem.class_id.in_(class_ids))
    return list(session.scalars(select(NewsItem).where(NewsItem.school_id == school_id, audience,
                                                       published_at(moment))
                                .order_by(NewsItem.publish_from.desc()).limit(limit)))


def in_week(session: Session, school_id: int, class_id: int, week_start: date, zone: Any) -> list[Any]:
    """(title, body) of the school and class items whose window overlaps the school week starting
    ``week_start``: the diary shows only these, so only these columns are read (no entities to build),
    by a statement built once (building it cost more than running it)."""
    low = local_to_utc(datetime.combine(week_start, time.min), zone)
    high = local_to_utc(datetime.combine(week_start + timedelta(days=7), time.min), zone)
    if not _IN_WEEK:
        _IN_WEEK.append(select(NewsItem.title, NewsItem.body).where(
            NewsItem.school_id == bindparam("school_id"),
            or_(NewsItem.class_id.is_(None), NewsItem.class_id == bindparam("class_id")),
            NewsItem.publish_from < bindparam("high", type_=NewsItem.publish_from.type),
            or_(NewsItem.publish_to.is_(None), NewsItem.publish_to > bindparam("low", type_=NewsItem.publish_to.type)))
            .order_by(NewsItem.publish_from))
    return list(read_rows(session, _IN_WEEK[0], {"school_id": school_id, "class_id": class_id, "high": high, "low": low}))


_IN_WEEK: list[Any] = []


def _check(title: str, publish_from: datetime | None, publish_to: datetime | None) -> str:
    title = (title or "").strip()
    if not title:
        raise NewsError(N_("Give the news a title."), field="title")
    if publish_from is None:
        raise NewsError(N_("Enter when the news appears."), field="publish_from")
    if publish_to is not None and publish_to <= publish_from:
        raise NewsError(N_("The news must appear before it disappears."), field="publish_to")
    return title[:200]


def create(session: Session, *, school_id: int, author: User, title: str, body: str, class_id: int | None,
           publish_from: datetime | None, publish_to: datetime | None) -> NewsItem:
    item = NewsItem(school_id=school_id, class_id=class_id, title=_check(title, publish_from, publish_to),
                    body=(body or "").strip(), author_id=author.id, publish_from=publish_from,
                    publish_to=publish_to, created_at=utcnow())
    session.add(item)
    session.flush()
    audit(session, school_id=school_id, action="news.item.create", object_type="news.item", object_id=item.id,
          new=state(item))
    return item


def update(session: Session, item: NewsItem, *, version: int | None, title: str, body: str,
           publish_from: datetime | None, publish_to: datetime | None) -> NewsItem:
    if version is not None and version != item.version:
        raise Conflict(N_("Someone changed this news while you were editing; its title is now «%(value)s». "
                          "Reload the page and make your change again."), value=item.title)
    old = state(item)
    item.title = _check(title, publish_from, publish_to)
    item.body, item.publish_from, item.publish_to = (body or "").strip(), publish_from, publish_to
    item.version += 1
    audit(session, school_id=item.school_id, action="news.item.edit", object_type="news.item", object_id=item.id,
          old=old, new=state(item))
    return item


def mark_read(session: Session, item: NewsItem, user: User) -> None:
    found = session.scalar(select(NewsRead.id).where(NewsRead.item_id == item.id, NewsRead.user_id == user.id))
    if found is None:
        session.add(NewsRead(school_id=item.school_id, item_id=item.id, user_id=user.id, read_at=utcnow()))
        session.flush()


def audience_ids(session: Session, item: NewsItem, today: date) -> set[int]:
    """Who the item is for: a class's students and their guardians, or every active account of the school."""
    if item.class_id is None:
        return set(session.scalars(select(User.id).where(User.school_id == item.school_id,
                                                         User.is_active_account.is_(True))))
    students = set(session.scalars(select(ClassMembership.student_id).where(
        ClassMembership.class_id == item.class_id, ClassMembership.active_on(today))))
    guardians = set(session.scalars(select(GuardianLink.guardian_id).where(
        GuardianLink.student_id.in_(students)))) if students else set()
    return students | guardians


def readers(session: Session, item: NewsItem) -> list[tuple[User, datetime]]:
    return [(u, at) for u, at in session.execute(
        select(User, NewsRead.read_at).join(NewsRead, NewsRead.user_id == User.id)
        .where(NewsRead.item_id == item.id).order_by(User.last_name, User.first_name))]


def read_counts(session: Session, item: NewsItem, today: date) -> tuple[int, int]:
    """(read, audience): «прочитали 12 из 27»; readers outside the audience (staff) are not counted."""
    audience = audience_ids(session, item, today)
    read = set(session.scalars(select(NewsRead.user_id).where(NewsRead.item_id == item.id)))
    return len(read & audience), len(audience)


def count_unread(session: Session, user: User, items: list[NewsItem]) -> int:
    if not items:
        return 0
    read = session.scalar(select(func.count(NewsRead.id)).where(NewsRead.user_id == user.id,
                                                                NewsRead.item_id.in_([i.id for i in items]))) or 0
    return len(items) - read
