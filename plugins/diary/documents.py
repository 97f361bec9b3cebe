"""Printed documents for families: the paper statement (выписка) and the information letter
(информационное письмо), one A4 page per student, a whole class in one PDF.

The figures come from the same rules as the screens (the gradebook's ``averages``: the shown average and
the forecast that follows from it,
the attendance plugin's summary); the data of a whole class is read in a handful of queries.
"""
from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import School, SchoolClass, Subject, Term, User, register_fonts
from plugins.attendance.public import AttendanceSummary, summarize
from plugins.diary.models import Remark
from plugins.gradebook.averages import Average, average_of
from plugins.gradebook.public import FinalMark, Lesson, Mark


@dataclass(frozen=True)
class DocSettings:
    gradebook: Mapping[str, Any]
    attendance: Mapping[str, Any]
    diary: Mapping[str, Any]


def settings_from_app() -> DocSettings:
    from core.toolkit import plugin_settings

    return DocSettings(plugin_settings("gradebook"), plugin_settings("attendance"), plugin_settings("diary"))


@dataclass
class SubjectLine:
    subject: str
    marks: list[str] = field(default_factory=list)
    raw: list[tuple[str, float | None, str]] = field(default_factory=list)
    average: Average | None = None
    finals: list[tuple[str, str]] = field(default_factory=list)  # (term title, mark)


@dataclass
class StudentReport:
    id: int
    name: str
    subjects: list[SubjectLine]
    attendance: AttendanceSummary
    remarks: list[tuple[date, str, str]]  # (day, kind, text)


@dataclass
class ClassReport:
    school: str
    class_name: str
    class_teacher: str
    start: date
    end: date
    students: list[StudentReport]


def collect(session: Session, school_id: int, class_id: int, student_ids: Sequence[int], start: date, end: date,
            settings: DocSettings) -> ClassReport:
    """Everything the documents print for some students of one class between two dates (7 queries)."""
    school = session.get(School, school_id)
    school_class = session.get(SchoolClass, class_id)
    teacher = session.get(User, school_class.class_teacher_id) if school_class and school_class.class_teacher_id else None
    names = {i: " ".join(p for p in (last, first, middle) if p) for i, last, first, middle in session.execute(
        select(User.id, User.last_name, User.first_name, User.middle_name)
        .where(User.id.in_(student_ids), User.school_id == school_id))}
    ids = sorted(names, key=lambda i: (names[i], i))
    lines: dict[int, dict[str, SubjectLine]] = defaultdict(dict)
    for student_id, subject, value, numeric, work_type in session.execute(
            select(Mark.student_id, Subject.name, Mark.value, Mark.numeric, Mark.work_type)
            .join(Lesson, Lesson.id == Mark.lesson_id).join(Subject, Subject.id == Lesson.subject_id)
            .where(Mark.student_id.in_(ids), Lesson.date >= start, Lesson.date <= end)
            .order_by(Lesson.date, Lesson.number, Mark.id)):
        line = lines[student_id].setdefault(subject, SubjectLine(subject))
        line.marks.append(value)
        line.raw.append((value, numeric, work_type))
    for student_id, subject, title, value in session.execute(
            select(FinalMark.student_id, Subject.name, Term.title, FinalMark.value)
            .join(Subject, Subject.id == FinalMark.subject_id).join(Term, Term.id == FinalMark.term_id)
            .where(FinalMark.student_id.in_(ids), Term.ends_on >= start, Term.ends_on <= end)
            .order_by(Term.number)):
        lines[student_id].setdefault(subject, SubjectLine(subject)).finals.append((title, value))
    attendance = summarize(session, settings.attendance, class_id, ids, start, end)
    remarks: dict[int, list[tuple[date, str, str]]] = defaultdict(list)
    for student_id, day, kind, text in session.execute(
            select(Remark.student_id, Remark.day, Remark.kind, Remark.text)
            .where(Remark.student_id.in_(ids), Remark.day >= start, Remark.day <= end)
            .order_by(Remark.day, Remark.id)):
        remarks[student_id].append((day, kind, text))
    students = []
    for student_id in ids:
        subjects = sorted(lines[student_id].values(), key=lambda s: s.subject)
        for line in subjects:
            line.average = average_of(line.raw, settings.gradebook)
        students.append(StudentReport(student_id, names[student_id], subjects,
                                      attendance.get(student_id) or AttendanceSummary(student_id),
                                      remarks[student_id]))
    return ClassReport(school=school.name if school else "", class_name=school_class.name if school_class else "",
                       class_teacher=teacher.full_name if teacher else "", start=start, end=end, students=students)


# --- drawing -----------------------------------------------------------------------------------------

def _styles() -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle

    font, bold = register_fonts()
    return {
        "small": ParagraphStyle("small", fontName=font, fontSize=8, leading=10),
        "body": ParagraphStyle("body", fontName=font, fontSize=10, leading=13),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9, leading=11),
        "head": ParagraphStyle("head", fontName=bold, fontSize=9, leading=11),
        "title": ParagraphStyle("title", fontName=bold, fontSize=14, leading=18, spaceAfter=4),
        "name": ParagraphStyle("name", fontName=bold, fontSize=12, leading=15),
        "bold": ParagraphStyle("bold", fontName=bold, fontSize=10, leading=13),
    }


def _esc(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(text or "")


def _period(start: date, end: date) -> str:
    from flask_babel import format_date
    from flask_babel import gettext as _

    return _("from %(start)s to %(end)s", start=format_date(start, "d MMMM yyyy"), end=format_date(end, "d MMMM yyyy"))


def _marks_table(report: StudentReport, st: dict[str, Any], width: float, letter: bool) -> Any:
    from flask_babel import gettext as _
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    head = [Paragraph(_("Subject"), st["head"]), Paragraph(_("Marks received"), st["head"]),
            Paragraph(_("Average"), st["head"]),
            Paragraph(_("Forecast") if letter else _("Final marks of terms"), st["head"])]
    if letter:
        head.append(Paragraph(_("Final marks of terms"), st["head"]))
    rows = [head]
    for line in report.subjects:
        finals = ", ".join(f"{_esc(t)}: {_esc(v)}" for t, v in line.finals)
        row = [Paragraph(_esc(line.subject), st["cell"]), Paragraph(_esc(" ".join(line.marks)) or "—", st["cell"]),
               Paragraph(line.average.text if line.average else "—", st["cell"])]
        if letter:
            forecast = line.average.forecast if line.average else None
            row += [Paragraph(str(forecast) if forecast is not None else "—", st["cell"]),
                    Paragraph(finals or "—", st["cell"])]
        else:
            row.append(Paragraph(finals or "—", st["cell"]))
        rows.append(row)
    if len(rows) == 1:
        rows.append([Paragraph(_("There are no marks for this period."), st["cell"])] + [""] * (len(head) - 1))
    widths = [0.24, 0.41, 0.17, 0.18] if not letter else [0.22, 0.33, 0.17, 0.12, 0.16]
    table = Table(rows, colWidths=[width * w for w in widths], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def _attendance_text(a: AttendanceSummary) -> str:
    from flask_babel import gettext as _

    return _("Lessons missed: %(missed)d, of them for a valid reason: %(excused)d, without a valid reason: "
             "%(unexcused)d; late arrivals: %(late)d.", missed=a.missed, excused=a.excused, unexcused=a.unexcused,
             late=a.late)


def _remark_lines(report: StudentReport, st: dict[str, Any], limit: int = 8) -> list[Any]:
    from flask_babel import format_date
    from reportlab.platypus import Paragraph

    from plugins.diary.mail_text import remark_kind_title

    out = []
    for day, kind, text in report.remarks[-limit:]:
        out.append(Paragraph(f"{format_date(day, 'dd.MM.yyyy')} — <b>{_esc(remark_kind_title(kind))}</b>: "
                             f"{_esc(text)}", st["cell"]))
    return out


def _page(flowables: list[Any], width: float, height: float) -> Any:
    from reportlab.platypus import KeepInFrame

    return KeepInFrame(width, height, flowables, mode="shrink")


def _build(pages: list[list[Any]], title: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, SimpleDocTemplate

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=12 * mm,
                            bottomMargin=12 * mm, title=title, author="Klass")
    story: list[Any] = []
    for n, page in enumerate(pages):
        if n:
            story.append(PageBreak())
        story.append(_page(page, doc.width, doc.height - 1))
    doc.build(story)
    return buffer.getvalue()


def statement_pdf(session: Session, school_id: int, class_id: int, student_ids: Sequence[int], start: date,
                  end: date, settings: DocSettings) -> bytes:
    """Paper statements: one page per student with marks, averages, absences, remarks and signatures."""
    from flask_babel import gettext as _
    from reportlab.platypus import Paragraph, Spacer

    report = collect(session, school_id, class_id, student_ids, start, end, settings)
    st = _styles()
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    width = A4[0] - 30 * mm
    pages = []
    for student in report.students:
        page = [
            Paragraph(_esc(report.school), st["small"]),
            Paragraph(_("Statement from the electronic diary"), st["title"]),
            Paragraph(_esc(student.name), st["name"]),
            Paragraph(_("Class %(class_name)s, %(period)s", class_name=report.class_name,
                        period=_period(report.start, report.end)), st["body"]),
            Spacer(1, 6),
            _marks_table(student, st, width, letter=False),
            Spacer(1, 6),
            Paragraph(_("Attendance"), st["bold"]),
            Paragraph(_attendance_text(student.attendance), st["body"]),
        ]
        if student.remarks:
            page += [Spacer(1, 4), Paragraph(_("Teachers' notes"), st["bold"]), *_remark_lines(student, st)]
        page += _signatures(report, st, _("I have read this statement (guardian)"))
        pages.append(page)
    if not pages:
        pages.append([Paragraph(_("No students selected."), st["body"])])
    return _build(pages, _("Statements from the electronic diary"))


def _signatures(report: ClassReport, st: dict[str, Any], read_label: str) -> list[Any]:
    from flask_babel import gettext as _
    from reportlab.platypus import Paragraph, Spacer

    teacher = _esc(report.class_teacher) or "____________________"
    return [
        Spacer(1, 14),
        Paragraph(_("Class teacher") + f": ____________________ / {teacher} /", st["body"]),
        Spacer(1, 10),
        Paragraph(read_label + ": ____________________ / ____________________ /", st["body"]),
        Spacer(1, 6),
        Paragraph(_("Date") + ": «____» ____________ 20____", st["body"]),
    ]


def letter_pdf(session: Session, school_id: int, student_ids: Sequence[int], term_id: int, note: str,
               settings: DocSettings, class_id: int | None = None, today: date | None = None) -> bytes:
    """The information letter for a term: one page per student (the class is the students' own)."""
    from flask_babel import gettext as _
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    from core.toolkit import ClassMembership

    term = session.get(Term, term_id)
    if term is None or term.school_id != school_id:
        raise ValueError("unknown term")
    end = min(term.ends_on, today) if today and today >= term.starts_on else term.ends_on
    if class_id is None:
        class_id = session.scalar(select(ClassMembership.class_id).where(
            ClassMembership.student_id.in_(student_ids), ClassMembership.starts_on <= end)
            .order_by(ClassMembership.starts_on.desc()).limit(1))
    report = collect(session, school_id, class_id, student_ids, term.starts_on, end, settings)
    st = _styles()
    width = A4[0] - 30 * mm
    d = settings.diary
    pages = []
    for student in report.students:
        counts = defaultdict(int)
        for _day, kind, _text in student.remarks:
            counts[kind] += 1
        page = [
            Paragraph(_esc(report.school), st["small"]),
            Paragraph(_("Information letter for parents"), st["title"]),
            Paragraph(_esc(d["letter_greeting"]), st["bold"]),
            Spacer(1, 4),
            Paragraph(_esc(d["letter_intro"]), st["body"]),
            Spacer(1, 4),
            Paragraph(_("Student: %(name)s, class %(class_name)s. Period: %(term)s (%(period)s).",
                        name=_esc(student.name), class_name=report.class_name, term=_esc(term.title),
                        period=_period(report.start, report.end)), st["body"]),
            Spacer(1, 6),
            _marks_table(student, st, width, letter=True),
            Spacer(1, 6),
            Paragraph(_("Attendance"), st["bold"]),
            Paragraph(_attendance_text(student.attendance), st["body"]),
        ]
        if student.remarks:
            page += [Spacer(1, 4), Paragraph(_("Teachers' notes: praise %(praise)d, remarks %(concern)d, "
                                               "recommendations %(recommendation)d.", praise=counts["praise"],
                                               concern=counts["concern"],
                                               recommendation=counts["recommendation"]), st["body"]),
                     *_remark_lines(student, st, limit=5)]
        if note.strip():
            page += [Spacer(1, 6), Paragraph(_("From the class teacher"), st["bold"]),
                     Paragraph(_esc(note.strip()).replace("\n", "<br/>"), st["body"])]
        page += [Spacer(1, 6), Paragraph(_esc(d["letter_closing"]), st["body"])]
        page += _signatures(report, st, _("I have read this letter (guardian)"))
        pages.append(page)
    if not pages:
        pages.append([Paragraph(_("No students selected."), st["body"])])
    return _build(pages, _("Information letter for parents"))
