"""The DART's queue and triage, MARAC referrals, the breach list and the Encompass inbox."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from domain.dart import RiskLevel, TriageAction
from hub.api import models
from hub.api.deps import CurrentUser, HubDep, Reading
from hub.shapes import SchoolUrn

router = APIRouter(tags=["domestic abuse"])


class TriageDashIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    yes_count: StrictInt | None = Field(default=None, ge=0, le=24)
    answers: list[StrictBool] | None = Field(default=None, min_length=24, max_length=24)


class TriageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dash: TriageDashIn | None = Field(default=None, description="omitted: the police's DASH count")
    level: RiskLevel | None = Field(default=None, description="raise the DASH level by "
                                    "professional judgement (never lower it)")
    judgement_reason: str | None = Field(default=None, max_length=1000)
    actions: list[TriageAction] = Field(min_length=1, max_length=8)
    threshold_met: StrictBool = Field(description="meets the social care threshold: refer to "
                                      "the MASH front door")
    rationale: str = Field(max_length=4000)


@router.get("/v1/dart/queue", response_model=models.DartQueueOut, response_model_exclude_unset=True)
def dart_queue(caller: CurrentUser, hub: HubDep,
               include_triaged: bool = Query(default=False)) -> dict[str, Any]:
    """The DART's cases awaiting triage, the oldest deadline first (ids and times only)."""
    return hub.domestic_abuse.queue(caller, include_triaged)


@router.get("/v1/dart/cases/{case_id}",
            response_model=models.DartCaseOut, response_model_exclude_unset=True)
def dart_case(case_id: UUID, caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    return hub.domestic_abuse.case(caller, case_id)


@router.post("/v1/dart/cases/{case_id}/triage",
             response_model=models.DartCaseOut, response_model_exclude_unset=True)
def triage(case_id: UUID, body: TriageIn, caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """Record the triage: risk level, actions, MARAC referral (by the rules) and onward
    referral to the MASH."""
    dash = body.dash or TriageDashIn()
    return hub.domestic_abuse.triage(
        caller, case_id, yes_count=dash.yes_count, answers=dash.answers, level=body.level,
        judgement_reason=body.judgement_reason, actions=[a.value for a in body.actions],
        threshold_met=body.threshold_met, rationale=body.rationale)


class RetriageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dash: TriageDashIn | None = Field(default=None, description="omitted: the police's DASH count")
    level: RiskLevel | None = Field(default=None, description="raise the DASH level by "
                                    "professional judgement (never below the DASH level)")
    judgement_reason: str | None = Field(default=None, max_length=1000)
    actions: list[TriageAction] = Field(min_length=1, max_length=8)
    threshold_met: StrictBool
    reason: str = Field(max_length=4000, description="why the triage is corrected; lowering "
                        "the risk level is a team manager's reason")


@router.post("/v1/dart/cases/{case_id}/retriage",
             response_model=models.DartCaseOut, response_model_exclude_unset=True)
def retriage(case_id: UUID, body: RetriageIn, caller: CurrentUser,
             hub: HubDep) -> dict[str, Any]:
    """Correct the triage, with a reason: the level may go down only by a team manager; a
    referral the triage made stands (flagged) when the correction no longer calls for it."""
    dash = body.dash or TriageDashIn()
    return hub.domestic_abuse.retriage(
        caller, case_id, yes_count=dash.yes_count, answers=dash.answers, level=body.level,
        judgement_reason=body.judgement_reason, actions=[a.value for a in body.actions],
        threshold_met=body.threshold_met, reason=body.reason)


@router.get("/v1/marac/referrals",
            response_model=models.MaracReferralsOut, response_model_exclude_unset=True)
def marac_referrals(caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """MARAC referrals, newest first, each with the rules (and versions) that fired."""
    return hub.domestic_abuse.marac_referrals(caller)


@router.get("/v1/breaches",
            response_model=models.DartBreachesOut, response_model_exclude_unset=True)
def breaches(caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """Triage and Encompass notices past their deadline, and notices that could not be sent."""
    return hub.domestic_abuse.breaches(caller)


@router.get("/v1/schools/{urn}/encompass",
            response_model=models.EncompassInboxOut, response_model_exclude_unset=True)
def school_inbox(urn: SchoolUrn, ctx: Reading, hub: HubDep,
                 unacknowledged: bool = Query(default=False)) -> dict[str, Any]:
    """The school's Operation Encompass notices (its own pupils only; each read audited)."""
    return hub.domestic_abuse.inbox(ctx, urn, unacknowledged)


@router.get("/v1/encompass",
            response_model=models.EncompassInboxOut, response_model_exclude_unset=True)
def own_inbox(ctx: Reading, hub: HubDep,
              unacknowledged: bool = Query(default=False)) -> dict[str, Any]:
    """The caller's agency's notices: for a local authority's education officer, who has no
    URN, as for a school."""
    return hub.domestic_abuse.inbox(ctx, None, unacknowledged)


@router.post("/v1/encompass/{notice_id}/acknowledge",
             response_model=models.EncompassAcknowledgedOut, response_model_exclude_unset=True)
def acknowledge(notice_id: UUID, caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    return hub.domestic_abuse.acknowledge(caller, notice_id)


class RedirectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    school_urn: SchoolUrn = Field(description="the right school's URN (registered with the hub)")
    reason: str = Field(max_length=1000, description="why the notice is redirected")


@router.post("/v1/encompass/{notice_id}/redirect",
             response_model=models.EncompassRedirectedOut, response_model_exclude_unset=True)
def redirect(notice_id: UUID, body: RedirectIn, caller: CurrentUser,
             hub: HubDep) -> dict[str, Any]:
    """The DART coordinator redirects a notice sent to the wrong school: withdrawn there
    (without the child's details any more) and reissued to the right school."""
    return hub.domestic_abuse.redirect_notice(caller, notice_id, body.school_urn, body.reason)
