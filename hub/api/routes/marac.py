"""MARAC meetings: the coordinator's diary and case list, outcomes and actions, and each
agency's own actions."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from domain.risk import RiskLevel
from hub.api import models
from hub.api.deps import CurrentUser, HubDep
from hub.shapes import Day

router = APIRouter(tags=["MARAC"])

AgencyRef = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$",
                                 description="a registered agency's id")]


class MaracMeetingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    meets_on: Day = Field(description="the meeting's day (a working day, within a year of "
                          "today either way)")
    agencies: list[AgencyRef] = Field(min_length=1, max_length=40, description="the "
                                      "agencies invited (the coordinator's DART is added)")


class MaracAgenciesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agencies: list[AgencyRef] = Field(min_length=1, max_length=40)


class MaracCaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    referral_id: UUID


class MaracActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agency: AgencyRef = Field(description="the invited agency given the action")
    action: str = Field(max_length=1000, description="what is to be done (sealed)")
    due_on: Day = Field(description="a working day, not before the meeting")


class MaracOutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    risk: RiskLevel = Field(description="the risk as the meeting assessed it")
    summary: str = Field(max_length=4000, description="the discussion (sealed under the "
                         "adult victim)")
    attendance: list[AgencyRef] = Field(min_length=1, max_length=40, description="the "
                                        "invited agencies present for this case")
    actions: list[MaracActionIn] = Field(default_factory=list, max_length=30)


@router.post("/v1/marac/meetings", status_code=201,
             response_model=models.MaracMeetingOut, response_model_exclude_unset=True)
def schedule(body: MaracMeetingIn, caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """The MARAC coordinator puts a meeting in the diary, with the agencies invited."""
    return hub.marac.schedule(caller, body.meets_on, list(body.agencies))


@router.get("/v1/marac/meetings",
            response_model=models.MaracMeetingsOut, response_model_exclude_unset=True)
def meetings(caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """The meetings the caller's agency is invited to (days and agencies: nobody named)."""
    return hub.marac.meetings(caller)


@router.get("/v1/marac/meetings/{meeting_id}",
            response_model=models.MaracMeetingOut, response_model_exclude_unset=True)
def meeting(meeting_id: UUID, caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """A meeting and its case list: for the agencies invited only (404 to any other)."""
    return hub.marac.meeting(caller, meeting_id)


@router.post("/v1/marac/meetings/{meeting_id}/agencies",
             response_model=models.MaracMeetingOut, response_model_exclude_unset=True)
def invite(meeting_id: UUID, body: MaracAgenciesIn, caller: CurrentUser,
           hub: HubDep) -> dict[str, Any]:
    return hub.marac.invite(caller, meeting_id, list(body.agencies))


@router.post("/v1/marac/meetings/{meeting_id}/cases",
             response_model=models.MaracMeetingOut, response_model_exclude_unset=True)
def list_case(meeting_id: UUID, body: MaracCaseIn, caller: CurrentUser,
              hub: HubDep) -> dict[str, Any]:
    """List a referral on the case list (one meeting at a time; heard once unless
    deferred)."""
    return hub.marac.list_case(caller, meeting_id, body.referral_id)


@router.post("/v1/marac/meetings/{meeting_id}/cases/{referral_id}/outcome",
             response_model=models.MaracMeetingOut, response_model_exclude_unset=True)
def outcome(meeting_id: UUID, referral_id: UUID, body: MaracOutcomeIn, caller: CurrentUser,
            hub: HubDep) -> dict[str, Any]:
    """Record a case heard: the risk, the summary, who was present, and actions."""
    return hub.marac.hear(caller, meeting_id, referral_id, risk=body.risk.value,
                          summary=body.summary, attendance=list(body.attendance),
                          actions=[a.model_dump() for a in body.actions])


@router.post("/v1/marac/meetings/{meeting_id}/cases/{referral_id}/defer",
             response_model=models.MaracMeetingOut, response_model_exclude_unset=True)
def defer(meeting_id: UUID, referral_id: UUID, caller: CurrentUser,
          hub: HubDep) -> dict[str, Any]:
    """Not heard at this meeting: the referral may be listed at another."""
    return hub.marac.defer(caller, meeting_id, referral_id)


@router.get("/v1/marac/actions",
            response_model=models.MaracActionsOut, response_model_exclude_unset=True)
def actions(caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """The actions given to the caller's agency and not yet done, the earliest due first."""
    return hub.marac.actions(caller)


@router.get("/v1/marac/actions/breaches",
            response_model=models.MaracActionsOut, response_model_exclude_unset=True)
def action_breaches(caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """The caller's agency's actions past their due time and not done."""
    return hub.marac.breaches(caller)


@router.post("/v1/marac/actions/{action_id}/done",
             response_model=models.MaracActionOut, response_model_exclude_unset=True)
def action_done(action_id: UUID, caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """The agency given the action records it done (404 to any other agency)."""
    return hub.marac.complete_action(caller, action_id)
