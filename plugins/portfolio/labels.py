"""Russian names of the portfolio's codes (levels, results, statuses, teacher entry kinds), one place for
pages, PDFs and the API."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

LEVELS = {"school": _l("school"), "municipal": _l("municipal"), "regional": _l("regional"),
          "national": _l("national"), "international": _l("international")}
RESULTS = {"participant": _l("participant"), "prize": _l("prize-winner"), "winner": _l("winner")}
STATUSES = {"draft": _l("draft"), "pending": _l("awaiting confirmation"), "returned": _l("returned"),
            "confirmed": _l("confirmed")}
TEACHER_KINDS = {"course": _l("Qualification courses"), "attestation": _l("Attestation"),
                 "methodical": _l("Methodical work"), "publication": _l("Publications"),
                 "open_lesson": _l("Open lessons")}
ENTRY_KINDS = {"achievement": _l("achievement"), "review": _l("teacher's review"), "project_mark": _l("project mark")}


def level(code: str) -> str:
    return str(LEVELS.get(code, code))


def result(code: str) -> str:
    return str(RESULTS.get(code, code))


def status(code: str) -> str:
    return str(STATUSES.get(code, code))


def teacher_kind(code: str) -> str:
    return str(TEACHER_KINDS.get(code, code))


def unused() -> str:  # keeps gettext imported for extraction of the module's own messages
    return _("Portfolio")
