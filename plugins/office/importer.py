"""Class lists from the usual school spreadsheet (ФИО, дата рождения, класс, родители, телефоны).

Reading and checking never write anything: :func:`check` returns every row with its problems in Russian,
and :func:`apply` saves only rows without problems, in one transaction, after the user confirmed.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    ClassMembership,
    GuardianLink,
    Role,
    RoleGrant,
    SchoolClass,
    User,
    audit,
    unique_login,
    utcnow,
)
from plugins.office.models import GuardianInfo, PersonalFile
from plugins.office.transfers import OnMoved

MAX_ROWS = 2000
COLUMNS = ("fio", "birth_date", "class", "parents", "phones")
_HEADERS = {
    "fio": ("фио", "фамилия имя отчество", "фио ученика", "фио обучающегося", "ученик", "обучающийся", "учащийся"),
    "birth_date": ("дата рождения", "др", "д р", "дата рожд"),
    "class": ("класс",),
    "parents": ("родители", "родитель", "законные представители", "фио родителей", "родители законные представители"),
    "phones": ("телефоны", "телефон", "тел", "контактный телефон", "телефоны родителей"),
}
_LATIN_LOOKALIKES = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")
_NAME_PART = re.compile(r"^[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё'’\-]*$")
_CLASS = re.compile(r"^\s*(\d{1,2})\s*[-–\s]?\s*[«\"'“]?\s*([A-Za-zА-Яа-яЁё])\s*[»\"'”]?\s*(?:класс|кл\.?)?\s*$",
                    re.IGNORECASE)
_RELATION = re.compile(r"^(.*?)\s*\(([^)]*)\)\s*$")
_RELATION_PREFIX = re.compile(r"^(мать|отец|опекун|попечитель|бабушка|дедушка|мама|папа)\s*[:\-–]\s*(.+)$",
                              re.IGNORECASE)


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is a translated string."""


@dataclass
class Person:
    last_name: str
    first_name: str
    middle_name: str

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    def key(self) -> str:
        return self.full_name.lower().replace("ё", "е")


@dataclass
class ParentRow:
    person: Person
    relation: str = ""
    phone: str = ""
    existing_id: int | None = None  # an account of the school that will be linked instead of a new one


@dataclass
class Row:
    line: int
    raw: dict[str, str]
    problems: list[Any] = field(default_factory=list)
    student: Person | None = None
    birth_date: date | None = None
    school_class: SchoolClass | None = None
    parents: list[ParentRow] = field(default_factory=list)
    extra_phones: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- reading ------------------------------------------------------------------------------------------------

def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().strftime("%d.%m.%Y")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(filename: str, content: bytes) -> list[list[str]]:
    """All rows of the first sheet (XLSX) or of the CSV (UTF-8 or Windows-1251, «;» or «,»)."""
    name = filename.lower()
    if name.endswith(".xlsx") or content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content)
    if name.endswith(".xls") or content.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_l("This is an old Excel file (.xls). Save it as XLSX or CSV and upload again."))
    return _read_csv(content)


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ImportFileError(_l("The file cannot be read as an XLSX spreadsheet.")) from exc
    try:
        sheet = book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell_text(v) for v in values])
            if len(rows) > MAX_ROWS + 20:
                break
        return rows
    finally:
        book.close()


def _read_csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1251")
        except UnicodeDecodeError as exc:
            raise ImportFileError(_l("The file is neither UTF-8 nor Windows-1251 text.")) from exc
    if "\x00" in text:
        raise ImportFileError(_l("The file is not a CSV or XLSX spreadsheet."))
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    if "\t" in first and first.count("\t") > max(first.count(";"), first.count(",")):
        delimiter = "\t"
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _norm_header(text: str) -> str:
    text = text.lower().replace("ё", "е")
    return " ".join(re.sub(r"[^a-zа-я0-9]+", " ", text).split())


def find_columns(table: list[list[str]]) -> tuple[int, dict[str, int]]:
    """The header row's index and the column of each known field."""
    for index, row in enumerate(table[:10]):
        found: dict[str, int] = {}
        for col, cell in enumerate(row):
            header = _norm_header(cell)
            if not header:
                continue
            for key, names in _HEADERS.items():
                if key not in found and (header in names or any(header.startswith(n + " ") for n in names)):
                    found[key] = col
                    break
        if "fio" in found:
            return index, found
    raise ImportFileError(_l("No header row found. The first row must name the columns: ФИО, дата рождения, "
                             "класс, родители, телефоны."))


# --- checking -------------------------------------------------------------------------------------------------

def _name_case(part: str) -> str:
    if part.islower() or part.isupper():
        return "-".join(p[:1].upper() + p[1:].lower() for p in part.split("-"))
    return part


def parse_person(text: str, what: Any) -> tuple[Person | None, Any]:
    parts = text.split()
    if len(parts) < 2:
        return None, _l("%(what)s «%(value)s»: give at least the last and the first name.", what=what, value=text)
    bad = [p for p in parts if not _NAME_PART.match(p)]
    if bad:
        return None, _l("%(what)s «%(value)s»: only letters, hyphens and apostrophes are allowed.", what=what,
                        value=text)
    parts = [_name_case(p) for p in parts]
    return Person(parts[0], parts[1], " ".join(parts[2:])), None


def parse_date(text: str) -> date | None:
    text = text.strip()
    for fmt in ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if fmt == "%d.%m.%y" and parsed.year > utcnow().year:
            parsed = parsed.replace(year=parsed.year - 100)
        return parsed
    return None


def parse_phone(text: str) -> str | None:
    """A Russian number as «+7 (900) 123-45-67», or None when it is not one."""
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if len(digits) != 10:
        return None
    return f"+7 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}"


def parse_class_name(text: str) -> tuple[int, str] | None:
    match = _CLASS.match(text)
    if not match:
        return None
    return int(match.group(1)), match.group(2).upper().translate(_LATIN_LOOKALIKES)


def _split_list(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;\n,]", text) if p.strip()]


@dataclass
class Scope:
    """Where rows may go: the school's current classes, limited to the class teacher's own."""

    classes: dict[tuple[int, str], SchoolClass]
    allowed_class_ids: set[int] | None  # None: every class (the admin)
    default_class: SchoolClass | None
    year_start: date


def check(session: Session, school_id: int, filename: str, content: bytes, scope: Scope) -> list[Row]:
    """Read and check every row; nothing is written. Raises ImportFileError for an unreadable file."""
    table = read_table(filename, content)
    header_index, columns = find_columns(table)
    if "birth_date" not in columns:
        raise ImportFileError(_l("The file has no «дата рождения» column."))
    if "class" not in columns and scope.default_class is None:
        raise ImportFileError(_l("The file has no «класс» column: add it or choose the class before uploading."))
    rows: list[Row] = []
    for offset, values in enumerate(table[header_index + 1:], start=header_index + 2):
        raw = {key: (values[col] if col < len(values) else "") for key, col in columns.items()}
        if not any(v.strip() for v in raw.values()):
            continue
        rows.append(Row(line=offset, raw=raw))
        if len(rows) > MAX_ROWS:
            raise ImportFileError(_l("The file has more than %(n)d rows: split it by class.", n=MAX_ROWS))
    if not rows:
        raise ImportFileError(_l("The file has no rows under the header."))

    existing_students = _existing_students(session, school_id)
    existing_guardians = _existing_guardians(session, school_id)
    seen: dict[tuple[str, date | None], int] = {}
    for row in rows:
        _check_row(row, scope, existing_students, existing_guardians)
        if row.student is not None:
            key = (row.student.key(), row.birth_date)
            if key in seen:
                row.problems.append(_l("The same student is already in row %(line)d.", line=seen[key]))
            else:
                seen[key] = row.line
    return rows


def _existing_students(session: Session, school_id: int) -> set[tuple[str, date | None]]:
    rows = session.execute(
        select(User.last_name, User.first_name, User.middle_name, User.birth_date)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(User.school_id == school_id, RoleGrant.role == Role.student))
    return {(Person(r.last_name, r.first_name, r.middle_name).key(), r.birth_date) for r in rows}


def _existing_guardians(session: Session, school_id: int) -> dict[tuple[str, str], int]:
    """(full name, phone) -> guardian id: a parent already known to the school is linked, not duplicated."""
    rows = session.execute(
        select(User.id, User.last_name, User.first_name, User.middle_name, User.phone)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(User.school_id == school_id, RoleGrant.role == Role.guardian, User.phone != ""))
    return {(Person(r.last_name, r.first_name, r.middle_name).key(), parse_phone(r.phone) or r.phone): r.id
            for r in rows}


def _check_row(row: Row, scope: Scope, existing_students: set[tuple[str, date | None]],
               existing_guardians: dict[tuple[str, str], int]) -> None:
    raw = row.raw
    fio = raw.get("fio", "").strip()
    if not fio:
        row.problems.append(_l("The student's full name (ФИО) is empty."))
    else:
        row.student, problem = parse_person(fio, _l("Full name"))
        if problem:
            row.problems.append(problem)

    birth = raw.get("birth_date", "").strip()
    if not birth:
        row.problems.append(_l("The birth date is empty."))
    else:
        row.birth_date = parse_date(birth)
        if row.birth_date is None:
            row.problems.append(_l("Birth date «%(value)s» is not a date: write it as 01.09.2015.", value=birth))
        else:
            age = scope.year_start.year - row.birth_date.year
            if not 5 <= age <= 20:
                row.problems.append(_l("Birth date %(value)s does not fit a schoolchild (age %(age)d).",
                                       value=row.birth_date.strftime("%d.%m.%Y"), age=age))

    class_text = raw.get("class", "").strip()
    if not class_text:
        if scope.default_class is None:
            row.problems.append(_l("The class is empty."))
        else:
            row.school_class = scope.default_class
    else:
        parsed = parse_class_name(class_text)
        if parsed is None:
            row.problems.append(_l("Class «%(value)s» is not understood: write it as 5А.", value=class_text))
        elif parsed not in scope.classes:
            row.problems.append(_l("There is no class %(name)s this year.", name=f"{parsed[0]}{parsed[1]}"))
        else:
            found = scope.classes[parsed]
            if scope.default_class is not None and found.id != scope.default_class.id:
                row.problems.append(_l("The row is for class %(row)s, but the list is loaded into %(target)s.",
                                       row=found.name, target=scope.default_class.name))
            elif scope.allowed_class_ids is not None and found.id not in scope.allowed_class_ids:
                row.problems.append(_l("You may load lists only into your own class, not %(name)s.", name=found.name))
            else:
                row.school_class = found

    phones: list[str] = []
    for text in _split_list(raw.get("phones", "")):
        phone = parse_phone(text)
        if phone is None:
            row.problems.append(_l("Phone «%(value)s» is not a Russian phone number.", value=text))
        else:
            phones.append(phone)
    parent_texts = [p.strip() for p in re.split(r"[;\n]", raw.get("parents", "")) if p.strip()]
    if len(parent_texts) == 1 and "," in parent_texts[0]:
        parent_texts = _split_list(parent_texts[0])
    for index, text in enumerate(parent_texts):
        relation = ""
        match = _RELATION.match(text) or None
        if match:
            text, relation = match.group(1), match.group(2).strip().lower()
        else:
            prefix = _RELATION_PREFIX.match(text)
            if prefix:
                relation, text = prefix.group(1).lower(), prefix.group(2)
        person, problem = parse_person(text, _l("Parent"))
        if problem:
            row.problems.append(problem)
            continue
        assert person is not None
        phone = phones[index] if index < len(phones) else ""
        existing = existing_guardians.get((person.key(), phone)) if phone else None
        row.parents.append(ParentRow(person, relation, phone, existing))
    row.extra_phones = phones[len(parent_texts):]

    if row.student is not None and (row.student.key(), row.birth_date) in existing_students:
        row.problems.append(_l("%(name)s with this birth date is already a student of the school.",
                               name=row.student.full_name))


# --- saving -------------------------------------------------------------------------------------------------------

def apply(session: Session, school_id: int, rows: list[Row], *, starts_on: date,
          on_moved: OnMoved | None = None) -> tuple[int, int]:
    """Create the students, guardians, links, memberships and personal files of the valid rows.

    The same parent named in several rows (siblings) becomes one account. Returns
    (students created, guardians created). Nobody gets a password here: the class teacher issues
    credentials for the class in one step afterwards.
    """
    taken: set[str] = set()
    new_guardians: dict[tuple[str, str], int] = {}
    students = guardians = 0
    for row in rows:
        if not row.ok:
            continue
        assert row.student is not None and row.school_class is not None
        student = User(school_id=school_id, login=unique_login(session, row.student.last_name,
                                                               row.student.first_name, taken),
                       password_hash=None, last_name=row.student.last_name, first_name=row.student.first_name,
                       middle_name=row.student.middle_name, birth_date=row.birth_date, must_change_password=True)
        session.add(student)
        session.flush()
        session.add(RoleGrant(school_id=school_id, user_id=student.id, role=Role.student, class_id=None))
        session.add(ClassMembership(school_id=school_id, class_id=row.school_class.id, student_id=student.id,
                                    starts_on=max(starts_on, _year_start(session, row.school_class)), ends_on=None))
        session.add(PersonalFile(school_id=school_id, student_id=student.id, file_number="", registration_address="",
                                 actual_address="", phones=", ".join(row.extra_phones), notes=""))
        students += 1
        linked: set[int] = set()
        for parent in row.parents:
            guardian_id = parent.existing_id or _match_new(new_guardians, parent)
            if guardian_id is None:
                guardian = User(school_id=school_id, login=unique_login(session, parent.person.last_name,
                                                                        parent.person.first_name, taken),
                                password_hash=None, last_name=parent.person.last_name,
                                first_name=parent.person.first_name, middle_name=parent.person.middle_name,
                                phone=parent.phone, must_change_password=True)
                session.add(guardian)
                session.flush()
                session.add(RoleGrant(school_id=school_id, user_id=guardian.id, role=Role.guardian, class_id=None))
                session.add(GuardianInfo(guardian_id=guardian.id, school_id=school_id, workplace="", position="",
                                         work_phone=""))
                guardian_id = guardian.id
                new_guardians[(parent.person.key(), parent.phone)] = guardian_id
                guardians += 1
            if guardian_id in linked:
                continue
            linked.add(guardian_id)
            session.add(GuardianLink(guardian_id=guardian_id, student_id=student.id, school_id=school_id,
                                     relation=parent.relation))
        session.flush()
        audit(session, school_id=school_id, action="office.import.student", object_type="office.student",
              object_id=student.id, new={"name": student.full_name, "birth_date": student.birth_date,
                                         "class_id": row.school_class.id, "guardians": sorted(linked)})
        if on_moved is not None:
            on_moved(session=session, student=student, from_class=None, to_class=row.school_class,
                     on_date=max(starts_on, _year_start(session, row.school_class)))
    return students, guardians


def _match_new(new_guardians: dict[tuple[str, str], int], parent: ParentRow) -> int | None:
    """A parent named again in a later row (a sibling): same name and the same phone or no phone."""
    key = parent.person.key()
    if (key, parent.phone) in new_guardians:
        return new_guardians[(key, parent.phone)]
    for (name, phone), gid in new_guardians.items():
        if name == key and (not phone or not parent.phone):
            return gid
    return None


def _year_start(session: Session, school_class: SchoolClass) -> date:
    from core.toolkit import AcademicYear

    year = session.get(AcademicYear, school_class.year_id)
    return year.starts_on if year else date.min


def school_classes(session: Session, school_id: int) -> dict[tuple[int, str], SchoolClass]:
    from plugins.office.rosters import classes_of_current_year

    return {(c.grade_level, c.letter.upper()): c for c in classes_of_current_year(session, school_id)}


def expire_uploads(session: Session, now: datetime, keep_hours: int = 24) -> int:
    """Forget uploads nobody confirmed within a day: the files hold children's personal data."""
    from datetime import timedelta

    from plugins.office.models import ImportBatch

    stale = session.scalars(select(ImportBatch).where(ImportBatch.status == "pending",
                                                      ImportBatch.uploaded_at < now - timedelta(hours=keep_hours))).all()
    for batch in stale:
        batch.status, batch.content = "cancelled", b""
    return len(stale)
