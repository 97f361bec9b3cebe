"""Personal files: a student's and guardians' details, their documents, and the periodic verification."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.toolkit import GuardianLink, Role, RoleGrant, User, audit, changes, unique_login, utcnow
from plugins.office.models import (
    FILE_FIELDS,
    GUARDIAN_INFO_FIELDS,
    GUARDIAN_USER_FIELDS,
    STUDENT_FIELDS,
    Document,
    FileVerification,
    GuardianInfo,
    PersonalFile,
)
from plugins.office.refusals import OfficeError
from plugins.office.rosters import student_ids_of_classes

VERIFY_EVERY_DAYS = 30


DOCUMENT_KINDS = {
    "birth_certificate": _l("Birth certificate"),
    "passport": _l("Passport"),
    "snils": _l("SNILS"),
    "medical_policy": _l("Medical insurance policy"),
    "medical_record": _l("Medical record"),
    "consent": _l("Personal data consent"),
    "application": _l("Application"),
    "other": _l("Other document"),
}
ALLOWED_UPLOADS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def personal_file(session: Session, student: User) -> PersonalFile:
    """The student's file, made empty on first use."""
    found = session.scalar(select(PersonalFile).where(PersonalFile.student_id == student.id))
    if found is None:
        found = PersonalFile(school_id=student.school_id, student_id=student.id, file_number="",
                             registration_address="", actual_address="", phones="", notes="")
        session.add(found)
        session.flush()
    return found


def update_student(session: Session, student: User, values: dict[str, Any]) -> bool:
    """Change the student's name and birth date; every change is audited with the old value."""
    old, new = changes(student, STUDENT_FIELDS, values)
    if old:
        audit(session, school_id=student.school_id, action="office.student.update", object_type="office.student",
              object_id=student.id, old=old, new=new)
    return bool(old)


def update_file(session: Session, student: User, values: dict[str, Any]) -> bool:
    record = personal_file(session, student)
    old, new = changes(record, FILE_FIELDS, values)
    if old:
        record.updated_at = utcnow()
        audit(session, school_id=student.school_id, action="office.personal_file.update",
              object_type="office.personal_file", object_id=record.id, old=old, new=new)
    return bool(old)


def file_version(session: Session, student: User) -> int:
    """The version a form or API client is shown (0 while the student has no file row yet)."""
    return session.scalar(select(PersonalFile.version).where(PersonalFile.student_id == student.id)) or 0


def save_file(session: Session, student: User, values: dict[str, Any], version: int | None) -> bool:
    """Save the student's name, birth date and file as one edit, only when ``version`` is the file's version
    now (None: a service that reads and writes in one go); a stale one is refused showing the newer values,
    so a class teacher's old form never erases what the administrator saved meanwhile."""
    current = file_version(session, student)
    if version is not None and version != current:
        record = personal_file(session, student)
        error = OfficeError(_l(
            "Someone else has changed this personal file meanwhile: the phones are now “%(phones)s”, the "
            "registered address “%(address)s”, the actual address “%(actual)s”. Your changes were not saved; "
            "check them and save again.", phones=record.phones or "—", address=record.registration_address or "—",
            actual=record.actual_address or "—"))
        error.extra = {"current": {"version": current, **{name: getattr(record, name) for name in FILE_FIELDS}}}
        raise error
    changed = update_student(session, student, values)
    changed = update_file(session, student, values) or changed
    if changed:
        personal_file(session, student).version += 1
    return changed


def guardian_info(session: Session, guardian: User) -> GuardianInfo:
    info = session.get(GuardianInfo, guardian.id)
    if info is None:
        info = GuardianInfo(guardian_id=guardian.id, school_id=guardian.school_id, workplace="", position="",
                            work_phone="")
        session.add(info)
        session.flush()
    return info


def update_guardian(session: Session, guardian: User, link: GuardianLink, values: dict[str, Any]) -> bool:
    """Change a guardian's name, phones, workplace and relation to the child, audited with old values."""
    old, new = changes(guardian, GUARDIAN_USER_FIELDS, values)
    info = guardian_info(session, guardian)
    old_i, new_i = changes(info, GUARDIAN_INFO_FIELDS, values)
    old_l, new_l = changes(link, ["relation"], values)
    old, new = {**old, **old_i, **old_l}, {**new, **new_i, **new_l}
    if old:
        audit(session, school_id=guardian.school_id, action="office.guardian.update", object_type="office.guardian",
              object_id=f"{guardian.id}:{link.student_id}", old=old, new=new)
    return bool(old)


def add_guardian(session: Session, student: User, values: dict[str, Any]) -> User:
    """A new guardian account (no password yet: the class teacher issues credentials later)."""
    guardian = User(school_id=student.school_id,
                    login=unique_login(session, values["last_name"], values["first_name"], school_id=student.school_id),
                    password_hash=None, last_name=values["last_name"].strip(),
                    first_name=values["first_name"].strip(), middle_name=(values.get("middle_name") or "").strip(),
                    phone=values.get("phone") or "", email=values.get("email") or "", must_change_password=True)
    session.add(guardian)
    session.flush()
    session.add(RoleGrant(school_id=student.school_id, user_id=guardian.id, role=Role.guardian, class_id=None))
    session.add(GuardianLink(guardian_id=guardian.id, student_id=student.id, school_id=student.school_id,
                             relation=values.get("relation") or ""))
    session.add(GuardianInfo(guardian_id=guardian.id, school_id=student.school_id,
                             workplace=values.get("workplace") or "", position=values.get("position") or "",
                             work_phone=values.get("work_phone") or ""))
    audit(session, school_id=student.school_id, action="office.guardian.create", object_type="office.guardian",
          object_id=f"{guardian.id}:{student.id}",
          new={k: values.get(k) for k in GUARDIAN_USER_FIELDS + GUARDIAN_INFO_FIELDS + ["relation"]})
    return guardian


def add_document(session: Session, *, school_id: int, student_id: int | None, guardian_id: int | None, kind: str,
                 title: str, filename: str, content_type: str, content: bytes,
                 uploaded_by_id: int | None) -> Document:
    if kind not in DOCUMENT_KINDS:
        raise OfficeError(_l("Choose the kind of document."))
    if content_type not in ALLOWED_UPLOADS or not _looks_like(content_type, content):
        raise OfficeError(_l("Upload a PDF, JPEG or PNG file."))
    if len(content) > MAX_DOCUMENT_BYTES:
        raise OfficeError(_l("The file is larger than 10 MB."))
    doc = Document(school_id=school_id, student_id=student_id, guardian_id=guardian_id, kind=kind,
                   title=title.strip()[:200], filename=filename[:200] or f"document{ALLOWED_UPLOADS[content_type]}",
                   content_type=content_type, size=len(content), content=content, uploaded_by_id=uploaded_by_id)
    session.add(doc)
    session.flush()
    audit(session, school_id=school_id, action="office.document.upload", object_type="office.document",
          object_id=doc.id, new={"student_id": student_id, "guardian_id": guardian_id, "kind": kind,
                                 "filename": doc.filename, "size": doc.size})
    return doc


def _looks_like(content_type: str, content: bytes) -> bool:
    """Trust the bytes, not the browser's label."""
    magic = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
    return content.startswith(magic[content_type])


def guess_content_type(filename: str, content: bytes) -> str:
    for content_type in ALLOWED_UPLOADS:
        if _looks_like(content_type, content):
            return content_type
    return "application/octet-stream"


def delete_document(session: Session, doc: Document) -> None:
    doc.deleted_at = utcnow()
    audit(session, school_id=doc.school_id, action="office.document.delete", object_type="office.document",
          object_id=doc.id, old={"deleted_at": None}, new={"deleted_at": doc.deleted_at})


def verify_files(session: Session, school_id: int, student_ids: Iterable[int], *, verified_by_id: int | None,
                 note: str = "") -> int:
    """Record that the class teacher checked these files today (one row and one audit entry each)."""
    n = 0
    for student_id in student_ids:
        row = FileVerification(school_id=school_id, student_id=student_id, verified_by_id=verified_by_id,
                               note=note[:300])
        session.add(row)
        session.flush()
        audit(session, school_id=school_id, action="office.personal_file.verify",
              object_type="office.file_verification", object_id=row.id, new={"student_id": student_id})
        n += 1
    return n


def last_verifications(session: Session, student_ids: Iterable[int]) -> dict[int, datetime]:
    ids = list(student_ids)
    if not ids:
        return {}
    return dict(session.execute(select(FileVerification.student_id, func.max(FileVerification.verified_at))
                                .where(FileVerification.student_id.in_(ids))
                                .group_by(FileVerification.student_id)).all())


def unverified_students(session: Session, class_ids: Iterable[int], day: date, now: datetime | None = None,
                        every_days: int = VERIFY_EVERY_DAYS) -> list[tuple[User, int, datetime | None]]:
    """(student, class id, last verification) for files not verified in the last month."""
    members = student_ids_of_classes(session, class_ids, day)
    since = (now or utcnow()) - timedelta(days=every_days)
    last = last_verifications(session, members)
    due = [sid for sid in members if last.get(sid) is None or last[sid] < since]
    if not due:
        return []
    users = session.scalars(select(User).where(User.id.in_(due))
                            .order_by(User.last_name, User.first_name, User.id)).all()
    return [(u, members[u.id], last.get(u.id)) for u in users]

