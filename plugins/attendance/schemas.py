"""The attendance plugin's settings: codes of attendance marks and the monitoring thresholds."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema


class AttendanceCodeSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=5))
    title = fields.String(required=True)
    # absent: the lesson counts as missed; excused: missed for a valid reason; late: present, came late.
    kind = fields.String(required=True, validate=validate.OneOf(["absent", "excused", "late"]))


DEFAULT_CODES = [
    {"code": "н", "title": "отсутствовал", "kind": "absent"},
    {"code": "б", "title": "болел", "kind": "excused"},
    {"code": "у", "title": "уважительная причина", "kind": "excused"},
    {"code": "п", "title": "пропуск по приказу (соревнования, олимпиада)", "kind": "excused"},
    {"code": "о", "title": "опоздал", "kind": "late"},
]


class AttendanceSettings(Schema):
    codes = fields.List(fields.Nested(AttendanceCodeSchema), load_default=lambda: list(DEFAULT_CODES),
                        validate=validate.Length(min=1))
    # Lessons with no attendance entered this many days after they were held are flagged to the deputy.
    missing_after_days = fields.Integer(load_default=2, validate=validate.Range(min=0, max=60))

    @validates_schema
    def _kinds(self, data: dict, **_kwargs: object) -> None:
        codes = [c["code"] for c in data["codes"]]
        if len(codes) != len(set(codes)):
            raise ValidationError("attendance codes repeat", "codes")
        for kind in ("absent", "excused", "late"):
            if not any(c["kind"] == kind for c in data["codes"]):
                raise ValidationError(f"no code of kind {kind!r}", "codes")
