"""A report result as a file: XLSX (XlsxWriter: a title row, a frozen header, column widths, number
formats, native charts) and PDF (reportlab: DejaVu fonts for Cyrillic, landscape A4 for wide tables, the
header row repeated on every page, «стр. N из M»). Both read the same result as the page does."""
from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from core.toolkit import xlsx_workbook
from plugins.reports.result import DATE, FLOAT, INT, MARK, PERCENT, Column, ReportResult, Table

HEADER_ROW = 3  # 0-based row of a table sheet's header: title, subtitle, a blank line, then the header


def display(value: Any, type_: str, decimals: int = 2) -> str:
    """A value as the page and the PDF show it: Russian decimal comma, dates as 01.09.2026, dashes for none."""
    if value is None or value == "":
        return "—" if type_ in (INT, FLOAT, PERCENT) else ""
    if type_ in (FLOAT, PERCENT) and isinstance(value, int | float):
        return f"{value:.{decimals}f}".replace(".", ",")
    if type_ == DATE and isinstance(value, date | datetime):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number_format(column: Column) -> str | None:
    if column.type == INT:
        return "0"
    if column.type in (FLOAT, PERCENT):
        return "0." + "0" * column.decimals if column.decimals else "0"
    if column.type == DATE:
        return "dd.mm.yyyy"
    if column.type == MARK:
        return "0"
    return None


def _width(table: Table, column: Column) -> float:
    if column.width:
        return float(column.width)
    longest = max([len(display(r.values.get(column.key), column.type, column.decimals)) for r in table.rows]
                  + [len(column.title) // 2 + 1, 6])
    return float(min(longest + 2, 50))


def _sheet_name(title: str, taken: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Лист"
    base, n = name, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name = base[:31 - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name


STYLE_COLORS = {"bad": ("#b42318", "#fee4e2"), "warn": ("#b54708", "#fef0c7"), "good": ("#1a7f37", "#dcfce7")}


def style_parts(style: str | None) -> list[str]:
    """A cell's style words ("bad forecast" -> ["bad", "forecast"]): a colour and the forecast's italics."""
    return (style or "").split()


def _color_of(style: str | None) -> tuple[str, str] | None:
    return next((STYLE_COLORS[p] for p in style_parts(style) if p in STYLE_COLORS), None)


def to_xlsx(result: ReportResult, meta: Mapping[str, str]) -> bytes:
    """The workbook: a "Сводка" sheet (title, parameters, key figures, notes, charts), then one sheet per table."""
    out = io.BytesIO()
    book = xlsx_workbook(out, {"default_date_format": "dd.mm.yyyy"})  # text stays text, never a formula
    book.set_properties({"title": result.title, "subject": result.subtitle, "author": meta.get("author", ""),
                         "company": meta.get("school", ""), "comments": "Klass"})
    base = {"font_name": "Arial", "font_size": 10, "valign": "top"}
    title_fmt = book.add_format({**base, "bold": True, "font_size": 14})
    sub_fmt = book.add_format({**base, "italic": True, "font_color": "#667085"})
    header_fmt = book.add_format({**base, "bold": True, "bg_color": "#eef1f6", "border": 1, "text_wrap": True,
                                  "align": "center", "valign": "vcenter"})
    formats: dict[tuple[str | None, bool, str, str], Any] = {}

    def cell_format(column: Column, total: bool, style: str) -> Any:
        key = (_number_format(column), total, style, column.type)
        if key not in formats:
            spec: dict[str, Any] = {**base, "border": 1, "border_color": "#d9dee7"}
            if key[0]:
                spec["num_format"] = key[0]
            if column.type == MARK:
                spec["align"] = "center"
            if column.type == "text":
                spec["text_wrap"] = True
            if total:
                spec.update(bold=True, bg_color="#f2f4f7")
            color = _color_of(style)
            if color is not None:
                spec.update(font_color=color[0], bg_color=color[1])
            if "forecast" in style_parts(style):
                spec.update(italic=True, **({} if color else {"font_color": "#667085"}))
            formats[key] = book.add_format(spec)
        return formats[key]

    taken: set[str] = set()
    summary = book.add_worksheet(_sheet_name(meta.get("summary_sheet", "Сводка"), taken))
    summary.write(0, 0, result.title, title_fmt)
    summary.write(1, 0, result.subtitle, sub_fmt)
    line = 3
    for label, value in (meta.get("lines") or {}).items():
        summary.write(line, 0, label, sub_fmt)
        summary.write(line, 1, value, sub_fmt)
        line += 1
    line += 1
    label_fmt = book.add_format({**base, "text_wrap": True})
    for figure in result.summary:
        column = Column(figure.key, figure.label, figure.type, figure.decimals)
        summary.write(line, 0, figure.label, label_fmt)
        _write(summary, line, 1, figure.value, column, cell_format(column, False, ""))
        line += 1
    line += 1
    for note in result.notes:
        summary.write(line, 0, note, sub_fmt)
        line += 1
    summary.set_column(0, 0, 48)
    summary.set_column(1, 1, 16)
    line = _charts(book, summary, result, line + 1)

    for table in result.tables:
        sheet = book.add_worksheet(_sheet_name(table.title, taken))
        last = max(len(table.columns) - 1, 0)
        if last:
            sheet.merge_range(0, 0, 0, last, result.title, title_fmt)
        else:
            sheet.write(0, 0, result.title, title_fmt)
        sheet.write(1, 0, f"{table.title}. {result.subtitle}" if len(result.tables) > 1 else result.subtitle, sub_fmt)
        sheet.set_row(HEADER_ROW, 30)
        for c, column in enumerate(table.columns):
            sheet.write(HEADER_ROW, c, column.title, header_fmt)
            sheet.set_column(c, c, _width(table, column))
        row_n = HEADER_ROW + 1
        for rows, total in ((table.rows, False), (table.totals, True)):
            for row in rows:
                for c, column in enumerate(table.columns):
                    style = row.styles.get(column.key, "")
                    kind, decimals = row.format_of(column)
                    shaped = Column(column.key, column.title, kind, decimals) if kind != column.type else column
                    _write(sheet, row_n, c, row.values.get(column.key), shaped,
                           cell_format(shaped, total or row.style == "total", style))
                row_n += 1
        if not table.rows and table.empty_text:
            sheet.write(row_n, 0, table.empty_text, sub_fmt)
        sheet.freeze_panes(HEADER_ROW + 1, 0)
        if table.rows:
            sheet.autofilter(HEADER_ROW, 0, HEADER_ROW + len(table.rows), last)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.repeat_rows(HEADER_ROW)
        sheet.fit_to_pages(1, 0)
    book.close()
    return out.getvalue()


def _write(sheet: Any, row: int, col: int, value: Any, column: Column, fmt: Any) -> None:
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float) and column.type != "text":
        sheet.write_number(row, col, value, fmt)
    elif isinstance(value, datetime | date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


def _charts(book: Any, sheet: Any, result: ReportResult, line: int) -> int:
    """Native Excel charts on the summary sheet, fed from a small data block to their right."""
    data_col = 10
    for chart in result.charts:
        if not chart.labels:
            continue
        sheet.write(line, data_col, chart.title)
        for i, label in enumerate(chart.labels):
            sheet.write_string(line + 2 + i, data_col, label)
        for s_i, series in enumerate(chart.series):
            sheet.write_string(line + 1, data_col + 1 + s_i, series.name)
            for i, value in enumerate(series.values):
                if value is not None:
                    sheet.write_number(line + 2 + i, data_col + 1 + s_i, value)
        kind = {"line": {"type": "line"}, "stacked": {"type": "column", "subtype": "stacked"}}.get(
            chart.kind, {"type": "column"})
        xl = book.add_chart(kind)
        name = sheet.get_name()
        last = line + 1 + len(chart.labels)
        for s_i in range(len(chart.series)):
            col = data_col + 1 + s_i
            xl.add_series({"name": [name, line + 1, col], "categories": [name, line + 2, data_col, last, data_col],
                           "values": [name, line + 2, col, last, col]})
        xl.set_title({"name": chart.title, "name_font": {"size": 11}})
        xl.set_legend({"position": "bottom"} if len(chart.series) > 1 else {"none": True})
        xl.set_size({"width": 640, "height": 300})
        sheet.insert_chart(line, 3, xl)
        line += max(17, len(chart.labels) + 3)
    return line


# --- PDF ---------------------------------------------------------------------------------------------------

def to_pdf(result: ReportResult, meta: Mapping[str, str]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.fonts import tt2ps
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    from core.toolkit import register_fonts
    from plugins.reports.charts import to_drawing

    font, bold = register_fonts()
    widest = max((sum(_width(t, c) for c in t.columns) for t in result.tables), default=0)
    wide = widest > 95 or any(len(t.columns) > 9 for t in result.tables)
    pagesize = landscape(A4) if wide else A4
    margin = 12 * mm
    frame_w = pagesize[0] - 2 * margin
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=pagesize, leftMargin=margin, rightMargin=margin, topMargin=margin,
                            bottomMargin=14 * mm, title=result.title, author=meta.get("author", ""),
                            subject=result.subtitle, creator="Klass")
    title_style = ParagraphStyle("title", fontName=bold, fontSize=14, leading=17, spaceAfter=3)
    sub_style = ParagraphStyle("sub", fontName=font, fontSize=9.5, leading=12, textColor=colors.HexColor("#475467"))
    heading = ParagraphStyle("h2", fontName=bold, fontSize=11.5, leading=14, spaceBefore=8, spaceAfter=4)
    note_style = ParagraphStyle("note", fontName=font, fontSize=8, leading=10, textColor=colors.HexColor("#475467"))

    def esc(text: Any) -> str:
        return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    story: list[Any] = [Paragraph(esc(result.title), title_style), Paragraph(esc(result.subtitle), sub_style)]
    for label, value in (meta.get("lines") or {}).items():
        story.append(Paragraph(f"{esc(label)}: {esc(value)}", sub_style))
    story.append(Spacer(1, 6))
    if result.summary:
        cell = ParagraphStyle("fig", fontName=font, fontSize=9, leading=11)
        pairs = [[Paragraph(esc(f.label), cell), display(f.value, f.type, f.decimals)] for f in result.summary]
        half = (len(pairs) + 1) // 2
        cols = 2 if wide and len(pairs) > 6 else 1
        rows = ([left + (pairs[half + i] if half + i < len(pairs) else ["", ""]) for i, left in enumerate(pairs[:half])]
                if cols == 2 else pairs)
        label_w = 70 * mm
        widths = [label_w, 22 * mm] * cols
        fig_table = PdfTable(rows, colWidths=widths, hAlign="LEFT")
        fig_table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 9), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                       ("ALIGN", (1, 0), (1, -1), "RIGHT"), ("ALIGN", (3, 0), (3, -1), "RIGHT"),
                                       ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#e4e7ec")),
                                       ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
        story += [fig_table, Spacer(1, 6)]
    per_row = 2 if wide and len(result.charts) > 1 else 1
    chart_w = min((frame_w - 6 * mm * (per_row - 1)) / per_row, 170 * mm)
    for i in range(0, len(result.charts), per_row):
        drawings = [to_drawing(c, chart_w, font, bold) for c in result.charts[i:i + per_row]]
        row = PdfTable([drawings], colWidths=[chart_w + 6 * mm] * len(drawings), hAlign="LEFT")
        row.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [KeepTogether([row]), Spacer(1, 4)]

    for table in result.tables:
        story.append(Paragraph(esc(table.title), heading))
        if not table.rows and not table.totals:
            story.append(Paragraph(esc(table.empty_text or "—"), sub_style))
            continue
        size = 7.5 if len(table.columns) > 12 else 8.5
        text = ParagraphStyle("td", fontName=font, fontSize=size, leading=size + 1.5)
        text_bold = ParagraphStyle("tdb", parent=text, fontName=bold)
        widths = [_width(table, c) for c in table.columns]
        scale = frame_w / sum(widths)
        col_w, head_size = fit_header_words([c.title for c in table.columns], [w * scale for w in widths], bold,
                                            size - 0.5, padding=5)
        # Headers wrap between words only («Посещаемость» is never cut into «Посещаемо/сть»): the columns are
        # at least as wide as their longest header word (fit_header_words), and long words are not split.
        head = ParagraphStyle("th", fontName=bold, fontSize=head_size, leading=head_size + 1.5, alignment=TA_CENTER,
                              splitLongWords=0)
        grid = [[Paragraph(esc(c.title), head) for c in table.columns]]
        commands: list[tuple[Any, ...]] = [
            ("FONT", (0, 0), (-1, -1), font, size), ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#98a2b3")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f6")),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 2.5), ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ]
        for rows, total in ((table.rows, False), (table.totals, True)):
            for row in rows:
                r = len(grid)
                is_total = total or row.style == "total"
                cells = []
                for c, column in enumerate(table.columns):
                    shown = esc(display(row.values.get(column.key), *row.format_of(column)))
                    if column.type == "text":
                        cells.append(Paragraph(shown, text_bold if is_total else text))
                    else:
                        cells.append(shown)
                        commands.append(("ALIGN", (c, r), (c, r), "CENTER" if column.type == MARK else "RIGHT"))
                    style = row.styles.get(column.key)
                    color = _color_of(style)
                    if color is not None:
                        commands.append(("BACKGROUND", (c, r), (c, r), colors.HexColor(color[1])))
                        commands.append(("TEXTCOLOR", (c, r), (c, r), colors.HexColor(color[0])))
                    if "forecast" in style_parts(style):
                        # The footnote says forecasts are in italics: the family's italic face (core.pdf).
                        commands.append(("FONT", (c, r), (c, r), tt2ps(font, 0, 1), size))
                        if color is None:
                            commands.append(("TEXTCOLOR", (c, r), (c, r), colors.HexColor("#667085")))
                if is_total:
                    commands.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor("#f2f4f7")))
                    commands.append(("FONT", (0, r), (-1, r), bold, size))
                grid.append(cells)
        pdf_table = PdfTable(grid, colWidths=col_w, repeatRows=1, hAlign="LEFT")
        pdf_table.setStyle(TableStyle(commands))
        story.append(pdf_table)
    if result.notes:
        story.append(Spacer(1, 6))
        story += [Paragraph(esc(n), note_style) for n in result.notes]

    footer = meta.get("footer", "")
    page_of = meta.get("page_of", "стр. %(page)s из %(pages)s")

    def make_canvas(*args: Any, **kwargs: Any) -> Any:
        return _NumberedCanvas(*args, font=font, footer=footer, page_of=page_of, **kwargs)

    doc.build(story, canvasmaker=make_canvas)
    return out.getvalue()


def fit_header_words(titles: list[str], widths: list[float], font: str, size: float, *,
                     padding: float) -> tuple[list[float], float]:
    """Column widths (same total) where each header's longest word fits whole, and the header font size.

    Narrow columns are widened to their longest word, taking the room from columns with some to spare;
    when even that is not enough the header font shrinks (down to 5 pt).
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth

    total = sum(widths)
    while True:
        need = [max((stringWidth(w, font, size) for w in t.split()), default=0) + padding + 1 for t in titles]
        if sum(need) <= total or size <= 5:
            break
        size -= 0.5
    fitted = [max(w, n) for w, n in zip(widths, need, strict=True)]
    extra = sum(fitted) - total
    spare = [f - n for f, n in zip(fitted, need, strict=True)]
    room = sum(spare)
    if extra > 0 and room > 0:
        fitted = [f - extra * s / room for f, s in zip(fitted, spare, strict=True)]
    return fitted, size


def _numbered_canvas_class() -> type:
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        """Writes «стр. N из M» once the number of pages is known (pages are kept until the end)."""

        def __init__(self, *args: Any, font: str, footer: str, page_of: str, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []
            self._font, self._footer, self._page_of = font, footer, page_of

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                width, _height = self._pagesize
                self.setFont(self._font, 7.5)
                self.setFillGray(0.4)
                self.drawString(34, 22, self._footer)
                self.drawRightString(width - 34, 22, self._page_of % {"page": self._pageNumber, "pages": total})
                super().showPage()
            super().save()

    return NumberedCanvas


def _NumberedCanvas(*args: Any, **kwargs: Any) -> Any:  # noqa: N802
    return _numbered_canvas_class()(*args, **kwargs)
