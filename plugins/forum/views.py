"""The forum pages (/forum): sections the user may read, a section's topics, a topic's posts with the
reply form, moderation buttons for moderators, the administrator's section form. A section or topic the
user may not read answers 404, exactly like a missing one."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.toolkit import (
    DOCUMENTS_AND_IMAGES,
    SchoolClass,
    User,
    acting_user,
    check_upload,
    current_school_id,
    db,
    file_response,
    get_owned_or_404,
    load_file,
    plugin_settings,
    render_text,
    requires_permission,
    school_today,
)
from plugins.forum import notices, services
from plugins.forum.access import STAFF_ROLES, Reader
from plugins.forum.models import ForumPost, ForumSection, ForumSubscription, ForumTopic

bp = Blueprint("forum", __name__, url_prefix="/forum", template_folder="templates")


def reader() -> Reader:
    return Reader(db(), acting_user(), school_today())


def load_section(section_id: int, who: Reader) -> ForumSection:
    section = get_owned_or_404(ForumSection, section_id)
    if not who.may_read(section):
        abort(404)
    return section


def load_topic(topic_id: int, who: Reader) -> tuple[ForumTopic, ForumSection]:
    topic = get_owned_or_404(ForumTopic, topic_id)
    return topic, load_section(topic.section_id, who)


def load_post(post_id: int, who: Reader) -> tuple[ForumPost, ForumTopic, ForumSection]:
    post = get_owned_or_404(ForumPost, post_id)
    topic, section = load_topic(post.topic_id, who)
    return post, topic, section


def upload_from_form() -> Any:
    """The attached file checked by its content (None when nothing is attached)."""
    upload = request.files.get("file")
    if not upload or not upload.filename:
        return None
    limit = plugin_settings("forum")["max_attachment_kb"] * 1024
    return check_upload(upload.read(limit + 1), upload.filename, allowed=DOCUMENTS_AND_IMAGES, max_bytes=limit)


def visible_sections(who: Reader) -> list[ForumSection]:
    rows = db().scalars(select(ForumSection).where(ForumSection.school_id == current_school_id())
                        .order_by(ForumSection.weight, ForumSection.title)).all()
    return [s for s in rows if who.may_read(s)]


@bp.get("/")
@requires_permission("forum.view")
def index() -> Any:
    who = reader()
    sections = visible_sections(who)
    counts = dict(db().execute(select(ForumTopic.section_id, func.count(ForumTopic.id))
                               .where(ForumTopic.school_id == current_school_id())
                               .group_by(ForumTopic.section_id)).all())
    return render_template("forum/index.html", sections=sections, counts=counts,
                           may_manage=who.all, kinds=kind_names())


def kind_names() -> dict[str, str]:
    return {"school": _("School"), "class": _("Class"), "association": _("Methodological association")}


@bp.get("/section/<int:section_id>")
@requires_permission("forum.view")
def section(section_id: int) -> Any:
    who = reader()
    sec = load_section(section_id, who)
    topics = db().scalars(select(ForumTopic).where(ForumTopic.section_id == sec.id)
                          .order_by(ForumTopic.pinned.desc(), ForumTopic.last_post_at.desc())).all()
    return render_template("forum/section.html", section=sec, topics=topics,
                           may_post=who.may_post(sec, plugin_settings("forum")))


@bp.post("/section/<int:section_id>/topics")
@requires_permission("forum.post")
def new_topic(section_id: int) -> Any:
    who = reader()
    sec = load_section(section_id, who)
    if not who.may_post(sec, plugin_settings("forum")):
        raise services.Refused(services.POSTING_FORBIDDEN)
    session = db()
    topic = services.create_topic(session, sec, author=acting_user(), title=request.form.get("title", ""),
                                  body=request.form.get("body", ""), upload=upload_from_form())
    session.commit()
    flash(_("The topic is created."), "ok")
    return redirect(url_for("forum.topic", topic_id=topic.id))


@bp.get("/topic/<int:topic_id>")
@requires_permission("forum.view")
def topic(topic_id: int) -> Any:
    who = reader()
    top, sec = load_topic(topic_id, who)
    session = db()
    posts = session.scalars(select(ForumPost).where(ForumPost.topic_id == top.id).order_by(ForumPost.id)).all()
    ids = {p.author_id for p in posts} | {p.edited_by_id for p in posts if p.edited_by_id}
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    me = acting_user()
    sub = services.subscription(session, top, me)
    if sub is not None:
        services.mark_seen(session, top, me)
        session.commit()
    quote = None
    quote_id = request.args.get("quote", type=int)
    if quote_id:
        quote = next((p for p in posts if p.id == quote_id and not p.hidden), None)
    moderator = who.may_moderate(sec)
    return render_template("forum/topic.html", topic=top, section=sec, posts=posts, people=people, me=me,
                           render=render_text, moderator=moderator, subscribed=sub is not None, quote=quote,
                           may_post=who.may_post(sec, plugin_settings("forum")) and not top.closed)


@bp.post("/topic/<int:topic_id>/posts")
@requires_permission("forum.post")
def reply(topic_id: int) -> Any:
    who = reader()
    top, sec = load_topic(topic_id, who)
    if not who.may_post(sec, plugin_settings("forum")):
        raise services.Refused(services.POSTING_FORBIDDEN)
    session = db()
    quote = None
    quote_id = request.form.get("quote_id", type=int)
    if quote_id:
        quote = session.get(ForumPost, quote_id)
    post = services.add_post(session, top, author=acting_user(), body=request.form.get("body", ""), quote=quote,
                             upload=upload_from_form())
    session.commit()
    notices.queue(session, post, acting_user().id)
    flash(_("The message is published."), "ok")
    return redirect(url_for("forum.topic", topic_id=top.id) + f"#post-{post.id}")


@bp.get("/post/<int:post_id>/file")
@requires_permission("forum.view")
def attachment(post_id: int) -> Any:
    who = reader()
    post, _t, sec = load_post(post_id, who)
    if post.hidden and not (who.may_moderate(sec) or post.author_id == acting_user().id):
        abort(404)
    stored = load_file(db(), current_school_id(), post.file_id) if post.file_id else None
    if stored is None:
        abort(404)
    return file_response(stored, post.file_name)


@bp.route("/post/<int:post_id>/edit", methods=["GET", "POST"])
@requires_permission("forum.post")
def edit(post_id: int) -> Any:
    who = reader()
    post, top, sec = load_post(post_id, who)
    me = acting_user()
    moderator = who.may_moderate(sec)
    if not (moderator or (post.author_id == me.id and not post.hidden and not top.closed)):
        abort(404)
    if request.method == "POST":
        session = db()
        services.edit_post(session, post, editor=me, body=request.form.get("body", ""),
                           version=request.form.get("version", type=int), by_moderator=moderator)
        session.commit()
        flash(_("The message is saved."), "ok")
        return redirect(url_for("forum.topic", topic_id=top.id) + f"#post-{post.id}")
    return render_template("forum/edit.html", post=post, topic=top)


@bp.post("/post/<int:post_id>/hide")
@requires_permission("forum.moderate")
def hide(post_id: int) -> Any:
    who = reader()
    post, top, sec = load_post(post_id, who)
    if not who.may_moderate(sec):
        abort(404)
    session = db()
    services.hide_post(session, post, moderator=acting_user(), reason=request.form.get("reason", ""),
                       version=request.form.get("version", type=int))
    session.commit()
    flash(_("The message is hidden; its author sees the reason."), "ok")
    return redirect(url_for("forum.topic", topic_id=top.id) + f"#post-{post.id}")


@bp.post("/post/<int:post_id>/unhide")
@requires_permission("forum.moderate")
def unhide(post_id: int) -> Any:
    who = reader()
    post, top, sec = load_post(post_id, who)
    if not who.may_moderate(sec):
        abort(404)
    session = db()
    services.unhide_post(session, post)
    session.commit()
    return redirect(url_for("forum.topic", topic_id=top.id) + f"#post-{post.id}")


@bp.post("/topic/<int:topic_id>/flags")
@requires_permission("forum.moderate")
def flags(topic_id: int) -> Any:
    who = reader()
    top, sec = load_topic(topic_id, who)
    if not who.may_moderate(sec):
        abort(404)
    session = db()
    what = request.form.get("what", "")
    if what == "pin":
        services.set_flags(session, top, pinned=not top.pinned)
    elif what == "close":
        services.set_flags(session, top, closed=not top.closed)
    session.commit()
    return redirect(url_for("forum.topic", topic_id=top.id))


@bp.post("/topic/<int:topic_id>/subscription")
@requires_permission("forum.view")
def subscription(topic_id: int) -> Any:
    who = reader()
    top, _sec = load_topic(topic_id, who)
    session = db()
    if request.form.get("on") == "1":
        services.subscribe(session, top, acting_user())
        flash(_("You will be told about new messages in this topic."), "ok")
    else:
        services.unsubscribe(session, top, acting_user())
        flash(_("You will no longer be told about this topic."), "ok")
    session.commit()
    return redirect(url_for("forum.topic", topic_id=top.id))


@bp.get("/new-posts")
@requires_permission("forum.view")
def new_posts() -> Any:
    """Subscribed topics with messages the user has not seen."""
    rows = unseen_by_topic(acting_user())
    return render_template("forum/new_posts.html", rows=rows)


def unseen_by_topic(user: User) -> list[tuple[ForumTopic, int]]:
    session = db()
    found = session.execute(
        select(ForumTopic, func.count(ForumPost.id))
        .join(ForumSubscription, ForumSubscription.topic_id == ForumTopic.id)
        .join(ForumPost, ForumPost.topic_id == ForumTopic.id)
        .where(ForumSubscription.user_id == user.id, ForumSubscription.school_id == user.school_id,
               ForumPost.id > ForumSubscription.seen_post_id, ForumPost.author_id != user.id,
               ForumPost.hidden.is_(False))
        .group_by(ForumTopic.id).order_by(ForumTopic.last_post_at.desc())).all()
    return [(t, n) for t, n in found]


@bp.route("/sections/new", methods=["GET", "POST"])
@requires_permission("forum.section.manage")
def new_section() -> Any:
    session = db()
    classes = session.scalars(select(SchoolClass).where(SchoolClass.school_id == current_school_id())
                              .order_by(SchoolClass.grade_level, SchoolClass.letter)).all()
    from core.toolkit import RoleGrant

    staff = session.scalars(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                            .where(User.school_id == current_school_id(), RoleGrant.role.in_(STAFF_ROLES))
                            .distinct().order_by(User.last_name, User.first_name)).all()
    if request.method == "POST":
        class_id = request.form.get("class_id", type=int)
        if class_id and not any(c.id == class_id for c in classes):
            abort(404)
        allowed = {u.id for u in staff}
        members = [int(v) for v in request.form.getlist("member_ids") if v.isdigit() and int(v) in allowed]
        sec = services.create_section(session, school_id=current_school_id(), kind=request.form.get("kind", ""),
                                      title=request.form.get("title", ""), class_id=class_id,
                                      description=request.form.get("description", ""), member_ids=members)
        session.commit()
        flash(_("The section is created."), "ok")
        return redirect(url_for("forum.section", section_id=sec.id))
    return render_template("forum/section_new.html", classes=classes, staff=staff, kinds=kind_names())
