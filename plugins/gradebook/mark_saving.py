"""Saving marks: create, update, delete, a whole grid cell at once, and undoing an audited change.

Every change is audited and announced through ``on_mark_saved``; a stale version is refused.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select, text
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from core.toolkit import (
    N_,
    ClassMembership,
    RevertConflict,
    SchoolClass,
    SubgroupMember,
    Term,
    audit,
    ensure_as_left,
    utcnow,
)
from plugins.gradebook.absence_rule import mark_clash
from plugins.gradebook.averages import Average, average_of, work_type_weights
from plugins.gradebook.editing import Editor, check_lesson
from plugins.gradebook.errors import MarkError, NotFound, VersionConflict
from plugins.gradebook.mark_parsing import parse_mark, parse_marks
from plugins.gradebook.models import Lesson, Mark

MARK_FIELDS = ("value", "numeric", "work_type", "comment")


def mark_state(mark: Mark) -> dict[str, Any]:
    """What the audit log and the API keep of a mark."""
    return {"id": mark.id, "lesson_id": mark.lesson_id, "student_id": mark.student_id, "value": mark.value,
            "numeric": mark.numeric, "work_type": mark.work_type, "comment": mark.comment,
            "version": mark.version}


def _attends(student_id: int) -> Any:
    """SQL: is the student in the lesson's class (on its date) and, for a subgroup lesson, in the group?"""
    in_class = exists().where(
        ClassMembership.class_id == Lesson.class_id, ClassMembership.student_id == student_id,
        ClassMembership.active_on(Lesson.date))
    in_group = or_(Lesson.subgroup_id.is_(None), exists().where(
        SubgroupMember.subgroup_id == Lesson.subgroup_id, SubgroupMember.student_id == student_id))
    return case((and_(in_class, in_group), 1), else_=0)


def check_marked_grade(session: Session, settings: Mapping[str, Any], lesson: Lesson, grade: int | None = None) -> None:
    """Grades taught without marks (first grade by default: безотметочное обучение) refuse every mark.

    ``grade`` is the lesson's class's grade when the caller read it already (``_cell`` does)."""
    if grade is None:
        grade = session.scalar(select(SchoolClass.grade_level).where(SchoolClass.id == lesson.class_id))
    if grade in settings.get("unmarked_grades", (1,)):
        raise MarkError(N_("Grade %(grade)d is taught without marks (the school's settings)."), grade=grade)


def _term_bound(column: Any, lesson: Any) -> Any:
    """SQL: the start (``Term.starts_on``) or end of the term holding ``lesson`` (its date when none does)."""
    return func.coalesce(select(column).join(SchoolClass, SchoolClass.year_id == Term.year_id).where(
        SchoolClass.id == lesson.class_id, Term.starts_on <= lesson.date, Term.ends_on >= lesson.date)
        .correlate(lesson).limit(1).scalar_subquery(), lesson.date)


@dataclass
class Cell:
    """What one statement reads before a save: the lesson, whether the student attends it, its class's
    grade, the student's marks at the lesson, and (``with_row``) the row's other marks in the term, so
    the row's new average needs no statement of its own."""

    lesson: Lesson
    student_id: int
    attends: bool
    grade: int | None
    marks: list[Mark]
    others: list[tuple[str, float | None, str]] = field(default_factory=list)


def _cell(session: Session, school_id: int, lesson_id: int, student_id: int, with_row: bool = False) -> Cell:
    other = aliased(Lesson)
    grade = select(SchoolClass.grade_level).where(SchoolClass.id == Lesson.class_id).scalar_subquery()
    if with_row:  # every mark of the row in the lesson's term: this lesson's and the others
        row_lessons = select(other.id).where(
            other.class_id == Lesson.class_id, other.subject_id == Lesson.subject_id,
            other.date >= _term_bound(Term.starts_on, Lesson), other.date <= _term_bound(Term.ends_on, Lesson))
        on = and_(Mark.student_id == student_id, Mark.lesson_id.in_(row_lessons))
    else:
        on = and_(Mark.lesson_id == Lesson.id, Mark.student_id == student_id)
    rows = session.execute(
        select(Lesson, _attends(student_id), grade, Mark).outerjoin(Mark, on)
        .where(Lesson.id == lesson_id, Lesson.school_id == school_id).order_by(Mark.id)
    ).all()
    if not rows:
        raise NotFound(N_("No such lesson."), field="lesson_id")
    lesson = rows[0][0]
    found = [r[3] for r in rows if r[3] is not None]
    return Cell(lesson, student_id, bool(rows[0][1]), rows[0][2], [m for m in found if m.lesson_id == lesson.id],
                [(m.value, m.numeric, m.work_type) for m in found if m.lesson_id != lesson.id])


def lock_cell(session: Session, lesson_id: int, student_id: int) -> None:
    """On PostgreSQL, hold the cell (a lesson, a student) until the transaction ends, BEFORE reading it.

    Why: a cell may hold several marks, so no unique key stops two saves that both ADD a mark to what they
    read (an empty cell, or "5" becoming "5 4" and "5 3" at once): both would land and the cell would read
    neither person's intent. Changing or deleting a mark needs no lock (its version guards the UPDATE), so
    only a save that adds marks pays this one statement. SQLite serializes writers itself."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:lesson, :student)"),
                        {"lesson": lesson_id, "student": student_id})


def cell_conflict(session: Session, school_id: int, lesson_id: int, student_id: int) -> VersionConflict:
    """The conflict of a cell saved by someone else at the same moment, read afresh (after a rollback)."""
    return _conflict(list(session.scalars(select(Mark).where(
        Mark.school_id == school_id, Mark.lesson_id == lesson_id, Mark.student_id == student_id).order_by(Mark.id))))


def _work_type(settings: Mapping[str, Any], code: str | None, lesson: Lesson) -> str:
    code = code or lesson.control_work_type or settings["default_work_type"]
    if code not in work_type_weights(settings):
        raise MarkError(N_("Unknown work type “%(code)s”."), field="work_type", code=code)
    return code


def _comment(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > 500:
        raise MarkError(N_("The comment is too long (at most 500 characters)."), field="comment")
    return text


def _check_absence(session: Session, settings: Mapping[str, Any], editor: Editor, lesson_id: int,
                   student_id: int) -> None:
    """A mark for a student marked absent: refused or kept with a warning, by the school's setting."""
    clash = mark_clash(session, settings, editor.hooks, lesson_id, student_id)
    if clash is not None:
        if clash.refused:
            raise clash.error()
        editor.warnings.append(clash)


def _audit_mark(session: Session, editor: Editor, action: str, mark_id: int, old: dict[str, Any] | None,
                new: dict[str, Any] | None) -> None:
    """A mark's entry holds its whole state before and after (``mark_state``: the log shows only what
    differs): the diary's sender reads these entries to tell the families (value, work type, comment,
    and the version that keys the message), so a save writes nothing else for them."""
    audit(session, school_id=editor.school_id, action=f"gradebook.mark.{action}", object_type="gradebook.mark",
          object_id=mark_id, old=old, new=new, actor_id=editor.user_id)


def _conflict(marks: Sequence[Mark]) -> VersionConflict:
    values = " ".join(m.value for m in marks) or "—"
    return VersionConflict(
        N_("Someone else has changed these marks meanwhile: now “%(value)s”. Your change was not saved; "
           "check and enter it again."), value=values, current=[mark_state(m) for m in marks])


def create_mark(session: Session, settings: Mapping[str, Any], editor: Editor, *, lesson_id: int,
                student_id: int, value: str, work_type: str | None = None, comment: str = "",
                expected_count: int | None = None) -> Mark:
    """Give a student one more mark at a lesson (two queries besides the audit entry).

    ``expected_count`` is how many marks the user saw in the cell: a different number means someone
    else wrote meanwhile, and the mark is refused rather than silently added next to theirs.
    """
    lock_cell(session, lesson_id, student_id)
    cell = _cell(session, editor.school_id, lesson_id, student_id)
    lesson, marks = cell.lesson, cell.marks
    check_lesson(session, settings, editor, lesson)
    if not cell.attends:
        raise MarkError(N_("This student does not attend this lesson."), field="student_id")
    if expected_count is not None and expected_count != len(marks):
        raise _conflict(marks)
    check_marked_grade(session, settings, lesson, cell.grade)
    parsed = parse_mark(value, settings)
    code = _work_type(settings, work_type, lesson)
    if len(marks) >= settings["max_marks_per_lesson"]:
        raise MarkError(N_("At most %(n)d marks per lesson."), n=settings["max_marks_per_lesson"])
    _check_absence(session, settings, editor, lesson.id, student_id)
    mark = Mark(school_id=editor.school_id, lesson_id=lesson.id, student_id=student_id, value=parsed.value,
                numeric=parsed.numeric, work_type=code, comment=_comment(comment), created_by=editor.user_id,
                updated_by=editor.user_id)
    session.add(mark)
    session.flush()
    state = mark_state(mark)
    _audit_mark(session, editor, "create", mark.id, None, state)
    editor.notify_mark(session, mark, "created", None, state)
    return mark


def _mark_with_lesson(session: Session, school_id: int, mark_id: int) -> tuple[Mark, Lesson]:
    row = session.execute(
        select(Mark, Lesson).join(Lesson, Lesson.id == Mark.lesson_id)
        .where(Mark.id == mark_id, Mark.school_id == school_id)
    ).one_or_none()
    if row is None:
        raise NotFound(N_("This mark no longer exists: someone has deleted it. Reload the page."))
    return row[0], row[1]


def _one_conflict(mark: Mark) -> VersionConflict:
    return VersionConflict(
        N_("Someone else has changed this mark meanwhile: now “%(value)s”. Your change was not saved; "
           "check and enter it again."), value=mark.value, current=mark_state(mark))


def _flush_or_conflict(session: Session) -> None:
    """Write; a row changed by someone else between our read and our write refuses the whole save.

    The session then needs a rollback (the API and the pages roll back on every refused change).
    """
    try:
        session.flush()
    except StaleDataError:
        raise VersionConflict(N_("Someone else has changed these marks at the same moment. Your change was "
                                 "not saved; reload the page.")) from None


def _apply(session: Session, mark: Mark, values: Mapping[str, Any], editor: Editor) -> tuple[dict, dict]:
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for name in MARK_FIELDS:
        if name in values and getattr(mark, name) != values[name]:
            old[name], new[name] = getattr(mark, name), values[name]
            setattr(mark, name, values[name])
    if new:
        mark.updated_by, mark.updated_at = editor.user_id, utcnow()
    return old, new


def update_mark(session: Session, settings: Mapping[str, Any], editor: Editor, mark_id: int, *, version: int,
                value: str | None = None, work_type: str | None = None, comment: str | None = None) -> Mark:
    """Change a mark the user saw at ``version`` (two queries besides the audit entry).

    The UPDATE itself names the version too, so two teachers saving at the same moment cannot both win.
    """
    mark, lesson = _mark_with_lesson(session, editor.school_id, mark_id)
    check_lesson(session, settings, editor, lesson)
    if version != mark.version:
        raise _one_conflict(mark)
    values: dict[str, Any] = {}
    if value is not None:
        check_marked_grade(session, settings, lesson)
        parsed = parse_mark(value, settings)
        values.update(value=parsed.value, numeric=parsed.numeric)
    if work_type is not None:
        values["work_type"] = _work_type(settings, work_type, lesson)
    if comment is not None:
        values["comment"] = _comment(comment)
    before = mark_state(mark)
    _old, new = _apply(session, mark, values, editor)
    if not new:
        return mark
    _flush_or_conflict(session)
    after = mark_state(mark)
    _audit_mark(session, editor, "update", mark.id, before, after)
    editor.notify_mark(session, mark, "changed", before, after)
    return mark


def delete_mark(session: Session, settings: Mapping[str, Any], editor: Editor, mark_id: int, *,
                version: int) -> dict[str, Any]:
    """Remove a mark the user saw at ``version``; returns what it was (kept in the audit log)."""
    mark, lesson = _mark_with_lesson(session, editor.school_id, mark_id)
    check_lesson(session, settings, editor, lesson)
    if version != mark.version:
        raise _one_conflict(mark)
    old = mark_state(mark)
    session.delete(mark)
    _flush_or_conflict(session)
    _audit_mark(session, editor, "delete", old["id"], old, None)
    editor.notify_mark(session, mark, "deleted", old, None)
    return old


def save_mark(session: Session, settings: Mapping[str, Any], editor: Editor, *, mark_id: int | None = None,
              version: int | None = None, **values: Any) -> Mark:
    """Create (no ``mark_id``) or update a mark: the one entry point for callers that do both."""
    if mark_id is None:
        return create_mark(session, settings, editor, **values)
    if version is None:
        raise MarkError(N_("The version of the mark is missing."), field="version")
    return update_mark(session, settings, editor, mark_id, version=version, **values)


def set_cell(session: Session, settings: Mapping[str, Any], editor: Editor, *, lesson_id: int, student_id: int,
             values: Sequence[str] | None = None, known: Sequence[tuple[int, int]], work_type: str | None = None,
             text: str | None = None) -> list[Mark]:
    """Make a student's marks at a lesson read ``text`` (what the teacher typed into the grid cell, read by
    ``mark_parsing.parse_marks``) or ``values`` (one mark each).

    ``known`` is the (id, version) of each mark the user saw in the cell: if the cell has changed since,
    nothing is saved and ``VersionConflict`` carries the current marks. Marks are matched by position:
    a changed value updates the mark (keeping its work type and comment), an extra value adds a mark,
    a missing one deletes it. Every value is checked before anything is written.
    """
    _lock_if_adding(session, settings, lesson_id, student_id, values, text, known)
    return _set_cell(session, settings, editor, _cell(session, editor.school_id, lesson_id, student_id),
                     values=values, known=known, work_type=work_type, text=text)


def set_cell_with_average(session: Session, settings: Mapping[str, Any], editor: Editor, *, lesson_id: int,
                          student_id: int, values: Sequence[str] | None = None, known: Sequence[tuple[int, int]],
                          work_type: str | None = None, text: str | None = None) -> tuple[list[Mark], Average]:
    """``set_cell``, and the row's average over the lesson's term afterwards (what the grid shows next
    to the cell), read by the same statement as the cell: the grid's save costs no extra query for it."""
    _lock_if_adding(session, settings, lesson_id, student_id, values, text, known)
    cell = _cell(session, editor.school_id, lesson_id, student_id, with_row=True)
    marks = _set_cell(session, settings, editor, cell, values=values, known=known, work_type=work_type, text=text)
    return marks, average_of([*cell.others, *((m.value, m.numeric, m.work_type) for m in marks)], settings)


def _lock_if_adding(session: Session, settings: Mapping[str, Any], lesson_id: int, student_id: int,
                    values: Sequence[str] | None, text: str | None, known: Sequence[tuple[int, int]]) -> None:
    """``lock_cell`` when the save would add marks to the cell the client saw (the unguarded case)."""
    try:
        wanted = len(parse_marks(text, settings)) if text is not None else len(values or ())
    except MarkError:
        return  # refused below, before anything is written
    if wanted > len(known):
        lock_cell(session, lesson_id, student_id)


def _set_cell(session: Session, settings: Mapping[str, Any], editor: Editor, cell: Cell, *,
              values: Sequence[str] | None, known: Sequence[tuple[int, int]], work_type: str | None,
              text: str | None) -> list[Mark]:
    lesson, attends, marks, student_id = cell.lesson, cell.attends, cell.marks, cell.student_id
    check_lesson(session, settings, editor, lesson)
    if not attends:
        raise MarkError(N_("This student does not attend this lesson."), field="student_id")
    if [(m.id, m.version) for m in marks] != [(int(i), int(v)) for i, v in known]:
        raise _conflict(marks)
    parsed = parse_marks(text, settings) if text is not None else [parse_mark(v, settings) for v in values or ()]
    if parsed:
        check_marked_grade(session, settings, lesson, cell.grade)
    if len(parsed) > settings["max_marks_per_lesson"]:
        raise MarkError(N_("At most %(n)d marks per lesson."), n=settings["max_marks_per_lesson"])
    if parsed and [p.value for p in parsed] != [m.value for m in marks]:
        _check_absence(session, settings, editor, lesson.id, student_id)
    code = _work_type(settings, work_type, lesson) if len(parsed) > len(marks) else None
    changes: list[tuple[str, Mark, dict[str, Any] | None, dict[str, Any] | None]] = []
    before: dict[int, dict[str, Any]] = {}  # mark id -> its full state before this save (for the hook)
    for i, p in enumerate(parsed):
        if i < len(marks):
            before[marks[i].id] = mark_state(marks[i])
            old, new = _apply(session, marks[i], {"value": p.value, "numeric": p.numeric}, editor)
            if new:
                changes.append(("update", marks[i], old, new))
        else:
            mark = Mark(school_id=editor.school_id, lesson_id=lesson.id, student_id=student_id, value=p.value,
                        numeric=p.numeric, work_type=code, comment="", created_by=editor.user_id,
                        updated_by=editor.user_id)
            session.add(mark)
            changes.append(("create", mark, None, None))
    for mark in marks[len(parsed):]:
        changes.append(("delete", mark, mark_state(mark), None))
        session.delete(mark)
    if not changes:
        return marks
    _flush_or_conflict(session)
    for action, mark, old, _new in changes:
        if action == "create":
            _audit_mark(session, editor, "create", mark.id, None, mark_state(mark))
            editor.notify_mark(session, mark, "created", None, mark_state(mark))
        elif action == "update":
            _audit_mark(session, editor, "update", mark.id, before[mark.id], mark_state(mark))
            editor.notify_mark(session, mark, "changed", before[mark.id], mark_state(mark))
        else:
            _audit_mark(session, editor, "delete", mark.id, old, None)
            editor.notify_mark(session, mark, "deleted", old, None)
    return [m for m in marks[:len(parsed)]] + [m for a, m, _o, _n in changes if a == "create"]


def revert_mark(session: Session, entry: Any, hooks: Any = None) -> dict[str, Any]:
    """Undo one audited change of a mark (a leaked account's operation declared invalid), only while the
    mark is still exactly as the entry left it (``RevertConflict`` otherwise: a person decides)."""
    mark = session.get(Mark, int(entry.object_id))
    if mark is not None and mark.school_id != entry.school_id:
        return {}
    identity = ("lesson_id", "student_id")
    action = entry.action.rsplit(".", 1)[-1]
    if action == "create":
        # The created row itself: same id, same student and lesson, same values (not merely the id).
        ensure_as_left(entry, mark_state(mark) if mark is not None else None, (*identity, *MARK_FIELDS))
        assert mark is not None
        old = mark_state(mark)
        session.delete(mark)
        session.flush()
        if hooks is not None:
            hooks.on_mark_saved(session=session, mark=mark, action="reverted", old=old, new=None, actor_id=None)
        return {"deleted": True, **{k: old[k] for k in (*identity, "value")}}
    if action == "update":
        ensure_as_left(entry, mark_state(mark) if mark is not None else None,
                       [k for k in (*identity, *MARK_FIELDS) if k in (entry.new or {})])
        assert mark is not None
        # What the entry changed (it holds the whole state before and after; older entries only the change).
        after = entry.new or {}
        restored = {k: v for k, v in (entry.old or {}).items() if k in MARK_FIELDS and after.get(k) != v}
        previous = mark_state(mark)
        for name, value in restored.items():
            setattr(mark, name, value)
        mark.updated_at = utcnow()
        session.flush()
        if hooks is not None:
            hooks.on_mark_saved(session=session, mark=mark, action="reverted", old=previous,
                               new=mark_state(mark), actor_id=None)
        return restored
    if action == "delete":
        if mark is not None:
            raise RevertConflict(mark_state(mark), None, reason="exists")
        old = entry.old or {}
        mark = Mark(id=int(entry.object_id), school_id=entry.school_id, lesson_id=old["lesson_id"],
                    student_id=old["student_id"], value=old["value"], numeric=old.get("numeric"),
                    work_type=old["work_type"], comment=old.get("comment", ""))
        session.add(mark)
        session.flush()
        if hooks is not None:
            hooks.on_mark_saved(session=session, mark=mark, action="reverted", old=None, new=mark_state(mark),
                               actor_id=None)
        return {k: old.get(k) for k in ("lesson_id", "student_id", *MARK_FIELDS)}
    return {}
