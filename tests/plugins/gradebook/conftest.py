"""The gradebook's fixtures: the demo school's 5А mathematics as seen by its teacher, and helpers."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from core import sessions
from core.models import ClassMembership, Role, RoleGrant, SchoolClass, Subject, TeachingAssignment, Term, User
from core.models.sessions import UserSession
from plugins.gradebook.editing import Editor
from plugins.gradebook.models import Lesson, Mark


@dataclass
class Demo:
    """Names for the demo school's objects the gradebook tests use."""

    session: Any
    school_id: int
    class_5a: SchoolClass
    class_9a: SchoolClass
    math: Subject
    teacher: User  # mathematics in 5А
    class_teacher: User  # of 5А (teaches chemistry in 9А)
    deputy: User
    students: list[User]  # of 5А, in journal order
    terms: list[Term]
    settings: dict[str, Any] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)

    def user_of(self, role: str) -> User:
        """The demo account of a role (``"student"``, ``"guardian"``...)."""
        return self.session.scalar(select(User).where(User.login == self.accounts[role]))

    @property
    def student(self) -> User:
        return self.students[0]

    def editor(self, user: User | None = None, today: date | None = None, **flags: Any) -> Editor:
        user = user or self.teacher
        defaults = {"may_edit": True, "may_final": True} if user.has_role("teacher") else {}
        if user.has_role("deputy"):
            defaults = {"may_edit": True, "may_edit_any": True, "may_final": True, "may_final_override": True}
        defaults.update(flags)
        return Editor(user_id=user.id, school_id=self.school_id, today=today or date.today(), **defaults)

    def lessons(self, user: User | None = None) -> list[Lesson]:
        """5А mathematics lessons (of ``user`` when given), in date order."""
        query = select(Lesson).where(Lesson.class_id == self.class_5a.id, Lesson.subject_id == self.math.id)
        if user is not None:
            query = query.where(Lesson.teacher_id == user.id)
        return list(self.session.scalars(query.order_by(Lesson.date, Lesson.number)))

    def past_lesson(self) -> Lesson:
        """A 5А mathematics lesson of the first term (always in the past of the demo's year)."""
        return self.lessons()[5]

    def new_lesson(self, day: date | None = None, number: int = 9, teacher: User | None = None,
                   subject: Subject | None = None) -> Lesson:
        """A lesson inserted directly (no academic-year check): for tests that need "today"."""
        lesson = Lesson(school_id=self.school_id, class_id=self.class_5a.id, subject_id=(subject or self.math).id,
                        teacher_id=(teacher or self.teacher).id, date=day or date.today(), number=number,
                        topic="Проверочный урок")
        self.session.add(lesson)
        # Committed (to the test's savepoint): a refused API call rolls the shared session back.
        self.session.commit()
        return lesson

    def marks_of(self, lesson: Lesson, student: User) -> list[Mark]:
        return list(self.session.scalars(select(Mark).where(Mark.lesson_id == lesson.id,
                                                            Mark.student_id == student.id).order_by(Mark.id)))

    def term_of(self, day: date) -> Term:
        return next(t for t in self.terms if t.starts_on <= day <= t.ends_on)


@pytest.fixture
def demo(session: Any, demo_school: dict[str, Any], app: Any) -> Demo:
    from core.toolkit import plugin_settings

    school_id = demo_school["school_id"]
    accounts = demo_school["accounts"]

    def user(login: str) -> User:
        return session.scalar(select(User).where(User.login == login))

    classes = {c.name: c for c in session.scalars(select(SchoolClass).where(SchoolClass.school_id == school_id))}
    math = session.scalar(select(Subject).where(Subject.school_id == school_id, Subject.name == "Математика"))
    students = list(session.scalars(
        select(User).join(ClassMembership, ClassMembership.student_id == User.id)
        .where(ClassMembership.class_id == classes["5А"].id)
        .order_by(User.last_name, User.first_name, User.middle_name, User.id)))
    terms = list(session.scalars(select(Term).where(Term.school_id == school_id).order_by(Term.number)))
    return Demo(session=session, school_id=school_id, class_5a=classes["5А"], class_9a=classes["9А"], math=math,
                teacher=user(accounts["teacher"]), class_teacher=user(accounts["class_teacher"]),
                deputy=user(accounts["deputy"]), students=students, terms=terms,
                settings=dict(plugin_settings("gradebook")), accounts=dict(accounts))


@pytest.fixture
def other_teacher(demo: Demo) -> User:
    """A teacher of the school who does not teach mathematics in 5А."""
    session = demo.session
    return session.scalar(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.teacher, User.school_id == demo.school_id, User.id != demo.teacher.id,
               ~User.id.in_(select(TeachingAssignment.teacher_id).where(TeachingAssignment.class_id == demo.class_5a.id)),
               ~User.id.in_(select(RoleGrant.user_id).where(RoleGrant.role == Role.class_teacher)))
        .limit(1))


class QueryCounter:
    """Counts the SQL statements an engine runs (transaction control not counted)."""

    def __init__(self, bind: Any) -> None:
        self.bind = bind
        self.statements: list[str] = []

    def _count(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        text = statement.strip().upper()
        if not text.startswith(("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")):
            self.statements.append(statement)

    def __enter__(self) -> QueryCounter:
        self.statements = []
        event.listen(self.bind, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: Any) -> None:
        event.remove(self.bind, "before_cursor_execute", self._count)

    @property
    def count(self) -> int:
        return len(self.statements)

    def without_audit(self) -> list[str]:
        return [s for s in self.statements if "core_audit_entry" not in s]


@pytest.fixture
def count_queries(connection: Any) -> Any:
    def factory() -> QueryCounter:
        return QueryCounter(connection)

    return factory


def days_after(day: date, n: int) -> date:
    return day + timedelta(days=n)


@pytest.fixture
def today(app: Any, session: Any) -> date:
    """The school's today, as the pages and the API see it."""
    from core.toolkit import School, school_today

    return school_today(session.scalars(select(School.id)).first(), session=session)


@pytest.fixture
def login_as(app: Any, demo_school: dict[str, Any]) -> Any:
    """Like the shared ``login_as``, without the password check: argon2 costs a third of a second per sign-in,
    and these tests sign in a hundred times. (The sign-in page itself is tested by the core.)"""

    def factory(role_or_login: str) -> Any:
        login = demo_school["accounts"].get(role_or_login, role_or_login)
        session = app.extensions["klass"].session()
        user = session.scalar(select(User).where(User.login == login))
        # A live server-side session row, as a real sign-in makes (core.sessions), minus the argon2 check.
        key = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        session.add(UserSession(school_id=user.school_id, user_id=user.id, key_hash=sessions._digest(key),
                                session_version=user.session_version, created_at=now, last_seen_at=now,
                                expires_at=now + timedelta(hours=12), ip="127.0.0.1", user_agent="tests"))
        session.commit()  # as a real sign-in does: a rolled-back request must not sign the client out
        client = app.test_client()
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = sessions.KEY_PREFIX + key
            flask_session["_fresh"] = True
        return client

    return factory
