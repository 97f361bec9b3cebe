"""Final marks of a term or the year: the forecast to confirm, a reason for another mark, the lock."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.toolkit import (
    N_,
    ClassMembership,
    SchoolClass,
    SubgroupMember,
    TeachingAssignment,
    Term,
    User,
    audit,
    utcnow,
)
from plugins.gradebook.averages import average_of
from plugins.gradebook.editing import Editor
from plugins.gradebook.errors import EditRefused, MarkError, NotFound, VersionConflict
from plugins.gradebook.explanations import (
    TERM_MARK,
    Explanation,
    explain_average,
    explain_year,
    term_mark_settings,
    term_marks,
)
from plugins.gradebook.mark_parsing import parse_final_mark
from plugins.gradebook.models import FinalMark


def period_closes_on(term: Term | None, terms: Sequence[Term]) -> date | None:
    """When final marks of a term (or of the year: ``term`` None) lock for teachers."""
    if term is not None:
        return term.closes_on
    return max((t.closes_on for t in terms), default=None)


def period_opens_on(term: Term | None, terms: Sequence[Term], settings: Mapping[str, Any]) -> date | None:
    """The first day final marks of a term (or of the year: ``term`` None) may be entered.

    A term's: ``final_marks_open_days_before`` days before it ends (the closing window, so one click weeks
    early cannot set a whole class's marks); the year's: the day after the last term ends.
    """
    if term is not None:
        return term.ends_on - timedelta(days=settings.get("final_marks_open_days_before", 14))
    last = max((t.ends_on for t in terms), default=None)
    return last + timedelta(days=1) if last is not None else None


def window_refusal(term: Term | None, terms: Sequence[Term], settings: Mapping[str, Any],
                   today: date) -> EditRefused | None:
    """Why final marks of the period cannot be entered yet (None once its closing window has opened)."""
    opens = period_opens_on(term, terms, settings)
    if opens is None or today >= opens:
        return None
    if term is None:
        return EditRefused(N_("Year marks are entered after the last term ends: from %(date)s."),
                           date=opens.strftime("%d.%m.%Y"))
    return EditRefused(N_("Final marks of this term are entered from %(date)s, shortly before it ends."),
                       date=opens.strftime("%d.%m.%Y"))


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

    Two people at the same moment: the second write fails on the unique key (both created: a term's key,
    or for the year, whose ``term_id`` is NULL, the partial index ``uq_gradebook_final_mark_year``) or
    matches no row (``WHERE version =``: both changed); the refusal then names the winner's mark, read
    afresh. Only this save's savepoint is rolled back: what the caller saved before in the same
    transaction (the other rows of the final marks page) stays.
    """
    try:
        with session.begin_nested():
            return _set_final_mark(session, settings, editor, class_id=class_id, subject_id=subject_id,
                                   student_id=student_id, term_id=term_id, value=value, reason=reason,
                                   version=version)
    except (IntegrityError, StaleDataError):
        final = session.scalar(select(FinalMark).where(
            FinalMark.class_id == class_id, FinalMark.subject_id == subject_id, FinalMark.student_id == student_id,
            FinalMark.term_id == term_id if term_id else FinalMark.term_id.is_(None))
            .execution_options(populate_existing=True))
        if final is None:
            raise VersionConflict(N_("Someone else has removed this final mark meanwhile. Your change was not "
                                     "saved."), current=None) from None
        raise VersionConflict(
            N_("Someone else has set this final mark meanwhile: now “%(value)s”. Your change was not saved."),
            value=final.value, current=final_state(final)) from None


def _set_final_mark(session: Session, settings: Mapping[str, Any], editor: Editor, *, class_id: int,
                    subject_id: int, student_id: int, term_id: int | None, value: str, reason: str,
                    version: int | None) -> FinalMark | None:
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
        ClassMembership.active_between(start, end)).limit(1))
    if member is None:
        raise MarkError(N_("This student is not in the class in this period."), field="student_id")
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise MarkError(N_("The reason is too long (at most 500 characters)."), field="reason")
    early = window_refusal(term, terms, settings, editor.today)
    if early is not None:
        raise early
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
    start = min((t.starts_on for t in terms), default=date.min)
    end = max((t.ends_on for t in terms), default=date.max)
    query = (
        select(User.id, User.last_name, User.first_name, User.middle_name)
        .join(ClassMembership, ClassMembership.student_id == User.id)
        .where(ClassMembership.class_id == class_id, ClassMembership.active_between(start, end))
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
            avg = average_of(per.get((sid, t.id), ()), settings)
            averages[t.id] = avg.value
            forecasts[t.id] = avg.forecast
        if settings["year_forecast"] == "marks":
            year = average_of(year_marks.get(sid, ()), settings)
        else:
            year = average_of(((f.value, f.numeric, TERM_MARK) for t in terms
                               if (f := finals.get((sid, t.id))) is not None), term_mark_settings(settings))
        averages[None] = year.value
        forecasts[None] = year.forecast
        rows.append(FinalRow(sid, name, averages, forecasts,
                             {t: f for (s, t), f in finals.items() if s == sid}))
    return rows
