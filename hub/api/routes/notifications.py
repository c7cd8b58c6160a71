"""Notifications and concerns from agencies."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response, status
from starlette.concurrency import run_in_threadpool

from hub.api import models
from hub.api.deps import CurrentUser, HubDep, Reading
from hub.shapes import parse_notification

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])

_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/NotificationIn"}}}}}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=models.NotificationAccepted,
    responses={200: {"description": "Already received: the same source_ref from the same "
                                    "agency; nothing was stored again",
                     "model": models.NotificationAccepted}},
    openapi_extra=_BODY,
)
async def submit_notification(request: Request, caller: CurrentUser, hub: HubDep,
                              response: Response) -> dict[str, Any]:
    """Submit a notification or concern; the sending agency is the caller's own.

    The body is parsed by the same code as a Kafka record, whatever its content type.
    """
    submission = parse_notification(await request.body())
    receipt = await run_in_threadpool(
        hub.intake.submit, caller.agency_id, f"user:{caller.user_id}", submission,
    )
    if not receipt.created:
        response.status_code = status.HTTP_200_OK
    return await run_in_threadpool(hub.disclosure.receipt, caller, receipt)


@router.get("/{notification_id}",
            response_model=models.NotificationOut, response_model_exclude_unset=True)
def read_notification(notification_id: UUID, ctx: Reading, hub: HubDep) -> dict[str, Any]:
    """One notification, as much of it as the caller is entitled to (audited)."""
    return hub.disclosure.notification(ctx, notification_id)
