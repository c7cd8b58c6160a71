"""Child protection plans and looked-after status; the CP-IS look-up for unscheduled care."""

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from domain.child_protection import Category
from domain.conferences import StepDown
from domain.signs_of_safety import SignsOfSafety
from hub.api import models
from hub.api.deps import CurrentUser, HubDep, Reading
from hub.api.routes.front_door import SignsOfSafetyIn
from hub.shapes import Instant

router = APIRouter(tags=["child protection"])


class ProtectionEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: Instant | None = Field(default=None, description="when it happened; omitted: now")
    unborn: StrictBool = Field(default=False, description="an unborn child's plan, held on "
                               "the pregnant woman's record (the id is hers)")


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agency: str = Field(max_length=63, description="a registered agency's id")
    role: str = Field(max_length=63, description="a role that kind of agency holds")


class ConferenceIn(ProtectionEventIn):
    chair: UUID | None = Field(default=None, description="the chair: a member of the local "
                               "authority's staff (given with `iro`)")
    iro: UUID | None = Field(default=None, description="the independent reviewing officer: "
                             "the local authority's, in that role; with them the minutes are "
                             "clocked")
    signs_of_safety: SignsOfSafetyIn | None = Field(
        default=None, description="recorded with the chair and officer")


class InitialConferenceIn(ConferenceIn):
    plan: StrictBool
    category: Category | None = None
    enquiry_id: UUID | None = Field(default=None, description="the s47 enquiry it follows")
    core_group: list[MemberIn] | None = Field(default=None, max_length=30,
                                              description="the core group's members")


class ProtectionReviewIn(ConferenceIn):
    plan_continues: StrictBool
    category: Category | None = Field(default=None, description="a changed category")
    step_down: StepDown | None = Field(default=None, description="a review that ends the "
                                       "plan: to `child-in-need` (a plan starts) or "
                                       "`early-help`")


class CoreGroupIn(ProtectionEventIn):
    present: list[MemberIn] = Field(default_factory=list, max_length=30)
    signs_of_safety: SignsOfSafetyIn | None = None


class CoreGroupMembersIn(ProtectionEventIn):
    members: list[MemberIn] = Field(min_length=1, max_length=30)


class MinutesIn(ProtectionEventIn):
    minutes: str = Field(max_length=20_000)


def _signs(body: SignsOfSafetyIn | None) -> SignsOfSafety | None:
    return SignsOfSafety(**body.model_dump()) if body is not None else None


def _members(items: list[MemberIn] | None) -> list[dict[str, str]] | None:
    return [m.model_dump() for m in items] if items is not None else None


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
    """The initial child protection conference: a plan (with its category) or none; its
    chair and independent reviewing officer (its minutes then due), the core group."""
    return hub.child_protection.initial_conference(
        caller, person_id, at=body.at, plan=body.plan, category=body.category,
        unborn=body.unborn, enquiry_id=body.enquiry_id, chair=body.chair, iro=body.iro,
        core_group=_members(body.core_group), signs=_signs(body.signs_of_safety))


@router.post("/v1/protection/{person_id}/core-group",
             response_model=models.ProtectionRecordOut, response_model_exclude_unset=True)
def core_group(person_id: UUID, body: CoreGroupIn, caller: CurrentUser,
               hub: HubDep) -> dict[str, Any]:
    """A core group meeting, with those present (the first due within 10 working days of
    the conference, each later one within weeks of the one before)."""
    return hub.child_protection.core_group(caller, person_id, at=body.at, unborn=body.unborn,
                                           present=_members(body.present),
                                           signs=_signs(body.signs_of_safety))


@router.put("/v1/protection/{person_id}/core-group/members",
            response_model=models.ProtectionRecordOut, response_model_exclude_unset=True)
def core_group_members(person_id: UUID, body: CoreGroupMembersIn, caller: CurrentUser,
                       hub: HubDep) -> dict[str, Any]:
    """Name or change the core group's members (agencies and roles)."""
    return hub.child_protection.set_core_group(caller, person_id, at=body.at,
                                               unborn=body.unborn,
                                               members=_members(body.members) or [])


@router.post("/v1/protection/{person_id}/conferences/{conference_id}/minutes",
             response_model=models.ProtectionRecordOut, response_model_exclude_unset=True)
def conference_minutes(person_id: UUID, conference_id: UUID, body: MinutesIn,
                       caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """A conference's minutes (sealed under the person): they stop its clock."""
    return hub.child_protection.minutes(caller, person_id, conference_id, at=body.at,
                                        unborn=body.unborn, minutes=body.minutes)


@router.post("/v1/protection/{person_id}/review",
             response_model=models.ProtectionRecordOut, response_model_exclude_unset=True)
def review(person_id: UUID, body: ProtectionReviewIn, caller: CurrentUser,
           hub: HubDep) -> dict[str, Any]:
    """A review conference (first within 3 months, then within 6); it may end the plan and
    step the child down to a child in need plan or early help."""
    return hub.child_protection.review(caller, person_id, at=body.at,
                                       plan_continues=body.plan_continues,
                                       category=body.category, unborn=body.unborn,
                                       chair=body.chair, iro=body.iro,
                                       step_down=body.step_down,
                                       signs=_signs(body.signs_of_safety))


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
    return hub.child_protection.record(ctx.caller, person_id, ctx.purpose, ctx.case_ref)


@router.post("/v1/cp-is/lookups",
             response_model=models.CpIsLookupOut, response_model_exclude_unset=True)
def cp_is_lookup(body: LookupIn, ctx: Reading, hub: HubDep) -> dict[str, Any]:
    """Unscheduled care (X-Purpose: unscheduled-care): is this child on a plan or looked
    after, now or in the last 12 months, and whom to call. Never the plan's content. Every
    look-up is audited and notified to the responsible local authority."""
    return hub.child_protection.lookup(ctx, body.nhs_number)
