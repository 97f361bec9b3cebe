"""The weighted average, the forecast by the school's rounding rule, and "how was this computed"."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from plugins.gradebook import explanations, journal_grid, summaries, teacher_day
from plugins.gradebook.averages import average_from_sums, average_of, format_weight, rounding_rule_text


def test_weighted_average_counts_weights_and_skips_special_codes(demo):
    avg = average_of([("5", 5.0, "answer"), ("3", 3.0, "test"), ("н/а", None, "answer")], demo.settings)
    assert avg.weighted_sum == 11 and avg.total_weight == 3
    assert avg.text == "3,67" and avg.value == 3.67  # (5·1 + 3·2) / 3 = 3,666…
    assert average_of([], demo.settings).value is None and average_of([], demo.settings).text == "—"


def test_a_work_type_removed_from_the_settings_still_counts_with_weight_one(demo):
    settings = {**demo.settings, "work_types": [{"code": "answer", "title": "Ответ", "weight": 1.0}]}
    assert average_of([("5", 5.0, "olympiad"), ("3", 3.0, "answer")], settings).text == "4,00"


@pytest.mark.parametrize("average,expected", [("4.65", 5), ("4.64", 4), ("3.65", 4), ("3.644", 3), ("2.65", 3),
                                              ("2.6", 2), ("1.0", 2), (None, None)])
def test_forecast_by_thresholds(demo, average, expected):
    assert average_from_sums(average and Decimal(average), 1 if average else 0, demo.settings).forecast == expected


@pytest.mark.parametrize("average,expected", [("4.5", 5), ("4.49", 4), ("2.5", 3), ("1.2", 1)])
def test_forecast_by_standard_rounding(demo, average, expected):
    assert average_from_sums(Decimal(average), 1, {**demo.settings, "rounding": "standard"}).forecast == expected


def test_the_forecast_follows_the_average_shown_not_hidden_decimals(demo):
    # 4,645 is shown 4,65 (half-up, as a teacher rounds by hand): the forecast is the one for 4,65.
    shown_up = average_from_sums(Decimal("4.645"), 1, demo.settings)
    assert (shown_up.text, shown_up.forecast) == ("4,65", 5)
    # 4,6449… is shown 4,64: the forecast is the one for 4,64, whatever the hidden decimals say.
    shown_down = average_from_sums(Decimal("4.6449999"), 1, demo.settings)
    assert (shown_down.text, shown_down.forecast) == ("4,64", 4)


def test_rounding_rule_in_words(demo):
    assert rounding_rule_text(demo.settings) == "пороги: ≥ 4,65 → 5; ≥ 3,65 → 4; ≥ 2,65 → 3"
    assert "0,5" in rounding_rule_text({**demo.settings, "rounding": "standard"})


def test_explanation_writes_out_every_number(demo):
    lesson = demo.past_lesson()
    term = demo.term_of(lesson.date)
    student = demo.students[0]
    e = explanations.explain_average(demo.session, demo.settings, class_id=demo.class_5a.id, subject_id=demo.math.id,
                                 student_id=student.id, start=term.starts_on, end=term.ends_on)
    averages = explanations.averages_for(demo.session, demo.settings, demo.class_5a.id, demo.math.id, term.starts_on,
                                     term.ends_on, [student.id])
    assert e.average.value == averages[student.id].value
    assert e.forecast == e.average.forecast and e.shown == e.average.value
    counted = [m for m in e.marks if m.counted]
    assert e.sum_text().count("·") == len(counted)
    assert e.sum_text().endswith(f"= {format_weight(e.average.weighted_sum)}")
    assert all(m.work_type_title for m in e.marks)


def test_journal_average_equals_the_explanation(demo):
    lesson = demo.past_lesson()
    term = demo.term_of(lesson.date)
    ctx = journal_grid.journal_context(demo.session, demo.school_id, demo.teacher.id, demo.class_5a.id, demo.math.id,
                                   term.id)
    grid = journal_grid.load_journal(demo.session, demo.settings, demo.editor(today=lesson.date), ctx)
    for student in grid.journal.students:
        e = explanations.explain_average(demo.session, demo.settings, class_id=demo.class_5a.id, subject_id=demo.math.id,
                                     student_id=student.id, start=term.starts_on, end=term.ends_on)
        assert grid.averages[student.id].text == e.average.text
        assert grid.averages[student.id].forecast == e.forecast


def test_year_forecast_is_the_mean_of_term_marks(demo):
    from plugins.gradebook.models import FinalMark

    student = demo.students[0]
    for term, value in zip(demo.terms[:2], ("5", "4"), strict=True):
        existing = demo.session.query(FinalMark).filter_by(student_id=student.id, subject_id=demo.math.id,
                                                            class_id=demo.class_5a.id, term_id=term.id).one_or_none()
        if existing is None:
            demo.session.add(FinalMark(school_id=demo.school_id, class_id=demo.class_5a.id, subject_id=demo.math.id,
                                       student_id=student.id, term_id=term.id, value=value, numeric=float(value)))
        else:
            existing.value, existing.numeric = value, float(value)
    demo.session.flush()
    e = explanations.explain_year(demo.session, demo.settings, class_id=demo.class_5a.id, subject_id=demo.math.id,
                              student_id=student.id, terms=demo.terms)
    assert e.kind == "terms" and e.shown == 4.5 and e.forecast == 4
    assert [f.value for f in e.term_finals[:2]] == ["5", "4"]


def test_class_summary_agrees_with_the_journal(demo):
    lesson = demo.past_lesson()
    term = demo.term_of(lesson.date)
    cells = summaries.class_summary(demo.session, demo.settings, demo.class_5a.id, term.id, term.starts_on, term.ends_on)
    averages = explanations.averages_for(demo.session, demo.settings, demo.class_5a.id, demo.math.id, term.starts_on,
                                     term.ends_on)
    for student_id, avg in averages.items():
        if avg.value is not None:
            assert cells[(demo.math.id, student_id)].average == avg.value


def test_student_card_lists_every_subject_of_the_student(demo):
    term = demo.term_of(demo.past_lesson().date)
    rows = summaries.student_card(demo.session, demo.settings, demo.class_5a.id, demo.student.id, term.id,
                                 term.starts_on, term.ends_on)
    names = [r.subject_name for r in rows]
    assert "Математика" in names and "Английский язык" in names
    math = next(r for r in rows if r.subject_name == "Математика")
    assert math.marks and math.average.value is not None
    assert math.forecast == math.average.forecast is not None


def test_teacher_day_lists_lessons_and_counts_missing_topics(demo):
    lesson = demo.new_lesson(number=10)
    lesson.topic = ""
    demo.session.flush()
    rows = teacher_day.teacher_lessons(demo.session, demo.school_id, demo.teacher.id, lesson.date, lesson.date)
    assert any(r.id == lesson.id and r.subject_name == "Математика" for r in rows)
    assert teacher_day.lessons_without_topic(demo.session, demo.school_id, demo.teacher.id,
                                          lesson.date - timedelta(days=1), lesson.date) >= 1
