"""The lesson pages: a term's lessons, adding one, a lesson's topic, homework, files and marks."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    SchoolClass,
    Subgroup,
    Subject,
    Term,
    User,
    acting_user,
    current_school_id,
    db,
    get_owned_or_404,
    hook,
    requires_permission,
    school_today,
)
from plugins.gradebook import access
from plugins.gradebook.averages import work_type_titles
from plugins.gradebook.editing import lesson_refusal
from plugins.gradebook.errors import GradebookError, VersionConflict
from plugins.gradebook.forms import FillTopicsForm, LessonForm
from plugins.gradebook.journal_grid import JournalContext
from plugins.gradebook.lesson_editing import (
    add_homework_file,
    create_lesson,
    delete_homework_file,
    delete_lesson,
    fill_topics_from_plan,
    plan_topics,
    update_lesson,
)
from plugins.gradebook.lesson_editing import homework_file as find_homework_file
from plugins.gradebook.mark_saving import set_cell
from plugins.gradebook.models import Homework, HomeworkFile, Lesson, Mark
from plugins.gradebook.web import (
    bp,
    flash_error,
    journal_args,
    resolve_journal,
)


@bp.get("/lessons")
@requires_permission("gradebook.journal.view")
def lessons() -> Any:
    """The term's lessons of a journal with topics and homework; add a lesson; fill topics from the КТП."""
    ctx = resolve_journal(redirect_endpoint="gradebook.lessons")
    if not isinstance(ctx, JournalContext):
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
    plan_size = len(plan_topics(session, ctx.class_id, ctx.subject_id, ctx.subgroup_id))
    return render_template("gradebook/lessons.html", ctx=ctx, rows=rows, may_add=may_add, plan_size=plan_size,
                           fill_form=FillTopicsForm(), today=ed.today,
                           titles=work_type_titles(access.settings()))


def _work_type_choices(settings: dict[str, Any]) -> list[tuple[str, str]]:
    return [("", "—")] + [(w["code"], w["title"]) for w in settings["work_types"]]


def _save_files(session: Any, lesson: Lesson, form: LessonForm) -> list[str]:
    errors = []
    settings = access.settings()
    for upload in request.files.getlist(form.files.name):
        if not upload or not upload.filename:
            continue
        try:
            add_homework_file(session, settings, access.editor(), lesson.id, upload.filename,
                                       upload.mimetype or "", upload.read())
        except GradebookError as exc:
            errors.append(f"{upload.filename}: {access.message(exc)}")
    return errors


@bp.route("/lessons/new", methods=["GET", "POST"])
@requires_permission("gradebook.journal.edit")
def lesson_new() -> Any:
    """Add a lesson (when the timetable does not generate them): date, number, topic, homework."""
    class_id, subject_id, term_id, subgroup_id = journal_args()
    session = db()
    school_class = get_owned_or_404(SchoolClass, class_id)
    subject = get_owned_or_404(Subject, subject_id)
    subgroup = get_owned_or_404(Subgroup, subgroup_id) if subgroup_id else None
    if subgroup is not None and subgroup.class_id != class_id:
        abort(404)
    settings = access.settings()
    form = LessonForm()
    form.control_work_type.choices = _work_type_choices(settings)
    if request.method == "GET":
        form.date.data = school_today()
    if form.validate_on_submit():
        try:
            lesson = create_lesson(
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
    from core.toolkit import ClassMembership, SubgroupMember

    query = (
        select(User.id, User.last_name, User.first_name, User.middle_name)
        .join(ClassMembership, ClassMembership.student_id == User.id)
        .where(ClassMembership.class_id == lesson.class_id, ClassMembership.active_on(lesson.date))
        .order_by(User.last_name, User.first_name, User.middle_name, User.id)
    )
    if lesson.subgroup_id:
        query = query.join(SubgroupMember, (SubgroupMember.student_id == User.id)
                           & (SubgroupMember.subgroup_id == lesson.subgroup_id))
    return [(sid, last + "".join(f" {p[0]}." for p in (first, middle) if p))
            for sid, last, first, middle in session.execute(query)]


def _lesson_context(lesson_id: int) -> tuple[Lesson, dict[str, Any]]:
    session = db()
    lesson = get_owned_or_404(Lesson, lesson_id)
    if not access.may_see_lesson(session, lesson) or not acting_user().has_role(
            "admin", "principal", "deputy", "class_teacher", "teacher"):
        abort(404)
    settings = access.settings()
    ed = access.editor()
    refusal = lesson_refusal(session, settings, ed, lesson, for_marks=False)
    marks_refusal = lesson_refusal(session, settings, ed, lesson, for_marks=True)
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
        "marks_refusal_text": access.message(marks_refusal) if marks_refusal else "", "term": term, "titles": work_type_titles(settings),
        "typed": {}, "cell_errors": {}, "sections": _extra_sections(session, lesson),
    }


def _extra_sections(session: Any, lesson: Lesson) -> list[dict[str, Any]]:
    """Other plugins' blocks for this lesson (``extra_lesson_sections``), in weight order."""
    groups = hook().extra_lesson_sections(session=session, lesson=lesson, user=acting_user())
    return sorted((s for group in groups for s in group or []), key=lambda s: s.get("weight", 100))


def _lesson_form(lesson: Lesson, homework: Homework | None) -> LessonForm:
    form = LessonForm(obj=lesson)
    form.control_work_type.choices = _work_type_choices(access.settings())
    if request.method == "GET":
        form.control_work_type.data = lesson.control_work_type or ""
        if homework is not None:
            form.homework.data, form.due_date.data = homework.text, homework.due_date
    return form


def _seen_version(form: LessonForm) -> int:
    """The version the form was rendered with (a post without the field falls back to the lesson's own,
    as WTForms fills it from the object: only scripts do that; every rendered form carries it)."""
    raw = str(form.version.data or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else 0


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
            update_lesson(
                session, access.settings(), access.editor(), lesson.id, version=_seen_version(form),
                date=form.date.data, number=form.number.data,
                topic=form.topic.data or "", summary=form.summary.data or "",
                control_work_type=form.control_work_type.data or None, homework=form.homework.data or "",
                due_date=form.due_date.data)
        except GradebookError as exc:
            session.rollback()
            _attach_error(form, exc)
            if isinstance(exc, VersionConflict):  # saving again now is a decision made seeing the newer values
                form.version.data = str(session.get(type(lesson), lesson.id).version)  # type: ignore[union-attr]
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
        current = context["marks"].get(student_id, [])
        if raw.split() == [m.value for m in current]:
            continue
        known = []
        for pair in (request.form.get(f"k{student_id}") or "").split(","):
            mark_id, _sep, version = pair.partition(":")
            if mark_id.isdigit() and version.isdigit():
                known.append((int(mark_id), int(version)))
        try:
            with session.begin_nested():
                set_cell(session, settings, ed, lesson_id=lesson.id, student_id=student_id, text=raw,
                                  known=known)
            saved += 1
        except GradebookError as exc:
            typed[student_id] = raw
            errors[student_id] = access.message(exc)
    session.commit()
    for warning in access.warnings(ed):
        flash(warning, "warning")
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
    lesson = get_owned_or_404(Lesson, lesson_id)
    back = url_for(".lessons", class_id=lesson.class_id, subject_id=lesson.subject_id,
                   **({"subgroup_id": lesson.subgroup_id} if lesson.subgroup_id else {}))
    delete_lesson(session, access.settings(), access.editor(), lesson_id)  # refused: the core's answer
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
    n = fill_topics_from_plan(session, access.editor(), class_id=ctx.class_id,
                              subject_id=ctx.subject_id, subgroup_id=ctx.subgroup_id,
                              overwrite=bool(form.overwrite.data))
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
        stored, lesson = find_homework_file(session, current_school_id(), file_id)
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
        lesson = delete_homework_file(session, access.settings(), access.editor(), file_id)
    except GradebookError as exc:
        session.rollback()
        if exc.status == 404:
            abort(404)
        flash_error(exc)
        return redirect(request.referrer or url_for(".index"))
    session.commit()
    flash(_("The file is deleted."), "success")
    return redirect(url_for(".lesson_page", lesson_id=lesson.id))
