"""Domestic abuse (the DART, Encompass) and missing children."""

from typing import Any

from pydantic import Field

from hub.api.models.base import Actor, Out, Text

# Domestic abuse -------------------------------------------------------------------------------

class EncompassOutcomeOut(Out):
    child_id: str
    notice_id: str | None
    not_issued: str | None = Field(description="why no notice was issued")
    words_withheld: str | None = Field(description="why the child's words were withheld")


class TriageOut(Out):
    by: Actor
    yes_count: int | None
    dash_level: str | None
    level: str
    judgement_reason: Text
    actions: list[str]
    threshold_met: bool
    rationale: Text
    at: str
    marac_referral: str | None
    mash_referral: str | None


class CaseAmendmentOut(Out):
    version: int
    changed: list[str] = Field(description="what the case rests on that changed: children, "
                                           "victims, occurred_at, dash")
    after_triage: bool
    at: str


class WithdrawnAtOut(Out):
    at: str


class DartCaseOut(Out):
    id: str
    notification_id: str
    child_ids: list[str]
    victim_ids: list[str]
    occurred_at: str
    received_at: str
    triage_due: str
    overdue: bool
    encompass: list[EncompassOutcomeOut]
    triage: TriageOut | None
    amendments: list[CaseAmendmentOut] = Field(
        default_factory=list, description="the police's amendments the case followed")
    withdrawn: WithdrawnAtOut | None = Field(
        default=None, description="the police withdrew the incident: out of the queue")


class DartQueueOut(Out):
    items: list[DartCaseOut]


class MaracFlagOut(Out):
    rule: str
    version: int
    incidents: list[str] | None = None
    victim_id: str | None = None
    detail: dict[str, Any] | None = Field(default=None, description="what the rule counted")


class MaracReferralOut(Out):
    id: str
    incident_id: str
    case_id: str
    victim_ids: list[str]
    child_ids: list[str]
    level: str
    flags: list[MaracFlagOut]
    referred_by: Actor
    referred_at: str


class MaracReferralsOut(Out):
    items: list[MaracReferralOut]


class TriageBreachOut(Out):
    case_id: str
    due: str
    overdue_hours: float


class EncompassBreachOut(Out):
    notice_id: str
    recipient_agency: str | None
    school_urn: str | None
    due: str
    escalated: bool
    overdue_hours: float


class NotSentOut(Out):
    case_id: str
    child_id: str
    reason: str
    received_at: str


class DartBreachesOut(Out):
    at: str
    triage: list[TriageBreachOut]
    encompass: list[EncompassBreachOut]
    encompass_not_sent: list[NotSentOut]


class NoticeChildOut(Out):
    given_name: Text
    family_name: Text
    date_of_birth: Text


class AcknowledgementOut(Out):
    by: Actor
    at: str
    late: bool


class EncompassNoticeOut(Out):
    id: str
    child_id: str
    recipient: str
    school_urn: str | None
    due_at: str
    issued_at: str
    overdue: bool
    child: NoticeChildOut | None = Field(description="null once the notice is withdrawn")
    incident_at: str | None
    present: bool | None
    welfare_check: bool | None
    child_words: Text
    acknowledged: AcknowledgementOut | None
    updated_at: str | None = Field(default=None, description="when the police last amended "
                                                             "what it says")
    withdrawn: WithdrawnAtOut | None = Field(default=None, description="the notice was "
                                           "withdrawn (never why); nothing more is owed")


class EncompassInboxOut(Out):
    agency: str
    items: list[EncompassNoticeOut]


class EncompassAcknowledgedOut(Out):
    id: str
    acknowledged_at: str
    late: bool


# Missing children -----------------------------------------------------------------------------

class MissingFlagOut(Out):
    rule: str
    version: int
    episodes: list[str] | None = None


class InterviewStepOut(Out):
    step: str
    at: str
    by: Actor
    independent: bool | None
    reason: Text


class InterviewOut(Out):
    due: str | None
    settled_at: str | None
    overdue: bool
    steps: list[InterviewStepOut]


class EpisodeOut(Out):
    id: str
    child_id: str
    type: str
    start: str | None
    end: str | None
    ended_by: str | None
    open: bool
    hours_missing: float
    reports: list[str]
    reported_by: str | None
    split_from: str | None
    flags: list[MissingFlagOut]
    priority: bool
    informed: Actor | None = Field(description="the allocated worker told of the episode")
    interview: InterviewOut | None
    overdue_hours: float | None = Field(default=None, description="breaches only: hours "
                                                                  "past the interview's due")


class ToReconcileOut(Out):
    child_id: str
    report: str
    type: str
    reason: str
    at: str


class MissingQueueOut(Out):
    at: str
    missing: list[EpisodeOut]
    interviews: list[EpisodeOut]
    to_reconcile: list[ToReconcileOut]


class MissingBreachesOut(Out):
    at: str
    interviews: list[EpisodeOut]


class EpisodesOut(Out):
    child_id: str
    episodes: list[EpisodeOut]


class EpisodeListOut(Out):
    items: list[EpisodeOut]


class ReconciledOut(Out):
    child_id: str
    report: str
    reconciled_at: str
