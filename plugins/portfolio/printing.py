"""Printed portfolios: a student's (title page, then each section with its confirmed entries and
thumbnails of their documents), a whole class's as a background job with progress, and a teacher's
attestation summary. Plain functions over a Session, so a worker process can print without a request."""
from __future__ import annotations

import io
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    DOCUMENTS,
    IMAGES,
    Job,
    School,
    SchoolClass,
    Subject,
    User,
    check_upload,
    class_of_student,
    class_students,
    load_file,
    plugin_settings,
    register_fonts,
    school_today,
    store_file,
)
from plugins.portfolio import labels, projects, teacher
from plugins.portfolio.models import Attachment, Entry
from plugins.portfolio.services import attachments

THUMB = 38 * mm


def _styles() -> dict[str, ParagraphStyle]:
    font, bold = register_fonts()
    return {"title": ParagraphStyle("t", fontName=bold, fontSize=20, leading=26, spaceAfter=8 * mm),
            "h1": ParagraphStyle("h1", fontName=bold, fontSize=15, leading=19, spaceBefore=5 * mm, spaceAfter=3 * mm),
            "h2": ParagraphStyle("h2", fontName=bold, fontSize=11, leading=14, spaceBefore=2 * mm),
            "p": ParagraphStyle("p", fontName=font, fontSize=10, leading=13),
            "small": ParagraphStyle("s", fontName=font, fontSize=8, leading=10, textColor=colors.grey)}


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def thumbnail(session: Session, att: Attachment, styles: dict[str, ParagraphStyle]) -> Any:
    """A small picture of the document: the image itself, or for a PDF a document card with the first
    words of its first page (no PDF renderer is needed)."""
    stored = load_file(session, att.school_id, att.file_id)
    if stored is None:
        return _p(att.filename, styles["small"])
    if stored.content_type in IMAGES:
        from PIL import Image as PILImage

        try:
            with PILImage.open(io.BytesIO(stored.data)) as img:
                img = img.convert("RGB")
                img.thumbnail((400, 400))
                buf = io.BytesIO()
                img.save(buf, "PNG")
                width, height = img.size
            buf.seek(0)
            scale = THUMB / max(width, height)
            return Image(buf, width=width * scale, height=height * scale)
        except Exception:  # a picture Pillow cannot read still has its name printed
            return _p(att.filename, styles["small"])
    words = ""
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(stored.data))
        words = " ".join((reader.pages[0].extract_text() or "").split())[:160] if reader.pages else ""
    except Exception:  # no text layer, a broken file or no pypdf: the card shows the name alone
        words = ""
    card = Table([[_p("PDF", styles["h2"])], [_p(att.filename, styles["small"])], [_p(words, styles["small"])]],
                 colWidths=[THUMB])
    card.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, colors.grey),
                              ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
    return card


def _entry_flow(session: Session, entry: Entry, files: list[Attachment], subjects: dict[int, str],
                people: dict[int, str], styles: dict[str, ParagraphStyle]) -> list[Any]:
    facts = [entry.happened_on.strftime("%d.%m.%Y"), labels.level(entry.level), labels.result(entry.result)]
    if entry.place:
        facts.append(_("place %(n)s", n=entry.place))
    if entry.subject_id in subjects:
        facts.append(subjects[entry.subject_id])
    if entry.supervisor_id in people:
        facts.append(_("supervisor: %(name)s", name=people[entry.supervisor_id]))
    if entry.mark:
        facts.append(_("mark: %(mark)s", mark=entry.mark))
    flow: list[Any] = [_p(entry.title, styles["h2"]), _p(" · ".join(facts), styles["p"])]
    if entry.description:
        flow.append(_p(entry.description, styles["p"]))
    if files:
        thumbs = [thumbnail(session, f, styles) for f in files[:4]]
        flow.append(Table([thumbs], colWidths=[THUMB + 4 * mm] * len(thumbs), hAlign="LEFT"))
    return flow


def student_story(session: Session, student: User, school: School, today: date) -> list[Any]:
    """The flowables of one student's portfolio (confirmed entries only)."""
    styles = _styles()
    klass = class_of_student(session, student.id, today)
    story: list[Any] = [Spacer(1, 40 * mm), _p(_("Portfolio"), styles["title"]),
                        _p(student.full_name, styles["h1"]),
                        _p(_("Class %(name)s", name=f"{klass.grade_level}{klass.letter}") if klass else "", styles["p"]),
                        _p(school.name, styles["p"]),
                        _p(_("Printed on %(day)s", day=today.strftime("%d.%m.%Y")), styles["small"]), PageBreak()]
    entries = list(session.scalars(select(Entry).where(Entry.school_id == school.id, Entry.student_id == student.id,
                                                       Entry.status == "confirmed")
                                   .order_by(Entry.happened_on.desc(), Entry.id)))
    files = attachments(session, school.id, "entry", [e.id for e in entries])
    subjects = dict(session.execute(select(Subject.id, Subject.name).where(Subject.school_id == school.id)).all())
    ids = {e.supervisor_id for e in entries if e.supervisor_id}
    people = {u.id: u.full_name for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    for section in plugin_settings("portfolio")["sections"]:
        mine = [e for e in entries if e.section == section]
        if not mine:
            continue
        story.append(_p(section, styles["h1"]))
        for entry in mine:
            story += _entry_flow(session, entry, files.get(entry.id, []), subjects, people, styles)
    own = projects.projects_of_student(session, school.id, student.id)
    if own:
        story.append(_p(_("Projects"), styles["h1"]))
        for project in own:
            story.append(_p(project.title, styles["h2"]))
            if project.defence_result:
                story.append(_p(_("Defence: %(result)s", result=project.defence_result), styles["p"]))
    if not entries and not own:
        story.append(_p(_("No confirmed entries yet."), styles["p"]))
    return story


def _build(story: list[Any], title: str) -> bytes:
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title=title, leftMargin=18 * mm, rightMargin=18 * mm,
                      topMargin=16 * mm, bottomMargin=16 * mm).build(story)
    return buf.getvalue()


def student_pdf(session: Session, student: User, today: date) -> bytes:
    school = session.get(School, student.school_id)
    assert school is not None
    return _build(student_story(session, student, school, today), _("Portfolio of %(name)s", name=student.full_name))


def class_job(session: Session, job: Job, progress: Any) -> dict[str, Any]:
    """The background job: every student's portfolio of a class in one PDF, stored in the school's files."""
    klass = session.get(SchoolClass, int(job.params["class_id"]))
    if klass is None or klass.school_id != job.school_id:
        raise ValueError("class not found")
    school = session.get(School, job.school_id)
    assert school is not None
    today = school_today(job.school_id, session=session)
    students = class_students(session, klass.id, today)
    story: list[Any] = []
    for n, student in enumerate(students):
        if story:
            story.append(PageBreak())
        story += student_story(session, student, school, today)
        progress(n + 1, len(students) + 1, student.full_name)
    data = _build(story or [Spacer(1, 1)], _("Portfolios of class %(name)s", name=f"{klass.grade_level}{klass.letter}"))
    upload = check_upload(data, f"portfolio-{klass.grade_level}{klass.letter}.pdf", allowed=DOCUMENTS,
                          max_bytes=len(data) + 1)
    stored = store_file(session, job.school_id, upload)
    return {"file_id": stored.id, "filename": upload.filename, "url": f"/portfolio/jobs/{job.id}/download"}


def attestation_pdf(session: Session, person: User, today: date) -> bytes:
    """The teacher's attestation summary: category, courses with hours, the rest of her portfolio, and the
    achievements of the students she supervised (confirmed entries only)."""
    styles = _styles()
    rows = teacher.entries_of(session, person.school_id, person.id, confirmed_only=True)
    story: list[Any] = [_p(_("Attestation summary"), styles["title"]), _p(person.full_name, styles["h1"])]
    att = teacher.current_attestation(rows)
    if att:
        until = att.valid_until.strftime("%d.%m.%Y") if att.valid_until else "—"
        story.append(_p(_("Category: %(category)s, awarded %(day)s, valid until %(until)s", category=att.category,
                          day=att.happened_on.strftime("%d.%m.%Y"), until=until), styles["p"]))
    for kind in ("course", "methodical", "publication", "open_lesson"):
        mine = [r for r in rows if r.kind == kind]
        if not mine:
            continue
        story.append(_p(labels.teacher_kind(kind), styles["h1"]))
        table = [[r.happened_on.strftime("%d.%m.%Y"), _p(r.title, styles["p"]), _p(r.organisation, styles["p"]),
                  str(r.hours or "")] for r in mine]
        if kind == "course":
            story.append(_p(_("Hours in all: %(hours)s", hours=sum(r.hours or 0 for r in mine)), styles["p"]))
        grid = Table(table, colWidths=[24 * mm, 80 * mm, 55 * mm, 15 * mm])
        grid.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), register_fonts()[0], 9),
                                  ("GRID", (0, 0), (-1, -1), 0.3, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(grid)
    supervised = teacher.supervised(session, person.school_id, person.id)
    if supervised:
        story.append(_p(_("Achievements of supervised students"), styles["h1"]))
        for entry, student in supervised:
            story.append(_p(f"{entry.happened_on.strftime('%d.%m.%Y')} · {student.full_name} · {entry.title} · "
                            f"{labels.level(entry.level)} · {labels.result(entry.result)}", styles["p"]))
    return _build(story, _("Attestation summary"))
