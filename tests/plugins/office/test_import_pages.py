"""The import through the real pages (upload → preview → mapping → save) and through ``klass office import``."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import func, select

from core.models import Role, RoleGrant, User
from plugins.office.import_cli import import_command
from plugins.office.models import ImportBatch
from tests.plugins.office.test_import_files import xlsx


def _students(session) -> int:
    return session.scalar(select(func.count(RoleGrant.id)).where(RoleGrant.role == Role.student))


def _upload(client, submit, content: bytes, filename: str, class_id: int, kind: str = "students"):
    page = client.get("/office/import").text
    starts_on = re.search(r'name="starts_on"[^>]*value="([^"]+)"', page).group(1)
    data = {"file": (io.BytesIO(content), filename), "class_id": str(class_id), "kind": kind, "starts_on": starts_on}
    response = submit(client, "/office/import", data, "/office/import", content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def test_upload_preview_change_mapping_skip_rows_and_save(session, demo, client_for, submit):
    # «Родители» holds no name the reader knows for the student; «Ученик» does. The «Примечание» column is
    # ignored at first, then the user maps it to the address.
    content = xlsx(["Ученик", "Дата рождения", "ФИО родителя", "Примечание"],
                   [["Орлова Ада Юрьевна", "01.02.2015", "Орлова Юлия Петровна", "ул. Мира, 5"],
                    ["Павлов Ян", "31.02.2015", "", ""],
                    ["Рыбина Ия", "03.03.2015", "Рыбин Олег", ""]])
    admin = client_for("admin")
    url = _upload(admin, submit, content, "7v.xlsx", demo["c5b"].id)
    page = admin.get(url).text
    assert re.search(r'name="col0".*?<option value="fio" selected', page, re.S)
    assert re.search(r'name="col2".*?<option value="g1_fio" selected', page, re.S)
    assert re.search(r'data-testid="ignored">[^<]*<b>Примечание</b>', page)
    assert 'data-testid="bad-count">1<' in page and "строка 3:" in page and "«31.02.2015»" in page
    mapping = {"col0": "fio", "col1": "birth_date", "col2": "g1_fio", "col3": "address"}
    assert submit(admin, f"{url}/mapping", mapping, url).status_code == 302
    page = admin.get(url).text
    assert re.search(r'name="col3".*?<option value="address" selected', page, re.S)
    assert 'data-testid="ignored"' not in page
    before = _students(session)
    # Saving without ticking the box saves nothing and names the row.
    response = submit(admin, f"{url}/confirm", {}, url)
    assert response.status_code == 302
    assert "строках 3 есть ошибки" in admin.get(url).text
    session.expire_all()
    assert _students(session) == before
    # Ticking the box that names row 3 saves the other two, with the address the user mapped.
    response = submit(admin, f"{url}/confirm", {"skip_rows": "3", "skip_rows_confirmed": "1"}, url)
    assert response.status_code == 302
    session.expire_all()
    assert _students(session) == before + 2
    ada = session.scalar(select(User).where(User.last_name == "Орлова", User.first_name == "Ада"))
    from plugins.office.models import PersonalFile
    assert session.scalar(select(PersonalFile.registration_address).where(
        PersonalFile.student_id == ada.id)) == "ул. Мира, 5"
    batch = session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert batch.status == "done" and batch.content == b"" and batch.created_students == 2


def test_a_mapping_that_names_a_field_twice_is_refused(session, demo, client_for, submit):
    admin = client_for("admin")
    url = _upload(admin, submit, xlsx(["ФИО", "Дата рождения"], [["Сомов Лев", "01.01.2015"]]), "x.xlsx",
                  demo["c5b"].id)
    submit(admin, f"{url}/mapping", {"col0": "fio", "col1": "fio"}, url)
    page = admin.get(url).text
    assert "оба сопоставлены полю" in page
    before = _students(session)
    submit(admin, f"{url}/confirm", {}, url)
    session.expire_all()
    assert _students(session) == before


def test_class_teacher_imports_only_students_into_own_class(session, demo, client_for, submit):
    teacher = client_for(demo["c5a_teacher"].login)
    page = teacher.get("/office/import").text
    assert 'value="staff"' not in page and "/office/import/template/staff.xlsx" not in page
    assert teacher.get("/office/import/template/staff.xlsx").status_code == 404
    url = _upload(teacher, submit, xlsx(["ФИО", "Класс"], [["Сомов Лев", "5Б"]]), "x.xlsx", demo["c5a"].id)
    assert "Строка относится к классу 5Б, а список загружается в 5А." in teacher.get(url).text


def test_template_download_opens_with_the_expected_headers(client_for):
    admin = client_for("admin")
    for kind, first in (("students", "Фамилия"), ("staff", "Фамилия"), ("loads", "Класс")):
        response = admin.get(f"/office/import/template/{kind}.xlsx")
        assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
        headers = [c.value for c in load_workbook(io.BytesIO(response.data)).active[1]]
        assert headers[0] == first and len(headers) >= 5


def test_cli_names_each_problem_row_and_exits_1_then_saves(app, session, demo, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes("Фамилия;Имя;Дата рождения;E-mail\r\nТихонов;Ян;01.01.2015;\r\n;Ия;02.02.2015;\r\n"
                    "Уткина;Ева;30.02.2015;eva.mail.ru\r\n".encode("cp1251"))
    before = _students(session)
    result = app.test_cli_runner().invoke(import_command, [str(bad), "--class", "5Б"])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("строка")]
    assert lines[0].startswith("строка 3: ") and "нет фамилии" in lines[0]
    assert lines[1].startswith("строка 4: ") and "«30.02.2015»" in lines[1] and "eva.mail.ru" in lines[1]
    assert len(lines) == 2
    session.expire_all()
    assert _students(session) == before
    good = tmp_path / "good.csv"
    good.write_bytes("Фамилия;Имя;Дата рождения\r\nТихонов;Ян;01.01.2015\r\n".encode())
    dry = app.test_cli_runner().invoke(import_command, [str(good), "--class", "5Б", "--dry-run"])
    assert dry.exit_code == 0 and "ничего не сохранено" in dry.output
    session.expire_all()
    assert _students(session) == before
    result = app.test_cli_runner().invoke(import_command, [str(good), "--class", "5Б"])
    assert result.exit_code == 0, result.output
    assert "Сохранено: учеников 1, родителей 0." in result.output
    session.expire_all()
    assert _students(session) == before + 1
