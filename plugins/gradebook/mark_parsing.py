"""What a mark may be: a teacher's typed text read on the school's scale (plain and final marks)."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from plugins.gradebook.errors import N_, MarkError


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
        return math.fsum(t.numeric * t.weight for t in self.terms)

    @property
    def total_weight(self) -> float:
        return math.fsum(t.weight for t in self.terms)

    @property
    def shown(self) -> float | None:
        """The average as every page shows it (two decimals); forecasts are taken from this number."""
        return shown_average(self.value)


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
    total = math.fsum(t.weight for t in terms)
    if not total:
        return Average(None, terms)
    # fsum: the exactly rounded sum, whatever order the marks come in (the grid reads them unsorted).
    return Average(math.fsum(t.numeric * t.weight for t in terms) / total, terms)


def shown_average(value: float | None) -> float | None:
    """Two decimals: a parent who sees 4,64 must never get the forecast of 4,65 (or the reverse)."""
    return None if value is None else round(value, 2)


def round_half_up(value: float) -> int:
    return int(math.floor(value + 0.5))


def forecast_mark(average: float | None, settings: Mapping[str, Any]) -> int | None:
    """The final mark an average leads to, by the school's rounding rule (thresholds or standard).

    Pass the shown average (``Average.shown``) so the forecast agrees with the number on the page.
    """
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


def format_number(value: float | None, digits: int = 2) -> str:
    """4.5 -> "4,50": Russian decimal comma, as the journal and the explanation print numbers."""
    if value is None:
        return "—"
    return f"{value:.{digits}f}".replace(".", ",")


def format_weight(value: float) -> str:
    return (f"{value:g}").replace(".", ",")
