"""The report figures against examples computed by hand (no database)."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from plugins.reports import figures
from plugins.reports.figures import NOT_CERTIFIED as NA

SCALE = figures.Scale()

# Five students, three subjects each (worked out on paper):
#   A 5 5 5   excellent          B 5 4 4   good              C 3 4 5   with one 3
#   D 2 3 4   failing            E н/а 4 5 not certified
CLASS = {1: [5, 5, 5], 2: [5, 4, 4], 3: [3, 4, 5], 4: [2, 3, 4], 5: [NA, 4, 5]}


def test_categories_of_students():
    cats = {s: figures.student_category(r, SCALE) for s, r in CLASS.items()}
    assert cats == {1: "excellent", 2: "good", 3: "one_three", 4: "failing", 5: "not_certified"}
    assert figures.student_category([3, 3, 4], SCALE) == "satisfactory"
    assert figures.student_category([5, "fail"], SCALE) == "failing"  # незач fails like a 2
    assert figures.student_category([5, figures.NEUTRAL], SCALE) == "excellent"  # зач is left out
    assert figures.student_category([], SCALE) is None


def test_success_quality_average_and_sou_by_hand():
    stats = figures.progress_stats(CLASS, SCALE)
    assert stats.students == 5
    # успеваемость: without failing and н/а: (5 - 1 - 1) / 5
    assert stats.success_percent == 60.0
    # качество: only 4 and 5: (1 + 1) / 5
    assert stats.quality_percent == 40.0
    # average of the 14 numeric results: (15 + 13 + 12 + 9 + 9) / 14 = 58 / 14 = 4.142857
    assert stats.average == 4.14
    # СОУ: n5 = 6, n4 = 5, n3 = 2, n2 = 1, н/а = 1, N = 15:
    # (100·6 + 64·5 + 36·2 + 16·1 + 7·1) / 15 = 1015 / 15 = 67.67
    assert stats.marks == {5: 6, 4: 5, 3: 2, 2: 1, NA: 1}
    assert stats.sou_percent == 67.7


def test_one_subject_column_by_hand():
    # Mathematics of the same class: 5, 5, 3, 2, н/а
    stats = figures.progress_stats({1: [5], 2: [5], 3: [3], 4: [2], 5: [NA]}, SCALE)
    assert stats.success_percent == 60.0  # 3 of 5 without 2 and н/а
    assert stats.quality_percent == 40.0  # 2 of 5 with 4 or 5
    assert stats.average == 3.75  # (5 + 5 + 3 + 2) / 4
    assert stats.sou_percent == 51.8  # (100 + 100 + 36 + 16 + 7) / 5


def test_students_without_results_are_not_counted():
    stats = figures.progress_stats({1: [5, 5], 2: []}, SCALE)
    assert (stats.students, stats.not_assessed, stats.success_percent, stats.quality_percent) == (1, 1, 100.0, 100.0)
    empty = figures.progress_stats({}, SCALE)
    assert (empty.success_percent, empty.quality_percent, empty.average, empty.sou_percent) == (None, None, None, None)


def test_sou_of_a_single_mark_and_of_a_one():
    assert figures.sou([5], SCALE) == 100.0
    assert figures.sou([1, 2], SCALE) == 11.5  # (7 + 16) / 2
    assert figures.sou([figures.NEUTRAL], SCALE) is None


def test_results_from_marks_and_codes():
    scale = figures.Scale.from_settings(
        {"scale_min": 1, "scale_max": 5, "special_codes": [{"code": "н/а", "failing": True},
                                                           {"code": "незач", "failing": True},
                                                           {"code": "зач", "failing": False}]},
        {"not_certified_codes": ["н/а"], "pass_mark": 3, "good_mark": 4})
    assert scale.result("4-", 3.75) == 4
    assert scale.result("3+", 3.25) == 3
    assert scale.result("н/а", None) == NA
    assert scale.result("незач", None) == figures.FAIL
    assert scale.result("зач", None) == figures.NEUTRAL
    assert scale.result("", None) is None


# --- the accumulation rule ------------------------------------------------------------------------------------

def test_accumulation_window_and_rule_by_hand():
    lessons = [11, 12, 13, 14, 15, 16]  # oldest first
    x = {11: 1}  # a mark on the first lesson only
    y = {15: 1}
    z = {14: 1, 16: 2}
    n, k = 5, 1
    assert figures.accumulation_window(lessons, x, n) == (5, 0)
    assert figures.lacks_marks(5, 0, n, k) is True  # no mark in the last 5 lessons
    assert figures.lacks_marks(*figures.accumulation_window(lessons, y, n), n, k) is False
    assert figures.accumulation_window(lessons, z, n) == (5, 3)
    # K = 2: one mark in five lessons is not enough, three are
    assert figures.lacks_marks(*figures.accumulation_window(lessons, y, n), n, 2) is True
    assert figures.lacks_marks(*figures.accumulation_window(lessons, z, n), n, 2) is False
    # a student with only 3 lessons so far is not judged yet
    assert figures.lacks_marks(*figures.accumulation_window([14, 15, 16], {}, n), n, k) is False


# --- the forecast --------------------------------------------------------------------------------------------

GRADEBOOK = {"rounding": "thresholds", "thresholds": {"5": 4.65, "4": 3.65, "3": 2.65}}


def test_forecast_risk_by_hand():
    threshold = figures.pass_threshold(GRADEBOOK, 3)
    assert threshold == 2.65
    kw = {"min_marks": 3, "pass_mark": 3, "threshold": threshold, "margin": 0.25}
    assert figures.forecast_risk(4.0, 2, 4, **kw) == "not_certified"  # two marks, three needed
    assert figures.forecast_risk(2.5, 4, 2, **kw) == "failing"  # (2 + 3 + 2 + 3) / 4 → 2
    assert figures.forecast_risk(2.8, 4, 3, **kw) == "borderline"  # 2.8 < 2.65 + 0.25
    assert figures.forecast_risk(2.9, 4, 3, **kw) is None  # 2.9 = 2.65 + 0.25: safe
    assert figures.forecast_risk(None, 0, None, **{**kw, "min_marks": 0}) is None  # nothing to judge yet
    assert figures.pass_threshold({"rounding": "standard", "thresholds": {}}, 3) == 2.5


def test_marks_expected_grow_with_the_term():
    start, end = date(2026, 11, 5), date(2026, 12, 28)  # 54 days
    assert figures.expected_marks(3, start, end, date(2026, 11, 5)) == 0  # 3 · 1/54
    assert figures.expected_marks(3, start, end, date(2026, 11, 22)) == 1  # 3 · 18/54
    assert figures.expected_marks(3, start, end, date(2026, 12, 10)) == 2  # 3 · 36/54
    assert figures.expected_marks(3, start, end, date(2026, 12, 28)) == 3
    assert figures.expected_marks(3, start, end, date(2026, 11, 1)) == 0


# --- timeliness ------------------------------------------------------------------------------------------------

def test_entry_deadline_is_the_end_of_the_nth_day_in_the_school_zone():
    deadline = figures.entry_deadline(date(2026, 11, 16), 1, "Europe/Moscow")
    assert deadline == datetime(2026, 11, 17, 20, 59, 59, 999999, tzinfo=UTC)  # 23:59:59 MSK
    vladivostok = figures.entry_deadline(date(2026, 11, 16), 0, "Asia/Vladivostok")
    assert vladivostok == datetime(2026, 11, 16, 13, 59, 59, 999999, tzinfo=UTC)


@pytest.mark.parametrize(("entered", "at", "status"), [
    (True, datetime(2026, 11, 17, 12, tzinfo=UTC), "ok"),
    (True, datetime(2026, 11, 18, 12, tzinfo=UTC), "late"),
    (True, None, "ok"),
    (False, None, "missing"),
])
def test_entry_status(entered, at, status):
    deadline = figures.entry_deadline(date(2026, 11, 16), 1, "Europe/Moscow")
    assert figures.entry_status(entered, at, deadline, datetime(2026, 11, 20, tzinfo=UTC)) == status


def test_entry_not_due_yet_is_pending():
    deadline = figures.entry_deadline(date(2026, 11, 16), 1, "Europe/Moscow")
    assert figures.entry_status(False, None, deadline, datetime(2026, 11, 17, 10, tzinfo=UTC)) == "pending"


# --- objectivity -------------------------------------------------------------------------------------------------

def test_distribution_and_means():
    assert figures.mark_bucket(3.75, SCALE) == 4 and figures.mark_bucket(4.25, SCALE) == 4
    assert figures.distribution({5: 1, 4: 2, 3: 1}, [5, 4, 3, 2]) == {5: 25.0, 4: 50.0, 3: 25.0, 2: 0.0}
    assert figures.weighted_mean([(5.0, 2), (4.0, 1), (3.75, 1)]) == 4.44  # 17.75 / 4
    assert figures.gap(4.1, 3.6) == 0.5
    assert figures.gap(None, 3.6) is None


def test_school_figures_combine_the_classes_without_recounting():
    first = {k: v for k, v in CLASS.items() if k <= 2}
    second = {k: v for k, v in CLASS.items() if k > 2}
    together = figures.combine([figures.progress_stats(first, SCALE), figures.progress_stats(second, SCALE)], SCALE)
    alone = figures.progress_stats(CLASS, SCALE)
    assert (together.students, together.success_percent, together.quality_percent, together.average,
            together.sou_percent) == (5, 60.0, 40.0, 4.14, 67.7)
    assert together.categories == alone.categories and together.marks == alone.marks
