"""Every report runs in the UI for the demo school; its XLSX holds the same figures as the page; its PDF
speaks Russian."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from plugins.reports.export import HEADER_ROW
from tests.plugins.reports.reports_helpers import page_tables, pdf_text, same, workbook

# report key, who runs it, parameters (a callable of the Demo), a Russian title the page must show
CASES = [
    ("class_progress", "deputy", lambda d: {}, "Сводная ведомость успеваемости"),
    ("class_progress", "class_teacher", lambda d: {"class_id": d.classes["5А"]}, "Сводная ведомость успеваемости"),
    ("class_teacher_report", "class_teacher", lambda d: {"class_id": d.classes["5А"]}, "Отчёт классного руководителя"),
    ("student_card", "class_teacher", lambda d: {"student_id": d.users["student"].id}, "Карточка учащегося"),
    ("final_forecast", "deputy", lambda d: {"class_id": d.classes["9А"]}, "Прогноз итоговых отметок"),
    ("class_attendance", "class_teacher", lambda d: {"class_id": d.classes["5А"]}, "Посещаемость"),
    ("class_attendance", "deputy", lambda d: {}, "Посещаемость"),
    ("mark_accumulation", "deputy", lambda d: {}, "Накопляемость отметок"),
    ("journal_timeliness", "deputy", lambda d: {}, "Своевременность заполнения журнала"),
    ("objectivity", "deputy", lambda d: {}, "Объективность оценивания"),
]


def _query(params: dict[str, Any]) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())


@pytest.mark.parametrize(("key", "role", "make", "title"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_report_runs_and_exports_the_same_figures(login_as, demo, key, role, make, title):
    client = login_as(role)
    query = _query(make(demo))
    page = client.get(f"/reports/{key}?run=1&{query}")
    assert page.status_code == 200, page.text[:500]
    assert title in page.text
    assert "<svg" in page.text or key == "mark_accumulation"  # charts where people would rather look
    tables, page_figures = page_tables(page.text)
    assert tables, "no table on the page"

    xlsx = client.get(f"/reports/{key}/export.xlsx?{query}")
    assert xlsx.status_code == 200
    assert xlsx.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = workbook(xlsx.data)
    summary = book.worksheets[0]
    assert summary.cell(1, 1).value == title
    # the key figures: label in column A, value in column B, in the page's order
    xlsx_figures = {summary.cell(r, 1).value: summary.cell(r, 2).value for r in range(1, summary.max_row + 1)}
    labels = page_tables.labels
    assert page_figures
    for figure_key, shown in page_figures.items():
        assert same(shown, xlsx_figures[labels[figure_key]]), (figure_key, shown, xlsx_figures[labels[figure_key]])
    for sheet, (table_key, table) in zip(book.worksheets[1:], tables.items(), strict=True):
        header = [sheet.cell(HEADER_ROW + 1, c + 1).value for c in range(len(table["head"]))]
        assert header == table["head"], table_key
        assert sheet.freeze_panes == f"A{HEADER_ROW + 2}"  # the header stays on screen
        for r, row in enumerate(table["body"] + table["foot"]):
            for c, cell in enumerate(row):
                value = sheet.cell(HEADER_ROW + 2 + r, c + 1).value
                assert same(cell["text"], value), (table_key, r, c, cell["text"], value)

    pdf = client.get(f"/reports/{key}/export.pdf?{query}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    assert title in text
    assert "стр. 1 из" in text


def test_report_list_shows_reports_by_role(login_as):
    deputy = login_as("deputy").get("/reports/")
    assert deputy.status_code == 200
    for title in ("Сводная ведомость успеваемости", "Объективность оценивания", "Своевременность заполнения журнала",
                  "Накопляемость отметок", "Прогноз итоговых отметок", "Карточка учащегося"):
        assert title in deputy.text
    teacher = login_as("teacher").get("/reports/")
    assert "Сводная ведомость успеваемости" in teacher.text
    assert "Объективность оценивания" not in teacher.text
    menu = login_as("class_teacher").get("/")
    assert 'href="/reports/"' in menu.text


def test_percentages_and_numbers_use_russian_formats(login_as, demo):
    page = login_as("deputy").get("/reports/class_progress?run=1")
    _tables, shown = page_tables(page.text)
    assert "," in shown["success"] or shown["success"] in ("0", "100")
    book = workbook(login_as("deputy").get("/reports/class_progress/export.xlsx").data)
    sheet = book.worksheets[1]
    headers = [c.value for c in sheet[HEADER_ROW + 1]]
    column = headers.index("Успеваемость, %") + 1
    assert sheet.cell(HEADER_ROW + 2, column).number_format == "0.0"


def test_wide_reports_print_landscape_and_repeat_the_header(login_as, demo):
    import io

    from pypdf import PdfReader

    start = (demo.today - timedelta(days=60)).isoformat()
    pdf = login_as("deputy").get(f"/reports/journal_timeliness/export.pdf?start={start}").data
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape A4
    # The lessons' table runs over several pages and its header row is on each of them (the last
    # page may hold only the closing note).
    texts = [page.extract_text() for page in reader.pages]
    table_pages = [t for t in texts[1:] if "Урок" in t or "урок" in t]
    assert len(reader.pages) > 2 and table_pages
    assert all("Учитель" in t for t in texts[1:-1])


WIDE = [c for c in CASES if c[0] in ("class_progress", "class_teacher_report", "class_attendance",
                                     "mark_accumulation", "final_forecast")]


@pytest.mark.parametrize(("key", "role", "make", "title"), WIDE, ids=[f"{c[0]}-{c[1]}" for c in WIDE])
def test_pdf_table_headers_never_break_inside_a_word(login_as, demo, key, role, make, title):
    """«Посещаемо/сть» is unreadable: every header word of every table (the XLSX gives them) is whole in the
    PDF's text, never cut in two by the line break."""
    client = login_as(role)
    query = _query(make(demo))
    book = workbook(client.get(f"/reports/{key}/export.xlsx?{query}").data)
    words = {w.strip(",.%()«»") for sheet in book.worksheets[1:]
             for cell in sheet[HEADER_ROW + 1] if isinstance(cell.value, str) for w in cell.value.split()}
    words = {w for w in words if len(w) >= 6 and w.isalpha()}
    assert words, key
    text = pdf_text(client.get(f"/reports/{key}/export.pdf?{query}").data)
    broken = [f"{w[:k]} {w[k:]}" for w in words for k in range(2, len(w) - 1) if f"{w[:k]} {w[k:]}" in text]
    assert broken == []


def test_a_failing_forecast_is_shown_as_a_forecast_in_html_xlsx_and_pdf(login_as, demo):
    """The current term's results are forecasts: a forecast «2» is red AND italic with a title on the page,
    italic in the workbook, and printed in the italic face the PDF's footnote promises."""
    import io
    import re

    from pypdf import PdfReader

    client = login_as("class_teacher")
    query = _query({"class_id": demo.classes["5А"]})
    page = client.get(f"/reports/class_progress?run=1&{query}").text
    cells = re.findall(r'<td class="([^"]*)"( title="[^"]*")?>(?:<a [^>]*>)?(\d)(?:</a>)?</td>', page)
    failing = [c for c in cells if "forecast" in c[0].split() and c[2] == "2"]
    assert failing, "the demo has a failing forecast in 5А"
    assert all("bad" in c[0].split() and "Прогноз, а не отметка" in c[1] for c in failing)
    book = workbook(client.get(f"/reports/class_progress/export.xlsx?{query}").data)
    sheet = book.worksheets[1]
    twos = [cell for row in sheet.iter_rows(min_row=HEADER_ROW + 2) for cell in row[2:] if cell.value == 2]
    assert twos and all(cell.font.i for cell in twos)
    reader = PdfReader(io.BytesIO(client.get(f"/reports/class_progress/export.pdf?{query}").data))
    fonts = {str(f["/BaseFont"]) for p in reader.pages for f in p["/Resources"]["/Font"].values()}
    assert any("DejaVuSans-Oblique" in f for f in fonts), fonts
