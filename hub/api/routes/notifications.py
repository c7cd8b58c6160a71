"""Notifications and concerns from agencies."""

from functools import partial
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Header, Request, Response, status
from starlette.concurrency import run_in_threadpool

from hub.api import models
from hub.api.deps import CurrentUser, HubDep, Reading
from hub.errors import MalformedInput
from hub.shapes import WithdrawalBody, parse_notification

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
    # A newer version of one of the agency's own: the caller's amendment (its capability).
    receipt = await run_in_threadpool(hub.corrections.amend_posted, caller, submission)
    if receipt is None:
        receipt = await run_in_threadpool(
            partial(hub.intake.submit, amends=False), caller.agency_id,
            f"user:{caller.user_id}", submission)
    if not receipt.created:
        response.status_code = status.HTTP_200_OK
    return await run_in_threadpool(hub.disclosure.receipt, caller, receipt)


@router.get("/{notification_id}",
            response_model=models.NotificationOut, response_model_exclude_unset=True)
def read_notification(notification_id: UUID, ctx: Reading, hub: HubDep,
                      response: Response) -> dict[str, Any]:
    """One notification, as much of it as the caller is entitled to (audited); its `ETag` is
    its version (for `If-Match` when its sender amends it)."""
    view = hub.disclosure.notification(ctx, notification_id)
    response.headers["ETag"] = f'"{view.get("version", 1)}"'
    return view


def _if_match(value: str | None) -> int | None:
    """The version an ``If-Match`` names: ``"3"`` (an entity tag as ``GET`` gives it), also
    weak (``W/"3"``); 400 for anything else."""
    if value is None:
        return None
    tag = value.strip().removeprefix("W/")
    if len(tag) >= 2 and tag[0] == tag[-1] == '"':
        tag = tag[1:-1]
    if not tag.isascii() or not tag.isdigit() or len(tag) > 7:
        raise MalformedInput("If-Match: must be the entity tag of a version, such as \"2\"")
    return int(tag)


@router.put(
    "/{notification_id}",
    response_model=models.NotificationAmended,
    openapi_extra=_BODY,
)
async def amend_notification(notification_id: UUID, request: Request, caller: CurrentUser,
                             hub: HubDep, response: Response,
                             if_match: str | None = Header(default=None)) -> dict[str, Any]:
    """A new version of a notification, from the agency that sent it: the whole notification
    again, with `version` above the one held (or `If-Match` with the version read, and the
    next is taken); 409 when it is not newer. Validated and linked as at intake."""
    submission = parse_notification(await request.body())
    done = await run_in_threadpool(hub.corrections.amend, caller, notification_id, submission,
                                   _if_match(if_match))
    answer = await run_in_threadpool(hub.disclosure.receipt, caller, done.receipt)
    response.headers["ETag"] = f'"{done.version}"'
    return {**answer, "version": done.version}


@router.post("/{notification_id}/withdrawal", response_model=models.NotificationWithdrawn)
def withdraw_notification(notification_id: UUID, body: WithdrawalBody, caller: CurrentUser,
                          hub: HubDep) -> dict[str, Any]:
    """The sending agency withdraws its notification, with a reason code (and words,
    required with `other`, sealed under the child's key); what it set going follows."""
    done = hub.corrections.withdraw(caller, notification_id, body.reason_code.value,
                                    body.reason)
    return {"id": str(done.receipt.id), "version": done.version,
            "reason_code": body.reason_code.value, "withdrawn": True}


@router.get("/{notification_id}/versions", response_model=models.NotificationVersionsOut,
            response_model_exclude_unset=True)
def notification_versions(notification_id: UUID, ctx: Reading, hub: HubDep) -> dict[str, Any]:
    """Every version of a notification, oldest first, for a reader entitled to the whole of
    it (audited; refused, and audited, for anyone else)."""
    return hub.disclosure.versions(ctx, notification_id)
