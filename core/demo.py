"""``klass demo``: a demo school to click through, or a full-size one (44 classes) for benchmarks.

One code path builds both; the full size inserts in bulk so it stays well under two minutes on SQLite.
Every demo account shares one password (printed once): the demo is for looking around, and hashing a
thousand argon2 passwords would take minutes.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from core.calendar import default_holidays, default_terms
from core.clock import DEFAULT_ZONE, today_in
from core.db import insert_with_ids
from core.logins import unique_login
from core.models import (
    AcademicYear,
    ClassMembership,
    GuardianLink,
    Holiday,
    Role,
    RoleGrant,
    School,
    SchoolClass,
    Subgroup,
    SubgroupMember,
    Subject,
    TeachingAssignment,
    Term,
    User,
)
from core.names import MALE, SURNAMES, person
from core.security import hash_password
from core.tenancy import free_slug

# subject: (hours a week by grade 1..11, teacher specialty)
CURRICULUM: dict[str, tuple[tuple[float, ...], str]] = {
    "Русский язык": ((5, 5, 5, 5, 5, 6, 4, 3, 3, 2, 2), "russian"),
    "Литературное чтение": ((4, 4, 4, 3, 0, 0, 0, 0, 0, 0, 0), "primary"),
    "Литература": ((0, 0, 0, 0, 3, 3, 2, 2, 3, 3, 3), "russian"),
    "Математика": ((4, 4, 4, 4, 5, 5, 0, 0, 0, 0, 0), "math"),
    "Алгебра": ((0, 0, 0, 0, 0, 0, 3, 3, 3, 4, 4), "math"),
    "Геометрия": ((0, 0, 0, 0, 0, 0, 2, 2, 2, 3, 3), "math"),
    "Информатика": ((0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1), "informatics"),
    "Окружающий мир": ((2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0), "primary"),
    "История": ((0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2), "history"),
    "Обществознание": ((0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2), "history"),
    "География": ((0, 0, 0, 0, 1, 1, 2, 2, 2, 1, 1), "geography"),
    "Биология": ((0, 0, 0, 0, 1, 1, 1, 2, 2, 1, 1), "biology"),
    "Физика": ((0, 0, 0, 0, 0, 0, 2, 2, 3, 2, 2), "physics"),
    "Химия": ((0, 0, 0, 0, 0, 0, 0, 2, 2, 1, 1), "chemistry"),
    "Английский язык": ((0, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3), "english"),
    "Музыка": ((1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0), "music"),
    "Изобразительное искусство": ((1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0), "art"),
    "Труд (технология)": ((1, 1, 1, 1, 2, 2, 2, 1, 1, 0, 0), "art"),
    "Физическая культура": ((2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2), "pe"),
    "Основы безопасности и защиты Родины": ((0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1), "obzr"),
}
SHORT = {"Русский язык": "Рус", "Литературное чтение": "ЛитЧт", "Литература": "Лит", "Математика": "Мат",
         "Алгебра": "Алг", "Геометрия": "Геом", "Информатика": "Инф", "Окружающий мир": "ОкрМ",
         "История": "Ист", "Обществознание": "Общ", "География": "Гео", "Биология": "Био", "Физика": "Физ",
         "Химия": "Хим", "Английский язык": "Англ", "Музыка": "Муз", "Изобразительное искусство": "ИЗО",
         "Труд (технология)": "Труд", "Физическая культура": "Физк",
         "Основы безопасности и защиты Родины": "ОБЗР"}
SPLIT_SUBJECTS = {"Английский язык"}  # taught in two subgroups


@dataclass
class Plan:
    classes: list[tuple[int, str]]
    students_per_class: int
    specialists: dict[str, int]  # specialty -> number of subject teachers
    seed: int = 7


DEMO = Plan(
    classes=[(1, "А"), (5, "А"), (5, "Б"), (9, "А")],
    students_per_class=12,
    specialists={"russian": 2, "math": 2, "english": 2, "history": 1, "geography": 1, "biology": 1,
                 "physics": 1, "chemistry": 1, "informatics": 1, "music": 1, "art": 1, "pe": 1, "obzr": 1},
)
FULL = Plan(
    classes=[(g, letter) for g in range(1, 12) for letter in "АБВГ"],
    students_per_class=25,
    specialists={"russian": 8, "math": 8, "english": 7, "history": 3, "geography": 2, "biology": 2,
                 "physics": 2, "chemistry": 2, "informatics": 2, "music": 1, "art": 2, "pe": 4, "obzr": 1},
)


@dataclass
class DemoResult:
    school: School
    password: str
    accounts: dict[str, str] = field(default_factory=dict)  # what to show: title -> login
    counts: dict[str, int] = field(default_factory=dict)


def school_year_start(today: date) -> int:
    return today.year if today.month >= 8 else today.year - 1


class _Builder:
    def __init__(self, session: Session, school: School, password_hash: str, rng: random.Random) -> None:
        self.session, self.school, self.password_hash, self.rng = session, school, password_hash, rng
        self.taken: set[str] = set()
        self.user_rows: list[dict[str, Any]] = []
        self.grant_rows: list[dict[str, Any]] = []

    def user(self, last: str, first: str, middle: str, *, login: str | None = None,
             birth: date | None = None, roles: tuple[tuple[Role, int | None], ...] = ()) -> int:
        login = login or unique_login(self.session, last, first, self.taken, school_id=self.school.id)
        self.taken.add(login)
        user_id = self.session.scalar(
            insert(User).returning(User.id),
            [{"school_id": self.school.id, "login": login, "password_hash": self.password_hash,
              "last_name": last, "first_name": first, "middle_name": middle, "birth_date": birth,
              "must_change_password": False}],
        )
        for role, class_id in roles:
            self.grant_rows.append({"school_id": self.school.id, "user_id": user_id, "role": role,
                                    "class_id": class_id})
        return int(user_id)  # type: ignore[arg-type]

    def users(self, rows: list[dict[str, Any]]) -> list[int]:
        for row in rows:
            row.setdefault("login", unique_login(self.session, row["last_name"], row["first_name"], self.taken,
                                                 school_id=self.school.id))
            row.update(school_id=self.school.id, password_hash=self.password_hash, must_change_password=False)
        return insert_with_ids(self.session, User, rows)

    def flush_grants(self) -> None:
        if self.grant_rows:
            self.session.execute(insert(RoleGrant), self.grant_rows)
            self.grant_rows = []


def build_school(session: Session, size: str, term_system: str, password: str, today: date | None = None,
                 timezone: str = DEFAULT_ZONE, number: int = 7) -> DemoResult:
    """Create the demo (``size="demo"``) or full-size (``"full"``) school; the caller commits.

    The school year is the one containing ``today`` (the school's today in ``timezone`` by default;
    tests pass a fixed day so the demo never depends on the calendar). ``timezone`` is the new
    school's own zone: the config's ``[school] timezone`` is the default ``klass demo`` passes.

    ``number`` makes another demo school in the same deployment (``klass demo --school 8``): «СОШ № 8»
    at ``/s/school8/login``, other people, and the named accounts ``director8``, ``zavuch8``, ``admin8``
    so the first school's ``director`` still signs in without «@школа». Generated logins (``ivanova.m``)
    may repeat in both schools, as in a real region: those need ``@school8``.
    """
    plan = FULL if size == "full" else DEMO
    rng = random.Random(plan.seed if number == 7 else plan.seed * 1000 + number)
    suffix = "" if number == 7 else str(number)
    today = today or today_in(timezone)
    start_year = school_year_start(today)
    principal = ("Орлова", "Татьяна", "Викторовна") if number == 7 else person(rng, female=True)[:3]
    school = School(name=f"МБОУ «Средняя общеобразовательная школа № {number}»", short_name=f"СОШ № {number}",
                    slug=free_slug(session, f"school{number}"), timezone=timezone, address=f"г. Энск, ул. Школьная, д. {number}",
                    principal_name=" ".join(principal))
    session.add(school)
    session.flush()
    year = AcademicYear(school_id=school.id, title=f"{start_year}/{start_year + 1}",
                        starts_on=date(start_year, 9, 1), ends_on=date(start_year + 1, 5, 31), is_current=True)
    session.add(year)
    session.flush()
    for n, period in enumerate(default_terms(term_system, start_year), 1):
        session.add(Term(school_id=school.id, year_id=year.id, number=n, title=period.title,
                         starts_on=period.starts_on, ends_on=period.ends_on,
                         closes_on=period.ends_on + timedelta(days=7)))
    for period in default_holidays(start_year):
        session.add(Holiday(school_id=school.id, year_id=year.id, title=period.title,
                            starts_on=period.starts_on, ends_on=period.ends_on))
    subjects = {}
    for name in CURRICULUM:
        subjects[name] = Subject(school_id=school.id, name=name, short_name=SHORT[name])
        session.add(subjects[name])
    classes = {}
    for grade, letter in plan.classes:
        classes[(grade, letter)] = SchoolClass(school_id=school.id, year_id=year.id, grade_level=grade, letter=letter)
        session.add(classes[(grade, letter)])
    session.flush()

    result = DemoResult(school=school, password=password)
    b = _Builder(session, school, hash_password(password), rng)
    deputy = ("Лебедева", "Ирина", "Павловна") if number == 7 else person(rng, female=True)[:3]
    admin = ("Никитин", "Сергей", "Андреевич") if number == 7 else person(rng, female=False)[:3]
    b.user(*principal, login=f"director{suffix}", roles=((Role.principal, None),))
    b.user(*deputy, login=f"zavuch{suffix}", roles=((Role.deputy, None),))
    b.user(*admin, login=f"admin{suffix}", roles=((Role.admin, None),))
    result.accounts.update({"principal": f"director{suffix}", "deputy": f"zavuch{suffix}", "admin": f"admin{suffix}"})

    # Teachers: one primary teacher per class of grades 1-4, the specialists for the rest.
    teachers: dict[str, list[int]] = {}
    for (grade, _letter), school_class in classes.items():
        if grade <= 4:
            last, first, middle, _f = person(rng, female=True)
            tid = b.user(last, first, middle, roles=((Role.teacher, None), (Role.class_teacher, school_class.id)))
            teachers.setdefault(f"primary:{school_class.id}", []).append(tid)
            school_class.class_teacher_id = tid
    for specialty, count in plan.specialists.items():
        for _ in range(count):
            last, first, middle, _f = person(rng, female=rng.random() < 0.75)
            teachers.setdefault(specialty, []).append(b.user(last, first, middle, roles=((Role.teacher, None),)))
    # Class teachers of grades 5-11 come from the specialists, one class each.
    specialist_ids = [t for s, ids in teachers.items() if not s.startswith("primary") for t in ids]
    rng.shuffle(specialist_ids)
    for (grade, _letter), school_class in classes.items():
        if grade >= 5 and specialist_ids:
            tid = specialist_ids.pop()
            school_class.class_teacher_id = tid
            b.grant_rows.append({"school_id": school.id, "user_id": tid, "role": Role.class_teacher,
                                 "class_id": school_class.id})

    # Students, their guardians, memberships and English subgroups.
    member_rows, link_rows, subgroup_members = [], [], []
    assignment_rows: list[dict[str, Any]] = []
    load: dict[int, float] = {}
    family_for_two: tuple[str, int] | None = None
    first_family: tuple[str, str] | None = None  # surname and father of the first 5А student
    for (grade, letter), school_class in classes.items():
        birth_year = start_year - 6 - grade
        kids = []
        for n in range(plan.students_per_class):
            father = rng.choice(MALE)
            surname = rng.choice(SURNAMES)
            if size != "full" and (grade, letter) == (9, "А") and n == 0 and first_family:
                surname, father = first_family  # an elder sibling: one family, two children

            last, first, middle, female = person(rng, surname=surname, father=father)
            birth = date(birth_year, 1, 1) + timedelta(days=rng.randrange(0, 365))
            kids.append({"last_name": last, "first_name": first, "middle_name": middle, "birth_date": birth,
                         "_family": (surname, father)})
        families = [k.pop("_family") for k in kids]
        kid_ids = b.users(kids)
        guardian_rows, guardian_of = [], []
        sibling = size != "full" and (grade, letter) == (9, "А") and first_family is not None
        for n, (kid_id, (surname, father)) in enumerate(zip(kid_ids, families, strict=True)):
            if sibling and n == 0:
                continue  # the mother of the 5А sibling is linked below
            last, first, middle, _f = person(rng, surname=surname, female=True)
            guardian_rows.append({"last_name": last, "first_name": first, "middle_name": middle,
                                  "email": f"parent{kid_id}@example.org"})
            guardian_of.append(kid_id)
            if rng.random() < 0.5:  # a second guardian for half the children
                guardian_rows.append({"last_name": surname, "first_name": father,
                                      "middle_name": person(rng, female=False)[2], "email": ""})
                guardian_of.append(kid_id)
        guardian_ids = b.users(guardian_rows)
        for gid, kid_id, row in zip(guardian_ids, guardian_of, guardian_rows, strict=True):
            link_rows.append({"guardian_id": gid, "student_id": kid_id, "school_id": school.id,
                              "relation": "мать" if row.get("email") else "отец"})
            b.grant_rows.append({"school_id": school.id, "user_id": gid, "role": Role.guardian, "class_id": None})
        for kid_id in kid_ids:
            member_rows.append({"school_id": school.id, "class_id": school_class.id, "student_id": kid_id,
                                "starts_on": year.starts_on, "ends_on": None})
            b.grant_rows.append({"school_id": school.id, "user_id": kid_id, "role": Role.student, "class_id": None})
        if size != "full" and (grade, letter) == (5, "А"):
            family_for_two = (kids[0]["last_name"], guardian_ids[0])
            first_family = families[0]
        if size != "full" and (grade, letter) == (9, "А") and family_for_two:
            # The first 9А student is a sibling of the first 5А student: one guardian, two children.
            link_rows.append({"guardian_id": family_for_two[1], "student_id": kid_ids[0], "school_id": school.id,
                              "relation": "мать"})

        for subject_name, (hours, specialty) in CURRICULUM.items():
            h = hours[grade - 1]
            if not h:
                continue
            pool = teachers.get(f"primary:{school_class.id}") if specialty == "primary" or (
                grade <= 4 and specialty in ("russian", "math", "art")) else teachers.get(specialty)
            if not pool:
                continue
            subject_id = subjects[subject_name].id
            if subject_name in SPLIT_SUBJECTS:
                half = (len(kid_ids) + 1) // 2
                for n, members in enumerate((kid_ids[:half], kid_ids[half:]), 1):
                    sg = Subgroup(school_id=school.id, class_id=school_class.id, subject_id=subject_id,
                                  name=f"{SHORT[subject_name]}, группа {n}")
                    session.add(sg)
                    session.flush()
                    subgroup_members += [{"subgroup_id": sg.id, "student_id": s} for s in members]
                    tid = min(pool, key=lambda t: load.get(t, 0))
                    load[tid] = load.get(tid, 0) + h
                    assignment_rows.append({"school_id": school.id, "teacher_id": tid, "subject_id": subject_id,
                                            "class_id": school_class.id, "subgroup_id": sg.id, "hours_per_week": h})
            else:
                tid = min(pool, key=lambda t: load.get(t, 0))
                load[tid] = load.get(tid, 0) + h
                assignment_rows.append({"school_id": school.id, "teacher_id": tid, "subject_id": subject_id,
                                        "class_id": school_class.id, "subgroup_id": None, "hours_per_week": h})

    session.execute(insert(ClassMembership), member_rows)
    session.execute(insert(GuardianLink), link_rows)
    if subgroup_members:
        session.execute(insert(SubgroupMember), subgroup_members)
    session.execute(insert(TeachingAssignment), assignment_rows)
    b.flush_grants()
    session.flush()
    session.expire_all()
    result.counts = {"classes": len(classes), "students": len(member_rows), "guardians": len(link_rows),
                     "teachers": len({r["teacher_id"] for r in assignment_rows})}
    if size != "full":
        result.accounts.update(_sample_accounts(session, school.id, classes[(5, "А")].id))
        # The accounts `make run` prints have been used: activated, so a class teacher's default bulk issue
        # («only accounts not activated yet») never takes the printed password away.
        from datetime import UTC, datetime, time

        from sqlalchemy import update

        session.execute(update(User).where(User.school_id == school.id, User.login.in_(list(result.accounts.values())))
                        .values(activated_at=datetime.combine(today, time(6, 0), tzinfo=UTC)))
    return result


def _sample_accounts(session: Session, school_id: int, class_id: int) -> dict[str, str]:
    """One readable login per role, from 5А: its class teacher, a teacher, a student, a guardian of two."""
    from sqlalchemy import func, select

    out: dict[str, str] = {}
    out["class_teacher"] = session.scalar(
        select(User.login).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.class_teacher, RoleGrant.class_id == class_id)) or ""
    out["teacher"] = session.scalar(
        select(User.login).join(TeachingAssignment, TeachingAssignment.teacher_id == User.id)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .where(TeachingAssignment.class_id == class_id, Subject.name == "Математика")) or ""
    out["student"] = session.scalar(
        select(User.login).join(ClassMembership, ClassMembership.student_id == User.id)
        .where(ClassMembership.class_id == class_id).order_by(User.id).limit(1)) or ""
    out["guardian"] = session.scalar(
        select(User.login).join(GuardianLink, GuardianLink.guardian_id == User.id)
        .where(GuardianLink.school_id == school_id).group_by(User.id, User.login)
        .having(func.count(GuardianLink.student_id) > 1).limit(1)) or ""
    return out
