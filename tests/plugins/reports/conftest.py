"""Fixtures of the reports tests: the demo school's ids, a small hand-made class whose figures were
computed by hand, and readers of what the pages and files show."""
from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from itertools import count
from typing import Any

import pytest
from sqlalchemy import select

from core.models import (
    AcademicYear,
    ClassMembership,
    Role,
    RoleGrant,
    SchoolClass,
    Subject,
    TeachingAssignment,
    User,
)
from plugins.gradebook.models import FinalMark, Lesson, Mark

_numbers = count(1)


@dataclass
class Demo:
    school_id: int
    classes: dict[str, int]
    users: dict[str, User]
    term_id: int
    term_start: date
    today: date


@pytest.fixture
def demo(session: Any, demo_school: dict[str, Any]) -> Demo:
    from plugins.reports import data

    school_id = demo_school["school_id"]
    classes = {c.name: c.id for c in session.scalars(select(SchoolClass).where(SchoolClass.school_id == school_id))}
    users = {role: session.scalar(select(User).where(User.login == login))
             for role, login in demo_school["accounts"].items()}
    today = data.school_today(session, school_id)
    term = data.current_term(session, school_id, today)
    return Demo(school_id, classes, users, term.id, term.starts_on, today)


@dataclass
class Crafted:
    """A class built by a test, with marks whose figures are known by hand."""

    session: Any
    school_id: int
    year_id: int
    class_id: int
    teacher: User
    subjects: dict[str, int]
    students: dict[str, User] = field(default_factory=dict)

    def student(self, key: str, last_name: str, starts_on: date | None = None) -> User:
        n = next(_numbers)
        user = User(school_id=self.school_id, login=f"rep-{key}-{n}", last_name=last_name, first_name="Тест",
                    middle_name="", must_change_password=False)
        self.session.add(user)
        self.session.flush()
        year = self.session.get(AcademicYear, self.year_id)
        self.session.add(ClassMembership(school_id=self.school_id, class_id=self.class_id, student_id=user.id,
                                         starts_on=starts_on or year.starts_on))
        self.session.add(RoleGrant(school_id=self.school_id, user_id=user.id, role=Role.student))
        self.session.flush()
        self.students[key] = user
        return user

    def lesson(self, subject: str, day: date, **extra: Any) -> Lesson:
        lesson = Lesson(school_id=self.school_id, class_id=self.class_id, subject_id=self.subjects[subject],
                        teacher_id=self.teacher.id, date=day, number=1, topic=extra.pop("topic", "Тема"), **extra)
        self.session.add(lesson)
        self.session.flush()
        return lesson

    def mark(self, lesson: Lesson, student: str, value: str, work_type: str = "answer", **extra: Any) -> Mark:
        numeric = None if not value[0].isdigit() else float(value[0]) + (0.25 if value.endswith("+") else
                                                                         -0.25 if value.endswith("-") else 0)
        mark = Mark(school_id=self.school_id, lesson_id=lesson.id, student_id=self.students[student].id,
                    value=value, numeric=numeric, work_type=work_type, **extra)
        self.session.add(mark)
        self.session.flush()
        return mark

    def final(self, student: str, subject: str, term_id: int, value: str) -> None:
        numeric = float(value) if value.isdigit() else None
        self.session.add(FinalMark(school_id=self.school_id, class_id=self.class_id,
                                   subject_id=self.subjects[subject], student_id=self.students[student].id,
                                   term_id=term_id, value=value, numeric=numeric))
        self.session.flush()


@pytest.fixture
def crafted(session: Any, demo: Demo) -> Crafted:
    """Class 10Я with a teacher of mathematics, Russian and history, and no students yet."""
    from plugins.reports import data

    year_id = data.current_year_id(session, demo.school_id)
    school_class = SchoolClass(school_id=demo.school_id, year_id=year_id, grade_level=10, letter="Я")
    session.add(school_class)
    teacher = User(school_id=demo.school_id, login=f"rep-teacher-{next(_numbers)}", last_name="Проверкина",
                   first_name="Вера", middle_name="Ивановна", must_change_password=False)
    session.add(teacher)
    session.flush()
    session.add(RoleGrant(school_id=demo.school_id, user_id=teacher.id, role=Role.teacher))
    subjects = {}
    for key, name in (("math", "Математика"), ("russian", "Русский язык"), ("history", "История")):
        subjects[key] = session.scalar(select(Subject.id).where(Subject.school_id == demo.school_id,
                                                                 Subject.name == name))
        session.add(TeachingAssignment(school_id=demo.school_id, teacher_id=teacher.id, subject_id=subjects[key],
                                       class_id=school_class.id))
    session.flush()
    return Crafted(session, demo.school_id, year_id, school_class.id, teacher, subjects)


def school_days_before(day: date, n: int) -> list[date]:
    """The ``n`` weekdays before ``day`` (oldest first)."""
    out: list[date] = []
    current = day
    while len(out) < n:
        current -= timedelta(days=1)
        if current.weekday() < 5:
            out.append(current)
    return list(reversed(out))


# --- reading what users see ---------------------------------------------------------------------------------

class _Tables(HTMLParser):
    """Collects every <section data-table=...>: header texts, body rows and footer rows (cell text + href)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict[str, list[Any]]] = {}
        self.figures: dict[str, str] = {}
        self._table: str | None = None
        self._part = ""
        self._row: list[dict[str, Any]] | None = None
        self._cell: dict[str, Any] | None = None
        self._figure: str | None = None
        self._in_dd = False
        self._in_dt = False
        self.labels: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section" and a.get("data-table"):
            self._table = a["data-table"]
            self.tables[self._table] = {"head": [], "body": [], "foot": []}
        elif self._table and tag in ("thead", "tbody", "tfoot"):
            self._part = {"thead": "head", "tbody": "body", "tfoot": "foot"}[tag]
        elif self._table and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = {"text": "", "href": None, "cls": a.get("class") or ""}
        elif self._cell is not None and tag == "a":
            self._cell["href"] = a.get("href")
        elif tag == "div" and a.get("data-figure"):
            self._figure = a["data-figure"]
        elif self._figure and tag == "dd":
            self._in_dd = True
            self.figures[self._figure] = ""
        elif self._figure and tag == "dt":
            self._in_dt = True
            self.labels[self._figure] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._cell["text"] = html.unescape(self._cell["text"]).strip()
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            if self._part == "head":
                self.tables[self._table]["head"] = [c["text"] for c in self._row]
            else:
                self.tables[self._table][self._part].append(self._row)
            self._row = None
        elif tag == "section":
            self._table = None
        elif tag == "dd":
            self._in_dd = False
            self._figure = None
        elif tag == "dt":
            self._in_dt = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell["text"] += data
        if self._in_dd and self._figure:
            self.figures[self._figure] += data
        if self._in_dt and self._figure:
            self.labels[self._figure] += data


def page_tables(text: str) -> tuple[dict[str, dict[str, list[Any]]], dict[str, str]]:
    """(tables by key, key figures by key); ``page_tables.labels`` keeps the figures' labels of the last page."""
    parser = _Tables()
    parser.feed(text)
    page_tables.labels = {k: html.unescape(v).strip() for k, v in parser.labels.items()}  # type: ignore[attr-defined]
    return parser.tables, {k: html.unescape(v).strip() for k, v in parser.figures.items()}


def same(shown: str, value: Any) -> bool:
    """Does a cell of the page show this spreadsheet value?"""
    from datetime import datetime

    shown = shown.strip()
    if value is None or value == "":
        return shown in ("", "—")
    if isinstance(value, datetime):
        return shown == value.strftime("%d.%m.%Y")
    if isinstance(value, int | float):
        try:
            return abs(float(shown.replace(",", ".")) - float(value)) < 1e-9
        except ValueError:
            return False
    return shown == str(value)


def workbook(content: bytes) -> Any:
    import openpyxl

    return openpyxl.load_workbook(io.BytesIO(content))


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
