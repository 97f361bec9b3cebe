"""WTForms of the office pages; labels are msgids, Russian comes from the catalog."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

ANSWERS = [("", _l("not recorded")), ("yes", _l("consent")), ("no", _l("refusal"))]


class IssueCredentialsForm(FlaskForm):
    who = RadioField(_l("For whom"), choices=[("both", _l("Students and guardians")), ("students", _l("Students only")),
                                             ("guardians", _l("Guardians only"))], default="both")
    scope = RadioField(_l("Which accounts"), choices=[
        ("not_activated", _l("Only those who have not set their own password yet")),
        ("all", _l("Everyone (activated accounts get a new password too)"))], default="not_activated")


class StaffCredentialsForm(FlaskForm):
    scope = RadioField(_l("Which accounts"), choices=[
        ("not_activated", _l("Only those who have not set their own password yet")),
        ("all", _l("Everyone (activated accounts get a new password too)"))], default="not_activated")


class SubgroupForm(FlaskForm):
    subject_id = SelectField(_l("Subject"), coerce=int)
    name = StringField(_l("Subgroup name"), validators=[DataRequired(), Length(max=100)])


class ImportForm(FlaskForm):
    kind = SelectField(_l("What the file lists"), choices=[("students", _l("Students with their guardians")),
                                                          ("staff", _l("Staff")), ("loads", _l("Teaching loads"))])
    file = FileField(_l("Spreadsheet (XLSX, XLS or CSV)"), validators=[FileRequired(_l("Choose a file."))])
    class_id = SelectField(_l("Class"), coerce=int)
    starts_on = DateField(_l("In the class from"), validators=[DataRequired()])


class MovementForm(FlaskForm):
    kind = SelectField(_l("Movement"), choices=[("transfer", _l("Transfer to another class")),
                                                ("withdraw", _l("Withdrawal from school")),
                                                ("admit", _l("Admission of a new student"))])
    student_id = SelectField(_l("Student"), coerce=int, validators=[Optional()])
    to_class_id = SelectField(_l("To class"), coerce=int, validators=[Optional()])
    on_date = DateField(_l("From (the first day of the new state)"), validators=[DataRequired()])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=100)])
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=100)])
    middle_name = StringField(_l("Middle name"), validators=[Optional(), Length(max=100)])
    birth_date = DateField(_l("Birth date"), validators=[Optional()])
    order_number = StringField(_l("Order number"), validators=[Optional(), Length(max=50)])
    order_date = DateField(_l("Order date"), validators=[Optional()])
    reason = TextAreaField(_l("Reason, where the student goes or comes from"), validators=[Optional(), Length(max=500)])


class PerformForm(FlaskForm):
    order_number = StringField(_l("Order number"), validators=[DataRequired(), Length(max=50)])
    order_date = DateField(_l("Order date"), validators=[DataRequired()])


class RejectForm(FlaskForm):
    note = StringField(_l("Why"), validators=[DataRequired(), Length(max=500)])


class StudentForm(FlaskForm):
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)])
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    middle_name = StringField(_l("Middle name"), validators=[Optional(), Length(max=100)])
    birth_date = DateField(_l("Birth date"), validators=[Optional()])
    file_number = StringField(_l("Personal file number"), validators=[Optional(), Length(max=50)])
    registration_address = StringField(_l("Registered address"), validators=[Optional(), Length(max=500)])
    actual_address = StringField(_l("Actual address"), validators=[Optional(), Length(max=500)])
    phones = StringField(_l("Phones"), validators=[Optional(), Length(max=200)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    version = HiddenField()  # the personal file's version the user saw: a stale form is refused, not applied


class GuardianForm(FlaskForm):
    relation = StringField(_l("Relation (mother, father, guardian)"), validators=[Optional(), Length(max=50)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)])
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    middle_name = StringField(_l("Middle name"), validators=[Optional(), Length(max=100)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])
    email = StringField(_l("E-mail"), validators=[Optional(), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Not an e-mail address.")),
                                                  Length(max=200)])
    workplace = StringField(_l("Workplace"), validators=[Optional(), Length(max=300)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    work_phone = StringField(_l("Work phone"), validators=[Optional(), Length(max=50)])


class DocumentForm(FlaskForm):
    kind = SelectField(_l("Document"))
    title = StringField(_l("Description"), validators=[Optional(), Length(max=200)])
    file = FileField(_l("File (PDF, JPEG or PNG, up to 10 MB)"), validators=[FileRequired(_l("Choose a file."))])


class ConsentForm(FlaskForm):
    processing = SelectField(_l("Processing of personal data"), choices=ANSWERS)
    electronic = SelectField(_l("Information electronically (otherwise on paper)"), choices=ANSWERS)
    signed_on = DateField(_l("Signed on"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
    scan = FileField(_l("Scan of the signed document"))


class RegulationForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)],
                        default="Положение об электронном журнале и электронном дневнике")
    approved_on = DateField(_l("Approved on"), validators=[Optional()])
    file = FileField(_l("PDF file"), validators=[FileRequired(_l("Choose a file."))])


class TicketForm(FlaskForm):
    class_id = SelectField(_l("Class of your child"), coerce=int)
    topic = SelectField(_l("Topic"))
    text = TextAreaField(_l("What happened"), validators=[DataRequired(), Length(max=5000)])


class TicketForwardForm(FlaskForm):
    note = TextAreaField(_l("Note for the system administrator"), validators=[Optional(), Length(max=5000)])


class TicketCloseForm(FlaskForm):
    reply = TextAreaField(_l("Answer to the family"), validators=[DataRequired(), Length(max=5000)])


class VerifyForm(FlaskForm):
    confirm = BooleanField(_l("I have checked the data against the documents"), validators=[DataRequired()])
