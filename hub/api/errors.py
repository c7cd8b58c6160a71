"""Every error leaves as ``{"error": {"code", "message"}}``, mapped here and nowhere else."""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from domain.errors import DomainError, InvalidContent, NotPermitted, RuleViolation
from hub.audit.tiles import BundleTooLarge
from hub.errors import (
    AuditUnavailable,
    Conflict,
    HubError,
    InvalidInput,
    MalformedInput,
    NotAuthenticated,
    NotEntitled,
    NotFound,
    PayloadTooLarge,
    SignInUnavailable,
    StoreUnavailable,
)

log = logging.getLogger("hub.api")

_STATUS_CODES = {400: "malformed", 401: "not_authenticated", 403: "not_entitled",
                 404: "not_found", 405: "method_not_allowed", 409: "conflict",
                 413: "payload_too_large", 415: "unsupported_media_type", 422: "invalid"}


# The application's errors and the domain's, each to one HTTP status.
HTTP_STATUS: dict[type[Exception], int] = {
    MalformedInput: 400, NotAuthenticated: 401, NotEntitled: 403, NotFound: 404,
    Conflict: 409, PayloadTooLarge: 413, InvalidInput: 422, AuditUnavailable: 503,
    StoreUnavailable: 503, SignInUnavailable: 503, BundleTooLarge: 501,
    InvalidContent: 422, RuleViolation: 409, NotPermitted: 403, DomainError: 422,
}
_DOMAIN_CODES = {422: "invalid", 409: "conflict", 403: "not_entitled"}


def http_status(error: Exception) -> int:
    """The status of the nearest class of ``error`` in :data:`HTTP_STATUS` (500 if none)."""
    return next((HTTP_STATUS[k] for k in type(error).__mro__ if k in HTTP_STATUS), 500)


def error_response(status: int, code: str, message: str,
                   errors: list[dict[str, str]] | None = None,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    detail: dict[str, Any] = {"code": code, "message": message}
    if errors is not None:
        detail["errors"] = errors
    all_headers = dict(headers or {})
    if status == 401:
        all_headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse({"error": detail}, status_code=status, headers=all_headers or None)


# Reasons pydantic would word with a piece of the value sent (a UUID's stray character).
_REASONS = {"extra_forbidden": "is not a known field", "missing": "is required",
            "uuid_parsing": "must be a UUID", "uuid_type": "must be a UUID",
            "uuid_version": "must be a UUID"}


def describe_validation(error: RequestValidationError) -> tuple[int, str, list[dict[str, str]]]:
    """Status, a one-line message and the list of ``{"field", "reason"}``: every invalid
    field, each named once (its first reason), never echoing a value. The status is that of
    the first problem: 422 for the body, 400 for a path, query or header value."""
    problems = error.errors()
    if any(str(p.get("type", "")) in ("json_invalid", "json_type") for p in problems):
        return 400, "the body is not valid JSON", []
    fields: list[dict[str, str]] = []
    named: set[str] = set()
    for problem in problems:
        loc = [str(p) for p in problem.get("loc", ())]
        kind = str(problem.get("type", ""))
        where = ".".join(loc[1:] if loc and loc[0] == "body" else loc) or "body"
        if where in named:
            continue
        named.add(where)
        fields.append({"field": where,
                       "reason": _REASONS.get(kind, str(problem.get("msg", "is not valid")))})
    first = [str(p) for p in problems[0].get("loc", ())] if problems else []
    status = 422 if first and first[0] == "body" else 400
    return status, "; ".join(f"{f['field']}: {f['reason']}" for f in fields), fields


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HubError)
    async def hub_error(_: Request, exc: HubError) -> JSONResponse:
        return error_response(http_status(exc), exc.code, exc.message)

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        status = http_status(exc)
        return error_response(status, _DOMAIN_CODES[status], str(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        status, message, fields = describe_validation(exc)
        return error_response(status, _STATUS_CODES[status], message, fields or None)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method the path takes, not the first route's
            headers["Allow"] = allowed_methods(app, request)
        return error_response(exc.status_code, code, str(exc.detail), headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The route and the exception type only: values may hold personal data.
        route = getattr(request.scope.get("route"), "path", "unmatched")
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, route)
        return error_response(500, "internal", "the hub failed to answer; it has been logged")


def allowed_methods(app: FastAPI, request: Request) -> str:
    """Every method the request's path takes (Starlette names only the first matching
    route's in a 405's Allow, and this path may have a route per method)."""
    return ", ".join(
        method for method in ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL
               for route in app.router.routes))
