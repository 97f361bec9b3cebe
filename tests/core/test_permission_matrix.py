"""Every route of the app, whatever plugins are enabled, asked by an anonymous visitor and by each role.

Each view states its permission; the matrix checks that the statement is enforced: a role without the
permission gets the 403 refusal (the Russian page, or the JSON error in the API), an anonymous visitor the
sign-in page (or 401 JSON in the API), a role holding the permission is never refused or sent to sign in,
and nobody ever gets a server error. New plugins join automatically because the routes come from the URL
map. Ids in URLs are 1: the demo's first class (1А) and whatever else has id 1.
"""
from __future__ import annotations

import re

import pytest

from tests.conftest import all_plugins, sign_in

# "region" is the demo municipal coordinator's login (the region plugin's demo data), not a school account.
ROLES = ["admin", "principal", "deputy", "class_teacher", "teacher", "student", "guardian", "region"]
# Views that check the object too: a role holding the permission is still refused the object with id 1
# when it has no say over it. (endpoint, role) -> why.
OBJECT_REFUSALS = {
    ("gradebook.class_view", "teacher"): "the demo math teacher does not teach 1А",
    ("gradebook.class_view", "class_teacher"): "the 5А class teacher neither leads nor teaches 1А",
    ("timetable.delete_assessment", "teacher"): "assessment 1 is in a class the teacher does not teach",
    ("timetable.delete_assessment", "class_teacher"): "assessment 1 is in a class the teacher does not teach",
}

SIGNS_OUT = ("core_auth.logout", "core_account.end_session")


def _is_refusal(url, response):
    """The 403 a user sees: the Russian "access denied" page, or the API's JSON error."""
    if url.startswith("/api/"):
        return response.is_json and response.json["error"]["code"] == "forbidden"
    return "Доступ запрещён" in response.text


@pytest.fixture
def matrix_app(make_app):
    app = make_app(plugins=all_plugins())
    app.config["WTF_CSRF_ENABLED"] = False  # forms are posted empty: we test permissions, not CSRF
    return app


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        view = app.view_functions[rule.endpoint]
        url = re.sub(r"<(?:\w+:)?(\w+)>", "1", rule.rule)
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        method = "GET" if "GET" in methods else methods[0]
        yield rule.endpoint, url, method, view


def test_every_view_states_its_permission(matrix_app):
    missing = [endpoint for endpoint, _u, _m, view in _routes(matrix_app) if not hasattr(view, "klass_permission")]
    assert not missing, f"views without requires_permission/public: {missing}"


def test_anonymous_visitors_are_sent_to_sign_in(matrix_app):
    client = matrix_app.test_client()
    for endpoint, url, method, view in _routes(matrix_app):
        if view.klass_permission is None:
            continue
        response = client.open(url, method=method)
        if url.startswith("/api/"):
            assert response.status_code == 401, (endpoint, response.status_code)
            assert response.json["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], (endpoint, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_its_permissions_allow(matrix_app, demo_school, role):
    registry = matrix_app.extensions["klass"].permissions
    login = demo_school["accounts"].get(role, role)
    client = sign_in(matrix_app.test_client(), login)
    from core.models import User

    with matrix_app.app_context():
        session = matrix_app.extensions["klass"].session()
        from sqlalchemy import select

        user = session.scalar(select(User).where(User.login == login))
        held = {g.role for g in user.grants}
    problems = []
    for endpoint, url, method, view in _routes(matrix_app):
        # Both sign the client out: session 1 is the client's own (ids restart in each test's transaction).
        if endpoint in SIGNS_OUT or view.klass_permission is None:
            continue
        allowed = bool(held & registry.roles_with(view.klass_permission))
        response = client.open(url, method=method)
        status = response.status_code
        if status >= 500:
            problems.append(f"{method} {url} ({endpoint}): server error {status}")
        elif not allowed and status != 403:
            problems.append(f"{method} {url} ({endpoint}): {role} lacks {view.klass_permission} but got {status}")
        elif status == 403 and not _is_refusal(url, response):
            problems.append(f"{method} {url} ({endpoint}): 403 without the refusal page/JSON error")
        elif allowed and status == 403 and (endpoint, role) not in OBJECT_REFUSALS:
            problems.append(f"{method} {url} ({endpoint}): {role} holds {view.klass_permission} but got 403")
        elif allowed and status in (401,) or (allowed and status == 302 and "/login" in response.headers.get("Location", "")):
            problems.append(f"{method} {url} ({endpoint}): {role} holds {view.klass_permission} but was sent to sign in")
    assert not problems, "\n".join(problems)
