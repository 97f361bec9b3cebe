"""Rows → checked records: every cell parsed, every problem named in Russian; nothing is written here.

The rules of one cell (a name, a real date, an e-mail's form, a Russian phone, a СНИЛС checksum) are
small functions used by all three import kinds; ``check_rows`` adds the rules across rows (duplicates
inside the file and against the school's people).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.toolkit import (
    Role,
    RoleGrant,
    SchoolClass,
    Subgroup,
    Subject,
    TeachingAssignment,
    User,
    school_today,
)
from plugins.office.import_reading import Cell

_NAME_PART = re.compile(r"^[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё'’\-]*$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;.]{2,}$")
_CLASS = re.compile(r"^\s*(\d{1,2})\s*[-–\s]?\s*[«\"'“]?\s*([A-Za-zА-Яа-яЁё])\s*[»\"'”]?\s*(?:класс|кл\.?)?\s*$",
                    re.IGNORECASE)
_IN_PARENS = re.compile(r"^(.*?)\s*\(([^)]*)\)\s*$")
_LATIN_LOOKALIKES = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")
_ROLES = {"учитель": Role.teacher, "педагог": Role.teacher, "преподаватель": Role.teacher,
          "классный руководитель": Role.class_teacher, "кл руководитель": Role.class_teacher,
          "завуч": Role.deputy, "заместитель директора": Role.deputy, "зам директора": Role.deputy,
          "директор": Role.principal, "администратор": Role.admin, "системный администратор": Role.admin}
STAFF_ROLES = (Role.admin, Role.principal, Role.deputy, Role.class_teacher, Role.teacher)


@dataclass
class Person:
    last_name: str
    first_name: str
    middle_name: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    def key(self) -> str:
        return self.full_name.lower().replace("ё", "е")


@dataclass
class Record:
    """One data row: its spreadsheet row number, the parsed values, and its problems in Russian."""

    line: int
    values: dict[str, Any] = field(default_factory=dict)
    guardians: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Context:
    """What rows are checked against: the school, its classes and where the user may load them."""

    session: Session
    school_id: int
    classes: dict[tuple[int, str], SchoolClass]
    default_class: SchoolClass | None = None
    allowed_class_ids: set[int] | None = None  # None: every class
    today: date | None = None  # the school's today; filled from the school's clock when not given

    def __post_init__(self) -> None:
        if self.today is None:
            self.today = school_today(self.school_id, session=self.session)


# --- one cell ---------------------------------------------------------------------------------------------

def text(cell: Cell | None) -> str:
    if isinstance(cell, date):
        return cell.strftime("%d.%m.%Y")
    return (cell or "").strip()


def name_case(part: str) -> str:
    if part.islower() or part.isupper():
        return "-".join(p[:1].upper() + p[1:].lower() for p in part.split("-"))
    return part


def parse_date(cell: Cell) -> date | None:
    """A real date: an Excel date cell, «14.03.2015» or «2015-03-14». «31.02.2015» is None."""
    if isinstance(cell, date):
        return cell
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(cell.strip(), fmt).date()
        except ValueError:
            continue
    return None


def parse_phone(value: str) -> str | None:
    """«8 912 123-45-67», «+7...», or ten digits → «+7 (912) 123-45-67»; anything else is None."""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    elif len(digits) != 10 or value.strip().startswith("+"):
        return None
    return f"+7 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}"


def valid_email(value: str) -> bool:
    return bool(_EMAIL.match(value.strip()))


def parse_snils(value: str) -> str | None:
    """«123-456-789 64» when the eleven digits carry a right checksum (the Pension Fund's rule), else None."""
    digits = re.sub(r"\D", "", value)
    if len(digits) != 11:
        return None
    total = sum(int(d) * (9 - i) for i, d in enumerate(digits[:9]))
    control = total % 101 % 100
    if int(digits[9:]) != control:
        return None
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"


def parse_gender(value: str) -> str | None:
    word = value.strip().lower().rstrip(".")
    if word in ("м", "муж", "мужской", "m", "male"):
        return "м"
    if word in ("ж", "жен", "женский", "f", "female"):
        return "ж"
    return None


def parse_class_name(value: str) -> tuple[int, str] | None:
    match = _CLASS.match(value)
    if not match:
        return None
    return int(match.group(1)), match.group(2).upper().translate(_LATIN_LOOKALIKES)


def _person(cells: dict[str, Cell], prefix: str, who: Any, problems: list[Any]) -> Person | None:
    """The name from one «ФИО» column or from three; problems name ``who`` (the student, guardian 1...)."""
    fio = text(cells.get(prefix + "fio"))
    if fio:
        parts = fio.split()
        last, first, middle = (parts + ["", ""])[0], (parts + ["", ""])[1], " ".join(parts[2:])
    else:
        last, first, middle = (text(cells.get(prefix + k)) for k in ("last_name", "first_name", "middle_name"))
    found = len(problems)
    if not last:
        problems.append(_l("%(who)s: no last name.", who=who))
    if not first:
        problems.append(_l("%(who)s: no first name.", who=who))
    words = " ".join((last, first, middle)).split()
    if any(not _NAME_PART.match(w) for w in words):
        problems.append(_l("%(who)s «%(value)s»: only letters, hyphens and apostrophes are allowed in a name.",
                           who=who, value=" ".join(words)))
    if len(problems) > found:
        return None
    return Person(name_case(last), name_case(first), " ".join(name_case(w) for w in middle.split()))


def _contacts(cells: dict[str, Cell], prefix: str, who: Any, problems: list[Any]) -> dict[str, str]:
    out = {"phone": "", "email": ""}
    phone = text(cells.get(prefix + "phone"))
    if phone:
        out["phone"] = parse_phone(phone) or ""
        if not out["phone"]:
            problems.append(_l("%(who)s: phone «%(value)s» is not a Russian number (+7 and ten digits).",
                               who=who, value=phone))
    email = text(cells.get(prefix + "email"))
    if email:
        out["email"] = email if valid_email(email) else ""
        if not out["email"]:
            problems.append(_l("%(who)s: e-mail «%(value)s» is not an address like name@example.ru.",
                               who=who, value=email))
    return out


def _personal(cells: dict[str, Cell], record: Record, who: Any, today: date) -> None:
    problems = record.problems
    record.values["person"] = _person(cells, "", who, problems)
    record.values.update(_contacts(cells, "", who, problems))
    birth = cells.get("birth_date")
    record.values["birth_date"] = None
    if text(birth):
        parsed = parse_date(birth or "")
        if parsed is None:
            problems.append(_l("Birth date «%(value)s» is not a real date (write 14.03.2015 or 2015-03-14).",
                               value=text(birth)))
        elif parsed >= today or parsed.year < 1900:
            problems.append(_l("Birth date %(value)s is impossible.", value=parsed.strftime("%d.%m.%Y")))
        else:
            record.values["birth_date"] = parsed
    gender = text(cells.get("gender"))
    record.values["gender"] = parse_gender(gender) or "" if gender else ""
    if gender and not record.values["gender"]:
        problems.append(_l("Gender «%(value)s» is not understood: write м or ж.", value=gender))
    snils = text(cells.get("snils"))
    record.values["snils"] = parse_snils(snils) or "" if snils else ""
    if snils and not record.values["snils"]:
        problems.append(_l("СНИЛС «%(value)s» is wrong: eleven digits with a control number that does not match.",
                           value=snils))
    record.values["address"] = text(cells.get("address"))


def _class_of(cells: dict[str, Cell], ctx: Context, problems: list[Any], required: bool) -> SchoolClass | None:
    value = text(cells.get("class"))
    if not value:
        if required and ctx.default_class is None:
            problems.append(_l("The class is empty."))
        return ctx.default_class if required else None
    parsed = parse_class_name(value)
    if parsed is None:
        problems.append(_l("Class «%(value)s» is not understood: write it as 5А.", value=value))
        return None
    found = ctx.classes.get(parsed)
    if found is None:
        problems.append(_l("There is no class %(name)s this year.", name=f"{parsed[0]}{parsed[1]}"))
    elif required and ctx.default_class is not None and found.id != ctx.default_class.id:
        problems.append(_l("The row is for class %(row)s, but the list is loaded into %(target)s.",
                           row=found.name, target=ctx.default_class.name))
    elif ctx.allowed_class_ids is not None and found.id not in ctx.allowed_class_ids:
        problems.append(_l("You may load lists only into your own class, not %(name)s.", name=found.name))
    else:
        return found
    return None


# --- one row of each kind ------------------------------------------------------------------------------------

def _student(cells: dict[str, Cell], record: Record, ctx: Context) -> None:
    _personal(cells, record, _l("Student"), ctx.today)  # type: ignore[arg-type]
    record.values["class"] = _class_of(cells, ctx, record.problems, required=True)
    # One «ФИО родителя» cell naming both parents («Иванова О. П.; Иванов С. Ю.»): the second goes to slot 2.
    cells = dict(cells)
    for part in ("fio", "phone", "email"):
        first = text(cells.get(f"g1_{part}"))
        if ";" in first and not text(cells.get(f"g2_{part}")):
            one, _, two = first.partition(";")
            cells[f"g1_{part}"], cells[f"g2_{part}"] = one.strip(), two.strip()
    relations: dict[int, str] = {}
    for slot in (1, 2):  # «Иванова Ольга Петровна (мать)»: the relation written after the name
        match = _IN_PARENS.match(text(cells.get(f"g{slot}_fio")))
        if match:
            cells[f"g{slot}_fio"], relations[slot] = match.group(1), match.group(2).strip().lower()
    for slot in (1, 2):
        prefix = f"g{slot}_"
        if not any(text(v) for k, v in cells.items() if k.startswith(prefix)):
            continue
        who = _l("Guardian %(n)d", n=slot)
        person = _person(cells, prefix, who, record.problems)
        relation = text(cells.get(prefix + "relation")).lower() or relations.get(slot, "")
        record.guardians.append({"slot": slot, "person": person, "relation": relation,
                                 **_contacts(cells, prefix, who, record.problems)})


def _staff(cells: dict[str, Cell], record: Record, ctx: Context) -> None:
    _personal(cells, record, _l("Staff member"), ctx.today)  # type: ignore[arg-type]
    roles: set[Role] = set()
    for word in re.split(r"[,;/]", text(cells.get("roles"))):
        key = " ".join(re.sub(r"[^a-zа-яё]+", " ", word.lower().replace("ё", "е")).split())
        if not key:
            continue
        role = _ROLES.get(key)
        if role is None:
            record.problems.append(_l("Role «%(value)s» is unknown: write учитель, классный руководитель, завуч, "
                                      "директор or администратор.", value=word.strip()))
        else:
            roles.add(role)
    record.values["roles"] = roles or {Role.teacher}
    record.values["class"] = _class_of(cells, ctx, record.problems, required=False)
    if record.values["class"] is not None:
        record.values["roles"].add(Role.class_teacher)
    elif Role.class_teacher in roles and not record.problems:
        record.problems.append(_l("A class teacher needs the class they lead in the «Классное руководство» column."))


def _load(cells: dict[str, Cell], record: Record, ctx: Context, lookups: dict[str, Any]) -> None:
    problems = record.problems
    if not text(cells.get("class")):
        problems.append(_l("The class is empty."))
    record.values["class"] = _class_of(cells, ctx, problems, required=False)
    subject_name = text(cells.get("subject"))
    subject = lookups["subjects"].get(subject_name.lower().replace("ё", "е"))
    if not subject_name:
        problems.append(_l("The subject is empty."))
    elif subject is None:
        problems.append(_l("There is no subject «%(value)s» in the school: add it to the subjects first.",
                           value=subject_name))
    record.values["subject"] = subject
    record.values["subgroup"] = text(cells.get("subgroup"))
    hours_text = text(cells.get("hours")).replace(",", ".")
    try:
        hours = float(hours_text)
    except ValueError:
        hours = 0.0
    if not 0 < hours <= 40:
        problems.append(_l("Hours per week «%(value)s» must be a number from 0.5 to 40.", value=text(cells.get("hours"))))
    record.values["hours"] = hours
    teacher_text = text(cells.get("teacher"))
    key = " ".join(teacher_text.lower().replace("ё", "е").split())
    found = lookups["teachers"].get(key, [])
    if not teacher_text:
        problems.append(_l("The teacher is empty."))
    elif not found:
        problems.append(_l("No staff member «%(value)s» in the school: import the staff first.", value=teacher_text))
    elif len(found) > 1:
        problems.append(_l("Several staff members are called «%(value)s»: write the login instead.",
                           value=teacher_text))
    record.values["teacher"] = found[0] if len(found) == 1 else None


# --- all rows ---------------------------------------------------------------------------------------------

def _people_keys(session: Session, school_id: int, roles: tuple[Role, ...]) -> set[tuple[str, date | None]]:
    rows = session.execute(select(User.last_name, User.first_name, User.middle_name, User.birth_date)
                           .join(RoleGrant, RoleGrant.user_id == User.id)
                           .where(User.school_id == school_id, RoleGrant.role.in_(roles)))
    return {(Person(r.last_name, r.first_name, r.middle_name).key(), r.birth_date) for r in rows}


def _load_lookups(session: Session, school_id: int) -> dict[str, Any]:
    subjects: dict[str, Subject] = {}
    for subject in session.scalars(select(Subject).where(Subject.school_id == school_id)):
        for name in (subject.name, subject.short_name):
            if name:
                subjects[name.lower().replace("ё", "е")] = subject
    teachers: dict[str, list[User]] = {}
    staff = session.scalars(select(User).join(RoleGrant, RoleGrant.user_id == User.id).distinct()
                            .where(User.school_id == school_id, RoleGrant.role.in_(STAFF_ROLES)))
    for user in staff:
        for name in {user.login.lower(), user.full_name.lower().replace("ё", "е"),
                     user.short_name.lower().replace("ё", "е"), f"{user.last_name} {user.first_name}".lower()}:
            teachers.setdefault(name, []).append(user)
    existing = set()
    rows = session.execute(select(TeachingAssignment.class_id, TeachingAssignment.subject_id,
                                  TeachingAssignment.teacher_id, Subgroup.name)
                           .outerjoin(Subgroup, Subgroup.id == TeachingAssignment.subgroup_id)
                           .where(TeachingAssignment.school_id == school_id))
    for r in rows:
        existing.add((r.class_id, r.subject_id, (r.name or "").lower(), r.teacher_id))
    return {"subjects": subjects, "teachers": teachers, "existing": existing}


def check_rows(ctx: Context, kind: str, rows: list[tuple[int, dict[str, Cell]]]) -> list[Record]:
    """Check every row of the file; duplicates are flagged in the file and against the school."""
    records: list[Record] = []
    if kind == "loads":
        lookups = _load_lookups(ctx.session, ctx.school_id)
        seen_loads: dict[tuple[Any, ...], int] = {}
        for line, cells in rows:
            record = Record(line)
            _load(cells, record, ctx, lookups)
            v = record.values
            if record.ok:
                key = (v["class"].id, v["subject"].id, v["subgroup"].lower(), v["teacher"].id)
                if key in seen_loads:
                    record.problems.append(_l("The same load is already in row %(line)d.", line=seen_loads[key]))
                elif key in lookups["existing"]:
                    record.problems.append(_l("This teacher already has this load in the school."))
                seen_loads.setdefault(key, line)
            records.append(record)
        return records
    check_one: Callable[[dict[str, Cell], Record, Context], None] = _student if kind == "students" else _staff
    roles = (Role.student,) if kind == "students" else STAFF_ROLES
    existing = _people_keys(ctx.session, ctx.school_id, roles)
    seen: dict[tuple[str, date | None], int] = {}
    for line, cells in rows:
        record = Record(line)
        check_one(cells, record, ctx)
        person = record.values.get("person")
        if person is not None:
            key = (person.key(), record.values.get("birth_date"))
            if key in seen:
                record.problems.append(_l("The same person (name and birth date) is already in row %(line)d.",
                                          line=seen[key]))
            elif key in existing:
                record.problems.append(_l("%(name)s with this birth date is already in the school.",
                                          name=person.full_name))
            seen.setdefault(key, line)
        records.append(record)
    return records
