"""marshmallow schemas: the plugin's settings (codes, reasons, thresholds) and the API's shapes."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema


class AttendanceCodeSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=5))
    title = fields.String(required=True)
    # absent: the lesson counts as missed; excused: missed for a valid reason; late: present, came late.
    kind = fields.String(required=True, validate=validate.OneOf(["absent", "excused", "late"]))


class ReasonKindSchema(Schema):
    kind = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]{1,20}$"))
    title = fields.String(required=True)
    code = fields.String(required=True)  # the excused code the absences of the range get
    document = fields.String(load_default="")  # what the class teacher keeps: a certificate, a note, an order


DEFAULT_CODES = [
    {"code": "н", "title": "отсутствовал", "kind": "absent"},
    {"code": "б", "title": "болел", "kind": "excused"},
    {"code": "у", "title": "уважительная причина", "kind": "excused"},
    {"code": "п", "title": "пропуск по приказу (соревнования, олимпиада)", "kind": "excused"},
    {"code": "о", "title": "опоздал", "kind": "late"},
]
DEFAULT_REASONS = [
    {"kind": "illness", "title": "болезнь", "code": "б", "document": "медицинская справка"},
    {"kind": "family", "title": "семейные обстоятельства", "code": "у", "document": "заявление родителя"},
    {"kind": "order", "title": "соревнования, олимпиада", "code": "п", "document": "приказ директора"},
]


class AttendanceSettings(Schema):
    codes = fields.List(fields.Nested(AttendanceCodeSchema), load_default=lambda: list(DEFAULT_CODES),
                        validate=validate.Length(min=1))
    # Lessons with no attendance entered this many days after they were held are flagged to the deputy.
    missing_after_days = fields.Integer(load_default=2, validate=validate.Range(min=0, max=60))
    # What one tap on a student cycles through on the roll-call page (codes missing from ``codes`` are skipped).
    roll_call_codes = fields.List(fields.String(), load_default=lambda: ["н", "б", "у", "о"])
    # Reasons the class teacher sets for a range of days, and the excused code each gives.
    reasons = fields.List(fields.Nested(ReasonKindSchema), load_default=lambda: list(DEFAULT_REASONS),
                          validate=validate.Length(min=1))
    # A guardian's note covers at most this many days, and its scan at most this many kilobytes.
    note_max_days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=366))
    note_max_kb = fields.Integer(load_default=5120, validate=validate.Range(min=10, max=20000))

    @validates_schema
    def _kinds(self, data: dict, **_kwargs: object) -> None:
        codes = [c["code"] for c in data["codes"]]
        if len(codes) != len(set(codes)):
            raise ValidationError("attendance codes repeat", "codes")
        for kind in ("absent", "excused", "late"):
            if not any(c["kind"] == kind for c in data["codes"]):
                raise ValidationError(f"no code of kind {kind!r}", "codes")
        kinds = [r["kind"] for r in data["reasons"]]
        if len(kinds) != len(set(kinds)):
            raise ValidationError("reason kinds repeat", "reasons")


# --- the API -----------------------------------------------------------------------------------------

class MarkStateSchema(Schema):
    """One student's attendance at one lesson; ``code`` is empty for a student who was present."""

    lesson_id = fields.Integer()
    student_id = fields.Integer()
    code = fields.String()
    minutes_late = fields.Integer(allow_none=True)
    reason = fields.String()
    cell = fields.String()  # what the journal cell shows
    warnings = fields.List(fields.String())  # on a save: saved, but worth a look (an «н» next to a mark)


class SaveMarkSchema(Schema):
    lesson_id = fields.Integer(required=True, strict=False)
    student_id = fields.Integer(required=True, strict=False)
    code = fields.String(load_default="", validate=validate.Length(max=5))  # empty: present (clears)
    minutes_late = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=240))
    reason = fields.String(load_default="", validate=validate.Length(max=300))
    # The lesson's roll-call version the client read (``version`` of the lesson's marks): a stale one is 409.
    version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=2**31 - 1))
    # The cell as the grid showed it ("" present, "н", "оп5"): if it reads otherwise now, 409 with ``current``.
    seen = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10))


class RollCallEntrySchema(Schema):
    student_id = fields.Integer(required=True)
    code = fields.String(load_default="", validate=validate.Length(max=5))
    minutes_late = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=240))


class RollCallSchema(Schema):
    """A whole lesson at once: students not listed were present."""

    marks = fields.List(fields.Nested(RollCallEntrySchema), load_default=list)
    # The lesson's roll-call version the client read (``version`` of the lesson's marks): a stale one is 409.
    version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=2**31 - 1))


class LessonStudentSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    code = fields.String()
    minutes_late = fields.Integer(allow_none=True)
    reason = fields.String()


class LessonMarksSchema(Schema):
    lesson_id = fields.Integer()
    date = fields.Date()
    number = fields.Integer()
    class_id = fields.Integer()
    subject = fields.String()
    roll_call_taken = fields.Boolean()
    taken_at = fields.DateTime(allow_none=True)
    version = fields.Integer()  # send it back with a save: a stale one answers 409
    editable = fields.Boolean()
    codes = fields.List(fields.Dict())
    students = fields.List(fields.Nested(LessonStudentSchema))


class SummaryQuerySchema(Schema):
    class_id = fields.Integer(required=True)
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    subject_id = fields.Integer(load_default=None, allow_none=True)

    @validates_schema
    def _range(self, data: dict, **_kwargs: object) -> None:
        if data["start"] > data["end"]:
            raise ValidationError("The start must not be after the end.", "end")


class StudentSummarySchema(Schema):
    student_id = fields.Integer()
    name = fields.String()
    lessons = fields.Integer()
    missed = fields.Integer()
    excused = fields.Integer()
    unexcused = fields.Integer()
    late = fields.Integer()
    late_minutes = fields.Integer()
    missed_percent = fields.Float()


class ClassSummarySchema(Schema):
    class_id = fields.Integer()
    start = fields.Date()
    end = fields.Date()
    students = fields.List(fields.Nested(StudentSummarySchema))
    total = fields.Nested(StudentSummarySchema)


class NoteSchema(Schema):
    id = fields.Integer()
    student_id = fields.Integer()
    student_name = fields.String()
    class_id = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()
    kind = fields.String()
    text = fields.String()
    has_file = fields.Boolean()
    status = fields.String()
    decision_comment = fields.String()
    created_at = fields.DateTime()


class NoteCreateSchema(Schema):
    student_id = fields.Integer(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.Length(min=1, max=20))
    text = fields.String(load_default="", validate=validate.Length(max=1000))


class NoteDecisionSchema(Schema):
    accept = fields.Boolean(required=True)
    comment = fields.String(load_default="", validate=validate.Length(max=500))


class NoteListQuerySchema(Schema):
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(["pending", "accepted", "rejected"]))
