"""The printed forms: the class journal of a year and the summary sheet of final marks (A4, reportlab).

The journal follows the paper form: for each subject (or subgroup) a spread per chunk of lessons, the
marks grid on the left page (students down, lesson dates across, absences in the cells) and the dates,
topics and homework on the right page. Every page carries its sheet number; the last page carries the
certification «Прошито, пронумеровано и скреплено печатью N листов» with N counted from the finished
PDF (the canvas keeps the pages until the end, so the count is exact, in one pass).
"""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import ActionFlowable

from core.toolkit import register_fonts, ru_plural
from plugins.print_archive.data import ClassYearData, StudentRow, Unit, principal_short
from plugins.print_archive.grid import Grid, HeaderCell
from plugins.print_archive.words import number_words

MARGIN = 10 * mm
HEADER = 8 * mm
NUMBER_COL = 6 * mm
NAME_COL = 40 * mm
ROMAN = ["I", "II", "III", "IV", "V", "VI"]


def sheets_for(pages: int, printing: str) -> int:
    """Sheets of paper the document takes: every page one-sided, two pages a sheet two-sided."""
    return (pages + 1) // 2 if printing == "two_sided" else pages


def date_columns(settings: dict[str, Any]) -> int:
    """How many lesson dates fit across one grid page at the configured column width."""
    width = A4[0] - 2 * MARGIN - NUMBER_COL - NAME_COL
    return max(1, int(width // (settings["date_column_mm"] * mm)))


def chunks(lessons: list[Any], size: int) -> list[list[Any]]:
    return [lessons[i:i + size] for i in range(0, len(lessons), size)] or [[]]


def cell_text(unit: Unit, student_id: int, lesson_id: int) -> str:
    """What the paper cell shows: the attendance code, then the marks («н», «5», «о 4/5»)."""
    marks = unit.marks.get((student_id, lesson_id))
    code = unit.attendance.get((student_id, lesson_id), "")
    text = "/".join(v for v, _w in marks) if marks else ""
    return f"{code} {text}".strip() if code and text else code or text


@dataclass
class RenderResult:
    pdf: bytes
    pages: int
    sheets: int


class _Styles:
    def __init__(self, size: float) -> None:
        font, bold = register_fonts()
        self.font, self.bold, self.size = font, bold, size
        self.normal = ParagraphStyle("n", fontName=font, fontSize=size, leading=size * 1.2)
        self.cell = ParagraphStyle("c", fontName=font, fontSize=size, leading=size * 1.15)
        self.small = ParagraphStyle("s", fontName=font, fontSize=size - 1, leading=(size - 1) * 1.2)
        self.caption = ParagraphStyle("h", fontName=bold, fontSize=size + 2, leading=(size + 2) * 1.3,
                                      spaceAfter=2 * mm)
        self.heading = ParagraphStyle("H", fontName=bold, fontSize=size + 5, leading=(size + 5) * 1.3,
                                      alignment=TA_CENTER, spaceAfter=4 * mm)
        self.title = ParagraphStyle("T", fontName=bold, fontSize=26, leading=32, alignment=TA_CENTER,
                                    spaceAfter=6 * mm)
        self.center = ParagraphStyle("C", fontName=font, fontSize=13, leading=18, alignment=TA_CENTER)
        self.body = ParagraphStyle("B", fontName=font, fontSize=12, leading=17)
        self.cert = ParagraphStyle("X", fontName=bold, fontSize=14, leading=20)


class _SheetCanvas(Canvas):
    """Keeps every page until ``save`` so that sheet numbers and the certification count are exact."""

    def __init__(self, *args: Any, job: _Document, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._job = job
        self._kept: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._kept.append(dict(self.__dict__))
        self.__dict__.pop("_klass_cert", None)
        self._startPage()

    def save(self) -> None:
        total = len(self._kept)
        for number, state in enumerate(self._kept, 1):
            self.__dict__.update(state)
            self._job.finish_page(self, number, total)
            Canvas.showPage(self)
        self._kept = []
        Canvas.save(self)


class _CertificationBox(Flowable):
    """Reserves the place of the certification text; the canvas writes it once the pages are counted."""

    def __init__(self, height: float) -> None:
        super().__init__()
        self.height = height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, self.height

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 0)
        self.canv._klass_cert = (x, y, self.width, self.height)  # type: ignore[attr-defined]


class _EvenPage(ActionFlowable):
    """Two-sided printing: start a spread on an even (left-hand) page so its two halves face each other."""

    def apply(self, doc: Any) -> None:
        if doc.page % 2 == 1:
            doc.handle_pageBreak()


class _Step(ActionFlowable):
    """Reports progress when the renderer reaches this point of the document."""

    def __init__(self, callback: Callable[[str], None], message: str) -> None:
        super().__init__()
        self.callback, self.message = callback, message

    def apply(self, doc: Any) -> None:
        self.callback(self.message)


class _Document:
    """One PDF being built: its story, its running header, its page finishing (sheets, certification)."""

    def __init__(self, data: ClassYearData, settings: dict[str, Any], header: str) -> None:
        self.data, self.settings, self.wording = data, settings, settings["wording"]
        self.st = _Styles(settings["font_size"])
        self.header = header
        self.story: list[Any] = []
        self.pages = 0

    # --- page furniture -----------------------------------------------------------------------------
    def _on_page(self, canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(self.st.font, 7)
        canvas.setFillColor(colors.Color(0.3, 0.3, 0.3))
        canvas.drawString(MARGIN, A4[1] - MARGIN + 1 * mm, self.header)
        canvas.restoreState()

    def finish_page(self, canvas: Canvas, number: int, total: int) -> None:
        printing = self.settings["printing"]
        sheets = sheets_for(total, printing)
        if printing == "two_sided":
            sheet = (number + 1) // 2
            label = self.wording["sheet_label" if number % 2 else "sheet_back_label"].format(n=sheet)
        else:
            label = self.wording["sheet_label"].format(n=number)
        canvas.saveState()
        canvas.setFont(self.st.bold, 9)
        canvas.drawRightString(A4[0] - MARGIN, A4[1] - MARGIN + 1 * mm, label)
        canvas.restoreState()
        box = canvas.__dict__.get("_klass_cert")
        if box:
            self._draw_certification(canvas, box, sheets)
        self.pages = total

    def _draw_certification(self, canvas: Canvas, box: tuple[float, float, float, float], sheets: int) -> None:
        w = self.wording
        x, y, width, height = box
        text = w["certification"].format(count=sheets, sheets=ru_plural(sheets, *w["sheet_forms"]),
                                         count_words=number_words(sheets))
        top = y + height
        for paragraph, gap in (
            (Paragraph(escape(text), self.st.cert), 16 * mm),
            (Paragraph(escape(w["class_teacher_signature_line"].format(name=self._class_teacher_short())),
                       self.st.body), 12 * mm),
            (Paragraph(escape(w["head_signature_line"].format(name=principal_short(self.data))), self.st.body),
             12 * mm),
            (Paragraph(escape(w["seal"]), self.st.body), 12 * mm),
            (Paragraph(escape(w["date_line"]), self.st.body), 0),
        ):
            _w, h = paragraph.wrapOn(canvas, width, height)
            paragraph.drawOn(canvas, x, top - h)
            top -= h + gap

    def _class_teacher_short(self) -> str:
        parts = self.data.class_teacher_name.split()
        if not parts:
            return ""
        return parts[0] + "".join(f" {p[0]}." for p in parts[1:3])

    # --- building blocks ------------------------------------------------------------------------------
    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(escape(text), style or self.st.normal)

    def table(self, rows: list[list[Any]], widths: list[float], header_rows: int = 1,
              extra: list[tuple[Any, ...]] | None = None, align_numbers_from: int | None = None) -> Table:
        table = Table(rows, colWidths=widths, repeatRows=header_rows, hAlign="LEFT")
        style: list[tuple[Any, ...]] = [
            ("FONT", (0, 0), (-1, -1), self.st.font, self.st.size),
            ("FONT", (0, 0), (-1, header_rows - 1), self.st.bold, self.st.size),
            ("GRID", (0, 0), (-1, -1), 0.3, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 1.5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 1.5),
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.Color(0.93, 0.93, 0.93)),
        ]
        if align_numbers_from is not None:
            style.append(("ALIGN", (align_numbers_from, 0), (-1, -1), "CENTER"))
        table.setStyle(TableStyle(style + (extra or [])))
        return table

    def fit(self, text: str, width: float) -> Any:
        """A plain string when it fits on one line (fast), a wrapping paragraph otherwise."""
        if not text:
            return ""
        if stringWidth(text, self.st.font, self.st.size) <= width - 3.5:
            return text
        return Paragraph(escape(text), self.st.cell)

    def render(self) -> RenderResult:
        buffer = io.BytesIO()
        doc = BaseDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                              topMargin=MARGIN + HEADER - 4 * mm, bottomMargin=MARGIN, pageCompression=1,
                              title=self.header, author=self.data.school_short_name, creator="Klass",
                              invariant=1)
        frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        doc.addPageTemplates([PageTemplate("page", [frame], onPage=self._on_page)])
        doc.build(self.story, canvasmaker=lambda *a, **k: _SheetCanvas(*a, job=self, **k))
        pdf = buffer.getvalue()
        return RenderResult(pdf, self.pages, sheets_for(self.pages, self.settings["printing"]))

    # --- sections -----------------------------------------------------------------------------------------
    def title_page(self, title: str) -> None:
        w, d, st = self.wording, self.data, self.st
        self.story += [
            Spacer(1, 35 * mm), Paragraph(escape(d.school_name), st.center), Spacer(1, 4 * mm),
            Paragraph(escape(d.school_address), st.center), Spacer(1, 30 * mm),
            Paragraph(escape(title), st.title),
            Paragraph(escape(w["journal_subtitle"]), st.center) if title == w["journal_title"] else Spacer(1, 1),
            Spacer(1, 12 * mm),
            Paragraph(escape(w["class_label"].format(grade=d.grade_level, letter=d.letter, name=d.class_name)),
                      st.title),
            Paragraph(escape(w["year_label"].format(year=d.year_title)), st.center), Spacer(1, 30 * mm),
            Paragraph(escape(f"{w['class_teacher']}: {d.class_teacher_name or '—'}"), st.body),
            Spacer(1, 4 * mm),
            Paragraph(escape(f"{w['principal']}: {d.principal_name or '—'}"), st.body),
            Spacer(1, 30 * mm),
            Paragraph(escape(self.generated_note), self.st.normal),
            PageBreak(),
        ]

    generated_note = ""

    def grid_table(self, widths: list[float], header: list[list[HeaderCell]], rows: list[list[str]], *,
                   left: tuple[int, ...] = (1,), shaded: set[tuple[int, int]] | None = None,
                   thick_after: tuple[int, ...] = ()) -> Grid:
        return Grid(widths, header, rows, font=self.st.font, bold=self.st.bold, size=self.st.size,
                    left_columns=left, shaded=shaded, thick_after=thick_after)

    def students_page(self) -> None:
        w = self.wording
        header = [[HeaderCell(w["col_number"]), HeaderCell(w["col_student"]), HeaderCell(w["col_birth_date"]),
                   HeaderCell(w["col_movement"])]]
        rows: list[list[str]] = []
        for n, s in enumerate(self.data.students, 1):
            moves = []
            if s.joined:
                moves.append(w["joined"].format(date=_d(s.joined)))
            if s.left:
                moves.append(w["left"].format(date=_d(s.left)))
            rows.append([str(n), s.full_name, _d(s.birth_date) if s.birth_date else "", ", ".join(moves)])
        self.story += [self.p(w["students_title"], self.st.heading),
                       self.grid_table([10 * mm, 95 * mm, 30 * mm, 55 * mm], header, rows, left=(1, 3)),
                       PageBreak()]

    def unit_pages(self, unit: Unit, columns: int) -> None:
        w, st = self.wording, self.st
        teachers = ", ".join(self.data.teachers.get(t, "") for t in unit.teacher_ids)
        head = f"{w['subject']}: {unit.title}  ·  {w['teacher']}: {teachers}"
        if not unit.lessons:
            self.story += [self.p(head, st.caption), self.p(w["no_lessons"]), PageBreak()]
            return
        total = len(unit.lessons)
        start = 0
        for part in chunks(unit.lessons, columns):
            span = w["lessons_range"].format(first=start + 1, last=start + len(part), total=total)
            start += len(part)
            if self.settings["printing"] == "two_sided":
                self.story.append(_EvenPage())
            self.story += [self.p(f"{head}  ·  {span}", st.caption), self.grid(unit, part), PageBreak(),
                           self.p(f"{head}  ·  {span}", st.caption), self.topics(unit, part), PageBreak()]

    def grid(self, unit: Unit, lessons: list[Any]) -> Grid:
        """The left page: students down, this chunk's lesson dates across (month over its days)."""
        w = self.wording
        col = self.settings["date_column_mm"] * mm
        months: list[HeaderCell] = []
        first = 0
        for i in range(1, len(lessons) + 1):
            if i == len(lessons) or lessons[i].date.month != lessons[first].date.month:
                months.append(HeaderCell(w["months"][lessons[first].date.month - 1], colspan=i - first))
                first = i
        header = [[HeaderCell(w["col_number"], rowspan=2), HeaderCell(w["col_student_short"], rowspan=2)] + months,
                  [HeaderCell(str(le.date.day)) for le in lessons]]
        rows: list[list[str]] = []
        shaded: set[tuple[int, int]] = set()
        for r, student in enumerate(unit.students):
            rows.append([str(r + 1), student.short_name] + [cell_text(unit, student.id, le.id) for le in lessons])
            if student.joined or student.left:
                shaded |= {(r, c) for c, le in enumerate(lessons, 2) if not _member_on(student, le.date)}
        return self.grid_table([NUMBER_COL, NAME_COL] + [col] * len(lessons), header, rows, shaded=shaded)

    def topics(self, unit: Unit, lessons: list[Any]) -> Table:
        w = self.wording
        width = A4[0] - 2 * MARGIN
        widths = [14 * mm, (width - 14 * mm) * 0.56, (width - 14 * mm) * 0.44]
        main = set(unit.teacher_ids)
        rows: list[list[Any]] = [[w["col_date"], w["col_topic"], w["col_homework"]]]
        for le in lessons:
            topic = le.topic
            if le.teacher_id not in main:
                topic = f"{topic} ({w['substitute'].format(name=self.data.teachers.get(le.teacher_id, ''))})"
            rows.append([_d(le.date, short=True), self.fit(topic, widths[1]), self.fit(le.homework, widths[2])])
        return self.table(rows, widths, extra=[("VALIGN", (0, 0), (-1, -1), "TOP")])

    def attendance_page(self) -> None:
        """Missed lessons per student: for each term so far and the year, missed / excused / late."""
        w, d = self.wording, self.data
        periods: list[tuple[int | None, str]] = [(t.id, _roman(t.number)) for t in d.terms if t.starts_on <= d.through]
        periods.append((None, w["year_total"]))
        header = [[HeaderCell(w["col_number"], rowspan=2), HeaderCell(w["col_student_short"], rowspan=2)]
                  + [HeaderCell(label, colspan=3) for _t, label in periods],
                  [HeaderCell(t) for _p in periods for t in (w["col_missed"], w["col_excused"], w["col_late"])]]
        rows: list[list[str]] = []
        for n, s in enumerate(d.students, 1):
            row = [str(n), s.short_name]
            for tid, _label in periods:
                missed, excused, late = d.attendance_summary.get(s.id, {}).get(tid, (0, 0, 0))
                row += [str(missed), str(excused), str(late)]
            rows.append(row)
        col = (A4[0] - 2 * MARGIN - NUMBER_COL - NAME_COL) / (3 * len(periods))
        self.story += [self.p(w["attendance_title"], self.st.heading),
                       self.grid_table([NUMBER_COL, NAME_COL] + [col] * (3 * len(periods)), header, rows,
                                       thick_after=tuple(1 + 3 * (i + 1) for i in range(len(periods) - 1))),
                       PageBreak()]

    def summary_pages(self) -> None:
        """The summary sheet of final marks: students down, subjects across with each term and the year."""
        w, d = self.wording, self.data
        periods: list[tuple[int | None, str]] = [(t.id, _roman(t.number)) for t in d.terms]
        periods.append((None, w["year_mark"]))
        col = 6.5 * mm
        per = len(periods)
        available = A4[0] - 2 * MARGIN - NUMBER_COL - NAME_COL
        per_page = max(1, int(available // (col * per)))
        subjects = d.subjects or [(0, "—")]
        for start in range(0, len(subjects), per_page):
            part = subjects[start:start + per_page]
            header = [[HeaderCell(w["col_number"], rowspan=2), HeaderCell(w["col_student_short"], rowspan=2)]
                      + [HeaderCell(name, colspan=per) for _sid, name in part],
                      [HeaderCell(label) for _s in part for _t, label in periods]]
            rows = [[str(n), s.short_name] + [d.final_marks.get((s.id, sid, tid), "") for sid, _n in part
                                              for tid, _l in periods]
                    for n, s in enumerate(d.students, 1)]
            self.story += [self.p(w["summary_title"], self.st.heading),
                           self.grid_table([NUMBER_COL, NAME_COL] + [col] * (per * len(part)), header, rows,
                                           thick_after=tuple(1 + per * (i + 1) for i in range(len(part) - 1))),
                           PageBreak()]

    def extra_sections(self, sections: list[Any]) -> None:
        width = A4[0] - 2 * MARGIN
        for section in sorted(sections, key=lambda s: s.weight):
            self.story.append(self.p(str(section.title), self.st.heading))
            self.story += [self.p(str(text), self.st.body) for text in section.paragraphs]
            if section.table:
                ncols = max(len(r) for r in section.table)
                widths = [w * mm for w in section.col_widths_mm] if section.col_widths_mm else [width / ncols] * ncols
                rows = [[self.fit(str(c), widths[i]) for i, c in enumerate(r)] + [""] * (ncols - len(r))
                        for r in section.table]
                self.story.append(self.table(rows, widths))
            self.story += list(section.flowables) + [PageBreak()]

    def certification_page(self) -> None:
        """The last page: the certification, written once the pages are counted."""
        self.story += [Spacer(1, 20 * mm), _CertificationBox(140 * mm)]


def _roman(n: int) -> str:
    return ROMAN[n - 1] if 1 <= n <= len(ROMAN) else str(n)


def _d(day: date, short: bool = False) -> str:
    return day.strftime("%d.%m") if short else day.strftime("%d.%m.%Y")


def _member_on(student: StudentRow, day: date) -> bool:
    return (student.joined is None or day >= student.joined) and (student.left is None or day <= student.left)


def render_journal(data: ClassYearData, settings: dict[str, Any], sections: list[Any], *, note: str = "",
                   on_step: Callable[[str], None] | None = None) -> RenderResult:
    """The class journal of the year: title, students, subjects, attendance, extra sections, final
    marks, certification. ``on_step(message)`` is called as each subject is rendered."""
    w = settings["wording"]
    doc = _Document(data, settings, f"{data.school_short_name} · {data.class_name} · {data.year_title} · "
                                    f"{w['journal_title'].capitalize()}")
    doc.generated_note = note
    doc.title_page(w["journal_title"])
    doc.students_page()
    columns = date_columns(settings)
    for unit in data.units:
        if on_step is not None:
            doc.story.append(_Step(on_step, unit.title))
        doc.unit_pages(unit, columns)
    doc.attendance_page()
    if sections:
        doc.extra_sections(sections)
    doc.summary_pages()
    doc.certification_page()
    return doc.render()


def render_summary(data: ClassYearData, settings: dict[str, Any], *, note: str = "") -> RenderResult:
    """The summary sheet of final marks of a class for the year, as its own document."""
    w = settings["wording"]
    doc = _Document(data, settings, f"{data.school_short_name} · {data.class_name} · {data.year_title} · "
                                    f"{w['summary_title']}")
    doc.generated_note = note
    doc.title_page(w["summary_doc_title"])
    doc.summary_pages()
    doc.certification_page()
    return doc.render()
