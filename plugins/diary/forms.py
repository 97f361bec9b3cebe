"""WTForms of the diary; labels are msgids, Russian comes from the catalog."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

MODE_CHOICES = [
    ("instant", _l("At once, a message for each event")),
    ("daily", _l("Once a day, a digest in the evening")),
    ("weekly", _l("Once a week, a digest")),
    ("none", _l("Do not send e-mail")),
]
KIND_CHOICES = [
    ("praise", _l("Praise")),
    ("concern", _l("Remark")),
    ("recommendation", _l("Recommendation")),
]


class PreferencesForm(FlaskForm):
    mode = RadioField(_l("How to notify"), choices=MODE_CHOICES, validators=[DataRequired()])
    marks = BooleanField(_l("New marks"))
    absences = BooleanField(_l("Absences and late arrivals"))
    remarks = BooleanField(_l("Teachers' remarks and praise"))
    homework = BooleanField(_l("Homework"))
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=200)])


class RemarkForm(FlaskForm):
    student_id = SelectField(_l("Student"), coerce=int, validators=[DataRequired(message=_l("Choose the student."))])
    kind = RadioField(_l("Kind"), choices=KIND_CHOICES, default="concern", validators=[DataRequired()])
    subject_id = SelectField(_l("Subject"), coerce=int, validators=[Optional()])
    text = TextAreaField(_l("Text for the family"), validators=[DataRequired(message=_l("Write the text of the note.")),
                                                               Length(max=2000)])


class NotifyDeputyForm(FlaskForm):
    note = TextAreaField(_l("Comment for the deputy"), validators=[Optional(), Length(max=2000)])
