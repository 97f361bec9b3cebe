"""Teachers' notes to families: written by those who teach or lead the class, seen in the diary,
acknowledged by the family, audited and revertible."""
from __future__ import annotations

from sqlalchemy import func, select

from core.toolkit import AuditEntry
from plugins.diary.models import Remark
from tests.conftest import post_form


def _kid_in_5a(people):
    return next(k for k in people.kids if k.id in {s.id for s in people.in_5a})


def test_teacher_writes_a_remark_the_family_reads_and_confirms(login_as, session, people):
    kid = _kid_in_5a(people)
    teacher = login_as("teacher")
    form = teacher.get(f"/diary/remarks?student={kid.id}").text
    assert f'<option value="{kid.id}" selected>' in form and "Математика" in form
    response = post_form(teacher, "/diary/remarks", {"student_id": kid.id, "kind": "recommendation",
                                                     "subject_id": 0, "text": "Повторить таблицу умножения"})
    assert response.status_code == 302
    remark = session.scalar(select(Remark).where(Remark.student_id == kid.id).order_by(Remark.id.desc()))
    assert (remark.kind, remark.author_id, remark.text) == ("recommendation", people.teacher.id,
                                                           "Повторить таблицу умножения")
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "diary.remark.create",
                                                   AuditEntry.object_id == str(remark.id))) is not None

    guardian = login_as("guardian")
    week = guardian.get(f"/diary/{kid.id}").text
    assert "Повторить таблицу умножения" in week and "Рекомендация" in week
    assert "Ещё не прочитано" in teacher.get("/diary/remarks").text
    response = post_form(guardian, f"/diary/remarks/{remark.id}/acknowledge", {"back": f"/diary/{kid.id}"},
                         page=f"/diary/{kid.id}/remarks")
    assert response.status_code == 302 and response.headers["Location"] == f"/diary/{kid.id}"
    assert "Прочитали: " + people.guardian.short_name in teacher.get("/diary/remarks").text


def test_remark_refused_for_a_student_one_does_not_teach_and_nothing_is_saved(login_as, session, people):
    from core.toolkit import class_students
    from tests.plugins.diary.conftest import school_today

    first_grader = class_students(session, people.classes["1А"].id, school_today())[0]
    before = session.scalar(select(func.count(Remark.id)))
    teacher = login_as("teacher")
    response = post_form(teacher, "/diary/remarks", {"student_id": first_grader.id, "kind": "concern",
                                                     "subject_id": 0, "text": "Шумел"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    response = post_form(teacher, "/diary/remarks", {"student_id": _kid_in_5a(people).id, "kind": "concern",
                                                     "subject_id": 0, "text": "   "})
    assert response.status_code == 200 and "Напишите текст записи." in response.text
    assert session.scalar(select(func.count(Remark.id))) == before


def test_only_the_author_removes_a_remark(login_as, session, people):
    kid = _kid_in_5a(people)
    teacher = login_as("teacher")
    post_form(teacher, "/diary/remarks", {"student_id": kid.id, "kind": "praise", "subject_id": 0,
                                          "text": "Отличный проект"})
    remark = session.scalar(select(Remark).where(Remark.text == "Отличный проект"))
    other = login_as("class_teacher")
    assert post_form(other, f"/diary/remarks/{remark.id}/delete", {}, page="/diary/remarks").status_code == 404
    assert post_form(teacher, f"/diary/remarks/{remark.id}/delete", {}, page="/diary/remarks").status_code == 302
    session.expire_all()
    assert session.get(Remark, remark.id) is None
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "diary.remark.delete"))
    assert entry.old["text"] == "Отличный проект"


def test_revert_change_undoes_a_leaked_accounts_remarks(app, login_as, session, people):
    kid = _kid_in_5a(people)
    post_form(login_as("teacher"), "/diary/remarks", {"student_id": kid.id, "kind": "concern", "subject_id": 0,
                                                      "text": "Написано злоумышленником"})
    remark = session.scalar(select(Remark).where(Remark.text == "Написано злоумышленником"))
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "diary.remark.create",
                                                    AuditEntry.object_id == str(remark.id)))
    result = app.extensions["klass"].pm.hook.revert_change(session=session, entry=entry)
    assert result == {"deleted": remark.id}
    session.flush()
    assert session.get(Remark, remark.id) is None
    not_ours = AuditEntry(school_id=kid.school_id, action="gradebook.mark.update", object_type="gradebook.mark",
                          object_id="1")
    from plugins.diary.revert import revert

    assert revert(session, not_ours) is None  # another plugin's entry is left to that plugin
