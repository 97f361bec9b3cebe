"""The provider's round trip (two public views: start and callback) and the administrator's pages."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from core.toolkit import (
    N_,
    Role,
    ServiceError,
    User,
    complete_login,
    current_school_id,
    db,
    get_owned_or_404,
    public,
    requires_permission,
)
from plugins.sso import matching, oidc, services
from plugins.sso.forms import CloseForm, PolicyForm, ProviderForm, SnilsForm
from plugins.sso.models import SsoPersonSnils, SsoProvider, SsoRequest, SsoSchoolPolicy

bp = Blueprint("sso", __name__, url_prefix="/sso", template_folder="templates")
PENDING = "sso_pending"


def _callback_url() -> str:
    return url_for("sso.callback", _external=True)


@bp.get("/start/<key>")
@public  # the way in: nobody is signed in yet
def start(key: str) -> Any:
    sql = db()
    cfg = services.provider(sql, key[:60])  # a school's provider only while its school runs sso
    if cfg is None:
        abort(404)
    # An installation-wide provider started from a school's own page: that school hears of a refusal.
    school_id = cfg.school_id if cfg.school_id is not None else services.school_to_record(
        sql, request.args.get("school"))
    try:
        url, pending = oidc.start(cfg, _callback_url())
    except oidc.SignInRefused as exc:
        flash(exc.translated(), "error")
        return redirect(url_for("core_auth.login"))
    session[PENDING] = {**pending, "next": request.args.get("next", "")[:500], "school": school_id}
    return redirect(url)


@bp.get("/callback")
@public  # the provider sends the browser back here; state, PKCE and nonce prove it is the same attempt
def callback() -> Any:
    pending = session.pop(PENDING, None)
    sql = db()
    cfg = services.provider(sql, str((pending or {}).get("provider", ""))[:60]) if pending else None
    try:
        if cfg is None:
            raise oidc.SignInRefused(N_("This sign-in attempt has expired or was not started here. "
                                                 "Start again."))
        claims = oidc.finish(cfg, pending, request.args.to_dict(), _callback_url())
        user = matching.find_account(sql, cfg, claims, from_school=(pending or {}).get("school"))
    except oidc.SignInRefused as exc:
        sql.rollback()
        flash(exc.translated(), "error")
        return redirect(url_for("core_auth.login"))
    return complete_login(user, (pending or {}).get("next") or None)


# --- the school administrator ------------------------------------------------------------------------

def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.get("/")
@requires_permission("sso.manage")
def index() -> Any:
    sql, school_id = db(), current_school_id()
    rows = sql.scalars(select(SsoProvider).where(SsoProvider.school_id == school_id).order_by(SsoProvider.id))
    policy = sql.get(SsoSchoolPolicy, school_id)
    form = PolicyForm(roles=sorted(services.disabled_password_roles(sql, school_id)),
                      version=policy.version if policy else "")
    form.roles.choices = [(r.value, _role_title(r.value)) for r in (Role.guardian, Role.student, Role.teacher,
                                                                    Role.class_teacher)]
    known = sql.scalar(select(func.count()).select_from(SsoPersonSnils).where(SsoPersonSnils.school_id == school_id))
    return render_template("sso/index.html", providers=list(rows), shared=services.deployment_providers(),
                           form=form, requests=len(services.open_requests(sql, school_id)), snils_known=known,
                           callback=_callback_url())


def _role_title(role: str) -> str:
    return {"guardian": _("Parents"), "student": _("Students"), "teacher": _("Teachers"),
            "class_teacher": _("Class teachers")}[role]


@bp.post("/policy")
@requires_permission("sso.manage")
def policy() -> Any:
    form = PolicyForm()
    form.roles.choices = [(r, r) for r in ("guardian", "student", "teacher", "class_teacher")]
    if form.validate_on_submit():
        version = int(form.version.data) if str(form.version.data or "").isdigit() else None
        services.set_password_policy(db(), _me(), form.roles.data or [], version)
        db().commit()
        flash(_("Saved."), "success")
    return redirect(url_for(".index"))


@bp.route("/providers/new", methods=["GET", "POST"], defaults={"provider_id": None})
@bp.route("/providers/<int:provider_id>", methods=["GET", "POST"])
@requires_permission("sso.manage")
def provider(provider_id: int | None) -> Any:
    sql = db()
    row = get_owned_or_404(SsoProvider, provider_id) if provider_id is not None else None
    form = ProviderForm(obj=row) if request.method == "GET" else ProviderForm()
    if row is not None and request.method == "GET":
        for name, claim in (row.claims or {}).items():
            getattr(form, f"claim_{name}").data = claim
        form.client_secret.data = ""
    if form.validate_on_submit():
        try:
            version = int(form.version.data) if str(form.version.data or "").isdigit() else None
            saved = services.save_provider(sql, _me(), row, form.data, version)
            sql.commit()
        except ServiceError as exc:
            sql.rollback()
            flash(exc.translated(), "error")
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".provider", provider_id=saved.id))
    return render_template("sso/provider.html", form=form, row=row, callback=_callback_url())


@bp.route("/snils", methods=["GET", "POST"])
@requires_permission("sso.manage")
def snils() -> Any:
    sql = db()
    form = SnilsForm(request.form if request.method == "POST" else None,
                     login=request.args.get("login", ""), snils=request.args.get("snils", ""))
    if form.validate_on_submit():
        person = sql.scalar(select(User).where(User.login == form.login.data.strip().lower(),
                                               User.school_id == current_school_id()))
        if person is None:
            form.login.errors.append(_("No such login in this school."))
        else:
            try:
                services.set_snils(sql, _me().id, person, form.snils.data, form.birth_date.data)
                sql.commit()
            except ServiceError as exc:
                sql.rollback()
                getattr(form, exc.field or "snils").errors.append(exc.translated())
            else:
                flash(_("SNILS of %(name)s recorded.", name=person.full_name), "success")
                return redirect(url_for(".snils"))
    return render_template("sso/snils.html", form=form)


@bp.get("/requests")
@requires_permission("sso.manage")
def requests_list() -> Any:
    rows = services.open_requests(db(), current_school_id())
    return render_template("sso/requests.html", rows=rows, form=CloseForm(), format_snils=matching.format_snils)


@bp.post("/requests/<int:request_id>/close")
@requires_permission("sso.manage")
def close_request(request_id: int) -> Any:
    row = get_owned_or_404(SsoRequest, request_id)
    form = CloseForm()
    if form.validate_on_submit() and row.status == "new":
        services.close_request(db(), _me(), row, form.note.data or "")
        db().commit()
        flash(_("Request closed."), "success")
    return redirect(url_for(".requests_list"))
