"""marshmallow schemas: the plugin's settings (the school's marking regulation)."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema


class WorkTypeSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]+$"))
    title = fields.String(required=True)
    weight = fields.Float(required=True, validate=validate.Range(min=0.1, max=10))


class SpecialCodeSchema(Schema):
    code = fields.String(required=True)
    title = fields.String(required=True)
    # "failing" codes (н/а, незач) count as a failure in reports; none of them enter an average.
    failing = fields.Boolean(load_default=False)


DEFAULT_WORK_TYPES = [
    {"code": "answer", "title": "Ответ на уроке", "weight": 1.0},
    {"code": "homework", "title": "Домашняя работа", "weight": 1.0},
    {"code": "independent", "title": "Самостоятельная работа", "weight": 1.5},
    {"code": "dictation", "title": "Диктант", "weight": 2.0},
    {"code": "lab", "title": "Лабораторная работа", "weight": 1.5},
    {"code": "practical", "title": "Практическая работа", "weight": 1.5},
    {"code": "test", "title": "Контрольная работа", "weight": 2.0},
]
DEFAULT_SPECIAL_CODES = [
    {"code": "н/а", "title": "не аттестован", "failing": True},
    {"code": "осв", "title": "освобождён", "failing": False},
    {"code": "зач", "title": "зачёт", "failing": False},
    {"code": "незач", "title": "незачёт", "failing": True},
]


class GradebookSettings(Schema):
    """How this school marks: scale, work types and weights, final-mark rounding, the edit window."""

    scale_min = fields.Integer(load_default=1, validate=validate.Range(min=0, max=10))
    scale_max = fields.Integer(load_default=5, validate=validate.Range(min=2, max=12))
    plus_minus = fields.Boolean(load_default=True)  # "4+" and "4-" allowed
    plus_minus_delta = fields.Float(load_default=0.25, validate=validate.Range(min=0.05, max=0.5))
    special_codes = fields.List(fields.Nested(SpecialCodeSchema), load_default=lambda: list(DEFAULT_SPECIAL_CODES))
    work_types = fields.List(fields.Nested(WorkTypeSchema), load_default=lambda: list(DEFAULT_WORK_TYPES),
                             validate=validate.Length(min=1))
    default_work_type = fields.String(load_default="answer")
    max_marks_per_lesson = fields.Integer(load_default=3, validate=validate.Range(min=1, max=10))
    # "thresholds": a mark is given from its threshold up (4.65 -> 5); "standard": ordinary rounding.
    rounding = fields.String(load_default="thresholds", validate=validate.OneOf(["thresholds", "standard"]))
    thresholds = fields.Dict(keys=fields.String(), values=fields.Float(),
                             load_default=lambda: {"5": 4.65, "4": 3.65, "3": 2.65})
    edit_window_days = fields.Integer(load_default=7, validate=validate.Range(min=0, max=366))

    @validates_schema
    def _consistent(self, data: dict, **_kwargs: object) -> None:
        if data["scale_min"] >= data["scale_max"]:
            raise ValidationError("scale_min must be below scale_max", "scale_min")
        codes = [w["code"] for w in data["work_types"]]
        if len(codes) != len(set(codes)):
            raise ValidationError("work type codes repeat", "work_types")
        if data["default_work_type"] not in codes:
            raise ValidationError(f"default_work_type {data['default_work_type']!r} is not a work type",
                                  "default_work_type")
        for mark in data["thresholds"]:
            if not mark.isdigit() or not data["scale_min"] <= int(mark) <= data["scale_max"]:
                raise ValidationError(f"threshold for {mark!r} is outside the scale", "thresholds")
