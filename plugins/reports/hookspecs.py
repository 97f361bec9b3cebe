"""Hooks the reports plugin offers to other plugins (added to the manager when reports is enabled).

Implementations in other plugins are marked ``@hookimpl(optionalhook=True)`` so that switching reports
off leaves them working.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from plugins.reports.registry import ReportDefinition

hookspec = pluggy.HookspecMarker("klass")


@hookspec
def register_reports() -> list[ReportDefinition]:
    """Offer reports: each becomes a page with a parameter form, a table and charts, XLSX and PDF
    exports, an API endpoint, weekly e-mails and "send to a colleague", with no more code.

    Called whenever the list of reports is needed (the reports page, the API, the weekly e-mails).
    The reports plugin checks the permission and the scope (school / class / student) before calling
    ``run``; a run only narrows what it shows to ``registry.user_scope(...).subjects_in(class_id)``.

    Example (the diary offering guardians' usage of the diary)::

        @hookimpl(optionalhook=True)
        def register_reports():
            from plugins.reports.registry import ReportDefinition
            return [ReportDefinition(key="diary_guardians_usage", title=_l("Guardians' use of the diary"),
                                     run=usage_report, params=UsageParams, scope="class_or_school",
                                     category="families")]

    :return: a list of :class:`plugins.reports.registry.ReportDefinition`.
    """
