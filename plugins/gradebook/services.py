"""The journal's rules: what a mark may be, the weighted average, the forecast of the final mark.

Plain functions over settings and rows, no Flask: the journal page, the API, the diary and the reports
all compute through these, so a parent and the deputy always see the same number.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


class MarkError(ValueError):
    """A value refused for the journal; ``message`` is a msgid to translate, ``params`` its values."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


@dataclass(frozen=True)
class ParsedMark:
    value: str  # normalised as shown in the journal: "5", "4-", "н/а"
    numeric: float | None  # None for special codes


def parse_mark(raw: str, settings: Mapping[str, Any]) -> ParsedMark:
    """Read what a teacher typed into a cell, on the school's scale, or raise ``MarkError``."""
    text = (raw or "").strip().lower().replace(" ", "")
    if not text:
        raise MarkError("Enter a mark.")
    for special in settings["special_codes"]:
        if text == special["code"].lower():
            return ParsedMark(special["code"], None)
    sign = ""
    if text[-1] in "+-−":
        sign, text = ("+" if text[-1] == "+" else "-"), text[:-1]
        if not settings["plus_minus"]:
            raise MarkError("This school does not use + and − with marks.")
    if not text.isdigit():
        raise MarkError("“%(value)s” is not a mark. Allowed: %(low)d–%(high)d or %(codes)s.",
                        value=raw.strip(), low=settings["scale_min"], high=settings["scale_max"],
                        codes=", ".join(s["code"] for s in settings["special_codes"]))
    number = int(text)
    low, high = settings["scale_min"], settings["scale_max"]
    if not low <= number <= high:
        raise MarkError("The mark must be from %(low)d to %(high)d.", low=low, high=high)
    if (sign == "+" and number == high) or (sign == "-" and number == low):
        raise MarkError("The mark must be from %(low)d to %(high)d.", low=low, high=high)
    delta = settings["plus_minus_delta"]
    numeric = number + (delta if sign == "+" else -delta if sign == "-" else 0.0)
    return ParsedMark(f"{number}{sign}", numeric)


def work_type_weights(settings: Mapping[str, Any]) -> dict[str, float]:
    return {w["code"]: w["weight"] for w in settings["work_types"]}


def work_type_titles(settings: Mapping[str, Any]) -> dict[str, str]:
    return {w["code"]: w["title"] for w in settings["work_types"]}


@dataclass(frozen=True)
class AverageTerm:
    """One mark's part in an average, for the "how was this computed" view."""

    value: str
    numeric: float
    work_type: str
    weight: float


@dataclass(frozen=True)
class Average:
    value: float | None
    terms: tuple[AverageTerm, ...]

    @property
    def weighted_sum(self) -> float:
        return sum(t.numeric * t.weight for t in self.terms)

    @property
    def total_weight(self) -> float:
        return sum(t.weight for t in self.terms)


def weighted_average(marks: Iterable[tuple[str, float | None, str]], weights: Mapping[str, float]) -> Average:
    """Σ(mark·weight)/Σ(weight) over (value, numeric, work_type); special codes are left out.

    An unknown work type (removed from the settings after marks were given) counts with weight 1, so
    old marks never silently drop out of an average.
    """
    terms = tuple(
        AverageTerm(value, numeric, work_type, weights.get(work_type, 1.0))
        for value, numeric, work_type in marks
        if numeric is not None
    )
    total = sum(t.weight for t in terms)
    if not total:
        return Average(None, terms)
    return Average(sum(t.numeric * t.weight for t in terms) / total, terms)


def round_half_up(value: float) -> int:
    return int(math.floor(value + 0.5))


def forecast_mark(average: float | None, settings: Mapping[str, Any]) -> int | None:
    """The final mark an average leads to, by the school's rounding rule (thresholds or standard)."""
    if average is None:
        return None
    low, high = settings["scale_min"], settings["scale_max"]
    if settings["rounding"] == "standard":
        return max(low, min(high, round_half_up(average)))
    for mark, threshold in sorted(((int(m), t) for m, t in settings["thresholds"].items()), reverse=True):
        if average >= threshold - 1e-9:
            return mark
    # Below every threshold: the mark under the lowest one (2 with the default 2.65 for a 3).
    lowest = min((int(m) for m in settings["thresholds"]), default=low + 1)
    return max(low, lowest - 1)


def rounding_rule_text(settings: Mapping[str, Any]) -> str:
    """The rule in words for the explanation view (Russian: it is the school's regulation text)."""
    if settings["rounding"] == "standard":
        return "округление по правилам арифметики (0,5 и выше — вверх)"
    parts = [f"≥ {t:.2f} → {m}".replace(".", ",")
             for m, t in sorted(settings["thresholds"].items(), key=lambda kv: -kv[1])]
    return "пороги: " + "; ".join(parts)
