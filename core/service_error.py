"""Refused changes: one exception base for every plugin's services, one handler for every view.

A service (no Flask inside) raises ``ServiceError`` (or a plugin's subclass: ``GradebookError``...) with
an English msgid and its parameters. The core's one handler rolls the session back, so nothing is
half-saved, and answers the way the caller expects: a page gets the translated message as a flash and
a redirect back to where the user was; the API (``/api/``) gets the JSON error with the same message.
Views that want to show the error next to a form field still catch it themselves.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, flash, jsonify, redirect, request, url_for
from flask_babel import gettext

CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 409: "conflict", 422: "validation_error"}


def N_(message: str) -> str:  # noqa: N802 - the name the catalog extractor knows
    """Mark a msgid for extraction without translating it now (translated when shown, e.g. by the
    ``ServiceError`` handler), for messages defined at import time or raised from services."""
    return message


class ServiceError(Exception):
    """A refused change. ``message`` is a msgid (mark it with ``N_``), ``params`` its ``%(name)s``
    values, ``status`` the HTTP answer (422 invalid input, 403 refused, 404, 409 conflict), ``code``
    the API's error code, ``field`` the input at fault (the API lists the message under it).

    Subclasses set ``status``/``code`` as class attributes; one raise may override them. ``extra``
    holds more members of the API's JSON answer beside ``error`` (a conflict's ``current`` state...).
    """

    status: int = 422
    code: str = "validation_error"
    extra: dict[str, Any]

    def __init__(self, message: str, *, field: str | None = None, status: int | None = None,
                 code: str | None = None, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message, self.params, self.field = message, params, field
        self.extra = {}
        if status is not None:
            self.status = status
            self.code = code or CODES.get(status, "error")
        elif code is not None:
            self.code = code

    def translated(self) -> str:
        """The message in the user's language, parameters filled in."""
        return gettext(self.message, **self.params) if self.params else gettext(self.message)

    def field_errors(self) -> dict[str, list[str]]:
        """The API's ``fields``: the message under the input at fault (none when no field is)."""
        return {self.field: [self.translated()]} if self.field else {}


def _back() -> str:
    """Where the user came from when that is a page of this site; else the page itself (after a
    POST) or the start page (a GET must not redirect to itself)."""
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if referrer and parts.netloc == request.host and parts.scheme in ("http", "https", ""):
        if not (request.method == "GET" and parts.path == request.path):
            return referrer
    if request.method != "GET":
        return request.full_path.rstrip("?")
    return url_for("core_main.dashboard")


def handle_service_error(exc: ServiceError) -> Any:
    """Roll back, then a flash and a redirect back (pages) or the JSON error (API)."""
    from core.app import state
    from core.rest import api_error

    state().session().rollback()
    message = exc.translated()
    if request.path.startswith("/api/"):
        answer = api_error(exc.status, exc.code, message, exc.field_errors())
        if exc.extra:
            answer = jsonify({**exc.extra, **answer.get_json()})
            answer.status_code = exc.status
        return answer
    flash(message, "error")
    return redirect(_back())


def init_app(app: Flask) -> None:
    app.register_error_handler(ServiceError, handle_service_error)
