"""PDF basics every printed document shares: a font with Cyrillic, embedded (reportlab's own has none)."""
from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
SYSTEM_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ITALIC = "DejaVuSans-Oblique"
FONT_BOLD_ITALIC = "DejaVuSans-BoldOblique"


def register_fonts() -> tuple[str, str]:
    """Register DejaVu Sans (regular, bold, oblique, bold oblique) once as one family; return the regular
    and bold names for styles. ``<i>`` in a Paragraph and ``reportlab.lib.fonts.tt2ps(font, 0, 1)`` give the
    italic face: forecasts are printed in italics."""
    if FONT_BOLD_ITALIC not in pdfmetrics.getRegisteredFontNames():
        for name in (FONT, FONT_BOLD, FONT_ITALIC, FONT_BOLD_ITALIC):
            path = FONT_DIR / f"{name}.ttf"
            if not path.exists():
                path = SYSTEM_FONT_DIR / f"{name}.ttf"
            pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC,
                                      boldItalic=FONT_BOLD_ITALIC)
    return FONT, FONT_BOLD


def ru_plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural form: 1 лист, 2 листа, 5 листов, 21 лист, 111 листов."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many
