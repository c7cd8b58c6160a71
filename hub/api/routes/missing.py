"""The missing-children team: children missing now, return home interviews and breaches."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from domain.missing import EpisodeEnd, InterviewStep, StrategyOutcome
from domain.missing_practice import CONTENT_LIMIT, INTERVIEW_FIELDS, ExploitationIndicator
from hub.api import models
from hub.api.deps import CurrentUser, HubDep, Reading
from hub.shapes import Instant

router = APIRouter(tags=["missing children"])


class InterviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    step: InterviewStep
    at: Instant | None = Field(default=None, description="when it happened; omitted: now")
    independent: StrictBool | None = Field(default=None, description="held: the interviewer "
                                           "is independent of the child's care (required)")
    reason: str | None = Field(default=None, max_length=1000,
                               description="not-held: why no interview will be held")
    whereabouts: str | None = Field(default=None, max_length=CONTENT_LIMIT,
                                    description="held: where the child was")
    with_whom: str | None = Field(default=None, max_length=CONTENT_LIMIT,
                                  description="held: with whom")
    push_factors: str | None = Field(default=None, max_length=CONTENT_LIMIT,
                                     description="held: what made the child leave")
    pull_factors: str | None = Field(default=None, max_length=CONTENT_LIMIT,
                                     description="held: what drew the child away")
    exploitation_indicators: list[ExploitationIndicator] = Field(
        default_factory=list, max_length=len(ExploitationIndicator),
        description="held: the exploitation indicators found (codes)")


@router.get("/v1/missing/queue",
            response_model=models.MissingQueueOut, response_model_exclude_unset=True)
def missing_queue(caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """Children missing now (longest first) and interviews due (oldest deadline first)."""
    return hub.missing.queue(caller)


@router.get("/v1/missing/breaches",
            response_model=models.MissingBreachesOut, response_model_exclude_unset=True)
def missing_breaches(caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """Return home interviews past their 72 hours and not held, declined or decided against."""
    return hub.missing.breaches(caller)


@router.get("/v1/missing/episodes/{episode_id}",
            response_model=models.EpisodeOut, response_model_exclude_unset=True)
def missing_episode(episode_id: UUID, ctx: Reading, hub: HubDep) -> dict[str, Any]:
    return hub.missing.episode(ctx.caller, episode_id, ctx.purpose, ctx.case_ref)


@router.get("/v1/children/{child_id}/missing-episodes",
            response_model=models.EpisodesOut, response_model_exclude_unset=True)
def missing_history(child_id: UUID, ctx: Reading, hub: HubDep) -> dict[str, Any]:
    """The child's episodes, newest first, with the rules that fired on each."""
    return hub.missing.history(ctx.caller, child_id, ctx.purpose, ctx.case_ref)


@router.post("/v1/missing/episodes/{episode_id}/interview",
             response_model=models.EpisodeOut, response_model_exclude_unset=True)
def record_interview(episode_id: UUID, body: InterviewIn, caller: CurrentUser,
                     hub: HubDep) -> dict[str, Any]:
    """Record a step of the return home interview."""
    return hub.missing.record_interview(
        caller, episode_id, body.step, body.at, body.independent, body.reason,
        {name: getattr(body, name) for name in INTERVIEW_FIELDS},
        [i.value for i in body.exploitation_indicators])


class ReconciledIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    child_id: UUID
    report: UUID = Field(description="the notification that contradicted the record")
    note: str = Field(max_length=1000, description="how it was put right")


@router.post("/v1/missing/reconciliations",
             response_model=models.ReconciledOut, response_model_exclude_unset=True)
def reconcile(body: ReconciledIn, caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """A report listed under `to_reconcile` has been put right; say how."""
    return hub.missing.reconcile(caller, body.child_id, body.report, body.note)


class StrategyMeetingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    held_at: Instant = Field(description="when the meeting was held (with a time zone)")
    participants: list[str] = Field(max_length=20, description="the registered agencies "
                                    "taking part (ids; the caller's is added)")
    outcome: StrategyOutcome
    note: str | None = Field(default=None, max_length=1000, description="sealed under the "
                             "child's key; never in the audit trail")


@router.post("/v1/children/{child_id}/missing-strategy-meeting",
             response_model=models.StrategyMeetingOut, response_model_exclude_unset=True)
def hold_strategy_meeting(child_id: UUID, body: StrategyMeetingIn, caller: CurrentUser,
                          hub: HubDep) -> dict[str, Any]:
    """The strategy meeting due after repeated missing episodes was held; it leaves the
    queue and the breach list."""
    return hub.missing.hold_strategy_meeting(caller, child_id, body.held_at,
                                             body.participants, body.outcome.value, body.note)


@router.get("/v1/me/alerts",
            response_model=models.EpisodeListOut, response_model_exclude_unset=True)
def my_alerts(ctx: Reading, hub: HubDep) -> dict[str, Any]:
    """Missing episodes of the children allocated to the caller, while work remains."""
    return hub.missing.alerts(ctx.caller, ctx.purpose)


# Corrections by the missing team ---------------------------------------------------------

class TimesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: Instant | None = Field(default=None, description="the corrected start")
    end: Instant | None = Field(default=None, description="the corrected return")
    reason: str = Field(max_length=1000)


class EpisodeMergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    other_episode_id: UUID = Field(description="the child's episode that was the same one")
    reason: str = Field(max_length=1000)


class EpisodeSplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    returned_at: Instant = Field(description="when the child came back")
    ended_by: EpisodeEnd = Field(description="found or returned")
    left_again_at: Instant = Field(description="when the child went again")
    reason: str = Field(max_length=1000)


@router.post("/v1/missing/episodes/{episode_id}/times",
             response_model=models.EpisodeListOut, response_model_exclude_unset=True)
def correct_times(episode_id: UUID, body: TimesIn, caller: CurrentUser,
                  hub: HubDep) -> dict[str, Any]:
    """Correct when an episode began or ended (the interview's deadline follows)."""
    return hub.missing.correct_times(caller, episode_id, body.start, body.end, body.reason)


@router.post("/v1/missing/episodes/{episode_id}/merge",
             response_model=models.EpisodeListOut, response_model_exclude_unset=True)
def merge(episode_id: UUID, body: EpisodeMergeIn, caller: CurrentUser,
          hub: HubDep) -> dict[str, Any]:
    """Merge two of a child's episodes that were one, into the earlier."""
    return hub.missing.merge(caller, episode_id, body.other_episode_id, body.reason)


@router.post("/v1/missing/episodes/{episode_id}/split",
             response_model=models.EpisodeListOut, response_model_exclude_unset=True)
def split(episode_id: UUID, body: EpisodeSplitIn, caller: CurrentUser,
          hub: HubDep) -> dict[str, Any]:
    """Split an episode that was two: the child came back, and went again."""
    return hub.missing.split(caller, episode_id, body.returned_at, body.left_again_at,
                             body.ended_by.value, body.reason)
