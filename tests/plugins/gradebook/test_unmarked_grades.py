"""First grade is not marked: the gradebook refuses marks in the grades the school teaches without them."""
from __future__ import annotations

from plugins.gradebook import mark_saving


def test_first_grade_is_not_marked(demo):
    """First grade is taught without marks (the setting ``unmarked_grades``, default [1])."""
    import pytest
    from sqlalchemy import select

    from core.toolkit import ClassMembership, SchoolClass, User
    from plugins.gradebook.errors import MarkError
    from plugins.gradebook.models import Lesson

    lesson = demo.session.scalar(select(Lesson).join(SchoolClass, SchoolClass.id == Lesson.class_id)
                                 .where(SchoolClass.grade_level == 1, Lesson.date < demo.terms[0].ends_on)
                                 .order_by(Lesson.date.desc()))
    kid = demo.session.scalar(select(ClassMembership.student_id).where(ClassMembership.class_id == lesson.class_id))
    editor = demo.editor(demo.session.get(User, lesson.teacher_id), today=lesson.date)
    with pytest.raises(MarkError) as refused:
        mark_saving.create_mark(demo.session, demo.settings, editor, lesson_id=lesson.id, student_id=kid, value="5")
    assert "without marks" in str(refused.value)
    # A school that marks its first grade says so in the settings.
    mark = mark_saving.create_mark(demo.session, {**demo.settings, "unmarked_grades": []}, editor,
                                   lesson_id=lesson.id, student_id=kid, value="5")
    assert mark.value == "5"
