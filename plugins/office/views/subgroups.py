"""A class's subgroups per subject: the page, creating, deleting, members."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.toolkit import (
    SchoolClass,
    Subgroup,
    Subject,
    db,
    get_owned_or_404,
    requires_permission,
    school_today,
)
from plugins.office import grouping, rosters
from plugins.office.access import may_edit_subgroups
from plugins.office.forms import SubgroupForm
from plugins.office.views.common import bp, commit, flash_errors


@bp.get("/classes/<int:class_id>/subgroups")
@requires_permission("office.subgroups.edit")
def subgroups(class_id: int) -> Any:
    session = db()
    school_class = get_owned_or_404(SchoolClass, class_id)
    subjects = [s for s in grouping.class_subjects(session, class_id) if may_edit_subgroups(class_id, s.id)]
    split = [e for e in grouping.split_subjects(session, class_id) if may_edit_subgroups(class_id, e.subject.id)]
    if not subjects:  # nothing taught yet: say what to do instead of a bare 404
        return render_template("office/subgroups.html", school_class=school_class, subjects=[], subject=None,
                               split=split, journals=_journals_enabled())
    subject_id = request.args.get("subject_id", type=int) or subjects[0].id
    subject = next((s for s in subjects if s.id == subject_id), None)
    if subject is None:
        abort(404)
    groups = grouping.subject_subgroups(session, class_id, subject.id)
    students = rosters.current_students(session, class_id, school_today())
    membership = grouping.subgroup_membership(session, [g.id for g in groups])
    chosen = {s.id: min(membership[s.id]) if membership.get(s.id) else None for s in students}
    counts = {g.id: sum(1 for v in chosen.values() if v == g.id) for g in groups}
    form = SubgroupForm()
    form.subject_id.choices = [(s.id, s.name) for s in subjects]
    form.subject_id.data = subject.id
    return render_template("office/subgroups.html", school_class=school_class, subjects=subjects, subject=subject,
                           groups=groups, students=students, chosen=chosen, counts=counts, form=form, split=split,
                           journals=_journals_enabled())


def _journals_enabled() -> bool:
    """Links to subgroup journals only when the gradebook is on (the office does not require it)."""
    return "gradebook.journal" in current_app.view_functions


@bp.post("/classes/<int:class_id>/subgroups")
@requires_permission("office.subgroups.edit")
def create_subgroup(class_id: int) -> Any:
    session = db()
    school_class = get_owned_or_404(SchoolClass, class_id)
    form = SubgroupForm()
    form.subject_id.choices = [(s.id, s.name) for s in grouping.class_subjects(session, class_id)]
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for(".subgroups", class_id=class_id))
    if not may_edit_subgroups(class_id, form.subject_id.data):
        abort(404)
    grouping.create_subgroup(session, school_class, form.subject_id.data, form.name.data)
    commit()
    flash(_("Subgroup created."), "success")
    return redirect(url_for(".subgroups", class_id=class_id, subject_id=form.subject_id.data))


@bp.post("/subgroups/<int:subgroup_id>/delete")
@requires_permission("office.subgroups.edit")
def delete_subgroup(subgroup_id: int) -> Any:
    session = db()
    subgroup = get_owned_or_404(Subgroup, subgroup_id)
    if not may_edit_subgroups(subgroup.class_id, subgroup.subject_id):
        abort(404)
    class_id, subject_id = subgroup.class_id, subgroup.subject_id
    grouping.delete_subgroup(session, subgroup)
    commit()
    flash(_("Subgroup deleted."), "success")
    return redirect(url_for(".subgroups", class_id=class_id, subject_id=subject_id))


@bp.post("/classes/<int:class_id>/subgroups/<int:subject_id>/members")
@requires_permission("office.subgroups.edit")
def save_members(class_id: int, subject_id: int) -> Any:
    session = db()
    school_class = get_owned_or_404(SchoolClass, class_id)
    get_owned_or_404(Subject, subject_id)
    if not may_edit_subgroups(class_id, subject_id):
        abort(404)
    choice: dict[int, int | None] = {}
    for key, value in request.form.items():
        if key.startswith("student-") and key[8:].isdigit():
            choice[int(key[8:])] = int(value) if value.isdigit() else None
    changed = grouping.set_subgroup_members(session, school_class, subject_id, choice, school_today())
    commit()
    flash(_("Subgroup lists saved (changes: %(n)d).", n=changed), "success")
    return redirect(url_for(".subgroups", class_id=class_id, subject_id=subject_id))

