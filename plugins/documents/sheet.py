"""The printable acquaintance sheet (лист ознакомления): the document, then one row per person with the date
of confirmation and a column for a handwritten signature. DejaVu Sans keeps Cyrillic readable."""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.orm import Session

from core.toolkit import register_fonts, school_zone
from plugins.documents import acquaintance, workflow
from plugins.documents.models import Document


def acquaintance_pdf(session: Session, doc: Document) -> bytes:
    font, bold = register_fonts()
    zone = school_zone(doc.school_id, session=session)
    title = ParagraphStyle("t", fontName=bold, fontSize=13, leading=16)
    text = ParagraphStyle("p", fontName=font, fontSize=10, leading=13)
    number = workflow.display_number(doc)
    heading = _("Acquaintance sheet")
    subtitle = doc.title + (f" — № {number} " + _("of %(day)s", day=doc.registered_on.strftime("%d.%m.%Y"))
                            if number and doc.registered_on else "")
    rows = [[_("No."), _("Full name"), _("Confirmed"), _("Signature")]]
    for n, (user, row) in enumerate(acquaintance.sheet(session, doc.school_id,
                                                       acquaintance.subject_of("documents.document", doc.id)), 1):
        when = row.confirmed_at.astimezone(zone).strftime("%d.%m.%Y %H:%M") if row.confirmed_at else ""
        rows.append([str(n), Paragraph(escape(user.full_name), text), when, ""])
    table = Table(rows, colWidths=[12 * mm, 85 * mm, 40 * mm, 40 * mm], repeatRows=1)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTNAME", (0, 0), (-1, 0), bold),
                               ("FONTSIZE", (0, 0), (-1, -1), 10), ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    out = io.BytesIO()
    pdf = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, title=heading)
    pdf.build([Paragraph(escape(heading), title), Spacer(1, 4 * mm), Paragraph(escape(subtitle), text),
               Spacer(1, 6 * mm), table])
    return out.getvalue()
