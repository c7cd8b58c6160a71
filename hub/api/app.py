"""Builds the FastAPI application around a bootstrapped hub."""

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from prometheus_client import CollectorRegistry
from starlette.types import ASGIApp

from hub import logs
from hub.api import docs
from hub.api.deps import unique_json_keys
from hub.api.errors import install_error_handlers
from hub.api.middleware import BodyLimit, RequestMetrics, SecurityHeaders
from hub.api.openapi import install_openapi
from hub.api.routes import (
    audit,
    child_in_need,
    child_protection,
    children,
    disagreements,
    domestic_abuse,
    front_door,
    health,
    marac,
    matches,
    missing,
    notifications,
    reports,
    sharing,
)
from hub.audit.witnesses import AuditAlarms
from hub.bootstrap import Hub, bootstrap
from hub.deadlines import watch
from hub.metrics import exposition, live_worker
from hub.settings import Settings
from hub.web import install as install_web


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
        # /docs is served from packaged files (hub.api.docs), never from a CDN; no ReDoc.
        docs_url=None, redoc_url=None, swagger_ui_oauth2_redirect_url=None,
    )
    app.state.hub = hub
    # This process's HTTP metrics; /metrics answers from app.state.metrics: these (or, with
    # several workers, every worker's), the workers' processes and the domain gauges.
    own = CollectorRegistry()
    app.state.metrics = exposition(own, hub)
    live_worker()
    # The audit trail's alarms (a witness unreachable or refusing; the signer stopped): this
    # process's own view, as /readyz gives it.
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
    app.include_router(disagreements.router)
    app.include_router(reports.router)
    app.include_router(child_protection.router)
    app.include_router(child_in_need.router)
    app.include_router(marac.router)
    app.include_router(matches.router)
    app.include_router(audit.router)
    app.include_router(health.router)
    app.include_router(docs.router)
    # The practitioners' pages under / (hub.web), after every API route.
    install_web(app, hub)
    # The last added is the outer: metrics and the access log see every answer, the body
    # limit's 413 included (SecurityHeaders wraps them all, in _HubApi).
    app.add_middleware(BodyLimit, limit=hub.settings.max_body_bytes)
    app.add_middleware(RequestMetrics, registry=own)
    install_openapi(app)
    return app


def app_from_environment() -> FastAPI:
    """The factory uvicorn workers call: each worker bootstraps its own hub. uvicorn has
    already applied the hub's logging configuration (``hub serve`` passes it as log_config);
    applying it again here makes sure of it, whoever starts the factory."""
    logs.configure()
    return create_app(bootstrap(Settings.from_env()))
