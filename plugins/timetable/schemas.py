"""marshmallow schemas: the plugin's settings (limits of the sanitary rules and of the school's test
calendar) and the API's input and output."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

# СанПиН 1.2.3685-21, table 6.6: the maximum weekly load (academic hours) by grade level.
SANPIN_WEEKLY_5_DAYS = {1: 21, 2: 23, 3: 23, 4: 23, 5: 29, 6: 30, 7: 32, 8: 33, 9: 33, 10: 34, 11: 34}
SANPIN_WEEKLY_6_DAYS = {1: 21, 2: 26, 3: 26, 4: 26, 5: 32, 6: 33, 7: 35, 8: 36, 9: 36, 10: 37, 11: 37}
# The same table: lessons a day (grade 1: 4, once a week 5 with PE; 2-4: 5, once a week 6 with PE).
SANPIN_DAILY = {1: 5, 2: 6, 3: 6, 4: 6, 5: 6, 6: 6, 7: 7, 8: 7, 9: 7, 10: 7, 11: 7}

DEFAULT_BELLS = [
    {"number": 1, "starts_at": "08:30", "ends_at": "09:15"},
    {"number": 2, "starts_at": "09:25", "ends_at": "10:10"},
    {"number": 3, "starts_at": "10:30", "ends_at": "11:15"},
    {"number": 4, "starts_at": "11:35", "ends_at": "12:20"},
    {"number": 5, "starts_at": "12:30", "ends_at": "13:15"},
    {"number": 6, "starts_at": "13:25", "ends_at": "14:10"},
    {"number": 7, "starts_at": "14:20", "ends_at": "15:05"},
    {"number": 8, "starts_at": "15:15", "ends_at": "16:00"},
]


class BellSettingSchema(Schema):
    number = fields.Integer(required=True, validate=validate.Range(min=0, max=12))
    starts_at = fields.String(required=True, validate=validate.Regexp(r"^\d{1,2}:\d{2}$"))
    ends_at = fields.String(required=True, validate=validate.Regexp(r"^\d{1,2}:\d{2}$"))


def _grade_limits(value: dict[Any, Any]) -> dict[int, int]:
    out = {}
    for key, hours in value.items():
        if not str(key).isdigit() or not 1 <= int(key) <= 11:
            raise ValidationError(f"grade {key!r} is not 1..11")
        out[int(key)] = int(hours)
    return out


class TimetableSettings(Schema):
    """The school's timetable rules; every limit has the regulation's value as its default."""

    days_per_week = fields.Integer(load_default=5, validate=validate.OneOf([5, 6]))
    lessons_per_day = fields.Integer(load_default=8, validate=validate.Range(min=4, max=12))
    # Weekly maximum by grade; missing grades take СанПиН's value for the school's days_per_week.
    max_weekly_hours = fields.Dict(keys=fields.String(), values=fields.Integer(validate=validate.Range(min=1, max=60)),
                                   load_default=dict)
    max_daily_lessons = fields.Dict(keys=fields.String(), values=fields.Integer(validate=validate.Range(min=1, max=12)),
                                    load_default=dict)
    # A lesson added beyond those limits: "confirm" asks the deputy to confirm it at once, "refuse" refuses it.
    sanpin_on_entry = fields.String(load_default="confirm", validate=validate.OneOf(["confirm", "refuse"]))
    max_teacher_hours = fields.Integer(load_default=36, validate=validate.Range(min=1, max=60))
    # The recommendations of Минпросвещения/Рособрнадзор (06.08.2021): one test a day for a class.
    max_tests_per_day = fields.Integer(load_default=1, validate=validate.Range(min=1, max=5))
    max_tests_per_week = fields.Integer(load_default=3, validate=validate.Range(min=1, max=15))
    # The same recommendations: a subject's tests in a class not more often than once in 2.5 weeks.
    min_days_between_subject_tests = fields.Integer(load_default=0, validate=validate.Range(min=0, max=60))
    # Rooms that hold several groups at once (a gym with two PE groups) are not a room clash.
    shared_rooms = fields.List(fields.String(), load_default=list)
    default_bells = fields.List(fields.Nested(BellSettingSchema), load_default=lambda: list(DEFAULT_BELLS))

    @post_load
    def _fill_limits(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        base = SANPIN_WEEKLY_6_DAYS if data["days_per_week"] == 6 else SANPIN_WEEKLY_5_DAYS
        data["max_weekly_hours"] = {**base, **_grade_limits(data["max_weekly_hours"])}
        data["max_daily_lessons"] = {**SANPIN_DAILY, **_grade_limits(data["max_daily_lessons"])}
        return data

    @validates_schema
    def _check(self, data: dict[str, Any], **_kwargs: Any) -> None:
        for name in ("max_weekly_hours", "max_daily_lessons"):
            _grade_limits(data.get(name) or {})


# --- API ------------------------------------------------------------------------------------------

class WeekQuerySchema(Schema):
    date = fields.Date(load_default=None)


class RangeQuerySchema(Schema):
    class_id = fields.Integer(required=True)
    start = fields.Date(required=True)
    end = fields.Date(required=True)

    @validates_schema
    def _order(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data["start"] > data["end"]:
            raise ValidationError("start must not be after end", "end")
        if (data["end"] - data["start"]).days > 400:
            raise ValidationError("the range is longer than a school year", "end")


class EntryBodySchema(Schema):
    version_id = fields.Integer(required=True)
    class_id = fields.Integer(required=True)
    assignment_id = fields.Integer(required=True)
    weekday = fields.Integer(required=True, validate=validate.Range(min=0, max=5))
    number = fields.Integer(required=True, validate=validate.Range(min=0, max=12))
    room = fields.String(load_default="", validate=validate.Length(max=50))
    # Add it although it takes the class beyond СанПиН's limits (refused anyway where the school's
    # ``sanpin_on_entry`` is "refuse").
    confirm_sanpin = fields.Boolean(load_default=False)


class CheckQuerySchema(EntryBodySchema):
    entry_id = fields.Integer(load_default=None)


class EntrySchema(Schema):
    id = fields.Integer()
    version_id = fields.Integer()
    class_id = fields.Integer()
    subgroup_id = fields.Integer(allow_none=True)
    subject_id = fields.Integer()
    teacher_id = fields.Integer()
    weekday = fields.Integer()
    number = fields.Integer()
    room = fields.String()


class SlotSchema(Schema):
    number = fields.Integer()
    starts_at = fields.String(allow_none=True)
    ends_at = fields.String(allow_none=True)
    subject = fields.String()
    subject_id = fields.Integer()
    subgroup = fields.String(allow_none=True)
    subgroup_id = fields.Integer(allow_none=True)
    teacher = fields.String()
    teacher_id = fields.Integer()
    room = fields.String()
    lesson_id = fields.Integer(allow_none=True)
    change = fields.String(allow_none=True)
    change_note = fields.String()
    assessment = fields.String(allow_none=True)


class DaySchema(Schema):
    date = fields.Date()
    holiday = fields.String(allow_none=True)
    slots = fields.List(fields.Nested(SlotSchema))


class ChangeSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    lesson_id = fields.Integer(allow_none=True)
    class_id = fields.Integer()
    class_name = fields.String()
    subgroup_id = fields.Integer(allow_none=True)
    subgroup = fields.String(allow_none=True)
    subject_id = fields.Integer()
    subject = fields.String()
    date = fields.Date()
    number = fields.Integer()
    teacher_id = fields.Integer()
    teacher = fields.String()
    new_teacher_id = fields.Integer(allow_none=True)
    new_teacher = fields.String(allow_none=True)
    new_date = fields.Date(allow_none=True)
    new_number = fields.Integer(allow_none=True)
    new_room = fields.String()
    reason = fields.String()
    created_at = fields.DateTime()
    created_by = fields.String(allow_none=True)


class SubstitutionBodySchema(Schema):
    lesson_id = fields.Integer(required=True)
    teacher_id = fields.Integer(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class MoveBodySchema(Schema):
    lesson_id = fields.Integer(required=True)
    date = fields.Date(required=True)
    number = fields.Integer(required=True, validate=validate.Range(min=0, max=12))
    room = fields.String(load_default="", validate=validate.Length(max=50))
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class CancelBodySchema(Schema):
    lesson_id = fields.Integer(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class AssessmentQuerySchema(Schema):
    class_id = fields.Integer(load_default=None)
    term_id = fields.Integer(load_default=None)


class AssessmentBodySchema(Schema):
    class_id = fields.Integer(required=True)
    subject_id = fields.Integer(required=True)
    subgroup_id = fields.Integer(load_default=None, allow_none=True)
    date = fields.Date(required=True)
    number = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=12))
    kind = fields.String(load_default="test", validate=validate.Length(min=1, max=50))
    title = fields.String(load_default="", validate=validate.Length(max=300))


class AssessmentSchema(Schema):
    id = fields.Integer()
    class_id = fields.Integer()
    subgroup_id = fields.Integer(allow_none=True)
    subject_id = fields.Integer()
    subject = fields.String()
    term_id = fields.Integer(allow_none=True)
    date = fields.Date()
    number = fields.Integer(allow_none=True)
    kind = fields.String()
    title = fields.String()


class WarningSchema(Schema):
    kind = fields.String()
    class_id = fields.Integer()
    start = fields.Date()
    count = fields.Integer()
    limit = fields.Integer()
    message = fields.String()
