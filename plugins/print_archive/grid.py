"""A fast ruled grid for the printed journal: a platypus flowable that splits across pages and repeats
its header, drawn with one text object and one line path per page.

reportlab's ``Table`` styles and draws every cell separately; a school's year-end print has some
half a million grid cells, and this flowable draws them several times faster (bench/print_archive.py).
Text does not wrap in body cells (marks, numbers, names); a text too wide for its cell is set smaller.
Header cells wrap and may span columns and rows.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

PAD = 1.5


@dataclass(frozen=True)
class HeaderCell:
    text: str
    colspan: int = 1
    rowspan: int = 1


class Grid(Flowable):
    """Students (or any rows) down, columns across; ``header`` rows repeat on every page."""

    def __init__(self, widths: Sequence[float], header: list[list[HeaderCell]], rows: list[list[str]], *,
                 font: str, bold: str, size: float, left_columns: Sequence[int] = (1,),
                 shaded: set[tuple[int, int]] | None = None, thick_after: Sequence[int] = (),
                 row_height: float | None = None, header_fill: colors.Color = colors.Color(0.93, 0.93, 0.93)) -> None:
        super().__init__()
        self.widths = list(widths)
        self.header = header
        self.rows = rows
        self.font, self.bold, self.size = font, bold, size
        self.left_columns = set(left_columns)
        self.shaded = shaded or set()
        self.thick_after = list(thick_after)
        self.row_height = row_height or size * 1.25 + 2 * PAD + 1
        self.header_fill = header_fill
        self.hAlign = "LEFT"
        self.x = [0.0]
        for w in self.widths:
            self.x.append(self.x[-1] + w)
        self._layout_header()

    # --- layout ----------------------------------------------------------------------------------------
    def _layout_header(self) -> None:
        """Place header cells (row, col, colspan, rowspan, lines) and size the header rows."""
        covered: set[tuple[int, int]] = set()
        self.cells: list[tuple[int, int, int, int, list[str]]] = []
        self.cell_sizes: list[float] = []
        heights = [self.row_height] * len(self.header)
        leading = self.size * 1.15
        for r, row in enumerate(self.header):
            c = 0
            for cell in row:
                while (r, c) in covered:
                    c += 1
                width = self.x[c + cell.colspan] - self.x[c] - 2 * PAD
                lines = simpleSplit(cell.text, self.bold, self.size, max(width, 1)) if cell.text else []
                widest = max((stringWidth(line, self.bold, self.size) for line in lines), default=0)
                # A word longer than its narrow column is set smaller rather than run over the rules.
                size = max(3.5, self.size * width / widest) if widest > width else self.size
                self.cells.append((r, c, cell.colspan, cell.rowspan, lines))
                self.cell_sizes.append(size)
                for rr in range(r, r + cell.rowspan):
                    for cc in range(c, c + cell.colspan):
                        covered.add((rr, cc))
                if cell.rowspan == 1:
                    heights[r] = max(heights[r], len(lines) * leading + 2 * PAD + 1)
                c += cell.colspan
        for r, _c, _cs, rs, lines in self.cells:  # a cell over several rows: grow the last of them if needed
            need = len(lines) * leading + 2 * PAD + 1
            have = sum(heights[r:r + rs])
            if need > have:
                heights[r + rs - 1] += need - have
        self.header_heights = heights
        self.header_height = sum(heights)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = self.x[-1]
        self.height = self.header_height + len(self.rows) * self.row_height
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        fit = int((avail_height - self.header_height) // self.row_height)
        if fit <= 0 or fit >= len(self.rows):
            return [] if fit <= 0 else [self]
        return [self._part(0, fit), self._part(fit, len(self.rows))]

    def _part(self, start: int, end: int) -> Grid:
        part = Grid(self.widths, self.header, self.rows[start:end], font=self.font, bold=self.bold,
                    size=self.size, left_columns=tuple(self.left_columns),
                    shaded={(r - start, c) for r, c in self.shaded if start <= r < end},
                    thick_after=self.thick_after, row_height=self.row_height, header_fill=self.header_fill)
        return part

    # --- drawing -----------------------------------------------------------------------------------------
    def draw(self) -> None:
        canvas = self.canv
        top = self.height
        body_top = top - self.header_height
        bottom = body_top - len(self.rows) * self.row_height
        width = self.x[-1]
        canvas.saveState()
        canvas.setFillColor(self.header_fill)
        canvas.rect(0, body_top, width, self.header_height, stroke=0, fill=1)
        if self.shaded:
            canvas.setFillColor(colors.Color(0.85, 0.85, 0.85))
            for r, c in self.shaded:
                canvas.rect(self.x[c], body_top - (r + 1) * self.row_height, self.widths[c], self.row_height,
                            stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        canvas.setStrokeColor(colors.black)
        canvas.setLineWidth(0.3)
        # The body: one grid of lines; the header: each cell's box (spans make it irregular).
        ys = [body_top - i * self.row_height for i in range(len(self.rows) + 1)]
        if self.rows:
            canvas.grid(self.x, ys)
        row_tops = [top]
        for h in self.header_heights:
            row_tops.append(row_tops[-1] - h)
        path = canvas.beginPath()
        for r, c, cs, rs, _lines in self.cells:
            x0, x1 = self.x[c], self.x[c + cs]
            y0, y1 = row_tops[r + rs], row_tops[r]
            path.rect(x0, y0, x1 - x0, y1 - y0)
        canvas.drawPath(path, stroke=1, fill=0)
        if self.thick_after:
            canvas.setLineWidth(1)
            for c in self.thick_after:
                canvas.line(self.x[c + 1], top, self.x[c + 1], bottom)

        text = canvas.beginText()
        leading = self.size * 1.15
        for (r, c, cs, rs, lines), size in zip(self.cells, self.cell_sizes, strict=True):
            if not lines:
                continue
            text.setFont(self.bold, size)
            x0, x1 = self.x[c], self.x[c + cs]
            y_mid = (row_tops[r] + row_tops[r + rs]) / 2
            y = y_mid + (len(lines) * leading) / 2 - self.size * 0.95
            for line in lines:
                w = stringWidth(line, self.bold, size)
                text.setTextOrigin((x0 + x1 - w) / 2, y)
                text.textOut(line)
                y -= leading
        text.setFont(self.font, self.size)
        current = self.size
        widths: dict[tuple[str, float], float] = {}
        offset = (self.row_height - self.size * 0.72) / 2
        for i, row in enumerate(self.rows):
            y = body_top - (i + 1) * self.row_height + offset
            for c, value in enumerate(row):
                if not value:
                    continue
                room = self.widths[c] - 2 * PAD
                size = self.size
                w = widths.get((value, size))
                if w is None:
                    w = widths[(value, size)] = stringWidth(value, self.font, size)
                if w > room:
                    size = max(3.5, size * room / w)
                    w = stringWidth(value, self.font, size)
                if size != current:
                    text.setFont(self.font, size)
                    current = size
                x = self.x[c] + PAD if c in self.left_columns else self.x[c] + (self.widths[c] - w) / 2
                text.setTextOrigin(x, y)
                text.textOut(value)
        canvas.drawText(text)
        canvas.restoreState()
