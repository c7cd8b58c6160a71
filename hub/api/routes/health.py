"""Liveness, readiness and metrics for operators; no personal data here."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hub.api import models
from hub.api.deps import HubDep
from hub.errors import NotAuthenticated, StoreUnavailable
from hub.settings import bearer_matches

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=models.HealthOut, response_model_exclude_unset=True)
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=models.ReadyOut, response_model_exclude_unset=True)
def readyz(hub: HubDep) -> dict[str, Any]:
    """The event store answers and the audit trail can be read; ``audit`` says whether an
    audit alarm is raised (a witness unreachable or refusing, the checkpointer stopped)."""
    try:
        size = hub.audit.size()
    except Exception as error:
        raise StoreUnavailable("the event store did not answer") from error
    return {"status": "ready", "audit_entries": size, "audit": hub.checkpoints.health()}


def metrics_scraper(
    request: Request,
    authorization: Annotated[str | None, Header(description="Bearer METRICS_TOKEN")] = None,
) -> None:
    """Only a scraper with the metrics token (HUB_METRICS_TOKEN) reads the metrics."""
    if not bearer_matches(authorization, request.app.state.metrics_token):
        raise NotAuthenticated("the metrics need 'Authorization: Bearer' with the metrics "
                               "token (HUB_METRICS_TOKEN)")


@router.get("/metrics", dependencies=[Depends(metrics_scraper)])
def metrics(request: Request) -> Response:
    """Prometheus metrics, by route template; for a scraper with the metrics token."""
    return Response(generate_latest(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)
