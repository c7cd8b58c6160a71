"""Possible matches: the owning team (the DART, the MASH) lists, reads and decides them."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from domain.matching import MatchOutcome
from hub.api import models
from hub.api.deps import CurrentUser, HubDep

router = APIRouter(tags=["possible matches"])


class MatchDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: MatchOutcome
    reason: str = Field(max_length=1000, description="why (kept sealed; never audited)")


@router.get("/v1/matches",
            response_model=models.PossibleMatchesOut, response_model_exclude_unset=True)
def possible_matches(caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """The caller's team's undecided possible matches, oldest first (no names)."""
    return hub.matching.possible_matches(caller)


@router.get("/v1/matches/{match_id}",
            response_model=models.MatchEvidenceOut, response_model_exclude_unset=True)
def possible_match(match_id: UUID, caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """Both persons side by side: audited as a disclosure naming both."""
    return hub.matching.evidence(caller, match_id)


@router.post("/v1/matches/{match_id}/decision",
             response_model=models.PossibleMatchOut, response_model_exclude_unset=True)
def decide_match(match_id: UUID, body: MatchDecisionIn, caller: CurrentUser,
                 hub: HubDep) -> dict[str, Any]:
    """Confirm (the provisional person's records join the known person's) or reject."""
    return hub.matching.decide(caller, match_id, body.outcome, body.reason)
