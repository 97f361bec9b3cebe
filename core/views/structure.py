"""The school's structure: years with their terms and holidays, classes, subjects, teaching assignments."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import school_setup
from core.app import current_school_id
from core.audit import audit, changes
from core.db import db
from core.forms import AssignmentForm, ClassForm, HolidayForm, SubjectForm, TermForm, YearForm
from core.lookup import get_owned_or_404
from core.models import (
    AcademicYear,
    Holiday,
    Role,
    RoleGrant,
    School,
    SchoolClass,
    Subgroup,
    Subject,
    TeachingAssignment,
    Term,
    User,
)
from core.permissions import requires_permission
from core.school_settings import school_settings
from core.services import add_assignment, current_year, grant_role

bp = Blueprint("core_structure", __name__, url_prefix="/school")


def _owned(model: type, object_id: int) -> Any:
    """Fetch a row of the current school or 404 (never reveal another school's rows)."""
    return get_owned_or_404(model, object_id)


def _staff_choices() -> list[tuple[int, str]]:
    staff = db().execute(
        select(User.id, User.last_name, User.first_name, User.middle_name)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(User.school_id == current_school_id(), RoleGrant.role.in_([Role.teacher, Role.class_teacher]))
        .distinct()
        .order_by(User.last_name, User.first_name)
    ).all()
    return [(s.id, f"{s.last_name} {s.first_name} {s.middle_name}".strip()) for s in staff]


@bp.get("/")
@requires_permission("core.structure.view")
def index() -> Any:
    session = db()
    school_id = current_school_id()
    year = current_year(session, school_id)
    years = session.scalars(select(AcademicYear).where(AcademicYear.school_id == school_id).order_by(AcademicYear.starts_on.desc())).all()
    terms = session.scalars(select(Term).where(Term.year_id == year.id).order_by(Term.number)).all() if year else []
    holidays = session.scalars(select(Holiday).where(Holiday.year_id == year.id).order_by(Holiday.starts_on)).all() if year else []
    classes = session.execute(
        select(SchoolClass, User)
        .outerjoin(User, User.id == SchoolClass.class_teacher_id)
        .where(SchoolClass.school_id == school_id, SchoolClass.year_id == (year.id if year else -1))
        .order_by(SchoolClass.grade_level, SchoolClass.letter)
    ).all()
    subjects = session.scalars(select(Subject).where(Subject.school_id == school_id).order_by(Subject.name)).all()
    assignments = session.execute(
        select(TeachingAssignment, User, Subject, SchoolClass, Subgroup.name)
        .join(User, User.id == TeachingAssignment.teacher_id)
        .outerjoin(Subgroup, Subgroup.id == TeachingAssignment.subgroup_id)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
        .where(TeachingAssignment.school_id == school_id, SchoolClass.year_id == (year.id if year else -1))
        .order_by(SchoolClass.grade_level, SchoolClass.letter, Subject.name)
    ).all()
    return render_template(
        "core/structure.html", year=year, years=years, terms=terms, holidays=holidays, classes=classes,
        subjects=subjects, assignments=assignments, year_form=YearForm(), holiday_form=HolidayForm(),
        subject_form=SubjectForm(), class_form=_class_form(), assignment_form=_assignment_form(year),
    )


def _class_form(obj: SchoolClass | None = None) -> ClassForm:
    form = ClassForm(obj=obj)
    form.class_teacher_id.choices = [(0, "—")] + _staff_choices()
    return form


def _assignment_form(year: AcademicYear | None) -> AssignmentForm:
    form = AssignmentForm()
    session = db()
    school_id = current_school_id()
    form.teacher_id.choices = _staff_choices()
    form.subject_id.choices = [(s.id, s.name) for s in session.scalars(select(Subject).where(Subject.school_id == school_id).order_by(Subject.name))]
    form.class_id.choices = [
        (c.id, c.name) for c in session.scalars(
            select(SchoolClass).where(SchoolClass.school_id == school_id, SchoolClass.year_id == (year.id if year else -1))
            .order_by(SchoolClass.grade_level, SchoolClass.letter))
    ]
    return form


def _flash_errors(form: Any) -> None:
    for field_name, errors in form.errors.items():
        label = getattr(form, field_name).label.text if hasattr(form, field_name) else field_name
        for error in errors:
            flash(f"{label}: {error}", "error")


@bp.post("/years")
@requires_permission("core.structure.manage")
def create_year() -> Any:
    form = YearForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".index"))
    session = db()
    school = session.get(School, current_school_id())
    year = school_setup.create_year(session, school, title=form.title.data, starts_on=form.starts_on.data,
                                    ends_on=form.ends_on.data, is_current=form.is_current.data,
                                    profile_term_system=school_settings().term_system)
    session.commit()
    flash(_("Year %(title)s created with its terms and holidays; check their dates.", title=year.title), "success")
    return redirect(url_for(".index"))


@bp.route("/terms/<int:term_id>", methods=["GET", "POST"])
@requires_permission("core.structure.manage")
def edit_term(term_id: int) -> Any:
    term = _owned(Term, term_id)
    form = TermForm(obj=term)
    if form.validate_on_submit():
        if not (form.starts_on.data <= form.ends_on.data <= form.closes_on.data):
            flash(_("The term must start before it ends, and lock no earlier than it ends."), "error")
        else:
            old, new = changes(term, ["title", "starts_on", "ends_on", "closes_on"], form.data)
            if new:
                audit(db(), school_id=term.school_id, action="core.term.update", object_type="core.term",
                      object_id=term.id, old=old, new=new)
            db().commit()
            flash(_("Saved."), "success")
            return redirect(url_for(".index"))
    return render_template("core/form.html", form=form, title=term.title, back=url_for(".index"))


@bp.post("/holidays")
@requires_permission("core.structure.manage")
def create_holiday() -> Any:
    form = HolidayForm()
    year = current_year(db(), current_school_id())
    if year is None:
        abort(404)
    if form.validate_on_submit() and form.starts_on.data <= form.ends_on.data:
        holiday = Holiday(school_id=year.school_id, year_id=year.id, title=form.title.data,
                          starts_on=form.starts_on.data, ends_on=form.ends_on.data)
        db().add(holiday)
        db().commit()
        flash(_("Saved."), "success")
    else:
        _flash_errors(form)
        if not form.errors:
            flash(_("Holidays must end no earlier than they start."), "error")
    return redirect(url_for(".index"))


@bp.post("/holidays/<int:holiday_id>/delete")
@requires_permission("core.structure.manage")
def delete_holiday(holiday_id: int) -> Any:
    db().delete(_owned(Holiday, holiday_id))
    db().commit()
    flash(_("Deleted."), "success")
    return redirect(url_for(".index"))


@bp.post("/subjects")
@requires_permission("core.structure.manage")
def create_subject() -> Any:
    form = SubjectForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".index"))
    session = db()
    session.add(Subject(school_id=current_school_id(), name=form.name.data.strip(),
                        short_name=(form.short_name.data or "").strip()))
    try:
        session.commit()
        flash(_("Saved."), "success")
    except IntegrityError:
        session.rollback()
        flash(_("This subject already exists."), "error")
    return redirect(url_for(".index"))


def _set_class_teacher(school_class: SchoolClass, teacher_id: int) -> None:
    session = db()
    for grant in session.scalars(select(RoleGrant).where(RoleGrant.role == Role.class_teacher,
                                                         RoleGrant.class_id == school_class.id)):
        session.delete(grant)
    school_class.class_teacher_id = None
    if teacher_id:
        teacher = _owned(User, teacher_id)
        # The deletions must reach the teacher's loaded grants: otherwise saving a class with the teacher
        # it already has finds the grant just deleted, keeps it, and the teacher loses the class.
        session.flush()
        session.expire(teacher, ["grants"])
        grant_role(session, teacher, Role.class_teacher, school_class.id)


@bp.route("/classes", methods=["POST"])
@bp.route("/classes/<int:class_id>", methods=["GET", "POST"])
@requires_permission("core.structure.manage")
def edit_class(class_id: int | None = None) -> Any:
    session = db()
    school_class = _owned(SchoolClass, class_id) if class_id else None
    form = _class_form(school_class)
    if form.validate_on_submit():
        year = current_year(session, current_school_id())
        if year is None:
            flash(_("Create the academic year first."), "error")
            return redirect(url_for(".index"))
        letter = form.letter.data.strip().upper()
        if school_class is None:
            school_class = SchoolClass(school_id=year.school_id, year_id=year.id, grade_level=form.grade_level.data,
                                       letter=letter)
            session.add(school_class)
            old: dict[str, Any] = {}
        else:
            old = {"grade_level": school_class.grade_level, "letter": school_class.letter,
                   "class_teacher_id": school_class.class_teacher_id}
            school_class.grade_level, school_class.letter = form.grade_level.data, letter
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            flash(_("Class %(name)s already exists this year.", name=f"{form.grade_level.data}{letter}"), "error")
            return redirect(url_for(".index"))
        _set_class_teacher(school_class, form.class_teacher_id.data or 0)
        audit(session, school_id=school_class.school_id, action="core.class.save", object_type="core.school_class",
              object_id=school_class.id, old=old or None,
              new={"grade_level": school_class.grade_level, "letter": letter,
                   "class_teacher_id": form.class_teacher_id.data or None})
        session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".index"))
    if form.errors:
        _flash_errors(form)
    if school_class is None:
        return redirect(url_for(".index"))
    form.class_teacher_id.data = school_class.class_teacher_id or 0
    return render_template("core/form.html", form=form, title=school_class.name, back=url_for(".index"))


@bp.post("/assignments")
@requires_permission("core.structure.manage")
def create_assignment() -> Any:
    session = db()
    year = current_year(session, current_school_id())
    form = _assignment_form(year)
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".index"))
    teacher = _owned(User, form.teacher_id.data)
    school_class = _owned(SchoolClass, form.class_id.data)
    subject = _owned(Subject, form.subject_id.data)
    add_assignment(session, teacher, school_class, subject, form.hours_per_week.data, form.subgroup.data or "")
    session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".index"))


@bp.post("/assignments/<int:assignment_id>/delete")
@requires_permission("core.structure.manage")
def delete_assignment(assignment_id: int) -> Any:
    assignment = _owned(TeachingAssignment, assignment_id)
    session = db()
    audit(session, school_id=assignment.school_id, action="core.assignment.delete",
          object_type="core.teaching_assignment", object_id=assignment.id,
          old={"teacher_id": assignment.teacher_id, "subject_id": assignment.subject_id,
               "class_id": assignment.class_id})
    session.delete(assignment)
    session.commit()
    flash(_("Deleted."), "success")
    return redirect(url_for(".index"))
