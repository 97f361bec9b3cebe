"""The school's regulation on the electronic journal: uploading it and who has acknowledged it.

Who read it is kept by the documents plugin's acquaintance register (``plugins.documents.acquaintance``,
subject ``office.regulation:<id>``): Klass has one acquaintance mechanism, for orders and for this regulation."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import User, audit
from plugins.documents import acquaintance
from plugins.office.models import Regulation
from plugins.office.personal_files import MAX_DOCUMENT_BYTES
from plugins.office.refusals import OfficeError
from plugins.office.rosters import current_students, guardian_links


def current_regulation(session: Session, school_id: int) -> Regulation | None:
    return session.scalar(select(Regulation).where(Regulation.school_id == school_id, Regulation.is_current.is_(True))
                          .order_by(Regulation.uploaded_at.desc()).limit(1))


def upload_regulation(session: Session, school_id: int, *, title: str, approved_on: date | None, filename: str,
                      content: bytes, uploaded_by_id: int | None) -> Regulation:
    """A new version replaces the old one: every guardian is asked to read it again."""
    if not content.startswith(b"%PDF-"):
        raise OfficeError(_l("The regulation must be a PDF file."))
    if len(content) > MAX_DOCUMENT_BYTES:
        raise OfficeError(_l("The file is larger than 10 MB."))
    for old in session.scalars(select(Regulation).where(Regulation.school_id == school_id,
                                                        Regulation.is_current.is_(True))):
        old.is_current = False
    reg = Regulation(school_id=school_id, title=title.strip(), approved_on=approved_on, filename=filename[:200],
                     size=len(content), content=content, uploaded_by_id=uploaded_by_id, is_current=True)
    session.add(reg)
    session.flush()
    audit(session, school_id=school_id, action="office.regulation.upload", object_type="office.regulation",
          object_id=reg.id, new={"title": reg.title, "filename": reg.filename, "size": reg.size})
    return reg


def subject(regulation_id: int) -> str:
    return acquaintance.subject_of("office.regulation", regulation_id)


def has_acknowledged(session: Session, regulation_id: int, user_id: int) -> bool:
    return acquaintance.has_confirmed(session, subject(regulation_id), user_id)


def acknowledge(session: Session, regulation: Regulation, user: User) -> bool:
    """The guardian confirms reading; recorded (and audited) by the shared acquaintance register."""
    return acquaintance.confirm(session, regulation.school_id, subject(regulation.id), user.id)


def regulation_status(session: Session, regulation: Regulation | None, class_id: int,
                      day: date) -> list[tuple[User, list[str], datetime | None]]:
    """Guardians of the class with the moment they confirmed reading (None: not yet)."""
    kids = {k.id: k.short_name for k in current_students(session, class_id, day)}
    people: dict[int, tuple[User, list[str]]] = {}
    for link, user in guardian_links(session, kids):
        people.setdefault(user.id, (user, []))[1].append(kids[link.student_id])
    acks: dict[int, datetime] = {}
    if regulation is not None and people:
        acks = acquaintance.confirmed_at(session, subject(regulation.id), list(people))
    rows = [(u, children, acks.get(u.id)) for u, children in people.values()]
    return sorted(rows, key=lambda r: (r[2] is not None, r[0].full_name))

