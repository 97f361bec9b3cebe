"""The journal's pages: my journals and the dashboard widget here; the grid, lessons, final marks and
the student pages in their own modules, imported below so their routes join the blueprint.
Thin: the rules are in the service modules, the access in access."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from core.toolkit import (
    DashboardWidget,
    SchoolClass,
    Subgroup,
    Subject,
    TeachingAssignment,
    User,
    acting_user,
    classes_led_by,
    current_school_id,
    current_year,
    db,
    requires_permission,
    school_today,
)
from plugins.gradebook import access
from plugins.gradebook.teacher_day import lessons_without_topic, teacher_lessons
from plugins.gradebook.web import (
    bp,
    default_term,
    int_arg,
    year_terms,
)


@bp.get("/")
@requires_permission("gradebook.journal.view")
def index() -> Any:
    """A teacher's journals (their assignments), the class teacher's class, every class for the deputy."""
    session = db()
    school_id = current_school_id()
    user = acting_user()
    year = current_year(session, school_id)
    if year is None:
        return render_template("gradebook/index.html", year=None, terms=[], term=None, mine=[], led=[], classes=[])
    terms = year_terms(session, year.id)
    term = next((t for t in terms if t.id == int_arg("term_id")), None) or default_term(
        session, year.id, school_today())
    base = (
        select(TeachingAssignment.class_id, SchoolClass.grade_level, SchoolClass.letter,
               Subject.id.label("subject_id"), Subject.name.label("subject_name"), Subgroup.id.label("subgroup_id"),
               Subgroup.name.label("subgroup_name"), User.last_name, User.first_name, User.middle_name)
        .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .join(User, User.id == TeachingAssignment.teacher_id)
        .outerjoin(Subgroup, Subgroup.id == TeachingAssignment.subgroup_id)
        .where(TeachingAssignment.school_id == school_id, SchoolClass.year_id == year.id)
        .order_by(SchoolClass.grade_level, SchoolClass.letter, Subject.name, Subgroup.name)
    )
    mine = session.execute(base.where(TeachingAssignment.teacher_id == user.id)).all()
    led_ids = classes_led_by(user)
    classes: dict[int, dict[str, Any]] = {}
    if access.views_all() or led_ids:
        query = base if access.views_all() else base.where(TeachingAssignment.class_id.in_(led_ids))
        for row in session.execute(query):
            entry = classes.setdefault(row[0], {"id": row[0], "name": f"{row[1]}{row[2]}", "subjects": []})
            entry["subjects"].append(row)
    led = [c for cid, c in classes.items() if cid in led_ids]
    return render_template("gradebook/index.html", year=year, terms=terms, term=term, mine=mine, led=led,
                           classes=list(classes.values()) if access.views_all() else [])


def today_widget(user: User) -> DashboardWidget:
    """Today's lessons of a teacher, those without a topic marked, and the recent ones still without."""
    session = db()
    today = school_today()
    school_id = current_school_id()
    lessons_today = teacher_lessons(session, school_id, user.id, today, today)
    missing = lessons_without_topic(session, school_id, user.id, today - timedelta(days=14), today)
    body = Markup(render_template("gradebook/_widget_today.html", lessons=lessons_today, missing=missing))
    return DashboardWidget(title=_("Today's lessons"), body=body, weight=10, link_endpoint="gradebook.index")


# The pages' routes live in their own modules; importing them registers them on ``bp``.
from plugins.gradebook import final_pages, journal_page, lesson_pages, student_pages  # noqa: E402,F401
