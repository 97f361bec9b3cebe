"""Column headers → fields, by meaning rather than position.

A header is normalised (case, ё/е, punctuation) and looked up in a table of synonyms per field. Any
header naming a guardian («ФИО родителя», «Мать», «Отец», «Законный представитель», «Родитель 2»,
«Телефон матери») belongs to a guardian slot (1 or 2) and can never become the student's own field,
which is how «ФИО родителя» was once read as the student's name. Columns nobody recognises map to ""
and are shown as ignored; the user may change every column's field in the preview.
"""
from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l

KINDS = ("students", "staff", "loads")

# Field keys of a person (student or staff member) and their labels.
PERSON_FIELDS: dict[str, Any] = {
    "fio": _l("Full name (ФИО in one column)"),
    "last_name": _l("Last name"),
    "first_name": _l("First name"),
    "middle_name": _l("Middle name"),
    "birth_date": _l("Birth date"),
    "gender": _l("Gender"),
    "snils": _l("СНИЛС"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
}
GUARDIAN_PARTS: dict[str, Any] = {
    "fio": _l("full name"),
    "last_name": _l("last name"),
    "first_name": _l("first name"),
    "middle_name": _l("middle name"),
    "phone": _l("phone"),
    "email": _l("e-mail"),
    "relation": _l("who they are (мать, отец...)"),
}
LOAD_FIELDS: dict[str, Any] = {
    "class": _l("Class"),
    "subject": _l("Subject"),
    "subgroup": _l("Subgroup"),
    "hours": _l("Hours per week"),
    "teacher": _l("Teacher (full name or login)"),
}


def fields_of(kind: str) -> dict[str, str]:
    """Every field a column of this import kind may be mapped to, with its Russian label."""
    if kind == "loads":
        return {k: str(v) for k, v in LOAD_FIELDS.items()}
    out = {k: str(v) for k, v in PERSON_FIELDS.items()}
    if kind == "students":
        out["address"] = str(_l("Address"))
        out["class"] = str(_l("Class"))
        for slot in (1, 2):
            for part, label in GUARDIAN_PARTS.items():
                out[f"g{slot}_{part}"] = str(_l("Guardian %(n)d: %(part)s", n=slot, part=label))
    else:
        out["roles"] = str(_l("Roles (учитель, завуч...)"))
        out["class"] = str(_l("Class led (for a class teacher)"))
    return out


# The headers the downloadable template carries, per kind (one-column ФИО for people).
TEMPLATE_HEADERS: dict[str, list[str]] = {
    "students": ["Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "СНИЛС", "E-mail", "Телефон", "Адрес",
                 "Мать: ФИО", "Мать: телефон", "Мать: e-mail", "Отец: ФИО", "Отец: телефон", "Отец: e-mail"],
    "staff": ["Фамилия", "Имя", "Отчество", "Дата рождения", "E-mail", "Телефон", "Роли", "Классное руководство"],
    "loads": ["Класс", "Предмет", "Подгруппа", "Часов в неделю", "Учитель"],
}

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "fio": ("фио", "ф и о", "фамилия имя отчество", "фамилия имя", "ученик", "обучающийся", "учащийся",
            "ребенок", "сотрудник", "работник", "полное имя", "name", "full name"),
    "last_name": ("фамилия", "surname", "last name"),
    "first_name": ("имя", "first name"),
    "middle_name": ("отчество", "middle name", "patronymic"),
    "birth_date": ("дата рождения", "др", "д р", "дата рожд", "день рождения", "birth date", "birthday"),
    "gender": ("пол", "gender", "sex"),
    "snils": ("снилс", "страховой номер", "номер снилс"),
    "email": ("e mail", "email", "эл почта", "электронная почта", "почта", "адрес электронной почты", "mail"),
    "phone": ("телефон", "телефоны", "тел", "мобильный телефон", "контактный телефон", "мобильный", "сотовый",
              "номер телефона", "phone"),
    "address": ("адрес", "адрес регистрации", "адрес проживания", "место жительства", "адрес места жительства",
                "фактический адрес"),
    "class": ("класс", "классное руководство", "класс руководства", "class"),
    "roles": ("роль", "роли", "должность", "должности"),
    "relation": ("кем приходится", "степень родства", "родство", "кто"),
    "subject": ("предмет", "учебный предмет", "дисциплина"),
    "subgroup": ("подгруппа", "группа"),
    "hours": ("часов в неделю", "часы", "часов", "часы в неделю", "кол во часов", "количество часов", "нагрузка"),
    "teacher": ("учитель", "преподаватель", "фио учителя", "педагог"),
}
# Words that only say whose column it is (the student's own columns): dropped before the lookup.
_OWNER_WORDS = {"ученика", "ученицы", "обучающегося", "учащегося", "ребенка", "сотрудника", "работника"}
# Guardian words → the relation they imply ("" when they imply none).
_GUARDIAN_WORDS = {
    "мать": "мать", "матери": "мать", "мама": "мать", "мамы": "мать",
    "отец": "отец", "отца": "отец", "папа": "отец", "папы": "отец",
    "опекун": "опекун", "опекуна": "опекун", "попечитель": "попечитель",
    "родитель": "", "родителя": "", "родители": "", "родителей": "",
    "представитель": "", "представителя": "", "представители": "", "представителей": "",
}
_GUARDIAN_FILLER = {"законный", "законного", "законные", "законных", "1", "2", "первый", "второй"}


def normalise(text: str) -> str:
    """«Ф.И.О. Ребёнка» → «ф и о ребенка»: lower case, ё → е, punctuation → spaces."""
    text = text.lower().replace("ё", "е").replace("№", " n ")
    return " ".join(re.sub(r"[^a-zа-я0-9]+", " ", text).split())


def _lookup(words: list[str], allowed: set[str]) -> str:
    text = " ".join(words)
    for key, names in _SYNONYMS.items():
        if key in allowed and text in names:
            return key
    return ""


def guess_mapping(headers: list[str], kind: str) -> list[str]:
    """One field key per column ("" for a column to ignore); no field is given to two columns."""
    allowed = set(fields_of(kind))
    person_parts = set(GUARDIAN_PARTS)
    mapping: list[str] = []
    slots: dict[str, int] = {}  # guardian word family ("мать", "родитель"...) → its slot
    taken: set[str] = set()
    for header in headers:
        words = normalise(header).split()
        guardian_words = [w for w in words if w in _GUARDIAN_WORDS]
        if guardian_words and kind == "students":
            family = _GUARDIAN_WORDS[guardian_words[0]] or guardian_words[0][:6]
            rest = [w for w in words if w not in _GUARDIAN_WORDS and w not in _GUARDIAN_FILLER]
            part = _lookup(rest, person_parts) if rest else "fio"
            number = next((int(w) for w in words if w in ("1", "2")), 0)
            slot = number or slots.get(family) or (1 if not any(s == 1 for s in slots.values()) else 2)
            if not number and f"g{slot}_{part}" in taken and slot == 1:
                slot = 2  # a second «Телефон родителя» belongs to the second guardian
            slots.setdefault(family, slot)
            key = f"g{slot}_{part}" if part else ""
        elif guardian_words:
            key = ""  # a staff list or a load list has no guardians
        else:
            key = _lookup([w for w in words if w not in _OWNER_WORDS], allowed)
            if not key and kind == "loads" and words and words[0] == "класс":
                key = "class"
        if key in taken or key not in allowed:
            key = ""
        if key:
            taken.add(key)
        mapping.append(key)
    return mapping


def looks_like_header(kind: str) -> Any:
    """A predicate for :func:`import_reading.table_of`: the row names at least two known fields."""

    def accept(cells: list[str]) -> bool:
        return sum(1 for key in guess_mapping(cells, kind) if key) >= 2

    return accept


def mapping_problems(mapping: list[str], headers: list[str], kind: str) -> list[Any]:
    """What makes a mapping unusable: a field given to two columns, or a required field missing."""
    problems: list[Any] = []
    labels = fields_of(kind)
    seen: dict[str, int] = {}
    for index, key in enumerate(mapping):
        if not key:
            continue
        if key not in labels:
            problems.append(_l("Column «%(col)s»: unknown field.", col=headers[index]))
        elif key in seen:
            problems.append(_l("Columns «%(a)s» and «%(b)s» are both mapped to «%(field)s».",
                               a=headers[seen[key]], b=headers[index], field=labels[key]))
        else:
            seen[key] = index
    if kind == "loads":
        for key in ("class", "subject", "hours", "teacher"):
            if key not in seen:
                problems.append(_l("No column is mapped to «%(field)s».", field=labels[key]))
    elif "fio" not in seen and not {"last_name", "first_name"} <= set(seen):
        problems.append(_l("No column holds the name: map one column to «Full name» or two to «Last name» "
                           "and «First name»."))
    return problems


def ignored_columns(mapping: list[str], headers: list[str]) -> list[str]:
    """Headers of the columns nothing will be read from (listed in the preview, never dropped silently)."""
    return [headers[i] or f"#{i + 1}" for i, key in enumerate(mapping) if not key]


def slot_relations(headers: list[str], mapping: list[str]) -> dict[int, str]:
    """The relation a guardian slot's headers imply: columns headed «Мать ...» hold the mother."""
    out: dict[int, str] = {}
    for header, key in zip(headers, mapping, strict=False):
        if key.startswith(("g1_", "g2_")):
            slot = int(key[1])
            for word in normalise(header).split():
                if _GUARDIAN_WORDS.get(word):
                    out.setdefault(slot, _GUARDIAN_WORDS[word])
    return out
