"""The office pages (/office): thin views over the rule modules; object checks in ``access.py``.

One blueprint, ``bp`` (endpoints ``office.*``, templates and static files under ``plugins/office``), with
its routes in one module per area; importing them here registers them.
"""
from __future__ import annotations

from plugins.office.views import (  # noqa: F401  (each module registers its routes on bp)
    class_import,
    consents,
    credentials,
    files,
    home,
    movement,
    regulation,
    roster_entry,
    subgroups,
    tickets,
)
from plugins.office.views.common import bp

__all__ = ["bp"]
