"""Typing a class list by hand (the set-up wizard's alternative to importing a spreadsheet): one student
with up to one guardian at a time, admitted from the first day of the year so the journals list them."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.toolkit import Role, RoleGrant, SchoolClass, User, audit, move_student, unique_login
from plugins.office.personal_files import add_guardian
from plugins.office.refusals import OfficeError


def add_student(session: Session, school_class: SchoolClass, values: dict[str, Any], on_date: date,
                on_moved: Any = None) -> tuple[User, User | None]:
    """Create the student (no password: credentials are issued on the office's credentials page), put
    them in ``school_class`` from ``on_date``, and link a guardian when the guardian's name is given."""
    last, first = (values.get("last_name") or "").strip(), (values.get("first_name") or "").strip()
    if not last or not first:
        raise OfficeError(_l("The student's last and first name are required."))
    g_last, g_first = (values.get("guardian_last_name") or "").strip(), (values.get("guardian_first_name") or "").strip()
    if bool(g_last) != bool(g_first):
        raise OfficeError(_l("Give the guardian's last and first name, or leave both empty."))
    email = (values.get("guardian_email") or "").strip()
    if email and ("@" not in email or email.startswith("@") or email.endswith("@")):
        raise OfficeError(_l("The guardian's e-mail is not valid."))
    birth = values.get("birth_date")
    if session.scalar(select(User.id).where(User.school_id == school_class.school_id,
                                            func.lower(User.last_name) == last.lower(),
                                            func.lower(User.first_name) == first.lower(),
                                            User.birth_date == birth).limit(1)) and birth is not None:
        raise OfficeError(_l("This student is already in the school (same name and birth date)."))
    student = User(school_id=school_class.school_id, login=unique_login(session, last, first, school_id=school_class.school_id), password_hash=None,
                   last_name=last, first_name=first, middle_name=(values.get("middle_name") or "").strip(),
                   birth_date=birth, must_change_password=True)
    session.add(student)
    session.flush()
    session.add(RoleGrant(school_id=student.school_id, user_id=student.id, role=Role.student, class_id=None))
    hooks = SimpleNamespace(hook=SimpleNamespace(on_student_moved=on_moved)) if on_moved is not None else None
    move_student(session, student, school_class, on_date, pm=hooks)
    audit(session, school_id=student.school_id, action="office.student.create", object_type="office.student",
          object_id=student.id, new={"name": student.full_name, "class_id": school_class.id,
                                     "on_date": on_date.isoformat(), "typed": True})
    guardian = None
    if g_last:
        guardian = add_guardian(session, student, {
            "last_name": g_last, "first_name": g_first, "middle_name": values.get("guardian_middle_name") or "",
            "phone": (values.get("guardian_phone") or "").strip(), "email": email,
            "relation": (values.get("relation") or "").strip()})
    return student, guardian
