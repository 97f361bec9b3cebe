"""Demo data of the office: personal files, guardians' workplaces, consents, verifications, the
regulation with acknowledgements, a few movement requests and families' requests.

Bulk inserts only, so the full-size school (1,100 students) adds about a second.
"""
from __future__ import annotations

import io
import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from core.toolkit import (
    AcademicYear,
    ClassMembership,
    GuardianLink,
    Role,
    RoleGrant,
    School,
    SchoolClass,
    User,
    school_today,
    utcnow,
)
from plugins.documents import acquaintance
from plugins.office import regulation_acks
from plugins.office.models import (
    Consent,
    FileVerification,
    GuardianInfo,
    MovementRequest,
    PersonalFile,
    Regulation,
    Ticket,
)

STREETS = ["ул. Ленина", "ул. Школьная", "ул. Садовая", "ул. Мира", "пр. Победы", "ул. Гагарина", "ул. Молодёжная",
           "ул. Лесная", "ул. Советская", "ул. Набережная", "ул. Строителей", "пер. Почтовый"]
WORKPLACES = [("ООО «Энский хлебозавод»", "технолог"), ("ГБУЗ «Энская городская больница»", "медсестра"),
              ("МБДОУ «Детский сад № 12»", "воспитатель"), ("АО «Энскэнерго»", "инженер"),
              ("ИП Сорокин А. В.", "продавец"), ("Администрация г. Энска", "специалист"),
              ("ПАО «Сбербанк», отделение 8610", "менеджер"), ("ООО «СтройИнвест»", "прораб"),
              ("МЧС России по Энской области", "пожарный"), ("не работает", "")]


def _phone(rng: random.Random) -> str:
    return f"+7 (9{rng.randint(0, 99):02d}) {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"


def regulation_pdf(school_name: str) -> bytes:
    """A short regulation in our own words, so the demo has a real PDF to read."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from plugins.office.slips import register_fonts

    register_fonts()
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4)
    c.setTitle("Положение об электронном журнале")
    y = A4[1] - 25 * mm
    c.setFont("DejaVuSans-Bold", 13)
    c.drawCentredString(A4[0] / 2, y, "Положение об электронном журнале и электронном дневнике")
    y -= 8 * mm
    c.setFont("DejaVuSans", 10)
    c.drawCentredString(A4[0] / 2, y, school_name)
    paragraphs = [
        "1. Электронный журнал ведётся учителями в день проведения урока: тема, отметки, посещаемость и "
        "домашнее задание вносятся не позднее окончания учебного дня.",
        "2. Каждый участник получает личные логин и пароль. Передавать их другим лицам запрещено; "
        "учащийся никогда не входит под учётной записью учителя.",
        "3. Родители (законные представители) видят в электронном дневнике только сведения о своих детях.",
        "4. Семьи, отказавшиеся от получения информации в электронном виде, получают бумажные выписки "
        "у классного руководителя не реже одного раза в месяц.",
        "5. О компрометации пароля сообщается администратору системы в течение одного рабочего дня.",
        "6. Классный руководитель ежемесячно сверяет персональные данные учащихся и их родителей.",
    ]
    y -= 14 * mm
    for text in paragraphs:
        words, line = text.split(), ""
        for word in words:
            trial = f"{line} {word}".strip()
            if c.stringWidth(trial, "DejaVuSans", 10.5) > A4[0] - 40 * mm:
                c.drawString(20 * mm, y, line)
                y -= 5.5 * mm
                line = word
            else:
                line = trial
        c.drawString(20 * mm, y, line)
        y -= 9 * mm
    c.setFont("DejaVuSans", 10)
    c.drawString(20 * mm, y - 10 * mm, "Утверждено приказом директора № 112-о от 29.08")
    c.showPage()
    c.save()
    return buffer.getvalue()


def build(session: Session, school: School, size: str) -> None:
    rng = random.Random(31)
    now = utcnow()
    year = session.scalar(select(AcademicYear).where(AcademicYear.school_id == school.id,
                                                     AcademicYear.is_current.is_(True)))
    if year is None:
        return
    members = session.execute(
        select(ClassMembership.student_id, ClassMembership.class_id)
        .where(ClassMembership.school_id == school.id, ClassMembership.ends_on.is_(None))
        .order_by(ClassMembership.class_id, ClassMembership.student_id)).all()
    links = session.execute(select(GuardianLink.guardian_id, GuardianLink.student_id)
                            .where(GuardianLink.school_id == school.id)
                            .order_by(GuardianLink.guardian_id)).all()
    guardian_ids = sorted({g for g, _s in links})

    files, verifications = [], []
    for n, (student_id, _class_id) in enumerate(members, 1):
        house = rng.randint(1, 120)
        address = f"г. Энск, {rng.choice(STREETS)}, д. {house}, кв. {rng.randint(1, 200)}"
        files.append({"school_id": school.id, "student_id": student_id, "file_number": f"ЛД-{year.starts_on.year}-{n:04d}",
                      "registration_address": address,
                      "actual_address": address if rng.random() < 0.85 else
                      f"г. Энск, {rng.choice(STREETS)}, д. {rng.randint(1, 120)}",
                      "phones": _phone(rng) if rng.random() < 0.6 else "", "notes": "", "updated_at": now})
        if rng.random() < 0.7:
            verifications.append({"school_id": school.id, "student_id": student_id, "verified_by_id": None,
                                  "verified_at": now - timedelta(days=rng.randint(0, 25)), "note": ""})
    if files:
        session.execute(insert(PersonalFile), files)
    if verifications:
        session.execute(insert(FileVerification), verifications)

    infos, phones, consents = [], [], []
    for guardian_id in guardian_ids:
        workplace, position = rng.choice(WORKPLACES)
        infos.append({"guardian_id": guardian_id, "school_id": school.id, "workplace": workplace,
                      "position": position, "work_phone": ""})
        phones.append({"id": guardian_id, "phone": _phone(rng)})
        roll = rng.random()
        if roll < 0.85:
            paper = roll > 0.77
            consents.append({"school_id": school.id, "guardian_id": guardian_id, "processing": True,
                             "electronic": not paper, "signed_on": year.starts_on + timedelta(days=rng.randint(0, 10)),
                             "document_id": None, "note": "просит бумажные выписки" if paper else "",
                             "updated_at": now})
    if infos:
        session.execute(insert(GuardianInfo), infos)
        session.execute(update(User), phones)
    if consents:
        session.execute(insert(Consent), consents)

    # Most families and every member of staff have already set their own password.
    activated = [{"id": uid, "activated_at": now - timedelta(days=rng.randint(20, 60))}
                 for uid in [s for s, _c in members] + guardian_ids if rng.random() < 0.8]
    staff = session.scalars(select(RoleGrant.user_id).where(
        RoleGrant.school_id == school.id, RoleGrant.role.not_in([Role.student, Role.guardian])).distinct()).all()
    activated += [{"id": uid, "activated_at": now - timedelta(days=70)} for uid in staff]
    if activated:
        session.execute(update(User), activated)

    regulation = Regulation(school_id=school.id, title="Положение об электронном журнале и электронном дневнике",
                            approved_on=year.starts_on - timedelta(days=3), filename="polozhenie-ezh.pdf",
                            content=regulation_pdf(school.name), uploaded_by_id=None, is_current=True)
    regulation.size = len(regulation.content)
    session.add(regulation)
    session.flush()
    acquaintance.record_confirmed(session, school.id, regulation_acks.subject(regulation.id), {
        g: now - timedelta(days=rng.randint(1, 50)) for g in guardian_ids if rng.random() < 0.6})

    if size != "full":
        _requests(session, school, year, members, links, now)


def _requests(session: Session, school: School, year: AcademicYear, members: list[Any], links: list[Any],
              now: Any) -> None:
    """Waiting movement requests and families' requests, so each role has something to act on."""
    classes = {c.name: c for c in session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id))}
    by_class: dict[int, list[int]] = {}
    for student_id, class_id in members:
        by_class.setdefault(class_id, []).append(student_id)
    today = school_today(school.id, session=session)
    start = max(today, year.starts_on + timedelta(days=1))
    rows: list[dict[str, Any]] = []
    c9a, c5a, c5b = classes.get("9А"), classes.get("5А"), classes.get("5Б")
    if c9a and by_class.get(c9a.id):
        rows.append({"kind": "withdraw", "student_id": by_class[c9a.id][-1], "from_class_id": c9a.id,
                     "to_class_id": None, "on_date": start + timedelta(days=7),
                     "reason": "переезд в г. Казань, справка о зачислении будет представлена",
                     "requested_by_id": c9a.class_teacher_id})
    if c5a:
        rows.append({"kind": "admit", "student_id": None, "from_class_id": None, "to_class_id": c5a.id,
                     "on_date": start + timedelta(days=3), "last_name": "Соколова", "first_name": "Дарья",
                     "middle_name": "Игоревна", "birth_date": date(year.starts_on.year - 11, 4, 17),
                     "reason": "прибыла из МБОУ СОШ № 3 г. Энска", "requested_by_id": c5a.class_teacher_id})
    if c5b and c5a and by_class.get(c5b.id):
        rows.append({"kind": "transfer", "student_id": by_class[c5b.id][-1], "from_class_id": c5b.id,
                     "to_class_id": c5a.id, "on_date": start + timedelta(days=1), "status": "rejected",
                     "reason": "по заявлению родителей", "decision_note": "в 5А нет мест по нормам СанПиН",
                     "requested_by_id": c5b.class_teacher_id, "decided_at": now})
    for row in rows:
        row.setdefault("status", "pending")
        for key in ("last_name", "first_name", "middle_name", "order_number", "decision_note"):
            row.setdefault(key, "")
        row.setdefault("birth_date", None)
        row.setdefault("decided_at", None)
        row.update(school_id=school.id, requested_at=now, order_date=None)
    if rows:
        session.execute(insert(MovementRequest), rows)

    guardian_of = {}
    for guardian_id, student_id in links:
        guardian_of.setdefault(student_id, guardian_id)
    tickets = []
    if c5a and len(by_class.get(c5a.id, [])) > 2:
        tickets.append({"author_id": guardian_of.get(by_class[c5a.id][2]), "class_id": c5a.id,
                        "topic": "lost_password", "status": "new",
                        "text": "Второй родитель потерял листок с паролем, просим выдать новый."})
    if c5b and len(by_class.get(c5b.id, [])) > 1:
        tickets.append({"author_id": guardian_of.get(by_class[c5b.id][1]), "class_id": c5b.id, "topic": "wrong_data",
                        "status": "forwarded", "text": "В дневнике неверно указано отчество ребёнка.",
                        "class_teacher_note": "Отчество в личном деле верное, ошибка в учётной записи.",
                        "forwarded_at": now})
    tickets = [t for t in tickets if t["author_id"]]
    for t in tickets:
        t.setdefault("class_teacher_note", "")
        t.setdefault("forwarded_at", None)
        t.update(school_id=school.id, created_at=now, reply="")
    if tickets:
        session.execute(insert(Ticket), tickets)
