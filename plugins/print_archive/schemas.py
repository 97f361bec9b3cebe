"""marshmallow schemas: the plugin's settings (how the school prints and keeps journals) and the API.

The wording of every printed form lives in ``wording``: the printed journal is a legal document whose
phrases a region's regulation may fix, so a profile can change any of them without touching code.
"""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

# Placeholders each template may use; a template naming another one is refused at start-up.
TEMPLATES: dict[str, dict[str, Any]] = {
    "class_label": {"grade": 5, "letter": "А", "name": "5А"},
    "year_label": {"year": "2026/2027"},
    "generated_note": {"at": "01.06.2027 10:00", "version": 1, "by": "Иванова А. А."},
    "certification": {"count": 21, "sheets": "лист", "count_words": "двадцать один"},
    "sheet_label": {"n": 1},
    "sheet_back_label": {"n": 1},
    "joined": {"date": "01.09.2026"},
    "left": {"date": "01.09.2026"},
    "substitute": {"name": "Иванова А. А."},
    "lessons_range": {"first": 1, "last": 24, "total": 120},
    "head_signature_line": {"name": "Орлова Т. В."},
    "class_teacher_signature_line": {"name": "Иванова А. А."},
}


class WordingSchema(Schema):
    """Every phrase of the printed forms (Russian by default: they are printed, not shown in the UI)."""

    journal_title = fields.String(load_default="КЛАССНЫЙ ЖУРНАЛ")
    journal_subtitle = fields.String(load_default="распечатка электронного журнала")
    summary_doc_title = fields.String(load_default="СВОДНАЯ ВЕДОМОСТЬ ИТОГОВЫХ ОТМЕТОК")
    class_label = fields.String(load_default="{grade} «{letter}» класса")
    year_label = fields.String(load_default="{year} учебный год")
    class_teacher = fields.String(load_default="Классный руководитель")
    principal = fields.String(load_default="Руководитель образовательной организации")
    generated_note = fields.String(
        load_default="Сформировано из электронного журнала {at} (версия {version}, сформировал(а) {by}).")
    students_title = fields.String(load_default="Список обучающихся")
    col_number = fields.String(load_default="№")
    col_student = fields.String(load_default="Фамилия, имя, отчество обучающегося")
    col_student_short = fields.String(load_default="Фамилия, имя")
    col_birth_date = fields.String(load_default="Дата рождения")
    col_movement = fields.String(load_default="Прибытие, выбытие")
    joined = fields.String(load_default="прибыл(а) {date}")
    left = fields.String(load_default="выбыл(а) {date}")
    subject = fields.String(load_default="Предмет")
    teacher = fields.String(load_default="Учитель")
    months = fields.List(fields.String(), validate=validate.Length(equal=12), load_default=lambda: [
        "янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"])
    lessons_range = fields.String(load_default="уроки {first}–{last} из {total}")
    col_date = fields.String(load_default="Дата")
    col_topic = fields.String(load_default="Что пройдено на уроке")
    col_homework = fields.String(load_default="Домашнее задание")
    substitute = fields.String(load_default="замена: {name}")
    no_lessons = fields.String(load_default="Уроков не было.")
    attendance_title = fields.String(load_default="Сведения о количестве уроков, пропущенных обучающимися")
    col_missed = fields.String(load_default="пропущено")
    col_excused = fields.String(load_default="из них по уваж. причине")
    col_late = fields.String(load_default="опозданий")
    year_total = fields.String(load_default="За год")
    summary_title = fields.String(load_default="Сводная ведомость учёта успеваемости обучающихся")
    year_mark = fields.String(load_default="Год")
    periods = fields.String(load_default="Учебные периоды")
    certification = fields.String(load_default="Прошито, пронумеровано и скреплено печатью {count} {sheets}.")
    sheet_forms = fields.List(fields.String(), load_default=lambda: ["лист", "листа", "листов"],
                              validate=validate.Length(equal=3))
    head_signature_line = fields.String(load_default="Руководитель образовательной организации ______________ / {name} /")
    class_teacher_signature_line = fields.String(load_default="Классный руководитель ______________ / {name} /")
    seal = fields.String(load_default="М. П.")
    date_line = fields.String(load_default="Дата подписания «____» ________________ 20____ г.")
    sheet_label = fields.String(load_default="Лист {n}")
    sheet_back_label = fields.String(load_default="Лист {n} об.")

    @validates_schema
    def _templates(self, data: dict[str, Any], **_kwargs: object) -> None:
        for name, sample in TEMPLATES.items():
            try:
                data[name].format(**sample)
            except (KeyError, IndexError, ValueError) as exc:
                raise ValidationError(
                    f"unknown placeholder {exc} (allowed: {', '.join('{' + k + '}' for k in sample)})", name
                ) from exc


class PrintArchiveSettings(Schema):
    """How the school prints, counts and keeps its year-end documents."""

    # one_sided: every page is a sheet; two_sided: a sheet holds two pages (the count is pages / 2, up).
    printing = fields.String(load_default="one_sided", validate=validate.OneOf(["one_sided", "two_sided"]))
    # Retention periods in years, counted from 1 January after the year the document was closed
    # (Перечень типовых управленческих архивных документов, приказ Росархива от 20.12.2019 № 236; README).
    journal_retention_years = fields.Integer(load_default=5, validate=validate.Range(min=1, max=100))
    summary_retention_years = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))
    # Width of one lesson-date column of the marks grid, in millimetres: the grid splits into as many
    # left/right spreads as it takes.
    date_column_mm = fields.Float(load_default=6.0, validate=validate.Range(min=4.5, max=15))
    font_size = fields.Float(load_default=7.0, validate=validate.Range(min=5, max=11))
    # Processes that render a whole school's journals (each renders one class at a time).
    workers = fields.Integer(load_default=1, validate=validate.Range(min=1, max=16))
    wording = fields.Nested(WordingSchema, load_default=lambda: WordingSchema().load({}))


def default_settings() -> dict[str, Any]:
    """The settings with every default (for services called outside an app, e.g. the benchmark)."""
    return PrintArchiveSettings().load({})


# --- API ----------------------------------------------------------------------------------------------

class DocumentSchema(Schema):
    id = fields.Integer()
    class_id = fields.Integer()
    class_name = fields.String()
    year_id = fields.Integer()
    kind = fields.String()
    version = fields.Integer()
    pages = fields.Integer()
    sheets = fields.Integer()
    printing = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    snapshot_at = fields.DateTime()
    generated_at = fields.DateTime()
    generated_by = fields.String()
    keep_until = fields.Date()
    signed_by = fields.String(allow_none=True)
    signed_at = fields.DateTime(allow_none=True)
    download_url = fields.String()


class DocumentQuerySchema(Schema):
    class_id = fields.Integer(load_default=None)
    year_id = fields.Integer(load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf(["journal", "summary"]))


class GenerateSchema(Schema):
    """Start printing: one class (``class_id``) or every class of the year (``all``)."""

    class_id = fields.Integer(load_default=None)
    all = fields.Boolean(load_default=False)
    year_id = fields.Integer(load_default=None)
    kinds = fields.List(fields.String(validate=validate.OneOf(["journal", "summary"])),
                        load_default=lambda: ["journal", "summary"], validate=validate.Length(min=1))

    @validates_schema
    def _target(self, data: dict[str, Any], **_kwargs: object) -> None:
        if not data["all"] and data["class_id"] is None:
            raise ValidationError("Choose a class or the whole school.", "class_id")


class ChangeSchema(Schema):
    key = fields.String()
    title = fields.String()
    marks_changed = fields.Integer()
    marks_added = fields.Integer()
    marks_removed = fields.Integer()
    attendance_changed = fields.Integer()
    lessons_changed = fields.Integer()
    lessons_added = fields.Integer()
    lessons_removed = fields.Integer()
    final_marks_changed = fields.Integer()


class CheckSchema(Schema):
    document_id = fields.Integer()
    file_ok = fields.Boolean()
    up_to_date = fields.Boolean()
    checked_at = fields.DateTime()
    students_changed = fields.Integer()
    sections_changed = fields.List(fields.String())
    changes = fields.List(fields.Nested(ChangeSchema))
    audit_entries_since = fields.Integer()
