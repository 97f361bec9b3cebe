"""The school's attendance codes: their kinds, the roll-call cycle, reasons, and what a typed key means.

Read from the plugin's settings; one place so the grid, the roll call and the figures agree.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.toolkit import N_
from plugins.attendance.errors import AttendanceError


def code_kinds(settings: Mapping[str, Any]) -> dict[str, str]:
    """code -> kind ("absent", "excused", "late")."""
    return {c["code"]: c["kind"] for c in settings["codes"]}


def codes_of_kind(settings: Mapping[str, Any], *kinds: str) -> list[str]:
    return [c["code"] for c in settings["codes"] if c["kind"] in kinds]


def roll_call_cycle(settings: Mapping[str, Any]) -> list[str]:
    """The codes one tap cycles through on the roll-call page (present first, then these)."""
    known = code_kinds(settings)
    cycle = [c for c in settings["roll_call_codes"] if c in known]
    return cycle or list(known)


def reason_kinds(settings: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["kind"]: r for r in settings["reasons"]}


def reason_code(settings: Mapping[str, Any], kind: str) -> str:
    """The excused code a reason gives; a reason naming a code that is not excused falls back to the
    first excused code, so a profile that renames codes never turns a reason into an unexcused miss."""
    wanted = reason_kinds(settings)[kind]["code"]
    excused = codes_of_kind(settings, "excused")
    return wanted if wanted in excused else excused[0]


_LATIN_LAYOUT = str.maketrans("qwertyuiop[]asdfghjkl;'zxcvbnm,.", "йцукенгшщзхъфывапролджэячсмитьбю")


def normalize_code(settings: Mapping[str, Any], raw: str | None) -> str:
    """What a teacher typed, as one of the school's codes ("" for present). A key typed in the Latin
    layout counts as the Cyrillic letter on the same key (Y → н), the usual slip on a school PC."""
    text = (raw or "").strip().lower()
    if not text:
        return ""
    known = {c.lower(): c for c in code_kinds(settings)}
    if text in known:
        return known[text]
    converted = text.translate(_LATIN_LAYOUT)
    if converted in known:
        return known[converted]
    raise AttendanceError(N_("“%(code)s” is not an attendance code. Allowed: %(codes)s."), "invalid", "code",
                          code=raw.strip() if raw else "", codes=", ".join(code_kinds(settings)))


def cell_text(code: str, minutes_late: int | None) -> str:
    """What the journal cell shows: the code alone. The grid sends a cell's text back when a teacher edits
    it (F2), so it must stay a code; the minutes of a late arrival are on the roll call and in the API."""
    return code

