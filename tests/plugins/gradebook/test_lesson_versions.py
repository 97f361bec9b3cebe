"""A teacher's stale lesson form must not overwrite the deputy's homework: it is refused with the newer value."""
from __future__ import annotations

import re

from sqlalchemy import select

from plugins.gradebook.models import Homework
from tests.conftest import csrf_token, sign_in


def _form(client, url: str) -> dict[str, str]:
    html = client.get(url).text
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    return {"csrf_token": csrf_token(html), "version": fields["version"], "date": fields.get("date", ""),
            "number": fields.get("number", "1"), "topic": fields.get("topic", "")}


def test_stale_lesson_form_is_refused_showing_the_deputys_homework(demo, app, today):
    lesson = demo.new_lesson(day=today)
    url = f"/gradebook/lessons/{lesson.id}"
    teacher = sign_in(app.test_client(), demo.teacher.login)
    deputy = sign_in(app.test_client(), demo.deputy.login)
    stale = _form(teacher, url)  # the teacher opens the form...
    saved = deputy.post(url, data={**_form(deputy, url), "homework": "№ 5 от завуча"})  # ...the deputy saves
    assert saved.status_code == 302
    refused = teacher.post(url, data={**stale, "homework": "№ 1"})
    assert refused.status_code == 422, refused.headers.get("Location")
    assert "урок изменил кто-то другой" in refused.text and "«№ 5 от завуча»" in refused.text
    demo.session.expire_all()
    assert demo.session.scalar(select(Homework).where(Homework.lesson_id == lesson.id)).text == "№ 5 от завуча"

