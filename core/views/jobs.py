"""Background jobs people started: a list, and a progress page that survives a reload."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, jsonify, render_template
from flask_login import current_user
from sqlalchemy import select

from core.app import current_school_id
from core.db import db
from core.lookup import get_owned_or_404
from core.models import Job
from core.permissions import can, requires_permission

bp = Blueprint("core_jobs", __name__)


def visible_job(job_id: int) -> Job:
    """The job if the user started it or may read the audit log; 404 otherwise (no existence leak)."""
    user = getattr(g, "api_user", None) or current_user
    job = get_owned_or_404(Job, job_id)
    if job.created_by != user.id and not can(user, "core.audit.view"):
        abort(404)
    return job


@bp.get("/jobs/")
@requires_permission("core.jobs.view")
def index() -> Any:
    jobs = db().scalars(
        select(Job).where(Job.school_id == current_school_id(), Job.created_by == current_user.id)
        .order_by(Job.created_at.desc()).limit(50)
    ).all()
    return render_template("core/jobs.html", jobs=jobs)


@bp.get("/jobs/<int:job_id>")
@requires_permission("core.jobs.view")
def show(job_id: int) -> Any:
    return render_template("core/job.html", job=visible_job(job_id))


@bp.get("/api/v1/jobs/<int:job_id>")
@requires_permission("core.jobs.view")
def api_show(job_id: int) -> Any:
    job = visible_job(job_id)
    return jsonify({"id": job.id, "kind": job.kind, "title": job.title, "status": job.status,
                    "done": job.done, "total": job.total, "percent": job.percent, "message": job.message,
                    "result": job.result})
