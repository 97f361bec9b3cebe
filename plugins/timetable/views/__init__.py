"""The timetable's pages under /timetable: thin views over the rule modules (agenda, clashes, ...).

One blueprint, ``bp`` (endpoints ``timetable.*``, templates and static files under ``plugins/timetable``),
with its routes in one module per area; importing them here registers them.
"""
from __future__ import annotations

from plugins.timetable.views import assessments, bells, changes, editor, generate, plans, weeks, workload  # noqa: F401  (each module registers its routes on bp)
from plugins.timetable.views.common import bp

__all__ = ["bp"]
