"""The core's tables: people, roles, the school's structure and time, the audit log."""
from core.models.app_passwords import AppPassword
from core.models.audit import AuditEntry
from core.models.files import StoredFile
from core.models.jobs import Job, PeriodicClaim
from core.models.people import ApiToken, GuardianLink, Role, RoleGrant, User
from core.models.school import (
    AcademicYear,
    ClassMembership,
    Holiday,
    School,
    SchoolClass,
    SchoolSetting,
    Subgroup,
    SubgroupMember,
    Subject,
    TeachingAssignment,
    Term,
)
from core.models.second_factor import SecondFactor
from core.models.sessions import LeakReport, UserSession

__all__ = [
    "AcademicYear",
    "ApiToken",
    "AppPassword",
    "AuditEntry",
    "ClassMembership",
    "GuardianLink",
    "Holiday",
    "Job",
    "PeriodicClaim",
    "LeakReport",
    "Role",
    "RoleGrant",
    "School",
    "SecondFactor",
    "SchoolClass",
    "SchoolSetting",
    "StoredFile",
    "Subgroup",
    "SubgroupMember",
    "Subject",
    "TeachingAssignment",
    "Term",
    "User",
    "UserSession",
]
