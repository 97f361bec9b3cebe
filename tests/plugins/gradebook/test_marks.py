"""Saving marks: the scale, who may change a lesson and until when, versions, the audit log, query counts."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.models import AuditEntry
from core.revert import RevertConflict
from plugins.gradebook import mark_parsing, mark_saving
from plugins.gradebook.errors import EditRefused, MarkError, VersionConflict
from plugins.gradebook.models import Mark
from tests.conftest import csrf_token


def _audit(demo, mark_id):
    return list(demo.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "gradebook.mark", AuditEntry.object_id == str(mark_id)).order_by(AuditEntry.id)))


@pytest.mark.parametrize("raw,value,numeric", [("5", "5", 5.0), (" 4+ ", "4+", 4.25), ("3-", "3-", 2.75),
                                               ("3−", "3-", 2.75), ("Н/А", "н/а", None), ("осв", "осв", None)])
def test_parse_mark_reads_the_school_scale(demo, raw, value, numeric):
    parsed = mark_parsing.parse_mark(raw, demo.settings)
    assert (parsed.value, parsed.numeric) == (value, numeric)


@pytest.mark.parametrize("raw,expected", [("7", "“7”: the mark must be from 1 to 5."),
                                          ("0", "“0”: the mark must be from 1 to 5."),
                                          ("5+", "“5+” does not exist: there is no mark above 5."),
                                          ("1-", "“1-” does not exist: there is no mark below 1."),
                                          ("3,5", "type “3 5” or “3/5” for two marks"),
                                          ("4.5", "type “4 5” or “4/5” for two marks"),
                                          ("3 5", "“3 5” is 2 marks: enter one mark here."),
                                          ("x", "is not a mark"), ("", "Enter a mark.")])
def test_parse_mark_refuses_values_off_the_scale(demo, raw, expected):
    with pytest.raises(MarkError) as info:
        mark_parsing.parse_mark(raw, demo.settings)
    assert expected in str(info.value)


@pytest.mark.parametrize("raw,values", [("5 4", ["5", "4"]), ("5/4+", ["5", "4+"]), ("  3  / 5 ", ["3", "5"]),
                                        ("5, 4", ["5", "4"]), ("н/а 4", ["н/а", "4"]), ("", [])])
def test_one_grammar_separates_marks_by_space_and_slash(demo, raw, values):
    assert [m.value for m in mark_parsing.parse_marks(raw, demo.settings)] == values


@pytest.mark.parametrize("raw,expected", [("3,5", "type “3 5” or “3/5” for two marks"),
                                          ("5 5+", "there is no mark above 5"), ("4 x", "“x” is not a mark")])
def test_a_cell_refuses_ambiguous_and_wrong_marks_naming_them(demo, raw, expected):
    with pytest.raises(MarkError) as info:
        mark_parsing.parse_marks(raw, demo.settings)
    assert expected in str(info.value)


def test_the_grid_the_form_and_the_api_read_3_comma_5_the_same_way(demo, login_as, today):
    """«3,5» is never silently two marks: the grid's save (raw text), the lesson's form and the API refuse it
    with the Russian reason, and nothing is saved."""
    lesson = demo.new_lesson(day=today)
    student = demo.students[2]
    client = login_as("teacher")
    page = client.get(f"/gradebook/lessons/{lesson.id}")
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(page.text)
    answer = client.put("/api/v1/gradebook/cells", json={"lesson_id": lesson.id, "student_id": student.id,
                                                         "text": "3,5", "known": []})
    assert answer.status_code == 422
    assert "«3 5» или «3/5»" in answer.json["error"]["message"]
    answer = client.post("/api/v1/gradebook/marks", json={"lesson_id": lesson.id, "student_id": student.id,
                                                          "value": "5+"})
    assert answer.status_code == 422 and "«5+» не бывает: выше 5 нет отметки" in answer.json["error"]["message"]
    page = client.post(f"/gradebook/lessons/{lesson.id}/marks", data={
        "csrf_token": csrf_token(page.text), f"m{student.id}": "3,5"})
    assert page.status_code == 422 and "«3 5» или «3/5»" in page.text
    assert demo.marks_of(lesson, student) == []
    answer = client.put("/api/v1/gradebook/cells", json={"lesson_id": lesson.id, "student_id": student.id,
                                                         "text": "3/5", "known": []})
    assert answer.status_code == 200 and [m["value"] for m in answer.json["marks"]] == ["3", "5"]


def test_plus_minus_can_be_switched_off(demo):
    with pytest.raises(MarkError, match=r"\+ and −"):
        mark_parsing.parse_mark("4+", {**demo.settings, "plus_minus": False})


def test_teacher_gives_a_mark_audited_with_new_values(demo):
    lesson = demo.past_lesson()
    editor = demo.editor(today=lesson.date + timedelta(days=1))
    before = len(demo.marks_of(lesson, demo.student))
    mark = mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=demo.student.id,
                                value="4", comment="у доски")
    assert (mark.value, mark.numeric, mark.work_type, mark.version) == ("4", 4.0, lesson.control_work_type or "answer", 1)
    assert len(demo.marks_of(lesson, demo.student)) == before + 1
    [entry] = _audit(demo, mark.id)
    assert entry.action == "gradebook.mark.create" and entry.actor_id == demo.teacher.id
    assert entry.old is None and entry.new["value"] == "4" and entry.new["student_id"] == demo.student.id


def test_mark_outside_the_scale_is_refused_and_nothing_saved(demo):
    lesson = demo.past_lesson()
    editor = demo.editor(today=lesson.date)
    before = demo.marks_of(lesson, demo.student)
    with pytest.raises(MarkError) as info:
        mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=demo.student.id,
                             value="6")
    assert info.value.status == 422 and info.value.field == "value"
    assert demo.marks_of(lesson, demo.student) == before


def test_another_teachers_lesson_is_refused(demo, other_teacher):
    lesson = demo.past_lesson()
    editor = demo.editor(other_teacher, today=lesson.date)
    with pytest.raises(EditRefused, match="Only the teacher of this lesson"):
        mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=demo.student.id,
                             value="5")


def test_class_teacher_cannot_change_marks_of_another_subject(demo):
    lesson = demo.past_lesson()
    editor = demo.editor(demo.class_teacher, today=lesson.date)
    with pytest.raises(EditRefused):
        mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=demo.student.id,
                             value="5")


def test_edit_window_closes_for_the_teacher_but_not_for_the_deputy(demo):
    lesson = demo.past_lesson()
    window = demo.settings["edit_window_days"]
    late = lesson.date + timedelta(days=window + 1)
    with pytest.raises(EditRefused) as info:
        mark_saving.create_mark(demo.session, demo.settings, demo.editor(today=late), lesson_id=lesson.id,
                             student_id=demo.student.id, value="5")
    assert f"within {window} days" in str(info.value) and lesson.date.strftime("%d.%m.%Y") in str(info.value)
    on_last_day = mark_saving.create_mark(demo.session, demo.settings, demo.editor(today=lesson.date + timedelta(days=window)),
                                       lesson_id=lesson.id, student_id=demo.students[1].id, value="5")
    assert on_last_day.id
    by_deputy = mark_saving.create_mark(demo.session, demo.settings, demo.editor(demo.deputy, today=late),
                                     lesson_id=lesson.id, student_id=demo.student.id, value="5")
    assert by_deputy.created_by == demo.deputy.id


def test_no_marks_before_the_lesson_took_place(demo):
    lesson = demo.past_lesson()
    with pytest.raises(EditRefused, match="not taken place"):
        mark_saving.create_mark(demo.session, demo.settings, demo.editor(today=lesson.date - timedelta(days=1)),
                             lesson_id=lesson.id, student_id=demo.student.id, value="5")


def test_a_student_of_another_class_is_refused(demo):
    from core.models import ClassMembership, User

    lesson = demo.past_lesson()
    stranger = demo.session.scalar(select(User).join(ClassMembership, ClassMembership.student_id == User.id)
                                   .where(ClassMembership.class_id == demo.class_9a.id).limit(1))
    with pytest.raises(MarkError, match="does not attend"):
        mark_saving.create_mark(demo.session, demo.settings, demo.editor(today=lesson.date), lesson_id=lesson.id,
                             student_id=stranger.id, value="5")


def test_several_marks_per_lesson_up_to_the_limit(demo):
    lesson = demo.past_lesson()
    editor = demo.editor(today=lesson.date)
    student = demo.students[2]
    existing = len(demo.marks_of(lesson, student))
    for _ in range(demo.settings["max_marks_per_lesson"] - existing):
        mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=student.id, value="5",
                             work_type="independent")
    with pytest.raises(MarkError, match="At most 3 marks"):
        mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=student.id, value="5")


def test_unknown_work_type_is_refused(demo):
    lesson = demo.past_lesson()
    with pytest.raises(MarkError) as info:
        mark_saving.create_mark(demo.session, demo.settings, demo.editor(today=lesson.date), lesson_id=lesson.id,
                             student_id=demo.student.id, value="5", work_type="essay")
    assert info.value.field == "work_type"


def test_update_with_a_stale_version_is_refused_with_the_current_value(demo):
    lesson = demo.past_lesson()
    editor = demo.editor(today=lesson.date)
    mark = mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=demo.students[3].id,
                                value="3")
    mark_saving.update_mark(demo.session, demo.settings, editor, mark.id, version=1, value="4")
    assert mark.version == 2
    with pytest.raises(VersionConflict) as info:
        mark_saving.update_mark(demo.session, demo.settings, editor, mark.id, version=1, value="5")
    assert "now “4”" in str(info.value) and info.value.status == 409
    assert info.value.current["value"] == "4" and info.value.current["version"] == 2
    demo.session.refresh(mark)
    assert mark.value == "4"


def test_update_and_delete_are_audited_with_old_and_new_values(demo):
    lesson = demo.past_lesson()
    editor = demo.editor(today=lesson.date)
    mark = mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=demo.students[4].id,
                                value="3")
    mark_saving.update_mark(demo.session, demo.settings, editor, mark.id, version=1, value="4-", comment="исправил")
    mark_saving.delete_mark(demo.session, demo.settings, editor, mark.id, version=2)
    create, update, delete = _audit(demo, mark.id)
    assert update.action == "gradebook.mark.update"
    assert update.old["value"] == "3" and update.new["value"] == "4-" and update.new["numeric"] == 3.75
    assert update.new["comment"] == "исправил"
    assert delete.action == "gradebook.mark.delete" and delete.old["value"] == "4-" and delete.new is None
    assert demo.session.get(Mark, mark.id) is None


def test_orm_refuses_a_concurrent_write_of_the_same_version(demo, connection):
    """Two requests read version 1; the second UPDATE finds version 2 and is refused, not applied."""
    from sqlalchemy import update

    lesson = demo.past_lesson()
    editor = demo.editor(today=lesson.date)
    mark = mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=demo.students[5].id,
                                value="3")
    demo.session.flush()
    # Someone else's request commits a change in between our read and our write.
    demo.session.execute(update(Mark).where(Mark.id == mark.id).values(value="5", numeric=5.0, version=2)
                         .execution_options(synchronize_session=False))
    mark.value, mark.numeric = "2", 2.0
    with pytest.raises(VersionConflict):
        mark_saving._flush_or_conflict(demo.session)
    demo.session.rollback()


def test_set_cell_matches_marks_by_position(demo):
    lesson = demo.past_lesson()
    editor = demo.editor(today=lesson.date)
    student = demo.students[6]
    start = demo.marks_of(lesson, student)
    known = [(m.id, m.version) for m in start]
    marks = mark_saving.set_cell(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=student.id,
                              values=["5", "4"], known=known)
    assert [m.value for m in marks] == ["5", "4"]
    known = [(m.id, m.version) for m in marks]
    marks2 = mark_saving.set_cell(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=student.id,
                               values=["5"], known=known)
    assert [m.value for m in marks2] == ["5"] and marks2[0].id == marks[0].id
    assert [m.value for m in demo.marks_of(lesson, student)] == ["5"]


def test_set_cell_checks_every_value_before_writing(demo):
    lesson = demo.past_lesson()
    editor = demo.editor(today=lesson.date)
    student = demo.students[7]
    before = [(m.id, m.value) for m in demo.marks_of(lesson, student)]
    known = [(m.id, m.version) for m in demo.marks_of(lesson, student)]
    with pytest.raises(MarkError):
        mark_saving.set_cell(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=student.id,
                          values=["5", "9"], known=known)
    assert [(m.id, m.value) for m in demo.marks_of(lesson, student)] == before


def test_set_cell_refuses_when_the_cell_changed_meanwhile(demo):
    lesson = demo.past_lesson()
    editor = demo.editor(today=lesson.date)
    student = demo.students[8]
    seen = [(m.id, m.version) for m in demo.marks_of(lesson, student)]
    mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=student.id, value="2")
    with pytest.raises(VersionConflict) as info:
        mark_saving.set_cell(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=student.id,
                          values=["5"], known=seen)
    assert info.value.current[-1]["value"] == "2"


def test_create_with_expected_count_refuses_a_cell_someone_filled(demo):
    lesson = demo.past_lesson()
    editor = demo.editor(today=lesson.date)
    student = demo.students[9]
    seen = len(demo.marks_of(lesson, student))
    mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=student.id, value="3")
    with pytest.raises(VersionConflict):
        mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=student.id,
                             value="5", expected_count=seen)


def test_saving_one_mark_takes_at_most_three_queries_besides_the_audit(demo, count_queries):
    lesson = demo.past_lesson()
    editor = demo.editor(today=lesson.date)
    demo.session.flush()
    with count_queries() as q:
        mark = mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id,
                                    student_id=demo.students[10].id, value="5")
        demo.session.flush()
    assert len(q.without_audit()) <= 3, q.statements
    with count_queries() as q:
        mark_saving.update_mark(demo.session, demo.settings, editor, mark.id, version=1, value="4")
        demo.session.flush()
    assert len(q.without_audit()) <= 3, q.statements
    with count_queries() as q:
        mark_saving.set_cell(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=demo.students[11].id,
                          values=[m.value for m in demo.marks_of(lesson, demo.students[11])] + ["3"],
                          known=[(m.id, m.version) for m in demo.marks_of(lesson, demo.students[11])])
        demo.session.flush()
    # The two marks_of() calls above are part of the count here: they run inside the block.
    assert len(q.without_audit()) <= 3 + 2, q.statements


def test_revert_change_undoes_a_leaked_accounts_marks(demo):
    from plugins.gradebook import revert_change

    lesson = demo.past_lesson()
    editor = demo.editor(today=lesson.date)
    student = demo.students[1]
    created = mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=student.id,
                                   value="2")
    mark_saving.update_mark(demo.session, demo.settings, editor, created.id, version=1, value="3")
    demo.session.flush()
    create_entry, update_entry = _audit(demo, created.id)
    assert revert_change(demo.session, update_entry) == {"value": "2", "numeric": 2.0}
    assert demo.session.get(Mark, created.id).value == "2"
    assert revert_change(demo.session, create_entry) == {"deleted": True, "lesson_id": lesson.id,
                                                         "student_id": student.id, "value": "2"}
    assert demo.session.get(Mark, created.id) is None
    other = mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id,
                                 student_id=demo.students[2].id, value="4")
    state = mark_saving.delete_mark(demo.session, demo.settings, editor, other.id, version=1)
    delete_entry = _audit(demo, state["id"])[-1]
    restored = revert_change(demo.session, delete_entry)
    assert restored["value"] == "4" and demo.session.get(Mark, state["id"]).value == "4"
    # A row no longer as the entry left it is a conflict, never overwritten or deleted.
    with pytest.raises(RevertConflict) as refused:
        revert_change(demo.session, delete_entry)  # the mark exists again
    assert refused.value.current["value"] == "4"
    changed = mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id,
                                      student_id=demo.students[3].id, value="5")
    created_entry = _audit(demo, changed.id)[-1]
    mark_saving.update_mark(demo.session, demo.settings, demo.editor(demo.deputy, today=lesson.date), changed.id,
                            version=1, value="4")
    with pytest.raises(RevertConflict) as refused:
        revert_change(demo.session, created_entry)
    assert refused.value.current["value"] == "4" and refused.value.expected["value"] == "5"
    assert demo.session.get(Mark, changed.id).value == "4"
    assert revert_change(demo.session, type("E", (), {"object_type": "other.thing"})()) is None
