"""WTForms of the core pages; labels are msgids, Russian comes from the catalog."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, Regexp

from core.roles import ROLE_TITLES, STAFF_ROLES


class LoginForm(FlaskForm):
    login = StringField(_l("Login"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=128)])
    repeat = PasswordField(
        _l("Repeat the new password"), validators=[DataRequired(), EqualTo("new", message=_l("Passwords differ."))]
    )


class YearForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Regexp(r"^\d{4}/\d{4}$", message=_l("Write it as 2026/2027."))])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])
    is_current = BooleanField(_l("Current year"))


class TermForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=50)])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])
    closes_on = DateField(_l("Final marks locked after"), validators=[DataRequired()])


class HolidayForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=100)])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])


class ClassForm(FlaskForm):
    grade_level = IntegerField(_l("Grade"), validators=[DataRequired(), NumberRange(1, 11)])
    letter = StringField(_l("Letter"), validators=[DataRequired(), Length(max=4)])
    class_teacher_id = SelectField(_l("Class teacher"), coerce=int, validators=[Optional()])


class SubjectForm(FlaskForm):
    name = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    short_name = StringField(_l("Short title"), validators=[Optional(), Length(max=50)])


class AssignmentForm(FlaskForm):
    teacher_id = SelectField(_l("Teacher"), coerce=int)
    subject_id = SelectField(_l("Subject"), coerce=int)
    class_id = SelectField(_l("Class"), coerce=int)
    hours_per_week = FloatField(_l("Hours a week"), validators=[DataRequired(), NumberRange(0.5, 40)])
    # Empty: the whole class. A name («1 группа»): that subgroup of the class in this subject, made if new.
    subgroup = StringField(_l("Subgroup (empty for the whole class)"), validators=[Optional(), Length(max=100)])


class StaffForm(FlaskForm):
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)])
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    middle_name = StringField(_l("Middle name"), validators=[Optional(), Length(max=100)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=200)])
    roles = SelectMultipleField(
        _l("Roles"), choices=[(r, ROLE_TITLES[r]) for r in STAFF_ROLES], validators=[DataRequired()]
    )


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    actor = StringField(_l("User (login)"), validators=[Optional()])
    action = StringField(_l("Action"), validators=[Optional()])
    text = StringField(_l("Person, object or text"), validators=[Optional(), Length(max=100)])
    since = DateTimeLocalField(_l("From"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    until = DateTimeLocalField(_l("To"), validators=[Optional()], format="%Y-%m-%dT%H:%M")


class RevertForm(FlaskForm):
    login = StringField(_l("Login of the leaked account"), validators=[DataRequired()])
    since = DateTimeLocalField(_l("Leak reported at"), validators=[DataRequired()],
                               format=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"], render_kw={"step": 1})


class LeakReportForm(FlaskForm):
    login = StringField(_l("Login of the account"), validators=[DataRequired(), Length(max=100)])
    # Exact to the second, in the school's zone; the browser may send it without seconds.
    leaked_at = DateTimeLocalField(_l("When the password leaked"), validators=[DataRequired()],
                                   format=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"], render_kw={"step": 1})


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)])


class AppPasswordForm(FlaskForm):
    name = StringField(_l("App name"), validators=[DataRequired(), Length(max=100)])
