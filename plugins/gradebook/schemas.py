"""marshmallow schemas: the plugin's settings (the school's marking regulation) and the API's shapes."""
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
    # Grades taught without marks (безотметочное обучение): marks there are refused.
    unmarked_grades = fields.List(fields.Integer(validate=validate.Range(min=1, max=11)), load_default=lambda: [1])
    max_marks_per_lesson = fields.Integer(load_default=3, validate=validate.Range(min=1, max=10))
    # "thresholds": a mark is given from its threshold up (4.65 -> 5); "standard": ordinary rounding.
    rounding = fields.String(load_default="thresholds", validate=validate.OneOf(["thresholds", "standard"]))
    thresholds = fields.Dict(keys=fields.String(), values=fields.Float(),
                             load_default=lambda: {"5": 4.65, "4": 3.65, "3": 2.65})
    edit_window_days = fields.Integer(load_default=7, validate=validate.Range(min=0, max=366))
    # The year's forecast: "terms" = the mean of the term final marks, "marks" = the year's weighted average.
    year_forecast = fields.String(load_default="terms", validate=validate.OneOf(["terms", "marks"]))
    homework_file_max_mb = fields.Integer(load_default=10, validate=validate.Range(min=1, max=20))
    # A mark and an absence («н») in one lesson: "warn" saves both with a visible warning, "refuse" refuses
    # the second of them (plugins/gradebook/absence_rule.py).
    marks_when_absent = fields.String(load_default="warn", validate=validate.OneOf(["warn", "refuse"]))
    # Term marks are entered from this many days before the term ends until its ``closes_on`` (the lock);
    # year marks only after the last term has ended (plugins/gradebook/finals.py ``period_opens_on``).
    final_marks_open_days_before = fields.Integer(load_default=14, validate=validate.Range(min=0, max=60))

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


# --- the API ------------------------------------------------------------------------------------------
# Inputs reject unknown fields (422 names them); outputs are dumped from models or plain dicts.

class LessonQuerySchema(Schema):
    class_id = fields.Integer(required=True)
    subject_id = fields.Integer(required=True)
    subgroup_id = fields.Integer(load_default=None, allow_none=True)
    date_from = fields.Date(load_default=None, allow_none=True)
    date_to = fields.Date(load_default=None, allow_none=True)


class HomeworkFileSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    size = fields.Integer()
    url = fields.String()


class LessonSchema(Schema):
    id = fields.Integer()
    class_id = fields.Integer()
    subgroup_id = fields.Integer(allow_none=True)
    subject_id = fields.Integer()
    teacher_id = fields.Integer()
    date = fields.Date()
    number = fields.Integer()
    topic = fields.String()
    summary = fields.String()
    control_work_type = fields.String(allow_none=True)
    homework = fields.String(allow_none=True)
    due_date = fields.Date(allow_none=True)
    files = fields.List(fields.Nested(HomeworkFileSchema))
    version = fields.Integer()


class LessonCreateSchema(Schema):
    class_id = fields.Integer(required=True)
    subject_id = fields.Integer(required=True)
    subgroup_id = fields.Integer(load_default=None, allow_none=True)
    date = fields.Date(required=True)
    number = fields.Integer(load_default=1, validate=validate.Range(min=0, max=12))
    topic = fields.String(load_default="", validate=validate.Length(max=500))
    summary = fields.String(load_default="", validate=validate.Length(max=5000))
    control_work_type = fields.String(load_default=None, allow_none=True)
    homework = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    due_date = fields.Date(load_default=None, allow_none=True)


class LessonUpdateSchema(Schema):
    """Only the fields sent are changed; ``version`` is the lesson's version the client read (else 409)."""

    version = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))

    date = fields.Date()
    number = fields.Integer(validate=validate.Range(min=0, max=12))
    topic = fields.String(validate=validate.Length(max=500))
    summary = fields.String(validate=validate.Length(max=5000))
    control_work_type = fields.String(allow_none=True)
    homework = fields.String(allow_none=True, validate=validate.Length(max=5000))
    due_date = fields.Date(allow_none=True)


class MarkSchema(Schema):
    id = fields.Integer()
    lesson_id = fields.Integer()
    student_id = fields.Integer()
    value = fields.String()
    numeric = fields.Float(allow_none=True)
    work_type = fields.String()
    comment = fields.String()
    version = fields.Integer()
    warnings = fields.List(fields.String())  # on a save: saved, but worth a look (a mark next to an «н»)


class MarkQuerySchema(Schema):
    """Either ``lesson_id`` (one lesson's marks) or a journal: ``class_id``, ``subject_id``, ``term_id``."""

    lesson_id = fields.Integer(load_default=None)
    class_id = fields.Integer(load_default=None)
    subject_id = fields.Integer(load_default=None)
    term_id = fields.Integer(load_default=None)
    subgroup_id = fields.Integer(load_default=None)

    @validates_schema
    def _one_of(self, data: dict, **_kwargs: object) -> None:
        if data["lesson_id"] is None and None in (data["class_id"], data["subject_id"], data["term_id"]):
            raise ValidationError("give lesson_id, or class_id, subject_id and term_id", "lesson_id")


class MarkCreateSchema(Schema):
    lesson_id = fields.Integer(required=True)
    student_id = fields.Integer(required=True)
    value = fields.String(required=True, validate=validate.Length(max=10))
    work_type = fields.String(load_default=None, allow_none=True)
    comment = fields.String(load_default="", validate=validate.Length(max=500))
    # How many marks the client saw in the cell: another number means someone else wrote meanwhile (409).
    expected_count = fields.Integer(load_default=None, allow_none=True)


class MarkUpdateSchema(Schema):
    version = fields.Integer(required=True)
    value = fields.String(validate=validate.Length(max=10))
    work_type = fields.String()
    comment = fields.String(validate=validate.Length(max=500))


class MarkDeleteQuerySchema(Schema):
    version = fields.Integer(required=True)


class CellSchema(Schema):
    """The journal grid's save: make a student's marks at a lesson read ``text`` (as typed: the server reads
    it by the one grammar of marks) or ``values`` (one mark each)."""

    lesson_id = fields.Integer(required=True)
    student_id = fields.Integer(required=True)
    text = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))
    values = fields.List(fields.String(validate=validate.Length(max=10)), load_default=None, allow_none=True)
    # (id, version) of every mark the client saw in the cell, in order.
    known = fields.List(fields.List(fields.Integer(), validate=validate.Length(equal=2)), load_default=list)
    work_type = fields.String(load_default=None, allow_none=True)

    @validates_schema
    def _text_or_values(self, data: dict, **_kwargs: object) -> None:
        if data.get("text") is None and data.get("values") is None:
            raise ValidationError("give text (as typed) or values", "text")


class RowAverageSchema(Schema):
    """A journal row's average after a save, as ``averages.Average.as_json()`` gives it."""

    average = fields.Float(allow_none=True)
    average_text = fields.String()
    forecast = fields.Integer(allow_none=True)


class CellResultSchema(RowAverageSchema):
    marks = fields.List(fields.Nested(MarkSchema))
    # Saved, but worth a look (a mark next to an «н» in the same lesson): Russian texts to show.
    warnings = fields.List(fields.String())


class MarkSavedSchema(MarkSchema, RowAverageSchema):
    """A changed mark with its row's new average and forecast."""


class JournalQuerySchema(Schema):
    class_id = fields.Integer(required=True)
    subject_id = fields.Integer(required=True)
    term_id = fields.Integer(required=True)
    subgroup_id = fields.Integer(load_default=None)


class FinalQuerySchema(Schema):
    class_id = fields.Integer(required=True)
    subject_id = fields.Integer(required=True)
    term_id = fields.Integer(load_default=None)
    # "year": only the year's marks; "all" (default): every term and the year.
    period = fields.String(load_default="all", validate=validate.OneOf(["all", "term", "year"]))


class FinalMarkSchema(Schema):
    id = fields.Integer()
    class_id = fields.Integer()
    subject_id = fields.Integer()
    student_id = fields.Integer()
    term_id = fields.Integer(allow_none=True)
    value = fields.String()
    numeric = fields.Float(allow_none=True)
    forecast = fields.Float(allow_none=True)
    reason = fields.String()
    version = fields.Integer()


class FinalSetSchema(Schema):
    class_id = fields.Integer(required=True)
    subject_id = fields.Integer(required=True)
    student_id = fields.Integer(required=True)
    term_id = fields.Integer(required=True, allow_none=True)  # null: the year's final mark
    value = fields.String(required=True, validate=validate.Length(max=10))  # "": remove the mark
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    version = fields.Integer(load_default=None, allow_none=True)  # required when a final mark exists


class ExplainQuerySchema(Schema):
    student_id = fields.Integer(required=True)
    subject_id = fields.Integer(required=True)
    term_id = fields.Integer(load_default=None)  # none: the year
    class_id = fields.Integer(load_default=None)  # none: the student's class in that period


class ExplainedMarkSchema(Schema):
    date = fields.Date()
    value = fields.String()
    numeric = fields.Float(allow_none=True)
    work_type = fields.String()
    work_type_title = fields.String()
    weight = fields.Float()
    counted = fields.Boolean()


class TermFinalSchema(Schema):
    title = fields.String()
    value = fields.String(allow_none=True)
    numeric = fields.Float(allow_none=True)


class ExplanationSchema(Schema):
    kind = fields.String()
    marks = fields.List(fields.Nested(ExplainedMarkSchema))
    term_finals = fields.List(fields.Nested(TermFinalSchema))
    weighted_sum = fields.Float()
    total_weight = fields.Float()
    average = fields.Float(allow_none=True)
    forecast = fields.Integer(allow_none=True)
    final = fields.String(allow_none=True)
    rule = fields.String()
    formula = fields.String()
