"""The support pages (/support): file a request, read own requests, the administrator's queue, the
report. Object checks: a request is visible to its author, the staff member it was forwarded to, and
the queue's handlers; anyone else gets 404."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    RoleGrant,
    User,
    acting_user,
    build_message,
    can,
    core_settings,
    current_school_id,
    db,
    plugin_settings,
    requires_permission,
    school_today,
    school_zone,
    send_mail,
)
from plugins.support import services
from plugins.support.models import SupportRequest

bp = Blueprint("support", __name__, url_prefix="/support", template_folder="templates")

STAFF_ROLES = ("admin", "principal", "deputy", "class_teacher", "teacher", "support")



def upload_messages() -> dict[str, str]:
    kb = plugin_settings("support")["max_screenshot_kb"]
    return {"too_big": _("The screenshot is larger than %(kb)s KB.", kb=kb),
            "not_image": _("The file is not a picture: attach a screenshot in PNG, JPEG, GIF or WebP.")}


def load_visible(request_id: int, user: User) -> SupportRequest:
    req = db().get(SupportRequest, request_id)
    if req is None or req.school_id != current_school_id():
        abort(404)
    if not (can(user, "support.queue.handle") or user.id in (req.author_id, req.assignee_id)):
        abort(404)
    return req


def _page_from_referrer() -> str:
    """The page the request concerns: ``?page=`` (the «?» passes it) or the path of the referrer."""
    page = request.args.get("page", "")
    if not page and request.referrer:
        parts = urlsplit(request.referrer)
        if parts.netloc == request.host:
            page = parts.path
    return page[:300]


@bp.get("/")
@requires_permission("support.request.view")
def index() -> Any:
    user = acting_user()
    rows = db().scalars(select(SupportRequest).where(
        SupportRequest.school_id == current_school_id(),
        (SupportRequest.author_id == user.id) | (SupportRequest.assignee_id == user.id))
        .order_by(SupportRequest.created_at.desc()).limit(200)).all()
    return render_template("support/index.html", rows=rows, me=user, statuses=status_names(),
                           may_handle=can(user, "support.queue.handle"), may_report=can(user, "support.report.view"))


def status_names() -> dict[str, str]:
    return {"new": _("New"), "forwarded": _("Forwarded"), "answered": _("Answered"), "closed": _("Closed")}


@bp.route("/new", methods=["GET", "POST"])
@requires_permission("support.request.create")
def new() -> Any:
    categories = plugin_settings("support")["categories"]
    values = {"category": request.form.get("category", ""), "page": request.form.get("page", _page_from_referrer()),
              "text": request.form.get("text", "")}
    errors: list[str] = []
    if request.method == "POST":
        text = values["text"].strip()
        if values["category"] not in categories:
            errors.append(_("Choose a category."))
        if len(text) < 5:
            errors.append(_("Describe the problem in a few words."))
        data, kind = None, ""
        upload = request.files.get("screenshot")
        if upload and upload.filename:
            raw = upload.read(plugin_settings("support")["max_screenshot_kb"] * 1024 + 1)
            try:
                kind = services.sniff_image(raw, plugin_settings("support")["max_screenshot_kb"] * 1024,
                                            upload_messages())
                data = raw
            except services.SupportError as exc:
                errors.append(str(exc))
        if not errors:
            session = db()
            req = services.create(session, school_id=current_school_id(), author=acting_user(),
                                  category=values["category"], page=values["page"].strip(), text=text,
                                  screenshot=data, screenshot_type=kind)
            session.commit()
            flash(_("Your request is sent. The answer will appear here and come by e-mail."), "ok")
            return redirect(url_for("support.show", request_id=req.id))
    status = 422 if errors else 200
    return render_template("support/new.html", categories=categories, values=values, errors=errors), status


@bp.get("/<int:request_id>")
@requires_permission("support.request.view")
def show(request_id: int) -> Any:
    user = acting_user()
    req = load_visible(request_id, user)
    people = {u.id: u for u in db().scalars(select(User).where(User.id.in_(
        {i for i in (req.author_id, req.assignee_id, req.answered_by_id) if i})))}
    handler = can(user, "support.queue.handle")
    staff = _staff() if handler else []
    may_answer = req.status != "closed" and (handler or (req.assignee_id == user.id
                                                          and can(user, "support.request.answer")))
    return render_template("support/show.html", req=req, people=people, handler=handler, staff=staff,
                           may_answer=may_answer, statuses=status_names())


@bp.get("/<int:request_id>/screenshot")
@requires_permission("support.request.view")
def screenshot(request_id: int) -> Any:
    req = load_visible(request_id, acting_user())
    if not req.screenshot:
        abort(404)
    return Response(req.screenshot, mimetype=req.screenshot_type,
                    headers={"X-Content-Type-Options": "nosniff", "Content-Disposition": "inline",
                             "Cache-Control": "private, max-age=300"})


def _staff() -> list[User]:
    return list(db().scalars(select(User).join(RoleGrant, RoleGrant.user_id == User.id).where(
        User.school_id == current_school_id(), RoleGrant.role.in_(STAFF_ROLES), User.is_active_account.is_(True))
        .distinct().order_by(User.last_name, User.first_name)))


def _mail_answer(req: SupportRequest) -> bool:
    """Tell the author by e-mail; a mail failure never loses the answer (it is on the page)."""
    author = db().get(User, req.author_id)
    if author is None or not author.email:
        return False
    mail = core_settings()["mail"]
    link = url_for("support.show", request_id=req.id, _external=True)
    body = _("Your support request No. %(id)s has been answered:\n\n%(answer)s\n\nThe request: %(link)s",
             id=req.id, answer=req.answer, link=link)
    try:
        send_mail(mail, build_message(mail, [author.email], _("Answer to your support request No. %(id)s", id=req.id),
                                      body))
    except OSError:  # smtplib.SMTPException is an OSError
        return False
    return True


@bp.post("/<int:request_id>/answer")
@requires_permission("support.request.answer")
def answer(request_id: int) -> Any:
    user = acting_user()
    req = load_visible(request_id, user)
    if req.status == "closed" or not (can(user, "support.queue.handle") or req.assignee_id == user.id):
        abort(404)
    text = request.form.get("answer", "").strip()
    if not text:
        flash(_("Write the answer."), "error")
        return redirect(url_for("support.show", request_id=req.id))
    session = db()
    services.answer(session, req, by=user, text=text)
    session.commit()
    if _mail_answer(req):
        flash(_("The answer is saved and sent by e-mail."), "ok")
    else:
        flash(_("The answer is saved; the author has no e-mail or the mail server did not accept it."), "warn")
    return redirect(url_for("support.show", request_id=req.id))


@bp.post("/<int:request_id>/forward")
@requires_permission("support.queue.handle")
def forward(request_id: int) -> Any:
    req = load_visible(request_id, acting_user())
    to_id = request.form.get("assignee_id", type=int)
    target = next((u for u in _staff() if u.id == to_id), None)
    if target is None or req.status == "closed":
        flash(_("Choose a staff member."), "error")
        return redirect(url_for("support.show", request_id=req.id))
    session = db()
    services.forward(session, req, to=target)
    session.commit()
    flash(_("The request is forwarded to %(name)s.", name=target.full_name), "ok")
    return redirect(url_for("support.show", request_id=req.id))


@bp.post("/<int:request_id>/close")
@requires_permission("support.queue.handle")
def close(request_id: int) -> Any:
    req = load_visible(request_id, acting_user())
    if req.status != "closed":
        session = db()
        services.close(session, req)
        session.commit()
        flash(_("The request is closed."), "ok")
    return redirect(url_for("support.queue"))


@bp.get("/queue")
@requires_permission("support.queue.handle")
def queue() -> Any:
    show = request.args.get("status", "open")
    query = select(SupportRequest).where(SupportRequest.school_id == current_school_id())
    if show == "open":
        query = query.where(SupportRequest.status != "closed")
    rows = db().scalars(query.order_by(SupportRequest.created_at).limit(500)).all()
    ids = {r.author_id for r in rows} | {r.assignee_id for r in rows if r.assignee_id}
    people = {u.id: u for u in db().scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return render_template("support/queue.html", rows=rows, people=people, show=show, statuses=status_names())


def _period() -> tuple[date, date]:
    today = school_today()
    try:
        start = date.fromisoformat(request.args.get("start", "")) if request.args.get("start") else today - timedelta(days=30)
        end = date.fromisoformat(request.args.get("end", "")) if request.args.get("end") else today
    except ValueError:
        start, end = today - timedelta(days=30), today
    return (start, end) if start <= end else (end, start)


def _report_rows() -> tuple[date, date, list[services.CategoryRow]]:
    start, end = _period()
    zone = school_zone()
    rows = services.report(db(), current_school_id(), datetime.combine(start, time(), zone),
                           datetime.combine(end + timedelta(days=1), time(), zone))
    return start, end, rows


def report_headers() -> list[str]:
    return [_("Category"), _("Requests"), _("Closed"), _("Still open"), _("Median hours to resolution")]


@bp.get("/report")
@requires_permission("support.report.view")
def report() -> Any:
    start, end, rows = _report_rows()
    return render_template("support/report.html", start=start, end=end, rows=rows, headers=report_headers(),
                           total=sum(r.total for r in rows))


@bp.get("/report.xlsx")
@requires_permission("support.report.view")
def report_xlsx() -> Any:
    start, end, rows = _report_rows()
    data = services.report_xlsx(rows, report_headers(), _("Support requests"))
    name = f"support-{start.isoformat()}-{end.isoformat()}.xlsx"
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={name}"})
