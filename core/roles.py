"""Russian names of roles (through the catalog) and the order they are shown in."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLE_TITLES = {
    "admin": _l("System administrator"),
    "principal": _l("Principal"),
    "deputy": _l("Deputy principal"),
    "class_teacher": _l("Class teacher"),
    "teacher": _l("Subject teacher"),
    "student": _l("Student"),
    "guardian": _l("Guardian"),
    "support": _l("Technical support"),
    "region_coordinator": _l("Municipal coordinator"),
}
STAFF_ROLES = ("admin", "principal", "deputy", "class_teacher", "teacher", "support")
