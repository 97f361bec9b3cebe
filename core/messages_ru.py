"""marshmallow's own messages in Russian for every schema of every plugin («Missing data for required field.»
must never reach an API client). Its English texts are our msgids; ``install()`` swaps the class-level
defaults for the catalog's Russian once the app knows its locale, so a plugin's schema needs nothing extra."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import gettext
from marshmallow import Schema, fields, validate

from core.service_error import N_

# (class, attribute holding a dict of messages or None for a plain attribute, key or attribute name, msgid)
FIELD_MESSAGES: list[tuple[Any, str, str]] = [
    (fields.Field, "required", N_("Missing data for required field.")),
    (fields.Field, "null", N_("Field may not be null.")),
    (fields.Field, "validator_failed", N_("Invalid value.")),
    (fields.String, "invalid", N_("Not a valid string.")),
    (fields.String, "invalid_utf8", N_("Not a valid utf-8 string.")),
    (fields.Number, "invalid", N_("Not a valid number.")),
    (fields.Number, "too_large", N_("Number too large.")),
    (fields.Integer, "invalid", N_("Not a valid integer.")),
    (fields.Float, "special", N_("Special numeric values (nan or infinity) are not permitted.")),
    (fields.Decimal, "special", N_("Special numeric values (nan or infinity) are not permitted.")),
    (fields.Boolean, "invalid", N_("Not a valid boolean.")),
    (fields.DateTime, "invalid", N_("Not a valid date and time.")),
    (fields.DateTime, "format", N_("Not a valid date and time.")),
    (fields.DateTime, "invalid_awareness", N_("Not a valid date and time.")),
    (fields.Date, "invalid", N_("Not a valid date.")),
    (fields.Date, "format", N_("Not a valid date.")),
    (fields.Time, "invalid", N_("Not a valid time.")),
    (fields.Time, "format", N_("Not a valid time.")),
    (fields.List, "invalid", N_("Not a valid list.")),
    (fields.Tuple, "invalid", N_("Not a valid tuple.")),
    (fields.Mapping, "invalid", N_("Not a valid mapping type.")),
    (fields.Nested, "type", N_("Invalid type.")),
    (fields.Email, "invalid", N_("Not a valid email address.")),
    (fields.URL, "invalid", N_("Not a valid URL.")),
    (fields.UUID, "invalid", N_("Not a valid UUID.")),
    (fields.Enum, "unknown", N_("Must be one of: {choices}.")),
]
SCHEMA_MESSAGES = {"unknown": N_("Unknown field."), "type": N_("Invalid input type.")}
VALIDATOR_MESSAGES: list[tuple[Any, str, str]] = [
    (validate.Length, "message_min", N_("Shorter than minimum length {min}.")),
    (validate.Length, "message_max", N_("Longer than maximum length {max}.")),
    (validate.Length, "message_all", N_("Length must be between {min} and {max}.")),
    (validate.Length, "message_equal", N_("Length must be {equal}.")),
    (validate.Range, "message_gte", N_("greater than or equal to")),
    (validate.Range, "message_gt", N_("greater than")),
    (validate.Range, "message_lte", N_("less than or equal to")),
    (validate.Range, "message_lt", N_("less than")),
    (validate.Range, "message_min", N_("Must be {min_op} {{min}}.")),
    (validate.Range, "message_max", N_("Must be {max_op} {{max}}.")),
    (validate.Range, "message_all", N_("Must be {min_op} {{min}} and {max_op} {{max}}.")),
    (validate.OneOf, "default_message", N_("Must be one of: {choices}.")),
    (validate.Regexp, "default_message", N_("String does not match expected pattern.")),
    (validate.Equal, "default_message", N_("Must be equal to {other}.")),
    (validate.Email, "default_message", N_("Not a valid email address.")),
    (validate.URL, "default_message", N_("Not a valid URL.")),
]


def install(app: Flask) -> None:
    """Put the school's language into marshmallow's defaults (one locale per installation)."""
    with app.app_context():
        for cls, key, msgid in FIELD_MESSAGES:
            cls.default_error_messages = {**cls.default_error_messages, key: gettext(msgid)}
        Schema._default_error_messages = {**Schema._default_error_messages,
                                          **{k: gettext(v) for k, v in SCHEMA_MESSAGES.items()}}
        for cls, attr, msgid in VALIDATOR_MESSAGES:
            setattr(cls, attr, gettext(msgid))


def translated(messages: Any) -> Any:
    """A ValidationError's messages with each text looked up in the catalogs (plugins' own texts)."""
    if isinstance(messages, dict):
        return {k: translated(v) for k, v in messages.items()}
    if isinstance(messages, list):
        return [translated(m) for m in messages]
    return gettext(messages) if isinstance(messages, str) and messages else messages
