"""Importing class lists: a preview with every row's problems in Russian, nothing saved until confirmed."""
from __future__ import annotations

import io
import re

import xlsxwriter
from sqlalchemy import func, select

from core.models import ClassMembership, GuardianLink, Role, RoleGrant, User
from core.services import class_students
from plugins.office import importer
from plugins.office.models import ImportBatch, PersonalFile

HEADER = ["ФИО", "Дата рождения", "Класс", "Родители", "Телефоны"]
FIRST = ["Анна", "Борис", "Вера", "Глеб", "Дарья", "Егор", "Жанна", "Захар", "Ирина", "Кирилл"]
LAST = ["Белова", "Волков", "Галкина", "Дроздов", "Ершова", "Жуков", "Зайцева", "Ильин", "Козлова", "Лосев"]


def _clean_rows(n: int = 30, class_name: str = "5Б") -> list[list[str]]:
    """Valid names: no digits (the helper above numbers them to keep them distinct)."""
    rows = []
    middles = ["Андреевна", "Борисовна", "Викторовна"]
    for i in range(n):
        last, first = LAST[i % 10], FIRST[i % 10]
        rows.append([f"{last} {first} {middles[i // 10]}", f"{(i % 27) + 1:02d}.0{(i % 9) + 1}.2014", class_name,
                     f"{last} Мария {middles[i // 10]} (мать); {last} Пётр Ильич (отец)"
                     if i % 2 else f"{last} Ольга {middles[i // 10]}",
                     f"+7 900 {100 + i:03d}-11-22; 8 (912) {200 + i:03d}-33-44" if i % 2 else f"8900{300 + i:03d}5566"])
    return rows


def _xlsx(rows: list[list[str]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Список")
    for r, row in enumerate([HEADER] + rows):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return buffer.getvalue()


def _upload(client, submit, content: bytes, filename: str, class_id: int | str = 0, starts_on: str = ""):
    data = {"file": (io.BytesIO(content), filename), "class_id": str(class_id)}
    if starts_on:
        data["starts_on"] = starts_on
    else:
        page = client.get("/office/import").text
        data["starts_on"] = re.search(r'name="starts_on"[^>]*value="([^"]+)"', page).group(1)
    return submit(client, "/office/import", data, "/office/import", content_type="multipart/form-data")


def _students(session) -> int:
    return session.scalar(select(func.count(RoleGrant.id)).where(RoleGrant.role == Role.student))


def test_three_bad_rows_of_thirty_show_problems_and_save_nothing(session, demo, client_for, submit):
    rows = _clean_rows(30)
    rows[4][1] = "31.02.2014"          # no such day
    rows[11][2] = "7Я"                 # no such class
    rows[20][4] = "+7 900 12; 8 (912) 200-33-44"  # a phone too short
    admin = client_for("admin")
    before = _students(session)
    response = _upload(admin, submit, _xlsx(rows), "5Б список.xlsx")
    assert response.status_code == 302
    preview = admin.get(response.headers["Location"])
    assert preview.status_code == 200
    assert 'data-testid="bad-count">3<' in preview.text
    assert "Дата рождения «31.02.2014» не распознана" in preview.text
    assert "Класса 7Я в этом учебном году нет." in preview.text
    assert "Телефон «+7 900 12» не похож на российский номер." in preview.text
    assert "Ничего не сохранено" in preview.text
    session.expire_all()
    assert _students(session) == before, "the preview saves nothing"

    # Confirming without choosing to skip the bad rows still saves nothing.
    url = response.headers["Location"]
    confirm = submit(admin, f"{url}/confirm", {}, url)
    assert confirm.status_code == 302
    assert "в 3 строках есть ошибки" in admin.get(confirm.headers["Location"]).text
    session.expire_all()
    assert _students(session) == before

    # Choosing to skip them saves the other 27.
    confirm = submit(admin, f"{url}/confirm", {"skip_invalid": "1"}, url)
    assert confirm.status_code == 302
    session.expire_all()
    assert _students(session) == before + 27
    batch = session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert batch.status == "done" and batch.content == b"" and batch.created_students == 27


def test_clean_list_creates_students_guardians_and_files(session, demo, client_for, submit, today):
    rows = _clean_rows(6)
    rows[5][3] = rows[3][3]  # a sibling: the same parents, named again
    rows[5][4] = rows[3][4]
    admin = client_for("admin")
    response = _upload(admin, submit, _xlsx(rows), "list.xlsx")
    url = response.headers["Location"]
    preview = admin.get(url).text
    assert 'data-testid="bad-count">0<' in preview
    response = submit(admin, f"{url}/confirm", {}, url)
    assert response.status_code == 302
    session.expire_all()
    created = session.scalars(select(User).where(User.last_name.in_(LAST[:6]), User.middle_name == "Андреевна",
                                                 User.first_name.in_(FIRST[:6]))).all()
    assert len(created) == 6
    kids = {u.first_name: u for u in created}
    anna = kids["Анна"]
    assert anna.birth_date.strftime("%d.%m.%Y") == "01.01.2014"
    assert anna.password_hash is None, "credentials come later, in one step for the class"
    assert anna.id in {s.id for s in class_students(session, demo["c5b"].id, today)}
    assert session.scalar(select(PersonalFile).where(PersonalFile.student_id == anna.id)) is not None
    boris = kids["Борис"]  # row 2: two parents with phones
    parents = session.scalars(select(User).join(GuardianLink, GuardianLink.guardian_id == User.id)
                              .where(GuardianLink.student_id == boris.id).order_by(User.first_name)).all()
    assert [p.first_name for p in parents] == ["Мария", "Пётр"]
    assert parents[0].phone == "+7 (900) 101-11-22"
    assert parents[0].has_role("guardian")
    relations = set(session.scalars(select(GuardianLink.relation).where(GuardianLink.student_id == boris.id)))
    assert relations == {"мать", "отец"}
    sibling_parents = set(session.scalars(select(GuardianLink.guardian_id).where(
        GuardianLink.student_id == kids["Егор"].id)))
    assert sibling_parents == set(session.scalars(select(GuardianLink.guardian_id).where(
        GuardianLink.student_id == kids["Глеб"].id))), "siblings share one account per parent"


def test_csv_in_windows_1251_with_semicolons(session, demo, client_for, submit):
    text = "ФИО;дата рождения;класс;родители;телефоны\r\n" \
           "Смирнова Алла Олеговна;05.05.2014;5 «Б»;Смирнова Ирина Львовна;8-900-555-44-33\r\n" \
           "Орлов Юрий;2014-07-01;5Б;;\r\n"
    admin = client_for("admin")
    response = _upload(admin, submit, text.encode("cp1251"), "spisok.csv")
    url = response.headers["Location"]
    preview = admin.get(url).text
    assert 'data-testid="bad-count">0<' in preview
    assert "Смирнова Ирина Львовна" in preview and "+7 (900) 555-44-33" in preview
    submit(admin, f"{url}/confirm", {}, url)
    session.expire_all()
    assert session.scalar(select(User).where(User.last_name == "Орлов", User.first_name == "Юрий")) is not None


def test_class_teacher_loads_only_into_own_class(session, demo, client_for, submit):
    rows = _clean_rows(3, "5А")
    rows[2][2] = "5Б"
    teacher = client_for(demo["c5a_teacher"].login)
    page = teacher.get("/office/import").text
    assert "По столбцу «класс» в файле" not in page, "only the admin may load several classes at once"
    response = _upload(teacher, submit, _xlsx(rows), "5a.xlsx", class_id=demo["c5a"].id)
    preview = teacher.get(response.headers["Location"]).text
    assert "Строка относится к классу 5Б, а список загружается в 5А." in preview
    # Another class as the target is refused outright.
    response = _upload(teacher, submit, _xlsx(rows), "5b.xlsx", class_id=demo["c5b"].id)
    assert response.status_code == 422
    # Somebody else's upload is not theirs to see.
    other = client_for("admin")
    response = _upload(other, submit, _xlsx(rows), "x.xlsx")
    assert teacher.get(response.headers["Location"]).status_code == 404


def test_unreadable_files_are_explained(session, client_for, submit):
    admin = client_for("admin")
    response = _upload(admin, submit, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls")
    assert "Сохраните его как XLSX или CSV" in admin.get(response.headers["Location"]).text
    response = _upload(admin, submit, "имя;возраст\nИванов;10\n".encode(), "x.csv")
    assert "Не найдена строка заголовков" in admin.get(response.headers["Location"]).text


def test_existing_student_and_duplicate_rows_are_problems(session, demo, client_for, submit):
    existing = demo["c5a_students"][0]
    rows = _clean_rows(2)
    rows[0][0] = existing.full_name
    rows[0][1] = existing.birth_date.strftime("%d.%m.%Y")
    rows.append(list(rows[1]))
    admin = client_for("admin")
    response = _upload(admin, submit, _xlsx(rows), "dups.xlsx")
    preview = admin.get(response.headers["Location"]).text
    assert "с этой датой рождения уже учится в школе" in preview
    assert "Этот же ученик уже указан в строке 3." in preview


def test_parsers():
    assert importer.parse_class_name("5 «Б»") == (5, "Б")
    assert importer.parse_class_name("10a") == (10, "А"), "a Latin look-alike letter is read as Cyrillic"
    assert importer.parse_class_name("5Б класс") == (5, "Б")
    assert importer.parse_class_name("пятый") is None
    assert importer.parse_phone("8 (912) 345-67-89") == "+7 (912) 345-67-89"
    assert importer.parse_phone("9123456789") == "+7 (912) 345-67-89"
    assert importer.parse_phone("12-34") is None
    person, problem = importer.parse_person("ИВАНОВА анна-мария", "ФИО")
    assert problem is None and (person.last_name, person.first_name) == ("Иванова", "Анна-Мария")
    assert importer.parse_person("Иванова", "ФИО")[1] is not None


def test_memberships_start_on_the_chosen_day(session, demo, client_for, submit, today):
    admin = client_for("admin")
    response = _upload(admin, submit, _xlsx(_clean_rows(1)), "one.xlsx", starts_on=today.isoformat())
    url = response.headers["Location"]
    submit(admin, f"{url}/confirm", {}, url)
    session.expire_all()
    student = session.scalar(select(User).where(User.last_name == LAST[0], User.middle_name == "Андреевна"))
    member = session.scalar(select(ClassMembership).where(ClassMembership.student_id == student.id))
    assert member.starts_on == today and member.class_id == demo["c5b"].id


def test_unconfirmed_uploads_are_forgotten_after_a_day(app, session, client_for, submit):
    from datetime import timedelta

    from core.db import utcnow

    admin = client_for("admin")
    _upload(admin, submit, _xlsx(_clean_rows(2)), "forgotten.xlsx")
    batch = session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert batch.status == "pending" and batch.content
    hook = app.extensions["klass"].pm.hook
    hook.run_periodic(session=session, now=utcnow())
    assert session.get(ImportBatch, batch.id).status == "pending"
    hook.run_periodic(session=session, now=utcnow() + timedelta(hours=25))
    session.flush()
    assert session.get(ImportBatch, batch.id).status == "cancelled" and session.get(ImportBatch, batch.id).content == b""
