"""The refusal every attendance rule raises, and the msgid marker its messages use."""
from __future__ import annotations

from typing import Any


class AttendanceError(Exception):
    """A refused change. ``message`` is a msgid (translated by the caller) with ``params``; ``status`` is
    one of ``not_found``, ``forbidden``, ``invalid``, ``conflict``; ``field`` names the bad input."""

    def __init__(self, message: str, status: str = "invalid", field: str | None = None, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message, self.status, self.field, self.params = message, status, field, params

