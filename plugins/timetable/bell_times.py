"""Bell schedules: the school's default one, saving a schedule's rows, and each class's bells."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import time
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from core.toolkit import N_
from plugins.timetable.models import Bell, BellSchedule, ClassBells
from plugins.timetable.refusals import fail


def parse_time(text: str) -> time:
    hours, minutes = text.strip().split(":")
    return time(int(hours), int(minutes))


def default_schedule(session: Session, school_id: int) -> BellSchedule | None:
    return session.scalar(select(BellSchedule).where(BellSchedule.school_id == school_id)
                          .order_by(BellSchedule.is_default.desc(), BellSchedule.shift, BellSchedule.id).limit(1))


def ensure_bells(session: Session, school_id: int, default_bells: list[dict[str, Any]]) -> BellSchedule:
    """The school's default bell schedule, created from the settings the first time it is needed."""
    schedule = default_schedule(session, school_id)
    if schedule is None:
        schedule = BellSchedule(school_id=school_id, name="1 смена", shift=1, is_default=True)
        session.add(schedule)
        session.flush()
        session.execute(insert(Bell), [{"schedule_id": schedule.id, "number": b["number"],
                                        "starts_at": parse_time(b["starts_at"]), "ends_at": parse_time(b["ends_at"])}
                                       for b in default_bells])
    return schedule


def save_bells(session: Session, schedule: BellSchedule, rows: list[tuple[int, time, time]]) -> None:
    """Replace a schedule's bells; lessons must not overlap and must follow each other in order."""
    rows = sorted(rows)
    numbers = [r[0] for r in rows]
    if len(numbers) != len(set(numbers)):
        raise fail("bells", N_("Each lesson number may appear only once."))
    for number, start, end in rows:
        if start >= end:
            raise fail("bells", N_("Lesson %(number)s must end after it starts."), number=number)
    for (n1, _s1, e1), (n2, s2, _e2) in zip(rows, rows[1:], strict=False):
        if s2 < e1:
            raise fail("bells", N_("Lesson %(second)s starts before lesson %(first)s ends."), first=n1, second=n2)
    session.execute(delete(Bell).where(Bell.schedule_id == schedule.id))
    if rows:
        session.execute(insert(Bell), [{"schedule_id": schedule.id, "number": n, "starts_at": s, "ends_at": e}
                                       for n, s, e in rows])


def bells_of_classes(session: Session, school_id: int, class_ids: Iterable[int]) -> dict[int, dict[int, tuple[time, time]]]:
    """Lesson number -> (start, end) for each class, by its own shift or the school's default."""
    class_ids = list(class_ids)
    attached = dict(session.execute(select(ClassBells.class_id, ClassBells.schedule_id)
                                    .where(ClassBells.class_id.in_(class_ids))).all()) if class_ids else {}
    default = default_schedule(session, school_id)
    wanted = set(attached.values()) | ({default.id} if default else set())
    by_schedule: dict[int, dict[int, tuple[time, time]]] = defaultdict(dict)
    if wanted:
        for bell in session.scalars(select(Bell).where(Bell.schedule_id.in_(wanted))):
            by_schedule[bell.schedule_id][bell.number] = (bell.starts_at, bell.ends_at)
    return {c: by_schedule.get(attached.get(c, default.id if default else -1), {}) for c in class_ids}

