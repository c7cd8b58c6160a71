"""Child protection plans and looked-after status; the CP-IS look-up for unscheduled care."""

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from domain.child_protection import Category
from hub.api import models
from hub.api.deps import CurrentUser, HubDep, Reading
from hub.shapes import Instant

router = APIRouter(tags=["child protection"])


class ProtectionEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: Instant | None = Field(default=None, description="when it happened; omitted: now")
    unborn: StrictBool = Field(default=False, description="an unborn child's plan, held on "
                               "the pregnant woman's record (the id is hers)")


class InitialConferenceIn(ProtectionEventIn):
    plan: StrictBool
    category: Category | None = None
    enquiry_id: UUID | None = Field(default=None, description="the s47 enquiry it follows")


class ProtectionReviewIn(ProtectionEventIn):
    plan_continues: StrictBool
    category: Category | None = Field(default=None, description="a changed category")


class PlanEndIn(ProtectionEventIn):
    because: Literal["moved-away", "adulthood", "born", "other"]


class LookedAfterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    looked_after: StrictBool
    at: Instant | None = None


class LookupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nhs_number: str = Field(max_length=20, description="in the body, never in a URL")


@router.post("/v1/protection/{person_id}/initial-conference",
             response_model=models.ProtectionRecordOut, response_model_exclude_unset=True)
def initial_conference(person_id: UUID, body: InitialConferenceIn, caller: CurrentUser,
                       hub: HubDep) -> dict[str, Any]:
    """The initial child protection conference: a plan (with its category) or none."""
    return hub.child_protection.initial_conference(
        caller, person_id, at=body.at, plan=body.plan, category=body.category,
        unborn=body.unborn, enquiry_id=body.enquiry_id)


@router.post("/v1/protection/{person_id}/core-group",
             response_model=models.ProtectionRecordOut, response_model_exclude_unset=True)
def core_group(person_id: UUID, body: ProtectionEventIn, caller: CurrentUser,
               hub: HubDep) -> dict[str, Any]:
    """The core group's first meeting (due within 10 working days of the conference)."""
    return hub.child_protection.core_group(caller, person_id, at=body.at, unborn=body.unborn)


@router.post("/v1/protection/{person_id}/review",
             response_model=models.ProtectionRecordOut, response_model_exclude_unset=True)
def review(person_id: UUID, body: ProtectionReviewIn, caller: CurrentUser,
           hub: HubDep) -> dict[str, Any]:
    """A review conference (first within 3 months, then within 6); it may end the plan."""
    return hub.child_protection.review(caller, person_id, at=body.at,
                                       plan_continues=body.plan_continues,
                                       category=body.category, unborn=body.unborn)


@router.post("/v1/protection/{person_id}/end",
             response_model=models.ProtectionRecordOut, response_model_exclude_unset=True)
def end_plan(person_id: UUID, body: PlanEndIn, caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    return hub.child_protection.end_plan(caller, person_id, at=body.at, because=body.because,
                                         unborn=body.unborn)


@router.post("/v1/protection/{child_id}/looked-after",
             response_model=models.ProtectionRecordOut, response_model_exclude_unset=True)
def looked_after(child_id: UUID, body: LookedAfterIn, caller: CurrentUser,
                 hub: HubDep) -> dict[str, Any]:
    """The child comes into care, or leaves it."""
    return hub.child_protection.looked_after(caller, child_id, looked_after=body.looked_after,
                                             at=body.at)


@router.get("/v1/protection/{person_id}",
            response_model=models.ProtectionRecordOut, response_model_exclude_unset=True)
def protection_record(person_id: UUID, ctx: Reading, hub: HubDep) -> dict[str, Any]:
    """Social care's view: plans, conferences, clocks (never for other agencies)."""
    return hub.child_protection.record(ctx.caller, person_id)


@router.post("/v1/cp-is/lookups",
             response_model=models.CpIsLookupOut, response_model_exclude_unset=True)
def cp_is_lookup(body: LookupIn, ctx: Reading, hub: HubDep) -> dict[str, Any]:
    """Unscheduled care (X-Purpose: unscheduled-care): is this child on a plan or looked
    after, now or in the last 12 months, and whom to call. Never the plan's content. Every
    look-up is audited and notified to the responsible local authority."""
    return hub.child_protection.lookup(ctx, body.nhs_number)
