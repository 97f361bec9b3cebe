"""Project portfolios: a team of students from any classes, a supervisor, stages with deadlines and
files, the final defence result. Every member's portfolio shows the project."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import N_, AuditEntry, ServiceError, User, audit
from plugins.portfolio.models import Project, ProjectMember, ProjectStage
from plugins.portfolio.services import PortfolioConflict, clean


def snapshot(project: Project, members: list[int] | None = None) -> dict[str, Any]:
    out = {"title": project.title, "description": project.description, "supervisor_id": project.supervisor_id,
           "defence_on": project.defence_on, "defence_result": project.defence_result, "version": project.version}
    if members is not None:
        out["members"] = members
    return out


def member_ids(session: Session, project: Project) -> list[int]:
    return list(session.scalars(select(ProjectMember.student_id).where(
        ProjectMember.school_id == project.school_id, ProjectMember.project_id == project.id)
        .order_by(ProjectMember.id)))


def create(session: Session, *, school_id: int, title: str, supervisor: User, description: str = "",
           student_ids: list[int] | None = None) -> Project:
    title = clean(title)[:300]
    if not title:
        raise ServiceError(N_("Write the title of the project."), field="title")
    project = Project(school_id=school_id, title=title, description=clean(description), supervisor_id=supervisor.id,
                      version=1)
    session.add(project)
    session.flush()
    for sid in dict.fromkeys(student_ids or []):
        session.add(ProjectMember(school_id=school_id, project_id=project.id, student_id=sid))
    session.flush()
    audit(session, school_id=school_id, action="create", object_type="portfolio.project", object_id=project.id,
          new=snapshot(project, member_ids(session, project)))
    return project


def update(session: Session, project: Project, *, values: dict[str, Any], version: int | None) -> Project:
    if version is not None and int(version) != project.version:
        raise PortfolioConflict(N_("Someone changed this project while you were editing it. The saved defence "
                                   "result is “%(result)s”. Open it again and repeat your change."),
                                result=project.defence_result or "—")
    old = snapshot(project)
    if "title" in values:
        project.title = clean(values["title"])[:300] or project.title
    if "description" in values:
        project.description = clean(values["description"])
    if "defence_result" in values:
        project.defence_result = clean(values["defence_result"])[:300]
    if "defence_on" in values:
        project.defence_on = values["defence_on"] if isinstance(values["defence_on"], date) else None
    project.version += 1
    audit(session, school_id=project.school_id, action="update", object_type="portfolio.project",
          object_id=project.id, old=old, new=snapshot(project))
    return project


def set_members(session: Session, project: Project, student_ids: list[int]) -> None:
    old = member_ids(session, project)
    wanted = list(dict.fromkeys(student_ids))
    for row in session.scalars(select(ProjectMember).where(ProjectMember.school_id == project.school_id,
                                                           ProjectMember.project_id == project.id)):
        if row.student_id not in wanted:
            session.delete(row)
    for sid in wanted:
        if sid not in old:
            session.add(ProjectMember(school_id=project.school_id, project_id=project.id, student_id=sid))
    session.flush()
    audit(session, school_id=project.school_id, action="members", object_type="portfolio.project",
          object_id=project.id, old={"members": old}, new={"members": wanted})


def add_stage(session: Session, project: Project, *, title: str, due_on: date) -> ProjectStage:
    title = clean(title)[:300]
    if not title:
        raise ServiceError(N_("Write the title of the stage."), field="title")
    stage = ProjectStage(school_id=project.school_id, project_id=project.id, title=title, due_on=due_on)
    session.add(stage)
    session.flush()
    audit(session, school_id=project.school_id, action="stage", object_type="portfolio.project",
          object_id=project.id, new={"stage": title, "due_on": due_on})
    return stage


def stages_of(session: Session, project: Project) -> list[ProjectStage]:
    return list(session.scalars(select(ProjectStage).where(ProjectStage.school_id == project.school_id,
                                                           ProjectStage.project_id == project.id)
                                .order_by(ProjectStage.due_on, ProjectStage.id)))


def projects_of_student(session: Session, school_id: int, student_id: int) -> list[Project]:
    return list(session.scalars(select(Project).join(ProjectMember, ProjectMember.project_id == Project.id).where(
        ProjectMember.school_id == school_id, ProjectMember.student_id == student_id).order_by(Project.id)))


def revert(session: Session, entry: AuditEntry, project: Project | None) -> dict[str, Any] | None:
    if project is None:
        return {}
    if entry.action == "create":
        for row in session.scalars(select(ProjectMember).where(ProjectMember.project_id == project.id)):
            session.delete(row)
        for stage in stages_of(session, project):
            session.delete(stage)
        session.delete(project)
        return {}
    if entry.action == "members" and entry.old is not None:
        set_members(session, project, list(entry.old.get("members", [])))
        return dict(entry.old)
    if entry.action == "stage" and entry.new:
        for stage in stages_of(session, project):
            if stage.title == entry.new.get("stage"):
                session.delete(stage)
                break
        return {}
    if entry.action == "update" and entry.old:
        for key in ("title", "description", "defence_result"):
            setattr(project, key, entry.old.get(key, getattr(project, key)))
        value = entry.old.get("defence_on")
        project.defence_on = date.fromisoformat(value) if isinstance(value, str) else value
        project.version += 1
        return dict(entry.old)
    return {}
