"""Russian names of the plans' codes, in one place for pages, the widget and the report."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

SCOPE_TITLES: dict[str, Any] = {"school": _l("the school's plan"), "association": _l("a methodological association's plan"),
                                "person": _l("a personal plan")}
STATUS_TITLES: dict[str, Any] = {"planned": _l("planned"), "in_progress": _l("in progress"), "done": _l("carried out"),
                                 "cancelled": _l("cancelled")}
