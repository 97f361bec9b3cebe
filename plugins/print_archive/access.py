"""Who may see and print what: the class teacher their own class, the administration the school.

Shared by the pages and the API; an object the user may not see answers 404 (its existence is not
revealed).
"""
from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    AcademicYear,
    SchoolClass,
    acting_user,
    can,
    classes_led_by,
    current_school_id,
    current_year,
    db,
)
from plugins.print_archive.models import Document


def school_wide(user: Any) -> bool:
    return can(user, "print_archive.view_school")


def visible_classes(session: Session, user: Any, year_id: int) -> list[SchoolClass]:
    """The classes of the year whose printed documents the user may see, in journal order."""
    query = select(SchoolClass).where(SchoolClass.school_id == user.school_id, SchoolClass.year_id == year_id)
    if not school_wide(user):
        query = query.where(SchoolClass.id.in_(classes_led_by(user) or {-1}))
    return list(session.scalars(query.order_by(SchoolClass.grade_level, SchoolClass.letter)))


def require_class(class_id: int) -> SchoolClass:
    user = acting_user()
    school_class = db().get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != current_school_id():
        abort(404)
    if not school_wide(user) and class_id not in classes_led_by(user):
        abort(404)
    return school_class


def require_document(document_id: int) -> Document:
    document = db().get(Document, document_id)
    if document is None or document.school_id != current_school_id():
        abort(404)
    require_class(document.class_id)
    return document


def chosen_year(year_id: int | None) -> AcademicYear | None:
    session = db()
    if year_id:
        year = session.get(AcademicYear, year_id)
        if year is None or year.school_id != current_school_id():
            abort(404)
        return year
    return current_year(session, current_school_id())


def years() -> list[AcademicYear]:
    return list(db().scalars(select(AcademicYear).where(AcademicYear.school_id == current_school_id())
                             .order_by(AcademicYear.starts_on.desc())))
