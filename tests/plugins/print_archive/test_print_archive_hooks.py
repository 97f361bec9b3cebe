"""The hook the print archive offers: other plugins add sections to the bound journal."""
from __future__ import annotations

import re

from core.toolkit import hookimpl
from plugins.print_archive.sections import PrintSection
from plugins.print_archive.services import check, file_bytes
from tests.plugins.print_archive.print_archive_helpers import pdf_pages


class ClassEvents:
    """Stands for a plugin that keeps the class's events (ClassEvents would mark it optionalhook=True)."""

    def __init__(self) -> None:
        self.rows = [["Дата", "Мероприятие"], ["15.09.2026", "Экскурсия в краеведческий музей"]]
        self.calls: list[str] = []

    @hookimpl(optionalhook=True)
    def extra_print_sections(self, session, school_class, year):
        self.calls.append(f"{school_class.name} {year.title}")
        return [PrintSection(title="Классные мероприятия", paragraphs=["Журнал классных мероприятий."],
                             table=self.rows, col_widths_mm=[30, 160], weight=10)]


def test_hook_extra_print_sections(app, session, class_5a, print_class):
    from plugins.print_archive.jobs import context_from_app

    events = ClassEvents()
    app.extensions["klass"].pm.register(events, name="class_events_test")
    document = print_class(class_5a.id)
    assert events.calls == [f"5А {document.title.split(', ')[-1]}"]
    pages = [re.sub(r"\s+", " ", p) for p in pdf_pages(file_bytes(session, document))]
    section = [i for i, p in enumerate(pages) if "Классные мероприятия" in p]
    assert section and "15.09.2026 Экскурсия в краеведческий музей" in pages[section[0]]
    assert "Классные мероприятия" in document.fingerprint["sections"]
    assert check(session, context_from_app(), document).up_to_date

    events.rows.append(["20.10.2026", "Осенний бал"])  # the section's data changed after printing
    result = check(session, context_from_app(), document)
    assert not result.up_to_date and result.sections_changed == ["Классные мероприятия"]
