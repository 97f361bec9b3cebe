"""The gradebook's API under /api/v1/gradebook: lessons, marks, the journal grid, final marks, explanations.

Same permissions and object checks as the pages. Errors: 422 with the fields at fault, 403 for a refused
change (another teacher's lesson, the edit window), 404, and 409 with ``current`` when someone else
changed the object since the client read it.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, jsonify, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    AcademicYear,
    SchoolClass,
    Subject,
    User,
    acting_user,
    api_view,
    current_school_id,
    db,
    get_owned_or_404,
)
from plugins.gradebook import (
    access,
    averages,
    explanations,
    finals,
    journal_grid,
    lesson_editing,
    mark_saving,
)
from plugins.gradebook.errors import VersionConflict
from plugins.gradebook.models import FinalMark, Homework, HomeworkFile, Lesson, Mark
from plugins.gradebook.schemas import (
    CellResultSchema,
    CellSchema,
    ExplainQuerySchema,
    ExplanationSchema,
    FinalMarkSchema,
    FinalQuerySchema,
    FinalSetSchema,
    JournalQuerySchema,
    LessonCreateSchema,
    LessonQuerySchema,
    LessonSchema,
    LessonUpdateSchema,
    MarkCreateSchema,
    MarkDeleteQuerySchema,
    MarkQuerySchema,
    MarkSavedSchema,
    MarkSchema,
    MarkUpdateSchema,
)

bp = Blueprint("gradebook_api", __name__, url_prefix="/api/v1/gradebook")


def _conflict_with_row(exc: VersionConflict, row: tuple[int, int] | None) -> VersionConflict:
    """A conflict's JSON answer also carries ``current`` and the journal row's current average and
    forecast (``row``: lesson id, student id), so the page showing the other person's marks shows the
    matching numbers too. Rolled back first: the numbers are the saved ones."""
    session = db()
    session.rollback()
    if exc.current is None and row is not None:  # lost at the write itself: what the winner saved
        exc = mark_saving.cell_conflict(session, current_school_id(), *row)
    exc.extra = {"current": exc.current}
    lesson = session.get(Lesson, row[0]) if row is not None else None
    if lesson is not None and row is not None:
        exc.extra.update(explanations.row_average(session, access.settings(), lesson, row[1]).as_json())
    return exc


def _lesson_json(lesson: Lesson, homework: Homework | None = None, files: list[Any] | None = None) -> dict[str, Any]:
    return {
        "id": lesson.id, "class_id": lesson.class_id, "subgroup_id": lesson.subgroup_id,
        "subject_id": lesson.subject_id, "teacher_id": lesson.teacher_id, "date": lesson.date,
        "number": lesson.number, "topic": lesson.topic, "summary": lesson.summary,
        "control_work_type": lesson.control_work_type, "version": lesson.version,
        "homework": homework.text if homework else None, "due_date": homework.due_date if homework else None,
        "files": [{"id": f.id, "filename": f.filename, "size": f.size,
                   "url": url_for("gradebook.homework_file", file_id=f.id)} for f in files or []],
    }


def _staff_lesson(lesson_id: int) -> Lesson:
    session = db()
    lesson = session.get(Lesson, lesson_id)
    if lesson is None or lesson.school_id != current_school_id() or not access.may_see_lesson(session, lesson):
        abort(404)
    return lesson


# --- lessons -----------------------------------------------------------------------------------------------

@bp.get("/lessons")
@api_view("gradebook.journal.view", query=LessonQuerySchema, response=LessonSchema, many=True)
def lessons(query: dict[str, Any]) -> Any:
    """Lessons of a class (or subgroup) in a subject between two dates (default: the class's year)."""
    session = db()
    school_class = get_owned_or_404(SchoolClass, query["class_id"])
    if not access.may_view_class(session, school_class.id, query["subject_id"]):
        abort(403)
    year = session.get(AcademicYear, school_class.year_id)
    start: date = query["date_from"] or year.starts_on  # type: ignore[union-attr]
    end: date = query["date_to"] or year.ends_on  # type: ignore[union-attr]
    statement = (
        select(Lesson, Homework).outerjoin(Homework, Homework.lesson_id == Lesson.id)
        .where(Lesson.class_id == school_class.id, Lesson.subject_id == query["subject_id"], Lesson.date >= start,
               Lesson.date <= end)
        .order_by(Lesson.date, Lesson.number)
    )
    if query["subgroup_id"]:
        statement = statement.where((Lesson.subgroup_id == query["subgroup_id"]) | Lesson.subgroup_id.is_(None))
    return [_lesson_json(lesson, homework) for lesson, homework in session.execute(statement)]


@bp.post("/lessons")
@api_view("gradebook.journal.edit", body=LessonCreateSchema, response=LessonSchema)
def create_lesson(body: dict[str, Any]) -> Any:
    """Add a lesson of one's own class and subject, with its topic and homework."""
    session = db()
    lesson = lesson_editing.create_lesson(session, access.settings(), access.editor(), **body)
    session.commit()
    homework = session.scalar(select(Homework).where(Homework.lesson_id == lesson.id))
    return jsonify(LessonSchema().dump(_lesson_json(lesson, homework))), 201


@bp.get("/lessons/<int:lesson_id>")
@api_view("gradebook.journal.view", response=LessonSchema)
def lesson(lesson_id: int) -> Any:
    """One lesson with its homework and attachments."""
    session = db()
    item = _staff_lesson(lesson_id)
    homework = session.scalar(select(Homework).where(Homework.lesson_id == item.id))
    files = list(session.scalars(select(HomeworkFile).where(HomeworkFile.homework_id == homework.id))) \
        if homework else []
    return _lesson_json(item, homework, files)


@bp.patch("/lessons/<int:lesson_id>")
@api_view("gradebook.journal.edit", body=LessonUpdateSchema, response=LessonSchema)
def update_lesson(lesson_id: int, body: dict[str, Any]) -> Any:
    """Change a lesson's topic, summary, homework, date or number (only the fields sent)."""
    session = db()
    item = lesson_editing.update_lesson(session, access.settings(), access.editor(), lesson_id, **body)
    session.commit()
    homework = session.scalar(select(Homework).where(Homework.lesson_id == item.id))
    return _lesson_json(item, homework)


# --- marks -------------------------------------------------------------------------------------------------

def _journal_ctx(class_id: int, subject_id: int, term_id: int, subgroup_id: int | None) -> journal_grid.JournalOpening:
    opening = journal_grid.open_journal(db(), current_school_id(), acting_user().id, class_id, subject_id, term_id,
                                    subgroup_id)
    if opening is None:
        abort(404)
    ctx = opening.context
    if not (access.views_all() or access.leads(ctx.class_id) or ctx.assigned or ctx.teaches_lessons):
        abort(403)
    return opening


@bp.get("/journal")
@api_view("gradebook.journal.view", query=JournalQuerySchema)
def journal(query: dict[str, Any]) -> Any:
    """The journal grid's data: lessons, students, marks by cell, averages, forecasts, other plugins' cells."""
    from plugins.gradebook.journal_page import journal_data

    ctx = _journal_ctx(query["class_id"], query["subject_id"], query["term_id"], query["subgroup_id"])
    settings = access.settings()
    grid = journal_grid.load_journal(db(), settings, access.editor(), ctx)
    return jsonify(journal_data(grid, settings))


@bp.get("/marks")
@api_view("gradebook.journal.view", query=MarkQuerySchema, response=MarkSchema, many=True)
def marks(query: dict[str, Any]) -> Any:
    """Marks of one lesson, or of a whole journal (class, subject, term)."""
    session = db()
    if query["lesson_id"] is not None:
        item = _staff_lesson(query["lesson_id"])
        return list(session.scalars(select(Mark).where(Mark.lesson_id == item.id).order_by(Mark.student_id, Mark.id)))
    ctx = _journal_ctx(query["class_id"], query["subject_id"], query["term_id"], query["subgroup_id"])
    grid = journal_grid.load_journal(session, access.settings(), access.editor(), ctx)
    return [{"id": m[0], "lesson_id": lid, "student_id": sid, "value": m[1], "numeric": m[2], "work_type": m[3],
             "version": m[4], "comment": m[5]} for (sid, lid), cell in grid.marks.items() for m in cell]


@bp.post("/marks")
@api_view("gradebook.journal.edit", body=MarkCreateSchema, response=MarkSchema)
def create_mark(body: dict[str, Any]) -> Any:
    """Give a student a mark at a lesson (one more if they have some)."""
    session = db()
    ed = access.editor()
    mark = mark_saving.create_mark(session, access.settings(), ed, **body)
    session.commit()
    return jsonify({**MarkSchema().dump(mark), "warnings": access.warnings(ed)}), 201


@bp.patch("/marks/<int:mark_id>")
@api_view("gradebook.journal.edit", body=MarkUpdateSchema, response=MarkSavedSchema)
def update_mark(mark_id: int, body: dict[str, Any]) -> Any:
    """Change a mark's value, work type or comment; ``version`` is the one the client read (else 409).

    The answer carries the row's new ``average``, ``average_text`` and ``forecast`` (a work type changes
    the weight), so the journal page never computes one."""
    session = db()
    settings = access.settings()
    try:
        mark = mark_saving.update_mark(session, settings, access.editor(), mark_id, **body)
        row = explanations.row_average(session, settings, session.get(Lesson, mark.lesson_id), mark.student_id)
    except VersionConflict as exc:
        current = exc.current
        raise _conflict_with_row(exc, (current["lesson_id"], current["student_id"])
                                 if isinstance(current, dict) else None) from None
    session.commit()
    return {**MarkSchema().dump(mark), **row.as_json()}


@bp.delete("/marks/<int:mark_id>")
@api_view("gradebook.journal.edit", query=MarkDeleteQuerySchema)
def delete_mark(mark_id: int, query: dict[str, Any]) -> Any:
    """Delete a mark; ``?version=`` is the one the client read (else 409)."""
    session = db()
    mark_saving.delete_mark(session, access.settings(), access.editor(), mark_id, version=query["version"])
    session.commit()
    return "", 204


@bp.put("/cells")
@api_view("gradebook.journal.edit", body=CellSchema, response=CellResultSchema)
def cell(body: dict[str, Any]) -> Any:
    """Make a student's marks at a lesson read ``values`` (the journal grid's save); 409 with ``current``
    when the cell changed since the client read it. The answer carries the row's new ``average``,
    ``average_text`` and ``forecast`` (``Average.as_json()``): the page shows them, it never computes one."""
    session = db()
    settings = access.settings()
    ed = access.editor()
    try:
        result, row = mark_saving.set_cell_with_average(
            session, settings, ed, lesson_id=body["lesson_id"], student_id=body["student_id"], values=body["values"],
            text=body["text"], known=[tuple(k) for k in body["known"]], work_type=body["work_type"])
    except VersionConflict as exc:
        raise _conflict_with_row(exc, (body["lesson_id"], body["student_id"])) from None
    session.commit()
    return {"marks": result, **row.as_json(), "warnings": access.warnings(ed)}


# --- final marks -------------------------------------------------------------------------------------------

@bp.get("/final-marks")
@api_view("gradebook.journal.view", query=FinalQuerySchema, response=FinalMarkSchema, many=True)
def final_marks(query: dict[str, Any]) -> Any:
    """Final marks of a class and subject: every period, one term (``period=term&term_id=``) or the year."""
    session = db()
    school_class = session.get(SchoolClass, query["class_id"])
    if school_class is None or school_class.school_id != current_school_id():
        abort(404)
    if not access.may_view_class(session, school_class.id, query["subject_id"]):
        abort(403)
    statement = select(FinalMark).where(FinalMark.class_id == school_class.id,
                                        FinalMark.subject_id == query["subject_id"])
    if query["period"] == "year":
        statement = statement.where(FinalMark.term_id.is_(None))
    elif query["period"] == "term" or query["term_id"]:
        statement = statement.where(FinalMark.term_id == query["term_id"])
    return list(session.scalars(statement.order_by(FinalMark.student_id, FinalMark.term_id)))


@bp.put("/final-marks")
@api_view("gradebook.final.edit", body=FinalSetSchema, response=FinalMarkSchema)
def set_final_mark(body: dict[str, Any]) -> Any:
    """Set, change or (with an empty value) remove a term's or the year's final mark."""
    session = db()
    final = finals.set_final_mark(session, access.settings(), access.editor(), **body)
    session.commit()
    if final is None:
        return "", 204
    return final


# --- how was this computed ---------------------------------------------------------------------------------

@bp.get("/explain")
@api_view("gradebook.average.explain", query=ExplainQuerySchema, response=ExplanationSchema)
def explain(query: dict[str, Any]) -> Any:
    """How a student's average and forecast in a subject were computed (for a term, or the year)."""
    from plugins.gradebook.student_pages import explain_for

    session = db()
    student = get_owned_or_404(User, query["student_id"])
    subject = get_owned_or_404(Subject, query["subject_id"])
    school_id = current_school_id()
    e, _term, _class = explain_for(session, school_id, student, subject, query["term_id"], query["class_id"])
    formula = ""
    if e.average.value is not None:
        forecast_label = _("forecast")  # outside the f-string, where Babel's extractor finds it
        formula = (f"({e.sum_text()}) / ({e.weight_text()}) = {averages.format_number(e.shown)}; "
                   f"{forecast_label}: {e.forecast}")
    return {"kind": e.kind, "marks": e.marks, "term_finals": e.term_finals, "weighted_sum": e.average.weighted_sum,
            "total_weight": e.average.total_weight, "average": e.shown, "forecast": e.forecast, "final": e.final,
            "rule": e.rule, "formula": formula}
