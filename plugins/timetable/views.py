"""The timetable's pages under /timetable: thin views over the rule modules (agenda, clashes, lesson_changes, ...)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from core.api import (
    Role,
    RoleGrant,
    SchoolClass,
    Subgroup,
    Subject,
    TeachingAssignment,
    User,
    can,
    current_school_id,
    current_year,
    db,
    plugin_settings,
    requires_permission,
    teaches,
    term_on,
    terms_of_year,
)
from plugins.gradebook.public import Lesson
from plugins.timetable import (
    access,
    agenda,
    bell_times,
    clashes,
    generation,
    lesson_changes,
    naming,
    refusals,
    versioning,
)
from plugins.timetable.assessments import assessments_between, plan_assessment, warnings_around, warnings_for
from plugins.timetable.forms import (
    AssessmentForm,
    CancelForm,
    EntryForm,
    GenerateForm,
    MoveForm,
    PlanFileForm,
    PlanTextForm,
    ScheduleForm,
    SubstituteForm,
    VersionForm,
)
from plugins.timetable.models import (
    Assessment,
    Bell,
    BellSchedule,
    ClassBells,
    LessonChange,
    TimetableEntry,
    TimetableVersion,
)
from plugins.timetable.plans import apply_plans, parse_file, parse_text, plan_of, plan_progress, replace_plan
from plugins.timetable.refusals import TimetableError
from plugins.timetable.ui import change_note, problem_text, problems_text, weekday_name
from plugins.timetable.workload import class_loads, teacher_loads

bp = Blueprint("timetable", __name__, url_prefix="/timetable", template_folder="templates", static_folder="static")


def settings() -> dict[str, Any]:
    return plugin_settings("timetable")


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"tt_weekday": weekday_name, "tt_weekday_short": lambda d: _(refusals.WEEKDAYS_SHORT[d]),
            "tt_change_note": change_note, "tt_timedelta": timedelta}


def _today() -> date:
    return date.today()


def _owned(model: type, object_id: int) -> Any:
    obj = db().get(model, object_id)
    if obj is None or obj.school_id != current_school_id():
        abort(404)
    return obj


def _date_arg(name: str, default: date) -> date:
    raw = request.args.get(name, "")
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() else None


def _flash_problems(error: TimetableError) -> None:
    for text in problems_text(error.problems):
        flash(text, "error")


def _flash_form(form: Any) -> None:
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        for error in errors:
            flash(f"{label}: {error}", "error")


def _year() -> Any:
    year = current_year(db(), current_school_id())
    if year is None:
        abort(404)
    return year


def _teachers() -> list[tuple[int, str]]:
    rows = db().execute(select(User.id, User.last_name, User.first_name, User.middle_name)
                        .join(RoleGrant, RoleGrant.user_id == User.id)
                        .where(User.school_id == current_school_id(), RoleGrant.role == Role.teacher,
                               User.is_active_account.is_(True))
                        .distinct().order_by(User.last_name, User.first_name)).all()
    return [(r.id, " ".join(p for p in (r.last_name, r.first_name, r.middle_name) if p)) for r in rows]


# --- the week of a class (everyone), a teacher's week, the calendar ------------------------------------

@bp.get("/")
@requires_permission("timetable.view")
def index() -> Any:
    session, school_id, today = db(), current_school_id(), _today()
    classes = access.visible_classes(session, current_user, school_id, today)
    if not classes:
        return render_template("timetable/week.html", classes=[], days=[], school_class=None, monday=None,
                               students=[], teachers=[], student_id=None)
    class_id = _int_arg("class_id") or classes[0].id
    if class_id not in {c.id for c in classes}:
        abort(404)
    monday = agenda.monday_of(_date_arg("date", today))
    student_id = None if access.is_staff(current_user) else access.student_in_class(session, current_user, class_id, today)
    days = agenda.class_week(session, school_id, class_id, monday, settings()["days_per_week"], student_id)
    school_class = next(c for c in classes if c.id == class_id)
    return render_template("timetable/week.html", classes=classes, school_class=school_class, days=days, monday=monday,
                           today=today, student_id=student_id,
                           students=access.family_students(session, current_user),
                           teachers=agenda.class_teachers_list(session, class_id),
                           can_manage=can(current_user, "timetable.manage"))


@bp.get("/teacher")
@requires_permission("timetable.view")
def teacher() -> Any:
    session, school_id, today = db(), current_school_id(), _today()
    if not access.is_staff(current_user):
        abort(404)
    teacher_id = _int_arg("teacher_id") or current_user.id
    if teacher_id != current_user.id:
        person = session.get(User, teacher_id)
        if person is None or person.school_id != school_id:
            abort(404)
    monday = agenda.monday_of(_date_arg("date", today))
    days = agenda.teacher_week(session, school_id, teacher_id, monday, settings()["days_per_week"])
    subs = lesson_changes.substitutions_of_teacher(session, school_id, teacher_id, monday, monday + timedelta(days=6))
    return render_template("timetable/teacher.html", days=days, monday=monday, today=today, substitutions=subs,
                           teacher=session.get(User, teacher_id), teachers=_teachers())


@bp.get("/calendar")
@requires_permission("timetable.view")
def calendar() -> Any:
    year = _year()
    terms, holidays = agenda.calendar_of_year(db(), year.id)
    return render_template("timetable/calendar.html", year=year, terms=terms, holidays=holidays, today=_today())


# --- bells -----------------------------------------------------------------------------------------

@bp.route("/bells", methods=["GET", "POST"])
@requires_permission("timetable.manage")
def bells() -> Any:
    session, school_id = db(), current_school_id()
    bell_times.ensure_bells(session, school_id, settings()["default_bells"])
    form = ScheduleForm()
    if request.method == "POST":
        if form.validate_on_submit():
            session.add(BellSchedule(school_id=school_id, name=form.name.data, shift=form.shift.data))
            session.commit()
            flash(_("Bell schedule added."), "success")
        else:
            _flash_form(form)
        return redirect(url_for(".bells"))
    session.commit()
    schedules = list(session.scalars(select(BellSchedule).where(BellSchedule.school_id == school_id)
                                     .order_by(BellSchedule.shift, BellSchedule.id)))
    times: dict[int, dict[int, Any]] = {s.id: {} for s in schedules}
    for bell in session.scalars(select(Bell).where(Bell.schedule_id.in_([s.id for s in schedules] or [-1]))):
        times[bell.schedule_id][bell.number] = bell
    classes = access.visible_classes(session, current_user, school_id, _today())
    attached = dict(session.execute(select(ClassBells.class_id, ClassBells.schedule_id)
                                    .where(ClassBells.school_id == school_id)).all())
    return render_template("timetable/bells.html", schedules=schedules, times=times, form=form, classes=classes,
                           attached=attached, numbers=range(1, settings()["lessons_per_day"] + 1))


@bp.post("/bells/<int:schedule_id>")
@requires_permission("timetable.manage")
def save_bells(schedule_id: int) -> Any:
    session = db()
    schedule = _owned(BellSchedule, schedule_id)
    rows = []
    for number in range(1, settings()["lessons_per_day"] + 1):
        start, end = request.form.get(f"start_{number}", "").strip(), request.form.get(f"end_{number}", "").strip()
        if not start and not end:
            continue
        try:
            rows.append((number, bell_times.parse_time(start), bell_times.parse_time(end)))
        except ValueError:
            flash(_("Lesson %(number)s: write the time as 08:30.", number=number), "error")
            return redirect(url_for(".bells"))
    try:
        bell_times.save_bells(session, schedule, rows)
    except TimetableError as exc:
        session.rollback()
        _flash_problems(exc)
        return redirect(url_for(".bells"))
    if request.form.get("is_default"):
        for other in session.scalars(select(BellSchedule).where(BellSchedule.school_id == schedule.school_id)):
            other.is_default = other.id == schedule.id
    session.commit()
    flash(_("Bells saved."), "success")
    return redirect(url_for(".bells"))


@bp.post("/bells/classes")
@requires_permission("timetable.manage")
def attach_classes() -> Any:
    session, school_id = db(), current_school_id()
    schedules = {s.id: s for s in session.scalars(select(BellSchedule).where(BellSchedule.school_id == school_id))}
    for school_class in access.visible_classes(session, current_user, school_id, _today()):
        raw = request.form.get(f"class_{school_class.id}", "")
        existing = session.get(ClassBells, school_class.id)
        if raw.isdigit() and int(raw) in schedules:
            if existing is None:
                session.add(ClassBells(class_id=school_class.id, school_id=school_id, schedule_id=int(raw)))
            else:
                existing.schedule_id = int(raw)
        elif existing is not None:
            session.delete(existing)
    session.commit()
    flash(_("Shifts of the classes saved."), "success")
    return redirect(url_for(".bells"))


# --- versions and the editor ---------------------------------------------------------------------------

def _version_form(versions: list[TimetableVersion]) -> VersionForm:
    form = VersionForm()
    form.copy_from.choices = [(0, "—")] + [(v.id, v.title) for v in versions]
    return form


@bp.route("/versions", methods=["GET", "POST"])
@requires_permission("timetable.manage")
def versions() -> Any:
    session, school_id, year = db(), current_school_id(), _year()
    all_versions = list(session.scalars(select(TimetableVersion).where(TimetableVersion.year_id == year.id)
                                        .order_by(TimetableVersion.valid_from)))
    form = _version_form(all_versions)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            source = next((v for v in all_versions if v.id == form.copy_from.data), None)
            try:
                version, closed = versioning.create_version(session, school_id, year, form.title.data,
                                                          form.valid_from.data, form.valid_to.data, source,
                                                          current_user.id)
            except TimetableError as exc:
                session.rollback()
                _flash_problems(exc)
                status = exc.status
            else:
                session.commit()
                flash(_("Timetable “%(title)s” created.", title=version.title), "success")
                if closed is not None:
                    flash(_("Timetable “%(title)s” now ends on %(date)s.", title=closed.title,
                            date=closed.valid_to.strftime("%d.%m.%Y")), "success")
                return redirect(url_for(".versions"))
        else:
            _flash_form(form)
            status = 422
    if not form.title.data:
        form.title.data = _("Main timetable")
    if not form.valid_from.data:
        form.valid_from.data, form.valid_to.data = max(year.starts_on, _today()), year.ends_on
    conflicts = {v.id: len(clashes.version_conflicts(session, school_id, v.id, settings()["shared_rooms"]))
                 for v in all_versions}
    return render_template("timetable/versions.html", versions=all_versions, form=form, year=year, conflicts=conflicts,
                           classes=access.visible_classes(session, current_user, school_id, _today())), status


@bp.post("/versions/<int:version_id>/delete")
@requires_permission("timetable.manage")
def delete_version(version_id: int) -> Any:
    session = db()
    version = _owned(TimetableVersion, version_id)
    session.delete(version)
    session.commit()
    flash(_("Timetable “%(title)s” deleted; the journal's lessons stay.", title=version.title), "success")
    return redirect(url_for(".versions"))


def _entry_form(class_id: int) -> EntryForm:
    session = db()
    form = EntryForm()
    s = settings()
    form.weekday.choices = [(d, weekday_name(d)) for d in range(s["days_per_week"])]
    form.number.choices = [(n, str(n)) for n in range(1, s["lessons_per_day"] + 1)]
    rows = session.execute(select(TeachingAssignment.id, Subject.name, Subgroup.name, User.last_name, User.first_name,
                                  User.middle_name)
                           .join(Subject, Subject.id == TeachingAssignment.subject_id)
                           .join(User, User.id == TeachingAssignment.teacher_id)
                           .outerjoin(Subgroup, Subgroup.id == TeachingAssignment.subgroup_id)
                           .where(TeachingAssignment.class_id == class_id)
                           .order_by(Subject.name, Subgroup.name)).all()
    form.assignment_id.choices = [
        (r[0], f"{r[1]}{f' ({r[2]})' if r[2] else ''} — {r[3]} {r[4][:1]}.{(r[5][:1] + '.') if r[5] else ''}")
        for r in rows]
    return form


def _editor(version: TimetableVersion, school_class: SchoolClass, form: EntryForm, problems: list[str],
            status: int = 200) -> Any:
    session, school_id = db(), current_school_id()
    names = naming.Names(session, school_id)
    entries = list(session.scalars(select(TimetableEntry).where(TimetableEntry.version_id == version.id,
                                                                TimetableEntry.class_id == school_class.id)))
    names.people(e.teacher_id for e in entries)
    grid: dict[tuple[int, int], list[Any]] = {}
    for e in entries:
        grid.setdefault((e.weekday, e.number), []).append(e)
    conflicts = [(d, problem_text(p)) for d, p in clashes.version_conflicts(session, school_id, version.id,
                                                                               settings()["shared_rooms"])
                 if d.class_id == school_class.id]
    s = settings()
    bells = bell_times.bells_of_classes(session, school_id, [school_class.id])[school_class.id]
    return render_template(
        "timetable/editor.html", version=version, school_class=school_class, form=form, problems=problems,
        grid=grid, names=names, conflicts=conflicts, bells=bells,
        days=range(s["days_per_week"]), numbers=range(1, s["lessons_per_day"] + 1),
        classes=access.visible_classes(session, current_user, school_id, _today())), status


@bp.get("/versions/<int:version_id>/classes/<int:class_id>")
@requires_permission("timetable.manage")
def editor(version_id: int, class_id: int) -> Any:
    version = _owned(TimetableVersion, version_id)
    school_class = _owned(SchoolClass, class_id)
    form = _entry_form(class_id)
    if request.args.get("weekday", "").isdigit():
        form.weekday.data = int(request.args["weekday"])
    if request.args.get("number", "").isdigit():
        form.number.data = int(request.args["number"])
    return _editor(version, school_class, form, [])


@bp.post("/versions/<int:version_id>/classes/<int:class_id>/entries")
@requires_permission("timetable.manage")
def add_entry(version_id: int, class_id: int) -> Any:
    session, school_id = db(), current_school_id()
    version = _owned(TimetableVersion, version_id)
    school_class = _owned(SchoolClass, class_id)
    form = _entry_form(class_id)
    if not form.validate_on_submit():
        return _editor(version, school_class, form, [f"{getattr(form, n).label.text}: {e}"
                                                     for n, errs in form.errors.items() for e in errs], 422)
    s = settings()
    try:
        draft = clashes.draft_from_assignment(session, school_id, class_id, form.assignment_id.data,
                                               form.weekday.data, form.number.data, form.room.data or "")
        clashes.add_entry(session, school_id, version, draft, shared_rooms=s["shared_rooms"],
                           days_per_week=s["days_per_week"], lessons_per_day=s["lessons_per_day"])
    except TimetableError as exc:
        session.rollback()
        return _editor(version, school_class, form, problems_text(exc.problems), exc.status)
    session.commit()
    flash(_("Lesson added to the timetable."), "success")
    return redirect(url_for(".editor", version_id=version.id, class_id=class_id))


@bp.post("/entries/<int:entry_id>/delete")
@requires_permission("timetable.manage")
def delete_entry(entry_id: int) -> Any:
    session = db()
    entry = _owned(TimetableEntry, entry_id)
    version_id, class_id = entry.version_id, entry.class_id
    session.delete(entry)
    session.commit()
    flash(_("Lesson removed from the timetable."), "success")
    return redirect(url_for(".editor", version_id=version_id, class_id=class_id))


# --- generating lessons ------------------------------------------------------------------------------------

@bp.route("/generate", methods=["GET", "POST"])
@requires_permission("timetable.manage")
def generate() -> Any:
    session, school_id, today = db(), current_school_id(), _today()
    year = _year()
    terms = terms_of_year(session, year.id)
    classes = access.visible_classes(session, current_user, school_id, today)
    form = GenerateForm()
    form.term_id.choices = [(t.id, t.title) for t in terms]
    form.class_id.choices = [(0, _("All classes"))] + [(c.id, c.name) for c in classes]
    if request.method == "GET":
        current = term_on(session, school_id, today)
        form.term_id.data = current.id if current else (terms[0].id if terms else None)
        form.fill_topics.data = True
    report = None
    if request.method == "POST":
        if not form.validate_on_submit():
            _flash_form(form)
            return render_template("timetable/generate.html", form=form, report=None), 422
        term = next(t for t in terms if t.id == form.term_id.data)
        start = max(term.starts_on, form.from_date.data) if form.from_date.data else term.starts_on
        if start > term.ends_on:
            flash(_("The date is after the end of the term."), "error")
            return render_template("timetable/generate.html", form=form, report=None), 422
        class_ids = [form.class_id.data] if form.class_id.data else None
        if not versioning.versions_between(session, school_id, start, term.ends_on):
            flash(_("No timetable covers these dates: create one first."), "error")
            return render_template("timetable/generate.html", form=form, report=None), 422
        report = generation.generate_lessons(session, school_id, start, term.ends_on, class_ids=class_ids,
                                           weekdays=settings()["days_per_week"], today=today,
                                           fill_topics=bool(form.fill_topics.data), actor_id=current_user.id)
        session.commit()
        flash(_("Lessons generated: %(created)s created, %(updated)s moved, %(removed)s removed, %(kept)s kept.",
                created=report.created, updated=report.updated, removed=report.removed, kept=len(report.kept)),
              "success")
    return render_template("timetable/generate.html", form=form, report=report)


# --- substitutions, moves, cancellations ----------------------------------------------------------------------

@bp.get("/changes")
@requires_permission("timetable.manage")
def changes() -> Any:
    session, school_id, today = db(), current_school_id(), _today()
    day = _date_arg("date", today)
    classes = access.visible_classes(session, current_user, school_id, today)
    class_id = _int_arg("class_id") or (classes[0].id if classes else None)
    lessons = []
    busy: dict[int, set[int]] = {}
    if class_id is not None:
        lessons = agenda.class_week(session, school_id, class_id, day, 1)[0].slots
        for number, teacher_id in session.execute(select(Lesson.number, Lesson.teacher_id).where(
                Lesson.school_id == school_id, Lesson.date == day)):
            busy.setdefault(number, set()).add(teacher_id)
    monday = agenda.monday_of(day)
    recent = lesson_changes.recent_changes(session, school_id, monday, monday + timedelta(days=13))
    sub_form, move_form, cancel_form = SubstituteForm(), MoveForm(), CancelForm()
    teachers = _teachers()
    return render_template("timetable/changes.html", day=day, classes=classes, class_id=class_id, slots=lessons,
                           busy=busy, teachers=teachers, recent=recent, sub_form=sub_form, move_form=move_form,
                           cancel_form=cancel_form)


def _lesson(lesson_id: int) -> Lesson:
    return _owned(Lesson, lesson_id)


def _back(lesson: Lesson | None = None) -> Any:
    if lesson is not None:
        return redirect(url_for(".changes", date=lesson.date.isoformat(), class_id=lesson.class_id))
    return redirect(request.referrer or url_for(".changes"))


@bp.post("/lessons/<int:lesson_id>/substitute")
@requires_permission("timetable.manage")
def substitute(lesson_id: int) -> Any:
    session, school_id = db(), current_school_id()
    lesson = _lesson(lesson_id)
    form = SubstituteForm()
    form.teacher_id.choices = _teachers()
    if not form.validate_on_submit():
        _flash_form(form)
        return _back(lesson), 422
    try:
        lesson_changes.substitute(session, school_id, lesson, form.teacher_id.data, form.reason.data or "", current_user.id)
    except TimetableError as exc:
        session.rollback()
        _flash_problems(exc)
        return _back(lesson)
    session.commit()
    flash(_("Substitution saved."), "success")
    return _back(lesson)


@bp.post("/lessons/<int:lesson_id>/move")
@requires_permission("timetable.manage")
def move(lesson_id: int) -> Any:
    session, school_id = db(), current_school_id()
    lesson = _lesson(lesson_id)
    origin = (lesson.date, lesson.class_id)
    form = MoveForm()
    if not form.validate_on_submit():
        _flash_form(form)
        return _back(lesson)
    s = settings()
    try:
        lesson_changes.move(session, school_id, lesson, form.date.data, form.number.data, room=form.room.data or "",
                      reason=form.reason.data or "", weekdays=s["days_per_week"], lessons_per_day=s["lessons_per_day"],
                      actor_id=current_user.id)
    except TimetableError as exc:
        session.rollback()
        _flash_problems(exc)
        return _back(lesson)
    session.commit()
    flash(_("Lesson moved."), "success")
    return redirect(url_for(".changes", date=origin[0].isoformat(), class_id=origin[1]))


@bp.post("/lessons/<int:lesson_id>/cancel")
@requires_permission("timetable.manage")
def cancel(lesson_id: int) -> Any:
    session, school_id = db(), current_school_id()
    lesson = _lesson(lesson_id)
    origin = (lesson.date, lesson.class_id)
    form = CancelForm()
    if not form.validate_on_submit():
        _flash_form(form)
        return _back(lesson)
    try:
        lesson_changes.cancel(session, school_id, lesson, form.reason.data, current_user.id)
    except TimetableError as exc:
        session.rollback()
        _flash_problems(exc)
        return _back(lesson)
    session.commit()
    flash(_("Lesson cancelled."), "success")
    return redirect(url_for(".changes", date=origin[0].isoformat(), class_id=origin[1]))


@bp.post("/changes/<int:change_id>/revoke")
@requires_permission("timetable.manage")
def revoke(change_id: int) -> Any:
    session = db()
    change = _owned(LessonChange, change_id)
    try:
        lesson_changes.revoke(session, change, current_user.id)
    except TimetableError as exc:
        session.rollback()
        _flash_problems(exc)
        return redirect(url_for(".changes", date=change.date.isoformat(), class_id=change.class_id))
    session.commit()
    flash(_("Change revoked."), "success")
    return redirect(url_for(".changes", date=change.date.isoformat(), class_id=change.class_id))


# --- the test calendar ------------------------------------------------------------------------------------------

def _work_kinds() -> list[tuple[str, str]]:
    return [(w["code"], w["title"]) for w in plugin_settings("gradebook")["work_types"]]


def _assessment_form(classes: list[SchoolClass]) -> AssessmentForm:
    session = db()
    form = AssessmentForm()
    form.class_id.choices = [(c.id, c.name) for c in classes]
    form.subject_id.choices = [(s.id, s.name) for s in session.scalars(
        select(Subject).where(Subject.school_id == current_school_id()).order_by(Subject.name))]
    form.kind.choices = _work_kinds()
    if not form.kind.data:
        form.kind.data = "test"
    return form


@bp.get("/assessments")
@requires_permission("timetable.view")
def assessments() -> Any:
    session, school_id, today = db(), current_school_id(), _today()
    year = _year()
    terms = terms_of_year(session, year.id)
    term = next((t for t in terms if t.id == _int_arg("term_id")), None) or term_on(session, school_id, today) \
        or (terms[0] if terms else None)
    classes = access.visible_classes(session, current_user, school_id, today)
    class_id = _int_arg("class_id")
    if class_id is not None and class_id not in {c.id for c in classes}:
        abort(404)
    shown = [class_id] if class_id else [c.id for c in classes]
    items = assessments_between(session, school_id, term.starts_on, term.ends_on, shown) if term else []
    warnings = warnings_for(session, school_id, items, settings())
    flagged = {i for w in warnings for i in w.assessment_ids}
    names = naming.Names(session, school_id)
    kinds = dict(_work_kinds())
    form = _assessment_form(classes) if can(current_user, "timetable.assessment.plan") else None
    if form is not None and class_id:
        form.class_id.data = class_id
    return render_template("timetable/assessments.html", terms=terms, term=term, classes=classes, class_id=class_id,
                           items=items, warnings=[problem_text(w.problem) for w in warnings], flagged=flagged,
                           names=names, kinds=kinds, form=form, settings=settings())


def _may_plan(class_id: int, subject_id: int) -> bool:
    if current_user.has_role("deputy", "admin"):
        return True
    return teaches(db(), current_user.id, class_id, subject_id)


@bp.post("/assessments")
@requires_permission("timetable.assessment.plan")
def add_assessment() -> Any:
    session, school_id, today = db(), current_school_id(), _today()
    classes = access.visible_classes(session, current_user, school_id, today)
    form = _assessment_form(classes)
    if not form.validate_on_submit():
        _flash_form(form)
        return redirect(url_for(".assessments"))
    if not _may_plan(form.class_id.data, form.subject_id.data):
        flash(_("You can plan tests only in the subjects and classes you teach."), "error")
        return redirect(url_for(".assessments", class_id=form.class_id.data)), 403
    year = _year()
    if not year.starts_on <= form.date.data <= year.ends_on:
        flash(_("The date must lie within the school year %(year)s.", year=year.title), "error")
        return redirect(url_for(".assessments", class_id=form.class_id.data))
    plan_assessment(session, school_id, class_id=form.class_id.data, subject_id=form.subject_id.data,
                    day=form.date.data, number=form.number.data, kind=form.kind.data, title=form.title.data or "",
                    actor_id=current_user.id)
    warnings = warnings_around(session, school_id, form.class_id.data, form.date.data, settings())
    session.commit()
    flash(_("Test added to the calendar."), "success")
    for w in warnings:
        flash(problem_text(w.problem), "error")
    return redirect(url_for(".assessments", class_id=form.class_id.data))


@bp.post("/assessments/<int:assessment_id>/delete")
@requires_permission("timetable.assessment.plan")
def delete_assessment(assessment_id: int) -> Any:
    session = db()
    item = _owned(Assessment, assessment_id)
    if not _may_plan(item.class_id, item.subject_id):
        abort(403)
    session.delete(item)
    session.commit()
    flash(_("Test removed from the calendar."), "success")
    return redirect(url_for(".assessments", class_id=item.class_id))


# --- workload -------------------------------------------------------------------------------------------------

@bp.get("/workload")
@requires_permission("timetable.workload.view")
def workload() -> Any:
    session, school_id, today = db(), current_school_id(), _today()
    year = _year()
    all_versions = list(session.scalars(select(TimetableVersion).where(TimetableVersion.year_id == year.id)
                                        .order_by(TimetableVersion.valid_from)))
    version = next((v for v in all_versions if v.id == _int_arg("version_id")), None) \
        or versioning.version_on(session, school_id, today) or (all_versions[-1] if all_versions else None)
    s = settings()
    classes = class_loads(session, school_id, version.id, s) if version else []
    teachers = teacher_loads(session, school_id, version.id, s["max_teacher_hours"]) if version else []
    return render_template("timetable/workload.html", versions=all_versions, version=version, classes=classes,
                           teachers=teachers, settings=s)


# --- lesson plans (КТП) ------------------------------------------------------------------------------------------

def _plan_keys() -> list[Any]:
    """(class, subject, subgroup) the user may edit: own assignments, or all for the deputy."""
    session, school_id = db(), current_school_id()
    year = _year()
    query = (select(TeachingAssignment.class_id, TeachingAssignment.subject_id, TeachingAssignment.subgroup_id,
                    SchoolClass.grade_level, SchoolClass.letter, Subject.name.label("subject"),
                    Subgroup.name.label("subgroup"))
             .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
             .join(Subject, Subject.id == TeachingAssignment.subject_id)
             .outerjoin(Subgroup, Subgroup.id == TeachingAssignment.subgroup_id)
             .where(TeachingAssignment.school_id == school_id, SchoolClass.year_id == year.id)
             .order_by(SchoolClass.grade_level, SchoolClass.letter, Subject.name, Subgroup.name))
    if not current_user.has_role("deputy"):
        query = query.where(TeachingAssignment.teacher_id == current_user.id)
    return list(session.execute(query).all())


def _plan_key_or_404() -> tuple[int, int, int | None, Any]:
    class_id, subject_id, subgroup_id = _int_arg("class_id"), _int_arg("subject_id"), _int_arg("subgroup_id")
    for key in _plan_keys():
        if (key.class_id, key.subject_id, key.subgroup_id) == (class_id, subject_id, subgroup_id):
            return class_id, subject_id, subgroup_id, key  # type: ignore[return-value]
    abort(404)


@bp.get("/plans")
@requires_permission("timetable.plan.edit")
def plans() -> Any:
    session, school_id = db(), current_school_id()
    keys = _plan_keys()
    year = _year()
    progress = {(p.class_id, p.subject_id, p.subgroup_id): p for p in plan_progress(
        session, school_id, {k.class_id for k in keys}, year.starts_on, year.ends_on, _today())}
    return render_template("timetable/plans.html", keys=keys, progress=progress)


@bp.route("/plans/edit", methods=["GET", "POST"])
@requires_permission("timetable.plan.edit")
def plan_edit() -> Any:
    session, school_id = db(), current_school_id()
    class_id, subject_id, subgroup_id, key = _plan_key_or_404()
    text_form, file_form = PlanTextForm(), PlanFileForm()
    status = 200
    if request.method == "POST":
        lines = None
        try:
            if request.form.get("action") == "import":
                upload = request.files.get("file")
                if upload is None or not upload.filename:
                    flash(_("Choose a file to upload."), "error")
                    status = 422
                else:
                    lines = parse_file(upload.filename, upload.read())
            elif text_form.validate_on_submit():
                lines = parse_text(text_form.text.data)
            else:
                _flash_form(text_form)
                status = 422
            if lines is not None:
                count = replace_plan(session, school_id, class_id, subject_id, subgroup_id, lines)
                filled = apply_plans(session, school_id, [class_id], subject_id=subject_id, subgroup_id=subgroup_id,
                                     today=_today())
                session.commit()
                flash(_("Lesson plan saved: %(count)s topics; %(filled)s lesson topics filled.", count=count,
                        filled=filled), "success")
                return redirect(url_for(".plan_edit", class_id=class_id, subject_id=subject_id,
                                        subgroup_id=subgroup_id or ""))
        except TimetableError as exc:
            session.rollback()
            _flash_problems(exc)
            status = 422
    items = plan_of(session, class_id, subject_id, subgroup_id)
    if request.method == "GET" or not text_form.text.data:
        text_form.text.data = "\n".join(f"{i.topic}; {i.hours}" if i.hours > 1 else i.topic for i in items)
    return render_template("timetable/plan_edit.html", key=key, items=items, text_form=text_form,
                           file_form=file_form), status


@bp.post("/plans/apply")
@requires_permission("timetable.plan.edit")
def plan_apply() -> Any:
    session, school_id = db(), current_school_id()
    class_id, subject_id, subgroup_id, _key = _plan_key_or_404()
    filled = apply_plans(session, school_id, [class_id], subject_id=subject_id, subgroup_id=subgroup_id, today=_today())
    session.commit()
    flash(_("%(filled)s lesson topics filled from the plan.", filled=filled), "success")
    return redirect(url_for(".plan_edit", class_id=class_id, subject_id=subject_id, subgroup_id=subgroup_id or ""))


@bp.get("/plans/progress")
@requires_permission("timetable.plan.progress")
def plan_progress_page() -> Any:
    session, school_id, today = db(), current_school_id(), _today()
    year = _year()
    classes = access.visible_classes(session, current_user, school_id, today)
    class_id = _int_arg("class_id")
    shown = [class_id] if class_id in {c.id for c in classes} else [c.id for c in classes]
    rows = plan_progress(session, school_id, shown, year.starts_on, year.ends_on, today)
    return render_template("timetable/progress.html", rows=rows, classes=classes, class_id=class_id, today=today)


# --- the start page ------------------------------------------------------------------------------------------

def dashboard_widgets(user: Any) -> list[Any]:
    from core.api import DashboardWidget

    session, school_id, today = db(), current_school_id(), _today()
    widgets = []
    if can(user, "timetable.manage"):
        version = versioning.version_on(session, school_id, today)
        s = settings()
        conflicts = clashes.version_conflicts(session, school_id, version.id, s["shared_rooms"]) if version else []
        loads = class_loads(session, school_id, version.id, s) if version else []
        teachers = teacher_loads(session, school_id, version.id, s["max_teacher_hours"]) if version else []
        term = term_on(session, school_id, today)
        test_warnings = warnings_for(session, school_id, assessments_between(
            session, school_id, term.starts_on, term.ends_on), s) if term else []
        body = render_template("timetable/_widget_deputy.html", version=version, conflicts=len(conflicts),
                               over_classes=[c for c in loads if c.over or c.heavy_days],
                               over_teachers=[t for t in teachers if t.over],
                               test_warnings=[problem_text(w.problem) for w in test_warnings][:5],
                               test_warning_count=len(test_warnings))
        widgets.append(DashboardWidget(_("Timetable"), Markup(body), 30, "timetable.versions"))
    if user.has_role("teacher"):
        subs = lesson_changes.substitutions_of_teacher(session, school_id, user.id, today, today)
        if subs:
            body = render_template("timetable/_widget_teacher.html", subs=subs)
            widgets.append(DashboardWidget(_("My substitutions today"), Markup(body), 20, "timetable.teacher"))
    return widgets

