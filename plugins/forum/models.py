"""The forum's tables: sections (school, class, methodological association), their association members,
topics, posts (with an optional quote and attachment), and subscriptions that also remember what the
subscriber has seen (the «new posts» widget and the e-mail notices read them)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.toolkit import Base, UTCDateTime, utcnow

KINDS = ("school", "class", "association")


class ForumSection(Base):
    """``kind`` decides who reads it: everyone of the school, the class's members (``class_id``), or the
    association's members (``ForumMember`` rows)."""

    __tablename__ = "forum_section"
    __table_args__ = (Index("ix_forum_section_school_kind", "school_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    kind: Mapped[str] = mapped_column(String(12))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("core_school_class.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500), default="")
    weight: Mapped[int] = mapped_column(Integer, default=100)


class ForumMember(Base):
    """A staff member of a methodological association's section."""

    __tablename__ = "forum_member"
    __table_args__ = (UniqueConstraint("section_id", "user_id", name="uq_forum_member"),
                      Index("ix_forum_member_school_user", "school_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    section_id: Mapped[int] = mapped_column(ForeignKey("forum_section.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))


class ForumTopic(Base):
    __tablename__ = "forum_topic"
    __table_args__ = (Index("ix_forum_topic_school_section", "school_id", "section_id", "last_post_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    section_id: Mapped[int] = mapped_column(ForeignKey("forum_section.id"))
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ForumPost(Base):
    """``body`` is the author's Markdown source; the page renders and sanitises it each time. A hidden post
    keeps its text for the author and the moderators, with the reason; an edit by a moderator is shown."""

    __tablename__ = "forum_post"
    __table_args__ = (Index("ix_forum_post_school_topic", "school_id", "topic_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("forum_topic.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    body: Mapped[str] = mapped_column(Text)
    quote_post_id: Mapped[int | None] = mapped_column(Integer)
    quote_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    moderator_edit: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("core_stored_file.id"))
    file_name: Mapped[str] = mapped_column(String(255), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)


class ForumSubscription(Base):
    """A user follows a topic: ``seen_post_id`` is the last post she has seen (the widget counts the newer
    ones), ``notified_post_id`` the last one an e-mail told her about (a retried job sends nothing twice)."""

    __tablename__ = "forum_subscription"
    __table_args__ = (UniqueConstraint("topic_id", "user_id", name="uq_forum_subscription"),
                      Index("ix_forum_subscription_school_user", "school_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("core_school.id"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("forum_topic.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"))
    seen_post_id: Mapped[int] = mapped_column(Integer, default=0)
    notified_post_id: Mapped[int] = mapped_column(Integer, default=0)
