"""The refusal every office rule raises: its message is already a translated sentence for the user."""
from __future__ import annotations


class OfficeError(ValueError):
    """A rule refused the action; the message is a translated string for the user."""

