"""Hooks the print archive offers to other plugins (added to the manager when print_archive is enabled).

Implementations in other plugins are marked ``@hookimpl(optionalhook=True)`` so that switching the
print archive off leaves them working.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.toolkit import AcademicYear, SchoolClass
    from plugins.print_archive.sections import PrintSection

hookspec = pluggy.HookspecMarker("klass")


@hookspec
def extra_print_sections(session: Session, school_class: SchoolClass, year: AcademicYear) -> list[PrintSection]:
    """Contribute extra sections to the printed (bound) journal of a class for a year.

    Called once per class each time its journal is generated (in a background job, possibly in a worker
    process without a request: use ``session`` only, never ``flask.g`` or ``current_user``) and again by
    the faithfulness check, which compares each section's ``fingerprint`` with the printed one. Keep it
    to a few queries per class: a whole school's print calls it for every class.

    Example::

        @hookimpl(optionalhook=True)
        def extra_print_sections(session, school_class, year):
            from plugins.print_archive.sections import PrintSection
            rows = [["Дата", "Мероприятие"]] + [[e.day.strftime("%d.%m.%Y"), e.title] for e in events(...)]
            return [PrintSection(title="Классные мероприятия", table=rows, weight=50)]

    :param session: an open session (read only).
    :param school_class: the class being printed.
    :param year: the academic year of the journal.
    :return: a list of :class:`plugins.print_archive.sections.PrintSection` (may be empty).
    """
