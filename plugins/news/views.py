"""The news pages (/news): what is published for the user now, one item (opening it marks it read), the
writers' form with the publication window typed in the school's time zone, and who has read an item."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from core.toolkit import (
    N_,
    SchoolClass,
    User,
    acting_user,
    can,
    classes_led_by,
    current_school_id,
    current_year,
    db,
    get_owned_or_404,
    local_to_utc,
    requires_permission,
    school_now,
    school_today,
    school_zone,
    utcnow,
)
from plugins.news import services
from plugins.news.models import NewsItem

bp = Blueprint("news", __name__, url_prefix="/news", template_folder="templates")


def may_write_school(user: User) -> bool:
    return can(user, "news.school.write")


def may_see(item: NewsItem, user: User) -> bool:
    """Writers see their own and (school writers) every item; readers see a published item of their audience."""
    if item.author_id == user.id or may_write_school(user):
        return True
    if not (item.publish_from <= utcnow() and (item.publish_to is None or item.publish_to > utcnow())):
        return False
    return item.class_id is None or item.class_id in services.reader_class_ids(db(), user, school_today())


def load(item_id: int) -> NewsItem:
    item = get_owned_or_404(NewsItem, item_id)
    if not may_see(item, acting_user()):
        abort(404)
    return item


def writable_classes(user: User) -> list[SchoolClass]:
    """Classes the user may address: all of the current year for school writers, else the ones she leads."""
    year = current_year(db(), current_school_id())
    query = select(SchoolClass).where(SchoolClass.school_id == current_school_id(),
                                      SchoolClass.year_id == (year.id if year else -1))
    if not may_write_school(user):
        query = query.where(SchoolClass.id.in_(classes_led_by(user) or {-1}))
    return list(db().scalars(query.order_by(SchoolClass.grade_level, SchoolClass.letter)))


def _moment(name: str) -> datetime | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        return local_to_utc(datetime.fromisoformat(raw).replace(tzinfo=None), school_zone())
    except ValueError:
        raise services.NewsError(N_("Enter the date and time as DD.MM.YYYY HH:MM."), field=name) from None


def _local(moment: datetime | None) -> str:
    return moment.astimezone(school_zone()).strftime("%Y-%m-%dT%H:%M") if moment else ""


@bp.get("/")
@requires_permission("news.view")
def index() -> Any:
    user, session = acting_user(), db()
    items = services.current_for(session, current_school_id(), services.reader_class_ids(session, user,
                                                                                          school_today()),
                                 utcnow())
    own: list[NewsItem] = []
    if can(user, "news.class.write") or may_write_school(user):
        query = select(NewsItem).where(NewsItem.school_id == current_school_id())
        if not may_write_school(user):
            query = query.where(or_(NewsItem.author_id == user.id))
        own = list(session.scalars(query.order_by(NewsItem.publish_from.desc()).limit(100)))
    classes = {c.id: c.name for c in session.scalars(select(SchoolClass).where(
        SchoolClass.school_id == current_school_id()))}
    return render_template("news/index.html", items=items, own=own, classes=classes, local=_local,
                           may_write=bool(writable_classes(user)) or may_write_school(user))


@bp.get("/<int:item_id>")
@requires_permission("news.view")
def show(item_id: int) -> Any:
    item = load(item_id)
    session = db()
    services.mark_read(session, item, acting_user())
    session.commit()
    author = session.get(User, item.author_id)
    may_edit = item.author_id == acting_user().id or may_write_school(acting_user())
    counts = services.read_counts(session, item, school_today()) if may_edit else None
    return render_template("news/show.html", item=item, author=author, may_edit=may_edit, counts=counts,
                           local=_local)


@bp.get("/<int:item_id>/reads")
@requires_permission("news.view")
def reads(item_id: int) -> Any:
    item = load(item_id)
    if not (item.author_id == acting_user().id or may_write_school(acting_user())):
        abort(404)
    session = db()
    read, total = services.read_counts(session, item, school_today())
    return render_template("news/reads.html", item=item, rows=services.readers(session, item), read=read,
                           total=total)


@bp.route("/new", methods=["GET", "POST"])
@requires_permission("news.class.write")
def new() -> Any:
    user = acting_user()
    classes = writable_classes(user)
    if request.method == "POST":
        class_id = request.form.get("class_id", type=int)
        if class_id is None and not may_write_school(user):
            raise services.NewsError(N_("Choose the class."), field="class_id")
        if class_id is not None and all(c.id != class_id for c in classes):
            abort(404)
        session = db()
        item = services.create(session, school_id=current_school_id(), author=user,
                               title=request.form.get("title", ""), body=request.form.get("body", ""),
                               class_id=class_id, publish_from=_moment("publish_from"),
                               publish_to=_moment("publish_to"))
        session.commit()
        flash(_("The news is saved."), "ok")
        return redirect(url_for("news.show", item_id=item.id))
    return render_template("news/form.html", item=None, classes=classes, school=may_write_school(user),
                           start=school_now().strftime("%Y-%m-%dT%H:%M"), local=_local)


@bp.route("/<int:item_id>/edit", methods=["GET", "POST"])
@requires_permission("news.class.write")
def edit(item_id: int) -> Any:
    item = load(item_id)
    user = acting_user()
    if not (item.author_id == user.id or may_write_school(user)):
        abort(404)
    if request.method == "POST":
        session = db()
        services.update(session, item, version=request.form.get("version", type=int),
                        title=request.form.get("title", ""), body=request.form.get("body", ""),
                        publish_from=_moment("publish_from"), publish_to=_moment("publish_to"))
        session.commit()
        flash(_("The news is saved."), "ok")
        return redirect(url_for("news.show", item_id=item.id))
    return render_template("news/form.html", item=item, classes=[], school=False, start="", local=_local)
