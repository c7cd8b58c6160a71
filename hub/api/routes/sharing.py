"""Lawful bases: consents, sharing decisions, statutory enquiries; restriction; review."""

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from hub.api.deps import INT64_MAX, CurrentUser, HubDep
from hub.shapes import Instant

router = APIRouter(tags=["lawful bases"])


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScopeIn(_Body):
    data_classes: list[str] = Field(min_length=1, max_length=20)
    agencies: list[str] = Field(min_length=1, max_length=100)
    purposes: list[str] = Field(min_length=1, max_length=20)


class ConsentIn(_Body):
    status: Literal["given", "refused"]
    given_by: Literal["parent", "child"]
    scope: ScopeIn
    valid_from: Instant | None = None
    valid_until: Instant | None = None


class SharingDecisionIn(_Body):
    child_id: UUID
    share: StrictBool
    recipient_agency: str = Field(max_length=64)
    data_classes: list[str] = Field(min_length=1, max_length=20)
    purposes: list[str] = Field(min_length=1, max_length=20)
    legal_basis: str = Field(max_length=40)
    consent_not_relied: str | None = Field(default=None, max_length=40)
    rationale: str = Field(max_length=5000)
    valid_from: Instant | None = None
    valid_until: Instant | None = None


class EnquiryIn(_Body):
    kind: Literal["s47-enquiry", "strategy-discussion"]
    participants: list[str] = Field(min_length=1, max_length=20)


class OutcomeIn(_Body):
    outcome: str = Field(max_length=200)


class RestrictionIn(_Body):
    restricted: StrictBool
    reason: str = Field(max_length=500)


class ReviewIn(_Body):
    outcome: Literal["justified", "not-justified"]
    notes: str = Field(max_length=5000)


@router.post("/v1/children/{child_id}/consents", status_code=status.HTTP_201_CREATED)
def record_consent(child_id: UUID, body: ConsentIn, caller: CurrentUser,
                   hub: HubDep) -> dict[str, Any]:
    """Record consent given or refused: by whom, for which classes, agencies and purposes."""
    return hub.sharing.record_consent(caller, child_id, body.status, body.given_by,
                                      body.scope.model_dump(), body.valid_from, body.valid_until)


@router.post("/v1/consents/{consent_id}/withdraw")
def withdraw_consent(consent_id: UUID, caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """Withdraw consent; it no longer counts for any later read."""
    return hub.sharing.withdraw_consent(caller, consent_id)


@router.post("/v1/sharing-decisions", status_code=status.HTTP_201_CREATED)
def record_sharing_decision(body: SharingDecisionIn, caller: CurrentUser,
                            hub: HubDep) -> dict[str, Any]:
    """Record a decision to share, or NOT to share, your agency's records about a child."""
    return hub.sharing.record_decision(
        caller, body.child_id, share=body.share, recipient_agency=body.recipient_agency,
        data_classes=body.data_classes, purposes=body.purposes, legal_basis=body.legal_basis,
        consent_not_relied=body.consent_not_relied, rationale=body.rationale,
        valid_from=body.valid_from, valid_until=body.valid_until)


@router.post("/v1/children/{child_id}/enquiries", status_code=status.HTTP_201_CREATED)
def open_enquiry(child_id: UUID, body: EnquiryIn, caller: CurrentUser,
                 hub: HubDep) -> dict[str, Any]:
    """Open an s47 enquiry or strategy discussion with the partner agencies taking part."""
    return hub.sharing.open_enquiry(caller, child_id, body.kind, body.participants)


@router.post("/v1/enquiries/{enquiry_id}/close")
def close_enquiry(enquiry_id: UUID, body: OutcomeIn, caller: CurrentUser,
                  hub: HubDep) -> dict[str, Any]:
    return hub.sharing.close_enquiry(caller, enquiry_id, body.outcome)


@router.post("/v1/notifications/{notification_id}/restriction")
def restrict_notification(notification_id: UUID, body: RestrictionIn, caller: CurrentUser,
                          hub: HubDep) -> dict[str, Any]:
    """The owning agency marks its record restricted (summary-only to others) or releases it."""
    return hub.sharing.restrict(caller, notification_id, body.restricted, body.reason)


@router.get("/v1/access-notifications")
def access_notifications(caller: CurrentUser, hub: HubDep,
                         after: int = Query(0, ge=0, le=INT64_MAX),
                         limit: int = Query(100, ge=1, le=500)) -> dict[str, Any]:
    """Your agency's feed: every time another agency read one of your records."""
    return hub.sharing.access_feed(caller, after, limit)


@router.get("/v1/break-glass")
def break_glass_accesses(caller: CurrentUser, hub: HubDep,
                         unreviewed: bool = Query(True)) -> list[dict[str, Any]]:
    """Emergency accesses, for review."""
    return hub.sharing.break_glass_accesses(caller, unreviewed)


@router.post("/v1/break-glass/{access_id}/review")
def review_break_glass(access_id: UUID, body: ReviewIn, caller: CurrentUser,
                       hub: HubDep) -> dict[str, Any]:
    return hub.sharing.review_break_glass(caller, access_id, body.outcome, body.notes)
