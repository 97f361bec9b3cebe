"""The routes under ``/webapi`` the Сетевой Город clients call. Read-only: the only writes are the app's
own session rows. A request carries the ``at`` header (an app's session) or, for a person trying the API in
the browser, the site's own session; a stale ``at`` answers 401, on which the clients sign in again."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    School,
    User,
    acting_user,
    current_year,
    db,
    gate_for_school,
    plugin_enabled,
    plugin_settings,
    public,
    requires_permission,
    school_now,
    school_settings,
    school_today,
    school_zone,
    schools_with_plugin,
    week_start,
)
from plugins.diary.public import may_open_homework_file, student_week, students_of
from plugins.gradebook.public import Homework, HomeworkFile
from plugins.netschool_compat import sessions, shapes

bp = Blueprint("netschool_compat", __name__, url_prefix="/webapi")
USE = "netschool_compat.use"
MAX_DAYS = 120  # a term of weeks at most per request (one query per week)


def _exempt(view: Any) -> Any:
    """The clients post without a CSRF token: they sign in with a header, and these posts change nothing
    of a person's data (sign-in, sign-out, a list of attachments)."""
    view.klass_csrf_exempt = True
    return view


@bp.before_request
def _app_session() -> Any:
    token = request.headers.get("at") or request.args.get("at")
    if not token:
        return None
    user = sessions.user_of(db(), token)
    if user is None:
        return jsonify({"message": _("The session has ended: sign in again.")}), 401
    gate_for_school(user.school_id)  # the app's school switched the protocol off since it signed in
    g.api_user = user
    return None


def _user() -> Any:
    return acting_user()


def _settings_types() -> tuple[list[dict[str, Any]], dict[str, int], dict[str, float]]:
    work_types = plugin_settings("gradebook")["work_types"]
    return work_types, shapes.work_type_ids(work_types), {w["code"]: w["weight"] for w in work_types}


def _date_arg(name: str, default: date) -> date:
    raw = (request.args.get(name) or "")[:10]
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        abort(400)


def _student_id() -> int | None:
    """The student asked for, which must be one of the user's own (else 404); default the first."""
    own = [s.id for s in students_of(db(), _user())]
    raw = request.args.get("studentId")
    if raw in (None, "", "-1"):
        return own[0] if own else None
    if not raw.isdigit() or int(raw) not in own:
        abort(404)
    return int(raw)


@bp.get("/logindata")
@public  # the sign-in page's data, before anyone is signed in
def login_data() -> Any:
    return {"productName": "Klass", "version": "5.0", "schoolLoginTypes": [1], "emLogin": False}


@bp.post("/auth/getdata")
@public  # the sign-in challenge, before anyone is signed in
@_exempt
def get_data() -> Any:
    return sessions.new_challenge()


@bp.post("/login")
@public  # the sign-in itself; only an app password answers the challenge
@_exempt
def login() -> Any:
    form = request.form
    session = db()
    scid = form.get("scid", "")
    school_id = int(scid) if scid.isdigit() and int(scid) < 2**63 else None
    if school_id is not None:
        gate_for_school(school_id)  # a school that switched the protocol off has no such sign-in
    result = sessions.sign_in(session, school_id, form.get("un", ""), form.get("lt", ""), form.get("pw2", "")) \
        if school_id is not None else None
    if result is None:
        session.rollback()
        return jsonify({"message": _("Wrong login or app password. Create an app password on your account "
                                     "page in Klass: the main password does not work in apps.")}), 409
    user, token = result
    session.commit()
    minutes = school_settings(user.school_id, session=session).plugin("netschool_compat")["session_minutes"]
    return {"at": token, "timeOut": minutes * 60 * 1000, "entryPoint": "/angular/school/studentdiary/",
            "accessToken": token, "accountInfo": {"id": user.id, "fio": user.full_name, "nickName": user.full_name}}


@bp.post("/auth/logout")
@public  # ends only the session whose ``at`` header it carries
@_exempt
def logout() -> Any:
    token = request.headers.get("at") or ""
    session = db()
    if not token or not sessions.sign_out(session, token):
        return jsonify({"message": _("The session has ended: sign in again.")}), 401
    session.commit()
    return {"result": "ok"}


@bp.get("/student/diary/init")
@requires_permission(USE)
def diary_init() -> Any:
    students = students_of(db(), _user())
    return {"students": [{"studentId": s.id, "nickName": s.short_name, "className": s.class_name,
                          "classId": s.class_id, "iupGrade": 0} for s in students],
            "currentStudentId": 0, "weekStart": shapes.day(week_start()), "yaClass": False, "newDiskToken": "",
            "newDiskWasRequest": False, "ttsuRl": "", "externalUrl": "", "weight": True, "maxMark": 5,
            "withLaAssigns": True}


@bp.get("/years/current")
@requires_permission(USE)
def year_current() -> Any:
    year = current_year(db(), _user().school_id)
    if year is None:
        abort(404)
    return {"id": year.id, "name": year.title, "startDate": shapes.day(year.starts_on),
            "endDate": shapes.day(year.ends_on), "schoolId": year.school_id}


@bp.get("/grade/assignment/types")
@requires_permission(USE)
def assignment_types() -> Any:
    return jsonify(shapes.assignment_types(plugin_settings("gradebook")["work_types"]))


def _weeks(student_id: int | None, start: date, end: date) -> list[Any]:
    if end < start or (end - start).days > MAX_DAYS:
        abort(400)
    found, monday = [], start - timedelta(days=start.weekday())
    while monday <= end:
        week = student_week(db(), _user(), student_id, monday)
        if week is None:
            abort(404)
        found.append(week)
        monday += timedelta(days=7)
    return found


@bp.get("/student/diary")
@requires_permission(USE)
def diary() -> Any:
    today = school_today()
    start = _date_arg("weekStart", week_start(today))
    end = _date_arg("weekEnd", start + timedelta(days=6))
    _types, type_ids, weights = _settings_types()
    days = [d for week in _weeks(_student_id(), start, end) for d in week.days
            if start <= d.date <= end and d.lessons]
    return {"weekStart": shapes.day(start), "weekEnd": shapes.day(end), "termName": "", "className": "",
            "weekDays": [{"date": shapes.day(d.date),
                          "lessons": [shapes.lesson(x, type_ids, weights) for x in d.lessons]} for d in days],
            "laAssigns": []}


@bp.get("/student/diary/pastMandatory")
@requires_permission(USE)
def past_mandatory() -> Any:
    today = school_today()
    start = _date_arg("weekStart", week_start(today))
    end = min(_date_arg("weekEnd", start + timedelta(days=6)), today - timedelta(days=1))
    _types, type_ids, _weights = _settings_types()
    if end < start:
        return jsonify([])
    debts = [shapes.debt(x, type_ids) for week in _weeks(_student_id(), start, end) for d in week.days
             if start <= d.date <= end for x in d.lessons if x.control_work and not x.marks]
    return jsonify(debts)


@bp.post("/student/diary/get-attachments")
@requires_permission(USE)
@_exempt
def get_attachments() -> Any:
    body = request.get_json(silent=True) or {}
    ids = [i for i in body.get("assignId") or [] if isinstance(i, int) and 0 < i < 2**62]
    session = db()
    user = _user()
    out = []
    for assignment_id in ids[:50]:
        lesson_id, kind = divmod(assignment_id, 10)
        if kind != shapes.HOMEWORK:
            continue
        files = session.execute(select(HomeworkFile.id, HomeworkFile.filename).join(Homework)
                                .where(Homework.lesson_id == lesson_id, HomeworkFile.school_id == user.school_id)
                                .order_by(HomeworkFile.id)).all()
        visible = [{"id": fid, "originalFileName": name, "description": None} for fid, name in files
                   if may_open_homework_file(session, user, fid)]
        if visible:
            out.append({"assignmentId": assignment_id, "attachments": visible})
    return jsonify(out)


@bp.get("/attachments/<int:file_id>")
@requires_permission(USE)
def attachment(file_id: int) -> Any:
    session = db()
    if not may_open_homework_file(session, _user(), file_id):
        abort(404)
    row = session.get(HomeworkFile, file_id)
    if row is None:
        abort(404)
    import io

    from flask import send_file

    response = send_file(io.BytesIO(row.data), mimetype=row.content_type or "application/octet-stream",
                         as_attachment=True, download_name=row.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/announcements")
@requires_permission(USE)
def announcements() -> Any:
    """The news the user may read now (the news plugin's own audience rule), when the news plugin is on."""
    if not plugin_enabled("news"):
        return jsonify([])
    from plugins.news.public import readable_now

    take = request.args.get("take", "-1")
    limit = int(take) if take.isdigit() and 0 < int(take) <= 200 else 200
    session = db()
    user = _user()
    zone = school_zone()
    items = readable_now(session, user, school_now(), limit=limit)
    authors = {u.id: u for u in session.scalars(select(User).where(User.id.in_({i.author_id for i in items})))}
    return jsonify([shapes.announcement(i, authors.get(i.author_id), i.published.astimezone(zone)) for i in items])


@bp.get("/schools/search")
@public  # the list of schools the sign-in page offers, as on the original
def school_search() -> Any:
    name = (request.args.get("name") or "").strip().lower()
    session = db()
    # Only schools an app can sign in to: not a region's education office, not a school that switched
    # the protocol off.
    ids = schools_with_plugin(session, "netschool_compat")
    schools = session.scalars(select(School).where(School.id.in_(ids)).order_by(School.id)).all() if ids else []
    return jsonify([shapes.short_school(s) for s in schools
                    if not name or name in s.name.lower() or name in s.short_name.lower()])


@bp.get("/schools/<int:school_id>/card")
@requires_permission(USE)
def school_card(school_id: int) -> Any:
    if school_id != _user().school_id:
        abort(404)
    school = db().get(School, school_id)
    if school is None:
        abort(404)
    return shapes.school_card(school)
