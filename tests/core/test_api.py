"""The API: personal tokens, JSON errors in one shape, an OpenAPI document describing every route."""
from __future__ import annotations

import re

from tests.conftest import post_form


def _token(client) -> str:
    page = post_form(client, "/account/tokens", {"name": "Скрипт отчётов"})
    return re.search(r'data-testid="token">([^<]+)<', page.text).group(1)


def test_token_is_shown_once_and_opens_the_api(login_as, app):
    client = login_as("deputy")
    token = _token(client)
    assert token not in client.get("/account/tokens").text  # never shown again
    api = app.test_client()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json["login"] == "zavuch"
    assert {"role": "deputy", "class_id": None} in me.json["roles"]
    classes = api.get("/api/v1/classes", headers={"Authorization": f"Bearer {token}"}).json
    assert [c["name"] for c in classes] == ["1А", "5А", "5Б", "9А"]


def test_revoked_or_wrong_token_gets_401_json(login_as, app):
    client = login_as("deputy")
    token = _token(client)
    token_id = re.search(r'/account/tokens/(\d+)/revoke', client.get("/account/tokens").text).group(1)
    post_form(client, f"/account/tokens/{token_id}/revoke", {}, page="/account/tokens")
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json == {"error": {"code": "unauthorized", "message": "Войдите в систему или передайте токен API.",
                                       "fields": {}}}


def test_api_errors_are_json_with_russian_messages(login_as):
    client = login_as("student")
    assert client.get("/api/v1/classes").json["error"]["code"] == "forbidden"
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json["error"]["message"] == "Не найдено."
    wrong_method = client.delete("/api/v1/me")
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["Allow"]


def test_openapi_document_lists_routes_with_schemas_and_security(app):
    spec = app.test_client().get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    me = spec["paths"]["/me"]["get"]
    assert me["security"] == [{"bearer": []}]
    assert me["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Me")
    assert "Me" in spec["components"]["schemas"]
    assert "/classes" in spec["paths"]
