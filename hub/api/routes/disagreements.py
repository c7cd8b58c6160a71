"""Inter-agency disagreement against any decision the hub records, the risk it is held at,
the escalation contacts each agency names for its stages (with their alerts), and the
referrer's feedback call after a declined referral, where a disagreement starts."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from domain.disagreement import Stage, SubjectKind
from domain.risk import RiskLevel
from hub.api import models
from hub.api.deps import CurrentUser, HubDep, Reading
from hub.shapes import Instant

router = APIRouter(tags=["inter-agency disagreement"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DecisionRefIn(_In):
    kind: SubjectKind = Field(description="the kind of decision disagreed with")
    id: UUID = Field(description="mash-contact: the contact; dart-triage: the DART case; "
                     "missing-episode: the episode; cp-conference: the conference; "
                     "sharing-refusal: the decision not to share")


class RaiseIn(_In):
    subject: DecisionRefIn
    risk: RiskLevel = Field(description="the risk to the child as the raiser sees it: the "
                            "stage clocks follow it (high: hours, out of hours too)")
    reason: str = Field(max_length=4000)


class RiskIn(_In):
    risk: RiskLevel
    reason: str = Field(max_length=4000)


class FeedbackCallIn(_In):
    at: Instant | None = Field(default=None, description="when the referrer was told; "
                               "omitted: now")
    note: str | None = Field(default=None, max_length=1000)


class ContactIn(_In):
    user_id: UUID | None = Field(description="an active member of your agency; null: nobody")


@router.post("/v1/disagreements", status_code=status.HTTP_201_CREATED,
             response_model=models.DisagreementOut, response_model_exclude_unset=True)
def raise_disagreement(body: RaiseIn, caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """A partner disagrees with a decision its agency may know of (any other: 404); the
    children are the decision's own, and the agency it is with is the one that decided."""
    return hub.front_door.raise_against(caller, body.subject.kind.value, body.subject.id,
                                        body.reason, body.risk.value)


@router.post("/v1/mash/contacts/{contact_id}/feedback-call",
             status_code=status.HTTP_201_CREATED,
             response_model=models.FeedbackCallOut, response_model_exclude_unset=True)
def record_feedback_call(contact_id: UUID, body: FeedbackCallIn, caller: CurrentUser,
                         hub: HubDep) -> dict[str, Any]:
    """The referrer was told by word of mouth that their referral was declined."""
    return hub.front_door.record_feedback_call(caller, contact_id, body.at, body.note)


@router.post("/v1/disagreements/{disagreement_id}/risk",
             response_model=models.DisagreementOut, response_model_exclude_unset=True)
def restate_risk(disagreement_id: UUID, body: RiskIn, caller: CurrentUser,
                 hub: HubDep) -> dict[str, Any]:
    """The risk changed: the open stage is clocked again, with the reason recorded."""
    return hub.front_door.restate_disagreement_risk(caller, disagreement_id, body.risk.value,
                                                    body.reason)


@router.get("/v1/me/disagreement-alerts",
            response_model=models.DisagreementsOut, response_model_exclude_unset=True)
def my_disagreement_alerts(ctx: Reading, hub: HubDep) -> dict[str, Any]:
    """Unresolved disagreements whose current stage names the caller."""
    return hub.front_door.disagreement_alerts(ctx.caller, ctx.purpose.value)


@router.get("/v1/escalation-contacts",
            response_model=models.EscalationContactsOut, response_model_exclude_unset=True)
def escalation_contacts(caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """The caller's agency's person for each stage of a disagreement."""
    return hub.front_door.escalation_contacts(caller)


@router.put("/v1/escalation-contacts/{stage}",
            response_model=models.EscalationContactsOut, response_model_exclude_unset=True)
def name_escalation_contact(stage: Stage, body: ContactIn, caller: CurrentUser,
                            hub: HubDep) -> dict[str, Any]:
    """Name the caller's agency's person for a stage."""
    return hub.front_door.name_escalation_contact(caller, stage.value, body.user_id)
