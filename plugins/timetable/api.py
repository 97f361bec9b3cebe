"""The timetable's API under /api/v1/timetable: the same rules and permissions as the pages."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, jsonify
from flask_babel import gettext as _

from core.toolkit import (
    Term,
    acting_user,
    api_error,
    api_view,
    can,
    current_school_id,
    db,
    get_owned_or_404,
    plugin_settings,
    school_today,
    teaches,
)
from plugins.gradebook.public import Lesson
from plugins.timetable import access, agenda, clashes, lesson_changes, naming, versioning
from plugins.timetable import entries as weekly_lessons
from plugins.timetable.assessments import assessments_between, plan_assessment, warnings_around, warnings_for
from plugins.timetable.models import Assessment, TimetableEntry, TimetableVersion
from plugins.timetable.schemas import (
    AssessmentBodySchema,
    AssessmentQuerySchema,
    CancelBodySchema,
    ChangeSchema,
    CheckQuerySchema,
    DaySchema,
    EntryBodySchema,
    EntrySchema,
    MoveBodySchema,
    RangeQuerySchema,
    SubstitutionBodySchema,
    WeekQuerySchema,
)
from plugins.timetable.ui import change_note, problem_text
from plugins.timetable.workload import class_loads, teacher_loads

bp = Blueprint("timetable_api", __name__, url_prefix="/api/v1/timetable")


def _slot(s: agenda.Slot) -> dict[str, Any]:
    return {"number": s.number, "starts_at": s.starts_at.strftime("%H:%M") if s.starts_at else None,
            "ends_at": s.ends_at.strftime("%H:%M") if s.ends_at else None, "subject": s.subject,
            "subject_id": s.subject_id, "subgroup": s.subgroup, "subgroup_id": s.subgroup_id, "teacher": s.teacher,
            "teacher_id": s.teacher_id, "room": s.room, "lesson_id": s.lesson_id, "change": s.change,
            "change_note": change_note(s.change_info), "assessment": s.assessment}


@bp.get("/classes/<int:class_id>/week")
@api_view("timetable.view", query=WeekQuerySchema)
def class_week(class_id: int, query: dict[str, Any]) -> Any:
    """A class's week: bells, subjects, teachers, rooms, changes and planned tests."""
    session, school_id, today = db(), current_school_id(), school_today()
    user = acting_user()
    if not access.may_see_class(session, user, school_id, class_id, today):
        abort(404)
    student_id = None if access.is_staff(user) else access.student_in_class(session, user, class_id, today)
    monday = agenda.monday_of(query["date"] or today)
    days = agenda.class_week(session, school_id, class_id, monday, plugin_settings("timetable")["days_per_week"],
                               student_id)
    return jsonify(DaySchema(many=True).dump(
        [{"date": d.date, "holiday": d.holiday, "slots": [_slot(s) for s in d.slots]} for d in days]))


@bp.get("/check")
@api_view("timetable.manage", query=CheckQuerySchema)
def check(query: dict[str, Any]) -> Any:
    """Conflicts a timetable entry would have, for the editor to show while the deputy picks."""
    session, school_id = db(), current_school_id()
    get_owned_or_404(TimetableVersion, query["version_id"])
    draft = clashes.draft_from_assignment(session, school_id, query["class_id"], query["assignment_id"],
                                           query["weekday"], query["number"], query["room"])
    draft = clashes.Draft(**{**draft.__dict__, "id": query["entry_id"]})
    problems = clashes.find_conflicts(session, school_id, query["version_id"], draft,
                                       plugin_settings("timetable")["shared_rooms"])
    return jsonify({"conflicts": [{"code": p.code, "message": problem_text(p)} for p in problems]})


@bp.get("/versions/<int:version_id>/entries")
@api_view("timetable.view", response=EntrySchema, many=True)
def entries(version_id: int) -> Any:
    """The weekly entries of a timetable version."""
    from sqlalchemy import select

    get_owned_or_404(TimetableVersion, version_id)
    if not access.is_staff(acting_user()):
        abort(404)
    return list(db().scalars(select(TimetableEntry).where(TimetableEntry.version_id == version_id)
                             .order_by(TimetableEntry.class_id, TimetableEntry.weekday, TimetableEntry.number)))


@bp.post("/entries")
@api_view("timetable.manage", body=EntryBodySchema)
def add_entry(body: dict[str, Any]) -> Any:
    """Add a weekly lesson; 409 names every clash (teacher, room, class or subgroup), 422 the СанПиН limits it
    would exceed (send ``confirm_sanpin: true`` to add it anyway where the school allows); audited as the
    editor's."""
    session, school_id = db(), current_school_id()
    version = get_owned_or_404(TimetableVersion, body["version_id"])
    draft = clashes.draft_from_assignment(session, school_id, body["class_id"], body["assignment_id"],
                                           body["weekday"], body["number"], body["room"])
    entry = weekly_lessons.add(session, school_id, version, draft, plugin_settings("timetable"),
                               actor_id=acting_user().id,
                               confirm_sanpin=body["confirm_sanpin"])
    session.commit()
    return jsonify(EntrySchema().dump(entry)), 201


@bp.delete("/entries/<int:entry_id>")
@api_view("timetable.manage")
def delete_entry(entry_id: int) -> Any:
    """Remove a weekly lesson from its version (audited: the editor's «Вернуть» can restore it)."""
    session = db()
    weekly_lessons.remove(session, get_owned_or_404(TimetableEntry, entry_id), actor_id=acting_user().id)
    session.commit()
    return "", 204


@bp.get("/changes")
@api_view("timetable.view", query=RangeQuerySchema, response=ChangeSchema, many=True)
def changes(query: dict[str, Any]) -> Any:
    """Substitutions, moves and cancellations of a class between two dates."""
    session = db()
    if not access.may_see_class(session, acting_user(), current_school_id(), query["class_id"], school_today()):
        abort(404)
    return lesson_changes.changes_for(session, query["class_id"], query["start"], query["end"])


def _change_reply(change: Any) -> Any:
    session = db()
    info = next(i for i in lesson_changes.change_infos(session, change.school_id, [change]))
    return jsonify(ChangeSchema().dump(info)), 201


@bp.post("/substitutions")
@api_view("timetable.manage", body=SubstitutionBodySchema)
def add_substitution(body: dict[str, Any]) -> Any:
    """Another teacher gives one lesson (and may fill its journal)."""
    session, school_id = db(), current_school_id()
    lesson = get_owned_or_404(Lesson, body["lesson_id"])
    change = lesson_changes.substitute(session, school_id, lesson, body["teacher_id"], body["reason"], acting_user().id)
    session.commit()
    return _change_reply(change)


@bp.post("/moves")
@api_view("timetable.manage", body=MoveBodySchema)
def add_move(body: dict[str, Any]) -> Any:
    """Move a lesson to another date or number."""
    session, school_id = db(), current_school_id()
    lesson = get_owned_or_404(Lesson, body["lesson_id"])
    s = plugin_settings("timetable")
    change = lesson_changes.move(session, school_id, lesson, body["date"], body["number"], room=body["room"],
                           reason=body["reason"], weekdays=s["days_per_week"],
                           lessons_per_day=s["lessons_per_day"], actor_id=acting_user().id)
    session.commit()
    return _change_reply(change)


@bp.post("/cancellations")
@api_view("timetable.manage", body=CancelBodySchema)
def add_cancellation(body: dict[str, Any]) -> Any:
    """Cancel a lesson that was not held."""
    session, school_id = db(), current_school_id()
    lesson = get_owned_or_404(Lesson, body["lesson_id"])
    change = lesson_changes.cancel(session, school_id, lesson, body["reason"], acting_user().id)
    session.commit()
    return _change_reply(change)


def _assessment(a: Assessment, names: naming.Names) -> dict[str, Any]:
    return {"id": a.id, "class_id": a.class_id, "subgroup_id": a.subgroup_id, "subject_id": a.subject_id,
            "subject": names.subjects.get(a.subject_id, ""), "term_id": a.term_id, "date": a.date.isoformat(),
            "number": a.number, "kind": a.kind, "title": a.title}


def _warning(w: Any) -> dict[str, Any]:
    return {"kind": w.kind, "class_id": w.class_id, "start": w.start.isoformat(), "count": w.count,
            "limit": w.limit, "message": problem_text(w.problem)}


@bp.get("/assessments")
@api_view("timetable.view", query=AssessmentQuerySchema)
def list_assessments(query: dict[str, Any]) -> Any:
    """The test calendar of a term (the current one by default) with its warnings."""
    session, school_id, today = db(), current_school_id(), school_today()
    user = acting_user()
    classes = [c.id for c in access.visible_classes(session, user, school_id, today)]
    if query["class_id"] is not None:
        if query["class_id"] not in classes:
            abort(404)
        classes = [query["class_id"]]
    if query["term_id"] is not None:
        term = get_owned_or_404(Term, query["term_id"])
        start, end = term.starts_on, term.ends_on
    else:
        from core.toolkit import term_on

        term = term_on(session, school_id, today)
        start, end = (term.starts_on, term.ends_on) if term else (today, today + timedelta(days=90))
    items = assessments_between(session, school_id, start, end, classes)
    names = naming.Names(session, school_id)
    warnings = warnings_for(session, school_id, items, plugin_settings("timetable"))
    return jsonify({"assessments": [_assessment(a, names) for a in items],
                    "warnings": [_warning(w) for w in warnings]})


@bp.post("/assessments")
@api_view("timetable.assessment.plan", body=AssessmentBodySchema)
def add_assessment(body: dict[str, Any]) -> Any:
    """Plan a test; the answer carries the warnings it causes (it is saved regardless)."""
    session, school_id = db(), current_school_id()
    user = acting_user()
    from core.toolkit import SchoolClass, Subject, current_year

    school_class = get_owned_or_404(SchoolClass, body["class_id"])
    get_owned_or_404(Subject, body["subject_id"])
    if not user.has_role("deputy", "admin") and not teaches(session, user.id, school_class.id, body["subject_id"]):
        return api_error(403, "forbidden", _("You can plan tests only in the subjects and classes you teach."))
    year = current_year(session, school_id)
    if year is None or not year.starts_on <= body["date"] <= year.ends_on:
        return api_error(422, "validation_error", _("The date must lie within the school year %(year)s.",
                                                    year=year.title if year else ""), {"date": ["out of year"]})
    kinds = {w["code"] for w in plugin_settings("gradebook")["work_types"]}
    if body["kind"] not in kinds:
        return api_error(422, "validation_error", _("Unknown kind of work."), {"kind": sorted(kinds)})
    item = plan_assessment(session, school_id, class_id=school_class.id, subject_id=body["subject_id"],
                           subgroup_id=body["subgroup_id"], day=body["date"], number=body["number"], kind=body["kind"],
                           title=body["title"], actor_id=user.id)
    warnings = warnings_around(session, school_id, school_class.id, body["date"], plugin_settings("timetable"))
    session.commit()
    return jsonify({"assessment": _assessment(item, naming.Names(session, school_id)),
                    "warnings": [_warning(w) for w in warnings]}), 201


@bp.get("/workload")
@api_view("timetable.workload.view")
def workload() -> Any:
    """Hours a week of every class and teacher in the current timetable, with the limits."""
    session, school_id = db(), current_school_id()
    version = versioning.version_on(session, school_id, school_today())
    if version is None:
        return jsonify({"version": None, "classes": [], "teachers": []})
    s = plugin_settings("timetable")
    return jsonify({
        "version": {"id": version.id, "title": version.title, "valid_from": version.valid_from.isoformat(),
                    "valid_to": version.valid_to.isoformat()},
        "classes": [{"class_id": c.class_id, "name": c.name, "hours": c.hours, "limit": c.limit, "over": c.over,
                     "heavy_days": c.heavy_days} for c in class_loads(session, school_id, version.id, s)],
        "teachers": [{"teacher_id": t.teacher_id, "name": t.name, "hours": t.hours, "limit": t.limit, "over": t.over}
                     for t in teacher_loads(session, school_id, version.id, s["max_teacher_hours"])],
    })


__all__ = ["bp", "can"]
