"""What a mark may be: a teacher's typed text read on the school's scale (plain and final marks)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.toolkit import N_
from plugins.gradebook.errors import MarkError


@dataclass(frozen=True)
class ParsedMark:
    value: str  # normalised as shown in the journal: "5", "4-", "н/а"
    numeric: float | None  # None for special codes


def parse_mark(raw: str, settings: Mapping[str, Any]) -> ParsedMark:
    """Read what a teacher typed into a cell, on the school's scale, or raise ``MarkError``."""
    text = (raw or "").strip().lower().replace(" ", "")
    if not text:
        raise MarkError(N_("Enter a mark."))
    for special in settings["special_codes"]:
        if text == special["code"].lower():
            return ParsedMark(special["code"], None)
    sign = ""
    if text[-1] in "+-−":
        sign, text = ("+" if text[-1] == "+" else "-"), text[:-1]
        if not settings["plus_minus"]:
            raise MarkError(N_("This school does not use + and − with marks."))
    if not text.isdigit():
        raise MarkError(N_("“%(value)s” is not a mark. Allowed: %(low)d–%(high)d or %(codes)s."),
                        value=raw.strip(), low=settings["scale_min"], high=settings["scale_max"],
                        codes=", ".join(s["code"] for s in settings["special_codes"]))
    number = int(text)
    low, high = settings["scale_min"], settings["scale_max"]
    if not low <= number <= high:
        raise MarkError(N_("The mark must be from %(low)d to %(high)d."), low=low, high=high)
    if (sign == "+" and number == high) or (sign == "-" and number == low):
        raise MarkError(N_("The mark must be from %(low)d to %(high)d."), low=low, high=high)
    delta = settings["plus_minus_delta"]
    numeric = number + (delta if sign == "+" else -delta if sign == "-" else 0.0)
    return ParsedMark(f"{number}{sign}", numeric)


def parse_final_mark(raw: str, settings: Mapping[str, Any]) -> ParsedMark:
    """A final mark is a whole mark on the scale or a special code ("н/а", "осв", "зач")."""
    parsed = parse_mark(raw, settings)
    if parsed.numeric is not None and parsed.value[-1] in "+-":
        raise MarkError(N_("A final mark is a whole mark, without + or −."))
    return parsed
