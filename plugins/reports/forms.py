"""WTForms of the reports pages: sending a run to colleagues, subscribing to weekly e-mails.
(The parameter form of a report is drawn from its marshmallow schema: see ``params``.)"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

WEEKDAYS = [(0, _l("Monday")), (1, _l("Tuesday")), (2, _l("Wednesday")), (3, _l("Thursday")),
            (4, _l("Friday")), (5, _l("Saturday")), (6, _l("Sunday"))]


class ShareForm(FlaskForm):
    recipients = SelectMultipleField(_l("Colleagues"), coerce=int, validate_choice=False,
                                     validators=[DataRequired(message=_l("Choose at least one colleague."))])
    message = TextAreaField(_l("Message"), validators=[Length(max=2000)])

    def validate_recipients(self, field: SelectMultipleField) -> None:
        """Only the school's staff offered in the list (never a student or a guardian)."""
        offered = {value for value, *_rest in field.choices}  # type: ignore[union-attr]
        if not set(field.data or []) <= offered:
            raise ValidationError(_l("Choose colleagues from the list."))


class SubscribeForm(FlaskForm):
    weekday = SelectField(_l("Every week on"), coerce=int, choices=WEEKDAYS, default=0)
    email = StringField(_l("E-mail"), validators=[
        DataRequired(message=_l("Enter the e-mail address to send the report to.")), Length(max=200),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("This does not look like an e-mail address."))])
