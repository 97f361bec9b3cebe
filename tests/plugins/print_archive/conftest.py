"""Fixtures of the print archive tests: the demo school's 5А, printing a class the way the job does."""
from __future__ import annotations

from typing import Any

import pytest

from core.toolkit import SchoolClass
from tests.plugins.print_archive.print_archive_helpers import class_named, user_by_login


@pytest.fixture
def class_5a(session: Any, demo_school: dict[str, Any]) -> SchoolClass:
    return class_named(session, demo_school["school_id"], "5А")


@pytest.fixture
def print_class(app: Any, session: Any, demo_school: dict[str, Any]) -> Any:
    """``print_class(class_id, kind="journal")`` prints as the deputy, the way the job does; returns the
    stored ``Document``."""
    from plugins.print_archive.jobs import context_from_app
    from plugins.print_archive.services import generate

    deputy = user_by_login(session, demo_school["accounts"]["deputy"])

    def factory(class_id: int, kind: str = "journal", **kwargs: Any) -> Any:
        return generate(session, context_from_app(), class_id, kind, user_id=deputy.id, **kwargs)

    return factory
