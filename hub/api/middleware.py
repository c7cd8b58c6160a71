"""ASGI middleware: security headers on every response, request metrics and the access log
by route template, with a request id, and a ceiling on request bodies (outermost first, as
``create_app`` stacks them)."""

import json
import logging
import re
import secrets
import time
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("hub.access")

REQUEST_ID_HEADER = "X-Request-Id"
# A caller's own request id (another hub process's, a proxy's made the same way) is kept only
# in the hub's own form, 16 lowercase hexadecimal digits: too short to hold a record id (a
# UUID has 32), no hyphen for a date, and never a run of ten digits (an NHS number, a UPN's
# digits). Anything else is replaced by a new one. Either way it is sent back as X-Request-Id.
_REQUEST_ID = re.compile(r"[0-9a-f]{16}")
_DIGIT_RUN = re.compile(r"[0-9]{10}")


def request_id(incoming: bytes | None) -> str:
    """The id this request is logged under: the caller's, if it is safe to log, else new."""
    if incoming is not None:
        text = incoming.decode("latin-1")
        if _REQUEST_ID.fullmatch(text) and not _DIGIT_RUN.search(text):
            return text
    return secrets.token_hex(8)


# On every response, errors and refusals included: nothing the hub answers may be kept by a
# browser or a proxy's cache, sniffed into another type, framed, or named in a Referer.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class _TooLarge(HTTPException):
    """A streamed body passed the limit while it was read. An HTTP error (413), so that the
    routes answer it as such, through the hub's error handler, and the metrics and the access
    log record a 413 (FastAPI turns any other exception from reading a body into a 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(413, message)


async def _send_json(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse (413) a body over ``limit`` bytes, by its declared length or as it streams in."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"the body is larger than {self.limit} bytes"
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                if not value.isdigit():
                    await _send_json(send, 400, "malformed", "Content-Length is not a number")
                    return
                if int(value) > self.limit:
                    await _send_json(send, 413, "payload_too_large", message)
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            event = await receive()
            if event["type"] == "http.request":
                received += len(event.get("body", b""))
                if received > self.limit:
                    raise _TooLarge(message)
            return event

        async def tracking_send(event: Message) -> None:
            nonlocal started
            if event["type"] == "http.response.start":
                started = True
            await send(event)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _send_json(send, 413, "payload_too_large", message)


class SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` to every HTTP response, whoever answered it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(event: Message) -> None:
            if event["type"] == "http.response.start":
                headers = MutableHeaders(scope=event)
                for name, value in SECURITY_HEADERS.items():
                    if name == "Cache-Control" and "cache-control" in headers:
                        continue  # chosen by the route: the public audit tiles are immutable
                    headers[name] = value
            await send(event)

        await self.app(scope, receive, with_headers)


class RequestMetrics:
    """Counts, times and logs requests by route template (never the raw path: it holds ids),
    each under a request id that the response carries as X-Request-Id."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests = Counter("hub_http_requests", "HTTP requests answered",
                                ["method", "route", "status"], registry=registry)
        self.latency = Histogram("hub_http_request_seconds", "Time to answer a request",
                                 ["method", "route"], registry=registry)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        began = time.perf_counter()
        incoming = next((value for name, value in scope.get("headers", [])
                         if name == b"x-request-id"), None)
        rid = request_id(incoming)

        async def recording_send(event: Message) -> None:
            nonlocal status
            if event["type"] == "http.response.start":
                status = event["status"]
                MutableHeaders(scope=event)[REQUEST_ID_HEADER] = rid
            await send(event)

        # Every line logged while the request is answered carries its id.
        with structlog.contextvars.bound_contextvars(request_id=rid):
            try:
                await self.app(scope, receive, recording_send)
            finally:
                route: Any = scope.get("route")
                template = getattr(route, "path", "unmatched")
                method = scope.get("method", "?")
                elapsed = time.perf_counter() - began
                self.requests.labels(method, template, str(status)).inc()
                self.latency.labels(method, template).observe(elapsed)
                access_log.info("%s %s %d", method, template, status, extra={
                    "request_id": rid, "method": method, "route": template, "status": status,
                    "duration_ms": round(elapsed * 1000, 1)})
