"""The administrator's forms: a provider, a person's СНИЛС, the roles without passwords, closing a request."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
    widgets,
)
from wtforms.validators import URL, DataRequired, Length, Optional


class ProviderForm(FlaskForm):
    title = StringField(_l("Button title («Sign in with …»)"), validators=[DataRequired(), Length(max=100)])
    issuer = URLField(_l("Issuer"), validators=[DataRequired(), URL(require_tld=False), Length(max=300)])
    discovery_url = URLField(_l("Discovery URL (if not issuer + /.well-known/openid-configuration)"),
                             validators=[Optional(), URL(require_tld=False), Length(max=300)])
    client_id = StringField(_l("Client ID"), validators=[DataRequired(), Length(max=200)])
    client_secret = PasswordField(_l("Client secret (leave empty to keep the stored one)"),
                                  validators=[Length(max=300)])
    scopes = StringField(_l("Scopes"), default="openid profile", validators=[DataRequired(), Length(max=300)])
    claim_snils = StringField(_l("Claim with SNILS"), default="snils", validators=[Length(max=100)])
    claim_birthdate = StringField(_l("Claim with the birth date"), default="birthdate", validators=[Length(max=100)])
    claim_family_name = StringField(_l("Claim with the surname"), default="family_name",
                                    validators=[Length(max=100)])
    claim_given_name = StringField(_l("Claim with the first name"), default="given_name",
                                   validators=[Length(max=100)])
    claim_middle_name = StringField(_l("Claim with the patronymic"), default="middle_name",
                                    validators=[Length(max=100)])
    enabled = BooleanField(_l("Show on the sign-in page"), default=True)
    version = HiddenField()


class SnilsForm(FlaskForm):
    login = StringField(_l("Login of the person"), validators=[DataRequired(), Length(max=100)])
    snils = StringField(_l("SNILS"), validators=[DataRequired(), Length(max=20)])
    birth_date = DateField(_l("Birth date"), validators=[Optional()])


class PolicyForm(FlaskForm):
    roles = SelectMultipleField(_l("Roles that sign in only through a provider"),
                                widget=widgets.ListWidget(prefix_label=False),
                                option_widget=widgets.CheckboxInput())
    version = HiddenField()


class CloseForm(FlaskForm):
    note = TextAreaField(_l("What was done"), validators=[Length(max=2000)])
