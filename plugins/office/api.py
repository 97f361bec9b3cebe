"""The office's JSON API under /api/v1/office: the same rules and object checks as the pages."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    GuardianLink,
    Role,
    SchoolClass,
    Subject,
    User,
    acting_user,
    api_error,
    api_view,
    can,
    current_school_id,
    db,
    get_owned_or_404,
    hook,
    school_today,
    teaches,
)
from plugins.office import (
    consent_rules,
    grouping,
    liaison,
    overviews,
    passwords,
    personal_files,
    regulation_acks,
    rosters,
    transfers,
)
from plugins.office.access import (
    class_scope,
    led_class_ids,
    may_edit_subgroups,
    reissue_class_id,
    require_class,
    require_guardian_of_scope,
    require_student,
)
from plugins.office.models import GuardianInfo, MovementRequest, PersonalFile, Ticket
from plugins.office.schemas import (
    AccountSchema,
    ConsentPutSchema,
    ConsentSchema,
    MovementCreateSchema,
    MovementQuerySchema,
    MovementSchema,
    OneTimePasswordSchema,
    PerformSchema,
    PersonalFilePatchSchema,
    PersonalFileSchema,
    RegulationStatusSchema,
    RejectSchema,
    SubgroupMembersSchema,
    SubgroupSchema,
    TicketCreateSchema,
    TicketNoteSchema,
    TicketReplySchema,
    TicketSchema,
)

bp = Blueprint("office_api", __name__, url_prefix="/api/v1/office")


# --- credentials -----------------------------------------------------------------------------------------

@bp.get("/classes/<int:class_id>/accounts")
@api_view("office.credentials.issue", response=AccountSchema, many=True)
def accounts(class_id: int) -> Any:
    """Students and guardians of the class with their activation state."""
    require_class("office.credentials.issue", class_id)
    return passwords.class_accounts(db(), class_id, school_today())


@bp.post("/users/<int:user_id>/password")
@api_view("office.credentials.issue", response=OneTimePasswordSchema)
def reissue(user_id: int) -> Any:
    """A new one-time password for one student or guardian of the user's class (shown once)."""
    session = db()
    user = get_owned_or_404(User, user_id)
    class_id = reissue_class_id(user)
    password = passwords.set_one_time_password(session, user, issued_by_id=acting_user().id, class_id=class_id)
    session.commit()
    return {"user_id": user.id, "login": user.login, "password": password}


# --- subgroups -------------------------------------------------------------------------------------------

@bp.get("/classes/<int:class_id>/subgroups")
@api_view("office.subgroups.edit", response=SubgroupSchema, many=True)
def subgroups(class_id: int) -> Any:
    """The class's subgroups with their members (those of subjects the user may edit)."""
    session = db()
    get_owned_or_404(SchoolClass, class_id)
    groups = [g for g in overviews.subgroups_of_class_all(session, class_id) if may_edit_subgroups(class_id, g.subject_id)]
    if not groups and not may_edit_subgroups(class_id, None) and not teaches(session, acting_user().id, class_id):
        abort(404)
    membership = grouping.subgroup_membership(session, [g.id for g in groups])
    return [{"id": g.id, "class_id": g.class_id, "subject_id": g.subject_id, "name": g.name,
             "members": sorted(s for s, ids in membership.items() if g.id in ids)} for g in groups]


@bp.put("/classes/<int:class_id>/subgroups/<int:subject_id>/members")
@api_view("office.subgroups.edit", body=SubgroupMembersSchema)
def set_members(class_id: int, subject_id: int, body: dict[str, Any]) -> Any:
    """Put each current student into one subgroup of the subject, or none (null)."""
    session = db()
    school_class = get_owned_or_404(SchoolClass, class_id)
    get_owned_or_404(Subject, subject_id)
    if not may_edit_subgroups(class_id, subject_id):
        abort(404)
    choice = {int(k): v for k, v in body["members"].items()}
    changed = grouping.set_subgroup_members(session, school_class, subject_id, choice, school_today())
    session.commit()
    return {"changed": changed}


# --- movement --------------------------------------------------------------------------------------------

@bp.get("/movements")
@api_view("office.movement.view", query=MovementQuerySchema, response=MovementSchema, many=True)
def movements(query: dict[str, Any]) -> Any:
    """Movement requests of the user's classes (the whole school for the administration)."""
    stmt = select(MovementRequest).where(MovementRequest.school_id == current_school_id())
    scope = class_scope(acting_user(), "office.movement.view")
    if scope is not None:
        ids = list(scope)
        stmt = stmt.where(MovementRequest.from_class_id.in_(ids) | MovementRequest.to_class_id.in_(ids))
    if query.get("status"):
        stmt = stmt.where(MovementRequest.status == query["status"])
    return db().scalars(stmt.order_by(MovementRequest.requested_at.desc()).limit(500)).all()


@bp.post("/movements")
@api_view("office.movement.request", body=MovementCreateSchema, response=MovementSchema)
def create_movement(body: dict[str, Any]) -> Any:
    """Submit an admission, transfer or withdrawal request."""
    session = db()
    scope = class_scope(acting_user(), "office.movement.request")
    req = MovementRequest(school_id=current_school_id(), kind=body["kind"], on_date=body["on_date"],
                          reason=body["reason"], order_number=body["order_number"], order_date=body["order_date"],
                          requested_by_id=acting_user().id, status="pending", last_name=body["last_name"],
                          first_name=body["first_name"], middle_name=body["middle_name"],
                          birth_date=body["birth_date"])
    if body["kind"] in ("transfer", "withdraw"):
        if not body["student_id"]:
            return api_error(422, "validation_error", _("Choose the student."), {"student_id": [_("Choose the student.")]})
        student, school_class = require_student("office.movement.request", body["student_id"])
        if school_class is None:
            return api_error(409, "conflict", _("The student is not in any class now."))
        req.student_id, req.from_class_id = student.id, school_class.id
    if body["kind"] in ("transfer", "admit"):
        if not body["to_class_id"]:
            return api_error(422, "validation_error", _("Choose the class."), {"to_class_id": [_("Choose the class.")]})
        to_class = get_owned_or_404(SchoolClass, body["to_class_id"])
        if body["kind"] == "admit" and scope is not None and to_class.id not in scope:
            abort(404)
        req.to_class_id = to_class.id
    if body["kind"] == "admit":
        req.student_id = None
    transfers.submit_movement(session, req)
    session.commit()
    return req


@bp.post("/movements/<int:request_id>/perform")
@api_view("office.movement.perform", body=PerformSchema, response=MovementSchema)
def perform(request_id: int, body: dict[str, Any]) -> Any:
    """Carry out a request with the order's number and date."""
    session = db()
    req = get_owned_or_404(MovementRequest, request_id)
    transfers.perform_movement(session, req, order_number=body["order_number"], order_date=body["order_date"],
                              decided_by_id=acting_user().id, today=school_today(), on_moved=hook().on_student_moved)
    session.commit()
    return req


@bp.post("/movements/<int:request_id>/reject")
@api_view("office.movement.perform", body=RejectSchema, response=MovementSchema)
def reject(request_id: int, body: dict[str, Any]) -> Any:
    """Reject a request, saying why."""
    session = db()
    req = get_owned_or_404(MovementRequest, request_id)
    transfers.reject_movement(session, req, note=body["note"], decided_by_id=acting_user().id)
    session.commit()
    return req


# --- personal files --------------------------------------------------------------------------------------

def _file_payload(student: User, school_class: SchoolClass | None) -> dict[str, Any]:
    session = db()
    record = session.scalar(select(PersonalFile).where(PersonalFile.student_id == student.id))
    links = rosters.guardian_links(session, [student.id])
    infos = {i.guardian_id: i for i in session.scalars(
        select(GuardianInfo).where(GuardianInfo.guardian_id.in_([u.id for _l, u in links])))} if links else {}
    guardians = []
    for link, user in links:
        info = infos.get(user.id)
        guardians.append({"id": user.id, "full_name": user.full_name, "relation": link.relation, "phone": user.phone,
                          "email": user.email, "workplace": info.workplace if info else "",
                          "position": info.position if info else "", "work_phone": info.work_phone if info else ""})
    payload: dict[str, Any] = {
        "student_id": student.id, "last_name": student.last_name, "first_name": student.first_name,
        "middle_name": student.middle_name, "birth_date": student.birth_date,
        "class_id": school_class.id if school_class else None, "guardians": guardians,
        "last_verified_at": personal_files.last_verifications(session, [student.id]).get(student.id)}
    for name in ("file_number", "registration_address", "actual_address", "phones", "notes"):
        payload[name] = getattr(record, name) if record else ""
    payload["version"] = record.version if record else 0
    return payload


@bp.get("/files/<int:student_id>")
@api_view("office.personal_file.view", response=PersonalFileSchema)
def get_file(student_id: int) -> Any:
    """A student's personal file with the guardians (a guardian sees only their own children)."""
    student, school_class = require_student("office.personal_file.view", student_id, allow_guardian=True)
    return _file_payload(student, school_class)


@bp.patch("/files/<int:student_id>")
@api_view("office.personal_file.edit", body=PersonalFilePatchSchema, response=PersonalFileSchema)
def patch_file(student_id: int, body: dict[str, Any]) -> Any:
    """Change the fields given; each change is audited with its old value."""
    student, school_class = require_student("office.personal_file.edit", student_id)
    session = db()
    version = body.pop("version")
    personal_files.save_file(session, student, body, version)  # a stale version: 409 with the newer values
    session.commit()
    return _file_payload(student, school_class)


@bp.post("/files/<int:student_id>/verify")
@api_view("office.personal_file.edit")
def verify(student_id: int) -> Any:
    """Record that the file was checked against the documents today."""
    student, _class = require_student("office.personal_file.edit", student_id)
    personal_files.verify_files(db(), student.school_id, [student.id], verified_by_id=acting_user().id)
    db().commit()
    return {"verified": 1}


# --- consents --------------------------------------------------------------------------------------------

def _consent_payload(row: consent_rules.ConsentRow) -> dict[str, Any]:
    c = row.consent
    return {"guardian_id": row.guardian.id, "full_name": row.guardian.full_name, "children": row.children,
            "processing": c.processing if c else None, "electronic": c.electronic if c else None,
            "signed_on": c.signed_on if c else None, "paper": consent_rules.wants_paper(c), "note": c.note if c else ""}


@bp.get("/classes/<int:class_id>/consents")
@api_view("office.consent.edit", response=ConsentSchema, many=True)
def consents(class_id: int) -> Any:
    """Guardians of the class with their 152-ФЗ answers; ``paper`` marks paper statements."""
    require_class("office.consent.edit", class_id)
    return [_consent_payload(r) for r in consent_rules.class_consents(db(), class_id, school_today())]


@bp.put("/consents/<int:guardian_id>")
@api_view("office.consent.edit", body=ConsentPutSchema, response=ConsentSchema)
def put_consent(guardian_id: int, body: dict[str, Any]) -> Any:
    """Record a guardian's answers (the scan is uploaded on the page)."""
    session = db()
    guardian = require_guardian_of_scope("office.consent.edit", guardian_id)
    consent = consent_rules.set_consent(session, guardian, body)
    session.commit()
    children = [u.short_name for u in session.scalars(
        select(User).join(GuardianLink, GuardianLink.student_id == User.id).where(GuardianLink.guardian_id == guardian.id))]
    return _consent_payload(consent_rules.ConsentRow(guardian, children, consent))


# --- the regulation --------------------------------------------------------------------------------------

@bp.get("/classes/<int:class_id>/regulation")
@api_view("office.regulation.report", response=RegulationStatusSchema, many=True)
def regulation_status(class_id: int) -> Any:
    """Guardians of the class and when they confirmed reading the current regulation."""
    require_class("office.regulation.report", class_id)
    session = db()
    current = regulation_acks.current_regulation(session, current_school_id())
    return [{"guardian_id": u.id, "full_name": u.full_name, "children": ch, "acknowledged_at": at}
            for u, ch, at in regulation_acks.regulation_status(session, current, class_id, school_today())]


# --- tickets ---------------------------------------------------------------------------------------------

@bp.get("/tickets")
@api_view("office.ticket.view", response=TicketSchema, many=True)
def tickets() -> Any:
    """Own requests; the class teacher's class's; every request for the administrator."""
    stmt = select(Ticket).where(Ticket.school_id == current_school_id())
    if can(acting_user(), "office.ticket.handle"):
        scope = led_class_ids()
        if scope is not None:
            stmt = stmt.where(Ticket.class_id.in_(list(scope)) | (Ticket.author_id == acting_user().id))
    else:
        stmt = stmt.where(Ticket.author_id == acting_user().id)
    return db().scalars(stmt.order_by(Ticket.created_at.desc()).limit(500)).all()


@bp.post("/tickets")
@api_view("office.ticket.create", body=TicketCreateSchema, response=TicketSchema)
def create_ticket(body: dict[str, Any]) -> Any:
    """Send a request to the system administrator through the class teacher of the child's class."""
    session = db()
    user = acting_user()
    kids = [user.id] if user.has_role(Role.student) else []
    kids += list(session.scalars(select(GuardianLink.student_id).where(GuardianLink.guardian_id == user.id)))
    classes = set(rosters.student_ids_of_classes(session, [body["class_id"]], school_today())) & set(kids)
    if not classes:
        return api_error(422, "validation_error", _("Choose the class of your child."),
                         {"class_id": [_("Choose the class of your child.")]})
    ticket = liaison.create_ticket(session, user, class_id=body["class_id"], topic=body["topic"], text=body["text"])
    session.commit()
    return ticket


def _handled(ticket_id: int) -> Ticket:
    ticket = get_owned_or_404(Ticket, ticket_id)
    scope = led_class_ids()
    if scope is not None and ticket.class_id not in scope:
        abort(404)
    return ticket


@bp.post("/tickets/<int:ticket_id>/forward")
@api_view("office.ticket.handle", body=TicketNoteSchema, response=TicketSchema)
def forward(ticket_id: int, body: dict[str, Any]) -> Any:
    """The class teacher passes the request on to the system administrator."""
    ticket = _handled(ticket_id)
    liaison.forward_ticket(db(), ticket, body["note"])
    db().commit()
    return ticket


@bp.post("/tickets/<int:ticket_id>/close")
@api_view("office.ticket.handle", body=TicketReplySchema, response=TicketSchema)
def close(ticket_id: int, body: dict[str, Any]) -> Any:
    """Close the request with an answer to the family."""
    ticket = _handled(ticket_id)
    liaison.close_ticket(db(), ticket, body["reply"], acting_user().id)
    db().commit()
    return ticket
