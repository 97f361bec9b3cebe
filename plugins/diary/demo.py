"""Demo data of the diary: teachers' notes, six weeks of families' visits (some guardians never come),
acknowledgements of past weeks, mixed notification preferences, one notice to the deputy.

Nothing is put in the outbox: a demo must never send e-mail.
"""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.toolkit import (
    ClassMembership,
    GuardianLink,
    School,
    SchoolClass,
    TeachingAssignment,
    User,
    agreed,
)
from plugins.diary.models import (
    Acknowledgement,
    DeputyNotice,
    NotificationPreference,
    Remark,
    Visit,
)

TEXTS = {
    "praise": [
        "Отлично выступил(а) на школьной олимпиаде, занял(а) призовое место.",
        "Активно работал(а) на уроке, помогал(а) одноклассникам разобраться с задачей.",
        "Подготовил(а) интересный доклад, класс слушал с большим вниманием.",
        "Прекрасно написал(а) контрольную работу — без единой ошибки.",
        "Аккуратно и вовремя выполняет все домашние задания. Так держать!",
    ],
    "concern": [
        "Второй раз за неделю не выполнено домашнее задание.",
        "Разговаривал(а) на уроке и мешал(а) одноклассникам работать.",
        "Пришёл (пришла) на урок без тетради и учебника.",
        "Не сдан в срок проект; прошу проконтролировать.",
        "Опоздание на первый урок без уважительной причины.",
    ],
    "recommendation": [
        "Рекомендую повторить правила правописания безударных гласных.",
        "Стоит уделить внимание решению задач на движение — по 2–3 задачи в день.",
        "Рекомендую читать вслух по 15 минут ежедневно.",
        "Прошу помочь с подготовкой к контрольной работе на следующей неделе.",
        "Полезно записаться на дополнительное занятие по четвергам.",
    ],
}
WEEKS = 6


def _moment(rng: random.Random, day: date, tz: ZoneInfo, now: datetime) -> datetime:
    """An evening moment of a school day (families look at the diary after work), never in the future."""
    local = datetime.combine(day, time(rng.choice([7, 8, 13, 17, 18, 19, 20, 21, 22]), rng.randrange(60)), tz)
    moment = local.astimezone(UTC)
    return moment if moment < now else now - timedelta(minutes=rng.randrange(5, 90))


def build(session: Session, school: School, size: str, today: date | None = None) -> dict[str, int]:
    from core.toolkit import plugin_settings, school_zone

    rng = random.Random(31)
    tz = school_zone(school.id, session=session)
    now = datetime.now(UTC)
    today = today or now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    first_day = monday - timedelta(weeks=WEEKS)
    settings = plugin_settings("diary")

    members: dict[int, list[int]] = defaultdict(list)
    for class_id, student_id in session.execute(
            select(ClassMembership.class_id, ClassMembership.student_id)
            .where(ClassMembership.school_id == school.id).order_by(ClassMembership.student_id)):
        members[class_id].append(student_id)
    class_of = {s: c for c, ids in members.items() for s in ids}
    links = session.execute(select(GuardianLink.guardian_id, GuardianLink.student_id, User.email)
                            .join(User, User.id == GuardianLink.guardian_id)
                            .where(GuardianLink.school_id == school.id)
                            .order_by(GuardianLink.guardian_id, GuardianLink.student_id)).all()
    children: dict[int, list[int]] = defaultdict(list)
    emails: dict[int, str] = {}
    for guardian_id, student_id, email in links:
        children[guardian_id].append(student_id)
        emails[guardian_id] = email or ""
    two_children = {g for g, kids in children.items() if len(kids) > 1}
    days = [first_day + timedelta(days=n) for n in range((today - first_day).days + 1)]

    # Families: a third follows the diary closely, some now and then, some never (the monitoring's subject).
    habit = {g: "never" if rng.random() < 0.22 else "regular" if rng.random() < 0.6 else "sometimes" for g in children}
    for g in two_children:
        habit[g] = "regular"  # the demo guardian account sees a lived-in diary
    visit_rows: list[dict[str, Any]] = []
    ack_rows: list[dict[str, Any]] = []
    for guardian_id, kids in children.items():
        if habit[guardian_id] == "never":
            continue
        chance = 0.45 if habit[guardian_id] == "regular" else 0.08
        for day in days:
            if rng.random() < chance or (guardian_id in two_children and day == today):
                for kid in kids:
                    visit_rows.append({"school_id": school.id, "viewer_id": guardian_id, "student_id": kid,
                                       "viewer_role": "guardian", "page": rng.choice(["week", "week", "marks"]),
                                       "day": day, "visited_at": _moment(rng, day, tz, now)})
        ack_chance = 0.8 if habit[guardian_id] == "regular" else 0.3
        for week in range(WEEKS, -1, -1):
            week_start = monday - timedelta(weeks=week)
            for kid in kids:
                if rng.random() < ack_chance and (week > 0 or today.weekday() >= 2):
                    ack_day = min(week_start + timedelta(days=rng.choice([4, 5, 6])), today)
                    ack_rows.append({"school_id": school.id, "guardian_id": guardian_id, "student_id": kid,
                                     "week_start": week_start, "remark_id": None,
                                     "created_at": _moment(rng, ack_day, tz, now)})
    for student_id in class_of:
        if rng.random() < 0.6:
            for day in days:
                if rng.random() < 0.25:
                    visit_rows.append({"school_id": school.id, "viewer_id": student_id, "student_id": student_id,
                                       "viewer_role": "student", "page": "week", "day": day,
                                       "visited_at": _moment(rng, day, tz, now)})

    # Notification preferences: only guardians with an address can choose e-mail.
    pref_rows = []
    for guardian_id in children:
        if not emails.get(guardian_id):
            continue
        roll = rng.random()
        mode = "instant" if roll < 0.3 else "daily" if roll < 0.6 else "weekly" if roll < 0.7 else "none"
        if guardian_id in two_children:
            mode = "daily"
        pref_rows.append({"guardian_id": guardian_id, "school_id": school.id, "mode": mode, "marks": True,
                          "absences": True, "remarks": True, "homework": rng.random() < 0.3, "updated_at": now})

    # Teachers' notes: a few per class over the last weeks, from its teachers and its class teacher.
    teachers: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for class_id, teacher_id, subject_id in session.execute(
            select(TeachingAssignment.class_id, TeachingAssignment.teacher_id, TeachingAssignment.subject_id)
            .where(TeachingAssignment.school_id == school.id)):
        teachers[class_id].append((teacher_id, subject_id))
    class_teacher = dict(session.execute(select(SchoolClass.id, SchoolClass.class_teacher_id)
                                         .where(SchoolClass.school_id == school.id)).all())
    remark_rows: list[dict[str, Any]] = []
    # Each note agrees with its student («работала» for a girl), so the names are needed.
    people = {row.id: row for row in session.execute(
        select(User.id, User.last_name, User.first_name, User.middle_name).where(User.school_id == school.id))}
    per_class = 10 if size != "full" else 4
    school_days = [d for d in days if d.weekday() < 5]
    for class_id, kids in members.items():
        for _ in range(per_class):
            kind = rng.choice(["praise", "praise", "concern", "concern", "recommendation"])
            if class_teacher.get(class_id) and rng.random() < 0.3:
                author, subject = class_teacher[class_id], None
            elif teachers[class_id]:
                author, subject = rng.choice(teachers[class_id])
            else:
                continue
            day = rng.choice(school_days)
            kid = rng.choice(kids)
            remark_rows.append({"school_id": school.id, "student_id": kid, "class_id": class_id,
                                "author_id": author, "subject_id": subject, "kind": kind,
                                "text": agreed(rng.choice(TEXTS[kind]), people[kid]), "day": day, "created_at": _moment(rng, day, tz, now)})
    # The two-children family gets a fresh note this week, still waiting for their confirmation.
    for g in sorted(two_children)[:1]:
        kid = children[g][0]
        if teachers[class_of.get(kid, 0)]:
            author, subject = teachers[class_of[kid]][0]
            remark_rows.append({"school_id": school.id, "student_id": kid, "class_id": class_of[kid],
                                "author_id": author, "subject_id": subject, "kind": "praise",
                                "text": agreed(TEXTS["praise"][1], people[kid]), "day": today, "created_at": now - timedelta(hours=1)})

    if visit_rows:
        for offset in range(0, len(visit_rows), 20000):
            session.execute(insert(Visit), visit_rows[offset:offset + 20000])
    if ack_rows:
        session.execute(insert(Acknowledgement), ack_rows)
    if pref_rows:
        session.execute(insert(NotificationPreference), pref_rows)
    if remark_rows:
        remark_ids = _insert_remarks(session, remark_rows)
        guardians_of: dict[int, list[int]] = defaultdict(list)
        for g, kids in children.items():
            for kid in kids:
                guardians_of[kid].append(g)
        remark_acks = []
        for remark_id, row in zip(remark_ids, remark_rows, strict=True):
            for g in guardians_of[row["student_id"]]:
                if habit[g] == "regular" and row["day"] < today and rng.random() < 0.7:
                    remark_acks.append({"school_id": school.id, "guardian_id": g, "student_id": row["student_id"],
                                        "week_start": None, "remark_id": remark_id,
                                        "created_at": min(row["created_at"] + timedelta(hours=rng.randint(2, 30)), now)})
        if remark_acks:
            session.execute(insert(Acknowledgement), remark_acks)

    # One notice the deputy has not read yet, from a class teacher other than 5А's.
    notices = 0
    deputy_class = next((c for c in sorted(members) if class_teacher.get(c)), None)
    if deputy_class is not None and size != "full":
        quiet = [g for g in children if habit[g] == "never" and any(class_of.get(k) == deputy_class
                                                                    for k in children[g])]
        names = dict(session.execute(select(User.id, User.last_name + " " + User.first_name + " " + User.middle_name)
                                     .where(User.id.in_(quiet + [k for g in quiet for k in children[g]]))).all())
        if quiet:
            session.execute(insert(DeputyNotice), [{
                "school_id": school.id, "class_id": deputy_class, "author_id": class_teacher[deputy_class],
                "inactive_days": settings["inactive_days"],
                "guardians": [{"id": g, "name": names.get(g, ""), "student": names.get(children[g][0], ""),
                               "last": None} for g in quiet],
                "note": "Прошу пригласить родителей на беседу.", "created_at": now - timedelta(days=3)}])
            notices = 1

    session.flush()
    return {"visits": len(visit_rows), "acknowledgements": len(ack_rows), "remarks": len(remark_rows),
            "preferences": len(pref_rows), "notices": notices}


def _insert_remarks(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    from core.toolkit import insert_with_ids

    return insert_with_ids(session, Remark, rows)
