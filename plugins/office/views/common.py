"""The office blueprint (one object: endpoint names stay ``office.*``) and what its pages share."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash
from werkzeug.datastructures import FileStorage

from core.toolkit import db

bp = Blueprint("office", "plugins.office", url_prefix="/office", template_folder="templates", static_folder="static")


def flash_errors(form: Any) -> None:
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        for error in errors:
            flash(f"{label}: {error}", "error")


def commit() -> None:
    db().commit()


def upload_of(field: FileStorage | None) -> tuple[str, bytes] | None:
    if field is None or not getattr(field, "filename", ""):
        return None
    return field.filename or "", field.read()

