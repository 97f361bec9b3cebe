"""What another plugin adds to the bound journal through the ``extra_print_sections`` hook."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PrintSection:
    """An extra section of the printed journal (class events, portfolio highlights, remarks...).

    Plain data, so an implementer needs no reportlab: ``paragraphs`` are printed as text, ``table`` as a
    grid whose first row is the header (it repeats when the table runs onto the next page). A plugin
    that draws its own ``flowables`` (reportlab platypus objects) may give them too; they follow.
    ``fingerprint``: a string that changes whenever the printed content would change (by default the
    archive hashes the paragraphs and table), so the faithfulness check notices a stale section.
    Sections are printed in order of ``weight``, after the subjects and before the final marks.
    """

    title: Any
    paragraphs: list[Any] = field(default_factory=list)
    table: list[list[Any]] = field(default_factory=list)
    col_widths_mm: list[float] | None = None
    weight: int = 100
    fingerprint: str | None = None
    flowables: list[Any] = field(default_factory=list)
