"""Timetable versions and the editor of a version's entries."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf as csrf_token
from markupsafe import Markup, escape
from sqlalchemy import select

from core.toolkit import (
    AuditEntry,
    SchoolClass,
    Subgroup,
    Subject,
    TeachingAssignment,
    User,
    current_school_id,
    db,
    get_owned_or_404,
    requires_permission,
    school_today,
)
from plugins.timetable import access, bell_times, clashes, entries, naming, versioning
from plugins.timetable.entries import SanpinExcess
from plugins.timetable.forms import EntryForm, VersionForm
from plugins.timetable.models import TimetableEntry, TimetableVersion
from plugins.timetable.refusals import TimetableError
from plugins.timetable.ui import problem_text, problems_text, weekday_name
from plugins.timetable.views.common import (
    bp,
    flash_form,
    flash_problems,
    settings,
    timetable_year,
)


def _version_form(versions: list[TimetableVersion]) -> VersionForm:
    form = VersionForm()
    form.copy_from.choices = [(0, "—")] + [(v.id, v.title) for v in versions]
    return form


@bp.route("/versions", methods=["GET", "POST"])
@requires_permission("timetable.manage")
def versions() -> Any:
    session, school_id, year = db(), current_school_id(), timetable_year()
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
                flash_problems(exc)
                status = exc.status
            else:
                session.commit()
                flash(_("Timetable “%(title)s” created.", title=version.title), "success")
                if closed is not None:
                    flash(_("Timetable “%(title)s” now ends on %(date)s.", title=closed.title,
                            date=closed.valid_to.strftime("%d.%m.%Y")), "success")
                return redirect(url_for(".versions"))
        else:
            flash_form(form)
            status = 422
    if not form.title.data:
        form.title.data = _("Main timetable")
    if not form.valid_from.data:
        form.valid_from.data, form.valid_to.data = max(year.starts_on, school_today()), year.ends_on
    conflicts = {v.id: len(clashes.version_conflicts(session, school_id, v.id, settings()["shared_rooms"]))
                 for v in all_versions}
    return render_template("timetable/versions.html", versions=all_versions, form=form, year=year, conflicts=conflicts,
                           classes=access.visible_classes(session, current_user, school_id, school_today())), status


@bp.post("/versions/<int:version_id>/delete")
@requires_permission("timetable.manage")
def delete_version(version_id: int) -> Any:
    session = db()
    version = get_owned_or_404(TimetableVersion, version_id)
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
    # An empty first choice: the form after a save is empty, so nothing is checked (or shown busy) until
    # the deputy picks a lesson.
    form.assignment_id.choices = [(0, "—")] + [
        (r[0], f"{r[1]}{f' ({r[2]})' if r[2] else ''} — {r[3]} {r[4][:1]}.{(r[5][:1] + '.') if r[5] else ''}")
        for r in rows]
    return form


def _editor(version: TimetableVersion, school_class: SchoolClass, form: EntryForm, problems: list[str],
            status: int = 200, *, sanpin: list[str] | None = None, confirm_delete: TimetableEntry | None = None) -> Any:
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
        grid=grid, names=names, conflicts=conflicts, bells=bells, sanpin=sanpin or [], confirm_delete=confirm_delete,
        days=range(s["days_per_week"]), numbers=range(1, s["lessons_per_day"] + 1),
        classes=access.visible_classes(session, current_user, school_id, school_today())), status


@bp.get("/versions/<int:version_id>/classes/<int:class_id>")
@requires_permission("timetable.manage")
def editor(version_id: int, class_id: int) -> Any:
    version = get_owned_or_404(TimetableVersion, version_id)
    school_class = get_owned_or_404(SchoolClass, class_id)
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
    version = get_owned_or_404(TimetableVersion, version_id)
    school_class = get_owned_or_404(SchoolClass, class_id)
    form = _entry_form(class_id)
    if not form.validate_on_submit():
        return _editor(version, school_class, form, [f"{getattr(form, n).label.text}: {e}"
                                                     for n, errs in form.errors.items() for e in errs], 422)
    if not form.assignment_id.data:
        return _editor(version, school_class, form, [_("Choose the subject and the teacher.")], 422)
    try:
        draft = clashes.draft_from_assignment(session, school_id, class_id, form.assignment_id.data,
                                               form.weekday.data, form.number.data, form.room.data or "")
        entries.add(session, school_id, version, draft, settings(), actor_id=current_user.id,
                    confirm_sanpin=request.form.get("confirm_sanpin") == "1")
    except SanpinExcess as exc:  # СанПиН at the moment of entry: refused, or added once the deputy confirms
        session.rollback()
        if exc.confirmable:
            return _editor(version, school_class, form, [], 422, sanpin=problems_text(exc.problems))
        return _editor(version, school_class, form, problems_text(exc.problems), 422)
    except TimetableError as exc:
        session.rollback()
        return _editor(version, school_class, form, problems_text(exc.problems), exc.status)
    session.commit()
    flash(_("Lesson added to the timetable."), "success")
    return redirect(url_for(".editor", version_id=version.id, class_id=class_id))


@bp.post("/entries/<int:entry_id>/delete")
@requires_permission("timetable.manage")
def delete_entry(entry_id: int) -> Any:
    """× asks first (the editor shows what is about to go); a confirmed removal is audited and the flash
    offers «Вернуть», which restores the lesson from the audit entry."""
    session = db()
    entry = get_owned_or_404(TimetableEntry, entry_id)
    version_id, class_id = entry.version_id, entry.class_id
    if request.form.get("confirm") != "1":
        version = get_owned_or_404(TimetableVersion, version_id)
        school_class = get_owned_or_404(SchoolClass, class_id)
        return _editor(version, school_class, _entry_form(class_id), [], confirm_delete=entry)
    record = entries.remove(session, entry, actor_id=current_user.id)
    session.commit()
    undo = url_for(".restore_entry", audit_id=record.id) if record is not None else ""
    flash(Markup('{} <form method="post" action="{}" class="inline"><input type="hidden" name="csrf_token" '
                 'value="{}"><button type="submit" class="link">{}</button></form>').format(
        escape(_("Lesson removed from the timetable.")), undo, escape(csrf_token()), escape(_("Undo"))), "success")
    return redirect(url_for(".editor", version_id=version_id, class_id=class_id))


@bp.post("/entries/restore/<int:audit_id>")
@requires_permission("timetable.manage")
def restore_entry(audit_id: int) -> Any:
    """«Вернуть» after a removal: the lesson comes back as it was, unless its slot has been taken since."""
    session, school_id = db(), current_school_id()
    record = session.get(AuditEntry, audit_id)
    if record is None or record.school_id != school_id or record.action != "timetable.entry.delete":
        abort(404)
    old = record.old or {}
    version = get_owned_or_404(TimetableVersion, old["version_id"])
    draft = clashes.Draft(old["class_id"], old["subgroup_id"], old["subject_id"], old["teacher_id"], old["weekday"],
                          old["number"], old.get("room") or "")
    try:
        entries.add(session, school_id, version, draft, settings(), actor_id=current_user.id, restored_from=audit_id)
    except TimetableError as exc:
        session.rollback()
        for text in problems_text(exc.problems):
            flash(text, "error")
        return redirect(url_for(".editor", version_id=version.id, class_id=old["class_id"]))
    session.commit()
    flash(_("The lesson is back in the timetable."), "success")
    return redirect(url_for(".editor", version_id=version.id, class_id=old["class_id"]))

