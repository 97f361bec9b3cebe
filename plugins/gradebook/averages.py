"""The one place where a weighted average, its rounding and the forecast it leads to are computed.

Public: the diary, the reports, the print archive and the journal page all take their numbers from
here, so a parent, a teacher and the deputy never see two different averages or forecasts for the same
marks. The API cannot be misused on purpose: a forecast is a property of an ``Average`` built by
``average_of`` (or ``average_from_sums`` for sums an SQL query added up), never a function of a float the
caller picked, so nobody can forecast from the raw average while the page shows the rounded one.

Arithmetic is decimal and rounding to hundredths is half-up, as a teacher computes by hand:
5·(1) ×5 and 4 ×3 give 4,625, shown as 4,63 on every page.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple, TypeVar

__all__ = [
    "Average",
    "AverageTerm",
    "average_from_sums",
    "average_of",
    "average_of_counts",
    "averages_of_counts",
    "format_number",
    "format_weight",
    "round_half_up",
    "rounding_rule_text",
    "work_type_titles",
    "work_type_weights",
]

HUNDREDTH = Decimal("0.01")
K = TypeVar("K")


_DECIMALS: dict[float, Decimal] = {}  # marks and weights take a few dozen values: convert each once


def _dec(value: float | int | Decimal) -> Decimal:
    """A settings or mark number as the decimal a person wrote (0.1 is 0.1, not 0.1000000000000000055)."""
    if isinstance(value, Decimal):
        return value
    found = _DECIMALS.get(value)
    if found is None:
        found = Decimal(repr(float(value)))
        if len(_DECIMALS) < 10_000:  # bounded: odd values (a report's sums) are converted, not kept
            _DECIMALS[value] = found
    return found


def work_type_weights(settings: Mapping[str, Any]) -> dict[str, float]:
    """Work type code → weight, from the gradebook's settings."""
    return {w["code"]: w["weight"] for w in settings["work_types"]}


def work_type_titles(settings: Mapping[str, Any]) -> dict[str, str]:
    """Work type code → its title as the school named it."""
    return {w["code"]: w["title"] for w in settings["work_types"]}


def round_half_up(value: float | Decimal) -> int:
    """A number to a whole mark, 0,5 and above upwards (Python's ``round`` goes to even)."""
    return int(_dec(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class AverageTerm(NamedTuple):
    """One mark's part in an average, for the "how was this computed" view (a named tuple: a journal
    builds 1,200 of them per page, and a frozen dataclass costs several times as much to make)."""

    value: str
    numeric: float
    work_type: str
    weight: float


@dataclass(frozen=True)
class Average:
    """A weighted average as every page shows it, with the forecast that follows from the shown number.

    Build it with ``average_of`` or ``average_from_sums``; ``shown`` is rounded half-up to hundredths and
    ``forecast`` is computed from ``shown`` by the school's rule, so the two always agree.
    """

    weighted_sum: Decimal
    total_weight: Decimal
    shown: Decimal | None
    forecast: int | None
    terms: tuple[AverageTerm, ...] = ()

    @property
    def value(self) -> float | None:
        """The shown average as a float (charts, JSON); ``None`` when there is no numeric mark."""
        return None if self.shown is None else float(self.shown)

    @property
    def text(self) -> str:
        """«4,63», or «—» with no marks."""
        return format_number(self.shown)

    def as_json(self) -> dict[str, Any]:
        """What the journal page and the API receive, so JavaScript never computes an average."""
        return {"average": self.value, "average_text": self.text, "forecast": self.forecast}


class _Rule(NamedTuple):
    """The school's settings that an average and its forecast depend on, as decimals, prepared once for
    a whole grid rather than once per row (a journal computes 30 averages per page)."""

    weights: dict[str, Decimal]  # work type -> weight
    standard: bool  # arithmetic rounding, else the thresholds
    low: int
    high: int
    thresholds: tuple[tuple[int, Decimal], ...]  # (mark, threshold), highest mark first
    below: int  # the mark under every threshold


def _rule(settings: Mapping[str, Any]) -> _Rule:
    low = settings["scale_min"]
    # Below every threshold: the mark under the lowest one (2 with the default 2,65 for a 3).
    lowest = min((int(m) for m in settings["thresholds"]), default=low + 1)
    return _Rule(
        weights={code: _dec(weight) for code, weight in work_type_weights(settings).items()},
        standard=settings["rounding"] == "standard", low=low, high=settings["scale_max"],
        thresholds=tuple(sorted(((int(m), _dec(t)) for m, t in settings["thresholds"].items()), reverse=True)),
        below=max(low, lowest - 1))


def _forecast(shown: Decimal | None, rule: _Rule) -> int | None:
    """The final mark a shown average leads to, by the school's rounding rule (thresholds or standard)."""
    if shown is None:
        return None
    if rule.standard:
        return max(rule.low, min(rule.high, round_half_up(shown)))
    for mark, threshold in rule.thresholds:
        if shown >= threshold:
            return mark
    return rule.below


def _from_sums(wsum: Decimal, total: Decimal, rule: _Rule, terms: tuple[AverageTerm, ...]) -> Average:
    if not total:
        return Average(wsum, total, None, None, terms)
    shown = (wsum / total).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    return Average(wsum, total, shown, _forecast(shown, rule), terms)


_DEFAULT_WEIGHT = _dec(1.0)  # an unknown work type (removed from the settings after marks were given)


def _of_counts(counts: Mapping[tuple[float, str], int], rule: _Rule, terms: tuple[AverageTerm, ...]) -> Average:
    weights = rule.weights
    wsum = total = Decimal(0)
    for (numeric, work_type), count in counts.items():
        weight = weights.get(work_type, _DEFAULT_WEIGHT)
        wsum += _dec(numeric) * weight * count
        total += weight * count
    return _from_sums(wsum, total, rule, terms)


def average_from_sums(weighted_sum: float | Decimal | None, total_weight: float | Decimal | None,
                      settings: Mapping[str, Any], terms: tuple[AverageTerm, ...] = ()) -> Average:
    """An average from Σ(mark·weight) and Σ(weight), as an SQL query adds them up for a whole school.

    ``settings`` are the gradebook's (scale, rounding, thresholds).
    """
    return _from_sums(_dec(weighted_sum or 0), _dec(total_weight or 0), _rule(settings), terms)


def average_of(marks: Iterable[tuple[str, float | None, str]], settings: Mapping[str, Any]) -> Average:
    """Σ(mark·weight)/Σ(weight) over (value, numeric, work_type); special codes («н/а») are left out.

    ``settings`` are the gradebook's. An unknown work type (removed from the settings after marks were
    given) counts with weight 1, so old marks never silently drop out of an average.
    """
    weights = work_type_weights(settings)
    terms = []
    counts: dict[tuple[float, str], int] = {}
    for value, numeric, work_type in marks:
        if numeric is not None:
            terms.append(AverageTerm(value, numeric, work_type, weights.get(work_type, 1.0)))
            pair = (numeric, work_type)
            counts[pair] = counts.get(pair, 0) + 1
    return average_of_counts(counts, settings, tuple(terms))


def average_of_counts(counts: Mapping[tuple[float, str], int], settings: Mapping[str, Any],
                      terms: tuple[AverageTerm, ...] = ()) -> Average:
    """The same average from how many marks of each (numeric value, work type) a row holds: a grid of
    1,200 marks counts them while it reads them and needs no per-mark ``AverageTerm`` (special codes,
    with no numeric value, are simply not counted). ``average_of`` ends here too, so both give the very
    same number: decimal sums of these short numbers are exact, and count·mark·weight added per pair
    equals mark·weight added one mark at a time."""
    return _of_counts(counts, _rule(settings), terms)


def averages_of_counts(rows: Mapping[K, Mapping[tuple[float, str], int]], settings: Mapping[str, Any]
                       ) -> dict[K, Average]:
    """``average_of_counts`` for every row of a grid (key: the student), the school's rule prepared once."""
    rule = _rule(settings)
    return {key: _of_counts(counts, rule, ()) for key, counts in rows.items()}


def rounding_rule_text(settings: Mapping[str, Any]) -> str:
    """The rule in words for the explanation view (Russian: it is the school's regulation text)."""
    if settings["rounding"] == "standard":
        return "округление по правилам арифметики (0,5 и выше — вверх)"
    parts = [f"≥ {t:.2f} → {m}".replace(".", ",")
             for m, t in sorted(settings["thresholds"].items(), key=lambda kv: -kv[1])]
    return "пороги: " + "; ".join(parts)


def format_number(value: float | Decimal | None, digits: int = 2) -> str:
    """4.5 → «4,50»: Russian decimal comma, rounded half-up as the journal prints numbers."""
    if value is None:
        return "—"
    exact = _dec(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return f"{exact:.{digits}f}".replace(".", ",")


def format_weight(value: float | Decimal) -> str:
    """1.5 → «1,5», 2.0 → «2» (also a decimal sum: Decimal("13.00") → «13»)."""
    return (f"{float(value):g}").replace(".", ",")
