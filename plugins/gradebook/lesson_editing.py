"""Lessons, their homework and attachments, and the lesson plan (КТП) that fills their topics."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.toolkit import (
    N_,
    RevertConflict,
    SchoolClass,
    TeachingAssignment,
    audit,
    ensure_as_left,
    utcnow,
)
from plugins.gradebook.averages import work_type_weights
from plugins.gradebook.editing import Editor, check_lesson
from plugins.gradebook.errors import EditRefused, MarkError, NotFound, VersionConflict
from plugins.gradebook.models import Homework, HomeworkFile, Lesson, LessonPlanItem, Mark

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
    from core.toolkit import AcademicYear

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


def lesson_state(session: Session, lesson: Lesson) -> dict[str, Any]:
    """The lesson's fields and homework as the audit log keeps them (the revert compares with this)."""
    homework = session.scalar(select(Homework).where(Homework.lesson_id == lesson.id))
    return {**{name: getattr(lesson, name) for name in LESSON_FIELDS}, "class_id": lesson.class_id,
            "subject_id": lesson.subject_id, "subgroup_id": lesson.subgroup_id, "teacher_id": lesson.teacher_id,
            "homework": homework.text if homework else None, "due_date": homework.due_date if homework else None,
            "version": lesson.version}


def _check_lesson_version(session: Session, lesson: Lesson, version: int | None) -> None:
    """A form or API call made from an older view of the lesson is refused, showing what is there now."""
    if version is None or version == lesson.version:
        return
    now = lesson_state(session, lesson)
    raise VersionConflict(
        N_("Someone else has changed this lesson meanwhile: the topic is now “%(topic)s”, the homework "
           "“%(homework)s”. Your changes were not saved; check them and save again."),
        field=None, topic=now["topic"] or "—", homework=now["homework"] or "—", current=now)


def update_lesson(session: Session, settings: Mapping[str, Any], editor: Editor, lesson_id: int,
                  version: int | None = None, **values: Any) -> Lesson:
    """Change a lesson's date, number, topic, summary, control work type and homework (``homework``,
    ``due_date``); only the fields given. Audited with old and new values.

    ``version`` is the lesson's version the user saw (the forms and the API always send it): an older
    one is refused with ``VersionConflict``; None is for services that read and write in one go.
    Someone saving the same lesson at the same moment: our UPDATE (``WHERE version =`` the one read) finds
    no row once theirs commits; the refusal then shows what they saved (read after a rollback)."""
    try:
        return _update_lesson(session, settings, editor, lesson_id, version, **values)
    except StaleDataError:
        session.rollback()
        lesson = get_lesson(session, editor.school_id, lesson_id)
        _check_lesson_version(session, lesson, -1)
        raise  # unreachable: the version read never equals -1


def _update_lesson(session: Session, settings: Mapping[str, Any], editor: Editor, lesson_id: int,
                   version: int | None, **values: Any) -> Lesson:
    lesson = get_lesson(session, editor.school_id, lesson_id)
    check_lesson(session, settings, editor, lesson, for_marks=False)
    _check_lesson_version(session, lesson, version)
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
        lesson.version += 1
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
    """Undo an audited change of a lesson, only while the lesson is still as the entry left it.

    A lesson the leaked account created is deleted (its homework with it) when it is exactly that lesson
    and nobody else's marks are in it (the intruder's own marks were undone before, newest first);
    otherwise it is a conflict. A deleted lesson comes back with its id and fields."""
    lesson = session.get(Lesson, int(entry.object_id))
    if lesson is not None and lesson.school_id != entry.school_id:
        return {}
    action = entry.action.rsplit(".", 1)[-1]
    state = lesson_state(session, lesson) if lesson is not None else None
    if action == "create":
        ensure_as_left(entry, state)
        assert lesson is not None and state is not None
        marks = session.scalar(select(func.count()).select_from(Mark).where(Mark.lesson_id == lesson.id)) or 0
        if marks:
            raise RevertConflict({**state, "marks": marks}, entry.new, reason="has marks")
        session.delete(lesson)  # the homework, its files and attendance go with it (ON DELETE CASCADE)
        session.flush()
        return {"deleted": True, **{k: state[k] for k in ("class_id", "subject_id", "date", "number", "topic")}}
    if action == "delete":
        if lesson is not None:
            raise RevertConflict(state, None, reason="exists")
        old = dict(entry.old or {})
        values = {k: old.get(k) for k in LESSON_FIELDS if k in old}
        if isinstance(values.get("date"), str):
            values["date"] = date.fromisoformat(values["date"])
        session.add(Lesson(id=int(entry.object_id), school_id=entry.school_id, class_id=old["class_id"],
                           subject_id=old["subject_id"], subgroup_id=old.get("subgroup_id"),
                           teacher_id=old["teacher_id"], **values))
        session.flush()
        return old
    ensure_as_left(entry, state)
    assert lesson is not None
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
    lesson.version += 1
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
    from core.toolkit import AcademicYear

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
        lesson.version += 1
        changed += 1
    session.flush()
    return changed
