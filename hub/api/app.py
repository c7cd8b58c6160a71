"""Builds the FastAPI application around a bootstrapped hub."""

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from prometheus_client import CollectorRegistry
from starlette.types import ASGIApp

from hub.api.deps import unique_json_keys
from hub.api.errors import install_error_handlers
from hub.api.middleware import BodyLimit, RequestMetrics, SecurityHeaders
from hub.api.routes import (
    audit,
    child_protection,
    children,
    domestic_abuse,
    front_door,
    health,
    missing,
    notifications,
    reports,
    sharing,
)
from hub.audit.witnesses import AuditAlarms
from hub.bootstrap import Hub, bootstrap
from hub.deadlines import watch
from hub.settings import Settings
from hub.shapes import NotificationIn


def _with_body_schemas(app: FastAPI) -> None:
    """Publish the notification body's schema, which the route parses itself."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            body = NotificationIn.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(body.pop("$defs", {}))
            components["NotificationIn"] = body
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


class _HubApi(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        """Security headers outside everything, Starlette's own error middleware included, so
        that an unexpected 500 carries them too."""
        return SecurityHeaders(super().build_middleware_stack())


def create_app(hub: Hub, checkpointer: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        """While serving, sign audit checkpoints, escalate missed Encompass deadlines and take
        stalled disagreements up a stage, in the background."""
        stop = threading.Event()
        workers = [threading.Thread(target=hub.checkpoints.run, args=(stop,),
                                    name="audit-checkpointer", daemon=True),
                   threading.Thread(target=watch, args=(
                       stop, hub.domestic_abuse.escalate_overdue,
                       "Encompass notices escalated to the DART"),
                       name="encompass-watcher", daemon=True),
                   threading.Thread(target=watch, args=(
                       stop, hub.front_door.escalate_overdue,
                       "disagreements taken up a stage"),
                       name="disagreement-watcher", daemon=True)]
        if checkpointer:
            for worker in workers:
                worker.start()
        try:
            yield
        finally:
            stop.set()
            for worker in workers:
                if worker.is_alive():
                    worker.join(timeout=10)

    app = _HubApi(
        lifespan=lifespan,
        title="Safeguarding information-sharing hub",
        version="0.1.0",
        description="Lawful, audited sharing of what agencies know about children at risk. "
                    "Every request needs `Authorization: Bearer TOKEN`; every read of "
                    "personal data needs `X-Purpose`.",
        # A body that repeats a key is refused before any route sees it.
        dependencies=[Depends(unique_json_keys)],
    )
    app.state.hub = hub
    app.state.metrics = CollectorRegistry()
    app.state.metrics.register(AuditAlarms(hub.checkpoints.witnesses,
                                           lambda: hub.checkpoints.stopped))
    # Refuses to start in production without HUB_METRICS_TOKEN.
    app.state.metrics_token = hub.settings.resolved_metrics_token()
    install_error_handlers(app)
    app.include_router(notifications.router)
    app.include_router(children.router)
    app.include_router(sharing.router)
    app.include_router(domestic_abuse.router)
    app.include_router(missing.router)
    app.include_router(front_door.router)
    app.include_router(reports.router)
    app.include_router(child_protection.router)
    app.include_router(audit.router)
    app.include_router(health.router)
    # The last added is the outer: metrics and the access log see every answer, the body
    # limit's 413 included (SecurityHeaders wraps them all, in _HubApi).
    app.add_middleware(BodyLimit, limit=hub.settings.max_body_bytes)
    app.add_middleware(RequestMetrics, registry=app.state.metrics)
    _with_body_schemas(app)
    return app


def app_from_environment() -> FastAPI:
    """The factory uvicorn workers call: each worker bootstraps its own hub."""
    return create_app(bootstrap(Settings.from_env()))
