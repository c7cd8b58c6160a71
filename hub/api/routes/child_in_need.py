"""Child in need plans (started, reviewed, ended) and a child's safety scale over time."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from domain.child_in_need import CinEnd
from hub.api import models
from hub.api.deps import CurrentUser, HubDep, Reading
from hub.shapes import Instant

router = APIRouter(tags=["child in need"])


class CinEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: Instant | None = Field(default=None, description="when it happened; omitted: now")


class CinEndIn(CinEventIn):
    because: CinEnd


@router.post("/v1/children/{child_id}/cin-plan",
             response_model=models.CinRecordOut, response_model_exclude_unset=True)
def start_cin_plan(child_id: UUID, body: CinEventIn, caller: CurrentUser,
                   hub: HubDep) -> dict[str, Any]:
    """Social care starts a child in need plan after its assessment (the level of need
    becomes child in need); its first review is due within months."""
    return hub.child_in_need.start(caller, child_id, at=body.at)


@router.post("/v1/children/{child_id}/cin-plan/review",
             response_model=models.CinRecordOut, response_model_exclude_unset=True)
def review_cin_plan(child_id: UUID, body: CinEventIn, caller: CurrentUser,
                    hub: HubDep) -> dict[str, Any]:
    """A review of the plan in force (on time or late); the next is due from it."""
    return hub.child_in_need.review(caller, child_id, at=body.at)


@router.post("/v1/children/{child_id}/cin-plan/end",
             response_model=models.CinRecordOut, response_model_exclude_unset=True)
def end_cin_plan(child_id: UUID, body: CinEndIn, caller: CurrentUser,
                 hub: HubDep) -> dict[str, Any]:
    return hub.child_in_need.end(caller, child_id, at=body.at, because=body.because.value)


@router.get("/v1/children/{child_id}/cin-plans",
            response_model=models.CinRecordOut, response_model_exclude_unset=True)
def cin_plans(child_id: UUID, ctx: Reading, hub: HubDep) -> dict[str, Any]:
    """Social care's view of the child's child in need plans and their clock."""
    return hub.child_in_need.record(ctx.caller, child_id, ctx.purpose, ctx.case_ref)


@router.get("/v1/children/{child_id}/safety-scale",
            response_model=models.SafetyScaleOut, response_model_exclude_unset=True)
def safety_scale(child_id: UUID, ctx: Reading, hub: HubDep) -> dict[str, Any]:
    """The child's Signs of Safety scale over time (date, where, 0-10); the texts only for a
    role entitled to them. Audited naming the child."""
    return hub.safety_scale.read(ctx.caller, child_id, ctx.purpose, ctx.case_ref)
