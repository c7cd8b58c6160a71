"""The published OpenAPI document, as the hub really answers.

FastAPI's generated document is finished here: the notification body (which its route parses
itself) and the error shape are added as schemas; FastAPI's own validation error, which the
hub never sends, is replaced on every operation by the hub's error responses; and
``X-Purpose`` is listed with its values and marked required, as ``read_context`` makes it.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from domain.access import Purpose
from hub.api.models import ErrorOut
from hub.shapes import NotificationIn

REF = "#/components/schemas/{model}"
ERROR_REF = {"$ref": REF.format(model="Error")}

_ERRORS = {
    400: "Malformed: the body is not JSON, or a path, query or header value is missing or "
         "wrong (`malformed`)",
    401: "No bearer token, a malformed Authorization header, or an unknown token "
         "(`not_authenticated`; with `WWW-Authenticate: Bearer`)",
    403: "The role or the access policy refuses; the refusal is audited (`not_entitled`)",
    404: "No such record (in the path or named in the body), or none the caller's agency may "
         "know of (`not_found`)",
    409: "The request breaks a rule given the record's state (`conflict`)",
    413: "The body is over the size limit (`payload_too_large`)",
    422: "A body field (or a range in the query) is missing, unknown or breaks a rule: every "
         "invalid field is named, never its value (`invalid`)",
}
_METHODS_WITH_BODY = ("post", "put", "patch")


def _schemas_of(model: type[BaseModel], name: str) -> dict[str, Any]:
    """The model's JSON schema and its definitions, as components."""
    schema = model.model_json_schema(ref_template=REF)
    components: dict[str, Any] = schema.pop("$defs", {})
    components[name] = schema
    return components


def _add_components(components: dict[str, Any], new: dict[str, Any]) -> None:
    for name, schema in new.items():
        if name in components and components[name] != schema:
            raise RuntimeError(f"two different schemas are both named {name}")
        components[name] = schema


def _error_statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    """The 4xx answers this operation can give."""
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation or method in _METHODS_WITH_BODY
    statuses: set[int] = set()
    if parameters or has_body:
        statuses.add(400)
    if operation.get("security"):
        statuses |= {401, 403}
    if path.startswith("/v1/") or any(p.get("in") == "path" for p in parameters):
        statuses.add(404)  # a record named in the path or the body, or an unknown agency
    if path.startswith("/v1/") and method in _METHODS_WITH_BODY:
        statuses |= {409, 413}
    if "requestBody" in operation or any(p.get("in") == "query" for p in parameters):
        statuses.add(422)
    return sorted(statuses)


def _finish_operation(path: str, method: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for code, response in list(responses.items()):
        if "HTTPValidationError" in str(response):
            del responses[code]
    for status in _error_statuses(path, method, operation):
        responses[str(status)] = {
            "description": _ERRORS[status],
            "content": {"application/json": {"schema": ERROR_REF}},
        }
        if status == 401:
            responses["401"]["headers"] = {"WWW-Authenticate": {
                "description": "`Bearer`", "schema": {"type": "string"}}}
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter.get("name") == "X-Purpose":
            parameter["required"] = True
            parameter["schema"] = {"$ref": REF.format(model="Purpose")}


def _finish_metrics(doc: dict[str, Any]) -> None:
    """``/metrics`` answers Prometheus text to a scraper with the metrics token: its own bearer
    scheme (the route reads the header itself), and a text body."""
    operation = doc.get("paths", {}).get("/metrics", {}).get("get")
    if operation is None:
        return
    operation["parameters"] = [p for p in operation.get("parameters", [])
                               if p.get("name", "").lower() != "authorization"]
    if not operation["parameters"]:
        del operation["parameters"]
    operation["security"] = [{"metricsToken": []}]
    operation["responses"]["200"]["content"] = {"text/plain": {"schema": {"type": "string"}}}
    doc["components"].setdefault("securitySchemes", {})["metricsToken"] = {
        "type": "http", "scheme": "bearer",
        "description": "HUB_METRICS_TOKEN (a development hub makes one in HUB_HOME)"}


def build_openapi(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(title=app.title, version=app.version, description=app.description,
                         routes=app.routes)
    components: dict[str, Any] = schema.setdefault("components", {}).setdefault("schemas", {})
    # FastAPI's validation error: the hub answers with its own shape instead.
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    _add_components(components, _schemas_of(NotificationIn, "NotificationIn"))
    _add_components(components, _schemas_of(ErrorOut, "Error"))
    purpose = {"type": "string", "enum": [p.value for p in Purpose], "title": "Purpose",
               "description": "Why a person reads personal data (X-Purpose)"}
    components.setdefault("Purpose", purpose)
    _finish_metrics(schema)
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            _finish_operation(path, method, operation)
    return schema


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
