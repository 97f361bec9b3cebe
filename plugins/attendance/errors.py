"""The refusal every attendance rule raises, and the msgid marker its messages use."""
from __future__ import annotations

from typing import Any

from core.toolkit import ServiceError

STATUS = {"not_found": 404, "forbidden": 403, "invalid": 422, "conflict": 409}


class AttendanceError(ServiceError):
    """A refused change: the toolkit's ``ServiceError`` (the core's one handler rolls back and answers).

    ``message`` is a msgid with ``params``; the second argument names the kind of refusal, ``not_found``,
    ``forbidden``, ``invalid`` or ``conflict``, which becomes the HTTP ``status`` (404, 403, 422, 409) and
    the API's ``code``; ``field`` names the bad input.
    """

    def __init__(self, message: str, kind: str = "invalid", field: str | None = None, **params: Any) -> None:
        # params go in afterwards: a message may have a "%(code)s" of its own, which is not the API's code
        super().__init__(message, field=field, status=STATUS[kind])
        self.params = params
        self.args = (message % params if params else message,)
