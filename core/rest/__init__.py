"""The API base: ``/api/v1``, marshmallow in and out, JSON errors, an OpenAPI document built from routes.

A plugin's API view is an ordinary blueprint view wrapped in ``api_view``; nothing else to register:
the OpenAPI document and the permission matrix find it through the URL map.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, jsonify, request
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException

from core.messages_ru import translated
from core.permissions import requires_permission

API_PREFIX = "/api/v1"
INT64_MAX = 2**63 - 1  # the largest id or number any supported database stores


def _out_of_range(value: Any, path: str = "") -> str | None:
    """The first field (dotted path) holding an integer no database column can hold, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return path if not -INT64_MAX <= value <= INT64_MAX else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list | tuple) else ()
    for key, item in items:
        found = _out_of_range(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def api_error(status: int, code: str, message: str, fields: dict[str, Any] | None = None) -> Any:
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    return response


def api_view(
    permission: str,
    *,
    query: type[Schema] | None = None,
    body: type[Schema] | None = None,
    response: type[Schema] | None = None,
    many: bool = False,
    summary: str = "",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap an API view: permission, validated ``query``/``body`` passed as keyword args, dumped reply.

    Invalid input answers 422 with every field's message and changes nothing.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            from flask_babel import gettext as _

            if any(isinstance(v, int) and not 0 <= v <= INT64_MAX for v in kwargs.values()):
                return api_error(404, "not_found", _("Not found."))  # an id in the path no row can have
            try:
                if query is not None:
                    kwargs["query"] = query().load(request.args.to_dict())
                if body is not None:
                    payload = request.get_json(silent=True)
                    if not isinstance(payload, dict):
                        return api_error(400, "bad_request", _("The request body must be a JSON object."))
                    kwargs["body"] = body().load(payload)
            except ValidationError as exc:
                return api_error(422, "validation_error", _("Some fields are invalid."),
                                 translated(exc.messages))  # type: ignore[arg-type]
            field = _out_of_range({k: kwargs[k] for k in ("query", "body") if k in kwargs})
            if field is not None:
                name = field.split(".", 1)[-1]
                return api_error(422, "validation_error", _("Some fields are invalid."),
                                 {name: [_("The number is too large.")]})
            result = view(*args, **kwargs)
            if response is not None and not isinstance(result, tuple) and not hasattr(result, "status_code"):
                return jsonify(response(many=many).dump(result))
            return result

        wrapped.klass_api = {"query": query, "body": body, "response": response, "many": many,  # type: ignore[attr-defined]
                             "summary": summary or (view.__doc__ or "").strip().split("\n")[0]}
        return requires_permission(permission)(wrapped)

    return decorator


_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "validation_error",
          429: "too_many_requests"}


def _handle_http_error(exc: HTTPException) -> Any:
    from flask_babel import gettext as _

    messages = {
        401: _("Sign in or send an API token."),
        403: _("You do not have the right to do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
    }
    status = exc.code or 500
    code = _CODES.get(status, "error")
    message = messages.get(status) or exc.description or code
    if getattr(exc, "description", None) and status == 400:
        message = str(exc.description)
    response = api_error(status, code, message)
    if status == 405 and exc.get_response().headers.get("Allow"):
        response.headers["Allow"] = exc.get_response().headers["Allow"]
    return response


def build_openapi(app: Flask) -> dict[str, Any]:
    spec = APISpec(
        title="Klass API", version="1", openapi_version="3.0.3", plugins=[MarshmallowPlugin()],
        info={"description": "Электронный журнал и дневник Klass. Авторизация: Authorization: Bearer <токен>."},
        servers=[{"url": API_PREFIX}],
    )
    spec.components.schema("Error", {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object"}}}}})
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    schemas_seen: set[str] = set()

    def ref(schema: type[Schema]) -> str:
        name = schema.__name__.removesuffix("Schema")
        # A schema used as a Nested field of another is registered by the marshmallow plugin already.
        if name not in schemas_seen and name not in spec.components.schemas:
            spec.components.schema(name, schema=schema)
            schemas_seen.add(name)
        return name

    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX):
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "klass_api", None)
        path = rule.rule[len(API_PREFIX):] or "/"
        for conv_arg in rule.arguments:
            path = path.replace(f"<int:{conv_arg}>", f"{{{conv_arg}}}").replace(f"<{conv_arg}>", f"{{{conv_arg}}}")
        operations: dict[str, Any] = {}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op: dict[str, Any] = {
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "summary": (meta or {}).get("summary", "") or rule.endpoint,
                "parameters": [{"name": a, "in": "path", "required": True,
                                "schema": {"type": "integer" if "int:" in rule.rule else "string"}}
                               for a in sorted(rule.arguments)],
                "responses": {"200": {"description": "OK"},
                              **{code: {"description": text, "content": error} for code, text in (
                                  ("400", "Bad request"), ("401", "Unauthorized"), ("403", "Forbidden"),
                                  ("404", "Not found"), ("405", "Method not allowed"), ("409", "Conflict"),
                                  ("413", "Too large"), ("422", "Validation error"))}},
            }
            permission = getattr(view, "klass_permission", None)
            if permission:
                op["security"] = [{"bearer": []}]
                op["description"] = f"permission: {permission}"
            if meta:
                if meta["query"] is not None:
                    op["parameters"].append({"in": "query", "schema": meta["query"]})
                if meta["body"] is not None and method in ("POST", "PUT", "PATCH"):
                    op["requestBody"] = {"required": True,
                                         "content": {"application/json": {"schema": ref(meta["body"])}}}
                if meta["response"] is not None:
                    name = ref(meta["response"])
                    schema: Any = {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}} \
                        if meta["many"] else name
                    op["responses"]["200"] = {"description": "OK",
                                              "content": {"application/json": {"schema": schema}}}
            operations[method.lower()] = op
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def register_api(app: Flask) -> None:
    from core.rest.account import bp as account_bp
    from core.rest.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(account_bp)
    app.config["KLASS_API_PREFIX"] = API_PREFIX

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if request.path.startswith(API_PREFIX):
            return _handle_http_error(exc)
        from core.views.errors import html_error

        return html_error(exc)
