"""The feed's content, built on request from current data (a substitution made a minute ago is in the next
download): the student's weeks from the diary's public module (lessons with teacher, topic and the
timetable's changes; homework due dates; holidays), planned tests from the diary's test-schedule hook (the
timetable's test calendar), and class events when that plugin is on. Times are written in UTC."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from typing import Any

from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from core.toolkit import (
    hook,
    local_to_utc,
    plugin_enabled,
    plugin_settings,
    school_today,
    school_zone,
    utcnow,
)
from plugins.diary.public import DiaryWeek, student_week


def _h(text: str) -> str:
    """A stable short key for a UID (Python's ``hash`` changes between processes)."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _event(uid: str, summary: str, *, day: date, start: str | None = None, end: str | None = None,
           zone: Any = None, description: str = "", location: str = "") -> Event:
    event = Event()
    event.add("uid", f"{uid}@klass")
    event.add("dtstamp", utcnow())
    event.add("summary", summary)
    if start and end:
        event.add("dtstart", local_to_utc(datetime.combine(day, time.fromisoformat(start)), zone))
        event.add("dtend", local_to_utc(datetime.combine(day, time.fromisoformat(end)), zone))
    else:
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
    if description:
        event.add("description", description)
    if location:
        event.add("location", location)
    return event


def _lesson_events(week: DiaryWeek, zone: Any) -> list[Event]:
    events = []
    for day in week.days:
        if day.holiday:
            events.append(_event(f"holiday-{week.student.id}-{day.date}", day.holiday, day=day.date))
        for lesson in day.lessons:
            start, end = lesson.time.split("–", 1) if lesson.time and "–" in lesson.time else (None, None)
            lines = [f"Учитель: {lesson.teacher}"] + ([f"Тема: {lesson.topic}"] if lesson.topic else [])
            lines += [f"Изменение: {c}" for c in lesson.changes]
            if lesson.homework:
                lines.append(f"Домашнее задание: {lesson.homework}")
            summary = f"{lesson.number}. {lesson.subject}" + (" (изменение)" if lesson.changes else "")
            events.append(_event(f"lesson-{lesson.id}-{week.student.id}", summary, day=day.date, start=start,
                                 end=end, zone=zone, description="\n".join(lines)))
            if lesson.homework and lesson.homework_due:
                events.append(_event(f"homework-{lesson.id}-{week.student.id}", f"Сдать: {lesson.subject}",
                                     day=lesson.homework_due, description=lesson.homework))
        for change in day.changes:
            events.append(_event(f"change-{week.student.id}-{day.date}-{_h(change)}", change,
                                 day=day.date))
    return events


def build(session: Session, owner: Any, student_id: int) -> bytes | None:
    """The student's calendar as the owner may see it, or None (no longer the owner's to see)."""
    settings = plugin_settings("calendar_feeds")
    today = school_today(owner.school_id, session=session)
    monday = today - timedelta(days=today.weekday())
    first, last = monday - timedelta(weeks=settings["weeks_back"]), monday + timedelta(weeks=settings["weeks_ahead"])
    zone = school_zone(owner.school_id, session=session)
    calendar = Calendar()
    calendar.add("prodid", "-//Klass//calendar feeds//RU")
    calendar.add("version", "2.0")
    calendar.add("x-wr-timezone", str(zone))
    name = None
    class_ids: set[int] = set()
    week_day = first
    while week_day <= last:
        week = student_week(session, owner, student_id, week_day)
        if week is None:
            return None
        name = week.student.short_name
        if week.class_id is not None:
            class_ids.add(week.class_id)
        for event in _lesson_events(week, zone):
            calendar.add_component(event)
        week_day += timedelta(weeks=1)
    end = last + timedelta(days=6)
    for class_id in class_ids:
        for found in hook().extra_diary_test_schedule(session=session, school_id=owner.school_id, class_id=class_id,
                                                start=first, end=end):
            for test in found:
                calendar.add_component(_event(f"test-{class_id}-{test['date']}-{_h(test['subject'])}",
                                              f"{test['title']}: {test['subject']}", day=test["date"]))
        if plugin_enabled("class_events"):
            from plugins.class_events.public import events_between

            for item in events_between(session, owner.school_id, class_id, first, end):
                start = item.starts_at or None
                finish = (datetime.combine(item.day, time.fromisoformat(start)) + timedelta(hours=1)).strftime("%H:%M") \
                    if start else None
                calendar.add_component(_event(f"class-event-{item.id}", item.title, day=item.day, start=start,
                                              end=finish, zone=zone, location=item.place))
    calendar.add("x-wr-calname", f"Школа: {name}" if name else "Школа")
    return calendar.to_ical()
