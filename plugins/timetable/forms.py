"""WTForms of the timetable pages; labels are msgids, Russian comes from the plugin's catalog."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class EntryForm(FlaskForm):
    weekday = SelectField(_l("Day"), coerce=int, validators=[InputRequired()])
    number = SelectField(_l("Lesson"), coerce=int, validators=[InputRequired()])
    assignment_id = SelectField(_l("Subject and teacher"), coerce=int, validators=[InputRequired()])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=50)])


class VersionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=100)])
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])
    valid_to = DateField(_l("Valid to"), validators=[DataRequired()])
    copy_from = SelectField(_l("Copy lessons from"), coerce=int, validators=[Optional()])


class ScheduleForm(FlaskForm):
    name = StringField(_l("Title"), validators=[DataRequired(), Length(max=100)])
    shift = IntegerField(_l("Shift"), default=1, validators=[DataRequired(), NumberRange(1, 3)])


class GenerateForm(FlaskForm):
    term_id = SelectField(_l("Term"), coerce=int, validators=[InputRequired()])
    class_id = SelectField(_l("Class"), coerce=int, validators=[Optional()])
    from_date = DateField(_l("From date (empty: the whole term)"), validators=[Optional()])
    fill_topics = BooleanField(_l("Fill empty topics from the lesson plans"), default=True)


class SubstituteForm(FlaskForm):
    teacher_id = SelectField(_l("Substitute teacher"), coerce=int, validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class MoveForm(FlaskForm):
    date = DateField(_l("New date"), validators=[DataRequired()])
    number = IntegerField(_l("Lesson number"), validators=[DataRequired(), NumberRange(1, 12)])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=50)])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class AssessmentForm(FlaskForm):
    class_id = SelectField(_l("Class"), coerce=int, validators=[InputRequired()])
    subject_id = SelectField(_l("Subject"), coerce=int, validators=[InputRequired()])
    date = DateField(_l("Date"), validators=[DataRequired()])
    number = IntegerField(_l("Lesson number"), validators=[Optional(), NumberRange(1, 12)])
    kind = SelectField(_l("Kind of work"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=300)])


class PlanTextForm(FlaskForm):
    text = TextAreaField(_l("Topics, one a line (“Topic; 2” for two lessons)"), validators=[DataRequired()])


class PlanFileForm(FlaskForm):
    file = FileField(_l("XLSX or CSV file"))
