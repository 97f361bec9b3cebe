"""Every figure the reports print, defined once: categories of students, успеваемость, качество знаний,
СОУ, averages, the accumulation rule, the forecast risk, journal timeliness, objectivity.

Plain functions over plain values (no database, no Flask), so each is tested against a hand-computed
example and every report, widget and export counts the same way. Marks arrive here already turned into
a *result*: an integer mark of the scale, or one of the words below for the special codes.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from plugins.gradebook.averages import round_half_up

# Results that are not numbers: not certified (н/а), a failing code (незач), a neutral code (зач, осв).
NOT_CERTIFIED, FAIL, NEUTRAL = "na", "fail", "neutral"
Result = int | str

# Student categories, best first.
EXCELLENT, GOOD, ONE_THREE, SATISFACTORY, FAILING, NOT_CERTIFIED_STUDENT = (
    "excellent", "good", "one_three", "satisfactory", "failing", "not_certified")
CATEGORIES = (EXCELLENT, GOOD, ONE_THREE, SATISFACTORY, FAILING, NOT_CERTIFIED_STUDENT)

# СОУ (степень обученности учащихся, В. П. Симонов): weight of each mark, from the top of the scale down;
# the lowest mark and "not certified" weigh 7.
SOU_WEIGHTS = (100, 64, 36, 16)
SOU_LOWEST = 7


@dataclass(frozen=True)
class Scale:
    """The school's marking scale as the reports need it (built from the gradebook's settings)."""

    low: int = 1
    high: int = 5
    pass_mark: int = 3  # the lowest passing mark; below it a mark is failing
    good_mark: int = 4  # from this mark up a result counts for "quality"
    not_certified_codes: frozenset[str] = frozenset({"н/а"})
    failing_codes: frozenset[str] = frozenset({"незач"})

    @classmethod
    def from_settings(cls, gradebook: Mapping[str, Any], reports: Mapping[str, Any]) -> Scale:
        na = {c.lower() for c in reports["not_certified_codes"]}
        failing = {s["code"].lower() for s in gradebook["special_codes"] if s.get("failing")} - na
        return cls(low=gradebook["scale_min"], high=gradebook["scale_max"], pass_mark=reports["pass_mark"],
                   good_mark=reports["good_mark"], not_certified_codes=frozenset(na),
                   failing_codes=frozenset(failing))

    def result(self, value: str | None, numeric: float | None) -> Result | None:
        """A final mark or forecast as a result: the rounded mark, or NOT_CERTIFIED / FAIL / NEUTRAL."""
        if numeric is not None:
            return max(self.low, min(self.high, round_half_up(numeric)))
        if not value:
            return None
        code = value.strip().lower()
        if code in self.not_certified_codes:
            return NOT_CERTIFIED
        if code in self.failing_codes:
            return FAIL
        return NEUTRAL

    def is_failing(self, result: Result) -> bool:
        return result == FAIL or (isinstance(result, int) and result < self.pass_mark)


def percent(part: float, whole: float, decimals: int = 1) -> float | None:
    """part/whole in %, rounded; None when there is nothing to divide by (shown as a dash)."""
    if not whole:
        return None
    return round(100.0 * part / whole, decimals)


def mean(values: Iterable[float], decimals: int = 2) -> float | None:
    items = list(values)
    return round(sum(items) / len(items), decimals) if items else None


def student_category(results: Iterable[Result], scale: Scale) -> str | None:
    """The category of a student by their results in all subjects (neutral codes are left out):

    not certified (any н/а) > failing (any mark below the pass mark, or a failing code) > excellent
    (only the top mark) > good (only good marks) > with one pass mark ("с одной «3»") > satisfactory.
    None when the student has no result at all (not assessed: left out of the class's figures).
    """
    counted = [r for r in results if r != NEUTRAL]
    if not counted:
        return None
    if NOT_CERTIFIED in counted:
        return NOT_CERTIFIED_STUDENT
    if any(scale.is_failing(r) for r in counted):
        return FAILING
    marks = [r for r in counted if isinstance(r, int)]
    if all(m == scale.high for m in marks):
        return EXCELLENT
    below_good = sum(1 for m in marks if m < scale.good_mark)
    if below_good == 0:
        return GOOD
    return ONE_THREE if below_good == 1 else SATISFACTORY


def sou_bucket(result: Result, scale: Scale) -> int | None:
    """Index into SOU_WEIGHTS (0 = top mark) or len(SOU_WEIGHTS) for the lowest group; None: not counted."""
    if result == NEUTRAL:
        return None
    if result in (NOT_CERTIFIED,):
        return len(SOU_WEIGHTS)
    if result == FAIL:
        return SOU_WEIGHTS.index(16)  # a failing code weighs as a failing mark ("2")
    steps_down = scale.high - int(result)
    return min(steps_down, len(SOU_WEIGHTS))


def sou(results: Iterable[Result], scale: Scale) -> float | None:
    """СОУ in %: (100·n5 + 64·n4 + 36·n3 + 16·n2 + 7·n(1 or н/а)) / N over all results (N: counted ones)."""
    return sou_of_counts(Counter(results), scale)


def sou_of_counts(counts: Mapping[Any, int], scale: Scale) -> float | None:
    """СОУ from how many times each result occurs (what ``ProgressStats.marks`` holds)."""
    weights = [*SOU_WEIGHTS, SOU_LOWEST]
    total = weighted = 0
    for result, n in counts.items():
        bucket = sou_bucket(result, scale)
        if bucket is None or not n:
            continue
        total += n
        weighted += weights[bucket] * n
    return round(weighted / total, 1) if total else None


@dataclass
class ProgressStats:
    """The class's (or school's, or one subject's) figures for a period."""

    students: int = 0  # assessed students (with at least one result)
    not_assessed: int = 0  # students without any result
    categories: Counter[str] = field(default_factory=Counter)
    marks: Counter[Any] = field(default_factory=Counter)  # result -> how many (5, 4, ..., "na", "fail")
    success_percent: float | None = None  # успеваемость: share without failing marks and н/а
    quality_percent: float | None = None  # качество знаний: share with only good marks
    average: float | None = None  # mean of the numeric results
    sou_percent: float | None = None

    def count(self, category: str) -> int:
        return self.categories.get(category, 0)


def progress_stats(results_by_student: Mapping[Any, Iterable[Result]], scale: Scale) -> ProgressStats:
    """Figures of a group from each student's results (one per subject, or one for a subject's column)."""
    stats = ProgressStats()
    for results in results_by_student.values():
        items = list(results)
        category = student_category(items, scale)
        if category is None:
            stats.not_assessed += 1
            continue
        stats.students += 1
        stats.categories[category] += 1
        stats.marks.update(r for r in items if r != NEUTRAL)
    return _percentages(stats, scale)


def combine(parts: Iterable[ProgressStats], scale: Scale) -> ProgressStats:
    """The figures of several groups together (the school from its classes), without recounting students."""
    stats = ProgressStats()
    for part in parts:
        stats.students += part.students
        stats.not_assessed += part.not_assessed
        stats.categories.update(part.categories)
        stats.marks.update(part.marks)
    return _percentages(stats, scale)


def _percentages(stats: ProgressStats, scale: Scale) -> ProgressStats:
    n = stats.students
    unsuccessful = stats.count(FAILING) + stats.count(NOT_CERTIFIED_STUDENT)
    stats.success_percent = percent(n - unsuccessful, n)
    stats.quality_percent = percent(stats.count(EXCELLENT) + stats.count(GOOD), n)
    numeric = [(m, k) for m, k in stats.marks.items() if isinstance(m, int)]
    stats.average = weighted_mean(numeric) if numeric else None
    stats.sou_percent = sou_of_counts(stats.marks, scale)
    return stats


# --- mark accumulation --------------------------------------------------------------------------------

def accumulation_window(lessons: Sequence[int], marks_per_lesson: Mapping[int, int], n: int) -> tuple[int, int]:
    """(lessons in the window, marks in it) over the last ``n`` of ``lessons`` (ids, oldest first)."""
    window = lessons[-n:] if n > 0 else []
    return len(window), sum(marks_per_lesson.get(lesson_id, 0) for lesson_id in window)


def lacks_marks(lessons_in_window: int, marks_in_window: int, n: int, k: int) -> bool:
    """The accumulation rule: flagged when the student had a full window of ``n`` lessons and got fewer
    than ``k`` marks in it (k = 1: "no mark in the last n lessons"). A shorter history is not judged."""
    return lessons_in_window >= n and marks_in_window < k


# --- forecast of final marks ----------------------------------------------------------------------------

RISK_NOT_CERTIFIED, RISK_FAILING, RISK_BORDERLINE = "not_certified", "failing", "borderline"


def pass_threshold(gradebook: Mapping[str, Any], pass_mark: int) -> float:
    """The lowest average that still leads to the pass mark, by the school's rounding rule."""
    if gradebook["rounding"] == "thresholds" and str(pass_mark) in gradebook["thresholds"]:
        return float(gradebook["thresholds"][str(pass_mark)])
    return pass_mark - 0.5


def expected_marks(min_marks: int, start: date, end: date, day: date) -> int:
    """How many of the term's ``min_marks`` a student should have by ``day``: in proportion to the part of
    the term gone (rounded down), so nobody is flagged in the term's first days."""
    if day >= end:
        return min_marks
    if day < start:
        return 0
    return int(min_marks * ((day - start).days + 1) / ((end - start).days + 1))


def forecast_risk(average: float | None, marks: int, forecast: int | None, *, min_marks: int, pass_mark: int,
                  threshold: float, margin: float) -> str | None:
    """Why a student may end the term badly in a subject, or None:

    fewer marks than ``min_marks`` (may be not certified) > a failing forecast > a pass forecast whose
    average is within ``margin`` of the pass threshold (one bad mark from failing).
    """
    if marks < min_marks:
        return RISK_NOT_CERTIFIED
    if forecast is None or average is None:
        return None
    if forecast < pass_mark:
        return RISK_FAILING
    if forecast == pass_mark and average < threshold + margin - 1e-9:
        return RISK_BORDERLINE
    return None


# --- journal timeliness -------------------------------------------------------------------------------

OK, LATE, MISSING, PENDING = "ok", "late", "missing", "pending"


def entry_deadline(lesson_date: date, days: int, timezone: str | tzinfo) -> datetime:
    """The end of the ``days``-th day after the lesson, in the school's time zone, as a UTC moment."""
    local_end = datetime.combine(lesson_date + timedelta(days=days), time.max, tzinfo=ZoneInfo(timezone) if isinstance(timezone, str) else timezone)
    return local_end.astimezone(UTC)


def entry_status(entered: bool, entered_at: datetime | None, deadline: datetime, now: datetime) -> str:
    """ok / late (entered after the deadline) / missing (not entered, deadline passed) / pending.

    An entry without a known time (imported, or older than the timestamps) counts as on time.
    """
    if entered:
        return LATE if entered_at is not None and entered_at > deadline else OK
    return MISSING if now > deadline else PENDING


# --- objectivity -------------------------------------------------------------------------------------------

def mark_bucket(numeric: float, scale: Scale) -> int:
    """"4-" (3.75) and "4+" (4.25) both count as a 4 in a distribution."""
    return max(scale.low, min(scale.high, round_half_up(numeric)))


def distribution(counts: Mapping[int, int], marks: Sequence[int]) -> dict[int, float | None]:
    """Share of each mark in % (rounded to 0.1)."""
    total = sum(counts.values())
    return {m: percent(counts.get(m, 0), total) for m in marks}


def weighted_mean(pairs: Iterable[tuple[float, int]], decimals: int = 2) -> float | None:
    """Mean of values given as (value, how many times)."""
    total = value_sum = 0.0
    for value, n in pairs:
        total += n
        value_sum += value * n
    return round(value_sum / total, decimals) if total else None


def gap(a: float | None, b: float | None) -> float | None:
    """a − b rounded to 0.01, None when either is unknown."""
    if a is None or b is None:
        return None
    return round(a - b, 2)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
