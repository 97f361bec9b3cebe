"""The diary's pages: thin views over ``week``, ``services``, ``notify`` and ``documents``."""
from __future__ import annotations

import io
import logging
from datetime import date
from functools import lru_cache
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask import session as cookie
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.toolkit import (
    AcademicYear,
    can,
    current_school_id,
    db,
    hook,
    is_guardian_of,
    plugin_settings,
    reads_from_replica,
    requires_permission,
    school_today,
    words_once,
)
from plugins.diary import marks as marks_page
from plugins.diary import services, visits
from plugins.diary.access import Viewer, children, resolve_student, viewer_of
from plugins.diary.forms import PreferencesForm, RemarkForm
from plugins.diary.models import Remark
from plugins.diary.week import apply_timetable, load_week, week_start_of
from plugins.gradebook.averages import format_number, work_type_titles

log = logging.getLogger("klass.diary")

bp = Blueprint("diary", __name__, url_prefix="/diary", template_folder="templates", static_folder="static")


# --- helpers -----------------------------------------------------------------------------------------

@bp.app_template_filter("diary_number")
def diary_number(value: float | None, digits: int = 2) -> str:
    """A number as the gradebook prints it (decimal comma, half-up): the same digits as the journal."""
    return format_number(value, digits)


def _weekday_names() -> list[str]:
    """Monday..Sunday in the interface language, capitalised, looked up once per locale."""
    from flask_babel import get_locale

    locale = get_locale()
    key = str(locale)
    if key not in _WEEKDAYS:
        names = locale.days["format"]["wide"]
        _WEEKDAYS[key] = [names[i].capitalize() for i in range(7)]
    return _WEEKDAYS[key]


_WEEKDAYS: dict[str, list[str]] = {}


def _week_words() -> dict[str, Any]:
    """The week page's fixed words in the interface language, translated once per locale and process:
    a ``_()`` in a template costs three calls through Jinja's gettext wrappers, and the page has a dozen."""
    return words_once("diary.week", lambda: {
        "homework": _("Homework"), "today": _("Today"), "read": _("Read"), "read_it": _("I have read it"),
        "no_lessons": _("No lessons"), "weeks": _("Weeks"), "previous": _("Previous week"),
        "next": _("Next week"), "this_week": _("This week"), "explain": _("Explain the absence"),
        "kinds": {"praise": _("Praise"), "concern": _("Remark"), "recommendation": _("Recommendation")}})


@bp.app_template_global("diary_header_words")
def _header_words() -> dict[str, str]:
    """The words of the diary's header (``_header.html``: the week, marks and notes pages), once per locale."""
    return words_once("diary.header", lambda: {
        "children": _("My children"), "diary": _("Diary"), "week": _("Week"), "marks": _("Marks received"),
        "remarks": _("Notes from teachers"), "notifications": _("Notifications")})


@lru_cache(maxsize=4096)
def _date_label(day: date, locale: str) -> str:
    """«25 ноября»: Babel's formatting costs more than the rest of a day's heading."""
    from babel.dates import format_date

    return format_date(day, "d MMMM", locale=locale)


def _explain_url(student_id: int, term_id: int) -> str | None:
    """The gradebook's own "how was this computed" page, when it is there (the subject is appended)."""
    from flask import current_app

    if "gradebook.explain" in current_app.view_functions and can(current_user, "gradebook.average.explain"):
        return url_for("gradebook.explain", student_id=student_id, term_id=term_id)
    return None


def _absence_note_url(student: Any) -> str | None:
    """Where a guardian explains an absence, when the attendance plugin offers it (no query)."""
    from flask import current_app

    if student.relation == "child" and "attendance.notes" in current_app.view_functions \
            and can(current_user, "attendance.note.submit"):
        return url_for("attendance.notes")
    return None


def _viewer() -> Viewer:
    return viewer_of(current_user)


def _date_arg(name: str) -> date | None:
    raw = request.values.get(name, "")
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _work_types() -> dict[str, str]:
    return work_type_titles(plugin_settings("gradebook"))


def _attendance_codes() -> dict[str, tuple[str, str]]:
    return {c["code"]: (c["title"], c["kind"]) for c in plugin_settings("attendance")["codes"]}


def _log_visit(student: Any, page: str) -> None:
    """Family views go to the visit log, once a day per process (``visits``); the guardian's child switch
    remembers the child last looked at."""
    from flask import current_app

    visits.log_view(current_app, db(), current_school_id(), current_user.id, student, page, school_today())
    if student.relation == "child" and cookie.get("diary_student") != student.id:
        cookie["diary_student"] = student.id


def _student_or_404(student_id: int, day: date | None = None) -> Any:
    student = resolve_student(db(), _viewer(), student_id, day or school_today())
    if student is None:
        abort(404)
    return student


def _default_student_id(v: Viewer) -> int | None:
    if v.is_guardian:
        kids = [i for i, _name in children(db(), v)]
        remembered = cookie.get("diary_student")
        return remembered if remembered in kids else (kids[0] if kids else None)
    return v.id if v.is_student else None


@bp.after_app_request
def wake_after_request(response: Any) -> Any:
    """Messages queued by this request (a new mark through the gradebook, a remark) are committed: start
    the instant sender now instead of waiting for the next periodic tick."""
    try:
        session = db()
        if not session.info.get("diary_committed") or response.status_code >= 400 or session.in_transaction():
            return response
        session.info.pop("diary_committed", None)
        from plugins.diary.jobs import wake_sender

        wake_sender(session.info.get("diary_school_id") or current_school_id())
    except Exception:  # never break someone else's response for a notification
        log.exception("could not start the diary's sender")
    return response


# --- the family's pages ------------------------------------------------------------------------------

@bp.get("/")
@requires_permission("diary.view")
@reads_from_replica
def week() -> Any:
    """The default student's week: the student themself, or the child the guardian looked at last."""
    v = _viewer()
    if not (v.is_guardian or v.is_student):
        if can(current_user, "diary.class.monitor"):
            return redirect(url_for(".classes"))
        abort(404)
    remembered = cookie.get("diary_student") if v.is_guardian else None
    return _week_page(v, remembered, fallback=True)


@bp.get("/<int:student_id>")
@requires_permission("diary.view")
@reads_from_replica
def student_week(student_id: int) -> Any:
    return _week_page(_viewer(), student_id)


def _week_page(v: Viewer, student_id: int | None, fallback: bool = False) -> Any:
    session = db()
    today = school_today()
    start = week_start_of(_date_arg("week") or today)
    settings = plugin_settings("diary")
    args = {"school_days": settings["school_days"], "work_types": _work_types(),
            "attendance_codes": _attendance_codes()}
    data = load_week(session, v, student_id, start, today, **args)
    if data is None and fallback and student_id is not None:  # a remembered child no longer linked
        data = load_week(session, v, None, start, today, **args)
    if data is None:
        if fallback and v.is_guardian:
            return render_template("diary/no_children.html")
        abort(404)
    if data.class_id is not None:
        apply_timetable(data, hook().extra_diary_timetable(
            session=session, school_id=v.school_id, class_id=data.class_id, student_id=data.student.id,
            week_start=data.week_start, week_end=data.week_end,
            subgroup_ids=data.subgroup_ids))
        lessons = {x.id: (x.date, x.number, x.subject) for d in data.days for x in d.lessons}
        sections = sorted((s for group in hook().extra_diary_sections(
            session=session, school_id=v.school_id, student_id=data.student.id, class_id=data.class_id,
            week_start=data.week_start, lessons=lessons)
            for s in group or []), key=lambda s: s.get("weight", 100))
    else:
        sections = []
    _log_visit(data.student, "week")
    # Dates are formatted once each per locale and process (a week's dates repeat on every family's page).
    from flask_babel import get_locale

    locale = str(get_locale())
    dates = {d.date for d in data.days} | {x.homework_due for d in data.days for x in d.lessons if x.homework_due}
    labels = {d: _date_label(d, locale) for d in dates}
    due = _("due %(date)s")
    return render_template("diary/week.html", w=data, today=today, sections=sections, labels=labels,
                           dues={d: due % {"date": label} for d, label in labels.items()},
                           weekdays=_weekday_names(), t=_week_words(), note_url=_absence_note_url(data.student),
                           can_ack=data.student.relation == "child" and can(current_user, "diary.acknowledge"),
                           this_week=week_start_of(today))


@bp.get("/marks")
@requires_permission("diary.view")
def marks_default() -> Any:
    student_id = _default_student_id(_viewer())
    if student_id is None:
        abort(404)
    return redirect(url_for(".marks", student_id=student_id))


@bp.get("/<int:student_id>/marks")
@requires_permission("diary.view")
@reads_from_replica
def marks(student_id: int) -> Any:
    session = db()
    today = school_today()
    student = _student_or_404(student_id)
    term_id = request.args.get("term", type=int)
    term = services.current_term(session, current_school_id(), today, term_id)
    if term is None:
        abort(404)
    extra: list[dict[str, Any]] = []
    if student.class_id is not None:
        for group in hook().extra_diary_test_schedule(session=session, school_id=current_school_id(),
                                                class_id=student.class_id, start=term.starts_on, end=term.ends_on):
            extra += group or []
    overview = marks_page.marks_overview(session, current_school_id(), student.id, student.class_id, term,
                                       plugin_settings("gradebook"), today, extra)
    kids = children(session, _viewer()) if student.relation == "child" else []
    _log_visit(student, "marks")
    return render_template("diary/marks.html", student=student, o=overview, today=today, kids=kids,
                           explain_url=_explain_url(student.id, term.id))


@bp.get("/<int:student_id>/remarks")
@requires_permission("diary.view")
def student_remarks(student_id: int) -> Any:
    session = db()
    student = _student_or_404(student_id)
    year_start = session.scalar(select(AcademicYear.starts_on).where(
        AcademicYear.school_id == current_school_id(), AcademicYear.is_current.is_(True))) or date.min
    rows = services.remarks_query(session, Remark.student_id == student.id, Remark.day >= year_start,
                                  viewer_id=current_user.id)
    kids = children(session, _viewer()) if student.relation == "child" else []
    _log_visit(student, "remarks")
    return render_template("diary/student_remarks.html", student=student, remarks=rows, kids=kids,
                           can_ack=student.relation == "child" and can(current_user, "diary.acknowledge"))


@bp.post("/<int:student_id>/acknowledge")
@requires_permission("diary.acknowledge")
def acknowledge(student_id: int) -> Any:
    session = db()
    if not is_guardian_of(session, current_user.id, student_id):
        abort(404)
    week_start = week_start_of(_date_arg("week") or school_today())
    services.acknowledge_week(session, current_school_id(), current_user.id, student_id, week_start)
    session.commit()
    flash(_("Thank you: the class teacher sees that you have read this week."), "success")
    return redirect(url_for(".student_week", student_id=student_id, week=week_start.isoformat()))


@bp.post("/remarks/<int:remark_id>/acknowledge")
@requires_permission("diary.acknowledge")
def acknowledge_remark(remark_id: int) -> Any:
    session = db()
    ack = services.acknowledge_remark(session, current_school_id(), current_user.id, remark_id)
    if ack is None:
        abort(404)
    session.commit()
    flash(_("Thank you: the teacher sees that you have read the note."), "success")
    back = request.form.get("back", "")
    if back.startswith("/diary/") and not back.startswith("//"):
        return redirect(back)
    return redirect(url_for(".student_remarks", student_id=ack.student_id))


@bp.get("/files/<int:file_id>")
@requires_permission("diary.view")
def homework_file(file_id: int) -> Any:
    """A homework attachment, for the families (and class teachers) of the lesson's students only."""
    from plugins.diary.access import may_open_homework_file
    from plugins.gradebook.public import HomeworkFile

    session = db()
    if not may_open_homework_file(session, _viewer(), file_id):
        abort(404)
    file = session.get(HomeworkFile, file_id)
    response = send_file(io.BytesIO(file.data), mimetype=file.content_type or "application/octet-stream",
                         as_attachment=True, download_name=file.filename)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/notifications", methods=["GET", "POST"])
@requires_permission("diary.notifications.edit")
def notifications() -> Any:
    session = db()
    settings = plugin_settings("diary")
    pref = services.preference_of(session, current_user.id, settings)
    form = PreferencesForm(obj=pref)
    if request.method == "GET":
        form.email.data = current_user.email
    if form.validate_on_submit():
        try:
            services.save_preferences(session, current_user, {
                "mode": form.mode.data, "marks": form.marks.data, "absences": form.absences.data,
                "remarks": form.remarks.data, "homework": form.homework.data}, form.email.data)
        except services.DiaryError as exc:
            session.rollback()
            getattr(form, exc.field or "mode").errors.append(str(exc.message))
        else:
            session.commit()
            flash(_("Notification settings saved."), "success")
            return redirect(url_for(".notifications"))
    return render_template("diary/notifications.html", form=form, settings=settings)


# --- teachers: remarks -------------------------------------------------------------------------------

@bp.route("/remarks", methods=["GET", "POST"])
@requires_permission("diary.remark.write")
def remarks() -> Any:
    session = db()
    today = school_today()
    targets = services.remark_targets(session, current_user, today)
    form = RemarkForm()
    form.student_id.choices = [(0, "—")] + [(sid, name) for t in targets for sid, name in t.students]
    subjects = sorted({s for t in targets for s in t.subjects}, key=lambda s: s[1])
    form.subject_id.choices = [(0, _("Not about one subject"))] + subjects
    if request.method == "GET" and request.args.get("student", type=int):
        form.student_id.data = request.args.get("student", type=int)
    if form.validate_on_submit():
        try:
            remark = services.create_remark(session, current_user, form.student_id.data, form.kind.data,
                                            form.text.data, form.subject_id.data or None, today)
            from plugins.diary import notify

            author = f"{current_user.short_name}"
            subject = dict(subjects).get(remark.subject_id) if remark.subject_id else None
            notify.remark_written(session, remark, author, subject, plugin_settings("diary"))
        except services.DiaryError as exc:
            session.rollback()
            getattr(form, exc.field or "text").errors.append(str(exc.message))
        else:
            session.commit()
            flash(_("The note is in the family's diary."), "success")
            return redirect(url_for(".remarks"))
    mine = services.remarks_query(session, Remark.author_id == current_user.id, limit=100)
    return render_template("diary/remarks.html", form=form, targets=targets, mine=mine)


@bp.post("/remarks/<int:remark_id>/delete")
@requires_permission("diary.remark.write")
def delete_remark(remark_id: int) -> Any:
    session = db()
    if not services.delete_remark(session, current_user, remark_id):
        abort(404)
    session.commit()
    flash(_("The note was removed from the diary."), "success")
    return redirect(url_for(".remarks"))


# The routes of class teachers and of paper live in their own modules on the same blueprint.
from plugins.diary import views_classes, views_paper  # noqa: E402,F401  (registers their routes on bp)
