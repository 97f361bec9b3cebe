"""The student portfolio's pages (/portfolio): the list of portfolios one may see, a student's portfolio
with its entries, files and public links, the class teacher's confirmation queue, print, and the public
link's page. Object checks answer 404, never revealing that a portfolio exists."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    ClassMembership,
    Job,
    SchoolClass,
    Subject,
    TeachingAssignment,
    User,
    acting_user,
    can,
    children_of,
    class_students,
    classes_led_by,
    current_school_id,
    current_year,
    db,
    file_response,
    get_owned_or_404,
    load_file,
    plugin_settings,
    public,
    requires_permission,
    school_today,
    submit_job,
)
from plugins.portfolio import access, labels, printing, projects, services
from plugins.portfolio.models import LEVELS, RESULTS, Attachment, Entry, Project, PublicLink, TeacherEntry

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio", template_folder="templates")


def parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def visible_student(student_id: int) -> User:
    student = get_owned_or_404(User, student_id)
    if not access.may_view(db(), acting_user(), student, school_today()):
        abort(404)
    return student


def visible_entry(entry_id: int) -> tuple[Entry, User]:
    entry = get_owned_or_404(Entry, entry_id)
    return entry, visible_student(entry.student_id)


def may_edit(entry: Entry, student: User, user: User) -> bool:
    """The author edits; an entry made by the student or a guardian is the family's to fix."""
    if entry.author_id == user.id:
        return True
    family = {student.id} | {g for g in _guardian_ids(student.id)}
    return entry.author_id in family and user.id in family and access.may_add(db(), user, student, school_today())


def _guardian_ids(student_id: int) -> list[int]:
    from core.toolkit import guardians_of

    return [g.id for g in guardians_of(db(), student_id)]


def form_values() -> dict[str, Any]:
    f = request.form
    return {"section": f.get("section", ""), "kind": f.get("kind", "achievement"), "title": f.get("title", ""),
            "description": f.get("description", ""), "level": f.get("level", "school"),
            "result": f.get("result", "participant"), "place": f.get("place", ""), "mark": f.get("mark", ""),
            "happened_on": parse_date(f.get("happened_on")), "subject_id": f.get("subject_id") or None,
            "supervisor_id": f.get("supervisor_id") or None}


def _teachers() -> list[User]:
    return list(db().scalars(select(User).join(TeachingAssignment, TeachingAssignment.teacher_id == User.id)
                             .where(TeachingAssignment.school_id == current_school_id()).distinct()
                             .order_by(User.last_name, User.first_name)))


def _choices() -> dict[str, Any]:
    subjects = db().scalars(select(Subject).where(Subject.school_id == current_school_id()).order_by(Subject.name)).all()
    return {"sections": plugin_settings("portfolio")["sections"], "levels": [(c, labels.level(c)) for c in LEVELS],
            "results": [(c, labels.result(c)) for c in RESULTS], "subjects": subjects, "teachers": _teachers()}


@bp.get("/")
@requires_permission("portfolio.view")
def index() -> Any:
    user = acting_user()
    session, today = db(), school_today()
    if access.is_student(session, user.school_id, user.id):
        return redirect(url_for("portfolio.student", student_id=user.id))
    children = children_of(session, user.id)
    year = current_year(session, user.school_id)
    query = select(SchoolClass).where(SchoolClass.school_id == user.school_id,
                                      SchoolClass.year_id == (year.id if year else -1))
    if not can(user, "portfolio.all.view"):
        taught = select(TeachingAssignment.class_id).where(TeachingAssignment.school_id == user.school_id,
                                                           TeachingAssignment.teacher_id == user.id)
        query = query.where(SchoolClass.id.in_(taught) | SchoolClass.id.in_(classes_led_by(user) or {-1}))
    classes = list(session.scalars(query.order_by(SchoolClass.grade_level, SchoolClass.letter)))
    chosen = request.args.get("class_id", type=int)
    shown = next((c for c in classes if c.id == chosen), classes[0] if len(classes) == 1 else None)
    students = class_students(session, shown.id, today) if shown else []
    counts: dict[int, int] = {}
    if students:
        from sqlalchemy import func

        counts = dict(session.execute(select(Entry.student_id, func.count(Entry.id)).where(
            Entry.school_id == user.school_id, Entry.student_id.in_([s.id for s in students]),
            Entry.status == "confirmed").group_by(Entry.student_id)).all())
    return render_template("portfolio/index.html", children=children, classes=classes, shown=shown,
                           students=students, counts=counts, may_review_any=can(user, "portfolio.entry.review"),
                           may_print=shown is not None and can(user, "portfolio.class.print") and (
                               can(user, "portfolio.all.view") or shown.id in classes_led_by(user)))


@bp.get("/student/<int:student_id>")
@requires_permission("portfolio.view")
def student(student_id: int) -> Any:
    person = visible_student(student_id)
    user, session, today = acting_user(), db(), school_today()
    entries = list(session.scalars(select(Entry).where(Entry.school_id == person.school_id,
                                                       Entry.student_id == person.id)
                                   .order_by(Entry.happened_on.desc(), Entry.id.desc())))
    files = services.attachments(session, person.school_id, "entry", [e.id for e in entries])
    ids = {e.supervisor_id for e in entries if e.supervisor_id} | {e.author_id for e in entries}
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    links = list(session.scalars(select(PublicLink).where(PublicLink.school_id == person.school_id,
                                                          PublicLink.student_id == person.id)
                                 .order_by(PublicLink.id.desc()))) if access.may_share(session, user, person) else []
    klass = access.student_class(session, person.id, today)
    return render_template(
        "portfolio/student.html", person=person, klass=klass, entries=entries, files=files, people=people,
        links=links, today=today, labels=labels, projects=projects.projects_of_student(session, person.school_id, person.id),
        may_add=access.may_add(session, user, person, today), may_review=access.may_review(session, user, person, today),
        may_share=access.may_share(session, user, person), may_edit={e.id: may_edit(e, person, user) for e in entries},
        is_teacher=can(user, "portfolio.entry.add") and user.id != person.id and not _is_family(person, user),
        **_choices())


def _is_family(student: User, user: User) -> bool:
    return user.id in _guardian_ids(student.id)


@bp.post("/student/<int:student_id>/entries")
@requires_permission("portfolio.entry.add")
def add_entry(student_id: int) -> Any:
    person = visible_student(student_id)
    user, session, today = acting_user(), db(), school_today()
    if not access.may_add(session, user, person, today):
        abort(404)
    values = form_values()
    if values["kind"] not in ("achievement", "review", "project_mark") or (
            values["kind"] != "achievement" and (user.id == person.id or _is_family(person, user))):
        values["kind"] = "achievement"
    confirm_now = access.may_review(session, user, person, today) and user.id != person.id
    entry = services.create_entry(session, school_id=person.school_id, student=person, author=user, values=values,
                                  confirmed=confirm_now)
    upload = request.files.get("file")
    if upload and upload.filename:
        services.attach(session, school_id=person.school_id, owner="entry", owner_id=entry.id,
                        data=upload.read(), filename=upload.filename, by=user)
    session.commit()
    flash(_("The entry is saved and waits for the class teacher's confirmation.") if entry.status == "pending"
          else _("The entry is saved and confirmed."), "ok")
    return redirect(url_for("portfolio.student", student_id=person.id))


@bp.post("/entries/<int:entry_id>/edit")
@requires_permission("portfolio.entry.add")
def edit_entry(entry_id: int) -> Any:
    entry, person = visible_entry(entry_id)
    user, session = acting_user(), db()
    if not may_edit(entry, person, user):
        abort(404)
    services.update_entry(session, entry, values=form_values(), version=request.form.get("version", type=int))
    upload = request.files.get("file")
    if upload and upload.filename:
        services.attach(session, school_id=entry.school_id, owner="entry", owner_id=entry.id, data=upload.read(),
                        filename=upload.filename, by=user)
    session.commit()
    flash(_("The entry is corrected and sent for confirmation again."), "ok")
    return redirect(url_for("portfolio.student", student_id=person.id))


@bp.post("/entries/<int:entry_id>/files")
@requires_permission("portfolio.entry.add")
def add_file(entry_id: int) -> Any:
    entry, person = visible_entry(entry_id)
    user, session = acting_user(), db()
    if not may_edit(entry, person, user):
        abort(404)
    upload = request.files.get("file")
    services.attach(session, school_id=entry.school_id, owner="entry", owner_id=entry.id,
                    data=upload.read() if upload else b"", filename=upload.filename if upload else "", by=user)
    session.commit()
    flash(_("The file is attached."), "ok")
    return redirect(url_for("portfolio.student", student_id=person.id))


@bp.post("/entries/<int:entry_id>/delete")
@requires_permission("portfolio.entry.add")
def delete_entry(entry_id: int) -> Any:
    entry, person = visible_entry(entry_id)
    if not may_edit(entry, person, acting_user()):
        abort(404)
    services.delete_entry(db(), entry)
    db().commit()
    flash(_("The entry is deleted."), "ok")
    return redirect(url_for("portfolio.student", student_id=person.id))


@bp.post("/entries/<int:entry_id>/review")
@requires_permission("portfolio.entry.review")
def review_entry(entry_id: int) -> Any:
    entry, person = visible_entry(entry_id)
    user, session = acting_user(), db()
    if not access.may_review(session, user, person, school_today()):
        abort(404)
    confirm = request.form.get("action") == "confirm"
    services.review_entry(session, entry, reviewer=user, confirm=confirm, comment=request.form.get("comment", ""),
                          version=request.form.get("version", type=int))
    session.commit()
    flash(_("The entry is confirmed.") if confirm else _("The entry is returned to the student with your comment."),
          "ok")
    return redirect(request.form.get("next") == "review" and url_for("portfolio.review")
                    or url_for("portfolio.student", student_id=person.id))


@bp.get("/review")
@requires_permission("portfolio.entry.review")
def review() -> Any:
    user, session, today = acting_user(), db(), school_today()
    query = select(Entry, User).join(User, User.id == Entry.student_id).where(
        Entry.school_id == user.school_id, Entry.status == "pending")
    if not can(user, "portfolio.all.view"):
        students = select(ClassMembership.student_id).where(
            ClassMembership.school_id == user.school_id, ClassMembership.class_id.in_(classes_led_by(user) or {-1}),
            ClassMembership.active_on(today))
        query = query.where(Entry.student_id.in_(students))
    rows = session.execute(query.order_by(Entry.submitted_at).limit(500)).all()
    files = services.attachments(session, user.school_id, "entry", [e.id for e, _s in rows])
    teacher_rows: list[Any] = []
    if can(user, "portfolio.teacher.review"):
        teacher_rows = session.execute(select(TeacherEntry, User).join(User, User.id == TeacherEntry.teacher_id).where(
            TeacherEntry.school_id == user.school_id, TeacherEntry.status == "pending")
            .order_by(TeacherEntry.created_at)).all()
    return render_template("portfolio/review.html", rows=rows, files=files, teacher_rows=teacher_rows, labels=labels)


def _visible_attachment(att: Attachment) -> None:
    user = acting_user()
    if att.owner == "entry":
        visible_entry(att.owner_id)
    elif att.owner == "teacher_entry":
        row = get_owned_or_404(TeacherEntry, att.owner_id)
        if row.teacher_id != user.id and not can(user, "portfolio.teacher.review"):
            abort(404)
    elif att.owner == "stage":
        from plugins.portfolio.models import ProjectStage
        from plugins.portfolio.views_projects import visible_project

        visible_project(get_owned_or_404(ProjectStage, att.owner_id).project_id)
    else:
        abort(404)


@bp.get("/files/<int:attachment_id>")
@requires_permission("portfolio.view")
def file(attachment_id: int) -> Any:
    att = get_owned_or_404(Attachment, attachment_id)
    _visible_attachment(att)
    stored = load_file(db(), att.school_id, att.file_id)
    if stored is None:
        abort(404)
    return file_response(stored, att.filename, inline=request.args.get("inline") == "1")


@bp.get("/student/<int:student_id>/portfolio.pdf")
@requires_permission("portfolio.view")
def student_pdf(student_id: int) -> Any:
    person = visible_student(student_id)
    data = printing.student_pdf(db(), person, school_today())
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=portfolio-{person.id}.pdf", "Cache-Control": "no-store"})


@bp.post("/classes/<int:class_id>/print")
@requires_permission("portfolio.class.print")
def print_class(class_id: int) -> Any:
    klass = get_owned_or_404(SchoolClass, class_id)
    user = acting_user()
    if not (can(user, "portfolio.all.view") or klass.id in classes_led_by(user)):
        abort(404)
    job = submit_job(db(), school_id=klass.school_id, kind="portfolio.class_print",
                     title=_("Portfolios of class %(name)s", name=f"{klass.grade_level}{klass.letter}"),
                     handler="plugins.portfolio.printing:class_job", params={"class_id": klass.id}, user_id=user.id)
    return redirect(url_for("core_jobs.show", job_id=job.id))


@bp.get("/jobs/<int:job_id>/download")
@requires_permission("portfolio.class.print")
def job_download(job_id: int) -> Any:
    job = get_owned_or_404(Job, job_id)
    if job.created_by != acting_user().id or job.kind != "portfolio.class_print" or job.status != "done":
        abort(404)
    stored = load_file(db(), job.school_id, int(job.result.get("file_id", 0)))
    if stored is None:
        abort(404)
    return file_response(stored, job.result.get("filename", "portfolio.pdf"))


@bp.post("/student/<int:student_id>/links")
@requires_permission("portfolio.link.manage")
def make_link(student_id: int) -> Any:
    person = visible_student(student_id)
    user, session, today = acting_user(), db(), school_today()
    if not access.may_share(session, user, person):
        abort(404)
    expires = parse_date(request.form.get("expires_on"))
    from core.toolkit import N_, ServiceError

    if expires is None:
        raise ServiceError(N_("Give the date the link expires."), field="expires_on")
    link = services.make_link(session, school_id=person.school_id, student=person, by=user, expires_on=expires,
                              today=today)
    session.commit()
    flash(_("The link is made: %(url)s", url=url_for("portfolio.shared", token=link.token, _external=True)), "ok")
    return redirect(url_for("portfolio.student", student_id=person.id))


@bp.post("/links/<int:link_id>/revoke")
@requires_permission("portfolio.link.manage")
def revoke_link(link_id: int) -> Any:
    link = get_owned_or_404(PublicLink, link_id)
    person = visible_student(link.student_id)
    if not access.may_share(db(), acting_user(), person):
        abort(404)
    services.revoke_link(db(), link)
    db().commit()
    flash(_("The link is withdrawn: it no longer opens the portfolio."), "ok")
    return redirect(url_for("portfolio.student", student_id=person.id))


def _shared(token: str) -> tuple[PublicLink, User]:
    session = db()
    link = session.scalar(select(PublicLink).where(PublicLink.token == token)) if len(token) <= 64 else None
    if link is None:
        abort(404)
    live = services.link_by_token(session, token, school_today(link.school_id, session=session))
    person = session.get(User, link.student_id) if live else None
    if person is None:
        abort(404)
    return link, person


@bp.get("/p/<token>")
@public
def shared(token: str) -> Any:
    """The public link's page: the confirmed entries only, no comments, no drafts."""
    link, person = _shared(token)
    session = db()
    entries = list(session.scalars(select(Entry).where(Entry.school_id == link.school_id, Entry.student_id == person.id,
                                                       Entry.status == "confirmed").order_by(Entry.happened_on.desc())))
    files = services.attachments(session, link.school_id, "entry", [e.id for e in entries])
    return render_template("portfolio/public.html", person=person, entries=entries, files=files, link=link,
                           labels=labels, sections=plugin_settings("portfolio")["sections"],
                           projects=projects.projects_of_student(session, link.school_id, person.id))


@bp.get("/p/<token>/files/<int:attachment_id>")
@public
def shared_file(token: str, attachment_id: int) -> Any:
    link, person = _shared(token)
    session = db()
    att = session.get(Attachment, attachment_id)
    entry = session.get(Entry, att.owner_id) if att is not None and att.owner == "entry" else None
    if entry is None or entry.student_id != person.id or entry.status != "confirmed":
        abort(404)
    stored = load_file(session, link.school_id, att.file_id)  # type: ignore[union-attr]
    if stored is None:
        abort(404)
    return file_response(stored, att.filename, inline=True)  # type: ignore[union-attr]


from plugins.portfolio import views_projects, views_teacher  # noqa: E402,F401  (their routes join bp)

__all__ = ["bp", "Project"]
