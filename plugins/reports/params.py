"""Report parameters: marshmallow fields that also say how the form shows them.

A report's parameters are a marshmallow schema built from these helpers. The ``kind`` in a field's
metadata tells the page which choices to offer (only the classes, subjects and students the user may
report on) and which Russian message to show when the value is wrong. Empty dates and terms mean
"the default", resolved at each run: a weekly e-mail of "the last 14 days" moves with the calendar.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from core.toolkit import N_

ERRORS = {
    "class": N_("Choose a class from the list."),
    "term": N_("Choose a term from the list."),
    "subject": N_("Choose a subject from the list."),
    "student": N_("Choose a student from the list."),
    "teacher": N_("Choose a teacher from the list."),
    "date": N_("Enter a date as DD.MM.YYYY."),
    "int": N_("Enter a whole number from %(min)s to %(max)s."),
    "choice": N_("Choose one of the offered values."),
}
PERIOD_ORDER = N_("The period must start before it ends.")


class ReportParams(Schema):
    """Base of every report's parameters: unknown query keys are ignored, a period must be in order."""

    class Meta:
        unknown = EXCLUDE

    @validates_schema
    def _period(self, data: dict[str, Any], **_kwargs: object) -> None:
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise ValidationError(PERIOD_ORDER)


def _ref(kind: str, label: Any, required: bool) -> fields.Integer:
    meta = {"kind": kind, "label": label}
    if required:
        return fields.Integer(required=True, strict=False, validate=validate.Range(min=1), metadata=meta)
    return fields.Integer(load_default=None, allow_none=True, strict=False, validate=validate.Range(min=1),
                          metadata=meta)


def class_field(required: bool = False) -> fields.Integer:
    """``class_id``; for a "class or school" report an empty class means the whole school."""
    return _ref("class", _l("Class"), required)


def term_field() -> fields.Integer:
    """``term_id``; empty: the current term (or the last one, between terms)."""
    return _ref("term", _l("Term"), False)


def subject_field() -> fields.Integer:
    return _ref("subject", _l("Subject"), False)


def student_field() -> fields.Integer:
    return _ref("student", _l("Student"), True)


def teacher_field() -> fields.Integer:
    return _ref("teacher", _l("Teacher"), False)


def date_field(label: Any, days_ago: int = 0) -> fields.Date:
    """A day; empty: ``days_ago`` days before today (0: today)."""
    return fields.Date(load_default=None, allow_none=True,
                       metadata={"kind": "date", "label": label, "days_ago": days_ago})


def int_field(label: Any, *, minimum: int, maximum: int, setting: str | None = None) -> fields.Integer:
    """A number; empty: the plugin setting named ``setting`` (shown in the form as the default)."""
    return fields.Integer(load_default=None, allow_none=True, strict=False,
                          validate=validate.Range(min=minimum, max=maximum),
                          metadata={"kind": "int", "label": label, "min": minimum, "max": maximum,
                                    "setting": setting})


def choice_field(label: Any, choices: list[tuple[str, Any]], default: str) -> fields.String:
    return fields.String(load_default=default, validate=validate.OneOf([c for c, _t in choices]),
                         metadata={"kind": "choice", "label": label, "choices": choices})


def kind_of(field: fields.Field) -> str:
    return str(field.metadata.get("kind", "text"))


def load(schema_cls: type[Schema], raw: Mapping[str, Any]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """Validate raw values (query string, JSON, a stored subscription): (params, None) or (None, errors).

    Errors are Russian messages by field name (``_schema`` for the whole form); nothing is half-loaded.
    """
    from flask_babel import gettext

    schema = schema_cls()
    data = {k: v for k, v in raw.items() if v not in ("", None) and k in schema.fields}
    try:
        return schema.load(data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        for name, msgs in messages.items():
            field = schema.fields.get(name)
            if field is None:
                texts = msgs if isinstance(msgs, list) else [str(msgs)]
                errors["_schema"] = " ".join(gettext(str(m)) for m in texts)
                continue
            kind = kind_of(field)
            msgid = field.metadata.get("error") or ERRORS.get(kind, ERRORS["choice"])
            errors[name] = gettext(msgid, min=field.metadata.get("min", ""), max=field.metadata.get("max", ""))
        return None, errors


def dump(schema_cls: type[Schema], params: Mapping[str, Any]) -> dict[str, str]:
    """Params as query-string values (dates ISO, None dropped): links to re-run or export a report."""
    out: dict[str, str] = {}
    for name in schema_cls().fields:
        value = params.get(name)
        if value is None:
            continue
        out[name] = value.isoformat() if isinstance(value, date) else str(value)
    return out


def fill_defaults(schema_cls: type[Schema], params: dict[str, Any], *, today: date, term_id: int | None,
                  settings: Mapping[str, Any]) -> dict[str, Any]:
    """Resolve empty dates, terms and numbers to their defaults for this run."""
    resolved = dict(params)
    for name, field in schema_cls().fields.items():
        if resolved.get(name) is not None:
            continue
        kind = kind_of(field)
        if kind == "date":
            resolved[name] = today - timedelta(days=int(field.metadata.get("days_ago", 0)))
        elif kind == "term" and term_id is not None:
            resolved[name] = term_id
        elif kind == "int" and field.metadata.get("setting"):
            resolved[name] = settings[field.metadata["setting"]]
    return resolved
