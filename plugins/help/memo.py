"""The one-page memo for guardians that goes with the credential slips: how to sign in, change the
password, read the diary, and whom to ask. The wording lives in ``guides/memo_guardian.md`` next to
the guides (a school edits it like a guide); this module only lays it out on A4 with DejaVu fonts."""
from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

from core.toolkit import register_fonts

MEMO_SOURCE = Path(__file__).resolve().parent / "guides" / "memo_guardian.md"


def memo_pdf(*, school_name: str, site_url: str) -> bytes:
    """The memo as PDF bytes. ``{site}`` and ``{school}`` in the text become the school's values.

    The source is a small Markdown subset: ``# title``, ``## heading``, ``- item`` and paragraphs.
    """
    sans, bold = register_fonts()
    title_style = ParagraphStyle("t", fontName=bold, fontSize=16, leading=20, spaceAfter=4 * mm)
    head_style = ParagraphStyle("h", fontName=bold, fontSize=11.5, leading=14, spaceBefore=3 * mm, spaceAfter=1 * mm)
    text_style = ParagraphStyle("p", fontName=sans, fontSize=10, leading=13)
    flow: list = []
    items: list = []

    def flush() -> None:
        if items:
            flow.append(ListFlowable([ListItem(i, leftIndent=10) for i in items], bulletType="bullet",
                                     start="•", leftIndent=10, bulletFontName=sans))
            items.clear()

    values = {"site": site_url, "school": school_name}
    for raw in MEMO_SOURCE.read_text(encoding="utf-8").splitlines():
        line = escape(raw.strip()).replace("{site}", escape(values["site"])).replace(
            "{school}", escape(values["school"]))
        if not line:
            flush()
            continue
        if line.startswith("## "):
            flush()
            flow.append(Paragraph(line[3:], head_style))
        elif line.startswith("# "):
            flush()
            flow.append(Paragraph(line[2:], title_style))
        elif line.startswith("- "):
            items.append(Paragraph(line[2:], text_style))
        else:
            flush()
            flow.append(Paragraph(line, text_style))
            flow.append(Spacer(1, 1.5 * mm))
    flush()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title="Памятка для родителей", author=school_name)
    doc.build(flow)
    return buffer.getvalue()
