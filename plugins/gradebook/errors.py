"""Why the journal refuses a change: one exception per kind, with the msgid and the API's status.

Messages are English msgids marked with ``N_``. They are the toolkit's ``ServiceError``: a view that
lets one through gets the core's one answer (rollback, then a flash and a redirect back, or the JSON error).
"""
from __future__ import annotations

from typing import Any

from core.toolkit import ServiceError


class GradebookError(ServiceError):
    """A refused change: ``message`` is a msgid, ``params`` its values, ``field`` the input at fault.

    ``status`` and ``code`` are what the API answers (422 invalid, 403 refused, 404, 409 conflict).
    """


class MarkError(GradebookError, ValueError):
    """A value refused for the journal (outside the scale, unknown work type, too many marks...)."""

    def __init__(self, message: str, *, field: str | None = "value", **params: Any) -> None:
        super().__init__(message, field=field, **params)


class EditRefused(GradebookError):
    """The user may not make this change (another teacher's lesson, the edit window is over...)."""

    status = 403
    code = "forbidden"


class NotFound(GradebookError):
    status = 404
    code = "not_found"


class VersionConflict(GradebookError):
    """Someone else changed the object since the user loaded it; ``current`` is what it is now."""

    status = 409
    code = "conflict"

    def __init__(self, message: str, *, current: Any = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.current = current
        self.extra = {"current": current}  # the API's 409 carries it beside ``error``
