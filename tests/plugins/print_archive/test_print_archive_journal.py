"""The printed journal as a reader sees it: pages read back from the PDF with pypdf."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.toolkit import ClassMembership, Subject, User, ru_plural
from plugins.gradebook.models import Homework, Lesson, Mark
from plugins.print_archive.render import cell_text, chunks, date_columns
from plugins.print_archive.services import file_bytes
from tests.plugins.print_archive.print_archive_helpers import class_named, pdf_pages


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _math_unit_lesson(session, class_id):
    """A sampled lesson: the first Mathematics lesson of the class with at least three marks."""
    subject_id = session.scalar(select(Subject.id).where(Subject.name == "Математика"))
    lessons = session.scalars(select(Lesson).where(Lesson.class_id == class_id, Lesson.subject_id == subject_id,
                                                   Lesson.topic != "").order_by(Lesson.date, Lesson.number, Lesson.id)).all()
    for index, lesson in enumerate(lessons):
        marks = session.scalars(select(Mark).where(Mark.lesson_id == lesson.id)).all()
        if len(marks) >= 3:
            return lessons, index, marks
    pytest.fail("no mathematics lesson with marks in the demo data")


def test_5a_journal_pdf_holds_students_marks_topics_and_certification(app, session, class_5a, print_class):
    document = print_class(class_5a.id)
    data = file_bytes(session, document)
    assert data.startswith(b"%PDF")
    pages = pdf_pages(data)
    assert len(pages) == document.pages > 10

    # Every sheet is numbered; one-sided printing (the default): a sheet is a page.
    for number, text in enumerate(pages, 1):
        assert f"Лист {number}" in text
    assert document.sheets == len(pages)

    # The title page and the list of students with their birth dates.
    assert "КЛАССНЫЙ ЖУРНАЛ" in pages[0] and "5 «А» класса" in pages[0]
    students = session.scalars(select(User).join(ClassMembership, ClassMembership.student_id == User.id)
                               .where(ClassMembership.class_id == class_5a.id)).all()
    assert len(students) == 12
    listing = _flat(pages[1])
    for student in students:
        assert f"{student.full_name} {student.birth_date:%d.%m.%Y}" in listing

    # A sampled lesson: its marks in the grid on the left page, its topic on the right page.
    lessons, index, marks = _math_unit_lesson(session, class_5a.id)
    size = date_columns(app.extensions["klass"].plugins["print_archive"].settings)
    chunk_no = index // size
    part = chunks(lessons, size)[chunk_no]
    span = f"уроки {chunk_no * size + 1}–{chunk_no * size + len(part)} из {len(lessons)}"
    spread = [i for i, text in enumerate(pages) if "Предмет: Математика" in text and span in text]
    assert len(spread) == 2, "a left (grid) and a right (topics) page"
    grid, topics = pages[spread[0]], _flat(pages[spread[1]])
    lesson = lessons[index]
    assert f"{lesson.date:%d.%m} {lesson.topic}" in topics
    homework = session.scalar(select(Homework.text).where(Homework.lesson_id == lesson.id))
    if homework:
        assert homework in topics

    from core.toolkit import utcnow
    from plugins.print_archive.data import load_class_year

    unit = next(u for u in load_class_year(session, class_5a.id, utcnow()).units if u.subject_name == "Математика")
    rows = {line.split(" ", 1)[1]: line for line in grid.splitlines() if re.match(r"^\d+ ", line)}
    for mark in marks:
        student = session.get(User, mark.student_id)
        line = next(v for k, v in rows.items() if k.startswith(f"{student.last_name} {student.first_name}"))
        expected = " ".join(t for t in (cell_text(unit, student.id, le.id) for le in part) if t)
        assert line.endswith(expected)
        assert mark.value in cell_text(unit, student.id, lesson.id)

    # The last page certifies the number of sheets with the right Russian plural.
    n = len(pages)
    assert f"Прошито, пронумеровано и скреплено печатью {n} {ru_plural(n, 'лист', 'листа', 'листов')}." \
        in _flat(pages[-1])
    assert "М. П." in pages[-1] and "Орлова Т. В." in pages[-1] and "Дата подписания" in pages[-1]


def test_two_sided_printing_counts_half_the_pages_rounded_up(make_app, demo_school):
    app = make_app(plugins=["gradebook", "attendance", "print_archive"],
                   settings={"plugins": {"print_archive": {"printing": "two_sided"}}})
    with app.app_context():
        from plugins.print_archive.jobs import context_from_app
        from plugins.print_archive.services import generate
        from tests.plugins.print_archive.print_archive_helpers import user_by_login

        session = app.extensions["klass"].session()
        school_class = class_named(session, demo_school["school_id"], "5Б")
        deputy = user_by_login(session, demo_school["accounts"]["deputy"])
        document = generate(session, context_from_app(), school_class.id, "journal", user_id=deputy.id)
        pages = pdf_pages(file_bytes(session, document))
    sheets = (len(pages) + 1) // 2
    assert document.sheets == sheets and document.printing == "two_sided"
    assert f"печатью {sheets} {ru_plural(sheets, 'лист', 'листа', 'листов')}." in _flat(pages[-1])
    for number, text in enumerate(pages, 1):
        sheet = (number + 1) // 2
        assert (f"Лист {sheet} об." in text) == (number % 2 == 0)
        assert f"Лист {sheet}" in text
    # Each spread starts on a left-hand (even) page so the grid faces its topics.
    grids = [i + 1 for i, text in enumerate(pages) if "Предмет:" in text and "Фамилия, имя" in text]
    assert grids and all(page % 2 == 0 for page in grids)


def test_summary_sheet_is_its_own_document_with_a_longer_retention(app, session, class_5a, print_class):
    from plugins.gradebook.models import FinalMark

    document = print_class(class_5a.id, "summary")
    pages = pdf_pages(file_bytes(session, document))
    assert "СВОДНАЯ ВЕДОМОСТЬ ИТОГОВЫХ ОТМЕТОК" in _flat(pages[0])
    assert "Сводная ведомость учёта успеваемости обучающихся" in pages[1]
    final = session.scalar(select(FinalMark).where(FinalMark.class_id == class_5a.id))
    student = session.get(User, final.student_id)
    assert any(f"{student.last_name} {student.first_name} {final.value}" in text for text in pages)
    journal = print_class(class_5a.id, "journal")
    from core.toolkit import AcademicYear

    closed = session.get(AcademicYear, class_5a.year_id).ends_on.year  # kept from 1 January after it
    assert journal.keep_until.isoformat() == f"{closed + 5}-12-31"
    assert document.keep_until.isoformat() == f"{closed + 25}-12-31"
    assert f"печатью {len(pages)} " in _flat(pages[-1])


def test_the_wording_of_printed_forms_comes_from_settings(make_app, demo_school):
    wording = {"certification": "Всего в журнале {count} {sheets} ({count_words}).", "sheet_label": "стр. {n}",
               "journal_title": "ЖУРНАЛ УЧЁТА"}
    app = make_app(plugins=["gradebook", "attendance", "print_archive"],
                   settings={"plugins": {"print_archive": {"wording": wording}}})
    with app.app_context():
        from plugins.print_archive.jobs import context_from_app
        from plugins.print_archive.services import generate
        from tests.plugins.print_archive.print_archive_helpers import user_by_login

        session = app.extensions["klass"].session()
        school_class = class_named(session, demo_school["school_id"], "1А")
        deputy = user_by_login(session, demo_school["accounts"]["deputy"])
        document = generate(session, context_from_app(), school_class.id, "journal", user_id=deputy.id)
        pages = pdf_pages(file_bytes(session, document))
    from plugins.print_archive.words import number_words

    n = len(pages)
    assert "ЖУРНАЛ УЧЁТА" in pages[0] and "стр. 1" in pages[0]
    assert f"Всего в журнале {n} {ru_plural(n, 'лист', 'листа', 'листов')} ({number_words(n)})." in _flat(pages[-1])


def test_a_template_with_an_unknown_placeholder_stops_the_start(make_app):
    from core.toolkit import ConfigError

    with pytest.raises(ConfigError) as err:
        make_app(plugins=["gradebook", "attendance", "print_archive"],
                 settings={"plugins": {"print_archive": {"wording": {"certification": "{pages} листов"}}}})
    assert "certification" in str(err.value)


@pytest.mark.parametrize(("n", "text"), [(1, "1 лист"), (2, "2 листа"), (5, "5 листов"), (11, "11 листов"),
                                         (21, "21 лист"), (22, "22 листа"), (111, "111 листов"), (112, "112 листов")])
def test_sheet_count_plural(n, text):
    assert f"{n} {ru_plural(n, 'лист', 'листа', 'листов')}" == text


@pytest.mark.parametrize(("n", "words"), [(1, "один"), (21, "двадцать один"), (44, "сорок четыре"),
                                          (111, "сто одиннадцать"), (1002, "одна тысяча два"),
                                          (2345, "две тысячи триста сорок пять")])
def test_sheet_count_in_words(n, words):
    from plugins.print_archive.words import number_words

    assert number_words(n) == words


def test_a_long_grid_splits_across_pages_and_repeats_its_header():
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    from core.toolkit import register_fonts
    from plugins.print_archive.grid import Grid, HeaderCell

    font, bold = register_fonts()
    header = [[HeaderCell("№", rowspan=2), HeaderCell("Фамилия, имя", rowspan=2), HeaderCell("сен", colspan=3)],
              [HeaderCell("1"), HeaderCell("2"), HeaderCell("3")]]
    rows = [[str(n), f"Ученик {n:03d}", "5", "н", ""] for n in range(1, 151)]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(
        [Grid([20, 120, 20, 20, 20], header, rows, font=font, bold=bold, size=7)])
    pages = pdf_pages(buffer.getvalue())
    assert len(pages) >= 2
    for text in pages:
        assert "Фамилия, имя" in text and "сен" in text
    assert "Ученик 001" in pages[0] and "Ученик 150" in pages[-1]
    assert sum(text.count("Ученик ") for text in pages) == 150
