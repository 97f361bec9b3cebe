"""Project portfolios' pages; joins the portfolio blueprint. A project is seen by its team, their
guardians, its supervisor and whoever runs projects or sees every portfolio; anyone else gets 404."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    N_,
    ClassMembership,
    GuardianLink,
    ServiceError,
    User,
    acting_user,
    can,
    db,
    get_owned_or_404,
    requires_permission,
    school_today,
)
from plugins.portfolio import projects, services
from plugins.portfolio.models import Project, ProjectMember, ProjectStage
from plugins.portfolio.views import bp, parse_date


def _sees_all(user: User) -> bool:
    return can(user, "portfolio.all.view") or can(user, "portfolio.project.manage")


def visible_project(project_id: int) -> Project:
    project = get_owned_or_404(Project, project_id)
    user = acting_user()
    if _sees_all(user) or project.supervisor_id == user.id:
        return project
    members = projects.member_ids(db(), project)
    if user.id in members:
        return project
    kids = set(db().scalars(select(GuardianLink.student_id).where(GuardianLink.guardian_id == user.id)))
    if kids & set(members):
        return project
    abort(404)


def _may_manage(project: Project, user: User) -> bool:
    return can(user, "portfolio.project.manage") and (project.supervisor_id == user.id or can(user, "portfolio.all.view"))


@bp.get("/projects", endpoint="projects")
@requires_permission("portfolio.project.view")
def projects_list() -> Any:
    user, session = acting_user(), db()
    query = select(Project).where(Project.school_id == user.school_id)
    if not _sees_all(user):
        kids = select(GuardianLink.student_id).where(GuardianLink.guardian_id == user.id)
        mine = select(ProjectMember.project_id).where(ProjectMember.school_id == user.school_id,
                                                      (ProjectMember.student_id == user.id)
                                                      | ProjectMember.student_id.in_(kids))
        query = query.where(Project.id.in_(mine) | (Project.supervisor_id == user.id))
    rows = list(session.scalars(query.order_by(Project.id.desc()).limit(300)))
    return render_template("portfolio/projects.html", rows=rows, may_create=can(user, "portfolio.project.manage"))



@bp.post("/projects")
@requires_permission("portfolio.project.manage")
def project_create() -> Any:
    user, session = acting_user(), db()
    project = projects.create(session, school_id=user.school_id, title=request.form.get("title", ""), supervisor=user,
                              description=request.form.get("description", ""))
    session.commit()
    flash(_("The project is created: add its team and stages."), "ok")
    return redirect(url_for("portfolio.project", project_id=project.id))


@bp.get("/projects/<int:project_id>")
@requires_permission("portfolio.project.view")
def project(project_id: int) -> Any:
    item = visible_project(project_id)
    session, user = db(), acting_user()
    ids = projects.member_ids(session, item)
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids + [item.supervisor_id])))}
    stages = projects.stages_of(session, item)
    files = services.attachments(session, item.school_id, "stage", [s.id for s in stages])
    manage = _may_manage(item, user)
    candidates: list[User] = []
    if manage:
        candidates = list(session.scalars(select(User).join(ClassMembership, ClassMembership.student_id == User.id)
                                          .where(ClassMembership.school_id == item.school_id,
                                                 ClassMembership.active_on(school_today()))
                                          .order_by(User.last_name, User.first_name)))
    return render_template("portfolio/project.html", item=item, members=ids, people=people, stages=stages, files=files,
                           manage=manage, candidates=candidates, today=school_today())


@bp.post("/projects/<int:project_id>/edit")
@requires_permission("portfolio.project.manage")
def project_edit(project_id: int) -> Any:
    item = visible_project(project_id)
    if not _may_manage(item, acting_user()):
        abort(404)
    f = request.form
    projects.update(db(), item, values={"title": f.get("title", item.title), "description": f.get("description", ""),
                                        "defence_result": f.get("defence_result", ""),
                                        "defence_on": parse_date(f.get("defence_on"))},
                    version=f.get("version", type=int))
    db().commit()
    flash(_("The project is saved."), "ok")
    return redirect(url_for("portfolio.project", project_id=item.id))


@bp.post("/projects/<int:project_id>/members")
@requires_permission("portfolio.project.manage")
def project_members(project_id: int) -> Any:
    item = visible_project(project_id)
    if not _may_manage(item, acting_user()):
        abort(404)
    wanted = [int(v) for v in request.form.getlist("student_id") if v.isdigit()]
    students = set(db().scalars(select(ClassMembership.student_id).where(
        ClassMembership.school_id == item.school_id, ClassMembership.student_id.in_(wanted or [-1]))))
    projects.set_members(db(), item, [s for s in wanted if s in students])
    db().commit()
    flash(_("The team is saved."), "ok")
    return redirect(url_for("portfolio.project", project_id=item.id))


@bp.post("/projects/<int:project_id>/stages")
@requires_permission("portfolio.project.manage")
def project_stage(project_id: int) -> Any:
    item = visible_project(project_id)
    if not _may_manage(item, acting_user()):
        abort(404)
    due = parse_date(request.form.get("due_on"))
    if due is None:
        raise ServiceError(N_("Give the stage's deadline."), field="due_on")
    projects.add_stage(db(), item, title=request.form.get("title", ""), due_on=due)
    db().commit()
    flash(_("The stage is added."), "ok")
    return redirect(url_for("portfolio.project", project_id=item.id))


@bp.post("/stages/<int:stage_id>/files")
@requires_permission("portfolio.project.view")
def stage_file(stage_id: int) -> Any:
    """The supervisor or a team member attaches the stage's work."""
    stage = get_owned_or_404(ProjectStage, stage_id)
    item = visible_project(stage.project_id)
    user = acting_user()
    if not (_may_manage(item, user) or user.id in projects.member_ids(db(), item)):
        abort(404)
    upload = request.files.get("file")
    services.attach(db(), school_id=item.school_id, owner="stage", owner_id=stage.id,
                    data=upload.read() if upload else b"", filename=upload.filename if upload else "", by=user)
    db().commit()
    flash(_("The file is attached."), "ok")
    return redirect(url_for("portfolio.project", project_id=item.id))
