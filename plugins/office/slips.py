"""Printable credential slips: ten per A4 page, dashed cut lines, Cyrillic through DejaVu fonts."""
from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from core.toolkit import gendered
from core.toolkit import register_fonts as core_fonts
from plugins.office.passwords import IssuedCredential

FONT_DIRS = (Path(__file__).resolve().parent / "fonts", Path("/usr/share/fonts/truetype/dejavu"))
SANS, SANS_BOLD = "DejaVuSans", "DejaVuSans-Bold"  # the names core.toolkit.register_fonts() registers
MONO = "DejaVuSansMono-Bold"  # logins and passwords: every character distinct and the same width
COLUMNS, ROWS = 2, 5
MARGIN = 10 * mm


def register_fonts() -> tuple[str, str, str]:
    """The core's DejaVu Sans (regular, bold) and the plugin's monospaced bold; returns their names."""
    sans, bold = core_fonts()
    if MONO not in pdfmetrics.getRegisteredFontNames():
        for folder in FONT_DIRS:
            path = folder / f"{MONO}.ttf"
            if path.exists():
                pdfmetrics.registerFont(TTFont(MONO, str(path)))
                break
        else:
            raise FileNotFoundError(f"font {MONO}.ttf not found in {', '.join(map(str, FONT_DIRS))}")
    return sans, bold, MONO


def _fit(c: canvas.Canvas, text: str, font: str, size: float, width: float) -> float:
    """The largest size up to ``size`` at which ``text`` fits ``width`` (long names stay on the slip)."""
    while size > 6 and c.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def slips_pdf(slips: Sequence[IssuedCredential], *, school_name: str, site_url: str, texts: dict[str, str]) -> bytes:
    """The PDF of the slips. ``texts`` holds the translated labels (the caller has the request locale)."""
    register_fonts()
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    c.setTitle(texts["title"])
    c.setAuthor(school_name)
    page_w, page_h = A4
    slip_w = (page_w - 2 * MARGIN) / COLUMNS
    slip_h = (page_h - 2 * MARGIN) / ROWS
    per_page = COLUMNS * ROWS
    for index, slip in enumerate(slips):
        if index and index % per_page == 0:
            c.showPage()
        if index % per_page == 0:
            _cut_lines(c, page_w, page_h, slip_w, slip_h)
        pos = index % per_page
        x = MARGIN + (pos % COLUMNS) * slip_w
        y = page_h - MARGIN - (pos // COLUMNS + 1) * slip_h
        _slip(c, slip, x, y, slip_w, slip_h, school_name, site_url, texts)
    if not slips:
        c.setFont(SANS, 12)
        c.drawString(MARGIN, page_h - MARGIN - 12, texts["empty"])
    c.showPage()
    c.save()
    return buffer.getvalue()


def _cut_lines(c: canvas.Canvas, page_w: float, page_h: float, slip_w: float, slip_h: float) -> None:
    c.saveState()
    c.setDash(3, 3)
    c.setLineWidth(0.4)
    c.setStrokeGray(0.55)
    for col in range(COLUMNS + 1):
        x = MARGIN + col * slip_w
        c.line(x, MARGIN, x, page_h - MARGIN)
    for row in range(ROWS + 1):
        y = MARGIN + row * slip_h
        c.line(MARGIN, y, page_w - MARGIN, y)
    c.setFont(SANS, 7)
    c.setFillGray(0.45)
    c.drawString(MARGIN, MARGIN - 7, "✂")
    c.restoreState()


def _slip(c: canvas.Canvas, slip: IssuedCredential, x: float, y: float, w: float, h: float, school_name: str,
          site_url: str, texts: dict[str, str]) -> None:
    pad = 5 * mm
    inner = w - 2 * pad
    top = y + h - pad
    c.setFillGray(0.35)
    size = _fit(c, school_name, SANS, 7.5, inner)
    c.setFont(SANS, size)
    c.drawString(x + pad, top - 7, school_name)
    c.setFillGray(0)
    c.setFont(SANS_BOLD, 8.5)
    c.drawString(x + pad, top - 19, texts["title"])
    # A guardian's slip names the guardian after «Родитель:» and the children on the line below, so nobody
    # reads a child's name as the account holder's.
    name = f"{texts['guardian_label']}: {slip.full_name}" if slip.role == "guardian" else slip.full_name
    size = _fit(c, name, SANS_BOLD, 11, inner)
    c.setFont(SANS_BOLD, size)
    c.drawString(x + pad, top - 34, name)
    if slip.role == "student":
        who = f"{texts['student']}, {slip.class_name}"
    elif slip.role == "guardian":
        label = (texts["children"] if len(slip.children) > 1
                 else gendered(slip.children[0] if slip.children else "", texts["child"], texts["child_f"]))
        who = f"{label}: {', '.join(slip.children)}, {slip.class_name}"
    else:
        who = texts["staff"]
    size = _fit(c, who, SANS, 8.5, inner)
    c.setFont(SANS, size)
    c.drawString(x + pad, top - 46, who)
    value_x = x + pad + max(c.stringWidth(texts["login"], SANS, 9),
                            c.stringWidth(texts["password"], SANS, 9)) + 3 * mm
    # Label, then its value: the order a screen reader or a text extractor reads them in.
    c.setFont(SANS, 9)
    c.drawString(x + pad, top - 64, texts["login"])
    size = _fit(c, slip.login, MONO, 12, x + w - pad - value_x)
    c.setFont(MONO, size)
    c.drawString(value_x, top - 64, slip.login)
    c.setFont(SANS, 9)
    c.drawString(x + pad, top - 80, texts["password"])
    c.setFont(MONO, 12)
    c.drawString(value_x, top - 80, slip.password)
    c.setFont(SANS, 7.5)
    c.drawString(x + pad, top - 96, f"{texts['site']}: {site_url}")
    c.setFillGray(0.3)
    text = c.beginText(x + pad, top - 107)
    text.setFont(SANS, 6.8)
    for line in _wrap(c, texts["hint"], SANS, 6.8, inner):
        text.textLine(line)
    c.drawText(text)
    c.setFillGray(0)


def _wrap(c: canvas.Canvas, text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if c.stringWidth(trial, font, size) <= width:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines[:3]
