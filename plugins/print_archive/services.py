"""The archive's rules: producing a document, storing it as a new version, checking it, signing it off.

Plain functions over a Session and a ``PrintContext`` (the settings and the extra-sections hook): the
job, the views, the API, the CLI and the benchmark all go through them. Producing reads and renders
only (it can run in another process); storing writes the new version; nothing ever overwrites one.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.toolkit import AcademicYear, SchoolClass, ServiceError, User, audit, school_zone, utcnow
from plugins.print_archive.data import ClassYearData, load_class_year, short_name
from plugins.print_archive.fingerprint import (
    CheckResult,
    build_snapshot,
    diff,
    fingerprint_of,
    journal_audit_entries_since,
    max_audit_id,
    pack,
    quick_signatures,
    unpack,
)
from plugins.print_archive.models import Document, DocumentFile, Signoff, Status
from plugins.print_archive.render import render_journal, render_summary

SectionsProvider = Callable[[Session, SchoolClass, AcademicYear], list[Any]]


@dataclass
class PrintContext:
    """What producing needs besides the data: this plugin's settings, attendance's, the hook."""

    settings: dict[str, Any]
    attendance_settings: dict[str, Any]
    sections: SectionsProvider | None = None


class ArchiveError(ServiceError, ValueError):
    """A refused archive action; ``message`` is a lazily translated text for the UI and the API. The
    toolkit's ``ServiceError``: the core's one handler rolls back and shows it."""

    status = 409
    code = "conflict"

    def __init__(self, message: Any) -> None:
        super().__init__(message)

    def translated(self) -> str:
        return str(self.message)


def keep_until(year_ends_on: date, years: int) -> date:
    """Archival periods run from 1 January of the year after the case was closed: a journal of the year
    ending in May 2027 kept 5 years may be destroyed after 31 December 2032."""
    return date(year_ends_on.year + years, 12, 31)


def retention_years(settings: dict[str, Any], kind: str) -> int:
    return settings["journal_retention_years" if kind == "journal" else "summary_retention_years"]


def next_version(session: Session, class_id: int, kind: str) -> int:
    current = session.scalar(select(func.max(Document.version)).where(Document.class_id == class_id,
                                                                       Document.kind == kind))
    return int(current or 0) + 1


def add_attendance_summary(session: Session, data: ClassYearData, attendance_settings: dict[str, Any]) -> None:
    """Missed lessons per student per term and for the year, counted by the attendance plugin's rule."""
    from plugins.attendance.public import summarize

    ids = [s.id for s in data.students]
    periods: list[tuple[int | None, date, date]] = [
        (t.id, t.starts_on, min(t.ends_on, data.through)) for t in data.terms if t.starts_on <= data.through]
    periods.append((None, data.year_starts_on, data.through))
    for term_id, start, end in periods:
        for sid, summary in summarize(session, attendance_settings, data.class_id, ids, start, end).items():
            data.attendance_summary.setdefault(sid, {})[term_id] = (summary.missed, summary.excused, summary.late)


@dataclass
class Produced:
    """A rendered document not yet stored (picklable: it may come back from a worker process)."""

    school_id: int
    year_id: int
    class_id: int
    class_name: str
    kind: str
    version: int
    title: str
    filename: str
    pdf: bytes
    pages: int
    sheets: int
    printing: str
    snapshot_at: datetime
    through: date
    fingerprint: dict[str, Any]
    snapshot: bytes
    units: int = 0
    worker_rss_mb: float = 0.0  # peak memory of the process that rendered it (a pool worker)


def document_title(kind: str, class_name: str, year_title: str) -> str:
    return f"{'Классный журнал' if kind == 'journal' else 'Сводная ведомость итоговых отметок'} " \
           f"{class_name}, {year_title}"


def produce(session: Session, ctx: PrintContext, class_id: int, kind: str, *, generated_by: str,
            version: int | None = None, now: datetime | None = None,
            on_step: Callable[[str], None] | None = None) -> Produced:
    """Read the class's year and render one document; the fingerprint is computed from the very data
    printed, so the check later compares against exactly what is on paper."""
    now = now or utcnow()
    audit_mark = max_audit_id(session, _school_of(session, class_id))
    data = load_class_year(session, class_id, now, lessons=(kind == "journal"))
    version = version or next_version(session, class_id, kind)
    sections: list[Any] = []
    if kind == "journal":
        add_attendance_summary(session, data, ctx.attendance_settings)
        if ctx.sections is not None:
            school_class = session.get(SchoolClass, class_id)
            year = session.get(AcademicYear, data.year_id)
            sections = ctx.sections(session, school_class, year)  # type: ignore[arg-type]
    quick = quick_signatures(session, [class_id], data.through, data.year_starts_on, kind)[class_id]
    local = now.astimezone(ZoneInfo(data.timezone))  # the school's zone, as loaded with the data
    note = ctx.settings["wording"]["generated_note"].format(at=local.strftime("%d.%m.%Y %H:%M"),
                                                            version=version, by=generated_by)
    if kind == "journal":
        result = render_journal(data, ctx.settings, sections, note=note, on_step=on_step)
    else:
        result = render_summary(data, ctx.settings, note=note)
    snapshot = build_snapshot(data, kind, sections)
    fingerprint = fingerprint_of(snapshot)
    fingerprint.update(quick=quick, max_audit_id=audit_mark)
    slug = _ascii(data.class_name)
    return Produced(
        school_id=data.school_id, year_id=data.year_id, class_id=class_id, class_name=data.class_name,
        kind=kind, version=version, title=document_title(kind, data.class_name, data.year_title),
        filename=f"{kind}_{slug}_{data.year_title.replace('/', '-')}_v{version}.pdf",
        pdf=result.pdf, pages=result.pages, sheets=result.sheets, printing=ctx.settings["printing"],
        snapshot_at=now, through=data.through, fingerprint=fingerprint, snapshot=pack(snapshot),
        units=len(data.units),
    )


_TRANSLIT = dict(zip("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ",
                     ["A", "B", "V", "G", "D", "E", "E", "Zh", "Z", "I", "J", "K", "L", "M", "N", "O", "P", "R",
                      "S", "T", "U", "F", "H", "C", "Ch", "Sh", "Shch", "", "Y", "", "E", "Yu", "Ya"], strict=True))


def _ascii(text: str) -> str:
    """A file name every browser and HTTP header accepts: «5Я» -> "5Ya"."""
    import re

    out = "".join(_TRANSLIT.get(ch.upper(), ch) for ch in text)
    return re.sub(r"[^A-Za-z0-9_-]+", "_", out) or "class"


def _school_of(session: Session, class_id: int) -> int:
    school_id = session.scalar(select(SchoolClass.school_id).where(SchoolClass.id == class_id))
    if school_id is None:
        raise LookupError(f"no class {class_id}")
    return int(school_id)


def store(session: Session, produced: Produced, settings: dict[str, Any], *, user_id: int | None,
          job_id: int | None = None) -> Document:
    """Add the produced file as a new version (flushed, not committed). Raises ``IntegrityError`` when
    another process took that version number meanwhile."""
    year = session.get(AcademicYear, produced.year_id)
    assert year is not None
    years = retention_years(settings, produced.kind)
    document = Document(
        school_id=produced.school_id, year_id=produced.year_id, class_id=produced.class_id, kind=produced.kind,
        version=produced.version, title=produced.title, filename=produced.filename, pages=produced.pages,
        sheets=produced.sheets, printing=produced.printing, size=len(produced.pdf),
        sha256=hashlib.sha256(produced.pdf).hexdigest(), snapshot_at=produced.snapshot_at,
        through_date=produced.through, fingerprint=produced.fingerprint, retention_years=years,
        keep_until=keep_until(year.ends_on, years), generated_by=user_id, job_id=job_id,
    )
    session.add(document)
    session.flush()
    stored = DocumentFile(document_id=document.id, school_id=produced.school_id, data=produced.pdf,
                          snapshot=produced.snapshot)
    session.add(stored)
    session.add(Status(document_id=document.id, school_id=produced.school_id, stale=False,
                       checked_at=produced.snapshot_at, audit_mark=int(produced.fingerprint.get("max_audit_id", 0)),
                       through_date=produced.through))
    session.flush()
    session.expunge(stored)  # written; the session need not hold the bytes (a whole school streams through)
    return document


def generate(session: Session, ctx: PrintContext, class_id: int, kind: str, *, user_id: int | None,
             job_id: int | None = None, now: datetime | None = None,
             on_step: Callable[[str], None] | None = None) -> Document:
    """Produce and store one document, committing it; retried when a concurrent print took the version."""
    by = user_name(session, user_id)
    for attempt in range(3):
        produced = produce(session, ctx, class_id, kind, generated_by=by, now=now, on_step=on_step)
        try:
            with session.begin_nested():
                document = store(session, produced, ctx.settings, user_id=user_id, job_id=job_id)
        except IntegrityError:
            if attempt == 2:
                raise
            continue
        session.commit()
        session.expunge(document)  # the bytes go; the row stays usable for the caller
        return document
    raise AssertionError("unreachable")


def user_name(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return "—"
    row = session.execute(select(User.last_name, User.first_name, User.middle_name).where(User.id == user_id)).first()
    return short_name(*row) if row else "—"


# --- reading the archive ---------------------------------------------------------------------------------

def documents(session: Session, school_id: int, *, year_id: int | None = None, class_ids: set[int] | None = None,
              kind: str | None = None) -> list[Document]:
    """Every version, newest first (the archive lists them all; none is ever replaced)."""
    query = select(Document).where(Document.school_id == school_id)
    if year_id is not None:
        query = query.where(Document.year_id == year_id)
    if class_ids is not None:
        query = query.where(Document.class_id.in_(class_ids))
    if kind is not None:
        query = query.where(Document.kind == kind)
    return list(session.scalars(query.order_by(Document.class_id, Document.kind, Document.version.desc())))


def latest(docs: list[Document]) -> dict[tuple[int, str], Document]:
    out: dict[tuple[int, str], Document] = {}
    for doc in docs:
        if (doc.class_id, doc.kind) not in out or doc.version > out[(doc.class_id, doc.kind)].version:
            out[(doc.class_id, doc.kind)] = doc
    return out


def file_bytes(session: Session, document: Document) -> bytes:
    data = session.scalar(select(DocumentFile.data).where(DocumentFile.document_id == document.id))
    if data is None:
        raise LookupError(f"no file for document {document.id}")
    return bytes(data)


def signoffs(session: Session, document_ids: list[int]) -> dict[int, tuple[Signoff, str]]:
    """The standing sign-off of each document (not withdrawn), with the signer's name."""
    if not document_ids:
        return {}
    out: dict[int, tuple[Signoff, str]] = {}
    for signoff, last, first, middle in session.execute(
        select(Signoff, User.last_name, User.first_name, User.middle_name)
        .join(User, User.id == Signoff.user_id)
        .where(Signoff.document_id.in_(document_ids), Signoff.revoked_at.is_(None))
        .order_by(Signoff.signed_at)
    ):
        out[signoff.document_id] = (signoff, short_name(last, first, middle))
    return out


def possibly_stale(session: Session, docs: list[Document], now: datetime) -> dict[int, bool]:
    """Per document, whether the journal data seems to have changed since it was printed (quick
    signatures: a few grouped queries for any number of documents)."""
    out: dict[int, bool] = {}
    groups: dict[tuple[int, str], list[Document]] = {}
    for doc in docs:
        groups.setdefault((doc.year_id, doc.kind), []).append(doc)
    for (year_id, kind), group in groups.items():
        year = session.get(AcademicYear, year_id)
        assert year is not None
        through = min(year.ends_on, now.astimezone(school_zone(year.school_id, session=session)).date())
        quick = quick_signatures(session, sorted({d.class_id for d in group}), through, year.starts_on, kind)
        for doc in group:
            out[doc.id] = quick.get(doc.class_id) != doc.fingerprint.get("quick")
    return out


STATUS_MAX_AGE = timedelta(hours=1)


def refresh_statuses(session: Session, docs: list[Document], now: datetime, *, force: bool = False) -> dict[int, bool]:
    """Store the quick comparison of these (newest) versions and return it: always when ``force`` (the
    archive page), else only when due (the periodic worker): the audit log moved, a new school day
    added lessons, a status is missing or older than an hour. The dashboard only reads what is stored."""
    if not docs:
        return {}
    statuses = {st.document_id: st for st in session.scalars(
        select(Status).where(Status.document_id.in_([d.id for d in docs])))}
    marks = {school_id: max_audit_id(session, school_id) for school_id in {d.school_id for d in docs}}
    throughs = {}
    for year_id in {d.year_id for d in docs}:
        year = session.get(AcademicYear, year_id)
        assert year is not None
        throughs[year_id] = min(year.ends_on, now.astimezone(school_zone(year.school_id, session=session)).date())
    due = force or any(
        d.id not in statuses or statuses[d.id].audit_mark != marks[d.school_id]
        or statuses[d.id].through_date != throughs[d.year_id] or now - statuses[d.id].checked_at > STATUS_MAX_AGE
        for d in docs)
    if not due:
        return {d.id: statuses[d.id].stale for d in docs}
    stale = possibly_stale(session, docs, now)
    for d in docs:
        status = statuses.get(d.id) or Status(document_id=d.id, school_id=d.school_id)
        status.stale, status.checked_at = stale[d.id], now
        status.audit_mark, status.through_date = marks[d.school_id], throughs[d.year_id]
        session.add(status)
    session.flush()
    return stale


def stored_statuses(session: Session, document_ids: list[int]) -> dict[int, Status]:
    if not document_ids:
        return {}
    return {st.document_id: st for st in session.scalars(select(Status).where(Status.document_id.in_(document_ids)))}


def refresh_due(session: Session, now: datetime) -> int:
    """The periodic work: refresh the stored status of the newest versions of every current year of the
    schools that keep a print archive."""
    from core.toolkit import AcademicYear as Year
    from core.toolkit import schools_with_plugin

    refreshed = 0
    running = schools_with_plugin(session, "print_archive")
    if not running:
        return 0
    for year in session.scalars(select(Year).where(Year.is_current.is_(True), Year.school_id.in_(running))):
        newest = list(latest(documents(session, year.school_id, year_id=year.id)).values())
        if newest:
            refresh_statuses(session, newest, now)
            refreshed += len(newest)
    return refreshed


# --- the faithfulness check --------------------------------------------------------------------------------

def check(session: Session, ctx: PrintContext, document: Document, now: datetime | None = None) -> CheckResult:
    """Does the stored PDF still match its checksum, and the journal data what it printed? Lists what
    changed since: which subjects, how many marks, lessons, absences, final marks."""
    now = now or utcnow()
    stored = session.execute(select(DocumentFile.data, DocumentFile.snapshot)
                             .where(DocumentFile.document_id == document.id)).first()
    if stored is None:
        return CheckResult(document.id, file_ok=False, up_to_date=False, checked_at=now)
    file_ok = hashlib.sha256(bytes(stored.data)).hexdigest() == document.sha256
    data = load_class_year(session, document.class_id, now, lessons=(document.kind == "journal"))
    sections: list[Any] = []
    if document.kind == "journal" and ctx.sections is not None:
        sections = ctx.sections(session, session.get(SchoolClass, document.class_id),  # type: ignore[arg-type]
                                session.get(AcademicYear, document.year_id))  # type: ignore[arg-type]
    changes, students_changed, sections_changed = diff(unpack(bytes(stored.snapshot)),
                                                       build_snapshot(data, document.kind, sections))
    result = CheckResult(
        document.id, file_ok=file_ok, checked_at=now, students_changed=students_changed,
        sections_changed=sections_changed, changes=changes,
        up_to_date=file_ok and not changes and not students_changed and not sections_changed,
        audit_entries_since=journal_audit_entries_since(session, document.school_id,
                                                        int(document.fingerprint.get("max_audit_id", 0))),
    )
    return result


# --- certification ---------------------------------------------------------------------------------------------

def sign_off(session: Session, ctx: PrintContext, document: Document, user: User, *, on_date: date,
             note: str = "", now: datetime | None = None) -> Signoff:
    """Record that the head of the school certified this printed journal. Refused when the file no
    longer matches its checksum or the journal changed since printing: certify a fresh version."""
    if document.kind != "journal" and document.kind != "summary":
        raise ArchiveError(_l("Only journals and summary sheets are certified."))
    if signoffs(session, [document.id]):
        raise ArchiveError(_l("This version is already certified."))
    result = check(session, ctx, document, now)
    if not result.file_ok:
        raise ArchiveError(_l("The stored file does not match its checksum: it cannot be certified."))
    if not result.up_to_date:
        raise ArchiveError(_l("The journal changed after this version was printed: print a new version and certify it."))
    signoff = Signoff(school_id=document.school_id, document_id=document.id, user_id=user.id,
                      signed_on=on_date, note=note.strip()[:300], signed_at=now or utcnow())
    session.add(signoff)
    session.flush()
    audit(session, school_id=document.school_id, action="print_archive.signoff.create",
          object_type="print_archive.signoff", object_id=signoff.id,
          new={"document_id": document.id, "version": document.version, "class_id": document.class_id,
               "kind": document.kind, "signed_on": on_date, "sha256": document.sha256})
    return signoff


def revoke_signoff(session: Session, signoff_id: int, now: datetime | None = None) -> dict[str, Any] | None:
    """Withdraw a sign-off made by an account whose operations were declared invalid (a leak)."""
    signoff = session.get(Signoff, signoff_id)
    if signoff is None or signoff.revoked_at is not None:
        return None
    signoff.revoked_at = now or utcnow()
    return {"revoked_at": signoff.revoked_at}


@dataclass
class ClassStatus:
    """One line of the archive page: a class and the newest version of each of its documents."""

    school_class: SchoolClass
    latest: dict[str, Document] = field(default_factory=dict)
    stale: dict[str, bool] = field(default_factory=dict)
    signed: dict[str, tuple[Signoff, str]] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)


def class_statuses(session: Session, school_id: int, year_id: int, classes: list[SchoolClass],
                   now: datetime | None = None, *, live: bool = True) -> list[ClassStatus]:
    """The archive overview of a year: newest versions, whether they seem out of date, sign-offs.

    ``live`` compares with the journal now (and stores the result); otherwise the stored status is
    read (the dashboard: two queries)."""
    now = now or utcnow()
    docs = documents(session, school_id, year_id=year_id, class_ids={c.id for c in classes})
    newest = latest(docs)
    if live:
        stale = refresh_statuses(session, list(newest.values()), now, force=True)
    else:
        stored = stored_statuses(session, [d.id for d in newest.values()])
        stale = {d.id: stored[d.id].stale if d.id in stored else False for d in newest.values()}
    signed = signoffs(session, [d.id for d in newest.values()])
    counts: dict[tuple[int, str], int] = {}
    for d in docs:
        counts[(d.class_id, d.kind)] = counts.get((d.class_id, d.kind), 0) + 1
    out = []
    for c in classes:
        status = ClassStatus(c)
        for kind in ("journal", "summary"):
            doc = newest.get((c.id, kind))
            if doc is not None:
                status.latest[kind] = doc
                status.stale[kind] = stale[doc.id]
                status.versions[kind] = counts[(c.id, kind)]
                if doc.id in signed:
                    status.signed[kind] = signed[doc.id]
        out.append(status)
    return out
