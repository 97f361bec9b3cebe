"""A surname typed as a spreadsheet formula reaches every XLSX export as text, never as a formula."""
from __future__ import annotations

import csv
import io

import pytest

from core.toolkit import csv_writer, safe_cell
from tests.plugins.reports.reports_helpers import workbook
from tests.plugins.reports.test_reports_pages import CASES, _query

EVIL = '=HYPERLINK("http://x","Оценки")'


def _cells(content: bytes) -> list[tuple[str, object]]:
    book = workbook(content)
    return [(cell.data_type, cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None]


@pytest.mark.parametrize(("key", "role", "make", "title"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_a_formula_surname_is_text_in_every_report_export(login_as, demo, session, key, role, make, title):
    student = demo.users["student"]
    student.last_name = EVIL
    session.commit()
    xlsx = login_as(role).get(f"/reports/{key}/export.xlsx?{_query(make(demo))}")
    assert xlsx.status_code == 200
    cells = _cells(xlsx.data)
    assert [v for t, v in cells if t == "f"] == []  # no formula anywhere
    if key in ("class_progress", "student_card", "class_teacher_report") and role == "class_teacher":
        assert any(t == "s" and EVIL in str(v) for t, v in cells), "the surname should be in this report"


def test_support_export_keeps_a_formula_category_as_text(login_as, session, demo):
    from plugins.support.services import (
        CategoryRow,  # the row the report page builds
        report_xlsx,
    )

    content = report_xlsx([CategoryRow(EVIL, 1, 0, 1, None)], ["Категория", "Всего", "Закрыто", "Открыто", "Часы"],
                          "Обращения")
    cells = _cells(content)
    assert ("s", EVIL) in cells and not [v for t, v in cells if t == "f"]


def test_csv_fields_that_a_spreadsheet_would_run_get_an_apostrophe():
    stream = io.StringIO()
    csv_writer(stream).writerows([[EVIL, "+7 999", "-1+1", "@SUM(A1)", "Иванов", 5, -3]])
    assert next(csv.reader(io.StringIO(stream.getvalue()))) == [
        "'" + EVIL, "'+7 999", "'-1+1", "'@SUM(A1)", "Иванов", "5", "-3"]
    assert safe_cell(4.5) == 4.5
