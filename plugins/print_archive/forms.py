"""WTForms of the archive pages; labels are msgids, Russian comes from the catalog."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

KIND_CHOICES = [("both", _l("Journal and summary sheet")), ("journal", _l("Class journal")),
                ("summary", _l("Summary sheet of final marks"))]


class GenerateForm(FlaskForm):
    """Print one class (``class_id``) or, with ``scope`` "school", every class of the year."""

    scope = SelectField(_l("What to print"), choices=[("class", _l("One class")), ("school", _l("Whole school"))],
                        default="class")
    class_id = IntegerField(_l("Class"), validators=[Optional()])
    year_id = IntegerField(_l("Academic year"), validators=[Optional()])
    kind = SelectField(_l("Documents"), choices=KIND_CHOICES, default="both")


class SignForm(FlaskForm):
    signed_on = DateField(_l("Date of signing"), validators=[DataRequired(message=_l("Give the date of signing."))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
