"""The resource catalogue as its users meet it: a teacher uploads a test, attaches it to the next lesson from
the lesson's page, the family sees it in the diary; who sees what; refused uploads; stale edits; undo."""
from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import FIXED_TODAY, csrf_token
from tests.plugins.resources.conftest import PDF, PNG


def _upload(client, data, filename, content, page="/resources/new"):
    token = csrf_token(client.get(page).text)
    form = {"csrf_token": token, "form": "file", "file": (io.BytesIO(content), filename), **data}
    return client.post("/resources/new", data=form, content_type="multipart/form-data")


def _test_fields(fifth, title="Тест: сравнение дробей"):
    return {"title": title, "kind": "test", "subject_id": str(fifth.maths.id), "grades": "5",
            "topic": "Сравнение дробей", "licence": "собственная разработка", "visibility": "teachers"}


def test_teacher_uploads_a_test_attaches_it_to_the_next_lesson_and_the_guardian_sees_it(login_as, fifth, session):
    from plugins.resources.models import Material

    teacher = login_as("teacher")
    response = _upload(teacher, _test_fields(fifth), "сравнение.pdf", PDF)
    assert response.status_code == 302
    material = session.scalar(select(Material).where(Material.title == "Тест: сравнение дробей"))
    assert material.filename == "сравнение.pdf" and material.visibility == "teachers"

    lesson_page = teacher.get(f"/gradebook/lessons/{fifth.lesson.id}").text
    assert "Материалы" in lesson_page and "Тест: сравнение дробей" in lesson_page  # offered in the attach form
    answer = teacher.post("/resources/attach", data={"csrf_token": csrf_token(lesson_page), "lesson_id": fifth.lesson.id,
                                                     "material_id": material.id, "use": "homework"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/gradebook/lessons/{fifth.lesson.id}")
    after = teacher.get(f"/gradebook/lessons/{fifth.lesson.id}").text
    assert "к домашнему заданию" in after and "Открепить" in after

    week = fifth.lesson.date - timedelta(days=fifth.lesson.date.weekday())
    diary = login_as(fifth.guardian.login).get(f"/diary/{fifth.kid.id}?week={week}").text
    assert "Материалы к урокам" in diary and "Тест: сравнение дробей" in diary
    shown = login_as(fifth.guardian.login).get(f"/resources/{material.id}")
    assert shown.status_code == 200 and "сравнение.pdf" in shown.text
    assert login_as(fifth.guardian.login).get(f"/resources/{material.id}/file").data == PDF
    # The material's page tells the teacher where it was used.
    assert fifth.lesson.date.strftime("%d.%m.%Y") in teacher.get(f"/resources/{material.id}").text


def test_a_family_that_saw_the_week_sees_a_material_attached_after_and_no_longer_one_detached(login_as, fifth,
                                                                                               session):
    """The diary keeps the week's attachments per set of lessons until the school's materials change
    (core.content_cache): an attachment made after the family opened the week shows on its next view, and
    a detached one disappears."""
    from plugins.resources.models import Material, MaterialUse

    week = fifth.lesson.date - timedelta(days=fifth.lesson.date.weekday())
    family = login_as(fifth.guardian.login)
    diary = f"/diary/{fifth.kid.id}?week={week}"
    assert "Карточки: дроби" not in family.get(diary).text
    assert "Карточки: дроби" not in family.get(diary).text  # now from this process's cache
    teacher = login_as("teacher")
    assert _upload(teacher, _test_fields(fifth, "Карточки: дроби"), "карточки.pdf", PDF).status_code == 302
    material = session.scalar(select(Material).where(Material.title == "Карточки: дроби"))
    lesson_page = teacher.get(f"/gradebook/lessons/{fifth.lesson.id}").text
    teacher.post("/resources/attach", data={"csrf_token": csrf_token(lesson_page), "lesson_id": fifth.lesson.id,
                                            "material_id": material.id, "use": "lesson"})
    week_page = family.get(diary).text
    assert "Карточки: дроби" in week_page and "(тест, к уроку)" in week_page
    use = session.scalar(select(MaterialUse).where(MaterialUse.material_id == material.id))
    lesson_page = teacher.get(f"/gradebook/lessons/{fifth.lesson.id}").text
    teacher.post(f"/resources/uses/{use.id}/detach", data={"csrf_token": csrf_token(lesson_page)})
    assert "Карточки: дроби" not in family.get(diary).text


def test_hook_extra_lesson_sections(login_as, fifth):
    page = login_as("teacher").get(f"/gradebook/lessons/{fifth.lesson.id}").text
    assert "Добавить новый материал к этому уроку" in page and 'class="card lesson-extra"' in page


def test_a_new_material_made_from_the_lesson_page_is_attached_on_saving(login_as, fifth, session):
    from plugins.resources.models import MaterialUse

    teacher = login_as("teacher")
    page = f"/resources/new?lesson_id={fifth.lesson.id}"
    assert "Материал будет прикреплён к уроку" in teacher.get(page).text
    token = csrf_token(teacher.get(page).text)
    response = teacher.post("/resources/new", data={
        "csrf_token": token, "lesson_id": fifth.lesson.id, "use": "lesson", "form": "text", "title": "Самостоятельная",
        "kind": "task", "subject_id": fifth.maths.id, "grades": "5", "visibility": "classes",
        "class_ids": fifth.klass.id, "body": "Сравните **3/4** и 5/8.<script>alert(1)</script>"})
    assert response.headers["Location"].endswith(f"/gradebook/lessons/{fifth.lesson.id}")
    use = session.scalar(select(MaterialUse).where(MaterialUse.lesson_id == fifth.lesson.id,
                                                   MaterialUse.use == "lesson"))
    shown = teacher.get(f"/resources/{use.material_id}").text
    assert "<strong>3/4</strong>" in shown and "<script>alert(1)" not in shown


def test_a_student_sees_only_materials_opened_to_his_class(login_as, fifth, session):
    from core.models import User
    from plugins.resources.services import create

    teacher = session.get(User, fifth.teacher.id)
    data = {"kind": "exercise", "form": "link", "url": "https://example.org/x", "subject_id": fifth.maths.id,
            "visibility": "classes"}
    mine = create(session, school_id=teacher.school_id, author=teacher, data={**data, "title": "Для нашего класса"},
                  class_ids=[fifth.klass.id])
    theirs = create(session, school_id=teacher.school_id, author=teacher, data={**data, "title": "Для соседнего класса"},
                    class_ids=[fifth.other.id])
    staff_only = create(session, school_id=teacher.school_id, author=teacher,
                        data={**data, "title": "Учителям", "visibility": "teachers"})
    session.commit()
    student = login_as("student")
    listing = student.get("/resources/").text
    assert "Для нашего класса" in listing
    assert "Для соседнего класса" not in listing and "Учителям" not in listing
    assert student.get(f"/resources/{mine.id}").status_code == 200
    assert student.get(f"/resources/{theirs.id}").status_code == 404
    assert student.get(f"/resources/{staff_only.id}").status_code == 404
    titles = {m["title"] for m in student.get("/api/v1/resources/materials").json}
    assert "Для нашего класса" in titles and not {"Для соседнего класса", "Учителям"} & titles
    assert "Для соседнего класса" in login_as("teacher").get("/resources/?kind=exercise").text


def test_search_filters_by_subject_grade_topic_kind_and_author(login_as, fifth):
    teacher = login_as("teacher")
    assert _upload(teacher, _test_fields(fifth, "Тест по дробям для фильтра"), "f.pdf", PDF).status_code == 302
    url = (f"/resources/?subject_id={fifth.maths.id}&grade=5&topic=сравнение&kind=test"
           f"&author_id={fifth.teacher.id}")
    assert "Тест по дробям для фильтра" in teacher.get(url).text
    assert "Тест по дробям для фильтра" not in teacher.get(url.replace("grade=5", "grade=9")).text
    assert "Тест по дробям для фильтра" not in teacher.get(url.replace("kind=test", "kind=presentation")).text


def test_anonymous_visitors_get_nothing(app, fifth):
    client = app.test_client()
    assert client.get("/resources/").status_code == 302
    assert client.get("/api/v1/resources/materials").status_code == 401


def test_disguised_and_oversized_uploads_are_refused_with_a_clear_message(make_app, demo_school, fifth, session):
    from plugins.resources.models import Material
    from tests.conftest import all_plugins, sign_in

    app = make_app(plugins=all_plugins(), settings={"plugins": {"resources": {"max_file_mb": 0.1}}})
    with app.app_context():
        teacher = sign_in(app.test_client(), demo_school["accounts"]["teacher"])
        disguised = _upload(teacher, _test_fields(fifth, "Картинка под видом PDF"), "test.pdf", PNG)
        assert disguised.status_code == 302
        message = teacher.get(disguised.headers["Location"]).text
        assert "PNG" in message and "Картинка под видом PDF" not in message
        big = _upload(teacher, _test_fields(fifth, "Огромный файл"), "big.pdf", PDF + b"0" * 200_000)
        assert "Файл слишком большой" in teacher.get(big.headers["Location"]).text
    assert session.scalar(select(Material.id).where(Material.title.in_(["Картинка под видом PDF", "Огромный файл"]))) \
        is None


def test_the_same_file_in_two_materials_is_stored_once(login_as, fifth, session):
    from plugins.resources.models import Material

    teacher = login_as("teacher")
    _upload(teacher, _test_fields(fifth, "Копия 1"), "a.pdf", PDF + b"%same")
    _upload(teacher, _test_fields(fifth, "Копия 2"), "b.pdf", PDF + b"%same")
    files = set(session.scalars(select(Material.file_id).where(Material.title.in_(["Копия 1", "Копия 2"]))))
    assert len(files) == 1 and None not in files


def test_a_stale_edit_is_refused_and_names_the_newer_title(login_as, fifth, session):
    from core.models import User
    from plugins.resources.services import create

    author = session.get(User, fifth.teacher.id)
    material = create(session, school_id=author.school_id, author=author, data={
        "title": "Первое название", "kind": "task", "form": "text", "body": "Решите", "visibility": "teachers"})
    session.commit()
    client = login_as("teacher")
    token = csrf_token(client.get(f"/resources/{material.id}").text)
    # The page's form: the first save wins, the second (made on the same version) is refused in Russian.
    form = {"csrf_token": token, "title": "Второе название", "kind": "task", "body": "Решите", "visibility": "teachers",
            "version": "1"}
    assert client.post(f"/resources/{material.id}", data=form).status_code == 302
    stale = client.post(f"/resources/{material.id}", data={**form, "title": "Третье название"})
    assert "Второе название" in client.get(stale.headers["Location"]).text
    session.refresh(material)
    assert material.title == "Второе название"


def test_attaching_to_a_past_lesson_is_refused(login_as, fifth, session):
    from plugins.gradebook.models import Lesson

    past = session.scalar(select(Lesson).where(Lesson.class_id == fifth.klass.id, Lesson.subject_id == fifth.maths.id,
                                               Lesson.date < FIXED_TODAY).order_by(Lesson.date.desc()).limit(1))
    teacher = login_as("teacher")
    demo = teacher.get("/api/v1/resources/materials?kind=test").json[0]
    page = teacher.get(f"/gradebook/lessons/{fifth.lesson.id}").text
    response = teacher.post("/resources/attach", data={"csrf_token": csrf_token(page), "lesson_id": past.id,
                                                       "material_id": demo["id"], "use": "lesson"})
    assert "сегодняшним и будущим урокам" in teacher.get(response.headers["Location"]).text


def test_an_added_material_is_withdrawn_by_the_undo_of_a_leaked_account(app, fifth, session):
    from core.models import AuditEntry, User
    from core.toolkit import hook
    from plugins.resources.services import create

    author = session.get(User, fifth.teacher.id)
    with app.test_request_context():
        material = create(session, school_id=author.school_id, author=author, data={
            "title": "Подброшенный материал", "kind": "task", "form": "text", "body": "x", "visibility": "teachers"})
        session.flush()
        entry = session.scalar(select(AuditEntry).where(AuditEntry.object_type == "resources.material",
                                                        AuditEntry.object_id == str(material.id)))
        result = hook().revert_change(session=session, entry=entry)
    assert result == {"archived": True} and material.archived


def test_the_api_refuses_a_stale_edit_with_409(app, fifth, session, api_token):
    from core.models import User
    from plugins.resources.services import create

    author = session.get(User, fifth.teacher.id)
    material = create(session, school_id=author.school_id, author=author, data={
        "title": "Ссылка", "kind": "task", "form": "link", "url": "https://example.org/a", "visibility": "teachers"})
    session.commit()
    client, headers = app.test_client(), api_token(author)
    body = {"title": "Ссылка 2", "kind": "task", "url": "https://example.org/b", "version": 1}
    first = client.patch(f"/api/v1/resources/materials/{material.id}", json=body, headers=headers)
    assert first.status_code == 200 and first.json["version"] == 2
    second = client.patch(f"/api/v1/resources/materials/{material.id}", json={**body, "title": "Ссылка 3"},
                          headers=headers)
    assert second.status_code == 409 and "Ссылка 2" in second.json["error"]["message"]


def test_the_catalogues_and_the_plans_api_routes_are_in_the_openapi_document(app):
    paths = app.test_client().get("/api/v1/openapi.json").json["paths"]
    assert {"/resources/materials", "/resources/materials/{material_id}",
            "/resources/materials/{material_id}/uses", "/plans/plans",
            "/plans/plans/{plan_id}/items", "/plans/items/{item_id}",
            "/plans/items/{item_id}/report", "/plans/overdue"} <= set(paths)
    assert "patch" in paths["/resources/materials/{material_id}"]


def test_an_analytical_material_for_the_association_reaches_the_subjects_teachers_only(login_as, session, fifth):
    from plugins.resources.models import Material

    analysis = session.scalar(select(Material).where(Material.kind == "analysis"))  # the demo's, by the maths teacher
    assert analysis.visibility == "association" and analysis.subject_id == fifth.maths.id
    assert login_as("teacher").get(f"/resources/{analysis.id}").status_code == 200
    assert login_as("deputy").get(f"/resources/{analysis.id}").status_code == 200
    assert login_as("class_teacher").get(f"/resources/{analysis.id}").status_code == 404  # teaches no maths
    preset = login_as("teacher").get("/resources/new?kind=analysis&visibility=association").text
    assert 'value="analysis" selected' in preset and 'value="association" selected' in preset


def test_a_withdrawn_material_is_hidden_and_returned_by_saving_it_again(login_as, session, fifth):
    from core.models import User
    from plugins.resources.services import create

    author = session.get(User, fifth.teacher.id)
    material = create(session, school_id=author.school_id, author=author, data={
        "title": "Старая презентация", "kind": "presentation", "form": "link", "url": "https://example.org/p",
        "visibility": "teachers"})
    session.commit()
    teacher = login_as("teacher")
    token = csrf_token(teacher.get(f"/resources/{material.id}").text)
    teacher.post(f"/resources/{material.id}/withdraw", data={"csrf_token": token, "version": "1"})
    assert login_as("deputy").get(f"/resources/{material.id}").status_code == 404
    assert "снят автором" in teacher.get("/resources/?kind=presentation").text
    teacher.post(f"/resources/{material.id}", data={"csrf_token": token, "version": "2", "title": "Старая презентация",
                                                    "kind": "presentation", "url": "https://example.org/p",
                                                    "visibility": "teachers"})
    assert login_as("deputy").get(f"/resources/{material.id}").status_code == 200
