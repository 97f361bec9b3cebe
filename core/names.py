"""Russian names for demo and full-size schools: surnames agree with gender, patronymics from fathers' names."""
from __future__ import annotations

import random

SURNAMES = [
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров",
    "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев",
    "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев",
    "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв",
    "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев", "Антонов", "Тарасов",
    "Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов", "Сидоров",
]
MALE = ["Александр", "Максим", "Иван", "Артём", "Дмитрий", "Никита", "Михаил", "Даниил", "Егор", "Андрей",
        "Кирилл", "Илья", "Алексей", "Роман", "Сергей", "Владимир", "Тимофей", "Матвей", "Лев", "Марк"]
FEMALE = ["Анастасия", "Мария", "Анна", "Виктория", "Екатерина", "Наталья", "Марина", "Полина", "Дарья", "Алиса",
          "Ксения", "Елизавета", "Ольга", "Софья", "Вероника", "Ирина", "Татьяна", "Юлия", "Варвара", "Ева"]
_PATRONYMIC = {"Александр": "Александров", "Максим": "Максимов", "Иван": "Иванов", "Артём": "Артёмов",
               "Дмитрий": "Дмитриев", "Никита": "Никитич", "Михаил": "Михайлов", "Даниил": "Даниилов",
               "Егор": "Егоров", "Андрей": "Андреев", "Кирилл": "Кириллов", "Илья": "Ильич", "Алексей": "Алексеев",
               "Роман": "Романов", "Сергей": "Сергеев", "Владимир": "Владимиров", "Тимофей": "Тимофеев",
               "Матвей": "Матвеев", "Лев": "Львов", "Марк": "Марков"}


def female_surname(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname


def patronymic(father: str, female: bool) -> str:
    stem = _PATRONYMIC[father]
    if stem.endswith("ич"):  # Никитич / Никитична, Ильич / Ильинична
        return (stem[:-2] + ("ична" if father != "Илья" else "инична")) if female else stem
    return stem + ("на" if female else "ич")


def person(rng: random.Random, surname: str | None = None, female: bool | None = None,
           father: str | None = None) -> tuple[str, str, str, bool]:
    """(last, first, middle, female) for a random person; pass ``surname``/``father`` for a family."""
    female = rng.random() < 0.5 if female is None else female
    surname = surname or rng.choice(SURNAMES)
    father = father or rng.choice(MALE)
    return (female_surname(surname) if female else surname, rng.choice(FEMALE if female else MALE),
            patronymic(father, female), female)


# --- Declension and gendered words -----------------------------------------------------------------
# One rule for every template and PDF: a person's name in a grammatical case, and the word form that agrees
# with the person's gender («вместо Борисовой А. Р.», «(занята)», «работала»). pytrovich does the
# declension and finds the gender from the first name and patronymic; a surname's ending decides when only
# initials are known.

CASES = {"nom": None, "gen": "GENITIVE", "dat": "DATIVE", "acc": "ACCUSATIVE", "ins": "INSTRUMENTAL",
         "pre": "PREPOSITIONAL"}
_FEMALE_SURNAME_ENDINGS = ("ова", "ева", "ёва", "ина", "ына", "ская", "цкая", "ая")


def _parts(person: object) -> tuple[str, str, str]:
    """(last, first, middle) of a User-like object or of a name written «Фамилия Имя Отчество» / «Фамилия И. О.»."""
    if isinstance(person, str):
        words = person.replace(".", ". ").split()
        words += [""] * (3 - len(words))
        return words[0], words[1], " ".join(words[2:]).strip()
    return (getattr(person, "last_name", "") or "", getattr(person, "first_name", "") or "",
            getattr(person, "middle_name", "") or "")


def is_female(person: object) -> bool:
    """The stored gender if the object has one, else from first name + patronymic, else from the surname."""
    stored = getattr(person, "gender", None)
    if stored in ("f", "female", "ж"):
        return True
    if stored in ("m", "male", "м"):
        return False
    last, first, middle = _parts(person)
    if middle and not middle.endswith("."):
        if middle.endswith(("вна", "чна", "кызы")):
            return True
        if middle.endswith(("вич", "ьич", "ич", "оглы")):
            return False
    if first and not first.endswith("."):
        from pytrovich.detector import PetrovichGenderDetector
        from pytrovich.enums import Gender

        try:
            found = PetrovichGenderDetector().detect(firstname=first, middlename=middle if middle[-1:] != "." else None)
        except (KeyError, ValueError, TypeError):
            found = None
        if found == Gender.FEMALE:
            return True
        if found == Gender.MALE:
            return False
    return last.lower().endswith(_FEMALE_SURNAME_ENDINGS)


def gendered(person: object, masculine: str, feminine: str) -> str:
    """The word form agreeing with the person: ``gendered(teacher, "занят", "занята")``."""
    return feminine if is_female(person) else masculine


def name_in_case(person: object, case: str = "nom") -> str:
    """«Борисова А. Р.» → «Борисовой А. Р.» (``case`` is nom, gen, dat, acc, ins or pre); keeps the form it got
    (full name or initials)."""
    last, first, middle = _parts(person)
    if CASES.get(case) is None:
        return " ".join(p for p in (last, first, middle) if p)
    from pytrovich.enums import Case, Gender, NamePart
    from pytrovich.maker import PetrovichDeclinationMaker

    maker = PetrovichDeclinationMaker()
    grammatical = getattr(Case, CASES[case])
    gender = Gender.FEMALE if is_female(person) else Gender.MALE

    def one(part: NamePart, word: str) -> str:
        if not word or word.endswith("."):
            return word
        try:
            return "-".join(maker.make(part, gender, grammatical, w) for w in word.split("-"))
        except (KeyError, ValueError, TypeError):
            return word

    out = [one(NamePart.LASTNAME, last), one(NamePart.FIRSTNAME, first), one(NamePart.MIDDLENAME, middle)]
    return " ".join(p for p in out if p)


def agreed(text: str, person: object) -> str:
    """Resolve «работал(а)»-style forms for one person: «работала» for a woman, «работал» for a man."""
    import re

    female = is_female(person)
    return re.sub(r"(\w+)\((\w+)\)", lambda m: m.group(1) + (m.group(2) if female else ""), text)
