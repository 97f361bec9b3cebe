"""Every attendance route, with every demo role: an answer, never a server error, and only the roles the
permission names get past the door."""
from __future__ import annotations

import pytest

ROLES = ["admin", "principal", "deputy", "class_teacher", "teacher", "student", "guardian"]


@pytest.mark.parametrize("role", ROLES)
def test_every_attendance_page_answers_every_role(app, login_as, demo, today, role):
    client = login_as(role)
    values = {"lesson_id": demo.teacher_lesson(today).id,
              "class_id": demo.five_a.id, "note_id": 1}
    registry = app.extensions["klass"].permissions
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/attendance", "/api/v1/attendance")) or rule.endpoint.endswith(".static"):
            continue
        if "GET" not in (rule.methods or ()):
            continue
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", str(values[name]))
        reply = client.get(url)
        assert reply.status_code < 500, (role, url)
        permission = app.view_functions[rule.endpoint].klass_permission
        if not demo.user(role).roles & registry.roles_with(permission):
            assert reply.status_code == 403, (role, url, reply.status_code)
