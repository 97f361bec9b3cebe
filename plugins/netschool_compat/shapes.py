"""Klass's data in the shapes the Сетевой Город clients parse (field names from ``netschoolapi``'s
``schemas.py`` and ``netschoolpy``: dates as ``YYYY-MM-DDT00:00:00``, marks nested as ``{"mark",
"dutyMark"}``, a comment as ``{"name"}``, work types by numeric ``typeId``).

Assignment ids say what they stand for, so ``get-attachments`` can find the lesson again: ``lesson*10+1``
is a lesson's homework, ``mark*10+2`` a mark, ``lesson*10+3`` a control work still without a mark.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from plugins.diary.public import WeekLesson

HOMEWORK, MARK, DEBT = 1, 2, 3
HOMEWORK_TYPE_ID = 3  # the original's "Домашнее задание"
OTHER_TYPE_ID = 99
FIRST_WORK_TYPE_ID = 100


def day(value: date) -> str:
    return f"{value.isoformat()}T00:00:00"


def work_type_ids(work_types: list[Mapping[str, Any]]) -> dict[str, int]:
    """Work type code (and title) -> its numeric id, in the order the school's settings list them."""
    ids: dict[str, int] = {}
    for n, w in enumerate(work_types):
        ids[w["code"]] = ids[w["title"]] = FIRST_WORK_TYPE_ID + n
    return ids


def assignment_types(work_types: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    types = [{"id": HOMEWORK_TYPE_ID, "name": "Домашнее задание", "abbr": "ДЗ", "order": 0}]
    types += [{"id": FIRST_WORK_TYPE_ID + n, "name": w["title"], "abbr": w["title"][:3], "order": n + 1}
              for n, w in enumerate(work_types)]
    types.append({"id": OTHER_TYPE_ID, "name": "Другое", "abbr": "Др", "order": len(types)})
    return types


def _whole(value: str) -> int | None:
    """The mark as the clients' integer field wants it: "4+" and "4−" are 4 (the protocol has no modifiers);
    special codes (н/а, зч) have none."""
    digits = value[:2] if value[:2].isdigit() else value[:1]
    return int(digits) if digits.isdigit() else None


def _times(lesson: WeekLesson) -> tuple[str, str]:
    if lesson.time and "–" in lesson.time:
        start, end = lesson.time.split("–", 1)
        return start, end
    return "00:00", "00:00"


def lesson_assignments(lesson: WeekLesson, type_ids: Mapping[str, int], weights: Mapping[str, float]
                       ) -> list[dict[str, Any]]:
    due = lesson.homework_due or lesson.date
    out: list[dict[str, Any]] = []
    if lesson.homework:
        out.append({"id": lesson.id * 10 + HOMEWORK, "typeId": HOMEWORK_TYPE_ID, "assignmentName": lesson.homework,
                    "dueDate": day(due), "weight": 0, "mark": None, "markComment": None,
                    "attachmentsExists": bool(lesson.files), "classMeetingId": lesson.id})
    for m in lesson.marks:
        out.append({"id": m.id * 10 + MARK, "typeId": type_ids.get(m.work_type, OTHER_TYPE_ID),
                    "assignmentName": lesson.topic or m.work_type_title, "dueDate": day(lesson.date),
                    "weight": weights.get(m.work_type, 1.0),
                    "mark": {"assignmentId": m.id * 10 + MARK, "mark": _whole(m.value), "resultScore": None,
                             "dutyMark": False},
                    "markComment": {"name": m.comment} if m.comment else None, "classMeetingId": lesson.id})
    return out


def lesson(lesson: WeekLesson, type_ids: Mapping[str, int], weights: Mapping[str, float]) -> dict[str, Any]:
    start, end = _times(lesson)
    return {"classmeetingId": lesson.id, "day": day(lesson.date), "number": lesson.number, "relay": 1,
            "room": None, "startTime": start, "endTime": end, "subjectName": lesson.subject,
            "teacher": lesson.teacher, "topic": lesson.topic, "changes": lesson.changes,
            "assignments": lesson_assignments(lesson, type_ids, weights)}


def debt(lesson: WeekLesson, type_ids: Mapping[str, int]) -> dict[str, Any]:
    """A control work of a past lesson with no mark yet: the original's "overdue" (``pastMandatory``)."""
    title = lesson.control_work or ""
    return {"id": lesson.id * 10 + DEBT, "typeId": type_ids.get(title, OTHER_TYPE_ID),
            "assignmentName": f"{title}: {lesson.topic}" if lesson.topic else title, "dueDate": day(lesson.date),
            "weight": 0, "mark": None, "markComment": None, "subjectName": lesson.subject,
            "classMeetingId": lesson.id}


def announcement(item: Any, author: Any, posted: datetime) -> dict[str, Any]:
    return {"id": item.id, "name": item.title, "description": item.body,
            "postDate": posted.replace(tzinfo=None, microsecond=0).isoformat(),
            "deleteDate": None, "em": None, "recipientInfo": None, "attachments": [],
            "author": {"id": author.id if author else 0, "fio": author.full_name if author else "",
                       "nickName": author.full_name if author else ""}}


def short_school(school: Any) -> dict[str, Any]:
    return {"id": school.id, "name": school.name, "shortName": school.short_name,
            "addressString": school.address, "provinceId": None, "cityId": None, "inn": "", "ogrn": ""}


def school_card(school: Any) -> dict[str, Any]:
    return {"commonInfo": {"fullSchoolName": school.name, "schoolName": school.short_name, "about": "",
                           "status": None},
            "contactInfo": {"juridicalAddress": school.address, "postAddress": school.address,
                            "email": "", "web": "", "phones": ""},
            "managementInfo": {"director": school.principal_name, "principalAHC": "", "principalIT": "",
                               "principalUVR": ""}}
