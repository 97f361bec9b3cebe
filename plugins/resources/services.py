"""The catalogue's rules as plain functions over a Session: add, edit (version-checked), withdraw, attach to a
lesson and detach, search. Every write is audited here, so pages and the API cannot forget it."""
from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.toolkit import (
    N_,
    CheckedUpload,
    SchoolClass,
    ServiceError,
    Subject,
    User,
    audit,
    store_file,
    utcnow,
)
from plugins.gradebook.public import Lesson, LessonPlanItem
from plugins.resources.access import Reader, condition
from plugins.resources.models import FORMS, KINDS, USES, VISIBILITIES, Material, MaterialClass, MaterialUse

FIELDS = ("title", "kind", "form", "subject_id", "grades", "topic", "plan_item_id", "description", "body", "url",
          "file_id", "filename", "licence", "visibility", "archived")


class ResourceError(ServiceError):
    """A refused change of the catalogue (422 unless said otherwise)."""


class Conflict(ResourceError):
    status = 409


def state(material: Material, class_ids: list[int] | None = None) -> dict[str, Any]:
    out = {name: getattr(material, name) for name in FIELDS}
    out["version"] = material.version
    if class_ids is not None:
        out["class_ids"] = sorted(class_ids)
    return out


def class_ids_of(session: Session, material: Material) -> list[int]:
    return sorted(session.scalars(select(MaterialClass.class_id).where(MaterialClass.material_id == material.id)))


def parse_grades(raw: str | list[int] | None) -> str:
    """"5, 6" or [5, 6] → ",5,6," (stored with commas around, so a grade is found by LIKE ",5,")."""
    items = raw if isinstance(raw, list) else re.split(r"[\s,;]+", raw or "")
    grades: set[int] = set()
    for item in items:
        if str(item).strip() == "":
            continue
        if not str(item).strip().isdigit() or not 1 <= int(item) <= 11:
            raise ResourceError(N_("Grades are numbers from 1 to 11, separated by commas."), field="grades")
        grades.add(int(item))
    return "," + ",".join(str(g) for g in sorted(grades)) + "," if grades else ""


def grade_list(stored: str) -> list[int]:
    return [int(g) for g in (stored or "").split(",") if g]


def plan_topics(session: Session, school_id: int, subject_id: int | None, grades: list[int]) -> list[tuple[int, str]]:
    """The КТП's topics (the gradebook's plan lines) of the subject in classes of those grades, for the topic
    field's suggestions and for linking a typed topic to its plan line."""
    if subject_id is None:
        return []
    query = (select(LessonPlanItem.id, LessonPlanItem.topic)
             .join(SchoolClass, SchoolClass.id == LessonPlanItem.class_id)
             .where(LessonPlanItem.school_id == school_id, LessonPlanItem.subject_id == subject_id)
             .order_by(SchoolClass.grade_level, LessonPlanItem.position))
    if grades:
        query = query.where(SchoolClass.grade_level.in_(grades))
    seen: dict[str, int] = {}
    for item_id, topic in session.execute(query.limit(2000)):
        seen.setdefault(topic, item_id)
    return [(item_id, topic) for topic, item_id in seen.items()]


def _clean(session: Session, school_id: int, data: dict[str, Any], upload: CheckedUpload | None,
           current: Material | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    values["title"] = " ".join((data.get("title") or "").split())[:300]
    if not values["title"]:
        raise ResourceError(N_("Give the material a title."), field="title")
    values["kind"] = data.get("kind") or ""
    if values["kind"] not in KINDS:
        raise ResourceError(N_("Choose what kind of material it is."), field="kind")
    values["form"] = data.get("form") or (current.form if current else "")
    if values["form"] not in FORMS:
        raise ResourceError(N_("Choose a file, a link or a task written here."), field="form")
    values["visibility"] = data.get("visibility") or "teachers"
    if values["visibility"] not in VISIBILITIES:
        raise ResourceError(N_("Choose who may see the material."), field="visibility")
    subject_id = data.get("subject_id") or None
    if subject_id is not None:
        subject_id = int(subject_id)
        if session.scalar(select(Subject.id).where(Subject.id == subject_id, Subject.school_id == school_id)) is None:
            raise ResourceError(N_("Choose a subject of the school."), field="subject_id")
    values["subject_id"] = subject_id
    if values["visibility"] == "association" and subject_id is None:
        raise ResourceError(N_("A material for the methodological association needs its subject."),
                            field="subject_id")
    values["grades"] = parse_grades(data.get("grades"))
    values["topic"] = " ".join((data.get("topic") or "").split())[:500]
    linked = dict((t, i) for i, t in plan_topics(session, school_id, subject_id, grade_list(values["grades"])))
    values["plan_item_id"] = linked.get(values["topic"])
    values["description"] = (data.get("description") or "").strip()[:5000]
    values["licence"] = " ".join((data.get("licence") or "").split())[:300]
    values["body"] = values["url"] = ""
    values["file_id"] = current.file_id if current and current.form == "file" else None
    values["filename"] = current.filename if current and current.form == "file" else ""
    if values["form"] == "file":
        if upload is not None:
            stored = store_file(session, school_id, upload)
            values["file_id"], values["filename"] = stored.id, upload.filename
        elif values["file_id"] is None:
            raise ResourceError(N_("Choose the file to upload."), field="file")
    else:
        values["file_id"], values["filename"] = None, ""
    if values["form"] == "link":
        url = (data.get("url") or "").strip()
        if urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc or len(url) > 1000:
            raise ResourceError(N_("A link begins with http:// or https://."), field="url")
        values["url"] = url
    if values["form"] == "text":
        values["body"] = (data.get("body") or "").strip()[:50000]
        if not values["body"]:
            raise ResourceError(N_("Write the task."), field="body")
    return values


def _school_classes(session: Session, school_id: int, class_ids: list[int] | None) -> list[int]:
    wanted = {int(c) for c in class_ids or []}
    if not wanted:
        return []
    return sorted(session.scalars(select(SchoolClass.id).where(SchoolClass.school_id == school_id,
                                                               SchoolClass.id.in_(wanted))))


def _set_classes(session: Session, material: Material, class_ids: list[int]) -> None:
    have = set(class_ids_of(session, material))
    for class_id in set(class_ids) - have:
        session.add(MaterialClass(school_id=material.school_id, material_id=material.id, class_id=class_id))
    for row in session.scalars(select(MaterialClass).where(MaterialClass.material_id == material.id,
                                                           MaterialClass.class_id.in_(have - set(class_ids)))):
        session.delete(row)


def create(session: Session, *, school_id: int, author: User, data: dict[str, Any],
           upload: CheckedUpload | None = None, class_ids: list[int] | None = None) -> Material:
    values = _clean(session, school_id, data, upload, None)
    classes = _school_classes(session, school_id, class_ids)
    if values["visibility"] == "classes" and not classes:
        raise ResourceError(N_("Choose the classes the material is opened to."), field="class_ids")
    material = Material(school_id=school_id, author_id=author.id, **values)
    session.add(material)
    session.flush()
    _set_classes(session, material, classes)
    audit(session, school_id=school_id, action="resources.material.create", object_type="resources.material",
          object_id=material.id, new=state(material, classes))
    return material


def update(session: Session, material: Material, *, version: int | None, data: dict[str, Any],
           upload: CheckedUpload | None = None, class_ids: list[int] | None = None) -> Material:
    """Save an edit made on ``version``; a newer version saved meanwhile refuses it, naming the newer title."""
    if version is not None and version != material.version:
        raise Conflict(N_("Someone saved this material meanwhile (now: «%(title)s»). Open it again and repeat "
                          "your change."), title=material.title, code="conflict")
    values = _clean(session, material.school_id, {"form": material.form, **data}, upload, material)
    classes = _school_classes(session, material.school_id, class_ids)
    if values["visibility"] == "classes" and not classes:
        raise ResourceError(N_("Choose the classes the material is opened to."), field="class_ids")
    old = state(material, class_ids_of(session, material))
    for name, value in values.items():
        setattr(material, name, value)
    _set_classes(session, material, classes)
    material.archived = False  # saving a withdrawn material is how its author returns it
    material.version += 1
    material.updated_at = utcnow()
    audit(session, school_id=material.school_id, action="resources.material.edit", object_type="resources.material",
          object_id=material.id, old=old, new=state(material, classes))
    return material


def withdraw(session: Session, material: Material, *, version: int | None) -> None:
    """Hide a material from everyone but its author; lessons that used it keep the record of it."""
    if version is not None and version != material.version:
        raise Conflict(N_("Someone saved this material meanwhile (now: «%(title)s»). Open it again and repeat "
                          "your change."), title=material.title, code="conflict")
    old = state(material)
    material.archived = True
    material.version += 1
    audit(session, school_id=material.school_id, action="resources.material.withdraw",
          object_type="resources.material", object_id=material.id, old=old, new=state(material))


def may_attach(session: Session, who: Reader, lesson: Lesson, editors: list[int]) -> bool:
    """The lesson's teacher, a colleague the gradebook lets edit it (a substitute), or the administration."""
    return lesson.school_id == who.school_id and (lesson.teacher_id == who.user_id or who.user_id in editors
                                                  or who.manager)


def attach(session: Session, material: Material, lesson: Lesson, *, use: str, actor_id: int,
           today: date) -> MaterialUse:
    """Attach to a lesson (or its homework) of today or later; the lesson's class may open the material from
    then on (a private or staff-only material becomes "the chosen classes", with this class added)."""
    if use not in USES:
        raise ResourceError(N_("Attach the material to the lesson or to its homework."), field="use")
    if material.archived:
        raise ResourceError(N_("The material is withdrawn: its author returns it by saving it again."))
    if lesson.date < today:
        raise ResourceError(N_("Materials are attached to today's and future lessons."), field="lesson_id")
    found = session.scalar(select(MaterialUse).where(MaterialUse.material_id == material.id,
                                                     MaterialUse.lesson_id == lesson.id, MaterialUse.use == use))
    if found is not None:
        return found
    classes = class_ids_of(session, material)
    if material.visibility != "classes" or lesson.class_id not in classes:
        old = state(material, classes)
        material.visibility = "classes"
        _set_classes(session, material, sorted(set(classes) | {lesson.class_id}))
        material.version += 1
        audit(session, school_id=material.school_id, action="resources.material.open",
              object_type="resources.material", object_id=material.id, old=old,
              new=state(material, sorted(set(classes) | {lesson.class_id})))
    row = MaterialUse(school_id=material.school_id, material_id=material.id, lesson_id=lesson.id, use=use,
                      attached_by=actor_id)
    session.add(row)
    session.flush()
    audit(session, school_id=material.school_id, action="resources.use.attach", object_type="resources.use",
          object_id=row.id, new={"material_id": material.id, "lesson_id": lesson.id, "use": use})
    return row


def detach(session: Session, row: MaterialUse) -> None:
    audit(session, school_id=row.school_id, action="resources.use.detach", object_type="resources.use",
          object_id=row.id, old={"material_id": row.material_id, "lesson_id": row.lesson_id, "use": row.use})
    session.delete(row)


def _contains(column: Any, text: str) -> Any:
    """Case-insensitive "contains" that also works for Cyrillic on SQLite, whose LIKE folds only ASCII: the
    typed text, all lower case and capitalised (a topic begins with a capital)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    variants = {escaped, escaped.lower(), escaped.capitalize()}
    return or_(*(column.ilike(f"%{v}%", escape="\\") for v in sorted(variants)))


def search(session: Session, who: Reader, *, q: str = "", subject_id: int | None = None, grade: int | None = None,
           topic: str = "", kind: str = "", author_id: int | None = None, limit: int = 200) -> list[Material]:
    query = select(Material).where(condition(who))
    if q.strip():
        query = query.where(or_(*(_contains(column, q.strip()) for column in (Material.title, Material.description,
                                                                              Material.topic))))
    if subject_id:
        query = query.where(Material.subject_id == subject_id)
    if grade:
        query = query.where(Material.grades.like(f"%,{int(grade)},%"))
    if topic.strip():
        query = query.where(_contains(Material.topic, topic.strip()))
    if kind:
        query = query.where(Material.kind == kind)
    if author_id:
        query = query.where(Material.author_id == author_id)
    return list(session.scalars(query.order_by(Material.updated_at.desc(), Material.id.desc()).limit(limit)))


def uses_of(session: Session, material: Material) -> list[tuple[MaterialUse, Lesson, str, str]]:
    """Where the material was used: (use, lesson, class name, subject name), newest lesson first."""
    return [(use, lesson, school_class.name, subject) for use, lesson, school_class, subject in session.execute(
        select(MaterialUse, Lesson, SchoolClass, Subject.name)
        .join(Lesson, Lesson.id == MaterialUse.lesson_id)
        .join(SchoolClass, SchoolClass.id == Lesson.class_id).join(Subject, Subject.id == Lesson.subject_id)
        .where(MaterialUse.material_id == material.id, MaterialUse.school_id == material.school_id)
        .order_by(Lesson.date.desc(), Lesson.number.desc()))]
