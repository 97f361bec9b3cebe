"""marshmallow schemas of the core's objects, for the API and for plugins that embed them."""
from __future__ import annotations

from marshmallow import Schema, fields


class UserBriefSchema(Schema):
    id = fields.Integer()
    full_name = fields.String()
    short_name = fields.String()


class MeSchema(UserBriefSchema):
    login = fields.String()
    school_id = fields.Integer()
    roles = fields.Method("get_roles")

    def get_roles(self, user: object) -> list[dict[str, object]]:
        return sorted(
            ({"role": str(g.role), "class_id": g.class_id} for g in user.grants),  # type: ignore[attr-defined]
            key=lambda r: (r["role"], r["class_id"] or 0),
        )


class SchoolClassSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    grade_level = fields.Integer()
    letter = fields.String()
    year_id = fields.Integer()
    class_teacher_id = fields.Integer(allow_none=True)


class SubjectSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    short_name = fields.String()


class TermSchema(Schema):
    id = fields.Integer()
    year_id = fields.Integer()
    number = fields.Integer()
    title = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    closes_on = fields.Date()
