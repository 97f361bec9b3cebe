"""The refusal every office rule raises: its message is already a translated sentence for the user."""
from __future__ import annotations

from core.toolkit import ServiceError


class OfficeError(ServiceError, ValueError):
    """A rule refused the action; the message is a (lazily) translated string for the user.

    The toolkit's ``ServiceError``: the core's one handler rolls back and shows it (a flash and a
    redirect back, or the API's 409 JSON error)."""

    status = 409
    code = "conflict"

    def translated(self) -> str:
        return str(self.message)
