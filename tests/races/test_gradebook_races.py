# ruff: noqa: B023 - each round's lambdas run (and are joined) inside that round: race() waits for them
"""Two people saving the same journal cell, lesson or final mark at the same moment (PostgreSQL, committed,
real threads): one wins, the other gets 409 with ``current`` (never a 500, never both marks in the cell);
two different cells of one row both land, each answer carrying the row average of its own save."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select

from core.models import ClassMembership, SchoolClass, Subject, Term, User
from core.toolkit import plugin_settings
from plugins.gradebook.explanations import row_average
from plugins.gradebook.models import FinalMark, Homework, Lesson, Mark
from tests.conftest import FIXED_TODAY
from tests.races.conftest import ROUNDS, RaceSchool, race


def _lessons(school: RaceSchool) -> tuple[list[int], int, int, int]:
    """The demo teacher's recent 5А math lessons (newest first), a pupil, the class and the subject."""
    with school.session() as s:
        teacher = s.scalar(select(User).where(User.login == school.accounts["teacher"]))
        five_a = s.scalar(select(SchoolClass).where(SchoolClass.grade_level == 5, SchoolClass.letter == "А"))
        math = s.scalar(select(Subject).where(Subject.name == "Математика"))
        ids = list(s.scalars(select(Lesson.id).where(
            Lesson.teacher_id == teacher.id, Lesson.class_id == five_a.id, Lesson.subject_id == math.id,
            Lesson.date <= FIXED_TODAY, Lesson.date >= FIXED_TODAY - timedelta(days=12))
            .order_by(Lesson.date.desc(), Lesson.number.desc())))
        pupils = sorted(s.scalars(select(ClassMembership.student_id).where(ClassMembership.class_id == five_a.id)))
        return ids, pupils[-1], five_a.id, math.id


def _cell(school: RaceSchool, lesson_id: int, student_id: int) -> list[tuple[int, str, int]]:
    with school.session() as s:
        return [tuple(r) for r in s.execute(select(Mark.id, Mark.value, Mark.version).where(
            Mark.lesson_id == lesson_id, Mark.student_id == student_id).order_by(Mark.id))]


def _put_cell(client: Any, lesson_id: int, student_id: int, values: list[str], known: list[Any]) -> Any:
    return client.put("/api/v1/gradebook/cells", json={"lesson_id": lesson_id, "student_id": student_id,
                                                       "values": values, "known": known})


@pytest.mark.parametrize("filled", [False, True], ids=["empty-cell", "cell-with-a-mark"])
def test_the_same_cell_by_two_people_at_once_one_wins(race_school: RaceSchool, filled: bool) -> None:
    lessons, pupil, _class, _subject = _lessons(race_school)
    lesson_id = lessons[0 if filled else 1]
    teacher, deputy = race_school.client("teacher"), race_school.client("deputy")
    for _ in range(ROUNDS):
        with race_school.session() as s:
            s.execute(delete(Mark).where(Mark.lesson_id == lesson_id, Mark.student_id == pupil))
            s.commit()
        if filled:
            assert _put_cell(teacher, lesson_id, pupil, ["3"], []).status_code == 200
        known = [[i, v] for i, _value, v in _cell(race_school, lesson_id, pupil)]
        audit_mark, event_mark = race_school.max_id("core_audit_entry"), race_school.max_id("core_audit_entry")
        outcomes = race([lambda: _put_cell(teacher, lesson_id, pupil, ["5"], known),
                         lambda: _put_cell(deputy, lesson_id, pupil, ["4"], known)])
        assert sorted(o.status for o in outcomes) == [200, 409], [o.response.json for o in outcomes]
        winner = ("5", "4")[[o.status for o in outcomes].index(200)]
        loser = next(o for o in outcomes if o.status == 409).response.json
        assert [m["value"] for m in loser["current"]] == [winner], loser
        cell = _cell(race_school, lesson_id, pupil)
        assert [value for _i, value, _v in cell] == [winner]  # one mark, the winner's: not both
        if filled:
            assert cell[0][0] == known[0][0] and cell[0][2] == known[0][1] + 1  # the version rose once
        audits = race_school.audits("gradebook.mark", audit_mark)
        assert len(audits) == 1
        assert len([e for e in race_school.events(event_mark) if e.kind == "mark"]) == 1


def test_two_cells_of_one_row_at_once_both_land_with_their_own_average(race_school: RaceSchool) -> None:
    lessons, pupil, _class, _subject = _lessons(race_school)
    first, second = lessons[2], lessons[3]
    teacher, deputy = race_school.client("teacher"), race_school.client("deputy")
    with race_school.app.app_context():
        settings = plugin_settings("gradebook")
    for _ in range(ROUNDS):
        with race_school.session() as s:
            s.execute(delete(Mark).where(Mark.lesson_id.in_([first, second]), Mark.student_id == pupil))
            s.commit()
        outcomes = race([lambda: _put_cell(teacher, first, pupil, ["5"], []),
                         lambda: _put_cell(deputy, second, pupil, ["2"], [])])
        assert [o.status for o in outcomes] == [200, 200], [o.response.json for o in outcomes]
        assert [v for _i, v, _ in _cell(race_school, first, pupil)] == ["5"]
        assert [v for _i, v, _ in _cell(race_school, second, pupil)] == ["2"]
        with race_school.app.app_context(), race_school.session() as s:
            lesson = s.get(Lesson, first)
            both = row_average(s, settings, lesson, pupil).value
            without = {}
            for mine, other in ((first, second), (second, first)):
                s.execute(delete(Mark).where(Mark.lesson_id == other, Mark.student_id == pupil))
                without[mine] = row_average(s, settings, lesson, pupil).value
                s.rollback()
        for lesson_id, outcome in zip((first, second), outcomes, strict=True):
            # its own mark is always in; the other's only if it was committed before this save read the row
            assert outcome.response.json["average"] in (both, without[lesson_id]), (lesson_id, both, without)


def test_a_lesson_topic_and_homework_by_two_people_at_once_one_wins(race_school: RaceSchool) -> None:
    lessons, _pupil, _class, _subject = _lessons(race_school)
    lesson_id = lessons[4]
    teacher, deputy = race_school.client("teacher"), race_school.client("deputy")
    for n in range(ROUNDS):
        with race_school.session() as s:
            s.execute(delete(Homework).where(Homework.lesson_id == lesson_id))
            s.commit()
            seen = s.scalar(select(Lesson.version).where(Lesson.id == lesson_id))
        audit_mark = race_school.max_id("core_audit_entry")
        mine = {"teacher": f"Дроби, раунд {n}", "deputy": f"Проценты, раунд {n}"}
        outcomes = race([
            lambda: teacher.patch(f"/api/v1/gradebook/lessons/{lesson_id}",
                                  json={"version": seen, "topic": mine["teacher"], "homework": "№ 1"}),
            lambda: deputy.patch(f"/api/v1/gradebook/lessons/{lesson_id}",
                                 json={"version": seen, "topic": mine["deputy"], "homework": "№ 2"})])
        assert sorted(o.status for o in outcomes) == [200, 409], [o.response.json for o in outcomes]
        winner = ("teacher", "deputy")[[o.status for o in outcomes].index(200)]
        loser = next(o for o in outcomes if o.status == 409).response.json
        assert loser["current"]["topic"] == mine[winner] and loser["current"]["version"] == seen + 1
        with race_school.session() as s:
            lesson = s.get(Lesson, lesson_id)
            assert (lesson.topic, lesson.version) == (mine[winner], seen + 1)
            assert len(list(s.scalars(select(Homework).where(Homework.lesson_id == lesson_id)))) == 1
        assert len(race_school.audits("gradebook.lesson.update", audit_mark)) == 1


@pytest.mark.parametrize("existing", [False, True], ids=["first-final-mark", "changed-final-mark"])
def test_a_final_mark_by_two_people_at_once_one_wins(race_school: RaceSchool, existing: bool) -> None:
    """The deputy in two sessions sets the first quarter's (locked) final mark with a reason."""
    _lessons_, pupil, class_id, subject_id = _lessons(race_school)
    with race_school.session() as s:
        year_id = s.scalar(select(SchoolClass.year_id).where(SchoolClass.id == class_id))
        term_id = s.scalar(select(Term.id).where(Term.year_id == year_id, Term.number == 1))
    one, two = race_school.client("deputy"), race_school.client("deputy")
    body = {"class_id": class_id, "subject_id": subject_id, "student_id": pupil - (1 if existing else 2),
            "term_id": term_id, "reason": "решение педсовета"}
    where = (FinalMark.student_id == body["student_id"], FinalMark.term_id == term_id,
             FinalMark.subject_id == subject_id)
    for _ in range(ROUNDS):
        with race_school.session() as s:
            s.execute(delete(FinalMark).where(*where))
            s.commit()
        version = None
        if existing:
            made = one.put("/api/v1/gradebook/final-marks", json={**body, "value": "3"})
            assert made.status_code == 200, made.json
            version = made.json["version"]
        audit_mark = race_school.max_id("core_audit_entry")
        outcomes = race([lambda: one.put("/api/v1/gradebook/final-marks", json={**body, "value": "5", "version": version}),
                         lambda: two.put("/api/v1/gradebook/final-marks", json={**body, "value": "4", "version": version})])
        assert sorted(o.status for o in outcomes) == [200, 409], [o.response.json for o in outcomes]
        winner = ("5", "4")[[o.status for o in outcomes].index(200)]
        loser = next(o for o in outcomes if o.status == 409).response.json
        assert loser["error"]["code"] == "conflict" and loser["current"]["value"] == winner, loser
        with race_school.session() as s:
            finals = list(s.scalars(select(FinalMark).where(*where)))
        assert [f.value for f in finals] == [winner]
        assert finals[0].version == (version + 1 if existing else 1)
        assert len(race_school.audits("gradebook.final_mark", audit_mark)) == 1




def test_a_year_mark_by_two_people_at_once_one_wins(race_school: RaceSchool, time_machine: Any) -> None:
    """The year mark (``term_id`` null) of a pupil with none yet, by the teacher and the deputy at once, in
    the days after the last term: the database refuses the second row (a partial unique index: the unique
    key's NULLs are all distinct), and the loser gets the same 409 naming the winner's mark as for a term."""
    _lessons_, pupil, class_id, subject_id = _lessons(race_school)
    with race_school.session() as s:
        year_id = s.scalar(select(SchoolClass.year_id).where(SchoolClass.id == class_id))
        last = s.scalars(select(Term).where(Term.year_id == year_id).order_by(Term.number.desc())).first()
    time_machine.move_to(datetime.combine(last.ends_on + timedelta(days=2), time(10, 0)), tick=True)
    teacher, deputy = race_school.client("teacher"), race_school.client("deputy")  # signed in on that day
    body = {"class_id": class_id, "subject_id": subject_id, "student_id": pupil - 3, "term_id": None,
            "reason": "по итогам года"}
    where = (FinalMark.student_id == body["student_id"], FinalMark.term_id.is_(None),
             FinalMark.subject_id == subject_id, FinalMark.class_id == class_id)
    for _ in range(ROUNDS):
        with race_school.session() as s:
            s.execute(delete(FinalMark).where(*where))
            s.commit()
        audit_mark = race_school.max_id("core_audit_entry")
        outcomes = race([lambda: teacher.put("/api/v1/gradebook/final-marks", json={**body, "value": "5"}),
                         lambda: deputy.put("/api/v1/gradebook/final-marks", json={**body, "value": "4"})])
        assert sorted(o.status for o in outcomes) == [200, 409], [o.response.json for o in outcomes]
        winner = ("5", "4")[[o.status for o in outcomes].index(200)]
        loser = next(o for o in outcomes if o.status == 409).response.json
        assert loser["error"]["code"] == "conflict" and loser["current"]["value"] == winner, loser
        assert loser["current"]["term_id"] is None
        with race_school.session() as s:
            finals = list(s.scalars(select(FinalMark).where(*where)))
        assert [(f.value, f.version) for f in finals] == [(winner, 1)]  # one row, the winner's: not both
        assert len(race_school.audits("gradebook.final_mark", audit_mark)) == 1
