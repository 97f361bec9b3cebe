"""Helpers of the print archive tests (a module name of its own: test folders are not packages)."""
from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select

from core.toolkit import SchoolClass, User


def pdf_pages(data: bytes) -> list[str]:
    """The text of every page, as a reader (pypdf) extracts it."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def class_named(session: Any, school_id: int, name: str) -> SchoolClass:
    grade, letter = int(name[:-1]), name[-1]
    return session.scalar(select(SchoolClass).where(SchoolClass.school_id == school_id,
                                                    SchoolClass.grade_level == grade, SchoolClass.letter == letter))


def user_by_login(session: Any, login: str) -> User:
    return session.scalar(select(User).where(User.login == login))


