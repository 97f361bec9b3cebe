"""Russian names of the catalogue's codes (kinds, visibility, uses), in one place for pages, API and filters."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

KIND_TITLES: dict[str, Any] = {
    "test": _l("test"), "task": _l("task"), "exercise": _l("exercise"), "presentation": _l("presentation"),
    "guide": _l("methodological guide"), "analysis": _l("analytical material"),
}
VISIBILITY_TITLES: dict[str, Any] = {
    "author": _l("only me"),
    "association": _l("the methodological association (teachers of the subject)"),
    "teachers": _l("the school's teachers"),
    "classes": _l("teachers and students of the chosen classes"),
}
FORM_TITLES: dict[str, Any] = {"file": _l("file"), "link": _l("link"), "text": _l("task written here")}
USE_TITLES: dict[str, Any] = {"lesson": _l("for the lesson"), "homework": _l("for the homework")}
