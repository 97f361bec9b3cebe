"""The journal's pages: my journals, the journal grid, lessons, final marks, the class teacher's view,
a student's card and "how was this computed". Thin: the rules are in services, the access in access."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select

from core.api import (
    AcademicYear,
    DashboardWidget,
    SchoolClass,
    Subgroup,
    Subject,
    TeachingAssignment,
    Term,
    User,
    classes_led_by,
    current_school_id,
    current_year,
    db,
    hook,
    requires_permission,
)
from plugins.gradebook import access, services
from plugins.gradebook.forms import FillTopicsForm, LessonForm
from plugins.gradebook.models import Homework, HomeworkFile, Lesson, Mark
from plugins.gradebook.services import GradebookError, format_number, format_weight

bp = Blueprint("gradebook", __name__, url_prefix="/gradebook", template_folder="templates",
               static_folder="static")


@bp.app_template_filter("gb_num")
def _gb_num(value: float | None, digits: int = 2) -> str:
    return format_number(value, digits)


@bp.app_template_filter("gb_weight")
def _gb_weight(value: float) -> str:
    return format_weight(value)


@bp.app_template_filter("gb_date")
def _gb_date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


@bp.app_template_global("gb_url")
def gb_url(endpoint: str, **values: Any) -> str:
    """url_for without the arguments that are None (an absent subgroup or term)."""
    return url_for(endpoint, **{k: v for k, v in values.items() if v is not None})


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value and value > 0 else None


def _owned(model: type, object_id: int | None) -> Any:
    obj = db().get(model, object_id) if object_id else None
    if obj is None or obj.school_id != current_school_id():
        abort(404)
    return obj


def default_term(session: Any, year_id: int, today: date) -> Term | None:
    """The term containing today, else the last one already started, else the first."""
    terms = list(session.scalars(select(Term).where(Term.year_id == year_id).order_by(Term.number)))
    started = [t for t in terms if t.starts_on <= today]
    return next((t for t in terms if t.contains(today)), started[-1] if started else (terms[0] if terms else None))


def _year_terms(session: Any, year_id: int) -> list[Term]:
    return list(session.scalars(select(Term).where(Term.year_id == year_id).order_by(Term.number)))


def _flash_error(error: GradebookError) -> None:
    flash(access.message(error), "error")


# --- my journals -------------------------------------------------------------------------------------

@bp.get("/")
@requires_permission("gradebook.journal.view")
def index() -> Any:
    """A teacher's journals (their assignments), the class teacher's class, every class for the deputy."""
    session = db()
    school_id = current_school_id()
    user = access.user()
    year = current_year(session, school_id)
    if year is None:
        return render_template("gradebook/index.html", year=None, terms=[], term=None, mine=[], led=[], classes=[])
    terms = _year_terms(session, year.id)
    term = next((t for t in terms if t.id == _int_arg("term_id")), None) or default_term(
        session, year.id, access.school_today())
    base = (
        select(TeachingAssignment.class_id, SchoolClass.grade_level, SchoolClass.letter,
               Subject.id.label("subject_id"), Subject.name.label("subject_name"), Subgroup.id.label("subgroup_id"),
               Subgroup.name.label("subgroup_name"), User.last_name, User.first_name, User.middle_name)
        .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .join(User, User.id == TeachingAssignment.teacher_id)
        .outerjoin(Subgroup, Subgroup.id == TeachingAssignment.subgroup_id)
        .where(TeachingAssignment.school_id == school_id, SchoolClass.year_id == year.id)
        .order_by(SchoolClass.grade_level, SchoolClass.letter, Subject.name, Subgroup.name)
    )
    mine = session.execute(base.where(TeachingAssignment.teacher_id == user.id)).all()
    led_ids = classes_led_by(user)
    classes: dict[int, dict[str, Any]] = {}
    if access.views_all() or led_ids:
        query = base if access.views_all() else base.where(TeachingAssignment.class_id.in_(led_ids))
        for row in session.execute(query):
            entry = classes.setdefault(row[0], {"id": row[0], "name": f"{row[1]}{row[2]}", "subjects": []})
            entry["subjects"].append(row)
    led = [c for cid, c in classes.items() if cid in led_ids]
    return render_template("gradebook/index.html", year=year, terms=terms, term=term, mine=mine, led=led,
                           classes=list(classes.values()) if access.views_all() else [])


# --- the journal grid ---------------------------------------------------------------------------------

def _journal_args() -> tuple[int, int, int | None, int | None]:
    class_id, subject_id = _int_arg("class_id"), _int_arg("subject_id")
    if not class_id or not subject_id:
        abort(404)
    return class_id, subject_id, _int_arg("term_id"), _int_arg("subgroup_id")


def resolve_journal(*, redirect_endpoint: str | None = "gradebook.journal", substitutes_ok: bool = False,
                    with_students: bool = False) -> Any:
    """Resolve the journal of the request's arguments: a ``JournalContext`` (a ``JournalOpening``, with
    the students, when ``with_students``), or the answer to give instead (a redirect; 403 and 404 abort)."""
    session = db()
    school_id = current_school_id()
    class_id, subject_id, term_id, subgroup_id = _journal_args()
    if term_id is None:
        school_class = _owned(SchoolClass, class_id)
        term = default_term(session, school_class.year_id, access.school_today())
        if term is None or redirect_endpoint is None:
            abort(404)
        return redirect(url_for(redirect_endpoint, class_id=class_id, subject_id=subject_id, term_id=term.id,
                                **({"subgroup_id": subgroup_id} if subgroup_id else {})))
    viewer_id = access.user().id
    if with_students:
        opening = services.open_journal(session, school_id, viewer_id, class_id, subject_id, term_id, subgroup_id)
        ctx = opening.context if opening is not None else None
    else:
        opening = ctx = services.journal_context(session, school_id, viewer_id, class_id, subject_id, term_id,
                                                 subgroup_id)
    if ctx is None:
        abort(404)
    if ctx.subgroup_id is None and ctx.split_subgroup_id is not None and redirect_endpoint is not None:
        return redirect(url_for(redirect_endpoint, class_id=class_id, subject_id=subject_id, term_id=term_id,
                                subgroup_id=ctx.split_subgroup_id))
    if not journal_allowed(ctx) and not (substitutes_ok and access.editor().may_edit
                                         and hook().lesson_editors.get_hookimpls()):
        abort(403)
    return opening


def journal_allowed(ctx: services.JournalContext) -> bool:
    """The deputy and the like, the class teacher, the teacher of the subject (or of lessons in it)."""
    return access.views_all() or access.leads(ctx.class_id) or ctx.assigned or ctx.teaches_lessons


def journal_data(grid: services.JournalGrid, settings: dict[str, Any]) -> dict[str, Any]:
    """The compact JSON the keyboard grid draws itself from (also the API's journal answer)."""
    ctx = grid.context
    default_wt = settings["default_work_type"]
    lessons = []
    texts: dict[str, str] = {}  # one gettext per distinct reason, not one per lesson
    for lesson in grid.journal.lessons:
        refusal = grid.refusals.get(lesson.id)
        text = ""
        if refusal is not None:
            template = texts.get(refusal.message) or texts.setdefault(refusal.message, _(refusal.message))
            text = template % refusal.params if refusal.params else template
        day = lesson.date
        lessons.append([lesson.id, f"{day.day:02d}.{day.month:02d}", 0 if refusal else 1,
                        lesson.control_work_type or default_wt, text])
    marks = {f"{lid}:{sid}": cell for (sid, lid), cell in grid.marks.items()}
    thresholds = sorted(((int(k), v) for k, v in settings["thresholds"].items()), reverse=True)
    return {
        "class_id": ctx.class_id, "subject_id": ctx.subject_id, "term_id": ctx.term_id,
        "subgroup_id": ctx.subgroup_id,
        "lessons": lessons,
        "students": [[s.id, s.short_name] for s in grid.journal.students],
        "marks": marks,
        "weights": services.work_type_weights(settings),
        "titles": services.work_type_titles(settings),
        "round": {"rule": settings["rounding"], "thresholds": thresholds, "min": settings["scale_min"],
                  "max": settings["scale_max"]},
        "max_marks": settings["max_marks_per_lesson"],
        "extras": [
            {"key": e.key, "title": str(e.title), "codes": list(e.codes), "url": e.save_url,
             "cells": {f"{lid}:{sid}": text for (sid, lid), text in e.cells.items()},
             "totals": {str(k): v for k, v in e.totals.items()}}
            for e in grid.extras
        ],
        "averages": {str(sid): a.shown for sid, a in grid.averages.items()},
        "forecasts": {str(sid): f for sid, f in grid.forecasts.items()},
    }


def _grid_rows(grid: services.JournalGrid, settings: dict[str, Any]) -> Markup:
    """The table body as ready HTML: 1,200 cells through a Jinja loop (or a gettext per cell) cost more
    than the whole query, so every repeated piece is made once and the cells are joined strings."""
    weights = services.work_type_weights(settings)
    word = _("weight")
    kinds = {code: (str(escape(f"{title}, {word} {format_weight(weights[code])}")), " h" if weights[code] > 1 else "")
             for code, title in services.work_type_titles(settings).items()}

    made: dict[tuple[str, str], str] = {}  # (work type, value) -> the span; a grid repeats a few dozen

    def mark_html(mark: services.GridMark) -> str:
        if not mark[5]:
            html = made.get((mark[3], mark[1]))
            if html is not None:
                return html
        title, heavy = kinds.get(mark[3]) or (str(escape(mark[3])), "")
        if mark[5]:
            title += str(escape(f": {mark[5]}"))
        html = f'<span class="m{heavy}" title="{title}">{escape(mark[1])}</span>'
        if not mark[5]:
            made[(mark[3], mark[1])] = html
        return html

    ctx = grid.context
    explain = url_for("gradebook.explain", class_id=ctx.class_id, subject_id=ctx.subject_id, term_id=ctx.term_id,
                      student_id=0)[:-1]
    lessons = grid.journal.lessons
    extra_cells = [(e.key, e.cells) for e in grid.extras]
    how = escape(_("How was this computed"))
    marks = grid.marks
    rows = []
    for n, student in enumerate(grid.journal.students, 1):
        sid = student.id
        parts = [f'<tr data-s="{sid}"><td class="n">{n}</td>'
                 f'<th scope="row" class="name">{escape(student.short_name)}</th>']
        always = student.active_from is None and student.active_until is None
        for j, lesson in enumerate(lessons):
            if not always and not grid.attends(student, lesson):
                parts.append('<td class="c off" aria-disabled="true"></td>')
                continue
            key = (sid, lesson.id)
            content = "".join(f'<span class="x x-{k}">{escape(cells[key])}</span>'
                              for k, cells in extra_cells if key in cells) if extra_cells else ""
            cell = marks.get(key)
            if cell:
                content += "".join(mark_html(m) for m in cell)
            parts.append(f'<td class="c" data-l="{j}">{content}</td>')
        for e in grid.extras:
            parts.append(f'<td class="tot num">{escape(e.totals.get(sid, ""))}</td>')
        average = grid.averages[sid].shown
        forecast = grid.forecasts[sid]
        final = grid.finals.get(sid)
        parts.append(f'<td class="avg num"><a href="{explain}{sid}" title="{how}">{format_number(average)}</a>'
                     f'</td><td class="fc num">{forecast if forecast is not None else "—"}</td>'
                     f'<td class="fin num">{escape(final.value) if final else ""}</td></tr>')
        rows.append("".join(parts))
    return Markup("".join(rows))


@bp.get("/journal")
@requires_permission("gradebook.journal.view")
def journal() -> Any:
    """One class (or subgroup), subject and term: students down, lessons across, marks in cells."""
    opening = resolve_journal(substitutes_ok=True, with_students=True)
    if not isinstance(opening, services.JournalOpening):
        return opening
    settings = access.settings()
    grid = services.load_journal(db(), settings, access.editor(), opening)
    if not journal_allowed(grid.context) and not grid.journal.editable:
        abort(403)  # a teacher let in only as a possible substitute, who substitutes at no lesson here
    homework = grid.homework
    lesson_url = url_for("gradebook.lesson_page", lesson_id=0)[:-1]
    titles = services.work_type_titles(settings)
    today = access.school_today()
    word_lesson, word_no_topic, word_homework = _("lesson"), _("no topic"), _("Homework")
    headers = []
    for lesson in grid.journal.lessons:
        day = lesson.date
        tip = f"{day.day:02d}.{day.month:02d}.{day.year}, {word_lesson} {lesson.number}: {lesson.topic or word_no_topic}"
        if lesson.control_work_type:
            tip += f" · {titles.get(lesson.control_work_type, lesson.control_work_type)}"
        if lesson.id in homework:
            tip += f" · {word_homework}: {homework[lesson.id]}"
        css = "l ctl" if lesson.control_work_type else "l"
        if not lesson.topic and lesson.date <= today:
            css += " notopic"
        headers.append(f'<th scope="col" class="{css}" title="{escape(tip)}">'
                       f'<a href="{lesson_url}{lesson.id}">{day.day:02d}.{day.month:02d}</a></th>')
    return render_template(
        "gradebook/journal.html", ctx=grid.context, grid=grid, headers=Markup("".join(headers)),
        rows=_grid_rows(grid, settings),
        data=journal_data(grid, settings), settings=settings, rule=services.rounding_rule_text(settings),
        work_types=settings["work_types"], editable=grid.journal.editable,
    )


# --- lessons -------------------------------------------------------------------------------------------

@bp.get("/lessons")
@requires_permission("gradebook.journal.view")
def lessons() -> Any:
    """The term's lessons of a journal with topics and homework; add a lesson; fill topics from the КТП."""
    ctx = resolve_journal(redirect_endpoint="gradebook.lessons")
    if not isinstance(ctx, services.JournalContext):
        return ctx
    session = db()
    query = (
        select(Lesson, Homework.text, Homework.due_date)
        .outerjoin(Homework, Homework.lesson_id == Lesson.id)
        .where(Lesson.class_id == ctx.class_id, Lesson.subject_id == ctx.subject_id,
               Lesson.date >= ctx.term_starts_on, Lesson.date <= ctx.term_ends_on)
        .order_by(Lesson.date, Lesson.number)
    )
    if ctx.subgroup_id:
        query = query.where((Lesson.subgroup_id == ctx.subgroup_id) | Lesson.subgroup_id.is_(None))
    rows = session.execute(query).all()
    ed = access.editor()
    may_add = (ed.may_edit and ctx.assigned) or ed.may_edit_any
    plan_size = len(services.plan_topics(session, ctx.class_id, ctx.subject_id, ctx.subgroup_id))
    return render_template("gradebook/lessons.html", ctx=ctx, rows=rows, may_add=may_add, plan_size=plan_size,
                           fill_form=FillTopicsForm(), today=ed.today,
                           titles=services.work_type_titles(access.settings()))


def _work_type_choices(settings: dict[str, Any]) -> list[tuple[str, str]]:
    return [("", "—")] + [(w["code"], w["title"]) for w in settings["work_types"]]


def _save_files(session: Any, lesson: Lesson, form: LessonForm) -> list[str]:
    errors = []
    settings = access.settings()
    for upload in request.files.getlist(form.files.name):
        if not upload or not upload.filename:
            continue
        try:
            services.add_homework_file(session, settings, access.editor(), lesson.id, upload.filename,
                                       upload.mimetype or "", upload.read())
        except GradebookError as exc:
            errors.append(f"{upload.filename}: {access.message(exc)}")
    return errors


@bp.route("/lessons/new", methods=["GET", "POST"])
@requires_permission("gradebook.journal.edit")
def lesson_new() -> Any:
    """Add a lesson (when the timetable does not generate them): date, number, topic, homework."""
    class_id, subject_id, term_id, subgroup_id = _journal_args()
    session = db()
    school_class = _owned(SchoolClass, class_id)
    subject = _owned(Subject, subject_id)
    subgroup = _owned(Subgroup, subgroup_id) if subgroup_id else None
    if subgroup is not None and subgroup.class_id != class_id:
        abort(404)
    settings = access.settings()
    form = LessonForm()
    form.control_work_type.choices = _work_type_choices(settings)
    if request.method == "GET":
        form.date.data = access.school_today()
    if form.validate_on_submit():
        try:
            lesson = services.create_lesson(
                session, settings, access.editor(), class_id=class_id, subject_id=subject_id, subgroup_id=subgroup_id,
                date=form.date.data, number=form.number.data, topic=form.topic.data or "",
                summary=form.summary.data or "", control_work_type=form.control_work_type.data or None,
                homework=form.homework.data, due_date=form.due_date.data)
        except GradebookError as exc:
            session.rollback()
            _attach_error(form, exc)
        else:
            file_errors = _save_files(session, lesson, form)
            session.commit()
            for error in file_errors:
                flash(error, "error")
            flash(_("The lesson is added."), "success")
            return redirect(url_for(".lesson_page", lesson_id=lesson.id))
    return render_template("gradebook/lesson_new.html", form=form, school_class=school_class, subject=subject,
                           subgroup=subgroup, term_id=term_id), 422 if form.errors else 200


def _attach_error(form: Any, exc: GradebookError) -> None:
    field_ = getattr(form, exc.field or "", None)
    if field_ is not None and hasattr(field_, "errors"):
        field_.errors = [*field_.errors, access.message(exc)]
    else:
        form.form_errors.append(access.message(exc))


def lesson_students(session: Any, lesson: Lesson) -> list[tuple[int, str]]:
    """Students of a lesson: the class on its day, or the subgroup's members among them."""
    from core.api import ClassMembership, SubgroupMember

    query = (
        select(User.id, User.last_name, User.first_name, User.middle_name)
        .join(ClassMembership, ClassMembership.student_id == User.id)
        .where(ClassMembership.class_id == lesson.class_id, ClassMembership.starts_on <= lesson.date,
               (ClassMembership.ends_on.is_(None)) | (ClassMembership.ends_on >= lesson.date))
        .order_by(User.last_name, User.first_name, User.middle_name, User.id)
    )
    if lesson.subgroup_id:
        query = query.join(SubgroupMember, (SubgroupMember.student_id == User.id)
                           & (SubgroupMember.subgroup_id == lesson.subgroup_id))
    return [(sid, last + "".join(f" {p[0]}." for p in (first, middle) if p))
            for sid, last, first, middle in session.execute(query)]


def _lesson_context(lesson_id: int) -> tuple[Lesson, dict[str, Any]]:
    session = db()
    lesson = _owned(Lesson, lesson_id)
    if not access.may_see_lesson(session, lesson) or not access.user().has_role(
            "admin", "principal", "deputy", "class_teacher", "teacher"):
        abort(404)
    settings = access.settings()
    ed = access.editor()
    refusal = services.lesson_refusal(session, settings, ed, lesson, for_marks=False)
    marks_refusal = services.lesson_refusal(session, settings, ed, lesson, for_marks=True)
    homework = session.scalar(select(Homework).where(Homework.lesson_id == lesson.id))
    files = list(session.execute(select(HomeworkFile.id, HomeworkFile.filename, HomeworkFile.size)
                                 .where(HomeworkFile.homework_id == homework.id))) if homework else []
    marks: dict[int, list[Mark]] = {}
    for mark in session.scalars(select(Mark).where(Mark.lesson_id == lesson.id).order_by(Mark.id)):
        marks.setdefault(mark.student_id, []).append(mark)
    term = session.scalar(select(Term).where(Term.school_id == lesson.school_id, Term.starts_on <= lesson.date,
                                             Term.ends_on >= lesson.date))
    return lesson, {
        "lesson": lesson, "school_class": session.get(SchoolClass, lesson.class_id),
        "subject": session.get(Subject, lesson.subject_id),
        "subgroup": session.get(Subgroup, lesson.subgroup_id) if lesson.subgroup_id else None,
        "teacher": session.get(User, lesson.teacher_id), "homework": homework, "files": files,
        "students": lesson_students(session, lesson), "marks": marks, "refusal": refusal,
        "marks_refusal": marks_refusal, "refusal_text": access.message(refusal) if refusal else "",
        "marks_refusal_text": access.message(marks_refusal) if marks_refusal else "", "term": term, "titles": services.work_type_titles(settings),
        "typed": {}, "cell_errors": {},
    }


def _lesson_form(lesson: Lesson, homework: Homework | None) -> LessonForm:
    form = LessonForm(obj=lesson)
    form.control_work_type.choices = _work_type_choices(access.settings())
    if request.method == "GET":
        form.control_work_type.data = lesson.control_work_type or ""
        if homework is not None:
            form.homework.data, form.due_date.data = homework.text, homework.due_date
    return form


@bp.get("/lessons/<int:lesson_id>")
@requires_permission("gradebook.journal.view")
def lesson_page(lesson_id: int) -> Any:
    """A lesson: topic, summary, homework and files, and its marks (a form that works without JavaScript)."""
    lesson, context = _lesson_context(lesson_id)
    return render_template("gradebook/lesson.html", form=_lesson_form(lesson, context["homework"]), **context)


@bp.post("/lessons/<int:lesson_id>")
@requires_permission("gradebook.journal.edit")
def lesson_save(lesson_id: int) -> Any:
    session = db()
    lesson, context = _lesson_context(lesson_id)
    form = _lesson_form(lesson, context["homework"])
    if form.validate_on_submit():
        try:
            services.update_lesson(
                session, access.settings(), access.editor(), lesson.id, date=form.date.data, number=form.number.data,
                topic=form.topic.data or "", summary=form.summary.data or "",
                control_work_type=form.control_work_type.data or None, homework=form.homework.data or "",
                due_date=form.due_date.data)
        except GradebookError as exc:
            session.rollback()
            _attach_error(form, exc)
        else:
            file_errors = _save_files(session, lesson, form)
            session.commit()
            for error in file_errors:
                flash(error, "error")
            flash(_("The lesson is saved."), "success")
            return redirect(url_for(".lesson_page", lesson_id=lesson.id))
    lesson, context = _lesson_context(lesson_id)
    return render_template("gradebook/lesson.html", form=form, **context), 422


@bp.post("/lessons/<int:lesson_id>/marks")
@requires_permission("gradebook.journal.edit")
def lesson_marks(lesson_id: int) -> Any:
    """Save the lesson's marks typed into the form, student by student: a refused one keeps what was
    typed, with the reason, and never stops the others from being saved."""
    session = db()
    lesson, context = _lesson_context(lesson_id)
    settings = access.settings()
    ed = access.editor()
    typed: dict[int, str] = {}
    errors: dict[int, str] = {}
    saved = 0
    for student_id, _name in context["students"]:
        raw = request.form.get(f"m{student_id}")
        if raw is None:
            continue
        values = raw.replace(",", " ").split()
        current = context["marks"].get(student_id, [])
        if values == [m.value for m in current]:
            continue
        known = []
        for pair in (request.form.get(f"k{student_id}") or "").split(","):
            mark_id, _sep, version = pair.partition(":")
            if mark_id.isdigit() and version.isdigit():
                known.append((int(mark_id), int(version)))
        try:
            with session.begin_nested():
                services.set_cell(session, settings, ed, lesson_id=lesson.id, student_id=student_id, values=values,
                                  known=known)
            saved += 1
        except GradebookError as exc:
            typed[student_id] = raw
            errors[student_id] = access.message(exc)
    session.commit()
    if not errors:
        flash(_("Marks saved: %(n)d.", n=saved) if saved else _("Nothing has changed."), "success")
        return redirect(url_for(".lesson_page", lesson_id=lesson.id) + "#marks")
    flash(_("Some marks were not saved: see the reasons next to them. The others are saved."), "error")
    lesson, context = _lesson_context(lesson_id)
    context.update(typed=typed, cell_errors=errors)
    return render_template("gradebook/lesson.html", form=_lesson_form(lesson, context["homework"]), **context), 422


@bp.post("/lessons/<int:lesson_id>/delete")
@requires_permission("gradebook.journal.edit")
def lesson_delete(lesson_id: int) -> Any:
    session = db()
    lesson = _owned(Lesson, lesson_id)
    back = url_for(".lessons", class_id=lesson.class_id, subject_id=lesson.subject_id,
                   **({"subgroup_id": lesson.subgroup_id} if lesson.subgroup_id else {}))
    try:
        services.delete_lesson(session, access.settings(), access.editor(), lesson_id)
    except GradebookError as exc:
        session.rollback()
        _flash_error(exc)
        return redirect(url_for(".lesson_page", lesson_id=lesson_id))
    session.commit()
    flash(_("The lesson is deleted."), "success")
    return redirect(back)


@bp.post("/lessons/fill-topics")
@requires_permission("gradebook.journal.edit")
def fill_topics() -> Any:
    """Fill the topics of the lessons from the calendar-thematic plan (КТП), in order."""
    ctx = resolve_journal(redirect_endpoint=None)
    form = FillTopicsForm()
    session = db()
    try:
        n = services.fill_topics_from_plan(session, access.editor(), class_id=ctx.class_id,
                                           subject_id=ctx.subject_id, subgroup_id=ctx.subgroup_id,
                                           overwrite=bool(form.overwrite.data))
    except GradebookError as exc:
        session.rollback()
        _flash_error(exc)
    else:
        session.commit()
        flash(_("Topics filled from the plan: %(n)d.", n=n) if n else _("No lesson needed a topic from the plan."),
              "success")
    return redirect(url_for(".lessons", class_id=ctx.class_id, subject_id=ctx.subject_id, term_id=ctx.term_id,
                            **({"subgroup_id": ctx.subgroup_id} if ctx.subgroup_id else {})))


@bp.get("/homework/files/<int:file_id>")
@requires_permission("gradebook.homework.view")
def homework_file(file_id: int) -> Any:
    """An attachment, for the staff of the class and for the lesson's students and their guardians."""
    session = db()
    try:
        stored, lesson = services.homework_file(session, current_school_id(), file_id)
    except GradebookError:
        abort(404)
    if not access.may_see_lesson(session, lesson):
        abort(404)
    response = Response(stored.data, mimetype=stored.content_type)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(stored.filename)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/homework/files/<int:file_id>/delete")
@requires_permission("gradebook.journal.edit")
def homework_file_delete(file_id: int) -> Any:
    session = db()
    try:
        lesson = services.delete_homework_file(session, access.settings(), access.editor(), file_id)
    except GradebookError as exc:
        session.rollback()
        if exc.status == 404:
            abort(404)
        _flash_error(exc)
        return redirect(request.referrer or url_for(".index"))
    session.commit()
    flash(_("The file is deleted."), "success")
    return redirect(url_for(".lesson_page", lesson_id=lesson.id))


# --- final marks ---------------------------------------------------------------------------------------

def _final_context() -> dict[str, Any]:
    session = db()
    class_id, subject_id, _term, subgroup_id = _journal_args()
    school_class = _owned(SchoolClass, class_id)
    subject = _owned(Subject, subject_id)
    subgroup = _owned(Subgroup, subgroup_id) if subgroup_id else None
    if subgroup is not None and subgroup.class_id != class_id:
        abort(404)
    if not access.may_view_class(session, class_id, subject_id):
        abort(403)
    terms = _year_terms(session, school_class.year_id)
    period = request.values.get("period", "")
    term = next((t for t in terms if str(t.id) == period), None)
    if period != "year" and term is None:
        term = default_term(session, school_class.year_id, access.school_today())
    ed = access.editor()
    closes = services.period_closes_on(term, terms)
    locked = closes is not None and ed.today > closes
    teaches = access.teaches_class(session, class_id, subject_id)
    may_set = ed.may_final_override or (ed.may_final and teaches and not locked)
    rows = services.final_sheet(session, access.settings(), class_id=class_id, subject_id=subject_id,
                                subgroup_id=subgroup_id, terms=terms)
    return {"school_class": school_class, "subject": subject, "subgroup": subgroup, "terms": terms, "term": term,
            "period_key": term.id if term else None, "closes": closes, "locked": locked, "may_set": may_set,
            "rows": rows, "typed": {}, "reasons": {}, "errors": {}, "override": ed.may_final_override,
            "settings_year": access.settings()["year_forecast"]}


@bp.get("/final")
@requires_permission("gradebook.journal.view")
def final_page() -> Any:
    """Final marks of a class and subject: per term and the year, average, forecast, the mark set."""
    return render_template("gradebook/final.html", **_final_context())


@bp.post("/final")
@requires_permission("gradebook.final.edit")
def final_save() -> Any:
    session = db()
    context = _final_context()
    if not context["may_set"]:
        abort(403)
    settings = access.settings()
    ed = access.editor()
    key = context["period_key"]
    typed: dict[int, str] = {}
    reasons: dict[int, str] = {}
    errors: dict[int, str] = {}
    saved = 0
    for row in context["rows"]:
        raw = request.form.get(f"f{row.student_id}")
        if raw is None:
            continue
        raw = raw.strip()
        reason = (request.form.get(f"r{row.student_id}") or "").strip()
        existing = row.finals.get(key)
        if raw == (existing.value if existing else "") and (not reason or reason == (existing.reason if existing else "")):
            continue
        version = request.form.get(f"v{row.student_id}", type=int)
        try:
            with session.begin_nested():
                services.set_final_mark(session, settings, ed, class_id=context["school_class"].id,
                                        subject_id=context["subject"].id, student_id=row.student_id, term_id=key,
                                        value=raw, reason=reason, version=version)
            saved += 1
        except GradebookError as exc:
            typed[row.student_id], reasons[row.student_id] = raw, reason
            errors[row.student_id] = access.message(exc)
    session.commit()
    if not errors:
        flash(_("Final marks saved: %(n)d.", n=saved) if saved else _("Nothing has changed."), "success")
        return redirect(url_for(".final_page", class_id=context["school_class"].id, subject_id=context["subject"].id,
                                period=key or "year",
                                **({"subgroup_id": context["subgroup"].id} if context["subgroup"] else {})))
    flash(_("Some final marks were not saved: see the reasons next to them. The others are saved."), "error")
    context = _final_context()
    context.update(typed=typed, reasons=reasons, errors=errors)
    return render_template("gradebook/final.html", **context), 422


# --- how was this computed ---------------------------------------------------------------------------

@bp.get("/explain")
@requires_permission("gradebook.average.explain")
def explain() -> Any:
    """How a student's average and forecast in a subject were computed, for a term or the year.

    ``student_id`` and ``subject_id`` are required; ``term_id`` (none: the year) and ``class_id`` (none:
    the student's class in that period) are optional. Open to the student, their guardians, and staff
    who may see the class; anyone else gets 404.
    """
    session = db()
    school_id = current_school_id()
    student_id, subject_id = _int_arg("student_id"), _int_arg("subject_id")
    student = _owned(User, student_id)
    subject = _owned(Subject, subject_id)
    explanation, term, school_class = explain_for(session, school_id, student, subject, _int_arg("term_id"),
                                                  _int_arg("class_id"))
    return render_template("gradebook/explain.html", e=explanation, student=student, subject=subject, term=term,
                           school_class=school_class, settings=access.settings())


def explain_for(session: Any, school_id: int, student: User, subject: Subject, term_id: int | None,
                class_id: int | None) -> tuple[services.Explanation, Term | None, SchoolClass]:
    """Shared by the page and the API: resolve the period and class, check access, explain (404 if not)."""
    from core.api import class_of_student

    term = _owned(Term, term_id) if term_id else None
    if class_id:
        school_class = _owned(SchoolClass, class_id)
    else:
        day = min(term.ends_on, access.school_today()) if term else access.school_today()
        if term is not None:
            day = max(day, term.starts_on)
        school_class = class_of_student(session, student.id, day)
        if school_class is None:
            abort(404)
    if term is not None and term.year_id != school_class.year_id:
        abort(404)
    year = session.get(AcademicYear, school_class.year_id)
    start, end = (term.starts_on, term.ends_on) if term else (year.starts_on, year.ends_on)  # type: ignore[union-attr]
    if not access.student_in_class(session, student.id, school_class.id, start, end):
        abort(404)
    if not access.may_see_student(session, student.id, school_class.id, subject.id):
        abort(404)
    settings = access.settings()
    if term is not None:
        explanation = services.explain_average(session, settings, class_id=school_class.id, subject_id=subject.id,
                                               student_id=student.id, start=start, end=end)
    else:
        explanation = services.explain_year(session, settings, class_id=school_class.id, subject_id=subject.id,
                                            student_id=student.id, terms=_year_terms(session, school_class.year_id))
    from plugins.gradebook.models import FinalMark

    explanation.final = session.scalar(select(FinalMark.value).where(
        FinalMark.class_id == school_class.id, FinalMark.subject_id == subject.id, FinalMark.student_id == student.id,
        FinalMark.term_id == term.id if term else FinalMark.term_id.is_(None)))
    return explanation, term, school_class


# --- the class teacher's view --------------------------------------------------------------------------

def _period(session: Any, school_class: SchoolClass) -> tuple[list[Term], Term | None, date, date]:
    terms = _year_terms(session, school_class.year_id)
    period = request.args.get("period", "")
    term = next((t for t in terms if str(t.id) == period), None)
    if period != "year" and term is None:
        term = default_term(session, school_class.year_id, access.school_today())
    if term is not None:
        return terms, term, term.starts_on, term.ends_on
    year = session.get(AcademicYear, school_class.year_id)
    return terms, None, year.starts_on, year.ends_on


@bp.get("/class/<int:class_id>")
@requires_permission("gradebook.journal.view")
def class_view(class_id: int) -> Any:
    """Every subject of the class, read only: subjects down, students across, averages and final marks."""
    session = db()
    school_class = _owned(SchoolClass, class_id)
    if not (access.views_all() or access.leads(class_id)):
        abort(403)
    terms, term, start, end = _period(session, school_class)
    students = [(s.id, s.short_name) for s in _class_students(session, class_id, start, end)]
    subjects = services.class_subjects(session, class_id)
    cells = services.class_summary(session, access.settings(), class_id, term.id if term else None, start, end)
    settings = access.settings()
    risk_below = min(settings["thresholds"].values()) if settings["rounding"] == "thresholds" and \
        settings["thresholds"] else settings["scale_min"] + 1.5
    return render_template("gradebook/class.html", school_class=school_class, terms=terms, term=term,
                           students=students, subjects=subjects, cells=cells, risk_below=risk_below)


def _class_students(session: Any, class_id: int, start: date, end: date) -> list[User]:
    from core.api import class_students

    return class_students(session, class_id, start, end)


@bp.get("/student/<int:student_id>")
@requires_permission("gradebook.journal.view")
def student_card(student_id: int) -> Any:
    """A student's card: every subject's marks, average, forecast and final mark for a period."""
    session = db()
    student = _owned(User, student_id)
    school_class = _owned(SchoolClass, _int_arg("class_id")) if _int_arg("class_id") else None
    if school_class is None:
        from core.api import class_of_student

        school_class = class_of_student(session, student.id, access.school_today())
        if school_class is None:
            abort(404)
    if not (access.views_all() or access.leads(school_class.id)):
        abort(404)
    terms, term, start, end = _period(session, school_class)
    if not access.student_in_class(session, student.id, school_class.id, start, end):
        abort(404)
    rows = services.student_card(session, access.settings(), school_class.id, student.id, term.id if term else None,
                                 start, end)
    return render_template("gradebook/student.html", student=student, school_class=school_class, terms=terms,
                           term=term, rows=rows)


# --- the dashboard -------------------------------------------------------------------------------------

def today_widget(user: User) -> DashboardWidget:
    """Today's lessons of a teacher, those without a topic marked, and the recent ones still without."""
    session = db()
    today = access.school_today()
    school_id = current_school_id()
    lessons_today = services.teacher_lessons(session, school_id, user.id, today, today)
    missing = services.lessons_without_topic(session, school_id, user.id, today - timedelta(days=14), today)
    body = Markup(render_template("gradebook/_widget_today.html", lessons=lessons_today, missing=missing))
    return DashboardWidget(title=_("Today's lessons"), body=body, weight=10, link_endpoint="gradebook.index")
