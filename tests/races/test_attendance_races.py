# ruff: noqa: B023 - each round's lambdas run (and are joined) inside that round: race() waits for them
"""Two people saving one lesson's attendance at the same moment (PostgreSQL, committed, real threads):
exactly one save wins, the other is told who saved what (409 with ``current`` in the API, the Russian
"changed by …" message on the page), never a 500, and the database holds one row per student, a version
raised once per successful save, one audit entry per changed student and one diary change per save."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select

from core.models import Subject, User
from plugins.attendance.marking import lesson_pupils
from plugins.attendance.models import AttendanceMark, LessonRollCall
from plugins.gradebook.public import Lesson
from tests.conftest import FIXED_TODAY
from tests.races.conftest import ROUNDS, RaceSchool, race

SAVED = "Посещаемость сохранена"
CHANGED_BY = "посещаемость этого урока изменил(а)"


def _lesson(school: RaceSchool, days_back: int) -> tuple[int, list[int]]:
    """The demo teacher's 5А math lesson ``days_back`` school days before the fixed today, and its pupils."""
    with school.session() as s:
        teacher = s.scalar(select(User).where(User.login == school.accounts["teacher"]))
        lessons = list(s.scalars(select(Lesson).join(Subject, Subject.id == Lesson.subject_id)
                                 .where(Lesson.teacher_id == teacher.id, Subject.name == "Математика",
                                        Lesson.date <= FIXED_TODAY, Lesson.date >= FIXED_TODAY - timedelta(days=10))
                                 .order_by(Lesson.date.desc(), Lesson.number.desc())))
        lesson = lessons[days_back]
        return lesson.id, [p.id for p in lesson_pupils(s, lesson)]


def _reset(school: RaceSchool, lesson_id: int, taken: bool) -> int:
    """The lesson with nobody marked and no roll call (``taken``: a roll call at some version): the version."""
    with school.session() as s:
        s.execute(delete(AttendanceMark).where(AttendanceMark.lesson_id == lesson_id))
        s.execute(delete(LessonRollCall).where(LessonRollCall.lesson_id == lesson_id))
        s.commit()
    if not taken:
        return 0
    client = school.client("teacher")
    assert client.post(f"/api/v1/attendance/lessons/{lesson_id}/roll-call", json={"marks": [], "version": 0}
                       ).status_code == 200
    return 1


def _state(school: RaceSchool, lesson_id: int) -> tuple[dict[int, str], int, int]:
    with school.session() as s:
        rows = list(s.execute(select(AttendanceMark.student_id, AttendanceMark.code)
                              .where(AttendanceMark.lesson_id == lesson_id)))
        version = s.scalar(select(LessonRollCall.version).where(LessonRollCall.lesson_id == lesson_id)) or 0
    return dict(rows), len(rows), version


@pytest.mark.parametrize("taken", [False, True], ids=["first-ever-save", "later-save"])
def test_two_roll_calls_through_the_api_at_once_one_wins_the_other_gets_409(race_school: RaceSchool,
                                                                           taken: bool) -> None:
    lesson_id, pupils = _lesson(race_school, 0 if taken else 1)
    teacher, deputy = race_school.client("teacher"), race_school.client("deputy")
    names = {"teacher": teacher, "deputy": deputy}
    for _ in range(ROUNDS):
        seen = _reset(race_school, lesson_id, taken)
        audit_mark, event_mark = race_school.max_id("core_audit_entry"), race_school.max_id("core_audit_entry")
        plans = {"teacher": pupils[0], "deputy": pupils[1]}

        def save(who: str) -> Any:
            return names[who].post(f"/api/v1/attendance/lessons/{lesson_id}/roll-call",
                                   json={"marks": [{"student_id": plans[who], "code": "н"}], "version": seen})

        outcomes = race([lambda: save("teacher"), lambda: save("deputy")])
        statuses = sorted(o.status for o in outcomes)
        assert statuses == [200, 409], [o.response.get_data(as_text=True)[:200] for o in outcomes]
        winner = ("teacher", "deputy")[[o.status for o in outcomes].index(200)]
        loser = next(o for o in outcomes if o.status == 409).response.json
        assert loser["error"]["code"] == "conflict"
        assert loser["current"]["version"] == seen + 1
        assert CHANGED_BY in loser["error"]["message"]
        marks, rows, version = _state(race_school, lesson_id)
        assert marks == {plans[winner]: "н"} and rows == 1  # the winner's roll call, nothing of the loser's
        assert version == seen + 1
        audits = race_school.audits("attendance.mark", audit_mark)
        assert [a.object_id for a in audits] == [f"{lesson_id}:{plans[winner]}"]
        events = [e for e in race_school.events(event_mark) if e.kind == "absence"]
        assert len(events) == 1 and [a["student_id"] for a in events[0].payload["announce"]] == [plans[winner]]


def _form(client: Any, url: str) -> dict[str, str]:
    html = client.get(url).text
    return {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1),
            "version": re.search(r'name="version" value="(\d+)"', html).group(1)}


@pytest.mark.parametrize("taken", [False, True], ids=["first-ever-save", "later-save"])
def test_two_roll_call_pages_saved_at_once_the_loser_reads_who_changed_it(race_school: RaceSchool,
                                                                         taken: bool) -> None:
    lesson_id, pupils = _lesson(race_school, 2 if taken else 3)
    url = f"/attendance/lessons/{lesson_id}"
    teacher, deputy = race_school.client("teacher"), race_school.client("deputy")
    for _ in range(ROUNDS):
        seen = _reset(race_school, lesson_id, taken)
        forms = [_form(teacher, url), _form(deputy, url)]
        assert forms[0]["version"] == str(seen)
        outcomes = race([
            lambda: teacher.post(url, data={**forms[0], f"code_{pupils[0]}": "н"}, follow_redirects=True),
            lambda: deputy.post(url, data={**forms[1], f"code_{pupils[1]}": "н"}, follow_redirects=True)])
        texts = [o.response.get_data(as_text=True) for o in outcomes]
        won = [SAVED in t for t in texts]
        assert sorted(won) == [False, True], "exactly one of the two pages must be saved"
        loser_text = texts[won.index(False)]
        winner_name = race_school.accounts["deputy" if won[1] else "teacher"]
        assert CHANGED_BY in loser_text
        with race_school.session() as s:
            full_name = s.scalar(select(User).where(User.login == winner_name)).full_name
        assert full_name in loser_text
        marks, rows, version = _state(race_school, lesson_id)
        assert marks == {pupils[won.index(True)]: "н"} and rows == 1 and version == seen + 1


def test_two_grid_cells_of_one_student_at_once_the_stale_one_is_refused(race_school: RaceSchool) -> None:
    """The journal grid saves one attendance cell; it sends the code the cell showed (``seen``): two people
    changing the same empty cell at once cannot both win, and neither save is a 500 (no duplicate row)."""
    lesson_id, pupils = _lesson(race_school, 4)
    teacher, deputy = race_school.client("teacher"), race_school.client("deputy")
    for _ in range(ROUNDS):
        seen = _reset(race_school, lesson_id, taken=False)
        audit_mark = race_school.max_id("core_audit_entry")

        def save(client: Any, code: str) -> Any:
            return client.post("/api/v1/attendance/marks", json={"lesson_id": lesson_id, "student_id": pupils[0],
                                                                 "code": code, "seen": "", "version": None})

        outcomes = race([lambda: save(teacher, "н"), lambda: save(deputy, "б")])
        assert sorted(o.status for o in outcomes) == [200, 409], [o.response.json for o in outcomes]
        winner = [o.status for o in outcomes].index(200)
        loser = next(o for o in outcomes if o.status == 409).response.json
        code = ("н", "б")[winner]
        assert loser["current"]["code"] == code and loser["current"]["version"] == seen + 1
        marks, rows, version = _state(race_school, lesson_id)
        assert marks == {pupils[0]: code} and rows == 1 and version == seen + 1
        assert len(race_school.audits("attendance.mark", audit_mark)) == 1


def test_grid_cells_of_two_students_at_once_both_are_saved(race_school: RaceSchool) -> None:
    """Different cells of one lesson never refuse each other: both land, the version rises twice."""
    lesson_id, pupils = _lesson(race_school, 5)
    teacher, deputy = race_school.client("teacher"), race_school.client("deputy")
    for _ in range(ROUNDS):
        _reset(race_school, lesson_id, taken=False)

        def save(client: Any, pupil: int) -> Any:
            return client.post("/api/v1/attendance/marks", json={"lesson_id": lesson_id, "student_id": pupil,
                                                                 "code": "н", "seen": ""})

        outcomes = race([lambda: save(teacher, pupils[0]), lambda: save(deputy, pupils[1])])
        assert [o.status for o in outcomes] == [200, 200], [o.response.json for o in outcomes]
        marks, rows, version = _state(race_school, lesson_id)
        assert marks == {pupils[0]: "н", pupils[1]: "н"} and rows == 2 and version == 2


def _guardians_child(school: RaceSchool, lesson_id: int, pupils: list[int]) -> tuple[int, Any]:
    """The demo guardian's child who attends the lesson, and the lesson's day."""
    from core.models import GuardianLink

    with school.session() as s:
        guardian = s.scalar(select(User).where(User.login == school.accounts["guardian"]))
        child = next(c for c in s.scalars(select(GuardianLink.student_id).where(
            GuardianLink.guardian_id == guardian.id)) if c in pupils)
        return child, s.get(Lesson, lesson_id).date


def _clear_notes(school: RaceSchool, child: int) -> None:
    """A fresh round: the child's notes and reasons gone."""
    from plugins.attendance.models import AbsenceNote, AbsenceReason

    with school.session() as s:
        s.execute(delete(AbsenceReason).where(AbsenceReason.student_id == child))
        s.execute(delete(AbsenceNote).where(AbsenceNote.student_id == child))
        s.commit()


def _family_note(family: Any, child: int, day: Any) -> int:
    """The family's note that the child was ill that day, sent through the API: its id."""
    note = family.post("/api/v1/attendance/notes", json={"student_id": child, "starts_on": day.isoformat(),
                                                          "ends_on": day.isoformat(), "kind": "illness"})
    assert note.status_code == 201, note.json
    return int(note.json["id"])


def test_an_accepted_note_and_a_roll_call_at_once_never_overwrite_each_other(race_school: RaceSchool) -> None:
    """The teacher re-saves a lesson's roll call (the child came after all: everyone present) while the class
    teacher accepts the family's note for that day (н becomes б). Either the roll call lands first and the
    excuse, waiting for it, finds nothing to excuse; or the excuse lands first and the roll call, made from
    the older view, is refused (409). Never both "saved" with one silently undoing the other, never a 500."""
    lesson_id, pupils = _lesson(race_school, 2)
    child, day = _guardians_child(race_school, lesson_id, pupils)
    teacher, class_teacher = race_school.client("teacher"), race_school.client("class_teacher")
    family = race_school.client("guardian")
    seen_outcomes: set[int] = set()
    for _ in range(ROUNDS):
        _clear_notes(race_school, child)
        _reset(race_school, lesson_id, taken=False)
        marked = teacher.post(f"/api/v1/attendance/lessons/{lesson_id}/roll-call",
                              json={"marks": [{"student_id": child, "code": "н"}], "version": 0})
        assert marked.status_code == 200
        note_id = _family_note(family, child, day)
        audit_mark = race_school.max_id("core_audit_entry")
        roll, decision = race([
            lambda: teacher.post(f"/api/v1/attendance/lessons/{lesson_id}/roll-call",
                                 json={"marks": [], "version": 1}),
            lambda: class_teacher.post(f"/api/v1/attendance/notes/{note_id}/decision",
                                       json={"accept": True, "comment": ""})])
        assert decision.status == 200, decision.response.json
        codes, _rows, version = _state(race_school, lesson_id)
        # the note covers the whole day: only this lesson's part of the answer and of the audit log counts
        excused = [m["code"] for m in decision.response.json["excused"] if m["lesson_id"] == lesson_id]
        changes = [e.action for e in race_school.audits("attendance.mark", audit_mark)
                   if e.object_id == f"{lesson_id}:{child}"]
        if roll.status == 200:  # the roll call first: the excuse, waiting for it, found the child present
            assert excused == [] and codes == {}, (excused, codes)
            assert changes == ["attendance.mark.update"]
            assert version in (2, 3)  # 3: the excuse had seen the absence and claimed the lesson too
        else:  # the excuse first: the roll call from the older view is refused
            assert roll.status == 409 and roll.response.json["error"]["code"] == "conflict"
            assert excused == ["б"] and codes == {child: "б"} and version == 2, (excused, codes, version)
            assert changes == ["attendance.mark.excuse"]
        seen_outcomes.add(roll.status)
    print("roll-call statuses seen over the rounds:", sorted(seen_outcomes))


def test_one_note_decided_twice_at_once_is_decided_once(race_school: RaceSchool) -> None:
    """The class teacher decides a family's note twice at the same moment (a double click, or the phone and
    the computer: two sessions), accepting in one and rejecting in the other (or accepting in both): one
    decision is taken, the other is told the note is already decided (409), and at most one reason exists.
    Before, both read "pending" and both went ahead: two reasons, or an accepted note shown as rejected."""
    from plugins.attendance.models import AbsenceNote, AbsenceReason

    lesson_id, pupils = _lesson(race_school, 3)
    child, day = _guardians_child(race_school, lesson_id, pupils)
    family, computer = race_school.client("guardian"), race_school.client("class_teacher")
    phone = race_school.client("class_teacher")
    winners: set[str] = set()
    for round_number in range(ROUNDS):
        _clear_notes(race_school, child)
        note_id = _family_note(family, child, day)
        url = f"/api/v1/attendance/notes/{note_id}/decision"
        phone_accepts = round_number % 2 == 0
        first, second = race([
            lambda: computer.post(url, json={"accept": True, "comment": ""}),
            lambda: phone.post(url, json={"accept": phone_accepts, "comment": "" if phone_accepts
                                          else "Справка не приложена"})])
        statuses = sorted([first.status, second.status])
        assert statuses == [200, 409], [first.response.json, second.response.json]
        loser = first if first.status == 409 else second
        assert loser.response.json["error"]["code"] == "conflict"
        winner = "computer" if first.status == 200 else "phone"
        winners.add(winner)
        with race_school.session() as s:
            stored = s.get(AbsenceNote, note_id)
            reasons = s.scalars(select(AbsenceReason).where(AbsenceReason.student_id == child)).all()
            accepted = winner == "computer" or phone_accepts
            assert stored.status == ("accepted" if accepted else "rejected")
            assert len(reasons) == (1 if accepted else 0), [r.id for r in reasons]
    print("winners seen over the rounds:", sorted(winners))
