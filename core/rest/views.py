"""The core's own API routes: who am I, the school's structure, the OpenAPI document."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify
from flask_login import current_user
from sqlalchemy import select

from core.app import current_school_id
from core.db import db
from core.models import AcademicYear, SchoolClass, Subject, Term
from core.permissions import public
from core.rest import api_view, build_openapi
from core.schemas import MeSchema, SchoolClassSchema, SubjectSchema, TermSchema

bp = Blueprint("core_api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
@public  # the API's description is no secret; every operation in it still needs a token
def openapi() -> Any:
    return jsonify(build_openapi(current_app))


@bp.get("/me")
@api_view("core.dashboard.view", response=MeSchema)
def me() -> Any:
    """The signed-in user with their roles."""
    return getattr(g, "api_user", None) or current_user


@bp.get("/classes")
@api_view("core.structure.view", response=SchoolClassSchema, many=True)
def classes() -> Any:
    """Classes of the current academic year."""
    return db().scalars(
        select(SchoolClass)
        .join(AcademicYear, AcademicYear.id == SchoolClass.year_id)
        .where(SchoolClass.school_id == current_school_id(), AcademicYear.is_current.is_(True))
        .order_by(SchoolClass.grade_level, SchoolClass.letter)
    ).all()


@bp.get("/subjects")
@api_view("core.structure.view", response=SubjectSchema, many=True)
def subjects() -> Any:
    """Subjects taught in the school."""
    return db().scalars(select(Subject).where(Subject.school_id == current_school_id()).order_by(Subject.name)).all()


@bp.get("/terms")
@api_view("core.structure.view", response=TermSchema, many=True)
def terms() -> Any:
    """Terms of the current academic year."""
    return db().scalars(
        select(Term)
        .join(AcademicYear, AcademicYear.id == Term.year_id)
        .where(Term.school_id == current_school_id(), AcademicYear.is_current.is_(True))
        .order_by(Term.number)
    ).all()
