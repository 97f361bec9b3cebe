"""The school's own settings page (duty A10): profile, term system, time zone, final-mark rounding and the
modules this school runs. The deployment's config is the default (core.school_settings explains)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from core.app import current_school_id, state
from core.config import available_profiles, profile_title
from core.db import db
from core.permissions import requires_permission
from core.school_settings import StaleSettings, build, requirements_of, save
from core.service_error import ServiceError
from core.views.setup import TERM_SYSTEM_CHOICES

bp = Blueprint("core_school_settings", __name__, url_prefix="/admin/school")

ROUNDING_CHOICES = [("thresholds", _l("By thresholds (4,60 and above gives 5)")),
                    ("standard", _l("Ordinary rounding (4,50 and above gives 5)"))]


class SchoolSettingsForm(FlaskForm):
    version = HiddenField()
    profile = SelectField(_l("Profile"))
    term_system = SelectField(_l("Term system"), choices=TERM_SYSTEM_CHOICES)
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=64)])
    rounding = SelectField(_l("Final mark from the average"), choices=ROUNDING_CHOICES)
    disabled = SelectMultipleField(_l("Modules switched off in this school"), widget=ListWidget(prefix_label=False),
                                   option_widget=CheckboxInput())


def _module_choices() -> list[tuple[str, str]]:
    """Each loaded module, with the modules that need it (those cannot be switched off alone)."""
    needed_by = requirements_of(state())
    out = []
    with force_locale("ru"):
        for name, loaded in sorted(state().plugins.items()):
            title = str(loaded.info.title)
            if needed_by.get(name):
                users = sorted(str(state().plugins[n].info.title) for n in needed_by[name] if n in state().plugins)
                title += " — " + _("needed by: %(names)s", names=", ".join(users))
            out.append((name, title))
    return out


@bp.route("/settings", methods=["GET", "POST"])
@requires_permission("core.school.settings")
def edit() -> Any:
    session = db()
    school_id = current_school_id()
    current = build(session, state(), school_id)
    form = SchoolSettingsForm()
    form.profile.choices = [(p, profile_title(p)) for p in available_profiles()]
    form.disabled.choices = _module_choices()
    has_gradebook = "gradebook" in state().plugins
    if not has_gradebook:
        del form.rounding
    if not form.is_submitted():
        form.version.data = str(current.version)
        form.profile.data = current.profile
        form.term_system.data = current.term_system
        form.timezone.data = current.timezone
        form.disabled.data = sorted(current.stored.get("disabled_plugins") or [])
        if has_gradebook:
            form.rounding.data = current.plugin("gradebook").get("rounding")
    status = 200
    if form.validate_on_submit():
        try:
            changes = save(session, school_id, version=int(form.version.data or 0), profile=form.profile.data,
                           term_system=form.term_system.data, timezone=form.timezone.data.strip(),
                           rounding=form.rounding.data if has_gradebook else None, disabled=form.disabled.data or [])
        except StaleSettings:
            session.rollback()
            flash(_("Someone else saved the school's settings after you opened this page. Nothing was saved: "
                    "the page now shows the current settings, check them and save again."), "error")
            return redirect(url_for(".edit")), 303
        except ServiceError as exc:
            session.rollback()
            flash(exc.translated(), "error")
            status = 422
        else:
            session.commit()
            flash(_("Saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for(".edit"))
    return render_template("core/school_settings.html", form=form, current=current,
                           default_profile=profile_title(state().settings["profile"])), status
