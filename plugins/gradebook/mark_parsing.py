"""What a mark may be: a teacher's typed text read on the school's scale (plain and final marks).

The one grammar of typed marks, shared by the journal grid (it sends the raw text), the lesson's marks form
and the API:

* a cell holds marks separated by spaces or «/»: «5 4», «5/4»;
* a mark is a whole number on the school's scale, optionally followed by «+» or «−»/«-» where the school's
  settings allow them (``plus_minus``), but never above the top or below the bottom of the scale («5+», «1−»);
* a special code of the school («н/а», «осв», ...) is a mark of its own (its «/» does not separate);
* a comma or a point between digits («3,5», «4.5») is refused: it might mean one fractional mark or two
  marks, and the journal never guesses.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.toolkit import N_
from plugins.gradebook.errors import MarkError


@dataclass(frozen=True)
class ParsedMark:
    value: str  # normalised as shown in the journal: "5", "4-", "н/а"
    numeric: float | None  # None for special codes


_AMBIGUOUS = re.compile(r"\d[,.]\d")
_SEPARATORS = re.compile(r"[\s/]+")


def _ambiguous(raw: str) -> MarkError:
    return MarkError(N_("“%(value)s” is ambiguous: type “%(spaced)s” or “%(slashed)s” for two marks; "
                        "a mark has no fractions."), value=raw.strip(),
                     spaced=re.sub(r"\s*[,.]\s*", " ", raw.strip()), slashed=re.sub(r"\s*[,.]\s*", "/", raw.strip()))


def _special(text: str, settings: Mapping[str, Any]) -> str | None:
    for special in settings["special_codes"]:
        if text == special["code"].lower():
            return str(special["code"])
    return None


def _one(raw: str, settings: Mapping[str, Any]) -> ParsedMark:
    """One mark without separators (a token of the grammar)."""
    text = raw.lower()
    special = _special(text, settings)
    if special is not None:
        return ParsedMark(special, None)
    sign = ""
    if text and text[-1] in "+-−":
        sign, text = ("+" if text[-1] == "+" else "-"), text[:-1]
        if not settings["plus_minus"]:
            raise MarkError(N_("“%(value)s”: this school does not use + and − with marks."), value=raw)
    if not text.isdigit():
        raise MarkError(N_("“%(value)s” is not a mark. Allowed: %(low)d–%(high)d or %(codes)s."),
                        value=raw, low=settings["scale_min"], high=settings["scale_max"],
                        codes=", ".join(s["code"] for s in settings["special_codes"]))
    number = int(text)
    low, high = settings["scale_min"], settings["scale_max"]
    if not low <= number <= high:
        raise MarkError(N_("“%(value)s”: the mark must be from %(low)d to %(high)d."), value=raw, low=low, high=high)
    if sign == "+" and number == high:
        raise MarkError(N_("“%(value)s” does not exist: there is no mark above %(high)d."), value=raw, high=high)
    if sign == "-" and number == low:
        raise MarkError(N_("“%(value)s” does not exist: there is no mark below %(low)d."), value=raw, low=low)
    delta = settings["plus_minus_delta"]
    numeric = number + (delta if sign == "+" else -delta if sign == "-" else 0.0)
    return ParsedMark(f"{number}{sign}", numeric)


def parse_marks(raw: str, settings: Mapping[str, Any]) -> list[ParsedMark]:
    """Read what a teacher typed into a cell: any number of marks (none for an empty cell), or raise."""
    text = (raw or "").strip()
    if _AMBIGUOUS.search(text):
        raise _ambiguous(text)
    if "," in text or ";" in text:
        # "5, 4" is a list written by hand: the comma stands next to a space, so nothing is ambiguous.
        text = re.sub(r"\s*[,;]\s*", " ", text).strip()
    marks: list[ParsedMark] = []
    for chunk in text.split():
        if _special(chunk.lower(), settings) is not None:
            marks.append(_one(chunk, settings))
            continue
        marks.extend(_one(token, settings) for token in _SEPARATORS.split(chunk) if token)
    return marks


def parse_mark(raw: str, settings: Mapping[str, Any]) -> ParsedMark:
    """Read one mark (a form's or the API's single value) by the same grammar, or raise ``MarkError``."""
    text = (raw or "").strip()
    if not text:
        raise MarkError(N_("Enter a mark."))
    marks = parse_marks(text, settings)
    if len(marks) != 1:
        raise MarkError(N_("“%(value)s” is %(n)d marks: enter one mark here."), value=text, n=len(marks))
    return marks[0]


def parse_final_mark(raw: str, settings: Mapping[str, Any]) -> ParsedMark:
    """A final mark is a whole mark on the scale or a special code ("н/а", "осв", "зач")."""
    parsed = parse_mark(raw, settings)
    if parsed.numeric is not None and parsed.value[-1] in "+-":
        raise MarkError(N_("A final mark is a whole mark, without + or −."))
    return parsed
