"""The office pages (/office): thin views over the rule modules; object checks in access.py."""
from __future__ import annotations

import io
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from core.api import (
    GuardianLink,
    Role,
    School,
    SchoolClass,
    Subgroup,
    Subject,
    User,
    can,
    current_school_id,
    current_year,
    db,
    hook,
    plugin_settings,
    requires_permission,
)
from plugins.office import (
    consent_rules,
    grouping,
    importer,
    liaison,
    overviews,
    passwords,
    personal_files,
    refusals,
    regulation_acks,
    rosters,
    transfers,
)
from plugins.office.access import (
    class_scope,
    led_class_ids,
    may_edit_subgroups,
    me,
    owned,
    reissue_class_id,
    require_class,
    require_guardian_of_scope,
    require_student,
    school_today,
    scoped_classes,
)
from plugins.office.forms import (
    ConsentForm,
    DocumentForm,
    GuardianForm,
    ImportForm,
    IssueCredentialsForm,
    MovementForm,
    PerformForm,
    RegulationForm,
    RejectForm,
    StaffCredentialsForm,
    StudentForm,
    SubgroupForm,
    TicketCloseForm,
    TicketForm,
    TicketForwardForm,
)
from plugins.office.models import (
    Consent,
    Document,
    GuardianInfo,
    ImportBatch,
    MovementRequest,
    PersonalFile,
    Ticket,
)
from plugins.office.slips import slips_pdf

bp = Blueprint("office", __name__, url_prefix="/office", template_folder="templates", static_folder="static")


def _flash_errors(form: Any) -> None:
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        for error in errors:
            flash(f"{label}: {error}", "error")


def _commit() -> None:
    db().commit()


def _upload(field: FileStorage | None) -> tuple[str, bytes] | None:
    if field is None or not getattr(field, "filename", ""):
        return None
    return field.filename or "", field.read()


# --- the office page ------------------------------------------------------------------------------------------

@bp.get("/")
@requires_permission("office.class.view")
def index() -> Any:
    session = db()
    classes = scoped_classes("office.class.view")
    regulation = regulation_acks.current_regulation(session, current_school_id())
    overview = overviews.class_overview(session, classes, school_today(), regulation.id if regulation else None,
                                       every_days=plugin_settings("office")["verify_every_days"])
    pending = session.scalar(select(MovementRequest.id).where(
        MovementRequest.school_id == current_school_id(), MovementRequest.status == "pending").limit(1))
    return render_template("office/index.html", classes=classes, overview=overview, regulation=regulation,
                           has_pending=pending is not None)


@bp.get("/classes/<int:class_id>")
@requires_permission("office.class.view")
def class_page(class_id: int) -> Any:
    school_class = require_class("office.class.view", class_id)
    session = db()
    day = school_today()
    students = rosters.current_students(session, class_id, day)
    last = personal_files.last_verifications(session, [s.id for s in students])
    accounts = {r.user_id: r for r in passwords.class_accounts(session, class_id, day)}
    return render_template("office/class.html", school_class=school_class, students=students, last=last,
                           accounts=accounts, day=day)


# --- credentials -------------------------------------------------------------------------------------------------

def _slip_texts() -> dict[str, str]:
    return {"title": _("Access to the electronic journal and diary"), "student": _("Student"),
            "guardian": _("Guardian of"), "staff": _("Staff member"), "login": _("Login:"),
            "password": _("Password:"), "site": _("Site"),
            "hint": _("At the first sign-in you will set your own password; this one then stops working. "
                      "Keep it secret: every account is personal."),
            "empty": _("Nobody needed new credentials.")}


def _pdf_response(pdf: bytes, name: str) -> Response:
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"  # the passwords must not stay in any cache
    return response


def _school_name() -> str:
    school = db().get(School, current_school_id())
    return school.name if school else ""


@bp.get("/classes/<int:class_id>/credentials")
@requires_permission("office.credentials.issue")
def credentials(class_id: int) -> Any:
    school_class = require_class("office.credentials.issue", class_id)
    rows = passwords.class_accounts(db(), class_id, school_today())
    counts = {s: sum(1 for r in rows if r.status == s) for s in ("none", "issued", "active")}
    return render_template("office/credentials.html", school_class=school_class, rows=rows, counts=counts,
                           form=IssueCredentialsForm())


@bp.post("/classes/<int:class_id>/credentials")
@requires_permission("office.credentials.issue")
def issue_credentials(class_id: int) -> Any:
    school_class = require_class("office.credentials.issue", class_id)
    form = IssueCredentialsForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".credentials", class_id=class_id))
    session = db()
    slips, skipped = passwords.issue_class_credentials(
        session, school_class, school_today(), students=form.who.data in ("both", "students"),
        guardians=form.who.data in ("both", "guardians"), only_not_activated=form.scope.data == "not_activated",
        issued_by_id=me().id)
    _commit()
    for user in skipped:
        flash(_("%(name)s: this account is a staff or disabled account; only the system administrator can "
                "give it a password.", name=user.full_name), "error")
    if not slips:
        flash(_("Nobody needed new credentials."), "info")
        return redirect(url_for(".credentials", class_id=class_id))
    pdf = slips_pdf(slips, school_name=_school_name(), site_url=request.host_url.rstrip("/"), texts=_slip_texts())
    return _pdf_response(pdf, f"credentials-{school_class.name}.pdf")


@bp.post("/users/<int:user_id>/password")
@requires_permission("office.credentials.issue")
def reissue_password(user_id: int) -> Any:
    """A new one-time password for one student or guardian (lost password), shown once."""
    session = db()
    user = owned(User, user_id)
    class_id = reissue_class_id(user)
    password = passwords.set_one_time_password(session, user, issued_by_id=me().id, class_id=class_id)
    _commit()
    back = request.form.get("back") or ""
    if not back.startswith("/") or back.startswith("//"):
        back = url_for(".index")
    return render_template("office/credentials_once.html", user=user, password=password, back=back)


@bp.get("/staff-credentials")
@requires_permission("office.credentials.staff")
def staff_credentials() -> Any:
    session = db()
    staff_roles = [Role.admin, Role.principal, Role.deputy, Role.class_teacher, Role.teacher, Role.support]
    from core.api import RoleGrant

    users = session.scalars(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                            .where(User.school_id == current_school_id(), RoleGrant.role.in_(staff_roles))
                            .distinct().order_by(User.last_name, User.first_name)).all()
    return render_template("office/staff_credentials.html", users=users, form=StaffCredentialsForm())


@bp.post("/staff-credentials")
@requires_permission("office.credentials.staff")
def issue_staff_credentials() -> Any:
    form = StaffCredentialsForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".staff_credentials"))
    session = db()
    slips = passwords.issue_staff_credentials(session, current_school_id(),
                                             only_not_activated=form.scope.data == "not_activated",
                                             issued_by_id=me().id)
    _commit()
    if not slips:
        flash(_("Nobody needed new credentials."), "info")
        return redirect(url_for(".staff_credentials"))
    pdf = slips_pdf(slips, school_name=_school_name(), site_url=request.host_url.rstrip("/"), texts=_slip_texts())
    return _pdf_response(pdf, "credentials-staff.pdf")


# --- subgroups ---------------------------------------------------------------------------------------------------

@bp.get("/classes/<int:class_id>/subgroups")
@requires_permission("office.subgroups.edit")
def subgroups(class_id: int) -> Any:
    session = db()
    school_class = owned(SchoolClass, class_id)
    subjects = [s for s in grouping.class_subjects(session, class_id) if may_edit_subgroups(class_id, s.id)]
    if not subjects:
        abort(404)
    subject_id = request.args.get("subject_id", type=int) or subjects[0].id
    subject = next((s for s in subjects if s.id == subject_id), None)
    if subject is None:
        abort(404)
    groups = grouping.subject_subgroups(session, class_id, subject.id)
    students = rosters.current_students(session, class_id, school_today())
    membership = grouping.subgroup_membership(session, [g.id for g in groups])
    chosen = {s.id: min(membership[s.id]) if membership.get(s.id) else None for s in students}
    counts = {g.id: sum(1 for v in chosen.values() if v == g.id) for g in groups}
    form = SubgroupForm()
    form.subject_id.choices = [(s.id, s.name) for s in subjects]
    form.subject_id.data = subject.id
    return render_template("office/subgroups.html", school_class=school_class, subjects=subjects, subject=subject,
                           groups=groups, students=students, chosen=chosen, counts=counts, form=form)


@bp.post("/classes/<int:class_id>/subgroups")
@requires_permission("office.subgroups.edit")
def create_subgroup(class_id: int) -> Any:
    session = db()
    school_class = owned(SchoolClass, class_id)
    form = SubgroupForm()
    form.subject_id.choices = [(s.id, s.name) for s in grouping.class_subjects(session, class_id)]
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".subgroups", class_id=class_id))
    if not may_edit_subgroups(class_id, form.subject_id.data):
        abort(404)
    try:
        grouping.create_subgroup(session, school_class, form.subject_id.data, form.name.data)
    except refusals.OfficeError as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        _commit()
        flash(_("Subgroup created."), "success")
    return redirect(url_for(".subgroups", class_id=class_id, subject_id=form.subject_id.data))


@bp.post("/subgroups/<int:subgroup_id>/delete")
@requires_permission("office.subgroups.edit")
def delete_subgroup(subgroup_id: int) -> Any:
    session = db()
    subgroup = owned(Subgroup, subgroup_id)
    if not may_edit_subgroups(subgroup.class_id, subgroup.subject_id):
        abort(404)
    class_id, subject_id = subgroup.class_id, subgroup.subject_id
    try:
        grouping.delete_subgroup(session, subgroup)
    except refusals.OfficeError as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        _commit()
        flash(_("Subgroup deleted."), "success")
    return redirect(url_for(".subgroups", class_id=class_id, subject_id=subject_id))


@bp.post("/classes/<int:class_id>/subgroups/<int:subject_id>/members")
@requires_permission("office.subgroups.edit")
def save_members(class_id: int, subject_id: int) -> Any:
    session = db()
    school_class = owned(SchoolClass, class_id)
    owned(Subject, subject_id)
    if not may_edit_subgroups(class_id, subject_id):
        abort(404)
    choice: dict[int, int | None] = {}
    for key, value in request.form.items():
        if key.startswith("student-") and key[8:].isdigit():
            choice[int(key[8:])] = int(value) if value.isdigit() else None
    try:
        changed = grouping.set_subgroup_members(session, school_class, subject_id, choice, school_today())
    except refusals.OfficeError as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        _commit()
        flash(_("Subgroup lists saved (changes: %(n)d).", n=changed), "success")
    return redirect(url_for(".subgroups", class_id=class_id, subject_id=subject_id))


# --- import of class lists ------------------------------------------------------------------------------------------

def _import_form() -> ImportForm:
    form = ImportForm()
    classes = scoped_classes("office.import.run")
    scope = class_scope(me(), "office.import.run")
    form.class_id.choices = ([(0, _("As in the file's «класс» column"))] if scope is None else []) + \
        [(c.id, c.name) for c in classes]
    if request.method == "GET":
        year = current_year(db(), current_school_id())
        form.starts_on.data = year.starts_on if year else school_today()
    return form


def _import_scope(batch: ImportBatch) -> importer.Scope:
    session = db()
    year = current_year(session, current_school_id())
    default = session.get(SchoolClass, batch.class_id) if batch.class_id else None
    return importer.Scope(classes=importer.school_classes(session, current_school_id()),
                          allowed_class_ids=class_scope(me(), "office.import.run"), default_class=default,
                          year_start=year.starts_on if year else school_today())


@bp.get("/import")
@requires_permission("office.import.run")
def import_form() -> Any:
    form = _import_form()
    if not form.class_id.choices:
        abort(404)
    return render_template("office/import.html", form=form)


@bp.post("/import")
@requires_permission("office.import.run")
def import_upload() -> Any:
    session = db()
    form = _import_form()
    if not form.validate_on_submit():
        _flash_errors(form)
        return render_template("office/import.html", form=form), 422
    class_id = form.class_id.data or None
    if class_id is not None:
        require_class("office.import.run", class_id)
    upload = _upload(form.file.data)
    if upload is None or not upload[1]:
        flash(_("The file is empty."), "error")
        return render_template("office/import.html", form=form), 422
    filename, content = upload
    if len(content) > 5 * 1024 * 1024:
        flash(_("The file is larger than 5 MB."), "error")
        return render_template("office/import.html", form=form), 422
    year = current_year(session, current_school_id())
    if year is None:
        flash(_("Create the academic year first."), "error")
        return render_template("office/import.html", form=form), 422
    # Forget abandoned uploads of this person: the file holds personal data.
    for old in session.scalars(select(ImportBatch).where(ImportBatch.uploaded_by_id == me().id,
                                                         ImportBatch.status == "pending")):
        old.status, old.content = "cancelled", b""
    batch = ImportBatch(school_id=current_school_id(), uploaded_by_id=me().id, filename=filename[:200],
                        content=content, class_id=class_id, starts_on=form.starts_on.data, status="pending")
    session.add(batch)
    _commit()
    return redirect(url_for(".import_preview", batch_id=batch.id))


def _batch(batch_id: int) -> ImportBatch:
    batch = owned(ImportBatch, batch_id)
    if batch.uploaded_by_id != me().id:
        abort(404)
    return batch


@bp.get("/import/<int:batch_id>")
@requires_permission("office.import.run")
def import_preview(batch_id: int) -> Any:
    batch = _batch(batch_id)
    rows: list[importer.Row] = []
    file_error = None
    if batch.status == "pending":
        try:
            rows = importer.check(db(), current_school_id(), batch.filename, batch.content, _import_scope(batch))
        except importer.ImportFileError as exc:
            file_error = str(exc)
    bad = [r for r in rows if not r.ok]
    return render_template("office/import_preview.html", batch=batch, rows=rows, bad=bad, file_error=file_error)


@bp.post("/import/<int:batch_id>/confirm")
@requires_permission("office.import.run")
def import_confirm(batch_id: int) -> Any:
    session = db()
    batch = _batch(batch_id)
    if batch.status != "pending":
        flash(_("This upload is already finished. Upload the file again."), "error")
        return redirect(url_for(".import_form"))
    try:
        rows = importer.check(session, current_school_id(), batch.filename, batch.content, _import_scope(batch))
    except importer.ImportFileError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".import_preview", batch_id=batch.id))
    bad = [r for r in rows if not r.ok]
    if bad and request.form.get("skip_invalid") != "1":
        flash(_("Nothing was saved: %(n)d rows have problems. Fix the file, or choose to skip those rows.",
                n=len(bad)), "error")
        return redirect(url_for(".import_preview", batch_id=batch.id))
    students, guardians = importer.apply(session, current_school_id(), rows, starts_on=batch.starts_on,
                                         on_moved=hook().on_student_moved)
    batch.status, batch.content = "done", b""
    batch.created_students, batch.created_guardians = students, guardians
    _commit()
    flash(_("Saved: %(s)d students and %(g)d guardians; rows skipped: %(b)d. Now issue their credentials.",
            s=students, g=guardians, b=len(bad)), "success")
    if batch.class_id:
        return redirect(url_for(".credentials", class_id=batch.class_id))
    return redirect(url_for(".index"))


@bp.post("/import/<int:batch_id>/cancel")
@requires_permission("office.import.run")
def import_cancel(batch_id: int) -> Any:
    batch = _batch(batch_id)
    if batch.status == "pending":
        batch.status, batch.content = "cancelled", b""
        _commit()
    flash(_("The upload was cancelled; nothing was saved."), "info")
    return redirect(url_for(".import_form"))


# --- student movement ------------------------------------------------------------------------------------------------

def _movement_form() -> MovementForm:
    session = db()
    form = MovementForm()
    day = school_today()
    own = scoped_classes("office.movement.request")
    all_classes = rosters.classes_of_current_year(session, current_school_id())
    members = rosters.student_ids_of_classes(session, [c.id for c in own], day)
    names = {c.id: c.name for c in all_classes}
    students = session.scalars(select(User).where(User.id.in_(list(members)))
                               .order_by(User.last_name, User.first_name)).all() if members else []
    form.student_id.choices = [(0, "—")] + [(s.id, f"{s.full_name} ({names[members[s.id]]})") for s in students]
    form.to_class_id.choices = [(0, "—")] + [(c.id, c.name) for c in all_classes]
    if request.method == "GET":
        form.on_date.data = day
    return form


@bp.get("/movement")
@requires_permission("office.movement.view")
def movement() -> Any:
    session = db()
    scope = class_scope(me(), "office.movement.view")
    query = select(MovementRequest).where(MovementRequest.school_id == current_school_id())
    if scope is not None:
        ids = list(scope)
        query = query.where((MovementRequest.from_class_id.in_(ids)) | (MovementRequest.to_class_id.in_(ids)))
    status = request.args.get("status", "pending")
    if status in transfers.MOVEMENT_STATUSES:
        query = query.where(MovementRequest.status == status)
    reqs = session.scalars(query.order_by(MovementRequest.requested_at.desc()).limit(200)).all()
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(
        {r.student_id for r in reqs if r.student_id} | {r.requested_by_id for r in reqs if r.requested_by_id})))}
    classes = {c.id: c for c in rosters.classes_of_current_year(session, current_school_id())}
    for r in reqs:  # a request may name a class of an earlier year
        for cid in (r.from_class_id, r.to_class_id):
            if cid and cid not in classes:
                found = session.get(SchoolClass, cid)
                if found is not None:
                    classes[cid] = found
    may_request = can(me(), "office.movement.request") and bool(scoped_classes("office.movement.request"))
    return render_template("office/movement.html", reqs=reqs, people=people, classes=classes, status=status,
                           form=_movement_form() if may_request else None, perform_form=PerformForm(),
                           reject_form=RejectForm(), kinds=transfers.MOVEMENT_KINDS,
                           statuses=transfers.MOVEMENT_STATUSES)


@bp.post("/movement")
@requires_permission("office.movement.request")
def movement_request() -> Any:
    session = db()
    form = _movement_form()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".movement"))
    day = school_today()
    scope = class_scope(me(), "office.movement.request")
    req = MovementRequest(school_id=current_school_id(), kind=form.kind.data, on_date=form.on_date.data,
                          reason=(form.reason.data or "").strip(), order_number=(form.order_number.data or "").strip(),
                          order_date=form.order_date.data, requested_by_id=me().id, status="pending")
    if form.kind.data in ("transfer", "withdraw"):
        if not form.student_id.data:
            flash(_("Choose the student."), "error")
            return redirect(url_for(".movement"))
        student, school_class = require_student("office.movement.request", form.student_id.data)
        if school_class is None:
            flash(_("The student is not in any class now."), "error")
            return redirect(url_for(".movement"))
        req.student_id, req.from_class_id = student.id, school_class.id
    if form.kind.data in ("transfer", "admit"):
        if not form.to_class_id.data:
            flash(_("Choose the class."), "error")
            return redirect(url_for(".movement"))
        to_class = owned(SchoolClass, form.to_class_id.data)
        if form.kind.data == "admit" and scope is not None and to_class.id not in scope:
            abort(404)
        req.to_class_id = to_class.id
    if form.kind.data == "admit":
        req.last_name = (form.last_name.data or "").strip()
        req.first_name = (form.first_name.data or "").strip()
        req.middle_name = (form.middle_name.data or "").strip()
        req.birth_date = form.birth_date.data
    try:
        transfers.submit_movement(session, req)
        if request.form.get("perform_now") == "1" and can(me(), "office.movement.perform"):
            if not req.order_number or req.order_date is None:
                raise refusals.OfficeError(_("Give the order number and date to carry it out now."))
            transfers.perform_movement(session, req, order_number=req.order_number, order_date=req.order_date,
                                      decided_by_id=me().id, today=day, on_moved=hook().on_student_moved)
    except refusals.OfficeError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".movement"))
    _commit()
    flash(_("Done.") if req.status == "done" else _("The request was sent to the system administrator."), "success")
    return redirect(url_for(".movement", status=req.status))


@bp.post("/movement/<int:request_id>/perform")
@requires_permission("office.movement.perform")
def movement_perform(request_id: int) -> Any:
    session = db()
    req = owned(MovementRequest, request_id)
    form = PerformForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".movement"))
    try:
        transfers.perform_movement(session, req, order_number=form.order_number.data, order_date=form.order_date.data,
                                  decided_by_id=me().id, today=school_today(), on_moved=hook().on_student_moved)
    except refusals.OfficeError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".movement"))
    _commit()
    flash(_("Done."), "success")
    return redirect(url_for(".movement", status="done"))


@bp.post("/movement/<int:request_id>/reject")
@requires_permission("office.movement.perform")
def movement_reject(request_id: int) -> Any:
    session = db()
    req = owned(MovementRequest, request_id)
    form = RejectForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".movement"))
    try:
        transfers.reject_movement(session, req, note=form.note.data, decided_by_id=me().id)
    except refusals.OfficeError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".movement"))
    _commit()
    flash(_("The request was rejected."), "success")
    return redirect(url_for(".movement"))


# --- personal files -------------------------------------------------------------------------------------------------

def _file_context(student: User, school_class: SchoolClass | None) -> dict[str, Any]:
    session = db()
    record = session.scalar(select(PersonalFile).where(PersonalFile.student_id == student.id))
    links = rosters.guardian_links(session, [student.id])
    infos = {i.guardian_id: i for i in session.scalars(
        select(GuardianInfo).where(GuardianInfo.guardian_id.in_([u.id for _l, u in links])))} if links else {}
    consents = {c.guardian_id: c for c in session.scalars(
        select(Consent).where(Consent.guardian_id.in_([u.id for _l, u in links])))} if links else {}
    doc_query = select(Document).where(Document.school_id == student.school_id, Document.deleted_at.is_(None),
                                       (Document.student_id == student.id) |
                                       Document.guardian_id.in_([u.id for _l, u in links] or [-1]))
    user = me()
    editable = can(user, "office.personal_file.edit") and (
        class_scope(user, "office.personal_file.edit") is None
        or (school_class is not None and school_class.id in (class_scope(user, "office.personal_file.edit") or set())))
    if not editable and user.has_role(Role.guardian):
        doc_query = doc_query.where((Document.guardian_id.is_(None)) | (Document.guardian_id == user.id))
    documents = session.scalars(doc_query.order_by(Document.uploaded_at.desc())).all()
    last = personal_files.last_verifications(session, [student.id]).get(student.id)
    form = StudentForm(obj=student) if editable else None
    if form is not None and record is not None and request.method == "GET":
        for name in ("file_number", "registration_address", "actual_address", "phones", "notes"):
            getattr(form, name).data = getattr(record, name)
    doc_form = DocumentForm() if editable else None
    if doc_form is not None:
        doc_form.kind.choices = list(personal_files.DOCUMENT_KINDS.items())
    guardian_forms = {}
    if editable:
        for link, guardian in links:
            info = infos.get(guardian.id)
            gform = GuardianForm(prefix=f"g{guardian.id}", obj=guardian)
            if request.method == "GET":
                gform.relation.data = link.relation
                for name in ("workplace", "position", "work_phone"):
                    getattr(gform, name).data = getattr(info, name) if info else ""
            guardian_forms[guardian.id] = gform
    return {"student": student, "school_class": school_class, "record": record, "links": links, "infos": infos,
            "consents": consents, "documents": documents, "last_verified": last, "editable": editable,
            "form": form, "doc_form": doc_form, "guardian_forms": guardian_forms,
            "new_guardian_form": GuardianForm(prefix="new") if editable else None,
            "kinds": personal_files.DOCUMENT_KINDS}


@bp.get("/files/<int:student_id>")
@requires_permission("office.personal_file.view")
def personal_file(student_id: int) -> Any:
    student, school_class = require_student("office.personal_file.view", student_id, allow_guardian=True)
    return render_template("office/personal_file.html", **_file_context(student, school_class))


@bp.post("/files/<int:student_id>")
@requires_permission("office.personal_file.edit")
def save_personal_file(student_id: int) -> Any:
    student, school_class = require_student("office.personal_file.edit", student_id)
    form = StudentForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return render_template("office/personal_file.html", **_file_context(student, school_class)), 422
    session = db()
    text_fields = ("last_name", "first_name", "middle_name", "file_number", "registration_address",
                   "actual_address", "phones", "notes")
    values: dict[str, Any] = {name: (getattr(form, name).data or "").strip() for name in text_fields}
    values["birth_date"] = form.birth_date.data
    changed = personal_files.update_student(session, student, values)
    changed = personal_files.update_file(session, student, values) or changed
    _commit()
    flash(_("Saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for(".personal_file", student_id=student.id))


@bp.post("/files/<int:student_id>/guardians/<int:guardian_id>")
@requires_permission("office.personal_file.edit")
def save_guardian(student_id: int, guardian_id: int) -> Any:
    student, _class = require_student("office.personal_file.edit", student_id)
    session = db()
    link = session.get(GuardianLink, (guardian_id, student.id))
    if link is None:
        abort(404)
    guardian = owned(User, guardian_id)
    form = GuardianForm(prefix=f"g{guardian_id}")
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".personal_file", student_id=student.id))
    values = {k: (v or "").strip() for k, v in form.data.items() if k != "csrf_token"}
    changed = personal_files.update_guardian(session, guardian, link, values)
    _commit()
    flash(_("Saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for(".personal_file", student_id=student.id))


@bp.post("/files/<int:student_id>/guardians")
@requires_permission("office.personal_file.edit")
def add_guardian(student_id: int) -> Any:
    student, _class = require_student("office.personal_file.edit", student_id)
    form = GuardianForm(prefix="new")
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".personal_file", student_id=student.id))
    values = {k: (v or "").strip() for k, v in form.data.items() if k != "csrf_token"}
    personal_files.add_guardian(db(), student, values)
    _commit()
    flash(_("Guardian added. Issue their credentials on the class's credentials page."), "success")
    return redirect(url_for(".personal_file", student_id=student.id))


@bp.post("/files/<int:student_id>/documents")
@requires_permission("office.personal_file.edit")
def upload_document(student_id: int) -> Any:
    student, _class = require_student("office.personal_file.edit", student_id)
    form = DocumentForm()
    form.kind.choices = list(personal_files.DOCUMENT_KINDS.items())
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".personal_file", student_id=student.id))
    upload = _upload(form.file.data)
    assert upload is not None
    filename, content = upload
    session = db()
    try:
        personal_files.add_document(session, school_id=student.school_id, student_id=student.id, guardian_id=None,
                              kind=form.kind.data, title=form.title.data or "", filename=filename,
                              content_type=personal_files.guess_content_type(filename, content), content=content,
                              uploaded_by_id=me().id)
    except refusals.OfficeError as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        _commit()
        flash(_("Document uploaded."), "success")
    return redirect(url_for(".personal_file", student_id=student.id))


def _document(document_id: int, permission: str) -> Document:
    """A document the user may see (``office.personal_file.view``) or change (``...edit``)."""
    doc = owned(Document, document_id)
    if doc.deleted_at is not None:
        abort(404)
    user = me()
    viewing = permission == "office.personal_file.view"
    if viewing and doc.guardian_id == user.id:
        return doc
    if doc.student_id is not None:
        _student, school_class = require_student(permission, doc.student_id, allow_guardian=viewing)
        scope = class_scope(user, permission)
        staff = scope is None or (school_class is not None and school_class.id in scope)
        if not staff and doc.guardian_id is not None:  # the other guardian's own papers
            abort(404)
        return doc
    if doc.guardian_id is not None:
        require_guardian_of_scope(permission, doc.guardian_id)
        return doc
    abort(404)


@bp.get("/documents/<int:document_id>")
@requires_permission("office.personal_file.view")
def download_document(document_id: int) -> Any:
    doc = _document(document_id, "office.personal_file.view")
    response = send_file(io.BytesIO(doc.content), mimetype=doc.content_type, as_attachment=True,
                         download_name=doc.filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/documents/<int:document_id>/delete")
@requires_permission("office.personal_file.edit")
def delete_document(document_id: int) -> Any:
    doc = _document(document_id, "office.personal_file.edit")
    personal_files.delete_document(db(), doc)
    _commit()
    flash(_("Document deleted."), "success")
    if doc.student_id:
        return redirect(url_for(".personal_file", student_id=doc.student_id))
    return redirect(url_for(".consents"))


@bp.post("/files/<int:student_id>/verify")
@requires_permission("office.personal_file.edit")
def verify_file(student_id: int) -> Any:
    student, _class = require_student("office.personal_file.edit", student_id)
    personal_files.verify_files(db(), student.school_id, [student.id], verified_by_id=me().id,
                          note=request.form.get("note", ""))
    _commit()
    flash(_("The file is marked as verified today."), "success")
    return redirect(request.form.get("back") if (request.form.get("back") or "").startswith("/office/")
                    else url_for(".personal_file", student_id=student.id))


@bp.get("/verification")
@requires_permission("office.personal_file.edit")
def verification() -> Any:
    classes = scoped_classes("office.personal_file.edit")
    due = personal_files.unverified_students(db(), [c.id for c in classes], school_today(),
                                       every_days=plugin_settings("office")["verify_every_days"])
    names = {c.id: c.name for c in classes}
    return render_template("office/verification.html", due=due, names=names)


@bp.post("/verification")
@requires_permission("office.personal_file.edit")
def verify_selected() -> Any:
    session = db()
    ids = [int(v) for v in request.form.getlist("student_id") if v.isdigit()]
    if not ids:
        flash(_("Tick the files you have checked."), "error")
        return redirect(url_for(".verification"))
    classes = scoped_classes("office.personal_file.edit")
    members = rosters.student_ids_of_classes(session, [c.id for c in classes], school_today())
    if any(i not in members for i in ids):
        abort(404)
    n = personal_files.verify_files(session, current_school_id(), ids, verified_by_id=me().id)
    _commit()
    flash(_("Files marked as verified: %(n)d.", n=n), "success")
    return redirect(url_for(".verification"))


# --- consents (152-ФЗ) --------------------------------------------------------------------------------------------------

@bp.get("/consents")
@requires_permission("office.consent.edit")
def consents() -> Any:
    session = db()
    classes = scoped_classes("office.consent.edit")
    class_id = request.args.get("class_id", type=int)
    school_class = next((c for c in classes if c.id == class_id), None)
    if class_id is not None and school_class is None:
        abort(404)
    day = school_today()
    summary = consent_rules.missing_consents_by_class(session, classes, day)
    rows = consent_rules.class_consents(session, school_class.id, day) if school_class else []
    forms = {}
    for row in rows:
        form = ConsentForm(prefix=f"c{row.guardian.id}")
        c = row.consent
        form.processing.data = "" if c is None or c.processing is None else ("yes" if c.processing else "no")
        form.electronic.data = "" if c is None or c.electronic is None else ("yes" if c.electronic else "no")
        form.signed_on.data = c.signed_on if c else None
        form.note.data = c.note if c else ""
        forms[row.guardian.id] = form
    return render_template("office/consents.html", classes=classes, school_class=school_class, summary=summary,
                           rows=rows, forms=forms)


def _answer(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


@bp.post("/consents/<int:guardian_id>")
@requires_permission("office.consent.edit")
def save_consent(guardian_id: int) -> Any:
    session = db()
    guardian = require_guardian_of_scope("office.consent.edit", guardian_id)
    form = ConsentForm(prefix=f"c{guardian_id}")
    back = url_for(".consents", class_id=request.form.get("class_id", type=int))
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(back)
    values: dict[str, Any] = {"processing": _answer(form.processing.data), "electronic": _answer(form.electronic.data),
                              "signed_on": form.signed_on.data, "note": (form.note.data or "").strip()}
    try:
        upload = _upload(form.scan.data)
        if upload is not None:
            filename, content = upload
            doc = personal_files.add_document(session, school_id=guardian.school_id, student_id=None, guardian_id=guardian.id,
                                        kind="consent", title=_("Personal data consent"), filename=filename,
                                        content_type=personal_files.guess_content_type(filename, content), content=content,
                                        uploaded_by_id=me().id)
            values["document_id"] = doc.id
        consent_rules.set_consent(session, guardian, values)
    except refusals.OfficeError as exc:
        session.rollback()
        flash(f"{guardian.full_name}: {exc}", "error")
        return redirect(back)
    _commit()
    flash(_("%(name)s: saved.", name=guardian.full_name), "success")
    return redirect(back)


# --- the regulation ----------------------------------------------------------------------------------------------------

@bp.get("/regulation")
@requires_permission("office.regulation.view")
def regulation() -> Any:
    session = db()
    current = regulation_acks.current_regulation(session, current_school_id())
    acknowledged = current is not None and regulation_acks.has_acknowledged(session, current.id, me().id)
    return render_template("office/regulation.html", regulation=current, acknowledged=acknowledged,
                           form=RegulationForm() if can(me(), "office.regulation.manage") else None,
                           classes=scoped_classes("office.regulation.report")
                           if can(me(), "office.regulation.report") else [])


@bp.get("/regulation/file")
@requires_permission("office.regulation.view")
def regulation_file() -> Any:
    current = regulation_acks.current_regulation(db(), current_school_id())
    if current is None:
        abort(404)
    return send_file(io.BytesIO(current.content), mimetype="application/pdf", download_name=current.filename)


@bp.post("/regulation")
@requires_permission("office.regulation.manage")
def upload_regulation() -> Any:
    session = db()
    form = RegulationForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".regulation"))
    upload = _upload(form.file.data)
    assert upload is not None
    try:
        regulation_acks.upload_regulation(session, current_school_id(), title=form.title.data,
                                   approved_on=form.approved_on.data, filename=upload[0], content=upload[1],
                                   uploaded_by_id=me().id)
    except refusals.OfficeError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".regulation"))
    _commit()
    flash(_("The regulation is published; guardians are asked to read it."), "success")
    return redirect(url_for(".regulation"))


@bp.post("/regulation/acknowledge")
@requires_permission("office.regulation.acknowledge")
def acknowledge_regulation() -> Any:
    session = db()
    current = regulation_acks.current_regulation(session, current_school_id())
    if current is None:
        abort(404)
    regulation_acks.acknowledge(session, current, me())
    _commit()
    flash(_("Thank you: your acquaintance with the regulation is recorded."), "success")
    return redirect(url_for(".regulation"))


@bp.get("/regulation/report")
@requires_permission("office.regulation.report")
def regulation_report() -> Any:
    session = db()
    classes = scoped_classes("office.regulation.report")
    class_id = request.args.get("class_id", type=int) or (classes[0].id if classes else None)
    school_class = next((c for c in classes if c.id == class_id), None)
    if school_class is None:
        abort(404)
    current = regulation_acks.current_regulation(session, current_school_id())
    rows = regulation_acks.regulation_status(session, current, school_class.id, school_today())
    return render_template("office/regulation_report.html", classes=classes, school_class=school_class,
                           regulation=current, rows=rows)


# --- liaison tickets -----------------------------------------------------------------------------------------------------

def _ticket_form() -> TicketForm:
    session = db()
    user = me()
    day = school_today()
    kids = [user] if user.has_role(Role.student) else []
    kids += list(session.scalars(select(User).join(GuardianLink, GuardianLink.student_id == User.id)
                                 .where(GuardianLink.guardian_id == user.id)))
    choices = []
    for kid in kids:
        school_class = rosters.current_class_of(session, kid.id, day)
        if school_class is not None and (school_class.id, school_class.name) not in choices:
            choices.append((school_class.id, school_class.name))
    form = TicketForm()
    form.class_id.choices = choices
    form.topic.choices = list(liaison.TICKET_TOPICS.items())
    return form


@bp.get("/tickets")
@requires_permission("office.ticket.view")
def tickets() -> Any:
    session = db()
    user = me()
    query = select(Ticket).where(Ticket.school_id == current_school_id())
    handling = can(user, "office.ticket.handle")
    if handling:
        scope = led_class_ids()
        if scope is not None:
            query = query.where(Ticket.class_id.in_(list(scope)) | (Ticket.author_id == user.id))
    else:
        query = query.where(Ticket.author_id == user.id)
    show = request.args.get("status", "open")
    if show == "open":
        query = query.where(Ticket.status != "closed")
    rows = session.scalars(query.order_by(Ticket.created_at.desc()).limit(200)).all()
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_({t.author_id for t in rows})))}
    classes = {c.id: c for c in rosters.classes_of_current_year(session, current_school_id())}
    is_admin = handling and led_class_ids() is None
    return render_template("office/tickets.html", rows=rows, people=people, classes=classes, show=show,
                           form=_ticket_form() if can(user, "office.ticket.create") else None,
                           handling=handling, is_admin=is_admin, topics=liaison.TICKET_TOPICS,
                           statuses=liaison.TICKET_STATUSES, forward_form=TicketForwardForm(),
                           close_form=TicketCloseForm())


@bp.post("/tickets")
@requires_permission("office.ticket.create")
def create_ticket() -> Any:
    form = _ticket_form()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".tickets"))
    session = db()
    try:
        liaison.create_ticket(session, me(), class_id=form.class_id.data, topic=form.topic.data, text=form.text.data)
    except refusals.OfficeError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".tickets"))
    _commit()
    flash(_("The request was sent to the class teacher."), "success")
    return redirect(url_for(".tickets"))


def _handled_ticket(ticket_id: int) -> Ticket:
    ticket = owned(Ticket, ticket_id)
    scope = led_class_ids()
    if scope is not None and ticket.class_id not in scope:
        abort(404)
    return ticket


@bp.post("/tickets/<int:ticket_id>/forward")
@requires_permission("office.ticket.handle")
def forward_ticket(ticket_id: int) -> Any:
    ticket = _handled_ticket(ticket_id)
    form = TicketForwardForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".tickets"))
    try:
        liaison.forward_ticket(db(), ticket, form.note.data or "")
    except refusals.OfficeError as exc:
        db().rollback()
        flash(str(exc), "error")
        return redirect(url_for(".tickets"))
    _commit()
    flash(_("The request was passed on to the system administrator."), "success")
    return redirect(url_for(".tickets"))


@bp.post("/tickets/<int:ticket_id>/close")
@requires_permission("office.ticket.handle")
def close_ticket(ticket_id: int) -> Any:
    ticket = _handled_ticket(ticket_id)
    form = TicketCloseForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".tickets"))
    try:
        liaison.close_ticket(db(), ticket, form.reply.data, me().id)
    except refusals.OfficeError as exc:
        db().rollback()
        flash(str(exc), "error")
        return redirect(url_for(".tickets"))
    _commit()
    flash(_("The request is closed."), "success")
    return redirect(url_for(".tickets"))
