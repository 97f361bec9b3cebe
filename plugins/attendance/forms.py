"""WTForms of the attendance pages; labels are msgids, Russian comes from the catalog."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ReasonForm(FlaskForm):
    student_id = SelectField(_l("Student"), coerce=int, validators=[DataRequired(message=_l("Choose a student."))])
    starts_on = DateField(_l("From"), validators=[DataRequired(message=_l("Give the first day."))])
    ends_on = DateField(_l("To (inclusive)"), validators=[DataRequired(message=_l("Give the last day."))])
    kind = SelectField(_l("Reason"), validators=[DataRequired(message=_l("Choose a reason from the list."))])
    document = StringField(_l("Document"), validators=[Optional(), Length(max=300)],
                           description=_l("For example: certificate No. 14 of 12.11"))


class NoteForm(FlaskForm):
    student_id = SelectField(_l("Child"), coerce=int, validators=[DataRequired(message=_l("Choose a child."))])
    starts_on = DateField(_l("From"), validators=[DataRequired(message=_l("Give the first day."))])
    ends_on = DateField(_l("To (inclusive)"), validators=[DataRequired(message=_l("Give the last day."))])
    kind = SelectField(_l("Reason"), validators=[DataRequired(message=_l("Choose a reason from the list."))])
    text = TextAreaField(_l("Explanation"), validators=[Optional(), Length(max=1000)])
    scan = FileField(_l("Scan or photo of a document (PDF, JPEG, PNG), if any"))


class DecisionForm(FlaskForm):
    comment = StringField(_l("Comment for the family"), validators=[Optional(), Length(max=500)])


class VerifyForm(FlaskForm):
    comment = StringField(_l("Comment"), validators=[Optional(), Length(max=500)])
