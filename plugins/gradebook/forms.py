"""WTForms of the gradebook's pages; labels are msgids, Russian comes from the catalog."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class LessonForm(FlaskForm):
    date = DateField(_l("Date"), validators=[DataRequired(message=_l("Give the date of the lesson."))])
    number = IntegerField(_l("Lesson number in the day"), default=1,
                          validators=[DataRequired(message=_l("Give the lesson number.")), NumberRange(0, 12)])
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=500)])
    summary = TextAreaField(_l("Short summary"), validators=[Optional(), Length(max=5000)])
    control_work_type = SelectField(_l("Control work of the whole class"), validators=[Optional()])
    homework = TextAreaField(_l("Homework"), validators=[Optional(), Length(max=5000)])
    due_date = DateField(_l("Homework due"), validators=[Optional()])
    files = MultipleFileField(_l("Attach files"))
    version = HiddenField()  # the lesson's version the teacher saw: a stale form is refused, not applied


class FillTopicsForm(FlaskForm):
    overwrite = BooleanField(_l("Replace topics already entered"))

