"""Friendly error pages in Russian; API errors are JSON (see core.rest)."""
from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException


def html_error(exc: HTTPException) -> Any:
    titles = {
        400: _("The request could not be understood"),
        403: _("Access denied"),
        404: _("Page not found"),
        405: _("This action is not possible here"),
        413: _("The file is too large"),
        429: _("Too many requests"),
    }
    explanations = {
        403: _("Your role does not give the right to open this page. If you need it, ask the school's system administrator."),
        404: _("The address may be mistyped, or the page was removed."),
    }
    code = exc.code or 500
    if code == 400 and "CSRF" in str(exc.description):
        explanation = _("The form has expired. Reload the page and try again; nothing was saved.")
    else:
        explanation = explanations.get(code, "")
    return render_template(
        "core/error.html", code=code, title=titles.get(code, exc.name), explanation=explanation
    ), code


def init_app(app: Flask) -> None:
    @app.errorhandler(500)
    def _server_error(_exc: Exception) -> Any:
        return render_template(
            "core/error.html", code=500, title=_("Something went wrong"),
            explanation=_("The error has been logged. Nothing was saved; try again later."),
        ), 500
