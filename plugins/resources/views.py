"""The catalogue's pages (/resources): search with filters, a material's page with its preview and where it
was used, the add and edit forms, the file itself, and attaching to a lesson from the lesson's page."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.toolkit import (
    DOCUMENTS_AND_IMAGES,
    SchoolClass,
    Subject,
    User,
    acting_user,
    check_upload,
    current_school_id,
    current_year,
    db,
    file_response,
    get_owned_or_404,
    hook,
    load_file,
    plugin_settings,
    requires_permission,
    school_today,
)
from plugins.gradebook.public import Lesson
from plugins.resources import services
from plugins.resources.access import Reader, may_edit, may_see, reader
from plugins.resources.labels import FORM_TITLES, KIND_TITLES, USE_TITLES, VISIBILITY_TITLES
from plugins.resources.models import KINDS, Material, MaterialUse
from plugins.resources.text import render

bp = Blueprint("resources", __name__, url_prefix="/resources", template_folder="templates",
               static_folder="static", static_url_path="/static/resources")


def who() -> Reader:
    return reader(db(), acting_user(), school_today())


def load(material_id: int, viewer: Reader | None = None) -> Material:
    material = get_owned_or_404(Material, material_id)
    if not may_see(db(), viewer or who(), material):
        abort(404)
    return material


def read_upload(field: str = "file") -> Any:
    """The form's file checked by content and size (``UploadRefused`` carries the Russian refusal), or None."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        return None
    max_bytes = int(float(plugin_settings("resources")["max_file_mb"]) * 1024 * 1024)
    return check_upload(upload.read(max_bytes + 1), upload.filename, allowed=DOCUMENTS_AND_IMAGES,
                        max_bytes=max_bytes)


def form_data() -> tuple[dict[str, Any], list[int]]:
    data = {name: request.form.get(name, "") for name in ("title", "kind", "form", "subject_id", "grades", "topic",
                                                          "description", "body", "url", "licence", "visibility")}
    return data, [int(c) for c in request.form.getlist("class_ids") if c.isdigit()]


def choices() -> dict[str, Any]:
    session, school_id = db(), current_school_id()
    year = current_year(session, school_id)
    subjects = list(session.scalars(select(Subject).where(Subject.school_id == school_id).order_by(Subject.name)))
    classes = list(session.scalars(select(SchoolClass).where(
        SchoolClass.school_id == school_id, SchoolClass.year_id == (year.id if year else -1))
        .order_by(SchoolClass.grade_level, SchoolClass.letter)))
    return {"subjects": subjects, "classes": classes, "kinds": KINDS, "kind_titles": KIND_TITLES,
            "visibility_titles": VISIBILITY_TITLES, "form_titles": FORM_TITLES, "use_titles": USE_TITLES}


@bp.get("/")
@requires_permission("resources.view")
def index() -> Any:
    """The catalogue: search by words and filter by subject, grade, topic, kind and author."""
    session, viewer = db(), who()
    args = request.args
    filters = {"q": args.get("q", "").strip(), "subject_id": args.get("subject_id", type=int),
               "grade": args.get("grade", type=int), "topic": args.get("topic", "").strip(),
               "kind": args.get("kind", "") if args.get("kind", "") in KINDS else "",
               "author_id": args.get("author_id", type=int)}
    materials = services.search(session, viewer, **filters)
    author_ids = {m.author_id for m in materials} | ({filters["author_id"]} if filters["author_id"] else set())
    # The author filter comes from the address: only the school's own people are named (another school's
    # teacher's id must not print their name in the filter line).
    authors = {u.id: u.full_name for u in session.scalars(select(User).where(
        User.id.in_(author_ids or {-1}), User.school_id == current_school_id()))}
    return render_template("resources/index.html", materials=materials, filters=filters, authors=authors,
                           grade_list=services.grade_list, **choices())


@bp.route("/new", methods=["GET", "POST"])
@requires_permission("resources.create")
def new() -> Any:
    """Add a material; opened from a lesson's page (``lesson_id``) it is attached to that lesson on saving."""
    session = db()
    lesson = get_owned_or_404(Lesson, request.values.get("lesson_id", type=int)) if request.values.get(
        "lesson_id") else None
    if request.method == "POST":
        data, class_ids = form_data()
        material = services.create(session, school_id=current_school_id(), author=acting_user(), data=data,
                                   upload=read_upload() if data.get("form") == "file" else None, class_ids=class_ids)
        if lesson is not None:
            _attach(material, lesson, request.form.get("use", "lesson"))
        session.commit()
        flash(_("The material is saved.") if lesson is None else _("The material is saved and attached to the lesson."),
              "ok")
        if lesson is not None:
            return redirect(url_for("gradebook.lesson_page", lesson_id=lesson.id))
        return redirect(url_for("resources.show", material_id=material.id))
    preset: dict[str, Any] = {"kind": request.args.get("kind", ""), "visibility": request.args.get("visibility",
                                                                                                  "teachers")}
    if lesson is not None:
        school_class = session.get(SchoolClass, lesson.class_id)
        preset = {"subject_id": lesson.subject_id, "grades": str(school_class.grade_level) if school_class else "",
                  "topic": lesson.topic, "visibility": "classes", "class_ids": [lesson.class_id]}
    topics = services.plan_topics(session, current_school_id(), preset.get("subject_id"),
                                  services.grade_list("," + str(preset.get("grades", "")) + ","))
    return render_template("resources/form.html", material=None, preset=preset, lesson=lesson, topics=topics,
                           class_ids=preset.get("class_ids", []), grades="", **choices())


@bp.get("/<int:material_id>")
@requires_permission("resources.view")
def show(material_id: int) -> Any:
    """A material: its facts, the task or preview, the file or link, and where it was used."""
    viewer = who()
    material = load(material_id, viewer)
    session = db()
    uses = services.uses_of(session, material) if viewer.staff else []
    author = session.get(User, material.author_id)
    subject = session.get(Subject, material.subject_id) if material.subject_id else None
    stored = load_file(session, material.school_id, material.file_id) if material.file_id else None
    class_ids = services.class_ids_of(session, material)
    ch = choices()
    class_names = [c.name for c in ch["classes"] if c.id in class_ids]
    editable = may_edit(viewer, material) and acting_user().has_role(
        "admin", "principal", "deputy", "class_teacher", "teacher")
    topics = services.plan_topics(session, material.school_id, material.subject_id,
                                  services.grade_list(material.grades)) if editable else []
    return render_template("resources/show.html", material=material, uses=uses, author=author, subject=subject,
                           stored=stored, body=render(material.body) if material.body else "",
                           class_names=class_names, class_ids=class_ids, editable=editable, topics=topics,
                           grades=", ".join(str(g) for g in services.grade_list(material.grades)), preset={},
                           **ch)


@bp.post("/<int:material_id>")
@requires_permission("resources.create")
def save(material_id: int) -> Any:
    viewer = who()
    material = load(material_id, viewer)
    if not may_edit(viewer, material):
        abort(404)
    session = db()
    data, class_ids = form_data()
    services.update(session, material, version=request.form.get("version", type=int), data=data,
                    upload=read_upload() if material.form == "file" else None, class_ids=class_ids)
    session.commit()
    flash(_("The material is saved."), "ok")
    return redirect(url_for("resources.show", material_id=material.id))


@bp.post("/<int:material_id>/withdraw")
@requires_permission("resources.create")
def withdraw(material_id: int) -> Any:
    viewer = who()
    material = load(material_id, viewer)
    if not may_edit(viewer, material):
        abort(404)
    session = db()
    services.withdraw(session, material, version=request.form.get("version", type=int))
    session.commit()
    flash(_("The material is withdrawn: only its author sees it now."), "ok")
    return redirect(url_for("resources.index"))


@bp.get("/<int:material_id>/file")
@requires_permission("resources.view")
def file(material_id: int) -> Any:
    """The material's file (``?inline=1``: shown in the browser when it is a PDF or a picture, as the preview)."""
    material = load(material_id)
    stored = load_file(db(), material.school_id, material.file_id) if material.file_id else None
    if stored is None:
        abort(404)
    return file_response(stored, material.filename, inline=request.args.get("inline") == "1")


def _attach(material: Material, lesson: Lesson, use: str) -> MaterialUse:
    session, viewer = db(), who()
    editors = [uid for ids in hook().register_lesson_editors(session=session, lesson=lesson) for uid in (ids or [])]
    if not services.may_attach(session, viewer, lesson, editors):
        abort(404)
    return services.attach(session, material, lesson, use=use, actor_id=viewer.user_id, today=school_today())


@bp.post("/attach")
@requires_permission("resources.attach")
def attach() -> Any:
    """The lesson page's one-click form: the chosen material to this lesson or its homework."""
    lesson = get_owned_or_404(Lesson, request.form.get("lesson_id", type=int))
    material = load(request.form.get("material_id", type=int) or 0)
    _attach(material, lesson, request.form.get("use", "lesson"))
    db().commit()
    flash(_("The material is attached: the class sees it in the diary."), "ok")
    return redirect(url_for("gradebook.lesson_page", lesson_id=lesson.id))


@bp.post("/uses/<int:use_id>/detach")
@requires_permission("resources.attach")
def detach(use_id: int) -> Any:
    row = get_owned_or_404(MaterialUse, use_id)
    lesson = get_owned_or_404(Lesson, row.lesson_id)
    session, viewer = db(), who()
    editors = [uid for ids in hook().register_lesson_editors(session=session, lesson=lesson) for uid in (ids or [])]
    if not services.may_attach(session, viewer, lesson, editors):
        abort(404)
    services.detach(session, row)
    session.commit()
    flash(_("The material is detached from the lesson."), "ok")
    return redirect(url_for("gradebook.lesson_page", lesson_id=lesson.id))
