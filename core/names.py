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
