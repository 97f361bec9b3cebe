"""marshmallow schemas: the plugin's settings (the school's monitoring rules) and the API's shapes."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

TIMELINESS_ITEMS = ("topic", "homework", "attendance", "marks")


class ReportsSettings(Schema):
    """Thresholds of the monitoring reports; a profile sets them under ``[plugins.reports]``."""

    # Mark accumulation: flag a student with fewer than `accumulation_min_marks` marks in a subject over
    # the last `accumulation_lessons` lessons (1 = "no mark in the last N lessons").
    accumulation_lessons = fields.Integer(load_default=5, validate=validate.Range(min=1, max=60))
    accumulation_min_marks = fields.Integer(load_default=1, validate=validate.Range(min=1, max=30))
    # Journal timeliness: topic, homework, attendance and marks are due within this many days of a lesson.
    timeliness_days = fields.Integer(load_default=1, validate=validate.Range(min=0, max=30))
    timeliness_items = fields.List(fields.String(validate=validate.OneOf(TIMELINESS_ITEMS)),
                                   load_default=lambda: list(TIMELINESS_ITEMS), validate=validate.Length(min=1))
    # Categories of students: below `pass_mark` is failing, from `good_mark` up counts for quality.
    pass_mark = fields.Integer(load_default=3, validate=validate.Range(min=1, max=12))
    good_mark = fields.Integer(load_default=4, validate=validate.Range(min=1, max=12))
    # Special codes meaning "not certified" (н/а); other failing codes of the gradebook count as failing.
    not_certified_codes = fields.List(fields.String(), load_default=lambda: ["н/а"])
    # Forecast: fewer marks than this in a term risks "not certified"; an average within `risk_margin`
    # above the pass threshold is "borderline".
    risk_min_marks = fields.Integer(load_default=3, validate=validate.Range(min=0, max=30))
    risk_margin = fields.Float(load_default=0.25, validate=validate.Range(min=0, max=2))
    # Objectivity: work types that are tests (контрольные), and the gap between averages worth a flag.
    test_work_types = fields.List(fields.String(), load_default=lambda: ["test"])
    objectivity_gap = fields.Float(load_default=0.5, validate=validate.Range(min=0.05, max=3))
    # Scheduled e-mails go out on the subscription's weekday from this hour (school's local time).
    delivery_hour = fields.Integer(load_default=7, validate=validate.Range(min=0, max=23))
    # The address people open Klass at, for links in e-mails sent without a request (weekly reports).
    site_url = fields.String(load_default="")

    @validates_schema
    def _consistent(self, data: dict, **_kwargs: object) -> None:
        if data["good_mark"] <= data["pass_mark"]:
            raise ValidationError("good_mark must be above pass_mark", "good_mark")


class ReportInfoSchema(Schema):
    """A report as the API lists it."""

    key = fields.String()
    title = fields.String()
    description = fields.String()
    category = fields.String()
    scope = fields.String()
    params = fields.List(fields.Dict())
    url = fields.String()
