"""marshmallow schemas: the office's settings and its API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class OfficeSettingsSchema(Schema):
    """Settings under ``[plugins.office]`` in a profile."""

    # How often the class teacher must check each personal file (the seeds say monthly).
    verify_every_days = fields.Integer(load_default=30, validate=validate.Range(min=7, max=366))
    # Ask guardians to confirm they read the school's regulation on the electronic journal.
    regulation_acknowledgement = fields.Boolean(load_default=True)


class AccountSchema(Schema):
    user_id = fields.Integer()
    full_name = fields.String()
    login = fields.String()
    role = fields.String()
    children = fields.List(fields.String())
    status = fields.String(metadata={"description": "none | issued | active"})
    activated_at = fields.DateTime(allow_none=True)
    last_issued_at = fields.DateTime(allow_none=True)


class OneTimePasswordSchema(Schema):
    user_id = fields.Integer()
    login = fields.String()
    password = fields.String(metadata={"description": "shown once, never stored"})


class SubgroupSchema(Schema):
    id = fields.Integer()
    class_id = fields.Integer()
    subject_id = fields.Integer(allow_none=True)
    name = fields.String()
    members = fields.List(fields.Integer())


class SubgroupMembersSchema(Schema):
    """student id -> subgroup id (or null: in none of the subject's subgroups)."""

    members = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^\d+$")),
                          values=fields.Integer(allow_none=True), required=True)


class MovementSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    student_id = fields.Integer(allow_none=True)
    last_name = fields.String()
    first_name = fields.String()
    middle_name = fields.String()
    birth_date = fields.Date(allow_none=True)
    from_class_id = fields.Integer(allow_none=True)
    to_class_id = fields.Integer(allow_none=True)
    on_date = fields.Date()
    order_number = fields.String()
    order_date = fields.Date(allow_none=True)
    reason = fields.String()
    requested_by_id = fields.Integer(allow_none=True)
    requested_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String()


class MovementQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(["pending", "done", "rejected"]))


class MovementCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["admit", "transfer", "withdraw"]))
    student_id = fields.Integer(load_default=None, allow_none=True)
    to_class_id = fields.Integer(load_default=None, allow_none=True)
    on_date = fields.Date(required=True)
    last_name = fields.String(load_default="", validate=validate.Length(max=100))
    first_name = fields.String(load_default="", validate=validate.Length(max=100))
    middle_name = fields.String(load_default="", validate=validate.Length(max=100))
    birth_date = fields.Date(load_default=None, allow_none=True)
    order_number = fields.String(load_default="", validate=validate.Length(max=50))
    order_date = fields.Date(load_default=None, allow_none=True)
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class PerformSchema(Schema):
    order_number = fields.String(required=True, validate=validate.Length(min=1, max=50))
    order_date = fields.Date(required=True)


class RejectSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=500))


class GuardianSchema(Schema):
    id = fields.Integer()
    full_name = fields.String()
    relation = fields.String()
    phone = fields.String()
    email = fields.String()
    workplace = fields.String()
    position = fields.String()
    work_phone = fields.String()


class PersonalFileSchema(Schema):
    student_id = fields.Integer()
    last_name = fields.String()
    first_name = fields.String()
    middle_name = fields.String()
    birth_date = fields.Date(allow_none=True)
    class_id = fields.Integer(allow_none=True)
    file_number = fields.String()
    registration_address = fields.String()
    actual_address = fields.String()
    phones = fields.String()
    notes = fields.String()
    last_verified_at = fields.DateTime(allow_none=True)
    guardians = fields.List(fields.Nested(GuardianSchema))
    version = fields.Integer()  # send it back with a change: a stale one answers 409


class PersonalFilePatchSchema(Schema):
    last_name = fields.String(validate=validate.Length(min=1, max=100))
    first_name = fields.String(validate=validate.Length(min=1, max=100))
    middle_name = fields.String(validate=validate.Length(max=100))
    birth_date = fields.Date(allow_none=True)
    file_number = fields.String(validate=validate.Length(max=50))
    registration_address = fields.String(validate=validate.Length(max=500))
    actual_address = fields.String(validate=validate.Length(max=500))
    phones = fields.String(validate=validate.Length(max=200))
    notes = fields.String(validate=validate.Length(max=2000))
    # The file's version the client read (``version`` of the GET): a stale one is refused with 409.
    version = fields.Integer(required=True, validate=validate.Range(min=0, max=2**31 - 1))


class ConsentSchema(Schema):
    guardian_id = fields.Integer()
    full_name = fields.String()
    children = fields.List(fields.String())
    processing = fields.Boolean(allow_none=True)
    electronic = fields.Boolean(allow_none=True)
    signed_on = fields.Date(allow_none=True)
    paper = fields.Boolean()
    note = fields.String()


class ConsentPutSchema(Schema):
    processing = fields.Boolean(required=True, allow_none=True)
    electronic = fields.Boolean(required=True, allow_none=True)
    signed_on = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default="", validate=validate.Length(max=300))


class RegulationStatusSchema(Schema):
    guardian_id = fields.Integer()
    full_name = fields.String()
    children = fields.List(fields.String())
    acknowledged_at = fields.DateTime(allow_none=True)


class TicketSchema(Schema):
    id = fields.Integer()
    author_id = fields.Integer()
    class_id = fields.Integer(allow_none=True)
    topic = fields.String()
    text = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    class_teacher_note = fields.String()
    forwarded_at = fields.DateTime(allow_none=True)
    reply = fields.String()
    closed_at = fields.DateTime(allow_none=True)


class TicketCreateSchema(Schema):
    class_id = fields.Integer(required=True)
    topic = fields.String(required=True, validate=validate.OneOf(["lost_password", "access", "wrong_data", "other"]))
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class TicketNoteSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=5000))


class TicketReplySchema(Schema):
    reply = fields.String(required=True, validate=validate.Length(min=1, max=5000))
