"""Why the timetable refuses or flags something: a ``Problem`` (a msgid and its values) that the page
and the API translate alike, ``TimetableError`` that carries them, and the weekday names.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.toolkit import N_, ServiceError

WEEKDAYS = [N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday")]
WEEKDAYS_SHORT = [N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat")]
ON_WEEKDAY = [N_("on Monday"), N_("on Tuesday"), N_("on Wednesday"), N_("on Thursday"), N_("on Friday"),
              N_("on Saturday")]


@dataclass(frozen=True)
class Problem:
    """Why something was refused or flagged: ``msgid % params`` once translated."""

    code: str
    msgid: str
    params: dict[str, Any] = field(default_factory=dict)


class TimetableError(ServiceError):
    """A refused change carrying one or more problems; ``status`` is what the API answers (409 for a
    clash, 422 for bad input). The core's one handler shows the problems' texts (a flash, or the JSON
    error with every text under ``fields.problems``)."""

    def __init__(self, problems: list[Problem], status: int = 422) -> None:
        super().__init__("; ".join(p.msgid % p.params if p.params else p.msgid for p in problems),
                         status=status, code="conflict" if status == 409 else "validation_error")
        self.problems = problems

    def texts(self) -> list[str]:
        """Each problem in the user's language, repeats dropped."""
        from plugins.timetable.ui import problems_text

        return problems_text(self.problems)

    def translated(self) -> str:
        return " ".join(self.texts())

    def field_errors(self) -> dict[str, list[str]]:
        return {"problems": self.texts()}


def fail(code: str, msgid: str, status: int = 422, **params: Any) -> TimetableError:
    return TimetableError([Problem(code, msgid, params)], status)

