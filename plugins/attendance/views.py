"""Attendance pages: a teacher's day and the phone roll call, the class teacher's week, reasons and
notes, summaries, the deputy's list of lessons left without attendance, and guardians' notes."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    SchoolClass,
    Subject,
    acting_user,
    children_of,
    class_students,
    current_school_id,
    current_year,
    db,
    hook,
    requires_permission,
    school_today,
    term_on,
)
from plugins.attendance import code_rules, excuses, rights, totals, unmarked, weekly
from plugins.attendance import roll_call as roll_call_sheet
from plugins.attendance.context import current_actor, error_text, notifier, settings
from plugins.attendance.errors import AttendanceError
from plugins.attendance.excuses import NoteFile
from plugins.attendance.forms import DecisionForm, NoteForm, ReasonForm, VerifyForm
from plugins.attendance.models import AbsenceNote
from plugins.gradebook.public import Lesson

bp = Blueprint("attendance", __name__, url_prefix="/attendance", template_folder="templates",
               static_folder="static")


def _abort_for(error: AttendanceError) -> None:
    abort(error.status if error.status in (403, 404) else 400)


def _class_or_404(class_id: int, *, verify: bool = False) -> SchoolClass:
    """The class if the user may see it (``verify``: may verify it); otherwise 404, revealing nothing."""
    actor = current_actor()
    school_class = db().get(SchoolClass, class_id)
    allowed = rights.can_view_class(actor, school_class)
    if verify:
        allowed = school_class is not None and school_class.school_id == actor.school_id and (
            class_id in actor.verify_class_ids or actor.edit_any)
    if not allowed:
        abort(404)
    return school_class  # type: ignore[return-value]


def _visible_classes() -> list[SchoolClass]:
    actor = current_actor()
    session = db()
    year = current_year(session, actor.school_id)
    query = select(SchoolClass).where(SchoolClass.school_id == actor.school_id,
                                      SchoolClass.year_id == (year.id if year else -1))
    if not (actor.view_all or actor.edit_any):
        query = query.where(SchoolClass.id.in_(list(actor.verify_class_ids)))
    return list(session.scalars(query.order_by(SchoolClass.grade_level, SchoolClass.letter)))


def _date_arg(name: str, default: date) -> date:
    raw = request.args.get(name, "")
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def _term_range(today: date) -> tuple[date, date]:
    term = term_on(db(), current_school_id(), today)
    if term is not None:
        return term.starts_on, min(term.ends_on, today)
    return today - timedelta(days=30), today


# --- index ---------------------------------------------------------------------------------------------

@bp.get("/")
@requires_permission("attendance.view")
def index() -> Any:
    """The classes the user verifies or oversees, with their open work."""
    actor = current_actor()
    today = school_today()
    classes = _visible_classes()
    ids = [c.id for c in classes]
    since = _term_range(today)[0]
    weeks = weekly.unverified_weeks(db(), actor.school_id, ids, since, today)
    pending = excuses.pending_notes_by_class(db(), actor.school_id, ids)
    return render_template("attendance/index.html", classes=classes, weeks=weeks, pending=pending,
                           actor=actor, this_week=weekly.monday(today))


# --- a teacher's day and the roll call -------------------------------------------------------------------

@bp.get("/today")
@requires_permission("attendance.edit")
def today() -> Any:
    """The teacher's lessons of a day (today by default) with whether attendance was taken."""
    user = acting_user()
    now = school_today()
    day = _date_arg("day", now)
    lessons = unmarked.teacher_lessons_on(db(), user.school_id, user.id, day)
    overdue = unmarked.missing_roll_calls(db(), settings(), user.school_id, now, teacher_id=user.id)
    return render_template("attendance/today.html", lessons=lessons, day=day, today=now, overdue=overdue,
                           prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1))


@bp.route("/lessons/<int:lesson_id>", methods=["GET", "POST"])
@requires_permission("attendance.view")
def roll_call(lesson_id: int) -> Any:
    """The phone page: everyone present by default, a tap cycles н/б/у/о, minutes for a late arrival."""
    session = db()
    actor = current_actor()
    conf = settings()
    today = school_today()
    try:  # the lesson, its class, subject, roll call, pupils and marks: one statement
        sheet = roll_call_sheet.load_sheet(session, actor, lesson_id)
    except AttendanceError as exc:
        _abort_for(exc)
    lesson = sheet.lesson
    editable = rights.can_edit_lesson(actor, lesson, today)
    if request.method == "POST":
        if not editable:
            refusal = rights.edit_refusal(actor, lesson, today)
            flash(error_text(refusal) if refusal else _("Not found."), "error")
            return redirect(url_for(".roll_call", lesson_id=lesson.id))
        entries: dict[int, tuple[str, int | None]] = {}
        for pupil in sheet.pupils:
            code = request.form.get(f"code_{pupil.id}", "")
            minutes_raw = request.form.get(f"late_{pupil.id}", "").strip()
            minutes = int(minutes_raw) if minutes_raw.isdigit() and 0 < int(minutes_raw) <= 240 else None
            if code:
                entries[pupil.id] = (code, minutes)
        raw = request.form.get("version", "").strip()
        seen = None if "version" not in request.form else int(raw) if raw.isdigit() and len(raw) < 10 else -1
        result = roll_call_sheet.save_sheet(session, conf, actor, sheet, entries, today=today, hooks=hook(),
                                            version=seen)  # a stale form: the core's answer, nothing saved
        session.commit()
        flash(_("Roll call saved: present %(present)d, absent %(absent)d, late %(late)d.",
                present=result.present, absent=result.absent, late=result.late), "success")
        return redirect(url_for(".roll_call", lesson_id=lesson.id))
    codes = conf["codes"]
    return render_template(
        "attendance/roll_call.html", lesson=lesson, pupils=sheet.pupils, marks=sheet.marks, roll=sheet.roll,
        editable=editable, refusal=None if editable else rights.edit_refusal(actor, lesson, today),
        school_class=sheet.school_class, subject=sheet.subject, codes=codes, cycle=code_rules.roll_call_cycle(conf),
        kinds=code_rules.code_kinds(conf), error_text=error_text,
    )


# --- the class teacher's week ---------------------------------------------------------------------------

@bp.get("/classes/<int:class_id>/week")
@requires_permission("attendance.view")
def week(class_id: int) -> Any:
    """Every lesson of the week with its attendance status, the discrepancies, and the confirmation."""
    school_class = _class_or_404(class_id)
    actor = current_actor()
    today = school_today()
    start = weekly.monday(_date_arg("start", today))
    overview = weekly.week_overview(db(), settings(), actor.school_id, class_id, start)
    may_verify = class_id in actor.verify_class_ids or actor.edit_any
    return render_template("attendance/week.html", school_class=school_class, overview=overview, today=today,
                           may_verify=may_verify, form=VerifyForm(), prev_week=start - timedelta(days=7),
                           next_week=start + timedelta(days=7), can_verify_now=start <= today)


@bp.post("/classes/<int:class_id>/week/verify")
@requires_permission("attendance.verify")
def verify(class_id: int) -> Any:
    _class_or_404(class_id, verify=True)
    actor = current_actor()
    today = school_today()
    start = weekly.monday(_date_arg("start", today))
    form = VerifyForm()
    if not form.validate_on_submit():
        flash(_("The comment is too long."), "error")
        return redirect(url_for(".week", class_id=class_id, start=start.isoformat()))
    session = db()
    overview = weekly.week_overview(session, settings(), actor.school_id, class_id, start)
    weekly.verify_week(session, actor, class_id, start, today=today, open_issues=overview.open_issues(today),
                         comment=form.comment.data or "")
    session.commit()
    flash(_("The week is marked as verified."), "success")
    return redirect(url_for(".week", class_id=class_id, start=start.isoformat()))


# --- reasons --------------------------------------------------------------------------------------------

def _reason_form(class_id: int) -> ReasonForm:
    form = ReasonForm()
    today = school_today()
    students = class_students(db(), class_id, today - timedelta(days=120), today)
    form.student_id.choices = [(0, "—")] + [(s.id, s.full_name) for s in students]
    form.kind.choices = [(r["kind"], r["title"]) for r in settings()["reasons"]]
    return form


@bp.route("/classes/<int:class_id>/reasons", methods=["GET", "POST"])
@requires_permission("attendance.verify")
def reasons(class_id: int) -> Any:
    """The class teacher sets the reason for a day or a range: its absences become excused ones."""
    school_class = _class_or_404(class_id, verify=True)
    session = db()
    actor = current_actor()
    form = _reason_form(class_id)
    if request.method == "GET":
        form.starts_on.data = form.starts_on.data or _date_arg("day", school_today())
        form.ends_on.data = form.ends_on.data or form.starts_on.data
        if request.args.get("student", "").isdigit():
            form.student_id.data = int(request.args["student"])
    if form.validate_on_submit():
        try:
            result = excuses.set_reason(session, settings(), actor, form.student_id.data, form.starts_on.data,
                                         form.ends_on.data, form.kind.data, form.document.data or "",
                                         notify=notifier())
        except AttendanceError as exc:
            session.rollback()
            target = getattr(form, exc.field, None) if exc.field else None
            if target is not None:
                target.errors = [*target.errors, error_text(exc)]
            flash(error_text(exc), "error")
        else:
            session.commit()
            flash(_("The reason is saved; absences made excused: %(n)d.", n=len(result.excused)), "success")
            return redirect(url_for(".reasons", class_id=class_id))
    elif request.method == "POST":
        flash(_("Check the highlighted fields; nothing was saved."), "error")
    today = school_today()
    rows = excuses.class_reasons(session, actor.school_id, class_id, today - timedelta(days=120),
                                  today + timedelta(days=60))
    titles = code_rules.reason_kinds(settings())
    return render_template("attendance/reasons.html", school_class=school_class, form=form, rows=rows, titles=titles)


# --- notes: the class teacher's side ----------------------------------------------------------------------

@bp.get("/classes/<int:class_id>/notes")
@requires_permission("attendance.verify")
def class_notes(class_id: int) -> Any:
    school_class = _class_or_404(class_id, verify=True)
    rows = excuses.class_notes(db(), current_school_id(), [class_id])
    return render_template("attendance/class_notes.html", school_class=school_class, rows=rows,
                           titles=code_rules.reason_kinds(settings()), form=DecisionForm())


@bp.post("/classes/<int:class_id>/notes/<int:note_id>/decide")
@requires_permission("attendance.verify")
def decide(class_id: int, note_id: int) -> Any:
    _class_or_404(class_id, verify=True)
    session = db()
    note = session.get(AbsenceNote, note_id)
    if note is None or note.class_id != class_id:
        abort(404)
    form = DecisionForm()
    accept = request.form.get("decision") == "accept"
    if not form.validate_on_submit():
        flash(_("The comment is too long."), "error")
        return redirect(url_for(".class_notes", class_id=class_id))
    try:
        result = excuses.decide_note(session, settings(), current_actor(), note_id, accept,
                                      form.comment.data or "", notify=notifier())
    except AttendanceError as exc:
        session.rollback()
        if exc.status == 404:
            abort(404)
        flash(error_text(exc), "error")
        return redirect(url_for(".class_notes", class_id=class_id))
    session.commit()
    if result is not None:
        flash(_("The note is accepted; absences made excused: %(n)d.", n=len(result.excused)), "success")
    else:
        flash(_("The note is rejected; the family sees your comment."), "success")
    return redirect(url_for(".class_notes", class_id=class_id))


def _send_scan(note: AbsenceNote) -> Any:
    if not note.file_data:
        abort(404)
    from io import BytesIO

    return send_file(BytesIO(note.file_data), mimetype=note.content_type or "application/octet-stream",
                     download_name=note.file_name or "scan", as_attachment=False)


@bp.get("/classes/<int:class_id>/notes/<int:note_id>/scan")
@requires_permission("attendance.verify")
def class_note_scan(class_id: int, note_id: int) -> Any:
    _class_or_404(class_id, verify=True)
    note = db().get(AbsenceNote, note_id)
    if note is None or note.class_id != class_id:
        abort(404)
    return _send_scan(note)


# --- summaries ----------------------------------------------------------------------------------------

@bp.get("/classes/<int:class_id>/summary")
@requires_permission("attendance.view")
def summary(class_id: int) -> Any:
    """Missed lessons, of them excused, late arrivals and the percentage, per student, for any range."""
    school_class = _class_or_404(class_id)
    session = db()
    today = school_today()
    default_start, default_end = _term_range(today)
    start, end = _date_arg("start", default_start), _date_arg("end", default_end)
    if start > end:
        flash(_("The start must not be after the end."), "error")
        start, end = end, start
    subject_id = request.args.get("subject_id", type=int)
    result = totals.class_summary(session, settings(), class_id, start, end, subject_id)
    subjects = session.execute(
        select(Subject.id, Subject.name).where(Subject.id.in_(
            select(Lesson.subject_id).where(Lesson.class_id == class_id).distinct())).order_by(Subject.name)
    ).all()
    return render_template("attendance/summary.html", school_class=school_class, result=result, start=start,
                           end=end, subjects=subjects, subject_id=subject_id)


# --- the deputy: lessons left without attendance ---------------------------------------------------------

@bp.get("/monitor")
@requires_permission("attendance.view_all")
def monitor() -> Any:
    """Lessons with no attendance entered ``missing_after_days`` after they were held, per teacher."""
    today = school_today()
    conf = settings()
    missing = unmarked.missing_roll_calls(db(), conf, current_school_id(), today)
    return render_template("attendance/monitor.html", groups=unmarked.by_teacher(missing), total=len(missing),
                           days=conf["missing_after_days"], today=today)


# --- guardians' notes ---------------------------------------------------------------------------------

@bp.route("/notes", methods=["GET", "POST"])
@requires_permission("attendance.note.submit")
def notes() -> Any:
    """A guardian explains a child's absence (own children only) and sees what the class teacher decided."""
    session = db()
    user = acting_user()
    conf = settings()
    children = children_of(session, user.id)
    form = NoteForm()
    form.student_id.choices = [(c.id, c.full_name) for c in children]
    form.kind.choices = [(r["kind"], r["title"]) for r in conf["reasons"]]
    if request.method == "GET":
        # The diary's «Explain the absence» next to an «н» names the child and the day: the form starts there.
        day = _date_arg("day", school_today())
        form.starts_on.data = form.ends_on.data = day
        asked = request.args.get("student_id", type=int)
        if asked in {c.id for c in children}:
            form.student_id.data = asked
    if form.validate_on_submit():
        upload = form.scan.data
        scan = None
        if upload is not None and getattr(upload, "filename", ""):
            scan = NoteFile(upload.filename, upload.mimetype or "", upload.read())
        try:
            excuses.submit_note(session, conf, user.school_id, user.id, form.student_id.data, form.starts_on.data,
                                 form.ends_on.data, form.kind.data, form.text.data or "", scan)
        except AttendanceError as exc:
            session.rollback()
            if exc.status == 404:
                abort(404)
            target = getattr(form, exc.field, None) if exc.field else None
            if target is not None:
                target.errors = [*target.errors, error_text(exc)]
            flash(error_text(exc), "error")
        else:
            session.commit()
            flash(_("The note is sent to the class teacher."), "success")
            return redirect(url_for(".notes"))
    elif request.method == "POST":
        flash(_("Check the highlighted fields; nothing was saved."), "error")
    rows = excuses.guardian_notes(session, user.school_id, user.id)
    return render_template("attendance/notes.html", form=form, rows=rows, children=children,
                           titles=code_rules.reason_kinds(conf), max_kb=conf["note_max_kb"])


@bp.get("/notes/<int:note_id>/scan")
@requires_permission("attendance.note.submit")
def note_scan(note_id: int) -> Any:
    session = db()
    user = acting_user()
    note = session.get(AbsenceNote, note_id)
    if note is None or note.school_id != user.school_id or note.student_id not in {
            c.id for c in children_of(session, user.id)}:
        abort(404)
    return _send_scan(note)
