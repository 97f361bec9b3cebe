"""Imports from real spreadsheets: headers read by meaning, every planted error named by its row, nothing
saved while a row has a problem. Files are built in the test: openpyxl workbooks and cp1251 CSV bytes."""
from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core.models import AuditEntry, GuardianLink, Role, RoleGrant, Subject, TeachingAssignment, User
from plugins.office import importer
from plugins.office.import_checks import parse_phone, parse_snils
from plugins.office.models import PersonalFile


def xlsx(header: list[str], rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def count(session, role: Role) -> int:
    return session.scalar(select(func.count(RoleGrant.id)).where(RoleGrant.role == role))


def test_three_name_columns_guardians_in_their_own_columns_and_excel_dates(session, demo, demo_school):
    header = ["№", "Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "СНИЛС", "E-mail", "Адрес",
              "ФИО родителя", "Телефон родителя", "E-mail родителя", "Отец", "Телефон отца", "Любимый цвет"]
    rows = [[1, "Белова", "Анна", "Сергеевна", date(2015, 3, 14), "ж", "112-233-445 95", "anna@example.ru",
             "ул. Ленина, 1", "Белова Ольга Петровна", "8 912 123-45-67", "olga@example.ru",
             "Белов Сергей Юрьевич", "9001234567", "синий"],
            [2, "Волков", "Борис", "", "2015-01-02", "м", "", "", "", "Волкова Ирина", "+7 (900) 111-22-33", "",
             "", "", ""]]
    result = importer.preview(session, demo_school["school_id"], "students", "list.xlsx", xlsx(header, rows),
                              default_class=demo["c5b"])
    by_header = dict(zip(result.headers, result.mapping, strict=True))
    assert by_header["Фамилия"] == "last_name" and by_header["Имя"] == "first_name"
    assert by_header["ФИО родителя"] == "g1_fio", "a guardian's name is never the student's"
    assert by_header["Телефон родителя"] == "g1_phone" and by_header["E-mail родителя"] == "g1_email"
    assert by_header["Отец"] == "g2_fio" and by_header["Телефон отца"] == "g2_phone"
    assert by_header["E-mail"] == "email" and by_header["СНИЛС"] == "snils" and by_header["Адрес"] == "address"
    assert result.ignored == ["№", "Любимый цвет"], "unknown columns are listed, never dropped silently"
    assert result.bad == []
    before = count(session, Role.guardian)
    saved = importer.save(session, demo_school["school_id"], result)
    assert (saved.students, saved.guardians) == (2, 3)
    anna = session.scalar(select(User).where(User.last_name == "Белова", User.first_name == "Анна"))
    assert anna.birth_date == date(2015, 3, 14) and anna.email == "anna@example.ru"
    file = session.scalar(select(PersonalFile).where(PersonalFile.student_id == anna.id))
    assert (file.snils, file.gender, file.registration_address) == ("112-233-445 95", "ж", "ул. Ленина, 1")
    parents = session.execute(select(User.full_name if False else User.last_name, User.first_name, User.phone,
                                     User.email, GuardianLink.relation)
                              .join(GuardianLink, GuardianLink.guardian_id == User.id)
                              .where(GuardianLink.student_id == anna.id).order_by(User.first_name)).all()
    assert [tuple(p) for p in parents] == [
        ("Белова", "Ольга", "+7 (912) 123-45-67", "olga@example.ru", ""),
        ("Белов", "Сергей", "+7 (900) 123-45-67", "", "отец")]
    assert count(session, Role.guardian) == before + 3
    assert session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "office.import.student")) >= 2


def test_one_name_column_and_mother_father_columns(session, demo, demo_school):
    header = ["ФИО ученика", "Дата рождения", "Мать: ФИО", "Мать: телефон", "Отец: ФИО", "Отец: e-mail"]
    rows = [["Галкина Вера Андреевна", "01.09.2015", "Галкина Нина Ивановна", "89005554433",
             "Галкин Андрей Петрович", "andrey@example.ru"]]
    result = importer.preview(session, demo_school["school_id"], "students", "list.xlsx", xlsx(header, rows),
                              default_class=demo["c5a"])
    assert result.mapping == ["fio", "birth_date", "g1_fio", "g1_phone", "g2_fio", "g2_email"]
    record = result.records[0]
    assert record.ok, record.problems
    assert record.values["person"].full_name == "Галкина Вера Андреевна"
    assert [(g["person"].first_name, g["relation"], g["phone"], g["email"]) for g in record.guardians] == [
        ("Нина", "мать", "+7 (900) 555-44-33", ""), ("Андрей", "отец", "", "andrey@example.ru")]


def test_windows_1251_csv_with_semicolons(session, demo, demo_school):
    text = ("Ф.И.О.;Дата рождения;Класс;Законный представитель;Телефон представителя\r\n"
            "Смирнова Алла Олеговна;05.05.2014;5 «Б»;Смирнова Ирина Львовна;8-900-555-44-33\r\n"
            "Орлов Юрий;2014-07-01;5Б;;\r\n")
    result = importer.preview(session, demo_school["school_id"], "students", "spisok.csv", text.encode("cp1251"))
    assert result.mapping == ["fio", "birth_date", "class", "g1_fio", "g1_phone"]
    assert result.bad == [] and len(result.records) == 2
    assert result.records[0].values["class"].id == demo["c5b"].id
    assert result.records[0].guardians[0]["phone"] == "+7 (900) 555-44-33"
    # UTF-8 with a BOM and commas reads the same.
    bom = "\ufeff" + text.replace(";", ",").replace("5 «Б»", "5Б")
    again = importer.preview(session, demo_school["school_id"], "students", "s.csv", bom.encode("utf-8"))
    assert again.mapping == result.mapping and again.bad == []


def test_every_planted_error_is_named_by_its_row_and_nothing_is_saved(session, demo, demo_school):
    existing = demo["c5a_students"][0]
    header = ["Фамилия", "Имя", "Дата рождения", "E-mail", "Телефон", "СНИЛС"]
    rows = [["Ершова", "Дарья", "10.10.2015", "", "", ""],                       # row 2: fine
            ["", "Егор", "11.10.2015", "", "", ""],                              # row 3: no surname
            ["Жуков", "Захар", "31.02.2015", "", "", ""],                        # row 4: no such day
            ["Зайцева", "Ирина", "12.10.2015", "ivanova.mail.ru", "", ""],       # row 5: e-mail without @
            ["Ильин", "Кирилл", "13.10.2015", "", "12-34", ""],                  # row 6: not a phone
            ["Ершова", "Дарья", "10.10.2015", "", "", ""],                       # row 7: same as row 2
            [existing.last_name, existing.first_name, existing.birth_date, "", "", ""],  # row 8: in the school
            ["Козлова", "Лада", "14.10.2015", "", "", "112-233-445 96"]]         # row 9: bad checksum
    if existing.middle_name:
        header.append("Отчество")
        for row in rows:
            row.append("")
        rows[6][-1] = existing.middle_name
    result = importer.preview(session, demo_school["school_id"], "students", "bad.xlsx", xlsx(header, rows),
                              default_class=demo["c5a"])
    problems = {r.line: " ".join(str(p) for p in r.problems) for r in result.bad}
    assert sorted(problems) == [3, 4, 5, 6, 7, 8, 9]
    assert "нет фамилии" in problems[3]
    assert "«31.02.2015»" in problems[4] and "не существующая дата" in problems[4]
    assert "ivanova.mail.ru" in problems[5]
    assert "«12-34»" in problems[6]
    assert "строке 2" in problems[7]
    assert "уже есть в школе" in problems[8]
    assert "СНИЛС «112-233-445 96»" in problems[9]
    before = count(session, Role.student)
    try:
        importer.save(session, demo_school["school_id"], result)
    except importer.RowsHaveProblems as exc:
        assert exc.lines == [3, 4, 5, 6, 7, 8, 9]
    else:
        raise AssertionError("rows with problems were saved")
    assert count(session, Role.student) == before
    # Skipping the named rows saves the one good row; skipping fewer rows still saves nothing.
    try:
        importer.save(session, demo_school["school_id"], result, skip_lines={3, 4})
    except importer.RowsHaveProblems as exc:
        assert exc.lines == [5, 6, 7, 8, 9]
    assert count(session, Role.student) == before
    saved = importer.save(session, demo_school["school_id"], result, skip_lines=set(result.bad_lines))
    assert saved.students == 1 and count(session, Role.student) == before + 1


def test_staff_with_roles_and_loads_with_subgroups(session, demo, demo_school):
    school_id = demo_school["school_id"]
    staff = xlsx(["ФИО сотрудника", "Должность", "Классное руководство", "E-mail"],
                 [["Лосев Марк Ильич", "учитель, завуч", "", "losev@example.ru"],
                  ["Мухина Ада Львовна", "классный руководитель", "9А", ""],
                  ["Носов Ян", "дворник", "", ""]])
    result = importer.preview(session, school_id, "staff", "staff.xlsx", staff)
    assert result.mapping == ["fio", "roles", "class", "email"]
    assert [r.line for r in result.bad] == [4] and "«дворник»" in str(result.bad[0].problems[0])
    before = demo["c9a"].class_teacher_id
    saved = importer.save(session, school_id, result, skip_lines={4})
    assert saved.staff == 2
    mukhina = session.scalar(select(User).where(User.last_name == "Мухина"))
    assert {(str(g.role), g.class_id) for g in mukhina.grants} == {("class_teacher", demo["c9a"].id)}
    # The class's page names her too, and the one who led 9А before no longer does.
    session.refresh(demo["c9a"])
    assert demo["c9a"].class_teacher_id == mukhina.id
    assert session.scalar(select(RoleGrant).where(RoleGrant.role == Role.class_teacher,
                                                  RoleGrant.class_id == demo["c9a"].id,
                                                  RoleGrant.user_id != mukhina.id)) is None
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "office.import.staff",
                                                    AuditEntry.object_id == str(mukhina.id)))
    assert entry.new["previous_class_teacher_id"] == before
    losev = session.scalar(select(User).where(User.last_name == "Лосев"))
    assert losev.roles == {"teacher", "deputy"}

    subject = session.scalars(select(Subject).where(Subject.school_id == school_id).order_by(Subject.id)).first()
    loads = xlsx(["Класс", "Предмет", "Подгруппа", "Часов в неделю", "Учитель"],
                 [["9А", subject.name, "1 группа", "2,5", "Лосев Марк Ильич"],
                  ["9А", subject.name, "2 группа", 2, "Мухина Ада Львовна"],
                  ["9А", "Астрология", "", "1", "Лосев Марк Ильич"],
                  ["9А", subject.name, "1 группа", "3", "Лосев Марк Ильич"]])
    result = importer.preview(session, school_id, "loads", "loads.xlsx", loads)
    assert result.mapping == ["class", "subject", "subgroup", "hours", "teacher"]
    problems = {r.line: " ".join(map(str, r.problems)) for r in result.bad}
    assert sorted(problems) == [4, 5] and "«Астрология»" in problems[4] and "строке 2" in problems[5]
    saved = importer.save(session, school_id, result, skip_lines={4, 5})
    assert saved.loads == 2
    mine = session.scalar(select(TeachingAssignment).where(TeachingAssignment.teacher_id == losev.id))
    assert mine.hours_per_week == 2.5 and mine.subgroup_id is not None


def test_cell_rules():
    assert parse_phone("8 (912) 765-43-21") == "+7 (912) 765-43-21"
    assert parse_phone("+7 900 123 45 67") == parse_phone("9001234567") == "+7 (900) 123-45-67"
    assert parse_phone("123-45") is None and parse_phone("+1 900 123 45 67") is None
    assert parse_snils("11223344595") == "112-233-445 95" and parse_snils("112-233-445 96") is None


def test_template_opens_in_openpyxl_with_the_expected_headers():
    for kind in ("students", "staff", "loads"):
        sheet = load_workbook(io.BytesIO(importer.template_xlsx(kind))).active
        headers = [c.value for c in sheet[1]]
        assert headers == importer.import_headers.TEMPLATE_HEADERS[kind]
        # The template's own headers map to fields without a single ignored column.
        assert all(importer.import_headers.guess_mapping(headers, kind)), kind
