"""The journal's rules: what a mark may be, who may change it and when, the weighted average, the
forecast and the final mark, the journal grid's data, and "how was this computed".

Plain functions over a ``Session`` and the plugin's settings, no Flask: the journal page, the API, the
diary and the reports all go through these, so a parent and the deputy always see the same number.
Messages are English msgids marked with ``N_``; the caller translates ``error.message % error.params``.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Date, and_, bindparam, case, exists, func, null, or_, select, true
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from core.api import (
    ClassMembership,
    SchoolClass,
    Subgroup,
    SubgroupMember,
    Subject,
    TeachingAssignment,
    Term,
    User,
    audit,
    utcnow,
)
from plugins.gradebook.journal import Journal, JournalExtra, JournalLesson, JournalStudent
from plugins.gradebook.models import FinalMark, Homework, HomeworkFile, Lesson, LessonPlanItem, Mark


def N_(message: str) -> str:
    """Mark a msgid for extraction (Babel's default keyword); translated where it is shown."""
    return message


# --- errors -----------------------------------------------------------------------------------------

class GradebookError(Exception):
    """A refused change: ``message`` is a msgid, ``params`` its values, ``field`` the input at fault.

    ``status`` and ``code`` are what the API answers (422 invalid, 403 refused, 404, 409 conflict).
    """

    status = 422
    code = "validation_error"

    def __init__(self, message: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message, self.params, self.field = message, params, field


class MarkError(GradebookError, ValueError):
    """A value refused for the journal (outside the scale, unknown work type, too many marks...)."""

    def __init__(self, message: str, *, field: str | None = "value", **params: Any) -> None:
        super().__init__(message, field=field, **params)


class EditRefused(GradebookError):
    """The user may not make this change (another teacher's lesson, the edit window is over...)."""

    status = 403
    code = "forbidden"


class NotFound(GradebookError):
    status = 404
    code = "not_found"


class VersionConflict(GradebookError):
    """Someone else changed the object since the user loaded it; ``current`` is what it is now."""

    status = 409
    code = "conflict"

    def __init__(self, message: str, *, current: Any = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.current = current


# --- marks: values, weights, averages, forecasts -----------------------------------------------------

@dataclass(frozen=True)
class ParsedMark:
    value: str  # normalised as shown in the journal: "5", "4-", "н/а"
    numeric: float | None  # None for special codes


def parse_mark(raw: str, settings: Mapping[str, Any]) -> ParsedMark:
    """Read what a teacher typed into a cell, on the school's scale, or raise ``MarkError``."""
    text = (raw or "").strip().lower().replace(" ", "")
    if not text:
        raise MarkError(N_("Enter a mark."))
    for special in settings["special_codes"]:
        if text == special["code"].lower():
            return ParsedMark(special["code"], None)
    sign = ""
    if text[-1] in "+-−":
        sign, text = ("+" if text[-1] == "+" else "-"), text[:-1]
        if not settings["plus_minus"]:
            raise MarkError(N_("This school does not use + and − with marks."))
    if not text.isdigit():
        raise MarkError(N_("“%(value)s” is not a mark. Allowed: %(low)d–%(high)d or %(codes)s."),
                        value=raw.strip(), low=settings["scale_min"], high=settings["scale_max"],
                        codes=", ".join(s["code"] for s in settings["special_codes"]))
    number = int(text)
    low, high = settings["scale_min"], settings["scale_max"]
    if not low <= number <= high:
        raise MarkError(N_("The mark must be from %(low)d to %(high)d."), low=low, high=high)
    if (sign == "+" and number == high) or (sign == "-" and number == low):
        raise MarkError(N_("The mark must be from %(low)d to %(high)d."), low=low, high=high)
    delta = settings["plus_minus_delta"]
    numeric = number + (delta if sign == "+" else -delta if sign == "-" else 0.0)
    return ParsedMark(f"{number}{sign}", numeric)


def parse_final_mark(raw: str, settings: Mapping[str, Any]) -> ParsedMark:
    """A final mark is a whole mark on the scale or a special code ("н/а", "осв", "зач")."""
    parsed = parse_mark(raw, settings)
    if parsed.numeric is not None and parsed.value[-1] in "+-":
        raise MarkError(N_("A final mark is a whole mark, without + or −."))
    return parsed


def work_type_weights(settings: Mapping[str, Any]) -> dict[str, float]:
    return {w["code"]: w["weight"] for w in settings["work_types"]}


def work_type_titles(settings: Mapping[str, Any]) -> dict[str, str]:
    return {w["code"]: w["title"] for w in settings["work_types"]}


@dataclass(frozen=True)
class AverageTerm:
    """One mark's part in an average, for the "how was this computed" view."""

    value: str
    numeric: float
    work_type: str
    weight: float


@dataclass(frozen=True)
class Average:
    value: float | None
    terms: tuple[AverageTerm, ...]

    @property
    def weighted_sum(self) -> float:
        return math.fsum(t.numeric * t.weight for t in self.terms)

    @property
    def total_weight(self) -> float:
        return math.fsum(t.weight for t in self.terms)

    @property
    def shown(self) -> float | None:
        """The average as every page shows it (two decimals); forecasts are taken from this number."""
        return shown_average(self.value)


def weighted_average(marks: Iterable[tuple[str, float | None, str]], weights: Mapping[str, float]) -> Average:
    """Σ(mark·weight)/Σ(weight) over (value, numeric, work_type); special codes are left out.

    An unknown work type (removed from the settings after marks were given) counts with weight 1, so
    old marks never silently drop out of an average.
    """
    terms = tuple(
        AverageTerm(value, numeric, work_type, weights.get(work_type, 1.0))
        for value, numeric, work_type in marks
        if numeric is not None
    )
    total = math.fsum(t.weight for t in terms)
    if not total:
        return Average(None, terms)
    # fsum: the exactly rounded sum, whatever order the marks come in (the grid reads them unsorted).
    return Average(math.fsum(t.numeric * t.weight for t in terms) / total, terms)


def shown_average(value: float | None) -> float | None:
    """Two decimals: a parent who sees 4,64 must never get the forecast of 4,65 (or the reverse)."""
    return None if value is None else round(value, 2)


def round_half_up(value: float) -> int:
    return int(math.floor(value + 0.5))


def forecast_mark(average: float | None, settings: Mapping[str, Any]) -> int | None:
    """The final mark an average leads to, by the school's rounding rule (thresholds or standard).

    Pass the shown average (``Average.shown``) so the forecast agrees with the number on the page.
    """
    if average is None:
        return None
    low, high = settings["scale_min"], settings["scale_max"]
    if settings["rounding"] == "standard":
        return max(low, min(high, round_half_up(average)))
    for mark, threshold in sorted(((int(m), t) for m, t in settings["thresholds"].items()), reverse=True):
        if average >= threshold - 1e-9:
            return mark
    # Below every threshold: the mark under the lowest one (2 with the default 2.65 for a 3).
    lowest = min((int(m) for m in settings["thresholds"]), default=low + 1)
    return max(low, lowest - 1)


def rounding_rule_text(settings: Mapping[str, Any]) -> str:
    """The rule in words for the explanation view (Russian: it is the school's regulation text)."""
    if settings["rounding"] == "standard":
        return "округление по правилам арифметики (0,5 и выше — вверх)"
    parts = [f"≥ {t:.2f} → {m}".replace(".", ",")
             for m, t in sorted(settings["thresholds"].items(), key=lambda kv: -kv[1])]
    return "пороги: " + "; ".join(parts)


def format_number(value: float | None, digits: int = 2) -> str:
    """4.5 -> "4,50": Russian decimal comma, as the journal and the explanation print numbers."""
    if value is None:
        return "—"
    return f"{value:.{digits}f}".replace(".", ",")


def format_weight(value: float) -> str:
    return (f"{value:g}").replace(".", ",")


# --- who is changing the journal --------------------------------------------------------------------

@dataclass(frozen=True)
class Editor:
    """Who makes a change and what their permissions allow; the view builds it (``can()`` is Flask's).

    ``today`` is the school's local date; ``hooks`` is the app's hook relay (``lesson_editors``,
    ``on_mark_saved``, ``on_homework_saved``, ``extra_journal_columns``), None outside an app.
    """

    user_id: int | None  # None: a command run by the administrator (CLI), audited without an actor
    school_id: int
    today: date
    may_edit: bool = False  # gradebook.journal.edit: own lessons, inside the edit window
    may_edit_any: bool = False  # gradebook.journal.edit_any: any lesson, any time
    may_final: bool = False  # gradebook.final.edit: own subjects, until the term is locked
    may_final_override: bool = False  # gradebook.final.override: any class, also after the lock
    hooks: Any = None

    def substitutes(self, session: Session, lesson: Lesson) -> bool:
        """Does a plugin (timetable: a substitution) let this user fill ``lesson`` too?"""
        if self.hooks is None:
            return False
        return any(self.user_id in (ids or ()) for ids in self.hooks.lesson_editors(session=session, lesson=lesson))

    def notify_mark(self, session: Session, mark: Mark, old: dict[str, Any] | None) -> None:
        if self.hooks is not None:
            self.hooks.on_mark_saved(session=session, mark=mark, old=old, actor_id=self.user_id)


def lesson_refusal(session: Session, settings: Mapping[str, Any], editor: Editor, lesson: Lesson,
                   *, for_marks: bool = True) -> GradebookError | None:
    """Why ``editor`` may not change this lesson (its marks when ``for_marks``), or None when they may.

    Marks: only at or after the lesson, within ``edit_window_days`` of it, by its teacher or a user the
    ``lesson_editors`` hook names; ``gradebook.journal.edit_any`` lifts the teacher and window rules.
    Topic and homework: by the same people, at any time.
    """
    if for_marks and lesson.date > editor.today:
        return EditRefused(N_("The lesson has not taken place yet: marks are given on the day of the lesson "
                              "or later."))
    if editor.may_edit_any:
        return None
    if not editor.may_edit:
        return EditRefused(N_("You may view this journal but not change it."))
    if lesson.teacher_id != editor.user_id and not editor.substitutes(session, lesson):
        return EditRefused(N_("Only the teacher of this lesson (or the substitute) may change it."))
    if for_marks:
        window = settings["edit_window_days"]
        if (editor.today - lesson.date).days > window:
            return EditRefused(
                N_("Marks may be changed within %(days)d days after the lesson; this lesson was on %(date)s. "
                   "Ask the deputy principal to correct it."),
                days=window, date=lesson.date.strftime("%d.%m.%Y"))
    return None


def check_lesson(session: Session, settings: Mapping[str, Any], editor: Editor, lesson: Lesson,
                 *, for_marks: bool = True) -> None:
    refusal = lesson_refusal(session, settings, editor, lesson, for_marks=for_marks)
    if refusal is not None:
        raise refusal


# --- saving marks -----------------------------------------------------------------------------------

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
        ClassMembership.starts_on <= Lesson.date,
        or_(ClassMembership.ends_on.is_(None), ClassMembership.ends_on >= Lesson.date))
    in_group = or_(Lesson.subgroup_id.is_(None), exists().where(
        SubgroupMember.subgroup_id == Lesson.subgroup_id, SubgroupMember.student_id == student_id))
    return case((and_(in_class, in_group), 1), else_=0)


def _cell(session: Session, school_id: int, lesson_id: int, student_id: int) -> tuple[Lesson, bool, list[Mark]]:
    """The lesson, whether the student attends it, and the student's marks in it: one query."""
    rows = session.execute(
        select(Lesson, _attends(student_id), Mark)
        .outerjoin(Mark, and_(Mark.lesson_id == Lesson.id, Mark.student_id == student_id))
        .where(Lesson.id == lesson_id, Lesson.school_id == school_id)
        .order_by(Mark.id)
    ).all()
    if not rows:
        raise NotFound(N_("No such lesson."), field="lesson_id")
    return rows[0][0], bool(rows[0][1]), [r[2] for r in rows if r[2] is not None]


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


def _audit_mark(session: Session, editor: Editor, action: str, mark_id: int, old: dict[str, Any] | None,
                new: dict[str, Any] | None) -> None:
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
    lesson, attends, marks = _cell(session, editor.school_id, lesson_id, student_id)
    check_lesson(session, settings, editor, lesson)
    if not attends:
        raise MarkError(N_("This student does not attend this lesson."), field="student_id")
    if expected_count is not None and expected_count != len(marks):
        raise _conflict(marks)
    parsed = parse_mark(value, settings)
    code = _work_type(settings, work_type, lesson)
    if len(marks) >= settings["max_marks_per_lesson"]:
        raise MarkError(N_("At most %(n)d marks per lesson."), n=settings["max_marks_per_lesson"])
    mark = Mark(school_id=editor.school_id, lesson_id=lesson.id, student_id=student_id, value=parsed.value,
                numeric=parsed.numeric, work_type=code, comment=_comment(comment), created_by=editor.user_id,
                updated_by=editor.user_id)
    session.add(mark)
    session.flush()
    state = mark_state(mark)
    _audit_mark(session, editor, "create", mark.id, None, state)
    editor.notify_mark(session, mark, None)
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
        parsed = parse_mark(value, settings)
        values.update(value=parsed.value, numeric=parsed.numeric)
    if work_type is not None:
        values["work_type"] = _work_type(settings, work_type, lesson)
    if comment is not None:
        values["comment"] = _comment(comment)
    old, new = _apply(session, mark, values, editor)
    if not new:
        return mark
    _flush_or_conflict(session)
    context = {"lesson_id": mark.lesson_id, "student_id": mark.student_id}
    _audit_mark(session, editor, "update", mark.id, {**context, **old}, {**context, **new})
    editor.notify_mark(session, mark, old)
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
    editor.notify_mark(session, mark, old)
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
             values: Sequence[str], known: Sequence[tuple[int, int]], work_type: str | None = None) -> list[Mark]:
    """Make a student's marks at a lesson read ``values`` (what the teacher typed into the grid cell).

    ``known`` is the (id, version) of each mark the user saw in the cell: if the cell has changed since,
    nothing is saved and ``VersionConflict`` carries the current marks. Marks are matched by position:
    a changed value updates the mark (keeping its work type and comment), an extra value adds a mark,
    a missing one deletes it. Every value is checked before anything is written.
    """
    lesson, attends, marks = _cell(session, editor.school_id, lesson_id, student_id)
    check_lesson(session, settings, editor, lesson)
    if not attends:
        raise MarkError(N_("This student does not attend this lesson."), field="student_id")
    if [(m.id, m.version) for m in marks] != [(int(i), int(v)) for i, v in known]:
        raise _conflict(marks)
    parsed = [parse_mark(v, settings) for v in values]
    if len(parsed) > settings["max_marks_per_lesson"]:
        raise MarkError(N_("At most %(n)d marks per lesson."), n=settings["max_marks_per_lesson"])
    code = _work_type(settings, work_type, lesson) if len(parsed) > len(marks) else None
    changes: list[tuple[str, Mark, dict[str, Any] | None, dict[str, Any] | None]] = []
    for i, p in enumerate(parsed):
        if i < len(marks):
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
    for action, mark, old, new in changes:
        context = {"lesson_id": lesson.id, "student_id": student_id}
        if action == "create":
            _audit_mark(session, editor, "create", mark.id, None, mark_state(mark))
        elif action == "update":
            _audit_mark(session, editor, "update", mark.id, {**context, **(old or {})}, {**context, **(new or {})})
        else:
            _audit_mark(session, editor, "delete", mark.id, old, None)
        editor.notify_mark(session, mark, old)
    return [m for m in marks[:len(parsed)]] + [m for a, m, _o, _n in changes if a == "create"]


def revert_mark(session: Session, entry: Any, hooks: Any = None) -> dict[str, Any]:
    """Undo one audited change of a mark (a leaked account's operation declared invalid)."""
    mark = session.get(Mark, int(entry.object_id))
    if mark is not None and mark.school_id != entry.school_id:
        return {}
    action = entry.action.rsplit(".", 1)[-1]
    if action == "create":
        if mark is None:
            return {}
        old = mark_state(mark)
        session.delete(mark)
        session.flush()
        if hooks is not None:
            hooks.on_mark_saved(session=session, mark=mark, old=old, actor_id=None)
        return {"deleted": True}
    if action == "update":
        if mark is None:
            return {}
        restored = {k: v for k, v in (entry.old or {}).items() if k in MARK_FIELDS}
        previous = {k: getattr(mark, k) for k in restored}
        for name, value in restored.items():
            setattr(mark, name, value)
        mark.updated_at = utcnow()
        session.flush()
        if hooks is not None:
            hooks.on_mark_saved(session=session, mark=mark, old=previous, actor_id=None)
        return restored
    if action == "delete":
        if mark is not None:
            return {}
        old = entry.old or {}
        mark = Mark(id=int(entry.object_id), school_id=entry.school_id, lesson_id=old["lesson_id"],
                    student_id=old["student_id"], value=old["value"], numeric=old.get("numeric"),
                    work_type=old["work_type"], comment=old.get("comment", ""))
        session.add(mark)
        session.flush()
        if hooks is not None:
            hooks.on_mark_saved(session=session, mark=mark, old=None, actor_id=None)
        return {k: old.get(k) for k in ("lesson_id", "student_id", *MARK_FIELDS)}
    return {}


# --- lessons, homework, the lesson plan -------------------------------------------------------------

LESSON_FIELDS = ("date", "number", "topic", "summary", "control_work_type")


def _assignment(session: Session, school_id: int, class_id: int, subject_id: int, subgroup_id: int | None,
                teacher_id: int | None = None) -> TeachingAssignment | None:
    query = select(TeachingAssignment).where(
        TeachingAssignment.school_id == school_id, TeachingAssignment.class_id == class_id,
        TeachingAssignment.subject_id == subject_id)
    query = query.where(TeachingAssignment.subgroup_id == subgroup_id if subgroup_id
                        else TeachingAssignment.subgroup_id.is_(None))
    if teacher_id is not None:
        query = query.where(TeachingAssignment.teacher_id == teacher_id)
    return session.scalars(query.order_by(TeachingAssignment.id).limit(1)).first()


def _lesson_values(settings: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in LESSON_FIELDS:
        if name in values:
            out[name] = values[name]
    if "topic" in out:
        out["topic"] = (out["topic"] or "").strip()
        if len(out["topic"]) > 500:
            raise MarkError(N_("The topic is too long (at most 500 characters)."), field="topic")
    if "summary" in out:
        out["summary"] = (out["summary"] or "").strip()
    if "number" in out and not 0 <= int(out["number"]) <= 12:
        raise MarkError(N_("The lesson number in the day must be from 0 to 12."), field="number")
    if out.get("control_work_type"):
        if out["control_work_type"] not in work_type_weights(settings):
            raise MarkError(N_("Unknown work type “%(code)s”."), field="control_work_type",
                            code=out["control_work_type"])
    elif "control_work_type" in out:
        out["control_work_type"] = None
    return out


def _check_date_in_year(session: Session, school_class: SchoolClass, day: date) -> None:
    from core.api import AcademicYear

    year = session.get(AcademicYear, school_class.year_id)
    if year is not None and not year.starts_on <= day <= year.ends_on:
        raise MarkError(N_("The date is outside the academic year %(year)s."), field="date", year=year.title)


def _check_slot(session: Session, lesson_id: int | None, class_id: int, subgroup_id: int | None, day: date,
                number: int) -> None:
    """A class (or the same subgroup) cannot have two lessons at the same time of the same day."""
    query = select(Lesson.id).where(Lesson.class_id == class_id, Lesson.date == day, Lesson.number == number)
    if lesson_id is not None:
        query = query.where(Lesson.id != lesson_id)
    if subgroup_id:
        query = query.where(or_(Lesson.subgroup_id.is_(None), Lesson.subgroup_id == subgroup_id))
    else:
        query = query.where(Lesson.subgroup_id.is_(None))
    if session.scalar(query.limit(1)) is not None:
        raise MarkError(N_("The class already has lesson %(number)d on %(date)s."), field="number",
                        number=number, date=day.strftime("%d.%m.%Y"))


def _save_homework(session: Session, editor: Editor, lesson: Lesson, text: str | None,
                   due_date: date | None) -> tuple[Homework | None, dict[str, Any], dict[str, Any]]:
    homework = session.scalar(select(Homework).where(Homework.lesson_id == lesson.id))
    text = (text or "").strip()
    if due_date is not None and due_date < lesson.date:
        raise MarkError(N_("Homework cannot be due before the lesson it is given at."), field="due_date")
    if homework is None:
        if not text and due_date is None:
            return None, {}, {}
        homework = Homework(school_id=editor.school_id, lesson_id=lesson.id, text=text, due_date=due_date)
        session.add(homework)
        return homework, {"homework": None}, {"homework": text, "due_date": due_date}
    old, new = {}, {}
    if homework.text != text:
        old["homework"], new["homework"] = homework.text, text
        homework.text = text
    if homework.due_date != due_date:
        old["due_date"], new["due_date"] = homework.due_date, due_date
        homework.due_date = due_date
    if new:
        homework.updated_at = utcnow()
    return homework, old, new


def create_lesson(session: Session, settings: Mapping[str, Any], editor: Editor, *, class_id: int,
                  subject_id: int, date: date, subgroup_id: int | None = None, number: int = 1,
                  topic: str = "", summary: str = "", control_work_type: str | None = None,
                  homework: str | None = None, due_date: Any = None) -> Lesson:
    """A teacher adds a lesson of their own class and subject (when no timetable generates them).

    The deputy (``edit_any``) may add one for any assignment; it then belongs to the assignment's teacher.
    """
    school_class = session.get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != editor.school_id:
        raise NotFound(N_("No such class."), field="class_id")
    own = _assignment(session, editor.school_id, class_id, subject_id, subgroup_id, editor.user_id) \
        if editor.may_edit else None
    if own is not None:
        teacher_id = editor.user_id
    elif editor.may_edit_any and (any_ := _assignment(session, editor.school_id, class_id, subject_id, subgroup_id)):
        teacher_id = any_.teacher_id
    else:
        raise EditRefused(N_("Only the teacher of this subject in this class may add its lessons."))
    values = _lesson_values(settings, {"date": date, "number": number, "topic": topic, "summary": summary,
                                       "control_work_type": control_work_type})
    _check_date_in_year(session, school_class, values["date"])
    _check_slot(session, None, class_id, subgroup_id, values["date"], values["number"])
    lesson = Lesson(school_id=editor.school_id, class_id=class_id, subgroup_id=subgroup_id, subject_id=subject_id,
                    teacher_id=teacher_id, topic_entered_at=utcnow() if values["topic"] else None, **values)
    session.add(lesson)
    session.flush()
    hw, _old, hw_new = _save_homework(session, editor, lesson, homework, due_date)
    session.flush()
    audit(session, school_id=editor.school_id, action="gradebook.lesson.create", object_type="gradebook.lesson",
          object_id=lesson.id, old=None, new={**values, "class_id": class_id, "subject_id": subject_id,
                                              "subgroup_id": subgroup_id, "teacher_id": teacher_id, **hw_new},
          actor_id=editor.user_id)
    if hw is not None and editor.hooks is not None:
        editor.hooks.on_homework_saved(session=session, lesson=lesson, homework=hw)
    return lesson


def get_lesson(session: Session, school_id: int, lesson_id: int) -> Lesson:
    lesson = session.get(Lesson, lesson_id)
    if lesson is None or lesson.school_id != school_id:
        raise NotFound(N_("No such lesson."), field="lesson_id")
    return lesson


def update_lesson(session: Session, settings: Mapping[str, Any], editor: Editor, lesson_id: int,
                  **values: Any) -> Lesson:
    """Change a lesson's date, number, topic, summary, control work type and homework (``homework``,
    ``due_date``); only the fields given. Audited with old and new values."""
    lesson = get_lesson(session, editor.school_id, lesson_id)
    check_lesson(session, settings, editor, lesson, for_marks=False)
    fields_ = _lesson_values(settings, values)
    if "date" in fields_ or "number" in fields_:
        day, number = fields_.get("date", lesson.date), fields_.get("number", lesson.number)
        if (day, number) != (lesson.date, lesson.number):
            if "date" in fields_:
                _check_date_in_year(session, session.get(SchoolClass, lesson.class_id), day)  # type: ignore[arg-type]
            _check_slot(session, lesson.id, lesson.class_id, lesson.subgroup_id, day, number)
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for name, value in fields_.items():
        if getattr(lesson, name) != value:
            old[name], new[name] = getattr(lesson, name), value
            setattr(lesson, name, value)
    if "topic" in new and new["topic"]:
        lesson.topic_entered_at = utcnow()
    hw = None
    if "homework" in values or "due_date" in values:
        current = session.scalar(select(Homework).where(Homework.lesson_id == lesson.id))
        text = values.get("homework", current.text if current else "")
        due = values.get("due_date", current.due_date if current else None)
        hw, hw_old, hw_new = _save_homework(session, editor, lesson, text, due)
        old.update(hw_old)
        new.update(hw_new)
        if not hw_new:
            hw = None
    if new:
        session.flush()
        audit(session, school_id=editor.school_id, action="gradebook.lesson.update",
              object_type="gradebook.lesson", object_id=lesson.id, old=old, new=new, actor_id=editor.user_id)
    if hw is not None and editor.hooks is not None:
        editor.hooks.on_homework_saved(session=session, lesson=lesson, homework=hw)
    return lesson


def delete_lesson(session: Session, settings: Mapping[str, Any], editor: Editor, lesson_id: int) -> None:
    """Remove a lesson entered by mistake; refused while it has marks (delete them first, audited)."""
    lesson = get_lesson(session, editor.school_id, lesson_id)
    check_lesson(session, settings, editor, lesson, for_marks=False)
    if session.scalar(select(Mark.id).where(Mark.lesson_id == lesson.id).limit(1)) is not None:
        raise EditRefused(N_("The lesson has marks: delete them first."))
    old = {name: getattr(lesson, name) for name in LESSON_FIELDS}
    old.update(class_id=lesson.class_id, subject_id=lesson.subject_id, subgroup_id=lesson.subgroup_id,
               teacher_id=lesson.teacher_id)
    session.delete(lesson)
    session.flush()
    audit(session, school_id=editor.school_id, action="gradebook.lesson.delete", object_type="gradebook.lesson",
          object_id=lesson_id, old=old, new=None, actor_id=editor.user_id)


def revert_lesson(session: Session, entry: Any) -> dict[str, Any]:
    """Undo a change of a lesson's fields or homework text (a created or deleted lesson stays as is)."""
    lesson = session.get(Lesson, int(entry.object_id))
    if lesson is None or lesson.school_id != entry.school_id or not entry.action.endswith(".update"):
        return {}
    restored: dict[str, Any] = {}
    for name, value in (entry.old or {}).items():
        if name in LESSON_FIELDS:
            if name == "date" and isinstance(value, str):
                value = date.fromisoformat(value)
            setattr(lesson, name, value)
            restored[name] = value
    if "homework" in (entry.old or {}) or "due_date" in (entry.old or {}):
        homework = session.scalar(select(Homework).where(Homework.lesson_id == lesson.id))
        if homework is not None:
            if "homework" in entry.old:
                homework.text = entry.old["homework"] or ""
                restored["homework"] = homework.text
            if "due_date" in entry.old:
                due = entry.old["due_date"]
                homework.due_date = date.fromisoformat(due) if isinstance(due, str) else due
                restored["due_date"] = homework.due_date
    session.flush()
    return restored


ALLOWED_CONTENT_TYPES = {
    "application/pdf", "image/png", "image/jpeg", "image/gif", "text/plain", "application/zip",
    "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation", "audio/mpeg", "video/mp4",
}


def safe_filename(name: str) -> str:
    """Keep Cyrillic names readable; drop paths and characters that break a download header."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip().strip(".")
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*;')
    return name[:200] or "file"


def add_homework_file(session: Session, settings: Mapping[str, Any], editor: Editor, lesson_id: int,
                      filename: str, content_type: str, data: bytes) -> HomeworkFile:
    lesson = get_lesson(session, editor.school_id, lesson_id)
    check_lesson(session, settings, editor, lesson, for_marks=False)
    limit = settings["homework_file_max_mb"] * 1024 * 1024
    if not data:
        raise MarkError(N_("The file is empty."), field="files")
    if len(data) > limit:
        raise MarkError(N_("The file is larger than %(mb)d MB."), field="files", mb=settings["homework_file_max_mb"])
    homework = session.scalar(select(Homework).where(Homework.lesson_id == lesson.id))
    if homework is None:
        homework = Homework(school_id=editor.school_id, lesson_id=lesson.id, text="")
        session.add(homework)
        session.flush()
    kind = content_type if content_type in ALLOWED_CONTENT_TYPES else "application/octet-stream"
    stored = HomeworkFile(school_id=editor.school_id, homework_id=homework.id, filename=safe_filename(filename),
                          content_type=kind, size=len(data), data=data)
    session.add(stored)
    session.flush()
    audit(session, school_id=editor.school_id, action="gradebook.homework_file.create",
          object_type="gradebook.homework_file", object_id=stored.id, old=None,
          new={"lesson_id": lesson.id, "filename": stored.filename, "size": stored.size}, actor_id=editor.user_id)
    if editor.hooks is not None:
        editor.hooks.on_homework_saved(session=session, lesson=lesson, homework=homework)
    return stored


def homework_file(session: Session, school_id: int, file_id: int) -> tuple[HomeworkFile, Lesson]:
    row = session.execute(
        select(HomeworkFile, Lesson).join(Homework, Homework.id == HomeworkFile.homework_id)
        .join(Lesson, Lesson.id == Homework.lesson_id)
        .where(HomeworkFile.id == file_id, HomeworkFile.school_id == school_id)
    ).one_or_none()
    if row is None:
        raise NotFound(N_("No such file."))
    return row[0], row[1]


def delete_homework_file(session: Session, settings: Mapping[str, Any], editor: Editor, file_id: int) -> Lesson:
    stored, lesson = homework_file(session, editor.school_id, file_id)
    check_lesson(session, settings, editor, lesson, for_marks=False)
    audit(session, school_id=editor.school_id, action="gradebook.homework_file.delete",
          object_type="gradebook.homework_file", object_id=stored.id,
          old={"lesson_id": lesson.id, "filename": stored.filename, "size": stored.size}, new=None,
          actor_id=editor.user_id)
    session.delete(stored)
    session.flush()
    return lesson


def plan_topics(session: Session, class_id: int, subject_id: int, subgroup_id: int | None) -> list[str]:
    """The КТП as one topic per lesson (an item of two hours covers two lessons)."""
    query = select(LessonPlanItem.topic, LessonPlanItem.hours).where(
        LessonPlanItem.class_id == class_id, LessonPlanItem.subject_id == subject_id,
        LessonPlanItem.subgroup_id == subgroup_id if subgroup_id else LessonPlanItem.subgroup_id.is_(None),
    ).order_by(LessonPlanItem.position)
    return [topic for topic, hours in session.execute(query) for _ in range(max(1, hours or 1))]


def fill_topics_from_plan(session: Session, editor: Editor, *, class_id: int, subject_id: int,
                          subgroup_id: int | None = None, overwrite: bool = False) -> int:
    """Give the N-th lesson of the year the N-th planned topic of the КТП; returns how many changed.

    Only lessons without a topic are filled unless ``overwrite``; only the editor's own lessons (all of
    them with ``edit_any``). Each change is audited so a leaked account's run can be undone.
    """
    topics = plan_topics(session, class_id, subject_id, subgroup_id)
    if not topics:
        return 0
    school_class = session.get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != editor.school_id:
        raise NotFound(N_("No such class."), field="class_id")
    from core.api import AcademicYear

    year = session.get(AcademicYear, school_class.year_id)
    query = select(Lesson).where(
        Lesson.class_id == class_id, Lesson.subject_id == subject_id,
        Lesson.subgroup_id == subgroup_id if subgroup_id else Lesson.subgroup_id.is_(None))
    if year is not None:
        query = query.where(Lesson.date >= year.starts_on, Lesson.date <= year.ends_on)
    lessons = list(session.scalars(query.order_by(Lesson.date, Lesson.number, Lesson.id)))
    changed = 0
    now = utcnow()
    for lesson, topic in zip(lessons, topics, strict=False):
        if lesson.topic == topic or (lesson.topic and not overwrite):
            continue
        if not editor.may_edit_any and lesson.teacher_id != editor.user_id:
            continue
        audit(session, school_id=editor.school_id, action="gradebook.lesson.update", object_type="gradebook.lesson",
              object_id=lesson.id, old={"topic": lesson.topic}, new={"topic": topic}, actor_id=editor.user_id)
        lesson.topic, lesson.topic_entered_at = topic, now
        changed += 1
    session.flush()
    return changed


# --- the journal grid -------------------------------------------------------------------------------

@dataclass(frozen=True)
class JournalContext:
    """The names and dates around one grid, and how the viewer relates to it (one query)."""

    school_id: int
    class_id: int
    class_name: str
    year_id: int
    subject_id: int
    subject_name: str
    term_id: int
    term_title: str
    term_starts_on: date
    term_ends_on: date
    term_closes_on: date
    subgroup_id: int | None
    subgroup_name: str | None
    assigned: bool  # the viewer has a teaching assignment for this class and subject (and subgroup)
    teaches_lessons: bool  # the viewer gives at least one lesson of this grid (a substitute, say)
    split_subgroup_id: int | None  # the subject is taught in subgroups: the viewer's own, else the first
    prev_term_id: int | None = None
    next_term_id: int | None = None


_STATEMENTS: dict[tuple[str, bool], Any] = {}


def _statement(name: str, with_subgroup: bool) -> Any:
    """The grid's statements are built once with bind parameters: building a SELECT with its joins and
    subqueries costs more Python time than SQLite spends running it."""
    key = (name, with_subgroup)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = _BUILDERS[name](with_subgroup)
    return _STATEMENTS[key]


def _context_columns(with_subgroup: bool) -> list[Any]:
    """The journal's names, dates and the viewer's relation to it, as columns of one SELECT."""
    ta = TeachingAssignment
    viewer, class_id, subject_id = bindparam("viewer_id"), bindparam("class_id"), bindparam("subject_id")
    subgroup_id = bindparam("subgroup_id")
    assigned = exists().where(
        ta.teacher_id == viewer, ta.class_id == class_id, ta.subject_id == subject_id,
        (ta.subgroup_id == subgroup_id) if with_subgroup else true())
    teaches = exists().where(
        Lesson.teacher_id == viewer, Lesson.class_id == class_id, Lesson.subject_id == subject_id,
        Lesson.date >= Term.starts_on, Lesson.date <= Term.ends_on,
        (Lesson.subgroup_id == subgroup_id) if with_subgroup else true())
    own_split = select(func.min(ta.subgroup_id)).where(
        ta.class_id == class_id, ta.subject_id == subject_id, ta.subgroup_id.is_not(None),
        ta.teacher_id == viewer).scalar_subquery()
    any_split = select(func.min(ta.subgroup_id)).where(
        ta.class_id == class_id, ta.subject_id == subject_id, ta.subgroup_id.is_not(None)).scalar_subquery()
    other = aliased(Term)
    prev_term = select(other.id).where(other.year_id == Term.year_id, other.number == Term.number - 1) \
        .scalar_subquery()
    next_term = select(other.id).where(other.year_id == Term.year_id, other.number == Term.number + 1) \
        .scalar_subquery()
    return [SchoolClass.grade_level, SchoolClass.letter, SchoolClass.year_id, Subject.name, Term.title,
            Term.starts_on, Term.ends_on, Term.closes_on,
            Subgroup.id if with_subgroup else null(), Subgroup.name if with_subgroup else null(),
            case((assigned, 1), else_=0), case((teaches, 1), else_=0), func.coalesce(own_split, any_split),
            prev_term, next_term]


CONTEXT_WIDTH = 15


def _context_from(query: Any, with_subgroup: bool) -> Any:
    query = (
        query.select_from(SchoolClass)
        .join(Subject, and_(Subject.id == bindparam("subject_id"), Subject.school_id == bindparam("school_id")))
        .join(Term, and_(Term.id == bindparam("term_id"), Term.year_id == SchoolClass.year_id))
        .where(SchoolClass.id == bindparam("class_id"), SchoolClass.school_id == bindparam("school_id"))
    )
    if with_subgroup:
        query = query.join(Subgroup, and_(Subgroup.id == bindparam("subgroup_id"),
                                          Subgroup.class_id == SchoolClass.id))
    return query


def _context_statement(with_subgroup: bool) -> Any:
    return _context_from(select(*_context_columns(with_subgroup)), with_subgroup)


def _opening_statement(with_subgroup: bool) -> Any:
    """The context and, joined to it, the students with their final marks of the term: one row per
    student (one row of NULL students for an empty class), so the journal opens in one query.

    The context is a one-row derived table with LIMIT 1, so SQLite computes its subqueries once rather
    than once per student (a LIMIT keeps it from flattening the derived table into the join).
    """
    labels = [f"c{i}" for i in range(CONTEXT_WIDTH)]
    context = _context_from(
        select(*(c.label(n) for c, n in zip(_context_columns(with_subgroup), labels, strict=True)),
               SchoolClass.id.label("class_id"), Subject.id.label("subject_id"), Term.id.label("term_id")),
        with_subgroup).limit(1).subquery("journal")
    cm, user = ClassMembership.__table__, User.__table__
    membership = [cm.c.class_id == context.c.class_id, cm.c.starts_on <= context.c.c6,
                  or_(cm.c.ends_on.is_(None), cm.c.ends_on >= context.c.c5)]
    if with_subgroup:
        membership.append(cm.c.student_id.in_(select(SubgroupMember.student_id).where(
            SubgroupMember.subgroup_id == bindparam("subgroup_id"))))
    # Flat outer joins (not "LEFT JOIN (a JOIN b)"): SQLite would materialise the nested join of every
    # membership of the school instead of using the class's index.
    return (
        select(*(context.c[n] for n in labels), user.c.id, user.c.last_name, user.c.first_name,
               user.c.middle_name, cm.c.starts_on, cm.c.ends_on, FinalMark.id, FinalMark.value,
               FinalMark.version, FinalMark.forecast, FinalMark.reason)
        .select_from(context)
        .outerjoin(cm, and_(*membership))
        .outerjoin(user, user.c.id == cm.c.student_id)
        .outerjoin(FinalMark, and_(FinalMark.student_id == user.c.id, FinalMark.class_id == context.c.class_id,
                                   FinalMark.subject_id == context.c.subject_id,
                                   FinalMark.term_id == context.c.term_id))
        .order_by(user.c.last_name, user.c.first_name, user.c.middle_name, user.c.id)
    )


def _context_of(row: Any, school_id: int, class_id: int, subject_id: int, term_id: int) -> JournalContext:
    return JournalContext(
        school_id=school_id, class_id=class_id, class_name=f"{row[0]}{row[1]}", year_id=row[2],
        subject_id=subject_id, subject_name=row[3], term_id=term_id, term_title=row[4], term_starts_on=row[5],
        term_ends_on=row[6], term_closes_on=row[7], subgroup_id=row[8], subgroup_name=row[9],
        assigned=bool(row[10]), teaches_lessons=bool(row[11]), split_subgroup_id=row[12], prev_term_id=row[13],
        next_term_id=row[14])


def _params(school_id: int, viewer_id: int | None, class_id: int, subject_id: int, term_id: int,
            subgroup_id: int | None) -> dict[str, Any]:
    params = {"school_id": school_id, "viewer_id": viewer_id or 0, "class_id": class_id, "subject_id": subject_id,
              "term_id": term_id}
    if subgroup_id:
        params["subgroup_id"] = subgroup_id
    return params


def journal_context(session: Session, school_id: int, viewer_id: int | None, class_id: int, subject_id: int,
                    term_id: int, subgroup_id: int | None = None) -> JournalContext | None:
    """Everything a journal page needs to know before loading the grid, in one query; None if any of
    class, subject, term (of the class's year) or subgroup (of the class) is not this school's."""
    row = session.connection().execute(
        _statement("context", bool(subgroup_id)),
        _params(school_id, viewer_id, class_id, subject_id, term_id, subgroup_id)).one_or_none()
    return None if row is None else _context_of(row, school_id, class_id, subject_id, term_id)


def open_journal(session: Session, school_id: int, viewer_id: int | None, class_id: int, subject_id: int,
                 term_id: int, subgroup_id: int | None = None) -> JournalOpening | None:
    """The context of a journal with its students and their term final marks, in one query (None: not
    found). Check the viewer's access on ``opening.context`` before showing anything of it."""
    rows = session.connection().execute(
        _statement("opening", bool(subgroup_id)),
        _params(school_id, viewer_id, class_id, subject_id, term_id, subgroup_id)).fetchall()
    if not rows:
        return None
    ctx = _context_of(rows[0], school_id, class_id, subject_id, term_id)
    students, finals = _students_of(((r[CONTEXT_WIDTH:]) for r in rows if r[CONTEXT_WIDTH] is not None), ctx)
    return JournalOpening(ctx, students, finals)


@dataclass(frozen=True)
class JournalOpening:
    context: JournalContext
    students: list[JournalStudent]
    finals: dict[int, JournalFinal]


# A mark in the grid: (id, value, numeric, work_type, version, comment); tuples keep 1,200 of them cheap.
GridMark = tuple[int, str, float | None, str, int, str]


@dataclass
class JournalFinal:
    id: int
    value: str
    version: int
    forecast: float | None
    reason: str


@dataclass
class JournalGrid:
    """The journal page's data: the hook contract (``journal``) plus what the gradebook shows itself."""

    context: JournalContext
    journal: Journal
    homework: dict[int, str]
    lesson_subgroup: dict[int, int | None]
    marks: dict[tuple[int, int], list[GridMark]]  # (student_id, lesson_id) -> marks in order
    averages: dict[int, Average]
    forecasts: dict[int, int | None]
    finals: dict[int, JournalFinal]
    refusals: dict[int, GradebookError | None]  # lesson_id -> why the viewer may not enter marks
    extras: list[JournalExtra] = field(default_factory=list)

    def attends(self, student: JournalStudent, lesson: JournalLesson) -> bool:
        """Was the student in the class on the lesson's day? (Transfers keep the old class's history.)"""
        return (student.active_from is None or lesson.date >= student.active_from) and (
            student.active_until is None or lesson.date <= student.active_until)


def _students_statement(with_subgroup: bool) -> Any:
    start, end = bindparam("start", type_=Date), bindparam("end", type_=Date)
    query = (
        select(User.id, User.last_name, User.first_name, User.middle_name, ClassMembership.starts_on,
               ClassMembership.ends_on, FinalMark.id, FinalMark.value, FinalMark.version, FinalMark.forecast,
               FinalMark.reason)
        .join(ClassMembership, ClassMembership.student_id == User.id)
        .outerjoin(FinalMark, and_(FinalMark.student_id == User.id, FinalMark.class_id == bindparam("class_id"),
                                   FinalMark.subject_id == bindparam("subject_id"),
                                   FinalMark.term_id == bindparam("term_id")))
        .where(ClassMembership.class_id == bindparam("class_id"), ClassMembership.starts_on <= end,
               or_(ClassMembership.ends_on.is_(None), ClassMembership.ends_on >= start))
        .order_by(User.last_name, User.first_name, User.middle_name, User.id)
    )
    if with_subgroup:
        query = query.join(SubgroupMember, and_(SubgroupMember.student_id == User.id,
                                                SubgroupMember.subgroup_id == bindparam("subgroup_id")))
    return query


def _lesson_filter(with_subgroup: bool) -> list[Any]:
    where = [Lesson.class_id == bindparam("class_id"), Lesson.subject_id == bindparam("subject_id"),
             Lesson.date >= bindparam("start", type_=Date), Lesson.date <= bindparam("end", type_=Date)]
    if with_subgroup:
        where.append(or_(Lesson.subgroup_id == bindparam("subgroup_id"), Lesson.subgroup_id.is_(None)))
    return where


def _lessons_statement(with_subgroup: bool) -> Any:
    return (
        select(Lesson.id, Lesson.date, Lesson.number, Lesson.topic, Lesson.teacher_id, Lesson.control_work_type,
               Lesson.subgroup_id, Homework.text)
        .outerjoin(Homework, Homework.lesson_id == Lesson.id)
        .where(*_lesson_filter(with_subgroup))
        .order_by(Lesson.date, Lesson.number, Lesson.id)
    )


def _marks_statement(with_subgroup: bool) -> Any:
    """The grid's marks: the same rows as the benchmark's raw query, no lesson text repeated per mark, no
    sort (cells are put in order in Python, one or two marks each)."""
    return (
        select(Mark.lesson_id, Mark.id, Mark.student_id, Mark.value, Mark.numeric, Mark.work_type, Mark.version,
               Mark.comment)
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .where(*_lesson_filter(with_subgroup))
    )


_BUILDERS = {"context": _context_statement, "opening": _opening_statement, "students": _students_statement,
             "lessons": _lessons_statement, "marks": _marks_statement}


def _grid_params(ctx: JournalContext) -> dict[str, Any]:
    params = {"class_id": ctx.class_id, "subject_id": ctx.subject_id, "term_id": ctx.term_id,
              "start": ctx.term_starts_on, "end": ctx.term_ends_on}
    if ctx.subgroup_id:
        params["subgroup_id"] = ctx.subgroup_id
    return params


def _students_of(rows: Iterable[Any], ctx: JournalContext) -> tuple[list[JournalStudent], dict[int, JournalFinal]]:
    start, end = ctx.term_starts_on, ctx.term_ends_on
    spans: dict[int, list[Any]] = {}
    names: dict[int, str] = {}
    finals: dict[int, JournalFinal] = {}
    for sid, last, first, middle, starts, ends, fid, fvalue, fversion, fforecast, freason in rows:
        if sid not in spans:
            names[sid] = last + "".join(f" {p[0]}." for p in (first, middle) if p)
            spans[sid] = [starts, ends]
        else:  # left and came back: one row, the widest span
            span = spans[sid]
            span[0] = min(span[0], starts)
            span[1] = None if span[1] is None or ends is None else max(span[1], ends)
        if fid is not None:
            finals[sid] = JournalFinal(fid, fvalue, fversion, fforecast, freason)
    students = [
        JournalStudent(sid, names[sid], span[0] if span[0] > start else None,
                       span[1] if span[1] is not None and span[1] < end else None)
        for sid, span in spans.items()
    ]
    return students, finals


def _students_with_finals(session: Session, ctx: JournalContext) -> tuple[list[JournalStudent], dict[int, JournalFinal]]:
    rows = session.connection().execute(_statement("students", bool(ctx.subgroup_id)), _grid_params(ctx)).fetchall()
    return _students_of(rows, ctx)


def load_journal(session: Session, settings: Mapping[str, Any], viewer: Editor, ctx: JournalContext | JournalOpening
                 ) -> JournalGrid:
    """Students, lessons, marks, averages, forecasts, final marks and other plugins' cells of one grid.

    Given a ``JournalOpening`` (``open_journal``: context and students in one query), two more queries
    (lessons with homework; marks); given a bare ``JournalContext``, three. Plus what
    ``extra_journal_columns`` implementations spend (one each, by contract), whatever the size. The
    averages are exactly rounded sums (``math.fsum``) like ``weighted_average``'s, so they equal the
    explanation's to the last bit whatever order the marks arrive in; the grid's ``Average`` objects
    carry no terms (``explain_average`` writes those out).
    """
    if isinstance(ctx, JournalOpening):
        ctx, students, finals = ctx.context, ctx.students, ctx.finals
    else:
        students, finals = _students_with_finals(session, ctx)
    connection = session.connection()
    params = _grid_params(ctx)
    with_subgroup = bool(ctx.subgroup_id)
    lessons: list[JournalLesson] = []
    homework: dict[int, str] = {}
    lesson_subgroup: dict[int, int | None] = {}
    for lid, day, number, topic, teacher_id, control, sg, hw in connection.execute(
            _statement("lessons", with_subgroup), params).fetchall():
        lessons.append(JournalLesson(lid, day, number, topic, teacher_id, control))
        lesson_subgroup[lid] = sg
        if hw:
            homework[lid] = hw
    weights = work_type_weights(settings)
    sums: dict[int, tuple[list[float], list[float]]] = {s.id: ([], []) for s in students}
    marks: dict[tuple[int, int], list[GridMark]] = {}
    unsorted: list[list[GridMark]] = []
    for lid, mid, sid, value, numeric, wt, version, comment in connection.execute(
            _statement("marks", with_subgroup), params).fetchall():
        cell = marks.get((sid, lid))
        if cell is None:
            marks[(sid, lid)] = [(mid, value, numeric, wt, version, comment)]
        else:
            cell.append((mid, value, numeric, wt, version, comment))
            if len(cell) == 2:
                unsorted.append(cell)
        if numeric is not None:
            acc = sums.get(sid)
            if acc is not None:
                weight = weights.get(wt, 1.0)
                acc[0].append(numeric * weight)
                acc[1].append(weight)
    for cell in unsorted:
        cell.sort()
    averages: dict[int, Average] = {}
    forecasts: dict[int, int | None] = {}
    for sid, (products, used) in sums.items():
        total = math.fsum(used)
        average = Average(math.fsum(products) / total if total else None, ())
        averages[sid] = average
        forecasts[sid] = forecast_mark(average.shown, settings)
    refusals = _lesson_refusals(session, settings, viewer, lessons)
    journal = Journal(school_id=ctx.school_id, class_id=ctx.class_id, subject_id=ctx.subject_id,
                      term_id=ctx.term_id, subgroup_id=ctx.subgroup_id, students=students, lessons=lessons,
                      editable=any(r is None for r in refusals.values()))
    extras: list[JournalExtra] = []
    if viewer.hooks is not None:
        for contributed in viewer.hooks.extra_journal_columns(session=session, journal=journal):
            extras.extend(contributed or ())
    extras.sort(key=lambda e: (e.weight, e.key))
    return JournalGrid(ctx, journal, homework, lesson_subgroup, marks, averages, forecasts, finals, refusals, extras)


def _lesson_refusals(session: Session, settings: Mapping[str, Any], viewer: Editor,
                     lessons: list[JournalLesson]) -> dict[int, GradebookError | None]:
    """Per lesson, why the viewer may not enter marks (None: they may). The ``lesson_editors`` hook is
    asked only about other teachers' lessons inside the edit window, so a teacher's own journal costs
    no query and a substitute's at most one per recent lesson."""
    out: dict[int, GradebookError | None] = {}
    window = settings["edit_window_days"]
    future = EditRefused(N_("The lesson has not taken place yet: marks are given on the day of the lesson "
                            "or later."))
    readonly = EditRefused(N_("You may view this journal but not change it."))
    other = EditRefused(N_("Only the teacher of this lesson (or the substitute) may change it."))
    asks = viewer.hooks is not None and bool(viewer.hooks.lesson_editors.get_hookimpls())
    lesson_rows: dict[int, Lesson] | None = None
    for lesson in lessons:
        if lesson.date > viewer.today:
            out[lesson.id] = future
        elif viewer.may_edit_any:
            out[lesson.id] = None
        elif not viewer.may_edit:
            out[lesson.id] = readonly
        elif (viewer.today - lesson.date).days > window:
            out[lesson.id] = EditRefused(
                N_("Marks may be changed within %(days)d days after the lesson; this lesson was on %(date)s. "
                   "Ask the deputy principal to correct it."),
                days=window, date=lesson.date.strftime("%d.%m.%Y")) if lesson.teacher_id == viewer.user_id \
                else other
        elif lesson.teacher_id == viewer.user_id:
            out[lesson.id] = None
        elif asks:
            if lesson_rows is None:
                recent = [x.id for x in lessons if x.teacher_id != viewer.user_id
                          and 0 <= (viewer.today - x.date).days <= window]
                lesson_rows = {x.id: x for x in session.scalars(select(Lesson).where(Lesson.id.in_(recent)))}
            out[lesson.id] = None if viewer.substitutes(session, lesson_rows[lesson.id]) else other
        else:
            out[lesson.id] = other
    return out


# --- averages, explanations, summaries --------------------------------------------------------------

def term_marks(session: Session, class_id: int, subject_id: int | None, start: date, end: date,
               student_ids: Iterable[int] | None = None) -> list[Any]:
    """Marks of a class's lessons in a date range, in journal order: rows of (student_id, subject_id,
    lesson_id, date, value, numeric, work_type, comment)."""
    query = (
        select(Mark.student_id, Lesson.subject_id, Lesson.id, Lesson.date, Mark.value, Mark.numeric, Mark.work_type,
               Mark.comment)
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .where(Lesson.class_id == class_id, Lesson.date >= start, Lesson.date <= end)
        .order_by(Lesson.date, Lesson.number, Lesson.id, Mark.id)
    )
    if subject_id is not None:
        query = query.where(Lesson.subject_id == subject_id)
    if student_ids is not None:
        query = query.where(Mark.student_id.in_(list(student_ids)))
    return list(session.execute(query))


def averages_for(session: Session, settings: Mapping[str, Any], class_id: int, subject_id: int, start: date,
                 end: date, student_ids: Iterable[int] | None = None) -> dict[int, Average]:
    """Each student's weighted average in a subject over a date range (one query)."""
    weights = work_type_weights(settings)
    by_student: dict[int, list[tuple[str, float | None, str]]] = defaultdict(list)
    for row in term_marks(session, class_id, subject_id, start, end, student_ids):
        by_student[row[0]].append((row[4], row[5], row[6]))
    return {sid: weighted_average(marks, weights) for sid, marks in by_student.items()}


@dataclass(frozen=True)
class ExplainedMark:
    date: date
    value: str
    numeric: float | None  # None: a special code, not part of the average
    work_type: str
    work_type_title: str
    weight: float
    comment: str = ""

    @property
    def counted(self) -> bool:
        return self.numeric is not None

    @property
    def product(self) -> float | None:
        return None if self.numeric is None else self.numeric * self.weight


@dataclass(frozen=True)
class TermFinal:
    title: str
    value: str | None
    numeric: float | None


@dataclass
class Explanation:
    """How an average and its forecast were computed, with every number a parent needs to check it.

    ``kind`` is "marks" (a weighted average of marks) or "terms" (the year: the mean of term marks).
    """

    kind: str
    marks: list[ExplainedMark]
    average: Average
    forecast: int | None
    rule: str
    final: str | None = None
    term_finals: list[TermFinal] = field(default_factory=list)

    @property
    def shown(self) -> float | None:
        return self.average.shown

    def sum_text(self) -> str:
        """"5·1 + 4·2 = 13": the numerator written out (numbers with a decimal comma)."""
        parts = [f"{format_weight(t.numeric)}·{format_weight(t.weight)}" for t in self.average.terms]
        return " + ".join(parts) + f" = {format_weight(round(self.average.weighted_sum, 4))}"

    def weight_text(self) -> str:
        parts = [format_weight(t.weight) for t in self.average.terms]
        return " + ".join(parts) + f" = {format_weight(round(self.average.total_weight, 4))}"


def explain_average(session: Session, settings: Mapping[str, Any], *, class_id: int, subject_id: int,
                    student_id: int, start: date, end: date) -> Explanation:
    """The weighted average of one student in one subject over a period, written out (one query)."""
    weights = work_type_weights(settings)
    titles = work_type_titles(settings)
    rows = term_marks(session, class_id, subject_id, start, end, [student_id])
    marks = [ExplainedMark(r[3], r[4], r[5], r[6], titles.get(r[6], r[6]), weights.get(r[6], 1.0), r[7] or "")
             for r in rows]
    average = weighted_average(((m.value, m.numeric, m.work_type) for m in marks), weights)
    return Explanation("marks", marks, average, forecast_mark(average.shown, settings), rounding_rule_text(settings))


def explain_year(session: Session, settings: Mapping[str, Any], *, class_id: int, subject_id: int,
                 student_id: int, terms: Sequence[Term]) -> Explanation:
    """The year's forecast: by the school's ``year_forecast`` either the mean of the term final marks or
    the weighted average of the whole year's marks."""
    if settings["year_forecast"] == "marks" or not terms:
        start = min((t.starts_on for t in terms), default=date.min)
        end = max((t.ends_on for t in terms), default=date.max)
        return explain_average(session, settings, class_id=class_id, subject_id=subject_id, student_id=student_id,
                               start=start, end=end)
    finals = {t: (v, n) for t, v, n in session.execute(
        select(FinalMark.term_id, FinalMark.value, FinalMark.numeric).where(
            FinalMark.class_id == class_id, FinalMark.subject_id == subject_id, FinalMark.student_id == student_id,
            FinalMark.term_id.in_([t.id for t in terms])))}
    term_finals = [TermFinal(t.title, *(finals.get(t.id) or (None, None))) for t in terms]
    average = weighted_average(((f.value or "", f.numeric, "term") for f in term_finals), {"term": 1.0})
    return Explanation("terms", [], average, forecast_mark(average.shown, settings), rounding_rule_text(settings),
                       term_finals=term_finals)


def weight_case(settings: Mapping[str, Any]) -> Any:
    """SQL: the weight of ``Mark.work_type`` by the settings (1 for a work type no longer listed)."""
    weights = work_type_weights(settings)
    return case(*((Mark.work_type == code, weight) for code, weight in weights.items()), else_=1.0)


@dataclass(frozen=True)
class SummaryCell:
    average: float | None
    count: int
    final: str | None = None


def class_subjects(session: Session, class_id: int) -> list[tuple[int, str]]:
    """The subjects taught in a class (from the teaching assignments), by name."""
    return list(session.execute(
        select(Subject.id, Subject.name).join(TeachingAssignment, TeachingAssignment.subject_id == Subject.id)
        .where(TeachingAssignment.class_id == class_id).group_by(Subject.id, Subject.name).order_by(Subject.name)))


def class_summary(session: Session, settings: Mapping[str, Any], class_id: int, term_id: int | None, start: date,
                  end: date) -> dict[tuple[int, int], SummaryCell]:
    """(subject_id, student_id) -> weighted average, number of marks and final mark: the class teacher's
    all-subjects page. Two queries: the averages are summed in SQL."""
    w = weight_case(settings)
    rows = session.execute(
        select(Lesson.subject_id, Mark.student_id, func.sum(Mark.numeric * w), func.sum(w), func.count(Mark.id))
        .join(Lesson, Lesson.id == Mark.lesson_id)
        .where(Lesson.class_id == class_id, Lesson.date >= start, Lesson.date <= end, Mark.numeric.is_not(None))
        .group_by(Lesson.subject_id, Mark.student_id))
    out: dict[tuple[int, int], SummaryCell] = {}
    for subject_id, student_id, weighted, total, count in rows:
        out[(subject_id, student_id)] = SummaryCell(float(weighted) / float(total) if total else None, count)
    final_query = select(FinalMark.subject_id, FinalMark.student_id, FinalMark.value).where(
        FinalMark.class_id == class_id,
        FinalMark.term_id == term_id if term_id else FinalMark.term_id.is_(None))
    for subject_id, student_id, value in session.execute(final_query):
        cell = out.get((subject_id, student_id), SummaryCell(None, 0))
        out[(subject_id, student_id)] = SummaryCell(cell.average, cell.count, value)
    return out


@dataclass
class CardRow:
    subject_id: int
    subject_name: str
    marks: list[tuple[date, str, str]]  # (date, value, work type title)
    average: Average
    forecast: int | None
    final: str | None


def student_card(session: Session, settings: Mapping[str, Any], class_id: int, student_id: int,
                 term_id: int | None, start: date, end: date) -> list[CardRow]:
    """Every subject of the student (their subgroups' ones only) with marks, average, forecast, final."""
    weights = work_type_weights(settings)
    titles = work_type_titles(settings)
    groups = select(SubgroupMember.subgroup_id).where(SubgroupMember.student_id == student_id)
    subjects = list(session.execute(
        select(Subject.id, Subject.name).join(TeachingAssignment, TeachingAssignment.subject_id == Subject.id)
        .where(TeachingAssignment.class_id == class_id,
               or_(TeachingAssignment.subgroup_id.is_(None), TeachingAssignment.subgroup_id.in_(groups)))
        .group_by(Subject.id, Subject.name).order_by(Subject.name)))
    by_subject: dict[int, list[Any]] = defaultdict(list)
    for row in term_marks(session, class_id, None, start, end, [student_id]):
        by_subject[row[1]].append(row)
    finals = dict(session.execute(
        select(FinalMark.subject_id, FinalMark.value).where(
            FinalMark.class_id == class_id, FinalMark.student_id == student_id,
            FinalMark.term_id == term_id if term_id else FinalMark.term_id.is_(None))).all())
    out = []
    for subject_id, name in subjects:
        rows = by_subject.get(subject_id, [])
        average = weighted_average(((r[4], r[5], r[6]) for r in rows), weights)
        out.append(CardRow(subject_id, name, [(r[3], r[4], titles.get(r[6], r[6])) for r in rows], average,
                           forecast_mark(average.shown, settings), finals.get(subject_id)))
    return out


# --- final marks ------------------------------------------------------------------------------------

def period_closes_on(term: Term | None, terms: Sequence[Term]) -> date | None:
    """When final marks of a term (or of the year: ``term`` None) lock for teachers."""
    if term is not None:
        return term.closes_on
    return max((t.closes_on for t in terms), default=None)


def final_state(final: FinalMark) -> dict[str, Any]:
    return {"id": final.id, "class_id": final.class_id, "subject_id": final.subject_id,
            "student_id": final.student_id, "term_id": final.term_id, "value": final.value,
            "numeric": final.numeric, "forecast": final.forecast, "reason": final.reason, "version": final.version}


def final_forecast(session: Session, settings: Mapping[str, Any], *, class_id: int, subject_id: int,
                   student_id: int, term: Term | None, terms: Sequence[Term]) -> Explanation:
    if term is not None:
        return explain_average(session, settings, class_id=class_id, subject_id=subject_id, student_id=student_id,
                               start=term.starts_on, end=term.ends_on)
    return explain_year(session, settings, class_id=class_id, subject_id=subject_id, student_id=student_id,
                        terms=terms)


def set_final_mark(session: Session, settings: Mapping[str, Any], editor: Editor, *, class_id: int,
                   subject_id: int, student_id: int, term_id: int | None, value: str, reason: str = "",
                   version: int | None = None) -> FinalMark | None:
    """Confirm the forecast or give another final mark of a term (``term_id``) or the year (None).

    A mark other than the forecast needs a reason; after the term's ``closes_on`` only
    ``gradebook.final.override`` may change it, and always with a reason. An empty value removes the
    mark (returns None). A stale ``version`` is refused with the current value.
    """
    school_class = session.get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != editor.school_id:
        raise NotFound(N_("No such class."), field="class_id")
    terms = list(session.scalars(select(Term).where(Term.year_id == school_class.year_id).order_by(Term.number)))
    term = next((t for t in terms if t.id == term_id), None)
    if term_id is not None and term is None:
        raise NotFound(N_("No such term."), field="term_id")
    if not editor.may_final_override:
        if not editor.may_final or _assignment_any(session, class_id, subject_id, editor.user_id) is None:
            raise EditRefused(N_("Only the teacher of this subject in this class may set its final marks."))
    start = term.starts_on if term else min(t.starts_on for t in terms)
    end = term.ends_on if term else max(t.ends_on for t in terms)
    member = session.scalar(select(ClassMembership.id).where(
        ClassMembership.class_id == class_id, ClassMembership.student_id == student_id,
        ClassMembership.starts_on <= end,
        or_(ClassMembership.ends_on.is_(None), ClassMembership.ends_on >= start)).limit(1))
    if member is None:
        raise MarkError(N_("This student is not in the class in this period."), field="student_id")
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise MarkError(N_("The reason is too long (at most 500 characters)."), field="reason")
    closes = period_closes_on(term, terms)
    locked = closes is not None and editor.today > closes
    if locked:
        if not editor.may_final_override:
            raise EditRefused(
                N_("Final marks of this period were locked after %(date)s. Only the deputy principal may change "
                   "them, giving a reason."), date=closes.strftime("%d.%m.%Y"))  # type: ignore[union-attr]
        if not reason:
            raise MarkError(N_("The period is locked: give the reason for the change."), field="reason")
    existing = session.scalar(select(FinalMark).where(
        FinalMark.class_id == class_id, FinalMark.subject_id == subject_id, FinalMark.student_id == student_id,
        FinalMark.term_id == term_id if term_id else FinalMark.term_id.is_(None)))
    if existing is not None and version != existing.version:
        raise VersionConflict(
            N_("Someone else has set this final mark meanwhile: now “%(value)s”. Your change was not saved."),
            value=existing.value, current=final_state(existing))
    if existing is None and version is not None:
        raise VersionConflict(N_("Someone else has removed this final mark meanwhile. Your change was not saved."),
                              current=None)
    action_base = {"class_id": class_id, "subject_id": subject_id, "student_id": student_id, "term_id": term_id}
    if not (value or "").strip():
        if existing is None:
            return None
        if not reason and locked:
            raise MarkError(N_("The period is locked: give the reason for the change."), field="reason")
        old = final_state(existing)
        session.delete(existing)
        session.flush()
        audit(session, school_id=editor.school_id, action="gradebook.final_mark.delete",
              object_type="gradebook.final_mark", object_id=old["id"], old=old, new={"reason": reason},
              actor_id=editor.user_id)
        return None
    parsed = parse_final_mark(value, settings)
    explanation = final_forecast(session, settings, class_id=class_id, subject_id=subject_id,
                                 student_id=student_id, term=term, terms=terms)
    forecast = explanation.forecast
    if (forecast is None or parsed.value != str(forecast)) and not reason:
        if forecast is None:
            raise MarkError(N_("There is no forecast (no marks): give the reason for this final mark."),
                            field="reason")
        raise MarkError(N_("The mark differs from the forecast (%(forecast)s): give the reason."), field="reason",
                        forecast=forecast)
    values = {"value": parsed.value, "numeric": parsed.numeric, "forecast": explanation.shown, "reason": reason}
    if existing is None:
        final = FinalMark(school_id=editor.school_id, set_by=editor.user_id, **action_base, **values)
        session.add(final)
        session.flush()
        audit(session, school_id=editor.school_id, action="gradebook.final_mark.create",
              object_type="gradebook.final_mark", object_id=final.id, old=None, new=final_state(final),
              actor_id=editor.user_id)
        return final
    old = {k: getattr(existing, k) for k in values if getattr(existing, k) != values[k]}
    if not old or set(old) == {"forecast"}:
        return existing
    for name, new_value in values.items():
        setattr(existing, name, new_value)
    existing.set_by, existing.set_at = editor.user_id, utcnow()
    session.flush()
    audit(session, school_id=editor.school_id, action="gradebook.final_mark.update", object_type="gradebook.final_mark",
          object_id=existing.id, old={**action_base, **old}, new={**action_base, **{k: values[k] for k in old}},
          actor_id=editor.user_id)
    return existing


def _assignment_any(session: Session, class_id: int, subject_id: int, teacher_id: int) -> int | None:
    return session.scalar(select(TeachingAssignment.id).where(
        TeachingAssignment.class_id == class_id, TeachingAssignment.subject_id == subject_id,
        TeachingAssignment.teacher_id == teacher_id).limit(1))


def revert_final_mark(session: Session, entry: Any) -> dict[str, Any]:
    final = session.get(FinalMark, int(entry.object_id))
    if final is not None and final.school_id != entry.school_id:
        return {}
    action = entry.action.rsplit(".", 1)[-1]
    fields_ = ("value", "numeric", "forecast", "reason")
    if action == "create":
        if final is not None:
            session.delete(final)
            session.flush()
        return {"deleted": True}
    if action == "update":
        if final is None:
            return {}
        restored = {k: v for k, v in (entry.old or {}).items() if k in fields_}
        for name, value in restored.items():
            setattr(final, name, value)
        session.flush()
        return restored
    if action == "delete":
        old = entry.old or {}
        if final is not None or not old:
            return {}
        session.add(FinalMark(id=int(entry.object_id), school_id=entry.school_id, class_id=old["class_id"],
                              subject_id=old["subject_id"], student_id=old["student_id"], term_id=old["term_id"],
                              value=old["value"], numeric=old.get("numeric"), forecast=old.get("forecast"),
                              reason=old.get("reason", "")))
        session.flush()
        return {k: old.get(k) for k in fields_}
    return {}


@dataclass
class FinalRow:
    """One student on the final marks page: per term (and the year) average, forecast, final mark."""

    student_id: int
    short_name: str
    averages: dict[int | None, float | None]
    forecasts: dict[int | None, int | None]
    finals: dict[int | None, FinalMark]


def final_sheet(session: Session, settings: Mapping[str, Any], *, class_id: int, subject_id: int,
                subgroup_id: int | None, terms: Sequence[Term]) -> list[FinalRow]:
    """The final marks page of a class (or subgroup) and subject for every term and the year (3 queries)."""
    weights = work_type_weights(settings)
    start = min((t.starts_on for t in terms), default=date.min)
    end = max((t.ends_on for t in terms), default=date.max)
    query = (
        select(User.id, User.last_name, User.first_name, User.middle_name)
        .join(ClassMembership, ClassMembership.student_id == User.id)
        .where(ClassMembership.class_id == class_id, ClassMembership.starts_on <= end,
               or_(ClassMembership.ends_on.is_(None), ClassMembership.ends_on >= start))
        .group_by(User.id, User.last_name, User.first_name, User.middle_name)
        .order_by(User.last_name, User.first_name, User.middle_name, User.id)
    )
    if subgroup_id:
        query = query.join(SubgroupMember, and_(SubgroupMember.student_id == User.id,
                                                SubgroupMember.subgroup_id == subgroup_id))
    students = [(sid, last + "".join(f" {p[0]}." for p in (first, middle) if p))
                for sid, last, first, middle in session.execute(query)]
    ids = [s for s, _n in students]
    per: dict[tuple[int, int], list[tuple[str, float | None, str]]] = defaultdict(list)
    year_marks: dict[int, list[tuple[str, float | None, str]]] = defaultdict(list)
    for row in term_marks(session, class_id, subject_id, start, end, ids):
        for t in terms:
            if t.starts_on <= row[3] <= t.ends_on:
                per[(row[0], t.id)].append((row[4], row[5], row[6]))
                break
        year_marks[row[0]].append((row[4], row[5], row[6]))
    finals: dict[tuple[int, int | None], FinalMark] = {
        (f.student_id, f.term_id): f for f in session.scalars(select(FinalMark).where(
            FinalMark.class_id == class_id, FinalMark.subject_id == subject_id, FinalMark.student_id.in_(ids)))}
    rows = []
    for sid, name in students:
        averages: dict[int | None, float | None] = {}
        forecasts: dict[int | None, int | None] = {}
        for t in terms:
            avg = weighted_average(per.get((sid, t.id), ()), weights)
            averages[t.id] = avg.shown
            forecasts[t.id] = forecast_mark(avg.shown, settings)
        if settings["year_forecast"] == "marks":
            year = weighted_average(year_marks.get(sid, ()), weights)
        else:
            year = weighted_average(((f.value, f.numeric, "term") for t in terms
                                     if (f := finals.get((sid, t.id))) is not None), {"term": 1.0})
        averages[None] = year.shown
        forecasts[None] = forecast_mark(year.shown, settings)
        rows.append(FinalRow(sid, name, averages, forecasts,
                             {t: f for (s, t), f in finals.items() if s == sid}))
    return rows


# --- the teacher's day ------------------------------------------------------------------------------

def teacher_lessons(session: Session, school_id: int, teacher_id: int, start: date, end: date) -> list[Any]:
    """A teacher's lessons between two dates with class, subject and subgroup names (one query)."""
    return list(session.execute(
        select(Lesson.id, Lesson.date, Lesson.number, Lesson.topic, Lesson.class_id, Lesson.subject_id,
               Lesson.subgroup_id, SchoolClass.grade_level, SchoolClass.letter, Subject.name.label("subject_name"),
               Subgroup.name.label("subgroup_name"))
        .join(SchoolClass, SchoolClass.id == Lesson.class_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .outerjoin(Subgroup, Subgroup.id == Lesson.subgroup_id)
        .where(Lesson.school_id == school_id, Lesson.teacher_id == teacher_id, Lesson.date >= start,
               Lesson.date <= end)
        .order_by(Lesson.date, Lesson.number)))


def lessons_without_topic(session: Session, school_id: int, teacher_id: int, start: date, end: date) -> int:
    return session.scalar(select(func.count(Lesson.id)).where(
        Lesson.school_id == school_id, Lesson.teacher_id == teacher_id, Lesson.date >= start, Lesson.date <= end,
        Lesson.topic == "")) or 0
