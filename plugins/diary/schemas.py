"""marshmallow schemas: the diary's settings and its API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from plugins.diary.models import MODES, REMARK_KINDS


class DiarySettings(Schema):
    """How the school runs the family portal."""

    # School days shown in a week: 5 (Monday to Friday) or 6 (with Saturday).
    school_days = fields.Integer(load_default=5, validate=validate.Range(min=5, max=6))
    # The class teacher's weekly page lists guardians who have not opened the diary for this many days.
    inactive_days = fields.Integer(load_default=7, validate=validate.Range(min=1, max=90))
    # The visit log (one row per family member, student and day) keeps this many days; older days are
    # deleted by the periodic tick. 400 covers a school year for the reports; 0 keeps them forever.
    visit_retention_days = fields.Integer(load_default=400, validate=validate.Range(min=0, max=3650))
    # Notifications of a guardian who has not chosen yet.
    default_mode = fields.String(load_default="none", validate=validate.OneOf(MODES))
    # Digests go out at this hour of the school's local time; weekly ones on this weekday (0 = Monday).
    digest_hour = fields.Integer(load_default=18, validate=validate.Range(min=0, max=23))
    weekly_weekday = fields.Integer(load_default=5, validate=validate.Range(min=0, max=6))
    # Absences are told about for lessons held at most this many days ago (late corrections stay quiet).
    absence_window_days = fields.Integer(load_default=2, validate=validate.Range(min=0, max=30))
    # A failed SMTP attempt is retried on later ticks up to this many times.
    max_attempts = fields.Integer(load_default=5, validate=validate.Range(min=1, max=50))
    # Links in e-mails point here.
    site_url = fields.String(load_default="http://127.0.0.1:5000")
    # The wording of the information letter (a school adapts it to its regulation).
    letter_greeting = fields.String(load_default="Уважаемые родители (законные представители)!")
    letter_intro = fields.String(
        load_default="Сообщаем вам результаты обучения и посещаемость вашего ребёнка за учебный период.")
    letter_closing = fields.String(
        load_default="Просим вас ознакомиться с информацией и при необходимости связаться с классным руководителем.")


# --- API ---------------------------------------------------------------------------------------------

class WeekQuerySchema(Schema):
    week = fields.Date(load_default=None, metadata={"description": "any day of the week; today by default"})


class MarksQuerySchema(Schema):
    term_id = fields.Integer(load_default=None)


class StudentRefSchema(Schema):
    id = fields.Integer()
    full_name = fields.String()
    class_name = fields.String(allow_none=True)


class MarkOutSchema(Schema):
    id = fields.Integer()
    value = fields.String()
    work_type = fields.String()
    work_type_title = fields.String()
    comment = fields.String()


class FileOutSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    size = fields.Integer()
    url = fields.String()


class LessonOutSchema(Schema):
    id = fields.Integer()
    number = fields.Integer()
    time = fields.String(allow_none=True)
    subject = fields.String()
    teacher = fields.String()
    topic = fields.String()
    homework = fields.String(allow_none=True)
    homework_due = fields.Date(allow_none=True)
    files = fields.List(fields.Nested(FileOutSchema))
    marks = fields.List(fields.Nested(MarkOutSchema))
    attendance = fields.String(allow_none=True)
    attendance_title = fields.String(allow_none=True)
    control_work = fields.String(allow_none=True)
    changes = fields.List(fields.String())


class RemarkOutSchema(Schema):
    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(REMARK_KINDS))
    text = fields.String()
    author = fields.String()
    subject = fields.String(allow_none=True)
    day = fields.Date()
    acknowledged = fields.Boolean()


class DayOutSchema(Schema):
    date = fields.Date()
    holiday = fields.String(allow_none=True)
    lessons = fields.List(fields.Nested(LessonOutSchema))
    remarks = fields.List(fields.Nested(RemarkOutSchema))


class WeekOutSchema(Schema):
    student = fields.Nested(StudentRefSchema)
    week_start = fields.Date()
    week_end = fields.Date()
    term = fields.String(allow_none=True)
    acknowledged_at = fields.DateTime(allow_none=True)
    days = fields.List(fields.Nested(DayOutSchema))


class SubjectMarksOutSchema(Schema):
    subject_id = fields.Integer()
    subject = fields.String()
    teachers = fields.List(fields.String())
    marks = fields.List(fields.Dict())
    average = fields.Float(allow_none=True)
    forecast = fields.Integer(allow_none=True)
    final = fields.String(allow_none=True)
    year_final = fields.String(allow_none=True)


class MarksOutSchema(Schema):
    student = fields.Nested(StudentRefSchema)
    term_id = fields.Integer()
    term = fields.String()
    subjects = fields.List(fields.Nested(SubjectMarksOutSchema))


class AckBodySchema(Schema):
    week = fields.Date(required=True)


class AckOutSchema(Schema):
    student_id = fields.Integer()
    week_start = fields.Date()
    acknowledged_at = fields.DateTime()


# Top-level replies get schemas of their own: the OpenAPI builder names a schema once, and these two
# are also nested inside the week.
class DiaryStudentSchema(StudentRefSchema):
    pass


class DiaryRemarkSchema(RemarkOutSchema):
    pass
