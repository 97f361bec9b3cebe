"""The help pages (/help): the guides, the «?» link's target, the guardians' memo, and guide opens."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select

from core.toolkit import (
    School,
    SchoolClass,
    can,
    class_students,
    classes_led_by,
    classes_of_year,
    current_school_id,
    current_year,
    db,
    guardians_of,
    requires_permission,
    school_today,
)
from plugins.help import guides
from plugins.help.memo import memo_pdf
from plugins.help.models import GuideOpen

bp = Blueprint("help", __name__, url_prefix="/help", template_folder="templates",
               static_folder="guides/img", static_url_path="/img")

SCHOOL_WIDE = frozenset({"admin", "principal", "deputy"})


def _roles(user: Any) -> set[str]:
    return {str(g.role) for g in getattr(user, "grants", [])}


@bp.app_context_processor
def help_link() -> dict[str, Any]:
    """``help_url`` for the base template's «?»: the section of the current page in the reader's guide."""
    if not getattr(current_user, "is_authenticated", False) or not can(current_user, "help.guide.read"):
        return {}
    endpoint = request.endpoint or ""
    key = (request.script_root, endpoint, frozenset(_roles(current_user)))
    url = _HELP_URLS.get(key)
    if url is None:  # the same few per endpoint and kind of user: built once per process (every page asks)
        if endpoint.startswith("help."):
            url = url_for("help.index")
        else:
            slug, anchor = guides.target_for(endpoint, set(key[2]))
            url = url_for("help.guide", slug=slug, page=endpoint, _anchor=anchor)
        if len(_HELP_URLS) < 4096:
            _HELP_URLS[key] = url
    return {"help_url": url}


_HELP_URLS: dict[tuple[str, str, frozenset[str]], str] = {}


def _image_url() -> str:
    return url_for("help.static", filename="__name__")


@bp.get("/")
@requires_permission("help.guide.read")
def index() -> Any:
    mine = guides.guides_for_roles(_roles(current_user))
    others = [slug for slug in guides.GUIDE_TITLES if slug not in mine]
    return render_template("help/index.html", mine=mine, others=others, titles=guides.GUIDE_TITLES,
                           may_see_opens=can(current_user, "help.opens.view"))


@bp.get("/guide/<slug>")
@requires_permission("help.guide.read")
def guide(slug: str) -> Any:
    if slug not in guides.GUIDE_TITLES:
        abort(404)
    page = (request.args.get("page") or "")[:120]
    session = db()
    session.add(GuideOpen(school_id=current_school_id(), user_id=current_user.id, guide=slug, page=page))
    session.commit()
    loaded = guides.load(slug, _image_url())
    return render_template("help/guide.html", guide=loaded, body=Markup(loaded.html),  # noqa: S704 rendered with html off
                           page=page, slug=slug)


@bp.get("/memo.pdf")
@requires_permission("help.memo.download")
def memo() -> Any:
    school = db().get(School, current_school_id())
    data = memo_pdf(school_name=school.name if school else "", site_url=request.url_root.rstrip("/"))
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": "inline; filename=pamyatka-dlya-roditeley.pdf"})


@bp.get("/opens")
@requires_permission("help.opens.view")
def opens() -> Any:
    """Which guardians of the class opened the guide (the class teacher's own classes only)."""
    session = db()
    school_id = current_school_id()
    year = current_year(session, school_id)
    all_classes = classes_of_year(session, year.id) if year else []
    if _roles(current_user) & SCHOOL_WIDE:
        allowed = all_classes
    else:
        led = classes_led_by(current_user)
        allowed = [c for c in all_classes if c.id in led]
    class_id = request.args.get("class_id", type=int)
    chosen: SchoolClass | None = next((c for c in allowed if c.id == class_id), None) if class_id else (
        allowed[0] if allowed else None)
    if class_id and chosen is None:
        abort(404)
    rows: list[dict[str, Any]] = []
    if chosen is not None:
        students = class_students(session, chosen.id, school_today())
        pairs = [(student, guardian) for student in students for guardian in guardians_of(session, student.id)]
        ids = {g.id for _s, g in pairs}
        stats = {uid: (count, last) for uid, count, last in session.execute(
            select(GuideOpen.user_id, func.count(GuideOpen.id), func.max(GuideOpen.opened_at))
            .where(GuideOpen.school_id == school_id, GuideOpen.user_id.in_(ids))
            .group_by(GuideOpen.user_id))} if ids else {}
        for student, guardian in pairs:
            count, last = stats.get(guardian.id, (0, None))
            rows.append({"student": student, "guardian": guardian, "count": count, "last": last})
    opened = sum(1 for r in rows if r["count"])
    return render_template("help/opens.html", classes=allowed, chosen=chosen, rows=rows, opened=opened)

