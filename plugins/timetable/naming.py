"""Names of the school's classes, subjects, subgroups and people, loaded once for a page or a report."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import SchoolClass, Subgroup, Subject, User


class Names:
    """Names of the school's classes, subjects, subgroups and people, loaded once per request."""

    def __init__(self, session: Session, school_id: int) -> None:
        self.session, self.school_id = session, school_id
        self.classes = {c.id: c.name for c in session.scalars(select(SchoolClass).where(SchoolClass.school_id == school_id))}
        self.grades = {c.id: c.grade_level for c in session.scalars(
            select(SchoolClass).where(SchoolClass.school_id == school_id))}
        self.subjects = dict(session.execute(select(Subject.id, Subject.name).where(Subject.school_id == school_id)).all())
        self.subgroups = dict(session.execute(
            select(Subgroup.id, Subgroup.name).where(Subgroup.school_id == school_id)).all())
        self._people: dict[int, str] = {}

    def people(self, ids: Iterable[int | None]) -> dict[int, str]:
        missing = {i for i in ids if i is not None and i not in self._people}
        if missing:
            for row in self.session.execute(select(User.id, User.last_name, User.first_name, User.middle_name)
                                            .where(User.id.in_(missing))):
                initials = "".join(f" {p[0]}." for p in (row.first_name, row.middle_name) if p)
                self._people[row.id] = f"{row.last_name}{initials}"
        return self._people

    def person(self, user_id: int | None) -> str:
        if user_id is None:
            return ""
        return self.people([user_id]).get(user_id, "")

    def what(self, class_id: int, subject_id: int, subgroup_id: int | None) -> str:
        """«5А, Математика» or «5А, Английский язык (Англ, группа 1)»."""
        text = f"{self.classes.get(class_id, '?')}, {self.subjects.get(subject_id, '?')}"
        if subgroup_id:
            text += f" ({self.subgroups.get(subgroup_id, '?')})"
        return text

