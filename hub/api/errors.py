"""Every error leaves as ``{"error": {"code", "message"}}``, mapped here and nowhere else."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from domain.errors import DomainError, InvalidContent, NotPermitted, RuleViolation
from hub.errors import HubError

log = logging.getLogger("hub.api")

_STATUS_CODES = {400: "malformed", 401: "not_authenticated", 403: "not_entitled",
                 404: "not_found", 405: "method_not_allowed", 409: "conflict",
                 413: "payload_too_large", 415: "unsupported_media_type", 422: "invalid"}


def error_response(status: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status,
                        headers=headers)


def describe_validation(error: RequestValidationError) -> tuple[int, str]:
    """Status and a one-line reason naming the field, never echoing the value."""
    first = error.errors()[0]
    loc = [str(p) for p in first.get("loc", ())]
    kind = str(first.get("type", ""))
    if kind in ("json_invalid", "json_type"):
        return 400, "the body is not valid JSON"
    where = ".".join(loc[1:] if loc and loc[0] == "body" else loc) or "body"
    if kind == "extra_forbidden":
        reason = "is not a known field"
    elif kind == "missing":
        reason = "is required"
    else:
        reason = str(first.get("msg", "is not valid"))
    status = 422 if loc and loc[0] == "body" else 400
    return status, f"{where}: {reason}"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HubError)
    async def hub_error(_: Request, exc: HubError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message)

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        if isinstance(exc, InvalidContent):
            return error_response(422, "invalid", str(exc))
        if isinstance(exc, RuleViolation):
            return error_response(409, "conflict", str(exc))
        if isinstance(exc, NotPermitted):
            return error_response(403, "not_entitled", str(exc))
        return error_response(422, "invalid", str(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        status, message = describe_validation(exc)
        return error_response(status, _STATUS_CODES[status], message)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The route and the exception type only: values may hold personal data.
        route = getattr(request.scope.get("route"), "path", "unmatched")
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, route)
        return error_response(500, "internal", "the hub failed to answer; it has been logged")
