"""Lawful bases: consents, sharing decisions, statutory enquiries; restriction; review."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from domain.access import DataClass, Purpose
from domain.break_glass import ReviewOutcome
from domain.lawful_basis import (
    ConsentGiver,
    ConsentNotRelied,
    ConsentStatus,
    EnquiryKind,
    LegalBasis,
)
from hub.api import models
from hub.api.deps import INT64_MAX, CurrentUser, HubDep
from hub.shapes import Instant

router = APIRouter(tags=["lawful bases"])


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScopeIn(_Body):
    data_classes: list[DataClass] = Field(min_length=1, max_length=20)
    agencies: list[str] = Field(min_length=1, max_length=100)
    purposes: list[Purpose] = Field(min_length=1, max_length=20)


class ConsentIn(_Body):
    status: ConsentStatus
    given_by: ConsentGiver
    scope: ScopeIn
    valid_from: Instant | None = None
    valid_until: Instant | None = None


class SharingDecisionIn(_Body):
    child_id: UUID
    share: StrictBool
    recipient_agency: str = Field(max_length=64)
    data_classes: list[DataClass] = Field(min_length=1, max_length=20)
    purposes: list[Purpose] = Field(min_length=1, max_length=20)
    legal_basis: LegalBasis
    consent_not_relied: ConsentNotRelied | None = None
    rationale: str = Field(max_length=5000)
    valid_from: Instant | None = None
    valid_until: Instant | None = None


class EnquiryIn(_Body):
    kind: EnquiryKind
    participants: list[str] = Field(min_length=1, max_length=20)


class OutcomeIn(_Body):
    outcome: str = Field(max_length=200)


class RestrictionIn(_Body):
    restricted: StrictBool
    reason: str = Field(max_length=500)


class BreakGlassReviewIn(_Body):
    outcome: ReviewOutcome
    notes: str = Field(max_length=5000)


@router.post("/v1/children/{child_id}/consents", status_code=status.HTTP_201_CREATED,
             response_model=models.ConsentOut, response_model_exclude_unset=True)
def record_consent(child_id: UUID, body: ConsentIn, caller: CurrentUser,
                   hub: HubDep) -> dict[str, Any]:
    """Record consent given or refused: by whom, for which classes, agencies and purposes."""
    return hub.sharing.record_consent(caller, child_id, body.status, body.given_by,
                                      body.scope.model_dump(mode="json"), body.valid_from,
                                      body.valid_until)


@router.post("/v1/consents/{consent_id}/withdraw",
             response_model=models.WithdrawnOut, response_model_exclude_unset=True)
def withdraw_consent(consent_id: UUID, caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """Withdraw consent; it no longer counts for any later read."""
    return hub.sharing.withdraw_consent(caller, consent_id)


@router.post("/v1/sharing-decisions", status_code=status.HTTP_201_CREATED,
             response_model=models.SharingDecisionOut, response_model_exclude_unset=True)
def record_sharing_decision(body: SharingDecisionIn, caller: CurrentUser,
                            hub: HubDep) -> dict[str, Any]:
    """Record a decision to share, or NOT to share, your agency's records about a child."""
    return hub.sharing.record_decision(
        caller, body.child_id, share=body.share, recipient_agency=body.recipient_agency,
        data_classes=[c.value for c in body.data_classes],
        purposes=[p.value for p in body.purposes], legal_basis=body.legal_basis,
        consent_not_relied=body.consent_not_relied, rationale=body.rationale,
        valid_from=body.valid_from, valid_until=body.valid_until)


@router.post("/v1/children/{child_id}/enquiries", status_code=status.HTTP_201_CREATED,
             response_model=models.EnquiryOut, response_model_exclude_unset=True)
def open_enquiry(child_id: UUID, body: EnquiryIn, caller: CurrentUser,
                 hub: HubDep) -> dict[str, Any]:
    """Open an s47 enquiry or strategy discussion with the partner agencies taking part."""
    return hub.sharing.open_enquiry(caller, child_id, body.kind, body.participants)


@router.post("/v1/enquiries/{enquiry_id}/close",
             response_model=models.EnquiryClosedOut, response_model_exclude_unset=True)
def close_enquiry(enquiry_id: UUID, body: OutcomeIn, caller: CurrentUser,
                  hub: HubDep) -> dict[str, Any]:
    return hub.sharing.close_enquiry(caller, enquiry_id, body.outcome)


@router.post("/v1/notifications/{notification_id}/restriction",
             response_model=models.RestrictionOut, response_model_exclude_unset=True)
def restrict_notification(notification_id: UUID, body: RestrictionIn, caller: CurrentUser,
                          hub: HubDep) -> dict[str, Any]:
    """The owning agency marks its record restricted (summary-only to others) or releases it."""
    return hub.sharing.restrict(caller, notification_id, body.restricted, body.reason)


@router.get("/v1/access-notifications",
            response_model=models.AccessFeedOut, response_model_exclude_unset=True)
def access_notifications(caller: CurrentUser, hub: HubDep,
                         after: int = Query(0, ge=0, le=INT64_MAX),
                         limit: int = Query(100, ge=1, le=500)) -> dict[str, Any]:
    """Your agency's feed: every time another agency read one of your records."""
    return hub.sharing.access_feed(caller, after, limit)


@router.get("/v1/break-glass", response_model=list[models.BreakGlassOut],
            response_model_exclude_unset=True)
def break_glass_accesses(caller: CurrentUser, hub: HubDep,
                         unreviewed: bool = Query(True)) -> list[dict[str, Any]]:
    """Emergency accesses, for review."""
    return hub.sharing.break_glass_accesses(caller, unreviewed)


@router.post("/v1/break-glass/{access_id}/review",
             response_model=models.BreakGlassOut, response_model_exclude_unset=True)
def review_break_glass(access_id: UUID, body: BreakGlassReviewIn, caller: CurrentUser,
                       hub: HubDep) -> dict[str, Any]:
    return hub.sharing.review_break_glass(caller, access_id, body.outcome, body.notes)
