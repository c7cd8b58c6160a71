"""The MASH front door: contacts rated, researched, decided and fed back; levels of need,
allocation, and inter-agency disagreement."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from domain.front_door import LevelOfNeed, Outcome, Rag, SignsOfSafety
from domain.risk import RiskLevel
from hub.api import models
from hub.api.deps import CurrentUser, HubDep, Reading

router = APIRouter(tags=["MASH front door"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RateIn(_In):
    rag: Rag
    rationale: str | None = Field(default=None, max_length=4000,
                                  description="required when the rating changes")


class ResearchRequestIn(_In):
    agencies: list[str] = Field(min_length=1, max_length=20)


class ResearchIn(_In):
    content: str = Field(max_length=20_000)


class SignsOfSafetyIn(_In):
    worries: str = Field(max_length=4000)
    working_well: str = Field(max_length=4000)
    needs_to_happen: str = Field(max_length=4000)
    scale: StrictInt = Field(ge=0, le=10)


class DecisionIn(_In):
    level: LevelOfNeed
    outcome: Outcome
    rationale: str = Field(max_length=4000)
    feedback: str = Field(max_length=4000, description="what the referrer is told")
    signs_of_safety: SignsOfSafetyIn | None = None
    participants: list[str] = Field(default_factory=list, max_length=20, description=(
        "strategy-discussion: the agencies taking part (social care, health and police at "
        "least)"))


class LevelIn(_In):
    level: LevelOfNeed
    reason: str = Field(max_length=4000)


class AllocationIn(_In):
    user_id: UUID | None = Field(description="the social worker; null: none allocated")


class DisagreementIn(_In):
    reason: str = Field(max_length=4000)


class ContactDisagreementIn(DisagreementIn):
    risk: RiskLevel = Field(default=RiskLevel.STANDARD, description=(
        "the risk to the child as the raiser sees it: the stage clocks follow it"))


class ResolutionIn(_In):
    resolution: str = Field(max_length=4000)


@router.get("/v1/mash/queue", response_model=models.MashQueueOut, response_model_exclude_unset=True)
def mash_queue(caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """Contacts not yet decided, the oldest running deadline first (ids and clocks only)."""
    return hub.front_door.queue(caller)


@router.get("/v1/mash/breaches",
            response_model=models.MashBreachesOut, response_model_exclude_unset=True)
def mash_breaches(caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """Acknowledgement, decision, RAG, research and disagreement clocks that have run out."""
    return hub.front_door.breaches(caller)


@router.get("/v1/mash/contacts/{contact_id}",
            response_model=models.MashContactOut, response_model_exclude_unset=True)
def mash_contact(contact_id: UUID, ctx: Reading, hub: HubDep) -> dict[str, Any]:
    """One contact; partners' research as the access policy allows (each piece audited)."""
    return hub.front_door.contact(ctx, contact_id)


@router.post("/v1/mash/contacts/{contact_id}/rating",
             response_model=models.MashContactOut, response_model_exclude_unset=True)
def rate(contact_id: UUID, body: RateIn, caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    return hub.front_door.rate(caller, contact_id, body.rag, body.rationale)


@router.post("/v1/mash/contacts/{contact_id}/acknowledge",
             response_model=models.MashContactOut, response_model_exclude_unset=True)
def acknowledge(contact_id: UUID, caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    return hub.front_door.acknowledge(caller, contact_id)


@router.post("/v1/mash/contacts/{contact_id}/research-requests",
             response_model=models.MashContactOut, response_model_exclude_unset=True)
def request_research(contact_id: UUID, body: ResearchRequestIn, caller: CurrentUser,
                     hub: HubDep) -> dict[str, Any]:
    """Ask partner agencies for their research, due by the rating's deadline."""
    return hub.front_door.request_research(caller, contact_id, body.agencies)


@router.post("/v1/mash/contacts/{contact_id}/research", status_code=status.HTTP_201_CREATED,
             response_model=models.ResearchAddedOut, response_model_exclude_unset=True)
def add_research(contact_id: UUID, body: ResearchIn, caller: CurrentUser,
                 hub: HubDep) -> dict[str, Any]:
    return hub.front_door.add_research(caller, contact_id, body.content)


@router.post("/v1/mash/contacts/{contact_id}/decision",
             response_model=models.MashContactOut, response_model_exclude_unset=True)
def decide(contact_id: UUID, body: DecisionIn, caller: CurrentUser,
           hub: HubDep) -> dict[str, Any]:
    """The level of need and the outcome; a strategy discussion opens with its participants."""
    signs = (SignsOfSafety(**body.signs_of_safety.model_dump())
             if body.signs_of_safety is not None else None)
    return hub.front_door.decide(caller, contact_id, level=body.level, outcome=body.outcome,
                                 rationale=body.rationale, feedback=body.feedback,
                                 signs_of_safety=signs, participants=body.participants)


class DecisionCorrectionIn(_In):
    level: LevelOfNeed
    outcome: Outcome
    reason: str = Field(max_length=4000, description="why the decision is corrected")


@router.post("/v1/mash/contacts/{contact_id}/decision/correction",
             response_model=models.MashContactOut, response_model_exclude_unset=True)
def correct_decision(contact_id: UUID, body: DecisionCorrectionIn, caller: CurrentUser,
                     hub: HubDep) -> dict[str, Any]:
    """A team manager corrects the level of need or outcome, with a reason (the original
    stays in the history; the assessment's deadline is recomputed)."""
    return hub.front_door.correct_decision(caller, contact_id, level=body.level,
                                           outcome=body.outcome, reason=body.reason)


class AssessmentIn(_In):
    summary: str = Field(max_length=4000)


class AssessmentCompletedIn(AssessmentIn):
    signs_of_safety: SignsOfSafetyIn | None = Field(
        default=None, description="Signs of Safety at the assessment's completion")


@router.post("/v1/mash/contacts/{contact_id}/assessment",
             response_model=models.MashContactOut, response_model_exclude_unset=True)
def complete_assessment(contact_id: UUID, body: AssessmentCompletedIn, caller: CurrentUser,
                        hub: HubDep) -> dict[str, Any]:
    """The children's assessment is complete (due within 45 working days of arrival), with
    its Signs of Safety if recorded."""
    signs = (SignsOfSafety(**body.signs_of_safety.model_dump())
             if body.signs_of_safety is not None else None)
    return hub.front_door.complete_assessment(caller, contact_id, body.summary, signs)


@router.post("/v1/mash/contacts/{contact_id}/assessment/brief",
             response_model=models.MashContactOut, response_model_exclude_unset=True)
def complete_brief_assessment(contact_id: UUID, body: AssessmentIn, caller: CurrentUser,
                              hub: HubDep) -> dict[str, Any]:
    """The brief children's assessment is done (due within 10 working days of arrival); the
    assessment goes on to its completion."""
    return hub.front_door.complete_brief_assessment(caller, contact_id, body.summary)


@router.get("/v1/mash/feedback",
            response_model=models.FeedbackListOut, response_model_exclude_unset=True)
def feedback(ctx: Reading, hub: HubDep) -> dict[str, Any]:
    """What was decided on the caller's agency's contacts and referrals, newest first."""
    return hub.front_door.feedback(ctx.caller)


@router.post("/v1/children/{child_id}/level-of-need",
             response_model=models.LevelOfNeedOut, response_model_exclude_unset=True)
def level_of_need(child_id: UUID, body: LevelIn, caller: CurrentUser,
                  hub: HubDep) -> dict[str, Any]:
    """Step the child up or down between levels of need."""
    return hub.front_door.set_level(caller, child_id, body.level, body.reason)


@router.put("/v1/children/{child_id}/allocated-worker",
            response_model=models.AllocationOut, response_model_exclude_unset=True)
def allocate(child_id: UUID, body: AllocationIn, caller: CurrentUser,
             hub: HubDep) -> dict[str, Any]:
    return hub.front_door.allocate(caller, child_id, body.user_id)


@router.post("/v1/mash/contacts/{contact_id}/disagreements",
             status_code=status.HTTP_201_CREATED,
             response_model=models.DisagreementOut, response_model_exclude_unset=True)
def raise_disagreement(contact_id: UUID, body: ContactDisagreementIn, caller: CurrentUser,
                       hub: HubDep) -> dict[str, Any]:
    """A partner disagrees with the decision; it starts with the workers, on a clock (the
    first form: ``POST /v1/disagreements`` takes any decision)."""
    return hub.front_door.raise_disagreement(caller, contact_id, body.reason,
                                             body.risk.value)


@router.get("/v1/disagreements",
            response_model=models.DisagreementsOut, response_model_exclude_unset=True)
def disagreements(ctx: Reading, hub: HubDep) -> dict[str, Any]:
    return hub.front_door.disagreements(ctx.caller)


@router.post("/v1/disagreements/{disagreement_id}/escalate",
             response_model=models.DisagreementOut, response_model_exclude_unset=True)
def escalate(disagreement_id: UUID, body: DisagreementIn, caller: CurrentUser,
             hub: HubDep) -> dict[str, Any]:
    return hub.front_door.escalate_disagreement(caller, disagreement_id, body.reason)


@router.post("/v1/disagreements/{disagreement_id}/resolve",
             response_model=models.DisagreementOut, response_model_exclude_unset=True)
def resolve(disagreement_id: UUID, body: ResolutionIn, caller: CurrentUser,
            hub: HubDep) -> dict[str, Any]:
    return hub.front_door.resolve_disagreement(caller, disagreement_id, body.resolution)
