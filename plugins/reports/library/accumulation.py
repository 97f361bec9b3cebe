"""Накопляемость оценок: students with fewer than K marks in a subject over their last N lessons (K = 1:
no mark at all), with the teacher to tell and a link to the journal page where the marks go."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from core.toolkit import User
from plugins.reports import data, figures
from plugins.reports.library import common
from plugins.reports.params import ReportParams, class_field, date_field, int_field, subject_field
from plugins.reports.registry import ReportDefinition, UserScope, user_scope
from plugins.reports.result import DATE, INT, TEXT, Chart, Column, Figure, ReportResult, Row, Series, Table


class AccumulationParams(ReportParams):
    class_id = class_field()
    subject_id = subject_field()
    lessons = int_field(_l("Last lessons (N)"), minimum=1, maximum=60, setting="accumulation_lessons")
    min_marks = int_field(_l("Fewer marks than (K)"), minimum=1, maximum=30, setting="accumulation_min_marks")
    on = date_field(_l("On the day"), days_ago=0)


def flagged_pairs(session: Session, school_id: int, scope: UserScope, class_ids: list[int] | None,
                  subject_id: int | None, n: int, k: int, on: Any) -> tuple[list[dict[str, Any]], int]:
    """Every (student, subject) the rule flags, and how many pairs were judged. Five queries in all:
    lessons, students, subgroups, marks of the lessons in the windows, names."""
    lookback = on - timedelta(days=7 * n + 35)  # N lessons of a one-hour subject, plus holidays
    lessons = data.lessons(session, school_id, lookback, on, class_ids)
    pupils = data.students(session, school_id, class_ids, on, on)
    members = data.subgroup_members(session, school_id, class_ids)
    streams: dict[tuple[int, int], list[Any]] = defaultdict(list)  # (class, subject) -> lessons, oldest first
    for lesson in lessons:
        if subject_id is not None and lesson.subject_id != subject_id:
            continue
        allowed = scope.subjects_in(lesson.class_id)
        if allowed is not None and lesson.subject_id not in allowed:
            continue
        streams[(lesson.class_id, lesson.subject_id)].append(lesson)
    groups_of: dict[int, set[int]] = defaultdict(set)  # student -> subgroups
    for subgroup_id, members_ in members.items():
        for student_id in members_:
            groups_of[student_id].add(subgroup_id)
    windows: dict[tuple[int, int, int], list[Any]] = {}
    for (class_id, subj), stream in streams.items():
        by_group: dict[int | None, list[Any]] = defaultdict(list)
        for lesson in stream:
            by_group[lesson.subgroup_id].append(lesson)
        for student in pupils.get(class_id, []):
            parts = [by_group[g] for g in [None, *sorted(groups_of.get(student.id, ()))] if g in by_group]
            if not parts:
                continue
            own = parts[0] if len(parts) == 1 else sorted((x for p in parts for x in p),
                                                          key=lambda x: (x.date, x.number, x.id))
            if student.starts_on > lookback or student.ends_on is not None:  # joined or left meanwhile
                own = [x for x in own if data.student_in_lesson(student, x, members)]
            if own:
                windows[(class_id, subj, student.id)] = own[-n:]
    needed = sorted({lesson.id for window in windows.values() for lesson in window})
    marks = data.marks_per_lesson_and_student(session, needed)
    flagged = []
    for (class_id, subj, student_id), window in windows.items():
        per_lesson = {lesson.id: marks.get((lesson.id, student_id), 0) for lesson in window}
        held, got = figures.accumulation_window([lesson.id for lesson in window], per_lesson, n)
        if figures.lacks_marks(held, got, n, k):
            flagged.append({"class_id": class_id, "subject_id": subj, "student_id": student_id, "lessons": held,
                            "marks": got, "since": window[0].date, "teacher_id": window[-1].teacher_id})
    return flagged, len(windows)


def run(session: Session, values: dict[str, Any], user: User) -> ReportResult:
    scope = user_scope(session, user)
    school_id = user.school_id
    n, k, on = values["lessons"], values["min_marks"], values["on"]
    class_id = values.get("class_id")
    class_ids = [class_id] if class_id else None
    flagged, judged = flagged_pairs(session, school_id, scope, class_ids, values.get("subject_id"), n, k, on)
    infos = {c.id: c for c in data.classes(session, school_id, class_ids)}
    subjects = data.subjects(session, school_id)
    pupils = {s.id: s for ss in data.students(session, school_id, class_ids, on, on).values() for s in ss}
    people = data.user_names(session, {f["teacher_id"] for f in flagged})
    term = data.current_term(session, school_id, on)
    flagged.sort(key=lambda f: (infos[f["class_id"]].grade_level, infos[f["class_id"]].letter,
                                pupils[f["student_id"]].short_name, subjects[f["subject_id"]].name))
    columns = [Column("class", _("Class"), TEXT, width=7), Column("student", _("Student"), TEXT, width=24),
               Column("subject", _("Subject"), TEXT, width=22), Column("teacher", _("Teacher to tell"), TEXT, width=22),
               Column("lessons", _("Lessons"), INT, width=8), Column("marks", _("Marks"), INT, width=7),
               Column("since", _("Since"), DATE, width=11)]
    rows = []
    for f in flagged:
        row = Row({"class": infos[f["class_id"]].name, "student": pupils[f["student_id"]].short_name,
                   "subject": subjects[f["subject_id"]].name, "teacher": people.get(f["teacher_id"], ""),
                   "lessons": f["lessons"], "marks": f["marks"], "since": f["since"]})
        row.links["subject"] = common.journal_link(f["class_id"], f["subject_id"], term.id if term else None)
        row.links["student"] = common.card_link(f["student_id"], term.id if term else None)
        row.styles["marks"] = "bad"
        rows.append(row)
    by_teacher = Counter(f["teacher_id"] for f in flagged)
    teacher_rows = [Row({"teacher": people.get(t, ""), "pairs": c,
                         "students": len({f["student_id"] for f in flagged if f["teacher_id"] == t})})
                    for t, c in sorted(by_teacher.items(), key=lambda kv: (-kv[1], people.get(kv[0], "")))]
    summary = [Figure("judged", _("Student–subject pairs checked"), judged, INT),
               Figure("flagged", _("Pairs below the rule"), len(flagged), INT),
               Figure("students", _("Students concerned"), len({f["student_id"] for f in flagged}), INT),
               Figure("teachers", _("Teachers to tell"), len(by_teacher), INT)]
    charts = []
    if teacher_rows:
        top = teacher_rows[:15]
        charts.append(Chart("by_teacher", "bar", _("Students without enough marks, by teacher"),
                            [r.values["teacher"] for r in top],
                            [Series(_("Pairs below the rule"), [float(r.values["pairs"]) for r in top])]))
    where = infos[class_id].name if class_id else _("whole school")
    return ReportResult(
        title=_("Mark accumulation"),
        subtitle=_("%(where)s, on %(day)s: fewer than %(k)s marks in the last %(n)s lessons",
                   where=where, day=common.day(on), k=k, n=n),
        tables=[Table("students", _("Students without enough marks"), columns, rows,
                      empty_text=_("Every student has enough marks.")),
                Table("teachers", _("By teacher"), [Column("teacher", _("Teacher"), TEXT, width=24),
                                                     Column("pairs", _("Pairs below the rule"), INT, width=10),
                                                     Column("students", _("Students"), INT, width=9)],
                      teacher_rows)],
        summary=summary, charts=charts,
        notes=[_("A student is judged in a subject once they have had N lessons of it; every mark counts, "
                 "special codes included.")])


DEFINITION = ReportDefinition(
    key="mark_accumulation", title=_l("Mark accumulation"), run=run, params=AccumulationParams,
    category="control", weight=50,
    description=_l("Students with fewer than K marks in a subject over their last N lessons, with the teacher "
                   "to tell and a link to the journal."))
