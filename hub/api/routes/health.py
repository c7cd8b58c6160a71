"""Liveness, readiness and metrics for operators; no personal data here."""

from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hub.api.deps import HubDep
from hub.errors import StoreUnavailable

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(hub: HubDep) -> dict[str, Any]:
    """The event store answers and the audit trail can be read."""
    try:
        size = hub.audit.size()
    except Exception as error:
        raise StoreUnavailable("the event store did not answer") from error
    return {"status": "ready", "audit_entries": size}


@router.get("/metrics")
def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)
